#!/usr/bin/env bash
# Starts a working HubMesh mesh on loopback with sensible defaults and prints what crosses it.
# Installs what is missing, builds in release mode, runs until Ctrl-C (or for --duration seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=0
while [ $# -gt 0 ]; do
    case $1 in
        --duration) duration=$2; shift 2 ;;
        -h|--help) echo "usage: scripts/run.sh [--duration SECONDS]"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
done

scripts/setup.sh
echo "[run] building (release)…" >&2
swift build -c release --product hubmesh-member >&2
bin=.build/release

pids=()
stop() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop EXIT INT TERM

# Two members form one mesh; each publishes a counter to group 'demo' every second and prints
# what it receives from the other.
"$bin/hubmesh-member" --id member-a --mesh tcp://127.0.0.1:6000 --demo > >(sed -u 's/^/[member-a] /') 2>&1 &
pids+=($!)
sleep 1
"$bin/hubmesh-member" --id member-b --mesh tcp://127.0.0.1:6010 --join tcp://127.0.0.1:6000 --demo > >(sed -u 's/^/[member-b] /') 2>&1 &
pids+=($!)
echo "[run] mesh of 2 members on tcp://127.0.0.1:6000 and :6010 — Ctrl-C to stop" >&2
if [ "$duration" -gt 0 ]; then sleep "$duration"; else wait; fi
