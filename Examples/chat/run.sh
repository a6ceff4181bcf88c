#!/usr/bin/env bash
# Starts two hubmesh-node processes joined into one mesh, both serving the chat page.
# Open http://127.0.0.1:5000 and http://127.0.0.1:5001 in two browser tabs and chat across nodes.
# Ctrl-C stops both nodes.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
node="${HUBMESH_NODE_BIN:-}"
if [[ -z "$node" ]]; then
    swift build --package-path "$repo" --product hubmesh-node
    node="$(swift build --package-path "$repo" --show-bin-path)/hubmesh-node"
fi

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

"$node" --id node1 --http 127.0.0.1:5000 --mesh tcp://127.0.0.1:6000 --chat --static "$here" &
pids+=($!)
sleep 1
"$node" --id node2 --http 127.0.0.1:5001 --mesh tcp://127.0.0.1:6010 --join tcp://127.0.0.1:6000 --chat --static "$here" &
pids+=($!)

echo "chat: http://127.0.0.1:5000 (node1) and http://127.0.0.1:5001 (node2); Ctrl-C to stop"
wait
