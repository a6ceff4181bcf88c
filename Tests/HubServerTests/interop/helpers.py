"""Helpers for the interop suite: node processes, tokens, raw SignalR framing, bounded waits."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import queue
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RS = "\x1e"
REPO = Path(__file__).resolve().parents[3]
SECRET = "interop-secret-0123456789-abcdefghijklmnop"
READY_TIMEOUT = 60.0


def node_binary() -> str:
    """The hubmesh-node executable: $HUBMESH_NODE_BIN, else the debug build of this checkout."""
    override = os.environ.get("HUBMESH_NODE_BIN")
    if override:
        return override
    for candidate in (REPO / ".build" / "debug" / "hubmesh-node", REPO / ".build" / "release" / "hubmesh-node"):
        if candidate.exists():
            return str(candidate)
    raise RuntimeError("hubmesh-node not found: build it (swift build) or set HUBMESH_NODE_BIN")


@dataclass
class Node:
    """A running hubmesh-node process."""

    process: subprocess.Popen
    node_id: str
    http: str
    mesh: str
    lines: list[str] = field(default_factory=list)

    def hub_url(self, hub: str) -> str:
        return f"{self.http}/hubs/{hub}"

    def ws_url(self, hub: str, query: str = "") -> str:
        url = self.hub_url(hub).replace("http://", "ws://", 1)
        return f"{url}?{query}" if query else url

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then SIGKILL after `timeout` seconds; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        return self.process.returncode


def start_node(node_id: str, *args: str, join: str | None = None, log_path: Path | None = None) -> Node:
    """Starts a node on free loopback ports and waits (bounded) for its `ready` line."""
    command = [node_binary(), "--id", node_id, "--http", "127.0.0.1:0", "--mesh", "tcp://127.0.0.1:0", *args]
    if join:
        command += ["--join", join]
    if log_path:
        with open(log_path, "wb") as stderr:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL)
    else:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    lines: queue.Queue[str | None] = queue.Queue()
    seen: list[str] = []

    def pump() -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            seen.append(line)
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.05, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            raise RuntimeError(f"node {node_id} exited with {process.wait()} before it was ready: {seen}")
        if line.startswith("ready "):
            fields = dict(part.split("=", 1) for part in line.split()[1:])
            return Node(process, fields["node"], fields["http"], fields["mesh"], seen)
    process.kill()
    process.wait(timeout=5)
    raise RuntimeError(f"node {node_id} was not ready within {READY_TIMEOUT} s: {seen}")


def token(sub: str | None, secret: str = SECRET, **claims: Any) -> str:
    """An HS256 JWT; `sub=None` leaves the subject out."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    payload = dict(claims)
    if sub is not None:
        payload["sub"] = sub
    payload.setdefault("exp", int(time.time()) + 3600)
    signing_input = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(payload).encode())
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(signature)


def http(method: str, url: str, headers: dict[str, str] | None = None, timeout: float = 10.0) -> tuple[int, Any]:
    """An HTTP request; returns (status, parsed JSON body or text)."""
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body.decode(errors="replace")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], bool], timeout: float = 10.0, interval: float = 0.02) -> bool:
    """Polls `condition` until it holds or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def json_frames(raw: str) -> list[dict]:
    """The JSON hub messages of one text frame."""
    return [json.loads(part) for part in raw.split(RS) if part]


class RawClient:
    """A SignalR JSON client over a plain WebSocket, for input no real client would send."""

    def __init__(self, url: str, headers: dict[str, str] | None = None, handshake: str | None = None):
        from websockets.sync.client import connect

        # Entered by hand (the connection outlives this call); close() exits it.
        self.ws = connect(url, additional_headers=headers or {}, open_timeout=10, max_size=None, ping_interval=None).__enter__()
        self.pending: list[dict] = []
        if handshake is not None:
            self.ws.send(handshake)

    @classmethod
    def connected(cls, url: str, headers: dict[str, str] | None = None) -> RawClient:
        client = cls(url, headers, handshake=json.dumps({"protocol": "json", "version": 1}) + RS)
        response = client.ws.recv(timeout=10)
        assert response == "{}" + RS, response
        return client

    def send(self, message: dict) -> None:
        self.ws.send(json.dumps(message) + RS)

    def next(self, timeout: float = 10.0, skip_pings: bool = True) -> dict:
        """The next message (pings skipped); raises TimeoutError or ConnectionClosed."""
        deadline = time.monotonic() + timeout
        while True:
            while self.pending:
                message = self.pending.pop(0)
                if not (skip_pings and message.get("type") == 6):
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no message")
            self.pending.extend(json_frames(self.ws.recv(timeout=remaining)))

    def invoke(self, target: str, *arguments: Any, invocation_id: str = "1", timeout: float = 10.0) -> dict:
        """Invokes and returns the matching Completion, skipping other messages."""
        self.send({"type": 1, "invocationId": invocation_id, "target": target, "arguments": list(arguments)})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.next(timeout=deadline - time.monotonic())
            if message.get("type") == 3 and message.get("invocationId") == invocation_id:
                return message
        raise TimeoutError(f"no completion for {target}")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()
