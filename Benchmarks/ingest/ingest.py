"""Gateway ingest from Python: the hubmesh binding's publish_many, or a raw pyzmq DEALER loop.

    python ingest.py binding|raw ENDPOINT COUNT [WINDOW]

Both send the same request (a group message, hub "bench", group "g1", method "m", one 100-character
string argument) with up to WINDOW (default 1000) requests in flight, and count acknowledged replies.
Prints one line: result {"acked": ..., "ok": ..., "seconds": ...}. Bounded: gives up after 10 s
without a reply.
"""

from __future__ import annotations

import json
import sys
import time

import zmq

ARGUMENT = "x" * 100
WARMUP = 1000


def raw(endpoint: str, count: int, window: int) -> tuple[int, int, float]:
    """A hand-written pipelined DEALER: the cheapest correct client in Python (the baseline)."""
    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 1000)
    sock.setsockopt(zmq.SNDHWM, max(1000, 2 * window))
    sock.setsockopt(zmq.RCVHWM, max(1000, 2 * window))
    sock.connect(endpoint)
    template = ('{"v":1,"id":"%d","kind":"group","hub":"bench","group":"g1","method":"m","arguments":["' + ARGUMENT + '"]}').encode()
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
    started = time.perf_counter()
    acked, ok = run(count)
    return acked, ok, time.perf_counter() - started


def binding(endpoint: str, count: int, window: int) -> tuple[int, int, float]:
    import hubmesh
    from hubmesh import Request

    requests = [Request("group", "bench", "g1", "m", [ARGUMENT]) for _ in range(count)]
    with hubmesh.Publisher(endpoint, timeout=10, window=window) as publisher:
        publisher.publish_many(requests[:WARMUP])
        started = time.perf_counter()
        results = publisher.publish_many(requests)
        elapsed = time.perf_counter() - started
    return len(results), sum(1 for r in results if r.ok), elapsed


def main() -> int:
    mode, endpoint, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    window = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    acked, ok, seconds = (raw if mode == "raw" else binding)(endpoint, count, window)
    print("result " + json.dumps({"acked": acked, "ok": ok, "seconds": seconds}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
