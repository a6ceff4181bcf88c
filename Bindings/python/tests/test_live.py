"""Against the real gateway executable ($HUBMESH_GATEWAY_BIN or .build/debug/hubmesh-gateway).

Skipped, with the reason, while the executable does not exist. Loopback only; every loop is
bounded and every wait has a timeout.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import zmq

import hubmesh
import hubmesh.aio
from conftest import (
    GatewayProcess,
    case_frames,
    check_expect,
    load_cases,
    oversize_frame,
    run_stdin,
)
from hubmesh import Request

pytestmark = pytest.mark.live

INGRESS = load_cases("ingress.json")
REPLY_TIMEOUT_MS = 10_000


def raw_socket(ctx: zmq.Context[Any], endpoint: str) -> zmq.Socket[bytes]:
    sock: zmq.Socket[bytes] = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(endpoint)
    return sock


def ask(sock: zmq.Socket[bytes], frames: list[bytes]) -> list[bytes]:
    sock.send_multipart(frames)
    assert sock.poll(REPLY_TIMEOUT_MS), "no reply within 10 s"
    return sock.recv_multipart()


def test_send_all(gateway: GatewayProcess) -> None:
    with hubmesh.Publisher(gateway.endpoint, timeout=10) as p:
        result = p.send_all("chat", "newMessage", ["alice", "h\u00e9llo \U0001f600"])
    assert result.ok and not result.duplicate and result.id == "1"


def test_every_kind_payloads_and_batch(gateway: GatewayProcess) -> None:
    mp = bytes.fromhex("12960180c0a473656e6492a5616c6963650190")
    js = b'{"type":1,"target":"send","arguments":["alice",1]}\x1e'
    with hubmesh.Publisher(gateway.endpoint, timeout=10) as p:
        assert p.send_group("chat", "room-1", "m", [1, 2.5, None, {"a": [True]}], exclude=["n1.c1"]).ok
        assert p.send_user("chat", "u-1", "m", []).ok
        assert p.send_connection("chat", "n1.c1", "m", ["x"]).ok
        assert p.send_payloads("all", "chat", None, {"json": js, "messagepack": mp}, exclude=["n1.c2"]).ok
        results = p.send_batch(
            [
                Request("all", "chat", None, "m", [1]),
                {"kind": "GroupManagement", "hub": "chat", "group": "g", "connection": "n1.c1"},
                Request("group", "", "g", "m", []),
            ]
        )
    assert [r.ok for r in results] == [True, False, False]
    assert [r.code for r in results] == [None, "forbidden_kind", "bad_request"]


def test_idempotency_key(gateway: GatewayProcess) -> None:
    key = f"live-key-{time.time_ns()}"
    with hubmesh.Publisher(gateway.endpoint, timeout=10) as p:
        first = p.send_all("chat", "m", [1], key=key)
        second = p.send_all("chat", "m", [1], key=key)
    assert first.ok and not first.duplicate
    assert second.ok and second.duplicate


@pytest.mark.parametrize("kind", ["groupmanagement", "GroupManagement"])
def test_groupmanagement_is_forbidden(gateway: GatewayProcess, kind: str) -> None:
    with hubmesh.Publisher(gateway.endpoint, timeout=10) as p, pytest.raises(hubmesh.PublishError) as info:
        p.send_payloads(kind, "chat", None, {"json": b'{"type":1,"target":"m","arguments":[]}\x1e'})
    assert info.value.code == "forbidden_kind"
    assert info.value.message  # says what to do


def test_bad_input_does_not_hurt_a_good_client(gateway: GatewayProcess) -> None:
    """Guarantee 4: a client sending garbage gets clear errors; a concurrent good client loses nothing."""
    bad_frames: list[tuple[list[bytes], str]] = [
        ([b"not json"], "bad_json"),
        ([b'{"v":1,"id":"t","kind":"all","hub":"chat","method":"m","argum'], "bad_json"),
        ([b'{"v":1,"id":"u","kind":"all","hub":"chat","method":"m","arguments":["\xff"]}'], "bad_json"),
        ([b'{"id":"nv","kind":"all","hub":"chat","method":"m","arguments":[]}'], "unsupported_version"),
        ([b'{"v":1,"id":"gm","kind":"groupmanagement","hub":"chat","group":"g","connection":"c"}'], "forbidden_kind"),
        ([b'{"v":1,"id":"ex","kind":"user","hub":"chat","user":"u","method":"m","arguments":[],"exclude":["c"]}'],
         "bad_request"),
        ([oversize_frame(70000)], "too_large"),
        ([b"{}", b"{}"], "bad_request"),
    ]  # fmt: skip
    errors: list[str] = []
    rounds = 30

    def attacker() -> None:
        ctx = zmq.Context()
        try:
            sock = raw_socket(ctx, gateway.endpoint)
            for _ in range(rounds):
                for frames, code in bad_frames:
                    reply = json.loads(ask(sock, frames)[-1])
                    if reply.get("ok") is not False or reply.get("code") != code or not reply.get("message"):
                        errors.append(f"{frames[0][:40]!r}: expected {code}, got {reply}")
            sock.close()
        except Exception as error:  # reported by the main thread
            errors.append(repr(error))
        finally:
            ctx.term()

    thread = threading.Thread(target=attacker)
    thread.start()
    with hubmesh.Publisher(gateway.endpoint, timeout=10, window=200) as p:
        results = p.publish_many(Request("group", "chat", f"g{i % 5}", "m", [i]) for i in range(3000))
    thread.join(120)
    assert not thread.is_alive()
    assert errors == []
    assert all(r.ok for r in results)
    assert gateway.alive()


def test_pipelined_10000_all_acked(gateway: GatewayProcess) -> None:
    n = 10_000
    requests = [Request("all", "chat", None, "tick", [i, "payload"]) for i in range(n)]
    with hubmesh.Publisher(gateway.endpoint, timeout=10, window=1000) as p:
        started = time.perf_counter()
        results = p.publish_many(requests)
        elapsed = time.perf_counter() - started
    assert len(results) == n
    assert all(r.ok for r in results), next(r for r in results if not r.ok)
    print(f"\n{n} acknowledged in {elapsed:.3f} s = {n / elapsed:,.0f} msg/s")


def test_asyncio_publisher(gateway: GatewayProcess) -> None:
    async def main() -> None:
        async with hubmesh.aio.Publisher(gateway.endpoint, timeout=10, window=500) as p:
            results = await asyncio.gather(*(p.send_group("chat", f"g{i % 3}", "m", [i]) for i in range(1000)))
            assert all(r.ok for r in results)
            assert len({r.id for r in results}) == 1000  # each reply matched to its own request
            with pytest.raises(hubmesh.PublishError) as info:
                await p.send_payloads("groupmanagement", "chat", None, {"json": b"{}\x1e"})
            assert info.value.code == "forbidden_kind"
            many = await p.publish_many(Request("user", "chat", "u", "m", [i]) for i in range(2000))
            assert all(r.ok for r in many)
            batch = await p.send_batch([Request("all", "chat", None, "m", [1]), {"kind": "nope", "hub": "chat"}])
            assert [r.code for r in batch] == [None, "unknown_kind"]

    asyncio.run(asyncio.wait_for(main(), 120))


def test_declared_hub_list(start_gateway: Callable[..., GatewayProcess]) -> None:
    gw = start_gateway(hubs=("chat",))
    with hubmesh.Publisher(gw.endpoint, timeout=10) as p:
        assert p.send_all("chat", "m").ok
        with pytest.raises(hubmesh.PublishError) as info:
            p.send_all("lobby", "m")
    assert info.value.code == "unknown_hub"


# -- the ingress vectors, over the ROUTER and in pipeline mode


def test_ingress_vectors_router(start_gateway: Callable[..., GatewayProcess]) -> None:
    plain = start_gateway()  # fresh: the vectors' idempotency keys must be new to it
    with_hubs = start_gateway(hubs=("chat",))
    ctx = zmq.Context()
    failures: list[str] = []
    try:
        for case in INGRESS:
            if case.get("mode") == "stdin":
                continue
            gw = with_hubs if case.get("hubs") else plain
            sock = raw_socket(ctx, gw.endpoint)
            try:
                for before in case.get("before", []):
                    assert json.loads(ask(sock, [before.encode()])[-1])["ok"] is True, case["name"]
                for before in case.get("before_errors", []):
                    assert json.loads(ask(sock, [before.encode()])[-1])["ok"] is False, case["name"]
                frames = case_frames(case)
                reply_frames = ask(sock, frames)
                if len(frames) == 2 and frames[0] == b"" and case["expect"]["ok"]:
                    assert reply_frames[0] == b"" and len(reply_frames) == 2, case["name"]
                else:
                    assert len(reply_frames) == 1, case["name"]
                check_expect(json.loads(reply_frames[-1]), case["expect"], case["name"])
            except AssertionError as error:
                failures.append(str(error))
            finally:
                sock.close()
    finally:
        ctx.term()
    assert plain.alive() and with_hubs.alive()
    assert failures == []


def test_ingress_vectors_stdin(gateway_command_line: list[str], gateway: GatewayProcess) -> None:
    """Pipeline mode (``--stdin``). Asks for ``gateway`` too, so it skips while the executable is a placeholder."""
    lines: list[bytes] = []
    checks: list[tuple[int, dict[str, Any]]] = []
    for case in INGRESS:
        if case.get("mode") == "router" or case.get("hubs") or "frames" in case:
            continue
        frame = case_frames(case)[0]
        if b"\n" in frame:
            continue
        for before in case.get("before", []):
            checks.append((len(lines), {"ok": True}))
            lines.append(before.encode())
        for before in case.get("before_errors", []):
            checks.append((len(lines), {"ok": False}))
            lines.append(before.encode())
        checks.append((len(lines), {"name": case["name"], **case["expect"]}))
        lines.append(frame)
    code, out, err = run_stdin(gateway_command_line, lines, timeout=120)
    assert code == 0, err
    assert len(out) == len(lines), f"one reply line per input line: {len(out)} for {len(lines)}\n{err}"
    for index, expect in checks:
        name = expect.pop("name", f"line {index}")
        check_expect(json.loads(out[index]), expect, f"{name} (stdin)")
