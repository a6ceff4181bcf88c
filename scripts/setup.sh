#!/usr/bin/env bash
# Installs everything HubMesh needs on a Debian machine, idempotently:
# libzmq (apt), Go (apt), jq, and a Python virtual environment at .venv with the bindings,
# the linters and the third-party SignalR clients used by the interop tests.
# With --tests, also Chromium and its driver (apt), for the interop suite's browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
tests=false
[ "${1:-}" = "--tests" ] && tests=true

log() { printf '[setup] %s\n' "$*" >&2; }

need_apt=()
pkg-config --exists libzmq 2>/dev/null || need_apt+=(libzmq3-dev pkg-config)
command -v go >/dev/null 2>&1 || need_apt+=(golang-go)
command -v jq >/dev/null 2>&1 || need_apt+=(jq)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv python3-pip)
if $tests; then
    command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
    command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
    log "installing with apt: ${need_apt[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

command -v swift >/dev/null 2>&1 || { log "swift is not on PATH (Swift 6.1 or newer is required)"; exit 1; }

# Python: one venv for the binding, its tests, the interop clients and the linters.
requirements=(pyzmq msgpack pytest mypy ruff signalrcore pysignalr websockets requests selenium)
stamp=".venv/.hubmesh-setup"
want="v1 ${requirements[*]} $(sha256sum Bindings/python/pyproject.toml | cut -c1-16)"
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "creating the Python environment in .venv"
    python3 -m venv .venv
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q "${requirements[@]}"
    .venv/bin/pip install -q -e 'Bindings/python[dev]'
    echo "$want" > "$stamp"
fi
log "ready: $(pkg-config --modversion libzmq | sed 's/^/libzmq /'), $(go version | cut -d' ' -f3), $(.venv/bin/python --version)"
