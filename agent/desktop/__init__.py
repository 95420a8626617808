"""Private virtual desktops (Xvfb or Xorg-dummy with openbox) and the child processes they run."""
