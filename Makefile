# OmniPOS: one command to run, one to test. Everything sets itself up (virtualenv, Python
# packages, and the Debian packages the GUI and the scanner need when run as root).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= var

# Debian packages: Qt's xcb platform plugin on a real display, zbar for camera scanning,
# fonts for the receipt preview, and what PySide6 loads even offscreen.
DEB_BASE := libzbar0 libgl1 libegl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3 fonts-dejavu-core
# haproxy: the load balancer of the multi-process center test and benchmark (loopback only)
DEB_CENTER := haproxy
DEB_X11  := libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
            libxcb-xinerama0 libxcb-shape0 libxkbcommon-x11-0
# the real-display tests: a virtual X server, a small window manager, real key events, xdpyinfo
DEB_DISPLAY := xvfb openbox xdotool x11-utils

.PHONY: help setup system-deps system-deps-x11 run test test-long test-display test-scale check-extras lint bench bench-sync bench-center \
        bench-day soak chaos fuzz fuzz-ci package package-smoke demo-big clean

help:
	@echo "make run      set up, create the demo store on first run, open the store app"
	@echo "make test     set up and run every test headless"
	@echo "make test-display  the screens on a real X display (Xvfb + openbox) at four sizes; screenshots in test-artifacts/"
	@echo "make fuzz     schemathesis against the real center, longer than make test's run"
	@echo "make bench    benchmarks with 1,000,000 products (prints figures; not tests)"
	@echo "make soak     the till through 20,000 scans and 500 sales in one process (a few minutes)"
	@echo "make package  build the one-folder app with PyInstaller and smoke-test it"
	@echo "make test-scale    two center processes on PostgreSQL behind haproxy, tills pushing and pulling"
	@echo "make bench-center  1,000 simulated tills against two center processes on PostgreSQL"
	@echo "make check-extras  pip install '.[backend]' into a fresh virtualenv: no Qt, no OpenCV (downloads)"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed ($(PYTHON) is $$($(PYTHON) --version))."; exit 1; }
	@if ! $(PYTHON) -m venv --help >/dev/null 2>&1 || ! $(PYTHON) -c 'import ensurepip' >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq python3-venv; \
	  else echo "Python's venv module is missing: sudo apt-get install python3-venv"; exit 1; fi; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[till,backend,dev]'
	@touch $(STAMP)

setup: $(STAMP) system-deps

# Installs missing Debian packages when run as root; otherwise prints the one command to run.
system-deps:
	@./.ci/debian-packages $(DEB_BASE) $(DEB_CENTER)

system-deps-x11:
	@./.ci/debian-packages $(DEB_X11)

# make run: the center on loopback (embedded SQLite in $(DATA)/backend.db, seeded with the demo
# retailer once), this till registered with it once (token in $(DATA)/device.token, mode 0600),
# then the store app, syncing with it. Closing the app stops the center.
BACKEND_PORT ?= 8765
BACKEND_DB    = sqlite:///$(abspath $(DATA))/backend.db
BACKEND_URL   = http://127.0.0.1:$(BACKEND_PORT)

run: setup system-deps-x11
	@if [ -z "$$DISPLAY$$WAYLAND_DISPLAY$$QT_QPA_PLATFORM" ]; then \
	  echo "No display found (DISPLAY is not set). Start it on a desktop, or under a virtual one: xvfb-run make run"; exit 1; fi
	@mkdir -p $(DATA)
	@$(BIN)/pos-backend seed --demo --database-url $(BACKEND_DB)
	@[ -s $(DATA)/device.token ] || $(BIN)/pos-backend devices register --store BER --name "Kasse 1" --id BER-K1 \
	  --token-file $(DATA)/device.token --database-url $(BACKEND_DB)
	@$(BIN)/pos-backend serve --port $(BACKEND_PORT) --database-url $(BACKEND_DB) --data-dir $(DATA) > $(DATA)/backend.log 2>&1 & pid=$$!; \
	  trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null' EXIT INT TERM; \
	  for i in $$(seq 100); do $(BIN)/python -c 'import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)' \
	    $(BACKEND_URL)/v1/health 2>/dev/null && break; sleep 0.2; done; \
	  echo "Center running at $(BACKEND_URL) (log: $(DATA)/backend.log)"; \
	  $(BIN)/omnipos --data-dir $(DATA) --backend-url $(BACKEND_URL)

lint: $(STAMP)
	$(BIN)/lint-imports

# Three workers (pytest-xdist; a test file stays on one worker, so its module fixtures are built
# once): CI has two cores, and much of the suite waits on centers, sync rounds and fsync rather
# than computing. TEST_WORKERS=0 runs it in one process. The long system runs (the sync worker
# killed 20 times, two centers behind haproxy, the soak harness's own tests) are make test-long,
# which CI runs right after.
TEST_WORKERS ?= 3
LONG_TESTS := tests/test_sync_chaos.py tests/test_center_scale.py tests/test_soak.py
test: setup lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile $(addprefix --ignore=,$(LONG_TESTS))

test-long: setup
	@./.ci/debian-packages $(DEB_CENTER)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n 2 --dist loadfile $(LONG_TESTS)

