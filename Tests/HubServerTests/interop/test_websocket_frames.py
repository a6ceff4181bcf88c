"""WebSocket control frames and forbidden frames (RFC 6455), over a raw TCP socket.

The node answers these itself, on the event loop, without a task per connection: a ping gets its
pong, a client's close gets a close back and the TCP connection ends, reserved bits or opcodes end
the connection with 1002, and none of it disturbs other connections.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time
from urllib.parse import urlparse

import pytest

from helpers import RS, RawClient, http, wait_until


class FrameSocket:
    """A WebSocket client on a plain socket: sends any frame (masked), reads the server's frames."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.sock = socket.create_connection((parsed.hostname, parsed.port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {parsed.path}?{parsed.query} HTTP/1.1\r\nHost: {parsed.hostname}:{parsed.port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            assert chunk, "the server closed during the upgrade"
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head

    def send_frame(self, opcode: int, payload: bytes, fin: bool = True, rsv: int = 0, masked: bool = True) -> None:
        mask = os.urandom(4) if masked else b""
        mask_bit = 0x80 if masked else 0
        first = (0x80 if fin else 0) | (rsv << 4) | opcode
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", first, mask_bit | length)
        elif length < 65536:
            header = struct.pack("!BBH", first, mask_bit | 126, length)
        else:
            header = struct.pack("!BBQ", first, mask_bit | 127, length)
        body = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload)) if masked else payload
        self.sock.sendall(header + mask + body)

    def _read(self, count: int) -> bytes:
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the server closed the TCP connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def read_frame(self) -> tuple[int, bytes]:
        """The next frame's opcode and payload (server frames are not masked)."""
        first, second = self._read(2)
        assert second & 0x80 == 0, "the server masked a frame"
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._read(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._read(8))
        return first & 0x0F, self._read(length)

    def read_until(self, opcode: int, limit: int = 50) -> bytes:
        """Skips other frames (SignalR pings, the handshake answer) up to the first `opcode` frame."""
        for _ in range(limit):
            found, payload = self.read_frame()
            if found == opcode:
                return payload
        raise AssertionError(f"no frame with opcode {opcode} in {limit} frames")

    def tcp_closed(self, timeout: float = 5.0) -> bool:
        """True when the server ends the TCP connection within `timeout` (data before it is skipped)."""
        self.sock.settimeout(timeout)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if not self.sock.recv(65536):
                    return True
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True
        return False

    def handshake(self) -> None:
        self.send_frame(0x1, (json.dumps({"protocol": "json", "version": 1}) + RS).encode())
        assert self.read_until(0x1) == b"{}" + RS.encode()

    def close(self) -> None:
        self.sock.close()


def close_code(payload: bytes) -> int:
    assert len(payload) >= 2, payload
    return struct.unpack("!H", payload[:2])[0]


@pytest.fixture
def bystander(mesh):
    client = RawClient.connected(mesh[0].ws_url("test"))
    yield client
    assert client.invoke("Echo", "unaffected", invocation_id="after")["result"] == "unaffected"
    client.close()


def connections(node) -> int:
    return http("GET", f"{node.http}/health")[1]["connections"]


def test_a_ping_gets_its_pong_with_the_same_payload(mesh, bystander):
    client = FrameSocket(mesh[0].ws_url("test"))
    client.handshake()
    client.send_frame(0x9, b"are you there?")
    assert client.read_until(0xA) == b"are you there?"
    client.send_frame(0xA, b"an unsolicited pong is ignored")
    client.send_frame(0x1, json.dumps({"type": 1, "invocationId": "1", "target": "Echo", "arguments": ["still open"]}).encode() + RS.encode())
    completion = json.loads(client.read_until(0x1).split(RS.encode())[0])
    assert completion["result"] == "still open"
    client.close()


