"""A client written from docs/gateway-protocol.md alone: pyzmq + json, no hubmesh binding.

If these pass against the real gateway, the document is enough to write a client.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import zmq

from conftest import GatewayProcess

pytestmark = pytest.mark.live

TIMEOUT_MS = 10_000


def encode(obj: dict[str, Any]) -> bytes:
    # section 2.2: compact, UTF-8, fields in canonical order (dict insertion order)
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@pytest.fixture
def dealer(gateway: GatewayProcess) -> Any:
    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 1000)
    sock.connect(gateway.endpoint)
    yield sock
    sock.close()
    ctx.term()


def receive(sock: zmq.Socket[bytes]) -> dict[str, Any]:
    assert sock.poll(TIMEOUT_MS), "the gateway sends exactly one reply per request"
    frames = sock.recv_multipart()
    assert len(frames) == 1
    reply: dict[str, Any] = json.loads(frames[0])
    return reply


def test_one_request_one_reply(dealer: zmq.Socket[bytes]) -> None:
    dealer.send(
        encode({"v": 1, "id": "r1", "kind": "group", "hub": "chat", "group": "room-1",
                "method": "newMessage", "arguments": ["alice", "h\u00e9llo"]})
    )  # fmt: skip
    assert receive(dealer) == {"id": "r1", "ok": True}


def test_pipelined_replies_come_in_order_with_ids(dealer: zmq.Socket[bytes]) -> None:
    n, window = 5000, 1000
    sent = received = 0
    while received < n:  # bounded: every iteration receives one reply or fails
        while sent < n and sent - received < window:
            request = {"v": 1, "id": f"p{sent}", "kind": "all", "hub": "chat", "method": "m", "arguments": [sent]}
            dealer.send(encode(request))
            sent += 1
        reply = receive(dealer)
        assert reply == {"id": f"p{received}", "ok": True}
        received += 1


def test_errors_have_code_and_message(dealer: zmq.Socket[bytes]) -> None:
    dealer.send(b"{oops")
    reply = receive(dealer)
    assert reply["id"] is None and reply["ok"] is False and reply["code"] == "bad_json" and reply["message"]
    dealer.send(encode({"v": 1, "id": "e2", "kind": "groupmanagement", "hub": "chat"}))
    reply = receive(dealer)
    assert (reply["id"], reply["ok"], reply["code"]) == ("e2", False, "forbidden_kind")
    dealer.send(encode({"v": 2, "id": "e3", "kind": "all", "hub": "chat", "method": "m", "arguments": []}))
    assert receive(dealer)["code"] == "unsupported_version"
    dealer.send(encode({"v": 1, "id": "e4", "kind": "connection", "hub": "chat", "connection": "c",
                        "method": "m", "arguments": [], "exclude": ["d"]}))  # fmt: skip
    assert receive(dealer)["code"] == "bad_request"


def test_batch(dealer: zmq.Socket[bytes]) -> None:
    dealer.send(encode({"v": 1, "id": "b", "batch": [
        {"kind": "all", "hub": "chat", "method": "m", "arguments": [1]},
        {"kind": "broadcast", "hub": "chat", "method": "m", "arguments": []},
    ]}))  # fmt: skip
    reply = receive(dealer)
    assert reply["id"] == "b" and reply["ok"] is False
    assert reply["results"][0] == {"ok": True}
    assert reply["results"][1]["code"] == "unknown_kind"


def test_req_socket_works_too(gateway: GatewayProcess) -> None:
    ctx = zmq.Context()
    sock = ctx.socket(zmq.REQ)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(gateway.endpoint)
    try:
        for i in range(3):
            sock.send(encode({"v": 1, "id": f"q{i}", "kind": "all", "hub": "chat", "method": "m", "arguments": []}))
            assert sock.poll(TIMEOUT_MS)
            assert json.loads(sock.recv()) == {"id": f"q{i}", "ok": True}
    finally:
        sock.close()
        ctx.term()
