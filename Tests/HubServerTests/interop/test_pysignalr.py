"""The unmodified `pysignalr` client (PyPI): JSON and MessagePack over negotiate + WebSockets."""

from __future__ import annotations

import asyncio

import pytest

from clients import PyClient, async_wait_until
from helpers import token

PROTOCOLS = ["json", "messagepack"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_connect_invoke_and_receive(mesh, protocol):
    async def scenario() -> None:
        client = await PyClient(mesh[1].hub_url("test"), protocol, token=token("dora")).listen("ReceiveAll").start()
        try:
            assert await client.invoke("Add", 40, 2) == ("result", 42)
            kind, identity = await client.invoke("WhoAmI")
            assert identity["userId"] == "dora"
            assert identity["connectionId"].startswith("n2.")
            assert await client.invoke("Nope") == ("error", "Unknown hub method 'Nope'")
            kind, message = await client.invoke("Add", 1, 2, 3)
            assert kind == "error"
            assert "provides 3" in message
            assert await client.invoke("Echo", "still up") == ("result", "still up")
        finally:
            await client.stop()

    asyncio.run(scenario())


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_group_send_across_nodes(mesh, protocol):
    async def scenario() -> None:
        near = await PyClient(mesh[0].hub_url("test"), protocol).listen("ReceiveGroup").start()
        far = await PyClient(mesh[1].hub_url("test"), "json").listen("ReceiveGroup").start()
        try:
            group = f"g-{protocol}"
            assert await near.invoke("JoinGroup", group) == ("result", None)
            assert await far.invoke("JoinGroup", group) == ("result", None)
            assert await far.invoke("SendToGroup", group, "across") == ("result", None)
            expected = [[group, "across"]]
            assert await async_wait_until(lambda: near.messages("ReceiveGroup") == expected and far.messages("ReceiveGroup") == expected)
            assert await near.invoke("LeaveGroup", group) == ("result", None)
            assert await far.invoke("SendToGroup", group, "again") == ("result", None)
            assert await async_wait_until(lambda: far.messages("ReceiveGroup") == [*expected, [group, "again"]])
            await asyncio.sleep(0.3)
            assert near.messages("ReceiveGroup") == expected
        finally:
            await near.stop()
            await far.stop()

    asyncio.run(scenario())
