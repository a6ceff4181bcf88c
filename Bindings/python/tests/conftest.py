"""Shared test helpers: golden vectors, the gateway process harness, a scripted ROUTER.

Everything runs on loopback, every wait has a deadline, every loop a bound.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import zmq

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
VECTORS = Path(os.environ.get("HUBMESH_VECTORS", REPO / "Tests" / "vectors" / "gateway"))
DEFAULT_GATEWAY_BIN = REPO / ".build" / "debug" / "hubmesh-gateway"
READY_TIMEOUT = 60.0  # a debug Swift build may take a while to bind and join


# ---------------------------------------------------------------------------------------------
# vectors


def load_cases(name: str) -> list[dict[str, Any]]:
    with open(VECTORS / name, encoding="utf-8") as f:
        cases: list[dict[str, Any]] = json.load(f)["cases"]
    return cases


def load_generators() -> dict[str, str]:
    with open(VECTORS / "ingress.json", encoding="utf-8") as f:
        generators: dict[str, str] = json.load(f)["generators"]
    return generators


def oversize_frame(n: int) -> bytes:
    """ingress.json generator ``oversize``: a valid request padded to exactly ``n`` bytes."""
    head = b'{"v":1,"id":"oversize","kind":"all","hub":"chat","method":"m","arguments":["'
    tail = b'"]}'
    return head + b"x" * (n - len(head) - len(tail)) + tail


def batch_frame(n: int) -> bytes:
    """ingress.json generator ``batch_of``: a batch of ``n`` identical valid items."""
    item = b'{"kind":"all","hub":"chat","method":"m","arguments":[]}'
    return b'{"v":1,"id":"batch","batch":[' + b",".join([item] * n) + b"]}"


def case_frames(case: dict[str, Any]) -> list[bytes]:
    """The ZeroMQ message (list of frames) an ingress case sends."""
    if "frames" in case:
        return [f.encode("utf-8") for f in case["frames"]]
    if "frame_hex" in case:
        return [bytes.fromhex(case["frame_hex"])]
    if "oversize" in case:
        return [oversize_frame(case["oversize"])]
    if "batch_of" in case:
        return [batch_frame(case["batch_of"])]
    return [case["frame"].encode("utf-8")]


def reply_frame(case: dict[str, Any]) -> bytes:
    if "frame_hex" in case:
        return bytes.fromhex(case["frame_hex"])
    frame: str = case["frame"]
    return frame.encode("utf-8")


def check_expect(reply: dict[str, Any], expect: dict[str, Any], where: str) -> None:
    """Compare the fields ``expect`` names (ingress.json semantics)."""
    assert reply.get("ok") is expect["ok"], f"{where}: ok {reply}"
    if "code" in expect:
        assert reply.get("code") == expect["code"], f"{where}: code {reply}"
    if not expect["ok"] and "results" not in expect:
        assert isinstance(reply.get("message"), str) and reply["message"], f"{where}: message {reply}"
    if "id" in expect:
        assert "id" in reply and reply["id"] == expect["id"], f"{where}: id {reply}"
    if "duplicate" in expect:
        assert (reply.get("duplicate") is True) is expect["duplicate"], f"{where}: duplicate {reply}"
    if "results" in expect:
        results = reply.get("results")
        assert isinstance(results, list) and len(results) == len(expect["results"]), f"{where}: results {reply}"
        for i, (got, want) in enumerate(zip(results, expect["results"], strict=True)):
            check_expect(got, want, f"{where} item {i}")


# ---------------------------------------------------------------------------------------------
# the gateway executable


def gateway_command() -> list[str] | None:
    """How to start the gateway, or None when it is missing.

    ``HUBMESH_GATEWAY_BIN=fake`` runs ``tests/fake_gateway.py`` (the protocol model) instead, to
    check the live suite itself.
    """
    value = os.environ.get("HUBMESH_GATEWAY_BIN")
    if value == "fake":
        return [sys.executable, str(HERE / "fake_gateway.py")]
    path = Path(value) if value else DEFAULT_GATEWAY_BIN
    return [str(path)] if path.is_file() and os.access(path, os.X_OK) else None


def _skip_reason() -> str:
    where = os.environ.get("HUBMESH_GATEWAY_BIN") or str(DEFAULT_GATEWAY_BIN)
    return (
        f"gateway executable not found at {where}: build it (swift build --product hubmesh-gateway) "
        "or set HUBMESH_GATEWAY_BIN (=fake runs the suite against tests/fake_gateway.py)"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class GatewayNotImplemented(RuntimeError):
    """The executable exited with status 0 without becoming ready: a placeholder, not a gateway.

    (A real gateway that cannot start exits non-zero: docs/gateway-protocol.md section 10.)
    """


class GatewayProcess:
    """A running gateway: ``hubmesh-gateway --ingress … --mesh … [--hub …]``."""

    def __init__(self, command: list[str], hubs: tuple[str, ...] = ()) -> None:
        self.endpoint = f"tcp://127.0.0.1:{free_port()}"
        self.mesh = "tcp://127.0.0.1:0"  # the system picks the ROUTER and PUB ports
        self.command = command
        args = [*command, "--ingress", self.endpoint, "--mesh", self.mesh]
        for hub in hubs:
            args += ["--hub", hub]
        self.output: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        self.proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace"
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        for stream in (self.proc.stdout, self.proc.stderr):
            threading.Thread(target=self._pump, args=(stream,), daemon=True).start()
        self._wait_ready()

    def _pump(self, stream: Any) -> None:
        for line in stream:
            self._lines.put(line)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            self.output.append(line)
            if "ready" in line:
                return
        self.stop()
        output = "".join(self.output).strip()
        if self.proc.returncode == 0:
            raise GatewayNotImplemented(f"{self.command[0]} exited 0 without becoming ready: {output[:200]!r}")
        raise RuntimeError(f"gateway did not become ready (exit {self.proc.returncode}): {output}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def alive(self) -> bool:
        return self.proc.poll() is None


@pytest.fixture(scope="module")
def gateway_command_line() -> list[str]:
    command = gateway_command()
    if command is None:
        pytest.skip(_skip_reason())
    return command


@pytest.fixture(scope="module")
def start_gateway(gateway_command_line: list[str]) -> Iterator[Callable[..., GatewayProcess]]:
    started: list[GatewayProcess] = []

    def start(hubs: tuple[str, ...] = ()) -> GatewayProcess:
        try:
            gw = GatewayProcess(gateway_command_line, hubs)
        except GatewayNotImplemented as error:
            pytest.skip(f"the gateway is not implemented yet: {error}")
        started.append(gw)
        return gw

    yield start
    for gw in started:
        gw.stop()


@pytest.fixture(scope="module")
def gateway(start_gateway: Callable[..., GatewayProcess]) -> GatewayProcess:
    """One gateway per test module, without a hub list."""
    gw: GatewayProcess = start_gateway()
    return gw


def run_stdin(command: list[str], lines: list[bytes], timeout: float = 60.0) -> tuple[int, list[bytes], str]:
    """Run ``hubmesh-gateway --stdin`` over ``lines``; return (exit code, output lines, stderr)."""
    args = [*command, "--stdin", "--mesh", "tcp://127.0.0.1:0"]
    proc = subprocess.run(args, input=b"".join(line + b"\n" for line in lines), capture_output=True, timeout=timeout)
    return proc.returncode, proc.stdout.splitlines(), proc.stderr.decode("utf-8", "replace")


# ---------------------------------------------------------------------------------------------
# a scripted ROUTER for offline tests of the publishers

Handler = Callable[[bytes], "list[bytes] | None"]


class ScriptedGateway:
    """A ROUTER in a thread; ``handler(frame)`` returns the reply frames to send, in order, or None.

    ``hold`` replies can be queued and released later with :meth:`release`.
    """

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.ROUTER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.SNDHWM, 0)
        self.sock.setsockopt(zmq.RCVHWM, 0)
        port = self.sock.bind_to_random_port("tcp://127.0.0.1")
        self.endpoint = f"tcp://127.0.0.1:{port}"
        self.received: list[bytes] = []
        self.held: list[tuple[bytes, bytes]] = []
        self._commands: queue.Queue[Callable[[], None]] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        deadline = time.monotonic() + 120  # bounded even if a test forgets to stop it
        while not self._stop.is_set() and time.monotonic() < deadline:
            while not self._commands.empty():
                self._commands.get()()
            if not self.sock.poll(20):
                continue
            while self.sock.poll(0):
                identity, *frames = self.sock.recv_multipart()
                frame = frames[-1]
                self.received.append(frame)
                replies = self.handler(frame)
                for reply in replies or ():
                    if reply.startswith(b"HOLD:"):
                        self.held.append((identity, reply[5:]))
                    else:
                        self.sock.send_multipart([identity, reply])
        self.sock.close(0)

    def release(self) -> None:
        """Send the held replies (from the server thread)."""
        done = threading.Event()

        def go() -> None:
            for identity, reply in self.held:
                self.sock.send_multipart([identity, reply])
            self.held.clear()
            done.set()

        self._commands.put(go)
        assert done.wait(10)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.ctx.term()


def request_id(frame: bytes) -> str | None:
    rid = json.loads(frame).get("id")
    return rid if isinstance(rid, str) else None


def ok_reply(frame: bytes) -> list[bytes]:
    return [json.dumps({"id": request_id(frame), "ok": True}, separators=(",", ":")).encode()]


@pytest.fixture
def scripted() -> Iterator[Callable[[Handler], ScriptedGateway]]:
    started: list[ScriptedGateway] = []

    def start(handler: Handler) -> ScriptedGateway:
        gw = ScriptedGateway(handler)
        started.append(gw)
        return gw

    yield start
    for gw in started:
        gw.stop()
