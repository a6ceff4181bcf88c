#!/usr/bin/env bash
# Builds the libFuzzer targets (swiftc -sanitize=fuzzer,address) and runs each for a bounded number
# of iterations. A crash stops the run with a non-zero exit and leaves the input in
# .build-fuzz/crashes/<target>/: add it to Tests/vectors/malformed/ as a regression test.
#
# usage: scripts/fuzz.sh [--runs N] [--seconds S] [--seed N] [TARGET...]   targets: mesh hubprotocol gateway
# The seed defaults to 1 so that a smoke run from a fresh clone is repeatable; pass --seed 0 for a random one.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=200000; seconds=60; seed=1; targets=()
while [ $# -gt 0 ]; do
    case $1 in
        --runs) runs=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        -h|--help) sed -n 2,8p "$0"; exit 0 ;;
        *) targets+=("$1"); shift ;;
    esac
done
[ ${#targets[@]} -eq 0 ] && targets=(mesh hubprotocol gateway)
out=.build-fuzz
mkdir -p "$out"

sources() {
    case $1 in
        mesh) echo Fuzz/mesh/*.swift Sources/HubMesh/Protocol/*.swift Sources/HubMesh/HubMeshError.swift ;;
        hubprotocol) find Fuzz/hubprotocol Sources/HubProtocol -name '*.swift' | sort | tr '\n' ' ' ;;
        gateway) echo Fuzz/gateway/*.swift ;;
    esac
}

# The gateway decoder lives in its own module on top of HubProtocol and HubMesh: build those (only
# the parts it needs) as instrumented static modules, then the fuzzer on top.
module() {  # module NAME OUTDIR SOURCES...
    local name=$1 dir=$2; shift 2
    swiftc -O -sanitize=fuzzer,address -parse-as-library -enable-testing -package-name hubmesh -module-name "$name" -emit-module \
        -emit-module-path "$dir/$name.swiftmodule" -emit-library -static -o "$dir/lib$name.a" -I "$dir" "$@"
}
gateway_modules() {
    local dir=$out/modules
    mkdir -p "$dir"
    module HubProtocol "$dir" $(find Sources/HubProtocol -name '*.swift' | sort) &&
        module HubMesh "$dir" Sources/HubMesh/Protocol/*.swift Sources/HubMesh/HubMeshError.swift &&
        module HubGateway "$dir" $(find Sources/HubGateway/Ingress Sources/HubGateway/JSON Sources/HubGateway/Idempotency -name '*.swift' | sort)
}

status=0
for target in "${targets[@]}"; do
    if [ "$target" = gateway ] && [ ! -d Fuzz/gateway ]; then echo "[fuzz] gateway: no fuzz entry yet, skipped"; continue; fi
    binary=$out/fuzz-$target
    echo "[fuzz] building $target"
    # shellcheck disable=SC2046
    extra=()
    if [ "$target" = gateway ]; then
        gateway_modules > "$out/$target-build.log" 2>&1 || { grep -E "error" "$out/$target-build.log" | head; status=1; continue; }
        extra=(-I "$out/modules" "$out/modules/libHubGateway.a" "$out/modules/libHubMesh.a" "$out/modules/libHubProtocol.a")
    fi
    if ! swiftc -O -sanitize=fuzzer,address -parse-as-library -package-name hubmesh -module-name "Fuzz_${target}" $(sources "$target") "${extra[@]}" -o "$binary" \
        >> "$out/$target-build.log" 2>&1; then
        grep -E "error" "$out/$target-build.log" | head -20; echo "[fuzz] $target: build failed"; status=1; continue
    fi
    corpus=$out/corpus-$target crashes=$out/crashes/$target
    mkdir -p "$corpus" "$crashes"
    [ -d "Fuzz/seeds/$target" ] && cp -n Fuzz/seeds/$target/* "$corpus"/ 2>/dev/null || true
    echo "[fuzz] running $target: at most $runs runs or $seconds s"
    if ! "$binary" -seed="$seed" -runs="$runs" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
        -artifact_prefix="$crashes/" "$corpus" > "$out/$target.log" 2>&1; then
        echo "[fuzz] $target: CRASH — input saved in $crashes/"; tail -30 "$out/$target.log"; status=1
    else
        echo "[fuzz] $target: ok — $(grep -E '^stat::number_of_executed_units' "$out/$target.log" | awk '{print $2}') runs, no crash"
    fi
done
exit $status
