"""A lever for the CPU tier, measured before it is built: torch's dynamic int8 quantization (fbgemm) of the
language model's linear layers, against today's default, on ``bench.cpu_step``'s random 2B checkpoint.

    .venv/bin/python -m bench.cpu_dynamic_int8                  # default, dynamic int8, + the output head
    .venv/bin/python -m bench.cpu_dynamic_int8 --modes default int8+head

Each mode runs in its own process (load time and peak memory are its own): load through
``LocalQwenBackend`` (fp32 for the int8 modes: fbgemm's dynamic linear layers take fp32 activations), then
at the ``edge`` preset a first step and a warm step of one run, answers forced to a real answer's length,
exactly as ``bench.cpu_step`` times them. Dynamic int8 keeps the weights in int8 and quantizes each call's
activations: on a CPU whose bf16 matrix products are no faster than fp32's (this one), the prefill gets the
int8 kernels' speed, and each decoded token reads a quarter of fp32's bytes. It trades accuracy that random
weights cannot show. ``torch.ao.quantization`` is deprecated in favour of torchao; torchao's int8 configs ran
3-8x slower in eager mode on this CPU, so this measures the one that is fast today.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from bench.timing import table

MODES = ("default", "int8", "int8+head")


def run_mode(directory: Path, mode: str) -> dict[str, Any]:
    import torch

    from bench.cpu_step import CALL, ForwardClock, _screens, timed_step
    from planners.qwen.family import get_preset, resize_for_model
    from planners.qwen.local import LocalQwenBackend
    from planners.qwen.prompt import HistoryItem

    started = time.perf_counter()
    dtype = "auto" if mode == "default" else "fp32"
    backend = LocalQwenBackend(str(directory), device="cpu", dtype=dtype, prefix_cache=True, stop_at_tool_call=True)
    model = backend._model
    if mode != "default":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.ao's deprecation notices, once per layer
            dynamic = torch.ao.quantization.quantize_dynamic
            dynamic(model.model.language_model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
            if mode == "int8+head":
                model.lm_head = dynamic(torch.nn.Sequential(model.lm_head), {torch.nn.Linear}, dtype=torch.qint8)[0]
    load_s = time.perf_counter() - started
    answer_tokens = len(backend._tokenizer(CALL, add_special_tokens=False)["input_ids"])
    model.generation_config.min_new_tokens = answer_tokens  # random weights: force a real answer's length
    clock = ForwardClock(model)
    first, second = (resize_for_model(image, get_preset("edge"), "qwen3") for image in _screens())
    history = [HistoryItem(CALL, "changed", "", None)]
    steps = {
        "first": timed_step(backend, clock, first, [], answer_tokens, terse=True),
        "warm": timed_step(backend, clock, second, history, answer_tokens, terse=True),
    }
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return {"mode": mode, "load_s": load_s, "peak_gb": peak_gb, **steps}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    parser.add_argument(
        "--checkpoints", type=Path, default=Path.home() / ".cache" / "deskpilot" / "cpu_step", help="as bench.cpu_step"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: one mode, as JSON on stdout
    args = parser.parse_args(argv)
    directory = args.checkpoints / "2b"
    if args.child:
        print("RESULT " + json.dumps(run_mode(directory, args.child)), flush=True)
        return 0
    from bench.cpu_step import build_checkpoint

    build_checkpoint("2b", directory)
    rows = []
    for mode in args.modes:
        cmd = [sys.executable, "-m", "bench.cpu_dynamic_int8", "--child", mode, "--checkpoints", str(args.checkpoints)]
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "TQDM_DISABLE": "1"})
        lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
        if proc.returncode or not lines:
            print(f"{mode}: failed\n{proc.stderr[-2000:]}", flush=True)
            continue
        r = json.loads(lines[-1].removeprefix("RESULT "))
        print(f"{mode}: {json.dumps(r)}", flush=True)
        rows.append(
            [
                mode,
                f"{r['load_s']:.1f}",
                f"{r['first']['step_s']:.1f}",
                f"{r['warm']['step_s']:.1f}",
                f"{r['warm']['until_first_token_s']:.1f}",
                f"{r['warm']['decode_ms']:.0f}",
                f"{r['peak_gb']:.1f}",
            ]
        )
    headers = ["mode", "load s", "first step s", "warm step s", "warm to 1st tok s", "decode ms/tok", "peak GB"]
    print(f"\n2B, edge, random weights, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(table(headers, rows))
    return 0 if rows else 1


if __name__ == "__main__":
    raise SystemExit(main())
