#!/usr/bin/env bash
# Runs the whole HubMesh test suite: lint, Swift tests (unit, live processes), the Python binding,
# the SignalR interop tests with third-party clients, the Go binding, and a fuzz smoke run of every
# decoder. Installs what is missing.
# Ends with one summary line: "tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
logs=$(mktemp -d)
passed=0; failed=0; skipped=0; failed_steps=()

step() {  # step NAME COMMAND... : runs a step, keeps its output, counts its tests
    local name=$1; shift
    printf '\n=== %s\n' "$name"
    local log="$logs/$name.log"
    local started=$SECONDS
    "$@" 2>&1 | tee "$log"
    local status=${PIPESTATUS[0]}
    local p f s
    read -r p f s < <(count "$log")
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    if [ "$status" -ne 0 ]; then
        failed_steps+=("$name")
        failures "$log" >>"$logs/failures.txt"
    fi
    printf '=== %s: exit %s, %s passed, %s failed, %s skipped (%ss)\n' "$name" "$status" "$p" "$f" "$s" $((SECONDS - started))
}

count() {  # prints "passed failed skipped" parsed from a runner's output
    local log=$1 p=0 f=0 s=0 line
    # Swift Testing: "✔ Test run with 13 tests in 2 suites passed" / "✘ Test run with 13 tests ... failed".
    if line=$(grep -aE 'Test run with [0-9]+ tests' "$log" | tail -1) && [ -n "$line" ]; then
        local total; total=$(sed -E 's/.*Test run with ([0-9]+) tests.*/\1/' <<<"$line")
        f=$(grep -aE '^✘ Test .* failed after' "$log" | grep -acv '^✘ Test run with')
        s=$(grep -acE '^➜ Test .*skipped' "$log")
        p=$((total - f - s)); [ $p -lt 0 ] && p=0
    fi
    # XCTest (if any): "Executed N tests, with F failures"
    if line=$(grep -aE 'Executed [0-9]+ tests?, with [0-9]+ failures? .*seconds$' "$log" | tail -1) && [ -n "$line" ]; then
        local n ff; n=$(sed -E 's/.*Executed ([0-9]+) test.*/\1/' <<<"$line"); ff=$(sed -E 's/.*with ([0-9]+) failure.*/\1/' <<<"$line")
        p=$((p + n - ff)); f=$((f + ff))
    fi
    # pytest: "==== 12 passed, 3 skipped in 1.2s ===="
    if line=$(grep -aE '^(=+ )?[0-9]+ (passed|failed|skipped|errors?)[^=]* in [0-9.]+s' "$log" | tail -1) && [ -n "$line" ]; then
        p=$((p + $(grep -oE '[0-9]+ passed' <<<"$line" | awk '{ n += $1 } END { print n + 0 }')))
        f=$((f + $(grep -oE '[0-9]+ (failed|errors?)' <<<"$line" | awk '{ n += $1 } END { print n + 0 }')))
        s=$((s + $(grep -oE '[0-9]+ skipped' <<<"$line" | awk '{ n += $1 } END { print n + 0 }')))
    fi
    # go test -v: "--- PASS:", "--- FAIL:", "--- SKIP:"
    p=$((p + $(grep -acE '^\s*--- PASS:' "$log"))); f=$((f + $(grep -acE '^\s*--- FAIL:' "$log"))); s=$((s + $(grep -acE '^\s*--- SKIP:' "$log")))
    echo "$p $f $s"
}

failures() {  # prints the lines of a runner's output that name what failed and why, at most 40
    local log=$1 lines
    # Swift Testing "✘ Test x() recorded an issue at F.swift:L: ...", XCTest "error: ...", pytest "FAILED x::y - ...",
    # go test "--- FAIL: X" and its "x_test.go:12: ..." lines, and any line of lint/build errors.
    lines=$(grep -aE '^✘ |: error: |^FAILED |^ERROR |--- FAIL: |^\s+[A-Za-z0-9_]+_test\.go:[0-9]+: |^gofmt: ' "$log" | grep -av '^✘ Test run with')
    [ -n "$lines" ] || lines=$(tail -n 15 "$log")
    printf '[%s]\n' "$(basename "$log" .log)"
    head -n 40 <<<"$lines"
    local total; total=$(wc -l <<<"$lines")
    [ "$total" -le 40 ] || echo "... $((total - 40)) more lines"
}

