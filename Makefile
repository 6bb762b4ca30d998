# The two commands of README.md: `make run` (the whole hub with demo data) and `make test` (the whole suite).
# Everything else here is what they need: a virtual environment, the front-end libraries, compiled translations.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
VPY := $(VENV)/bin/python
# On Debian/Ubuntu as root a missing system tool is installed (refreshing the package lists when they are stale,
# as on a fresh machine); elsewhere one line says what to install.
APT_INSTALL = if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q $(1) || { apt-get update -q && apt-get install -y -q $(1); }; \
	else echo "[hub] please install $(1) (Debian/Ubuntu: sudo apt-get install $(1))"; exit 2; fi

# Debian packages the two commands need beyond Python, as package=what-shows-it-is-there (a program on the
# PATH or in /usr/sbin, or a file). The media server (nginx with the RTMP module, ffmpeg and ffprobe for
# recorded lectures and replays) for both; the browser tests' chromium and CJK fonts for the tests.
# (redis-server is installed by bin/hubctl.py when no Redis answers; gettext by `messages`; npm by `vendor`.)
MEDIA_DEBS := nginx=nginx libnginx-mod-rtmp=/usr/lib/nginx/modules/ngx_rtmp_module.so ffmpeg=ffmpeg ffmpeg=ffprobe
TEST_DEBS := $(MEDIA_DEBS) chromium=/usr/bin/chromium fonts-noto-cjk=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
# The packages of a list whose program or file is missing.
MISSING_DEBS = $$(for entry in $(1); do pkg=$${entry%%=*}; probe=$${entry\#*=}; \
	  case "$$probe" in /*) [ -e "$$probe" ];; *) command -v "$$probe" >/dev/null || [ -x "/usr/sbin/$$probe" ];; esac \
	  || echo "$$pkg"; done | sort -u | xargs)

.PHONY: run test setup setup-test vendor messages test-deps media-deps lint clean

run: setup vendor messages media-deps
	$(VPY) bin/hubctl.py run

test: setup-test vendor messages test-deps
	$(VPY) bin/hubctl.py test $(PYTEST_ARGS)

setup: $(VENV)/.installed
setup-test: $(VENV)/.installed-test

# Python 3.11 (Debian 12's python3); installed with apt when there is none at all.
$(VENV)/bin/python:
	@py="$(PYTHON)"; \
	if [ -z "$$py" ]; then $(call APT_INSTALL,python3.11 python3.11-venv); py=$$(command -v python3.11); fi; \
	"$$py" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "[hub] Python 3.11 is required; set PYTHON=/path/to/python3.11")' || exit 2; \
	echo "[hub] creating $(VENV) with $$py"; \
	"$$py" -m venv $(VENV) || { rm -rf $(VENV); $(call APT_INSTALL,python3.11-venv); "$$py" -m venv $(VENV); }
	$(VPY) -m pip install -q --upgrade pip

# constraints.txt pins the versions CI tested; pyproject.toml keeps the compatible ranges.
$(VENV)/.installed: $(VENV)/bin/python pyproject.toml constraints.txt
	$(VPY) -m pip install -q -c constraints.txt -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml constraints.txt
	$(VPY) -m pip install -q -c constraints.txt -e ".[test]"
	@touch $@

# ECharts, hls.js and htmx from the npm registry (pinned in package-lock.json), served by the hub itself.
vendor: var/vendor/.stamp
var/vendor/.stamp: package.json package-lock.json
	@command -v npm >/dev/null || { $(call APT_INSTALL,nodejs npm); }
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p var/vendor
	cp node_modules/echarts/dist/echarts.min.js node_modules/hls.js/dist/hls.min.js \
	   node_modules/htmx.org/dist/htmx.min.js var/vendor/
	@touch $@

# Everything the suite runs: the media server's packages, and Debian's chromium with the CJK fonts (so that
# Chinese renders in the browser tests).
test-deps:
	@missing="$(call MISSING_DEBS,$(TEST_DEBS))"; [ -z "$$missing" ] || { $(call APT_INSTALL,$$missing); }

# Video is optional for `make run`: as root the media server's packages are installed, otherwise one line says
# what to install and the hub starts without video.
media-deps:
	@missing="$(call MISSING_DEBS,$(MEDIA_DEBS))"; [ -z "$$missing" ] || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then $(call APT_INSTALL,$$missing); \
	else echo "[hub] video needs $$missing (Debian/Ubuntu: sudo apt-get install $$missing)"; fi

messages: $(VENV)/.installed
	@command -v msgfmt >/dev/null || { $(call APT_INSTALL,gettext); }
	@DJANGO_DEBUG=1 $(VPY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

lint: setup-test
	$(VPY) -m ruff check .
	$(VPY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(VPY) -m mypy

clean:
	rm -rf $(VENV) node_modules var/vendor
