"""Keep-alive pings and the client timeout, on a node with short intervals."""

from __future__ import annotations

import time

from websockets.exceptions import ConnectionClosed

from helpers import RawClient, json_frames


def test_pings_are_sent_and_a_silent_client_is_dropped(node_factory):
    node = node_factory("ka1", "--test-hub", "--keep-alive-ms", "300", "--client-timeout-ms", "1500")
    silent = RawClient.connected(node.ws_url("test"))
    chatty = RawClient.connected(node.ws_url("test"))
    start = time.monotonic()
    pings = 0
    messages: list[dict] = []
    close_code = None
    try:
        while time.monotonic() - start < 10:
            for message in json_frames(silent.ws.recv(timeout=10)):
                messages.append(message)
                if message["type"] == 6:
                    pings += 1
            if pings and time.monotonic() - start < 1.2:
                chatty.send({"type": 6})
    except ConnectionClosed as closed:
        close_code = closed.rcvd.code if closed.rcvd else None
    elapsed = time.monotonic() - start
    assert pings >= 3, messages
    assert messages[-1]["type"] == 7
    assert "No message was received from the client within 1.5 seconds" in messages[-1]["error"]
    assert close_code == 1008
    assert 1.3 <= elapsed <= 4.0, elapsed
    # The client that pings stays up beyond the timeout of the silent one.
    for _ in range(8):
        chatty.send({"type": 6})
        time.sleep(0.25)
    assert chatty.invoke("Echo", "alive")["result"] == "alive"
    chatty.close()


def test_handshake_timeout(node_factory):
    node = node_factory("ka2", "--test-hub", "--handshake-timeout-ms", "500")
    client = RawClient(node.ws_url("test"))
    start = time.monotonic()
    try:
        while time.monotonic() - start < 5:
            client.ws.recv(timeout=5)
    except ConnectionClosed:
        pass
    assert time.monotonic() - start < 3


def test_graceful_shutdown_tells_clients_to_reconnect(node_factory):
    node = node_factory("bye1", "--test-hub")
    client = RawClient.connected(node.ws_url("test"))
    assert client.invoke("Echo", "x")["result"] == "x"
    node.process.send_signal(15)
    messages: list[dict] = []
    try:
        while True:
            messages.extend(json_frames(client.ws.recv(timeout=10)))
    except ConnectionClosed:
        pass
    assert messages[-1] == {"type": 7, "error": "The server is shutting down", "allowReconnect": True}
    assert node.process.wait(timeout=10) == 0