# Every screen and dialog on a real X display (Xvfb, the xcb platform, openbox) at 1366x768,
# 1280x800, 1024x768 and 800x1280: it fits, the shortcuts work by real key events; screenshots of
# each in test-artifacts/<size>/. SIZES=1024x768 for one size.
SIZES ?= 1366x768,1280x800,1024x768,800x1280
LANGUAGES ?= de,en
test-display: setup system-deps-x11
	@./.ci/debian-packages $(DEB_DISPLAY)
	$(BIN)/python -m tests.display.run_displays --sizes $(SIZES) --languages $(LANGUAGES)

# PostgreSQL for the center tests that need a server (several processes on one database).
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

# The center as a service: two `serve` processes on one PostgreSQL behind haproxy (installed
# here as root), tills pushing and pulling, one process killed mid-push. About 30 s; also part
# of make test when POS_TEST_DATABASE_URL is set (CI sets it).
test-scale: setup
	@./.ci/debian-packages $(DEB_CENTER)
	POS_TEST_DATABASE_URL=$${POS_TEST_DATABASE_URL:-$(PG_TEST_URL)} $(BIN)/python -m pytest -q -s tests/test_center_scale.py

# The [backend] extra in a fresh virtualenv (with constraints.txt) installs no Qt and no OpenCV.
# Downloads from the package index, a minute or two: not part of make test; CI runs it.
check-extras: $(STAMP)
	POS_TEST_EXTRAS=1 $(BIN)/python -m pytest -q -s tests/test_extras.py

# Load: 1,000 simulated tills (registered devices pushing batches of sales and pulling their
# feed) against two center processes on PostgreSQL for 60 s; prints events/s and push p50/p95/
# p99. POS_BENCH_CENTER_MODE=haproxy for two serve processes behind haproxy instead of one
# serve --workers 2; POS_BENCH_CENTER_PROFILE=1 adds a py-spy profile of the center.
bench-center: setup
	@./.ci/debian-packages $(DEB_CENTER)
	POS_TEST_DATABASE_URL=$${POS_TEST_DATABASE_URL:-$(PG_TEST_URL)} $(BIN)/python tests/perf/bench_center.py

# Schemathesis on backend/openapi.json against the real center with every check, longer than
# make test's run (3 examples per operation): on SQLite, then on PostgreSQL when
# POS_TEST_DATABASE_URL is set. POS_FUZZ_EXAMPLES / POS_FUZZ_SECONDS / POS_FUZZ_SEED to vary it.
fuzz: setup
	POS_FUZZ=1 POS_FUZZ_EXAMPLES=$${POS_FUZZ_EXAMPLES:-50} POS_FUZZ_SECONDS=$${POS_FUZZ_SECONDS:-900} POS_TEST_DATABASE_URL= \
	  QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -s tests/backend/test_fuzz.py
	@if [ -n "$$POS_TEST_DATABASE_URL" ]; then \
	  POS_FUZZ=1 POS_FUZZ_EXAMPLES=$${POS_FUZZ_EXAMPLES:-50} POS_FUZZ_SECONDS=$${POS_FUZZ_SECONDS:-900} \
	  QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -s tests/backend/test_fuzz.py; fi

# The same, bounded (3 examples per operation, 150 s per database): CI runs it after make test.
fuzz-ci: setup
	POS_FUZZ=1 POS_TEST_DATABASE_URL= QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q tests/backend/test_fuzz.py
	@if [ -n "$$POS_TEST_DATABASE_URL" ]; then \
	  POS_FUZZ=1 QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q tests/backend/test_fuzz.py; fi

# The kill test with 200 SIGKILL cycles instead of 20 (make test-long runs 20).
chaos: setup
	POS_CHAOS_CYCLES=$${POS_CHAOS_CYCLES:-200} POS_CRASH_CYCLES=$${POS_CHAOS_CYCLES:-200} QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q tests/test_sync_chaos.py tests/test_store.py tests/test_shifts.py -k "killed"

bench: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/perf/run_all.py

# The till all day (issue 18): the app's own window through 20,000 scans and 500 sales; fails on a
# crash, on None's reference count falling, on memory growth or a lost receipt. A few minutes.
soak: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/perf/soak_till.py

# A full day of a busy store, minute by minute, on the 1,000,000-product store (figures, not a test).
bench-day: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/perf/bench_day.py

# Sync: first pull of 1,000,000 products and draining 10,000 queued sales, against the real
# center process (PostgreSQL when POS_TEST_DATABASE_URL is set, else SQLite). Several minutes.
bench-sync: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/perf/bench_sync.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/perf/bench_ui_stall.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/perf/bench_returns.py

package: setup
	$(BIN)/pyinstaller --noconfirm --clean pyinstaller.spec
	$(MAKE) package-smoke

package-smoke:
	QT_QPA_PLATFORM=offscreen POS_DATA_DIR=$$(mktemp -d) ./dist/omnipos/omnipos --smoke-test

demo-big: setup
	$(BIN)/omnipos-demo --db $(DATA)/big.db --products 1000000 --customers 1000000 --force

clean:
	rm -rf build dist $(VENV) .pytest_cache test-artifacts
