#!/usr/bin/env bash
# HubMesh benchmarks: one command.
#
#   Benchmarks/run.sh            # full run (under 15 minutes once built): 3 runs per row, medians
#   Benchmarks/run.sh --quick    # under 2 minutes once built: small counts, 1 run per row
#   Benchmarks/run.sh --only hop,peers [--plot] [--no-build]
#
# Builds in release mode, installs what is missing (redis-server, nats-server, golang-go, a venv
# with pyzmq), starts Redis and NATS on free loopback ports, runs bounded workloads on 127.0.0.1,
# stops everything it started (also on Ctrl-C), prints a table and writes
# Benchmarks/results/latest.json. With --plot it also redraws docs/benchmarks-*.png.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BENCH_DIR="$ROOT/Benchmarks"
TOOLS="$BENCH_DIR/.build-tools"
RESULTS="$BENCH_DIR/results"
# The Swift package to build (another checkout or a scratch package with the same targets works too).
PACKAGE_DIR="${HUBMESH_BENCH_PACKAGE_DIR:-$ROOT}"

QUICK=0 PLOT=0 BUILD=1
ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1; ARGS+=("--quick") ;;
        --plot) PLOT=1 ;;
        --no-build) BUILD=0 ;;
        --only|--repeats) ARGS+=("$1" "$2"); shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

say() { echo "[run.sh] $*" >&2; }

# --- what the benchmarks need -------------------------------------------------------------
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v nats-server >/dev/null && [ -x "$(command -v nats-server)" ] || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
command -v go >/dev/null || missing+=(golang-go)
command -v cc >/dev/null || missing+=(gcc)
pkg-config --exists libzmq 2>/dev/null || missing+=(libzmq3-dev pkg-config)
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
NATS_SERVER="$(command -v nats-server || echo /usr/sbin/nats-server)"

if [ ! -x "$BENCH_DIR/.venv/bin/python" ]; then
    say "creating Benchmarks/.venv (pyzmq, matplotlib)"
    python3 -m venv "$BENCH_DIR/.venv"
    "$BENCH_DIR/.venv/bin/pip" install -q "pyzmq>=25" matplotlib
fi
PYTHON="$BENCH_DIR/.venv/bin/python"
export PYTHONPATH="$ROOT/Bindings/python/src${PYTHONPATH:+:$PYTHONPATH}"

# --- build -------------------------------------------------------------------------------
BIN="$PACKAGE_DIR/.build/release"
if [ "$BUILD" -eq 1 ]; then
    say "swift build -c release (hubmesh-bench, hubmesh-node, hubmesh-gateway, hubmesh-member)"
    (cd "$PACKAGE_DIR" && swift build -c release --product hubmesh-bench)
    for product in hubmesh-node hubmesh-gateway hubmesh-member; do
        # A product that does not build yet makes its rows "not run", not the whole run fail.
        (cd "$PACKAGE_DIR" && swift build -c release --product "$product") || say "WARNING: $product did not build; its rows will be 'not run'"
    done
    mkdir -p "$TOOLS"
    cc -O2 -o "$TOOLS/ack_router" "$ROOT/Bindings/python/benchmarks/ack_router.c" -lzmq
    (cd "$BENCH_DIR/ingest/go" && GOFLAGS=-mod=mod GOPROXY=off go build -o "$TOOLS/ingest-go" .) || say "WARNING: the Go ingest client did not build"
fi
# $BENCH_BIN: run binaries from elsewhere (e.g. a copy of an older build, to compare alternately).
BIN="${BENCH_BIN:-$(cd "$PACKAGE_DIR" && swift build -c release --show-bin-path)}"

# --- peers and limits ------------------------------------------------------------------------
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$RESULTS/logs"
rm -f "$RESULTS"/logs/*.log
REDIS_PORT="$(free_port)"
# Defaults except persistence, which pub/sub does not use: same durability as the mesh (none).
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no --daemonize no \
    >"$RESULTS/logs/redis-server.log" 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
NATS_PORT="$(free_port)"
"$NATS_SERVER" -a 127.0.0.1 -p "$NATS_PORT" >"$RESULTS/logs/nats-server.log" 2>&1 &
NATS_PID=$!
PIDS+=("$NATS_PID")
for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$NATS_PORT") 2>/dev/null && break
    sleep 0.1
done

# --- run ---------------------------------------------------------------------------------
"$BIN/hubmesh-bench" run "${ARGS[@]}" \
    --bin-dir "$BIN" --repo-root "$ROOT" \
    --redis-port "$REDIS_PORT" --nats-port "$NATS_PORT" --redis-pid "$REDIS_PID" --nats-pid "$NATS_PID" \
    --python "$PYTHON" --go-bin "$TOOLS" \
    --json "$RESULTS/latest.json" --log-dir "$RESULTS/logs"

if [ "$PLOT" -eq 1 ]; then
    "$PYTHON" "$BENCH_DIR/plot.py" "$RESULTS/latest.json" "$ROOT/docs"
fi
