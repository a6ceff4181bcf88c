"""The publishers' mechanics against a scripted ROUTER in a thread (no gateway needed)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable

import pytest

import hubmesh
import hubmesh.aio
from conftest import Handler, ScriptedGateway, ok_reply, request_id
from hubmesh import Request

Start = Callable[[Handler], ScriptedGateway]


def reply(frame: bytes, **fields: object) -> list[bytes]:
    return [json.dumps({"id": request_id(frame), **fields}, separators=(",", ":")).encode()]


def by_kind(frame: bytes) -> list[bytes]:
    """ok, except kind groupmanagement (forbidden) and key 'seen' (duplicate)."""
    obj = json.loads(frame)
    if obj.get("kind") == "groupmanagement":
        return reply(frame, ok=False, code="forbidden_kind", message="internal to the mesh")
    if obj.get("key") == "seen":
        return reply(frame, ok=True, duplicate=True)
    return ok_reply(frame)


def test_send_methods_emit_canonical_requests(scripted: Start) -> None:
    gw = scripted(ok_reply)
    with hubmesh.Publisher(gw.endpoint, timeout=5) as p:
        assert p.send_all("chat", "m", ["a"], exclude=["n1.c1"], key="k1").ok
        assert p.send_group("chat", "g", "m", [1]).ok
        assert p.send_user("chat", "u", "m").ok
        assert p.send_connection("chat", "n1.c1", "m", [None]).ok
        assert p.send_payloads("all", "chat", None, {"json": b"{}\x1e"}).ok
    assert gw.received == [
        b'{"v":1,"id":"1","kind":"all","hub":"chat","method":"m","arguments":["a"],"exclude":["n1.c1"],"key":"k1"}',
        b'{"v":1,"id":"2","kind":"group","hub":"chat","group":"g","method":"m","arguments":[1]}',
        b'{"v":1,"id":"3","kind":"user","hub":"chat","user":"u","method":"m","arguments":[]}',
        b'{"v":1,"id":"4","kind":"connection","hub":"chat","connection":"n1.c1","method":"m","arguments":[null]}',
        b'{"v":1,"id":"5","kind":"all","hub":"chat","payloads":{"json":"e30e"}}',
    ]


def test_error_reply_raises_publish_error(scripted: Start) -> None:
    gw = scripted(by_kind)
    with hubmesh.Publisher(gw.endpoint, timeout=5) as p:
        with pytest.raises(hubmesh.PublishError) as info:
            p.send_payloads("groupmanagement", "chat", None, {"json": b"{}\x1e"})
        assert (info.value.code, info.value.message, info.value.id) == ("forbidden_kind", "internal to the mesh", "1")
        result = p.send_all("chat", "m", [], key="seen")
        assert result.ok and result.duplicate


def test_timeout_then_late_reply_is_not_taken_for_the_next(scripted: Start) -> None:
    first = True

    def handler(frame: bytes) -> list[bytes]:
        nonlocal first
        if first:  # hold the first reply back until the client has given up on it
            first = False
            return [b"HOLD:" + ok_reply(frame)[0]]
        return reply(frame, ok=False, code="bad_request", message="second")

    gw = scripted(handler)
    with hubmesh.Publisher(gw.endpoint, timeout=0.3) as p:
        started = time.monotonic()
        with pytest.raises(hubmesh.TimeoutError) as info:
            p.send_all("chat", "m", [1])
        assert 0.25 < time.monotonic() - started < 5
        assert info.value.code == "timeout" and info.value.id == "1"
        assert isinstance(info.value, TimeoutError) and isinstance(info.value, hubmesh.PublishError)
        gw.release()  # the late ok for request 1 arrives now, before the reply to request 2
        with pytest.raises(hubmesh.PublishError) as info2:
            p.send_all("chat", "m", [2])
        assert info2.value.code == "bad_request" and info2.value.message == "second"


def test_reply_with_null_id_answers_the_oldest_request(scripted: Start) -> None:
    gw = scripted(lambda frame: [b'{"id":null,"ok":false,"code":"too_large","message":"split it"}'])
    with hubmesh.Publisher(gw.endpoint, timeout=5) as p, pytest.raises(hubmesh.PublishError) as info:
        p.send_all("chat", "m", ["x"])
    assert info.value.code == "too_large" and info.value.id == "1"


def test_unparseable_reply_is_bad_reply(scripted: Start) -> None:
    gw = scripted(lambda frame: [b"OK"])
    with hubmesh.Publisher(gw.endpoint, timeout=5) as p, pytest.raises(hubmesh.PublishError) as info:
        p.send_all("chat", "m")
    assert info.value.code == "bad_reply"


def test_send_batch_returns_item_results(scripted: Start) -> None:
    def handler(frame: bytes) -> list[bytes]:
        items = json.loads(frame)["batch"]
        results = [{"ok": False, "code": "forbidden_kind", "message": "no"} if i["kind"] != "all" else {"ok": True}
                   for i in items]  # fmt: skip
        return reply(frame, ok=all(r["ok"] for r in results), results=results)

    gw = scripted(handler)
    with hubmesh.Publisher(gw.endpoint, timeout=5) as p:
        results = p.send_batch([Request("all", "chat", None, "m", [1]), {"kind": "groupmanagement", "hub": "chat"}])
    assert [r.ok for r in results] == [True, False] and results[1].code == "forbidden_kind"
    assert gw.received[0] == (
        b'{"v":1,"id":"1","batch":[{"kind":"all","hub":"chat","method":"m","arguments":[1]},'
        b'{"kind":"groupmanagement","hub":"chat"}]}'
    )


def test_send_batch_refused_as_a_whole_raises(scripted: Start) -> None:
    gw = scripted(lambda frame: reply(frame, ok=False, code="too_large", message="1001 items"))
    with hubmesh.Publisher(gw.endpoint, timeout=5) as p, pytest.raises(hubmesh.PublishError) as info:
        p.send_batch([Request("all", "chat", None, "m")])
    assert info.value.code == "too_large"


def test_publish_many_results_in_order(scripted: Start) -> None:
    gw = scripted(by_kind)
    requests = []
    for i in range(3000):
        if i % 1000 == 7:
            requests.append(Request("groupmanagement", "chat", None, None, (), {"json": b"{}\x1e"}))
        elif i % 1000 == 8:
            requests.append(Request("group", "chat", None, "m", [i]))  # cannot be encoded: not sent
        else:
            requests.append(Request("group", "chat", f"g{i % 7}", "m", [i], key="seen" if i == 9 else None))
    with hubmesh.Publisher(gw.endpoint, timeout=10, window=100) as p:
        results = p.publish_many(requests)
        assert p.send_all("chat", "after").ok  # the socket is in a clean state afterwards
    assert len(results) == 3000
    for i, result in enumerate(results):
        if i % 1000 == 7:
            assert result.code == "forbidden_kind", i
        elif i % 1000 == 8:
            assert result.code == "bad_request" and "not sent" in (result.message or ""), i
        elif i == 9:
            assert result.ok and result.duplicate
        else:
            assert result is hubmesh.OK, (i, result)
    assert len(gw.received) == 3000 - 3 + 1
    sent = [json.loads(f)["arguments"] for f in gw.received[:-1] if "arguments" in json.loads(f)]
    assert [a[0] for a in sent] == [i for i in range(3000) if i % 1000 not in (7, 8)]


def test_publish_many_keeps_the_window(scripted: Start) -> None:
    window = 50
    bursts: list[int] = []
    pending: list[bytes] = []

    def handler(frame: bytes) -> list[bytes]:
        pending.append(frame)
        return [b"HOLD:" + ok_reply(frame)[0]]

    gw = scripted(handler)
    with hubmesh.Publisher(gw.endpoint, timeout=10, window=window) as p:
        import threading

        done: list[list[hubmesh.Result]] = []
        t = threading.Thread(target=lambda: done.append(p.publish_many(Request("all", "chat", None, "m", [i])
                                                                         for i in range(500))))  # fmt: skip
        t.start()
        deadline = time.monotonic() + 30
        while t.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)  # let the client fill its window; it must stop at `window`
            bursts.append(len(gw.held))
            gw.release()
        t.join(10)
    assert done and len(done[0]) == 500 and all(r.ok for r in done[0])
    assert max(bursts) <= window
    assert max(bursts) == window  # it did fill the window


def test_publish_many_stall_raises_with_partial_results(scripted: Start) -> None:
    count = 0

    def handler(frame: bytes) -> list[bytes] | None:
        nonlocal count
        count += 1
        return ok_reply(frame) if count <= 10 else None  # then the gateway goes silent

    gw = scripted(handler)
    with hubmesh.Publisher(gw.endpoint, timeout=0.5, window=20) as p, pytest.raises(hubmesh.TimeoutError) as info:
        p.publish_many(Request("all", "chat", None, "m", [i]) for i in range(1000))
    results = info.value.results
    assert results is not None and len(results) == 30
    assert all(r.ok for r in results[:10]) and all(r.code == "timeout" for r in results[10:])


def test_publish_many_from_a_list_keeps_the_window(scripted: Start) -> None:
    # From a sequence, requests leave in chunks; the window still bounds what is in flight.
    window = 300
    bursts: list[int] = []

    def handler(frame: bytes) -> list[bytes]:
        return [b"HOLD:" + ok_reply(frame)[0]]

    gw = scripted(handler)
    requests = [Request("all", "chat", None, "m", [i]) for i in range(2000)]
    requests[500] = Request("all", "chat", "not-allowed", "m", [500])  # cannot be encoded: not sent
    with hubmesh.Publisher(gw.endpoint, timeout=10, window=window) as p:
        import threading

        done: list[list[hubmesh.Result]] = []
        t = threading.Thread(target=lambda: done.append(p.publish_many(requests)))
        t.start()
        deadline = time.monotonic() + 30
        while t.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
            bursts.append(len(gw.held))
            gw.release()
        t.join(10)
    assert done and len(done[0]) == 2000
    assert [i for i, r in enumerate(done[0]) if not r.ok] == [500] and done[0][500].code == "bad_request"
    assert 0 < max(bursts) <= window
    sent = [json.loads(f)["arguments"][0] for f in gw.received]
    assert sent == [i for i in range(2000) if i != 500]


def test_publish_many_with_a_full_socket_reports_unsent_requests() -> None:
    # Nobody listens: the socket queues up to its high-water mark (twice the window), then refuses.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with hubmesh.Publisher(f"tcp://127.0.0.1:{port}", timeout=0.2, window=600) as p:
        requests = [Request("all", "chat", None, "m", [i]) for i in range(700)]
        for expected in (600, 600, 128):  # window, window, then one chunk that cannot be queued
            with pytest.raises(hubmesh.TimeoutError) as info:
                p.publish_many(requests)
            results = info.value.results
            assert results is not None and len(results) == expected
            assert all(r.code == "timeout" for r in results)
        p.close(linger=0)


def test_constructor_validates_window() -> None:
    with pytest.raises(ValueError, match="window"):
        hubmesh.Publisher(window=0)


# -- asyncio


def test_aio_concurrent_sends_are_matched_by_id(scripted: Start) -> None:
    def handler(frame: bytes) -> list[bytes]:
        obj = json.loads(frame)
        if obj["arguments"][0] % 10 == 3:
            return reply(frame, ok=False, code="bad_request", message=str(obj["arguments"][0]))
        return reply(frame, ok=True, duplicate=obj["arguments"][0] % 10 == 4)

    gw = scripted(handler)

    async def main() -> None:
        async with hubmesh.aio.Publisher(gw.endpoint, timeout=5, window=64) as p:

            async def one(i: int) -> tuple[int, hubmesh.Result | str]:
                try:
                    return i, await p.send_group("chat", "g", "m", [i])
                except hubmesh.PublishError as e:
                    return i, e.message

            outcomes = await asyncio.gather(*(one(i) for i in range(500)))
            for i, outcome in outcomes:
                if i % 10 == 3:
                    assert outcome == str(i)
                else:
                    assert isinstance(outcome, hubmesh.Result) and outcome.ok
                    assert outcome.duplicate is (i % 10 == 4)
            results = await p.publish_many(Request("all", "chat", None, "m", [i]) for i in range(300))
            assert [r.ok for r in results] == [i % 10 != 3 for i in range(300)]
            assert results[3].code == "bad_request" and results[3].message == "3"

    asyncio.run(asyncio.wait_for(main(), 60))


def test_aio_timeout_and_late_reply(scripted: Start) -> None:
    first = True

    def handler(frame: bytes) -> list[bytes]:
        nonlocal first
        if first:
            first = False
            return [b"HOLD:" + ok_reply(frame)[0]]
        return reply(frame, ok=False, code="unavailable", message="later")

    gw = scripted(handler)

    async def main() -> None:
        async with hubmesh.aio.Publisher(gw.endpoint, timeout=0.3) as p:
            with pytest.raises(hubmesh.TimeoutError):
                await p.send_all("chat", "m", [1])
            gw.release()
            with pytest.raises(hubmesh.PublishError) as info:
                await p.send_all("chat", "m", [2])
            assert info.value.code == "unavailable"

    asyncio.run(asyncio.wait_for(main(), 30))


def test_aio_close_fails_waiters(scripted: Start) -> None:
    gw = scripted(lambda frame: None)

    async def main() -> None:
        p = hubmesh.aio.Publisher(gw.endpoint, timeout=10)
        task = asyncio.ensure_future(p.send_all("chat", "m"))
        await asyncio.sleep(0.2)
        p.close()
        with pytest.raises(hubmesh.PublishError) as info:
            await task
        assert info.value.code == "closed"
        with pytest.raises(hubmesh.PublishError):
            await p.send_all("chat", "m")

    asyncio.run(asyncio.wait_for(main(), 30))


def test_aio_publish_many_stall_raises_with_partial_results(scripted: Start) -> None:
    count = 0

    def handler(frame: bytes) -> list[bytes] | None:
        nonlocal count
        count += 1
        return ok_reply(frame) if count <= 10 else None

    gw = scripted(handler)

    async def main() -> None:
        async with hubmesh.aio.Publisher(gw.endpoint, timeout=0.5, window=20) as p:
            with pytest.raises(hubmesh.TimeoutError) as info:
                await p.publish_many(Request("all", "chat", None, "m", [i]) for i in range(1000))
            results = info.value.results
            assert results is not None
            assert len(results) == 30
            assert all(r.ok for r in results[:10])
            assert all(r.code == "timeout" for r in results[10:])

    asyncio.run(asyncio.wait_for(main(), 30))


def test_aio_publish_many_keeps_order_and_window(scripted: Start) -> None:
    gw = scripted(by_kind)

    async def main() -> None:
        async with hubmesh.aio.Publisher(gw.endpoint, timeout=10, window=7) as p:
            requests = [Request("all", "chat", None, "m", [i]) for i in range(2000)]
            requests[5] = Request("groupmanagement", "chat", None, None, (), {"json": b"{}\x1e"})
            requests[6] = Request("group", "chat", None, "m", [])  # cannot be encoded
            concurrent = asyncio.ensure_future(p.send_all("chat", "m", ["side"]))
            results = await p.publish_many(requests)
            assert (await concurrent).ok
        assert results[5].code == "forbidden_kind"
        assert results[6].code == "bad_request"
        assert all(r.ok for i, r in enumerate(results) if i not in (5, 6))

    asyncio.run(asyncio.wait_for(main(), 60))


def test_only_canonical_decimal_ids_are_taken_for_ours() -> None:
    from hubmesh._publisher import _id_number

    assert [_id_number(x) for x in ("1", "42", b"42", "007", "0", "", "x1", "١٢", b"-3")] == [1, 42, 42] + [-1] * 6
