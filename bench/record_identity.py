"""What reading the identity costs the recorder, on the Chromium identity form (scenarios/pages).

    .venv/bin/python -m bench.record_identity

One private desktop with its accessibility bus. Side by side, per press on the recorder's capture thread:
``DesktopSnapshotter.snapshot()`` as before (grab and window list) and ``snapshot(at=point)``, which also
starts the tree read on its worker; then the tree read itself (on the worker, waited for here) and the
identity it gives for the Name field. The capture thread's cost with the tree as a ratio to without.
"""

from __future__ import annotations

import os

from bench.timing import median, sample_ms, table

REPEAT = 20


def main(argv: list[str] | None = None) -> int:
    from agent.desktop.xserver import VirtualDesktop
    from agent.record.snapshot import DesktopSnapshotter, IdentityJob
    from scenarios.pages.identity_form import field_point, identity_chromium
    from scenarios.pages.zoom_form import form_server

    with VirtualDesktop() as desk:
        os.environ.update(desk.session_vars())
        with form_server() as server, identity_chromium(desk.env(), server) as (window, layout):
            point = field_point(window, layout, "name")
            snapshotter = DesktopSnapshotter(desk.display)
            try:
                snapshotter.snapshot(at=point).tree.result()  # type: ignore[union-attr]  # bus connected, warm
                plain = sample_ms(snapshotter.snapshot, REPEAT)
                with_tree = sample_ms(lambda: snapshotter.snapshot(at=point), REPEAT)
                snapshotter.stats.tree_ms.clear()
                last = snapshotter.snapshot(at=point)
                assert last.tree is not None
                identity = IdentityJob(last.tree, point, window.title).result()
                for _ in range(REPEAT - 1):
                    snapshotter.snapshot(at=point).tree.result()  # type: ignore[union-attr]
                reads = list(snapshotter.stats.tree_ms)
            finally:
                snapshotter.close()
    rows = [
        ["capture thread: grab + windows", median(plain), "-"],
        ["capture thread: + tree read started", median(with_tree), f"{median(with_tree) / median(plain):.2f}x"],
        ["tree worker: the window's tree read", median(reads), "-"],
    ]
    print(table(["per press (median ms)", "ms", "ratio"], rows))
    print(f"identity of the Name field: {identity.describe() if identity else None}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
