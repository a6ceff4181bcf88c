#!/usr/bin/env bash
# One gateway ingest run with the gateway's CPU cost per request (docs/benchmarks.md, gateway ingest).
#
#   Benchmarks/gateway-cpu.sh [go|py] [COUNT]
#
# Starts hubmesh-gateway ($GATEWAY, default $BIN/hubmesh-gateway) and a subscribing member
# (hubmesh-bench mesh-sub), runs the ingest client's binding mode (the Go client from
# Benchmarks/.build-tools, or Python from Benchmarks/.venv; run Benchmarks/run.sh once first),
# and prints the client's result, what the member received, and the gateway's user/system CPU and
# voluntary context switches per request, read from /proc around the client's run. Run an old and a
# new $GATEWAY alternately to compare them on a noisy machine. $BIN: the release bin directory
# (default: this package's). $PERF_PREFIX: a command to wrap the gateway in, e.g.
# "perf record -e cpu-clock -F 2000 -g -o /tmp/gw.data" (the /proc figures are then not printed).
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLIENT=${1:-go}; N=${2:-300000}
BIN=${BIN:-$(cd "$ROOT" && swift build -c release --show-bin-path)}
GATEWAY=${GATEWAY:-$BIN/hubmesh-gateway}
OUT=$(mktemp -d)
trap 'kill $GW $SUB 2>/dev/null; rm -rf "$OUT"' EXIT
${PERF_PREFIX:-} "$GATEWAY" --ingress tcp://127.0.0.1:0 --mesh tcp://127.0.0.1:0 --log-level warning >"$OUT/gw.out" 2>"$OUT/gw.err" &
GW=$!
for _ in $(seq 600); do grep -q ready "$OUT/gw.out" 2>/dev/null && break; sleep 0.1; done
LINE=$(grep ready "$OUT/gw.out") || { echo "the gateway did not start: $(cat "$OUT/gw.err")" >&2; exit 1; }
INGRESS=$(echo "$LINE" | sed -n 's/.*ingress=\([^ ]*\).*/\1/p')
MESH=$(echo "$LINE" | sed -n 's/.*mesh=\([^ ]*\).*/\1/p')
/usr/bin/time -f "member cpu: %U s user, %S s system" -o "$OUT/subtime" \
    "$BIN/hubmesh-bench" mesh-sub --join "$MESH" --count $((N + 1000)) --plain --timeout 300 >"$OUT/sub.out" 2>&1 &
SUB=$!
for _ in $(seq 300); do grep -q ready "$OUT/sub.out" 2>/dev/null && break; sleep 0.1; done
cpu() { awk '{print $14 + $15, $14, $15}' "/proc/$GW/stat"; }
switches() { cat /proc/"$GW"/task/*/status | awk '/^voluntary_ctxt/ {s += $2} END {print s}'; }
read -r T0 U0 S0 < <(cpu); C0=$(switches)
if [ "$CLIENT" = go ]; then
    /usr/bin/time -f "client cpu: %U s user, %S s system" "$ROOT/Benchmarks/.build-tools/ingest-go" binding "$INGRESS" "$N"
else
    PYTHONPATH="$ROOT/Bindings/python/src" /usr/bin/time -f "client cpu: %U s user, %S s system" \
        "$ROOT/Benchmarks/.venv/bin/python" "$ROOT/Benchmarks/ingest/ingest.py" binding "$INGRESS" "$N"
fi
wait $SUB
echo "member: $(grep -o '"received":[0-9]*' "$OUT/sub.out")"
cat "$OUT/subtime"
if [ -z "${PERF_PREFIX:-}" ]; then
    read -r T1 U1 S1 < <(cpu); C1=$(switches)
    awk -v n="$N" -v t=$((T1 - T0)) -v u=$((U1 - U0)) -v s=$((S1 - S0)) -v c=$((C1 - C0)) -v hz="$(getconf CLK_TCK)" 'BEGIN {
        printf "gateway cpu: %.2f us/request (%.2f user, %.2f system), %.3f context switches/request\n",
            t / hz / n * 1e6, u / hz / n * 1e6, s / hz / n * 1e6, c / n }'
fi
kill -INT $GW; wait $GW