lint() {
    swift format lint --strict -r Sources Tests Benchmarks/Sources Benchmarks/Tests Benchmarks/decode-loop Benchmarks/json-decode-loop Benchmarks/replay-lookup Fuzz || return 1
    # The docs: relative links and #anchors resolve, every picture in docs/ is shown (scripts/check_docs.py).
    (.venv/bin/ruff check scripts/check_docs.py && .venv/bin/ruff format --check scripts/check_docs.py &&
        .venv/bin/mypy --strict scripts/check_docs.py && .venv/bin/python scripts/check_docs.py) || return 1
    (cd Bindings/python && ../../.venv/bin/ruff check . && ../../.venv/bin/ruff format --check . && ../../.venv/bin/mypy) || return 1
    (cd Tests/HubServerTests/interop && ../../../.venv/bin/ruff check . && ../../../.venv/bin/ruff format --check .) || return 1
    # The benchmark's Python (rules in Benchmarks/ruff.toml; matplotlib lives in the benchmark's own venv, so untyped here).
    (cd Benchmarks && ../.venv/bin/ruff check plot.py ingest && ../.venv/bin/ruff format --check plot.py ingest &&
        ../.venv/bin/mypy --strict --ignore-missing-imports plot.py ingest/ingest.py) || return 1
    local unformatted; unformatted=$(gofmt -l Bindings/go Examples/go Tests/HubServerTests/interop/gopublish)
    [ -z "$unformatted" ] || { echo "gofmt: not formatted: $unformatted"; return 1; }
    export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local
    (cd Bindings/go && go vet ./...) && (cd Examples/go && go vet ./...) && (cd Tests/HubServerTests/interop/gopublish && go vet ./...)
}

build() {
    swift build --build-tests || return 1
    # One product per call: 'swift build --product A --product B' builds only the last one.
    local product
    for product in hubmesh-member hubmesh-gateway; do
        swift build -c release --product "$product" || return 1
    done
}

swift_tests() {
    HUBMESH_MEMBER_BIN="$root/.build/release/hubmesh-member" HUBMESH_GATEWAY_BIN="$root/.build/release/hubmesh-gateway" \
        swift test --skip-build --no-parallel
}

python_tests() {
    HUBMESH_GATEWAY_BIN="$root/.build/debug/hubmesh-gateway" .venv/bin/pytest -q -rfEs Bindings/python/tests
}

interop_tests() {
    local dir=Tests/HubServerTests/interop
    if [ ! -d "$dir" ]; then echo "no interop suite yet"; return 0; fi
    HUBMESH_NODE_BIN="$root/.build/debug/hubmesh-node" HUBMESH_GATEWAY_BIN="$root/.build/debug/hubmesh-gateway" \
        .venv/bin/pytest -q -rfEs "$dir"
}

go_tests() {
    export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local
    (cd Bindings/go && HUBMESH_GATEWAY_BIN="$root/.build/debug/hubmesh-gateway" go test -count=1 -v ./...) \
        && (cd Examples/go && go test -count=1 -v ./...)
}

step setup scripts/setup.sh --tests
step build build
if [[ " ${failed_steps[*]} " == *" setup "* || " ${failed_steps[*]} " == *" build "* ]]; then
    echo "setup or build failed: skipping the test steps"
else
    step lint lint
    step swift swift_tests
    step python python_tests
    step interop interop_tests
    step go go_tests
    step fuzz scripts/fuzz.sh --runs 20000 --seconds 30
fi
echo
if [ ${#failed_steps[@]} -gt 0 ]; then
    echo "what failed (each step's full output is above):"
    cat "$logs/failures.txt"
    echo
    echo "failed steps: ${failed_steps[*]}"
fi
rm -rf "$logs"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ ${#failed_steps[@]} -eq 0 ]
