"""The example chat hub across two nodes, with both third-party clients in one room."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from clients import CoreClient, PyClient, async_wait_until
from helpers import wait_until


@pytest.mark.parametrize("protocol", ["json", "messagepack"])
def test_chat_across_nodes(mesh, protocol):
    room = f"room-{protocol}"
    alice = CoreClient(mesh[0].hub_url("chat"), protocol).listen("ReceiveMessage").start()
    bob = CoreClient(mesh[1].hub_url("chat"), "json").listen("ReceiveMessage").start()
    carol = CoreClient(mesh[1].hub_url("chat"), protocol).listen("ReceiveMessage").start()
    try:
        assert alice.invoke("JoinRoom", room) == ("result", None)
        assert bob.invoke("JoinRoom", room) == ("result", None)
        assert carol.invoke("JoinRoom", "elsewhere") == ("result", None)
        assert alice.invoke("SendMessage", room, "alice", "hi all") == ("result", None)
        assert wait_until(lambda: ["alice", "hi all"] in alice.messages("ReceiveMessage") and ["alice", "hi all"] in bob.messages("ReceiveMessage"))
        system = [m for m in alice.messages("ReceiveMessage") if m[0] == "system"]
        assert len(system) == 2
        assert system[0][1].endswith(f"joined {room}")
        assert system[0][1].startswith("n1.")
        assert bob.invoke("LeaveRoom", room) == ("result", None)
        assert alice.invoke("SendMessage", room, "alice", "bob left?") == ("result", None)
        assert wait_until(lambda: ["alice", "bob left?"] in alice.messages("ReceiveMessage"))
        time.sleep(0.3)
        assert ["alice", "bob left?"] not in bob.messages("ReceiveMessage")
        assert all(message[0] == "system" for message in carol.messages("ReceiveMessage"))
        assert not any(room in message[1] for message in carol.messages("ReceiveMessage"))
    finally:
        for client in (alice, bob, carol):
            client.stop()


def test_chat_signalrcore_and_pysignalr_in_one_room(mesh):
    core = CoreClient(mesh[0].hub_url("chat"), "messagepack").listen("ReceiveMessage").start()
    result: dict[str, object] = {}

    async def py_side() -> None:
        client = await PyClient(mesh[1].hub_url("chat"), "json").listen("ReceiveMessage").start()
        try:
            assert await client.invoke("JoinRoom", "mixed") == ("result", None)
            result["joined"] = True
            assert await async_wait_until(lambda: ["core", "hello py"] in client.messages("ReceiveMessage"), 15)
            assert await client.invoke("SendMessage", "mixed", "py", "hello core") == ("result", None)
            result["ok"] = True
        finally:
            await client.stop()

    thread = threading.Thread(target=lambda: asyncio.run(py_side()), daemon=True)
    thread.start()
    try:
        assert core.invoke("JoinRoom", "mixed") == ("result", None)
        assert wait_until(lambda: result.get("joined") is True, 15)
        assert core.invoke("SendMessage", "mixed", "core", "hello py") == ("result", None)
        assert wait_until(lambda: ["py", "hello core"] in core.messages("ReceiveMessage"), 15)
        thread.join(timeout=15)
        assert result.get("ok") is True
    finally:
        core.stop()
