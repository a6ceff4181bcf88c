"""Throughput of Publisher.publish_many against a fast acking ROUTER (ack_router.c).

    python benchmarks/publish_many.py [N] [window]

Compiles ack_router.c with cc into a temporary directory (needs libzmq headers), runs it on a free
loopback port, publishes N small messages, prints acknowledged msg/s. Bounded: the router exits
by itself, and the publisher times out after 10 s without progress.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import hubmesh
from hubmesh import Request

HERE = Path(__file__).resolve().parent


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    window = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        binary = Path(tmp) / "ack_router"
        subprocess.run(["cc", "-O2", "-o", str(binary), str(HERE / "ack_router.c"), "-lzmq"], check=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        endpoint = f"tcp://127.0.0.1:{port}"
        router = subprocess.Popen([str(binary), endpoint, "300"], stderr=subprocess.PIPE, text=True)
        try:
            assert router.stderr is not None and "ready" in router.stderr.readline()
            requests = [Request("group", "chat", "room-1", "newMessage", ["alice", i]) for i in range(n)]
            with hubmesh.Publisher(endpoint, timeout=10, window=window) as p:
                p.publish_many(requests[:1000])  # warm up
                started = time.perf_counter()
                results = p.publish_many(requests)
                elapsed = time.perf_counter() - started
            assert all(r.ok for r in results)
            print(f"publish_many: {n} acknowledged in {elapsed:.2f} s = {n / elapsed:,.0f} msg/s (window {window})")
        finally:
            router.terminate()
            router.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
