"""Everything X11-specific, behind the small seams the rest of the code uses.

One display-opening helper, one keysym table, one XRecord listener base (the input recorder and the
stop-key watcher), the XTEST keyboard, the owned clipboard, the acting flag and the EWMH window
queries. A Windows, macOS or Wayland backend would be one more folder beside this one.
"""