def test_a_client_close_is_answered_and_the_connection_ends(mesh, bystander):
    node = mesh[0]
    before = connections(node)
    client = FrameSocket(node.ws_url("test"))
    client.handshake()
    assert wait_until(lambda: connections(node) == before + 1)
    client.send_frame(0x8, struct.pack("!H", 1000) + b"bye")
    assert close_code(client.read_until(0x8)) == 1000
    assert client.tcp_closed(), "the server kept the TCP connection after the close handshake"
    assert wait_until(lambda: connections(node) == before), "the connection was not released"
    client.close()


@pytest.mark.parametrize(
    ("payload", "answer"),
    [(b"", 1000), (struct.pack("!H", 4000) + b"app-defined", 1000), (struct.pack("!H", 1005), 1002), (b"\x03", 1002)],
    ids=["empty", "private-4000", "reserved-1005", "one-byte"],
)
def test_a_client_close_is_answered_with_the_right_code(mesh, bystander, payload, answer):
    client = FrameSocket(mesh[0].ws_url("test"))
    client.handshake()
    client.send_frame(0x8, payload)
    assert close_code(client.read_until(0x8)) == answer
    assert client.tcp_closed()
    client.close()


def test_an_unmasked_client_frame_ends_the_connection_with_1002(mesh, bystander):
    client = FrameSocket(mesh[0].ws_url("test"))
    client.handshake()
    message = json.dumps({"type": 1, "invocationId": "1", "target": "Echo", "arguments": ["never run"]}).encode() + RS.encode()
    client.send_frame(0x1, message, masked=False)
    payload = client.read_until(0x8)
    assert close_code(payload) == 1002
    assert b"masked" in payload[2:]
    client.send_frame(0x8, struct.pack("!H", 1002))
    assert client.tcp_closed()
    client.close()


@pytest.mark.parametrize(("opcode", "rsv"), [(0x1, 4), (0x2, 1), (0x3, 0), (0xB, 0)], ids=["text-rsv1", "binary-rsv3", "opcode-3", "opcode-11"])
def test_reserved_bits_and_opcodes_end_the_connection_with_1002(mesh, bystander, opcode, rsv):
    client = FrameSocket(mesh[0].ws_url("test"))
    client.handshake()
    client.send_frame(opcode, b"x", rsv=rsv)
    assert close_code(client.read_until(0x8)) == 1002
    # The server waits for the close answer (at most its close grace), then ends the connection.
    client.send_frame(0x8, struct.pack("!H", 1002))
    assert client.tcp_closed()
    client.close()


def test_a_client_that_never_answers_the_servers_close_is_disconnected(node_factory):
    node = node_factory("grace1", "--test-hub")
    client = FrameSocket(node.ws_url("test"))
    client.send_frame(0x1, b"not a handshake" + RS.encode())
    assert close_code(client.read_until(0x8)) == 1002
    started = time.monotonic()
    assert client.tcp_closed(timeout=10), "the server did not close the TCP connection after its close grace"
    assert time.monotonic() - started < 5
    assert wait_until(lambda: connections(node) == 0)
    client.close()


def test_a_fragmented_message_is_reassembled(mesh, bystander):
    client = FrameSocket(mesh[0].ws_url("test"))
    client.handshake()
    message = json.dumps({"type": 1, "invocationId": "7", "target": "Echo", "arguments": ["in three pieces"]}).encode() + RS.encode()
    client.send_frame(0x1, message[:10], fin=False)
    client.send_frame(0x9, b"a ping between fragments")
    client.send_frame(0x0, message[10:20], fin=False)
    client.send_frame(0x0, message[20:])
    assert client.read_until(0xA) == b"a ping between fragments"
    completion = json.loads(client.read_until(0x1).split(RS.encode())[0])
    assert completion == {"type": 3, "invocationId": "7", "result": "in three pieces"}
    client.close()


def test_a_frame_over_the_size_limit_is_refused_with_1009(node_factory):
    node = node_factory("big1", "--test-hub", "--max-message-size", "1024")
    client = FrameSocket(node.ws_url("test"))
    client.handshake()
    client.send_frame(0x1, b"a" * 200_000)
    assert close_code(client.read_until(0x8)) == 1009
    assert client.tcp_closed()
    client.close()
