"""Rebuild the OCR corpus (``bench/ocr_corpus/``): real screens under Xvfb, with the true text and box of
each label. ``python -m bench.ocr_corpus_build [SCENE ...]``.

Where the truth can be known exactly, it is measured, never typed: the Chromium page measures its own
labels (DOM ranges, posted to a loopback server) at 100/125/150/200% device scale, and the Tk window
reports its widgets' text boxes. Third-party apps (galculator, yad, zenity, featherpad, xcalc) were
labelled by hand once: their ``*.json`` is committed and only the screenshot is retaken here (the apps
draw the same pixels on the same Xvfb, fonts and theme; check the boxes if a Debian update moves them).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import mss
import numpy as np
from PIL import Image

from agent.desktop.xserver import VirtualDesktop
from scenarios.realapps.apps import chromium_binary, chromium_command, running_app

CORPUS = Path(__file__).with_name("ocr_corpus")
PAGE = Path(__file__).with_name("ocr_corpus_page.html")
ZOOMS = (1.0, 1.25, 1.5, 2.0)
Labels = list[dict[str, Any]]


def grab_settled(display: str, timeout_s: float = 10.0) -> np.ndarray:
    """The screen once two grabs 0.3 s apart are equal (fonts loaded, carets hidden by the theme)."""
    with mss.mss(display=display) as shot:
        previous, deadline = None, time.monotonic() + timeout_s
        while True:
            pixels = np.asarray(shot.grab(shot.monitors[1]))[:, :, 2::-1].copy()  # BGRA -> RGB
            if previous is not None and (np.array_equal(previous, pixels) or time.monotonic() > deadline):
                return pixels
            previous = pixels
            time.sleep(0.3)


class _TruthServer:
    """Serves the page and waits for the labels it measured."""

    def __init__(self) -> None:
        self.posted: dict[str, Any] | None = None
        self.arrived = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                body = PAGE.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802
                owner.posted = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.arrived.set()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/page.html"


def chromium_scene(env: Mapping[str, str], zoom: float) -> tuple[np.ndarray, Labels]:
    binary = chromium_binary()
    if binary is None:
        raise SystemExit("chromium is not installed (make deps)")
    server = _TruthServer()
    with tempfile.TemporaryDirectory() as profile:
        cmd = chromium_command(binary, server.url, Path(profile), size=(1280, 800))
        cmd[1:1] = [f"--force-device-scale-factor={zoom}", "--force-color-profile=srgb", "--hide-scrollbars"]
        with running_app(cmd, env, "ocr corpus page"):
            if not server.arrived.wait(30):
                raise SystemExit("the corpus page never posted its labels")
            pixels = grab_settled(env["DISPLAY"])
    posted = server.posted or {}
    magenta = np.all(pixels == (255, 0, 255), axis=2)
    ys, xs = np.nonzero(magenta)
    origin_x, origin_y, dpr = int(xs.min()), int(ys.min()), float(posted["dpr"])
    view_w, view_h = posted["viewport"]
    labels = []
    for label in posted["labels"]:
        x, y, w, h = label["box"]
        if x < 0 or y < 0 or x + w > view_w or y + h > view_h:
            continue  # scrolled out of the window at this zoom
        box = [round(origin_x + x * dpr), round(origin_y + y * dpr), round(w * dpr), round(h * dpr)]
        labels.append({"text": label["text"], "box": box})
    return pixels, labels


def tk_scene(env: Mapping[str, str]) -> tuple[np.ndarray, Labels]:
    """The light and the dark Tk window side by side."""
    procs, labels = [], []
    try:
        for theme in ("light", "dark"):
            proc = subprocess.Popen(
                [sys.executable, "-m", "bench.ocr_corpus_tk", theme],
                env=dict(env),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            procs.append(proc)
            assert proc.stdout is not None
            labels += json.loads(proc.stdout.readline())
        return grab_settled(env["DISPLAY"]), labels
    finally:
        for proc in procs:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=10)


@contextmanager
def _apps(env: Mapping[str, str], *apps: tuple[list[str], str]) -> Iterator[None]:
    if not apps:
        yield
        return
    (cmd, title), rest = apps[0], apps[1:]
    with running_app(cmd, env, title), _apps(env, *rest):
        yield


def hand_scene(env: Mapping[str, str], apps: list[tuple[list[str], str]], keys: str = "") -> Callable[[], np.ndarray]:
    """The apps started in order; ``keys`` (xdotool key names) typed into the last; the pointer parked in a
    corner so that no hover effect or tooltip lands in the picture."""

    def shoot() -> np.ndarray:
        with _apps(env, *apps):
            subprocess.run(["xdotool", "mousemove", "1279", "799"], env=dict(env), check=True)
            if keys:
                subprocess.run(["xdotool", "key", "--delay", "50", *keys.split()], env=dict(env), check=True)
            time.sleep(1.0)  # the corpus builder, not the action path: let late redraws (menus, themes) land
            return grab_settled(env["DISPLAY"])

    return shoot


def _hand_scenes(env: Mapping[str, str]) -> dict[str, Callable[[], np.ndarray]]:
    dark = {**env, "GTK_THEME": "Adwaita:dark"}
    return {
        "gtk-galculator": hand_scene(env, [(["galculator"], "galculator")], keys="4 0 8"),
        "gtk-dark-yad": hand_scene(
            dark,
            [
                (
                    [
                        "yad",
                        "--title=Export",
                        "--text=Überschreiben? Remplacer le fichier ?",
                        "--button=Abbrechen:1",
                        "--button=Enregistrer:0",
                        "--geometry=420x140+80+80",
                    ],
                    "Export",
                ),
                (["zenity", "--question", "--title=Quit", "--text=Quit without saving?"], "Quit"),
            ],
        ),
        "qt-featherpad": hand_scene(env, [(["featherpad"], "Untitled")]),
        "athena-xcalc": hand_scene(env, [(["xcalc"], "Calculator")], keys="4 0 8"),
    }


def write_truth(path: Path, source: str, labels: Labels) -> None:
    """One label a line: a reviewer reads (and a hand-labeller edits) the truth as a list."""
    rows = ",\n".join(f"  {json.dumps(label, ensure_ascii=False)}" for label in labels)
    path.write_text(f'{{"source": "{source}", "labels": [\n{rows}\n]}}\n', encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    wanted = set(argv if argv is not None else sys.argv[1:])
    CORPUS.mkdir(exist_ok=True)
    with VirtualDesktop() as desk:
        env = desk.env()
        scenes: dict[str, Callable[[], tuple[np.ndarray, Labels | None]]] = {
            f"chromium-{round(z * 100)}": (lambda z=z: chromium_scene(env, z)) for z in ZOOMS
        }
        scenes["tk-light-dark"] = lambda: tk_scene(env)
        for name, shoot in _hand_scenes(env).items():
            scenes[name] = lambda shoot=shoot: (shoot(), None)
        for name, make in scenes.items():
            if wanted and name not in wanted:
                continue
            pixels, labels = make()
            Image.fromarray(pixels).save(CORPUS / f"{name}.png", optimize=True)
            if labels is not None:
                write_truth(CORPUS / f"{name}.json", "measured", labels)
            print(f"{name}: {len(labels) if labels is not None else 'hand-labelled'} labels")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
