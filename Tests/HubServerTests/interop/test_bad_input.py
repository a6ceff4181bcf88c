"""Bad input gets a clear error or close reason, and never disturbs other connections."""

from __future__ import annotations

import json
import time

import msgpack
import pytest
from websockets.exceptions import ConnectionClosed

from helpers import RS, RawClient


def closed_with(client: RawClient, timeout: float = 10.0) -> tuple[list[dict], int | None, str]:
    """Reads until the socket closes: the messages before, the close code and reason."""
    messages: list[dict] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            raw = client.ws.recv(timeout=max(0.01, deadline - time.monotonic()))
            if isinstance(raw, str):
                messages.extend(json.loads(part) for part in raw.split(RS) if part)
    except ConnectionClosed as closed:
        frame = closed.rcvd
        return messages, frame.code if frame else None, frame.reason if frame else ""
    raise AssertionError(f"the server did not close the socket within {timeout} s: {messages}")


@pytest.fixture
def bystander(mesh):
    """A healthy connection that must not notice anything."""
    client = RawClient.connected(mesh[0].ws_url("test"))
    assert client.invoke("Echo", "before")["result"] == "before"
    yield client
    assert client.invoke("Echo", "after", invocation_id="after")["result"] == "after"
    client.close()


def test_oversized_message_closes_with_a_clear_error(mesh, bystander):
    client = RawClient.connected(mesh[0].ws_url("test"))
    big = "x" * 40_000
    client.send({"type": 1, "invocationId": "1", "target": "Echo", "arguments": [big]})
    messages, code, reason = closed_with(client)
    close = [m for m in messages if m.get("type") == 7]
    assert close, messages
    assert "too large" in close[0]["error"]
    assert "32768" in close[0]["error"]
    assert code == 1009
    assert "too large" in reason


def test_message_at_the_limit_is_accepted(mesh, bystander):
    client = RawClient.connected(mesh[0].ws_url("test"))
    text = "y" * 32_000
    assert client.invoke("Echo", text)["result"] == text
    client.close()


def test_garbage_before_handshake(mesh, bystander):
    client = RawClient(mesh[0].ws_url("test"), handshake="\x00\x01 this is not json" + RS)
    messages, code, _ = closed_with(client)
    assert len(messages) == 1, messages
    assert "not valid JSON" in messages[0]["error"]
    assert code == 1002


def test_binary_garbage_before_handshake(mesh, bystander):
    client = RawClient(mesh[0].ws_url("test"))
    client.ws.send(bytes(range(256)) + b"\x1e")
    _, code, reason = closed_with(client)
    assert code == 1002
    assert "handshake" in reason


def test_wrong_protocol_name(mesh, bystander):
    client = RawClient(mesh[0].ws_url("test"), handshake=json.dumps({"protocol": "xml", "version": 1}) + RS)
    messages, _, _ = closed_with(client)
    assert messages == [{"error": "The protocol 'xml' is not supported; supported protocols: 'json', 'messagepack'"}]


def test_wrong_protocol_version(mesh, bystander):
    client = RawClient(mesh[0].ws_url("test"), handshake=json.dumps({"protocol": "json", "version": 9}) + RS)
    messages, _, _ = closed_with(client)
    assert "version 9" in messages[0]["error"]


def test_garbage_after_handshake(mesh, bystander):
    client = RawClient.connected(mesh[0].ws_url("test"))
    client.ws.send("{this is not json" + RS)
    messages, code, _ = closed_with(client)
    assert messages[-1]["type"] == 7, messages
    assert "expected a property name" in messages[-1]["error"]
    assert code == 1002


def test_unknown_message_type_after_handshake(mesh, bystander):
    client = RawClient.connected(mesh[0].ws_url("test"))
    client.send({"type": 42})
    messages, _, _ = closed_with(client)
    assert messages[-1]["type"] == 7
    assert "42" in messages[-1]["error"]


def test_messagepack_garbage_after_handshake(mesh, bystander):
    client = RawClient(mesh[0].ws_url("test"), handshake=json.dumps({"protocol": "messagepack", "version": 1}) + RS)
    assert client.ws.recv(timeout=10) == b"{}" + RS.encode()
    client.ws.send(b"\x05\xc1\xc1\xc1\xc1\xc1")
    messages: list = []

    def read_until_closed() -> None:
        for _ in range(10):
            raw = client.ws.recv(timeout=10)
            messages.append(msgpack.unpackb(raw[1:], raw=False))

    with pytest.raises(ConnectionClosed) as closed:
        read_until_closed()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1002
    assert messages, "no Close message"
    assert messages[-1][0] == 7
    assert "MessagePack" in messages[-1][1]


def test_errors_in_invocations_keep_the_connection(mesh):
    client = RawClient.connected(mesh[1].ws_url("test"))
    assert client.invoke("NoSuchMethod", invocation_id="a")["error"] == "Unknown hub method 'NoSuchMethod'"
    wrong_count = client.invoke("Add", 1, invocation_id="b")["error"]
    assert "takes 2 argument(s) but the invocation provides 1" in wrong_count
    wrong_type = client.invoke("Add", 1, "two", invocation_id="c")["error"]
    assert "argument 2 cannot be converted to Int" in wrong_type
    assert client.invoke("Fail", "custom reason", invocation_id="d")["error"] == "custom reason"
    assert client.invoke("Crash", invocation_id="e")["error"] == "Failed to invoke 'Crash' due to an error on the server."
    assert client.invoke("Add", 2, 3, invocation_id="f")["result"] == 5
    client.close()


def test_slow_client_is_closed_and_others_keep_going(node_factory):
    node = node_factory("slow1", "--test-hub", "--max-buffered-bytes", "65536")
    bystander = RawClient.connected(node.ws_url("test"))
    slow = RawClient.connected(node.ws_url("test"))
    # 20 MB for a client that reads nothing: far beyond the socket buffers and the 64 KiB budget.
    slow.send({"type": 1, "target": "Repeat", "arguments": [2000, 10_000]})
    time.sleep(1.0)
    assert bystander.invoke("Echo", "unaffected")["result"] == "unaffected"
    messages, code, reason = closed_with(slow, timeout=20)
    assert code == 1008
    assert "too slow" in reason
    close = [m for m in messages if m.get("type") == 7]
    assert close
    assert "more than 65536 bytes" in close[0]["error"]
    assert len([m for m in messages if m.get("target") == "ReceiveRepeat"]) < 2000
    assert bystander.invoke("Echo", "still fine", invocation_id="2")["result"] == "still fine"
    bystander.close()
