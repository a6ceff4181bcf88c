"""The unmodified `signalrcore` client (PyPI): JSON and MessagePack, negotiate and skip-negotiation."""

from __future__ import annotations

import threading

import pytest

from clients import CoreClient
from helpers import token, wait_until

PROTOCOLS = ["json", "messagepack"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("skip_negotiation", [False, True])
def test_connect_invoke_and_receive(mesh, protocol, skip_negotiation):
    client = CoreClient(mesh[0].hub_url("test"), protocol, skip_negotiation=skip_negotiation).listen("ReceiveCaller").start()
    try:
        assert client.invoke("Add", 2, 3) == ("result", 5)
        assert client.invoke("Echo", "héllo ✓") == ("result", "héllo ✓")
        kind, identity = client.invoke("WhoAmI")
        assert kind == "result"
        assert identity["connectionId"].startswith("n1.")
        assert identity["hub"] == "test"
        assert client.invoke("SendToCaller", "to me") == ("result", None)
        assert wait_until(lambda: client.messages("ReceiveCaller") == [["to me"]])
    finally:
        client.stop()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_errors_keep_the_connection(mesh, protocol):
    client = CoreClient(mesh[1].hub_url("test"), protocol).start()
    try:
        assert client.invoke("Nope") == ("error", "Unknown hub method 'Nope'")
        kind, message = client.invoke("Add", 1)
        assert kind == "error"
        assert "takes 2 argument(s)" in message
        kind, message = client.invoke("Add", "one", 2)
        assert kind == "error"
        assert "argument 1 cannot be converted to Int" in message
        assert client.invoke("Add", 20, 22) == ("result", 42)
    finally:
        client.stop()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_user_targeting_across_nodes(mesh, protocol):
    """Two connections of one JWT user on different nodes both receive a user send."""
    bob = token("bob")
    first = CoreClient(mesh[0].hub_url("test"), protocol, token=bob).listen("ReceiveUser").start()
    second = CoreClient(mesh[1].hub_url("test"), "json", token=bob).listen("ReceiveUser").start()
    other = CoreClient(mesh[1].hub_url("test"), protocol, token=token("carol")).listen("ReceiveUser").start()
    sender = CoreClient(mesh[0].hub_url("test"), "json").start()
    try:
        assert first.invoke("WhoAmI")[1]["userId"] == "bob"
        assert sender.invoke("SendToUser", "bob", f"hi bob {protocol}") == ("result", None)
        expected = [[f"hi bob {protocol}"]]
        assert wait_until(lambda: first.messages("ReceiveUser") == expected and second.messages("ReceiveUser") == expected)
        assert other.messages("ReceiveUser") == []
    finally:
        for client in (first, second, other, sender):
            client.stop()


def test_default_protocol_sends_version_0(mesh):
    # signalrcore 1.0.x without an explicit protocol sends handshake version 0 (its negotiate
    # version); ASP.NET Core accepts it, and so does HubMesh.
    from signalrcore.hub_connection_builder import HubConnectionBuilder

    connection = HubConnectionBuilder().with_url(mesh[0].hub_url("test")).build()
    opened = threading.Event()
    connection.on_open(opened.set)
    try:
        connection.start()
        assert opened.wait(5)
    finally:
        connection.stop()
