# `make demo` and `make test` do all set-up on a fresh Debian machine (as root: apt packages),
# then run. Every step is skipped when its work is already done.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# bpy's X11/GL libraries, and Mesa EGL for the draft engines (Workbench, EEVEE) of the force datasets
BLENDER_APT := libx11-6 libxrender1 libxfixes3 libxi6 libxkbcommon0 libxext6 libsm6 libgl1 \
  libegl1 libegl-mesa0 libgl1-mesa-dri
APT_PACKAGES := python3-venv fluidsynth libfluidsynth3 timgm6mb-soundfont ffmpeg chromium $(BLENDER_APT)
HUB ?= $(CURDIR)/.hub
DEMO ?= $(CURDIR)/demo-output
export SYNTHSUITE_HUB := $(HUB)
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export HF_EVALUATE_OFFLINE := 1

.PHONY: demo test test-fast lint bench system venv clean

system:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "error: missing Debian packages:$$missing; fix: sudo apt-get install$$missing" >&2; exit 1; fi; \
	fi

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch is pinned on the same line as the project so pip never reaches for a CUDA build.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q "torch==2.13.0" -e ".[all,test]"
	$(BIN)/pip install -q --no-deps basic-pitch==0.4.0 torchcrepe==0.0.24
	touch $@

# Blender as a Python module pins numpy<2 (the main venv has numpy 2): its own venv, which the
# force datasets' render worker runs (datasets_src/force/runner.py). The pins of the `blender` extra.
BLENDER_VENV := .venv-blender
$(BLENDER_VENV)/bin/python:
	$(PY) -m venv $(BLENDER_VENV)
	$(BLENDER_VENV)/bin/pip install -q --upgrade pip

$(BLENDER_VENV)/.installed: | $(BLENDER_VENV)/bin/python
	$(BLENDER_VENV)/bin/pip install -q "bpy==5.0.1" "av==18.1.0"
	touch $@

$(BLENDER_VENV): $(BLENDER_VENV)/.installed

venv: system $(VENV)/.installed $(BLENDER_VENV)/.installed

# The main job end to end on the tiny profile: data -> baseline -> evaluation -> leaderboard.
demo: venv
	rm -rf "$(HUB)/local/syntheory-tiny" "$(DEMO)"
	$(BIN)/synthsuite generate syntheory --profile tiny --workers 2
	$(BIN)/synthsuite publish "$(HUB)/local/syntheory-tiny" --repo-id synthsuite/syntheory-tiny --local
	$(BIN)/synthsuite info synthsuite/syntheory-tiny --load
	$(BIN)/synthsuite baseline syntheory --profile tiny --all --features chroma --probe linear \
	  --workers 2 --out "$(DEMO)/results"
	$(BIN)/synthsuite model-card --name probe-linear/chroma --license MIT --saw-synthetic-data \
	  --out "$(DEMO)/model.json"
	$(BIN)/synthsuite submit --results "$(DEMO)/results" --model-card "$(DEMO)/model.json" --store "$(DEMO)/store"
	$(BIN)/synthsuite leaderboard build --store "$(DEMO)/store" --out "$(DEMO)/site"
	rm -rf "$(HUB)/local/force-point-tiny" "$(HUB)/local/force-wind-tiny"
	$(BIN)/synthsuite generate force-point --profile tiny --workers 2
	$(BIN)/synthsuite generate force-wind --profile tiny --workers 2
	$(BIN)/synthsuite info "$(HUB)/local/force-point-tiny" --load
	$(BIN)/synthsuite info "$(HUB)/local/force-wind-tiny" --load
	@echo "open $(DEMO)/site/index.html, or: $(BIN)/synthsuite leaderboard serve --store $(DEMO)/store"

test: venv
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# The quick lane for development: everything but the tests marked slow (Blender, Chromium, training).
test-fast: venv
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not slow"

lint: venv
	$(BIN)/ruff check .

# The quick version of every benchmark (benchmarks/bench.py): one table of ratios against their floors.
bench: venv
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) $(BLENDER_VENV) $(HUB) $(DEMO) .pytest_cache .ruff_cache
