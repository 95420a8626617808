"""The trials' driver: each run on a fresh private desktop (Xvfb 1280x800 + openbox + AT-SPI bus), a clock
ticking at 960,600, a 30 fps animation beside it in the runs marked motion, the app started, the plan run with
`deskpilot run --plan`, then the app's own state read (the run's truth, ``trial_kit.plans``). One JSON line per
run goes to ROOT/results.jsonl. Each trial's ``drive.py`` calls :func:`main` with its runs and its ROOT."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from actions.x11.windows import wait_for_window
from agent.desktop.xserver import VirtualDesktop
from scenarios.harness import MotionAppProcess
from scenarios.realapps.apps import _app_process

# isort: split
from trial_kit.plans import Run

DESKPILOT = str(Path(sys.executable).parent / "deskpilot")  # the venv that runs this driver


def sh(env: dict[str, str], *argv: str, data: str | None = None) -> str:
    env = {**env, "LC_ALL": "C.UTF-8"}  # xclip prints '?' for a non-ASCII character (÷) without a UTF-8 locale
    if data is not None:  # xclip -i stays behind to own the selection: never wait for its stdout
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        subprocess.run(list(argv), env=env, input=data, text=True, timeout=15, **quiet)
        return ""
    return subprocess.run(list(argv), env=env, capture_output=True, text=True, timeout=15).stdout


def one(run: Run, root: Path) -> dict:
    """One run on a fresh private desktop; its record is appended to ``root``/results.jsonl and returned."""
    work = root / "work" / run.id
    out = root / "runs" / run.id
    subprocess.run(["rm", "-rf", str(work), str(out)], check=True)
    work.mkdir(parents=True)
    for name, text in run.files.items():
        (work / name).write_text(text, encoding="utf-8")
    plan_path = work / "plan.json"
    plan = json.loads(json.dumps(run.plan).replace("@WORK@", str(work)))
    plan_path.write_text(json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8")
    cmd = [c.replace("@WORK@", str(work)) for c in run.cmd]
    with VirtualDesktop() as desk:
        env = desk.env()
        with MotionAppProcess(env, fps=10, clock=True, geometry="300x180+960+600"):
            anim = MotionAppProcess(env, fps=30, clock=False, geometry="300x180+960+40") if run.motion else None
            if anim is not None:
                anim.start()  # its wait returns at once (the clock has the same title): wait for its own window
                deadline = time.monotonic() + 20
                while len(sh(env, "xdotool", "search", "--onlyvisible", "--name", "^Deskpilot Motion$").split()) < 2:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the animation's window never showed")
                    time.sleep(0.2)
                time.sleep(0.5)
            try:
                with _app_process(cmd, env, subprocess.PIPE) as proc:
                    wait_for_window(run.title, timeout_s=40, display=env["DISPLAY"])
                    time.sleep(1.0)  # the app's first paint done: a new user starts a plan on a still app
                    t0 = time.monotonic()
                    res = subprocess.run(
                        [DESKPILOT, "run", "--plan", str(plan_path), "--out", str(out)],
                        env=env, capture_output=True, text=True, timeout=300,
                    )  # fmt: skip
                    wall_s = time.monotonic() - t0
                    done, detail = run.truth(env, work, proc, sh)
            finally:
                if anim is not None:
                    anim.stop()
    steps = []
    if (out / "steps.jsonl").exists():
        for line in (out / "steps.jsonl").read_text().splitlines():
            s = json.loads(line)
            seen = s.get("seen") or {}
            det = seen.get("detail") or s.get("note") or s.get("error") or ""
            steps.append([(s.get("action") or {}).get("kind"), s.get("verdict"), str(det)[:300]])
    said_ok = res.returncode == 0
    klass = "honest" if said_ok == done else ("FALSE SUCCESS" if said_ok else "FALSE FAILURE")
    last = [ln for ln in res.stderr.splitlines() if ln.startswith("deskpilot:")]
    rec = {
        "id": run.id, "app": run.app, "motion": run.motion, "batch": run.batch, "rc": res.returncode,
        "done": done, "truth": detail, "class": klass, "plan_fault": run.plan_fault, "steps": steps,
        "line": last[-1] if last else res.stderr[-300:], "plan": plan, "wall_s": round(wall_s, 1), "note": run.note,
    }  # fmt: skip
    with (root / "results.jsonl").open("a") as fh:
        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return rec


def main(runs: list[Run], root: Path, ids: list[str]) -> None:
    """Run the runs named (``all``, ``batchN`` or ids), one at a time, printing each record."""
    os.chdir(Path(__file__).resolve().parents[2])  # the repository's root
    root.mkdir(exist_ok=True)
    by_id = {r.id: r for r in runs}
    if ids == ["all"]:
        ids = [r.id for r in runs]
    elif ids and ids[0].startswith("batch"):
        ids = [r.id for r in runs if f"batch{r.batch}" == ids[0]]
    for rid in ids:
        rec = one(by_id[rid], root)
        print(json.dumps(rec, ensure_ascii=False), flush=True)
