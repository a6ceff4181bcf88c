"""Gateway ingest from Python: the hubmesh binding's publish_many, or a raw pyzmq DEALER loop.

    python ingest.py binding|raw ENDPOINT COUNT [WINDOW]

Both send the same request (a group message, hub "bench", group "g1", method "m", one 100-character
string argument) with up to WINDOW (default 1000) requests in flight, and count acknowledged replies.
Prints one line: result {"acked": ..., "ok": ..., "seconds": ..., "cpu_us": ...}, where cpu_us is the
process's user+system CPU time per acknowledged request during the timed run. Bounded: gives up after
10 s without a reply. HUBMESH_INGEST_PROFILE=FILE writes a cProfile of the timed run (pstats format).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

import zmq

ARGUMENT = "x" * 100
WARMUP = 1000
T = TypeVar("T")


def timed(f: Callable[[], T]) -> tuple[T, float, float]:
    """Run f; return its value, wall seconds and process CPU seconds (optionally under cProfile)."""
    profile_path = os.environ.get("HUBMESH_INGEST_PROFILE")
    profiler = None
    if profile_path:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    value = f()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    if profiler is not None and profile_path:
        profiler.disable()
        profiler.dump_stats(profile_path)
    return value, wall, cpu


def raw(endpoint: str, count: int, window: int) -> tuple[int, int, float, float]:
    """A hand-written pipelined DEALER: the cheapest correct client in Python (the baseline)."""
    ctx: zmq.Context[Any] = zmq.Context.instance()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 1000)
    sock.setsockopt(zmq.SNDHWM, max(1000, 2 * window))
    sock.setsockopt(zmq.RCVHWM, max(1000, 2 * window))
    sock.connect(endpoint)
    template = (
        '{"v":1,"id":"%d","kind":"group","hub":"bench","group":"g1","method":"m","arguments":["' + ARGUMENT + '"]}'
    ).encode()
    poller = zmq.Poller()
    poller.register(sock, zmq.POLLIN)

    def run(n: int) -> tuple[int, int]:
        sent = acked = ok = 0
        send, recv = sock.send, sock.recv
        while acked < n:
            while sent < n and sent - acked < window:
                sent += 1
                send(template % sent)
            if not poller.poll(10_000):
                raise TimeoutError("no reply for 10 s")
            while True:
                try:
                    reply = recv(zmq.NOBLOCK)
                except zmq.Again:
                    break
                acked += 1
                if b'"ok":true' in reply:
                    ok += 1
        return acked, ok

    run(WARMUP)
    (acked, ok), wall, cpu = timed(lambda: run(count))
    return acked, ok, wall, cpu


def binding(endpoint: str, count: int, window: int) -> tuple[int, int, float, float]:
    import hubmesh
    from hubmesh import Request

    requests = [Request("group", "bench", "g1", "m", [ARGUMENT]) for _ in range(count)]
    with hubmesh.Publisher(endpoint, timeout=10, window=window) as publisher:
        publisher.publish_many(requests[:WARMUP])
        results, wall, cpu = timed(lambda: publisher.publish_many(requests))
    return len(results), sum(1 for r in results if r.ok), wall, cpu


def main() -> int:
    mode, endpoint, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    window = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    acked, ok, seconds, cpu = (raw if mode == "raw" else binding)(endpoint, count, window)
    cpu_us = round(cpu / acked * 1e6, 3) if acked else 0.0
    print("result " + json.dumps({"acked": acked, "ok": ok, "seconds": seconds, "cpu_us": cpu_us}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
