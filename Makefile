# Deskpilot: every target installs what it needs on a fresh Debian machine.
#   make demo    run the bundled task on the demo app, on a private virtual desktop (`deskpilot demo`)
#   make test    the test suite (unit, real Xvfb desktop, tiny models, the wheel in a fresh venv)
#   make bench   benchmarks (ratios measured side by side in one run)

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.deskpilot-installed
DEBIAN_PACKAGES := xvfb openbox tesseract-ocr tesseract-ocr-eng xclip xdotool x11-utils chromium \
                   mousepad galculator featherpad zenity yad x11-apps xterm xfce4-terminal \
                   tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-chi-sim tesseract-ocr-jpn fonts-wqy-zenhei \
                   xserver-xorg-core xserver-xorg-video-dummy \
                   dbus-daemon at-spi2-core python3-pyqt5 gnumeric gpicview dillo l3afpad qalculate-gtk pluma geany juffed mate-calc sakura \
                   stterm mlterm gedit
# dbus-daemon + at-spi2-core: the D-Bus session and accessibility bus a private desktop starts, so GTK,
# Qt and Chromium apps publish their widgets (the tree rung; the Python side is dbus-fast, from pip).
# python3-pyqt5: the system Python's PyQt5 for the Qt form (scenarios/pages/qt_form.py) of the identity
# tests and bench.robustness, on the Qt 5 featherpad already brings.
# gnumeric, gpicview: tests/realapps/test_trial5_pitfalls.py (a toolbar tooltip, a title-only save, an
# untitled dialog left open).
# dillo, l3afpad: tests/realapps/test_trial6_pitfalls.py (a steady caret in an FLTK field, a path typed over
# a selected stem).
# qalculate-gtk, pluma, geany: tests/realapps/test_trial8_pitfalls.py (typed symbols a field shows in its
# own forms, a dialog's button whose effect is in its main window, an expander as wide as its dialog).
# juffed, mate-calc, sakura: tests/realapps/test_trial9_pitfalls.py (Qt popup menus, a search bar's field
# under a page tab, text OCR misreads put right by the text the app publishes).
# stterm, mlterm: tests/realapps/test_terminals.py (terminals with no accessibility tree: a prompt that names
# its folder read two ways, a block cursor joining two rows).
# gedit: tests/realapps/test_trial11_pitfalls.py (a paste target that asks TARGETS after its fetch, then nothing).
# The CPU build of torch the test environment is pinned to (an unpinned torch pulls GBs of CUDA),
# and the model stack the tiny-model tests run on. Installed before the package, so nothing in
# `.[dev]` can drag in another torch.
TORCH_PIN := torch==2.13.0
MODEL_PINS := transformers==5.23.0 tokenizers==0.23.3 accelerate==1.15.0 optimum-quanto==0.2.7

.PHONY: all deps venv demo test bench lint clean

all: test

deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages; run:"; echo "  sudo apt-get install -y $$missing"; exit 1; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH_PIN)"
	$(PY) -m pip install -q $(MODEL_PINS) "$(TORCH_PIN)"
	$(PY) -m pip install -q -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

demo: deps venv
	$(VENV)/bin/deskpilot demo

test: deps venv
	$(PY) -m pytest

bench: deps venv
	$(PY) -m bench.run_all

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy agent actions planners deskpilot
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) runs build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
