#!/usr/bin/env bash
# Starts a working HubMesh on loopback with sensible defaults: two hub nodes joined into one mesh,
# both serving the chat example, and a gateway for services. Checks that it works, prints where to
# go, and runs until Ctrl-C (or for --duration seconds). Installs what is missing; builds release.
#
#   node-1   http://127.0.0.1:5000   mesh tcp://127.0.0.1:6000
#   node-2   http://127.0.0.1:5001   mesh tcp://127.0.0.1:6010 (joins node-1)
#   gateway  ingress tcp://127.0.0.1:7000, mesh tcp://127.0.0.1:6100 (joins node-1), http://127.0.0.1:7001 (/health, /metrics)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=0
while [ $# -gt 0 ]; do
    case $1 in
        --duration) duration=$2; shift 2 ;;
        -h|--help) sed -n 2,8p "$0"; echo "usage: scripts/run.sh [--duration SECONDS]"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
done

scripts/setup.sh
echo "[run] building (release; the first build takes several minutes)…" >&2
for product in hubmesh-node hubmesh-gateway; do swift build -c release --product "$product" >&2; done
bin=.build/release
logs=$(mktemp -d)

pids=()
stop() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop EXIT INT TERM

wait_ready() {  # wait_ready NAME LOGFILE
    for _ in $(seq 1 300); do
        grep -q "ready" "$2" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "[run] $1 did not start; its log:" >&2; cat "$2" >&2; exit 1
}

start() {  # start NAME COMMAND...: output to the terminal with a prefix, and to a log
    local name=$1; shift
    "$@" > >(tee "$logs/$name.log" | sed -u "s/^/[$name] /") 2>&1 &
    pids+=($!)
    wait_ready "$name" "$logs/$name.log"
}

start node-1 "$bin/hubmesh-node" --id node-1 --http 127.0.0.1:5000 --mesh tcp://127.0.0.1:6000 --chat --static Examples/chat
start node-2 "$bin/hubmesh-node" --id node-2 --http 127.0.0.1:5001 --mesh tcp://127.0.0.1:6010 \
    --join tcp://127.0.0.1:6000 --chat --static Examples/chat
start gateway "$bin/hubmesh-gateway" --id gateway --ingress tcp://127.0.0.1:7000 --mesh tcp://127.0.0.1:6100 \
    --join tcp://127.0.0.1:6000 --http 127.0.0.1:7001

# A quick self-check: both nodes and the gateway see the whole mesh (a non-200 fails the script),
# and a service can publish through the gateway.
health_check='
import sys, urllib.error, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())
except urllib.error.HTTPError as error:
    print(error.code, error.read().decode())
    sys.exit(1)
'
for port in 5000 5001 7001; do
    if ! health=$(.venv/bin/python -c "$health_check" "http://127.0.0.1:$port/health"); then
        echo "[run] 127.0.0.1:$port/health is not healthy: $health" >&2
        exit 1
    fi
    echo "[run] health of 127.0.0.1:$port: $health" >&2
done
.venv/bin/python Examples/python/chat_publisher.py "HubMesh is up" --room lobby >&2

cat >&2 <<MSG
[run] HubMesh is running on loopback:
      chat page      http://127.0.0.1:5000  and  http://127.0.0.1:5001  (two nodes, one mesh)
      SignalR hubs   http://127.0.0.1:5000/hubs/chat  (and :5001), health at /health, metrics at /metrics
      publish        .venv/bin/python Examples/python/chat_publisher.py "hello" --room lobby
                     or any ZeroMQ DEALER speaking docs/gateway-protocol.md to tcp://127.0.0.1:7000
      gateway        health at http://127.0.0.1:7001/health, metrics at http://127.0.0.1:7001/metrics
      Ctrl-C stops everything.
MSG
if [ "$duration" -gt 0 ]; then sleep "$duration"; else wait; fi
