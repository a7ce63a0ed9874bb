#!/usr/bin/env bash
# Install what the tests and the docs need, then run everything CI runs:
#   1. every test against every step it applies to, in parallel over the cores,
#   2. the Redis-behaviour tests against a real redis-server (proving them),
#   3. a strict build of the docs site.
# Works on a fresh Debian machine with only python3: it installs redis-server,
# redis-tools, netcat and iproute2 with apt-get when they are missing (as root, or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null && command -v redis-benchmark >/dev/null || missing+=(redis-tools)
command -v nc >/dev/null || missing+=(netcat-openbsd)
command -v ss >/dev/null || missing+=(iproute2)  # the keepalive tests read the kernel's TCP timers
python3 -c "import venv, ensurepip" 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing ${missing[*]} with apt-get"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt

# -n auto: one pytest worker per core. pytest.ini's --dist loadgroup keeps the
# tests of one (module, server) on one worker, so each server starts once.
.venv/bin/python -m pytest -n auto
.venv/bin/python -m pytest -n auto --against-redis
.venv/bin/mkdocs build --strict
