"""CORS for browser clients on other origins: preflight and negotiate headers for allowed origins only,
and, once origins are configured, WebSocket upgrades only from those origins and the node's own pages."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from email.message import Message

import pytest
from websockets.exceptions import InvalidStatus

from clients import CoreClient
from helpers import RawClient, node_binary

APP = "http://app.example:8080"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "x-requested-with,x-signalr-user-agent",
}


def call(method: str, url: str, headers: dict[str, str]) -> tuple[int, Message, bytes]:
    """An HTTP request; returns status, response headers and body, whatever the status."""
    request = urllib.request.Request(url, method=method, headers=headers, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def listed(headers: Message, name: str) -> set[str]:
    """A comma-separated response header as a set of lowercase items."""
    return {item.strip().lower() for value in headers.get_all(name, []) for item in value.split(",") if item.strip()}


def test_an_allowed_origin_gets_the_preflight_answer_and_can_negotiate_and_connect(node_factory):
    node = node_factory("cors1", "--test-hub", "--cors-origin", APP, "--cors-origin", "https://other.example")
    url = node.hub_url("test") + "/negotiate?negotiateVersion=1"

    status, headers, _ = call("OPTIONS", url, {"Origin": APP, **PREFLIGHT})
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == APP
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert {"get", "post"} <= listed(headers, "Access-Control-Allow-Methods")
    assert {"x-requested-with", "x-signalr-user-agent", "authorization", "content-type"} <= listed(headers, "Access-Control-Allow-Headers")
    assert headers["Access-Control-Max-Age"] == "600"
    assert "origin" in listed(headers, "Vary")

    status, headers, body = call("POST", url, {"Origin": APP, "X-Requested-With": "XMLHttpRequest"})
    assert status == 200, body
    assert headers["Access-Control-Allow-Origin"] == APP
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert "origin" in listed(headers, "Vary")
    negotiated = json.loads(body)
    # WebSockets are not subject to CORS; the page's socket carries its Origin and is served.
    client = RawClient.connected(node.ws_url("test", "id=" + negotiated["connectionToken"]), {"Origin": APP})
    try:
        assert client.invoke("WhoAmI")["result"]["connectionId"] == negotiated["connectionId"]
    finally:
        client.close()

    # The second configured origin is allowed too.
    status, headers, _ = call("OPTIONS", url, {"Origin": "https://other.example", **PREFLIGHT})
    assert headers["Access-Control-Allow-Origin"] == "https://other.example"


def test_other_origins_get_no_cors_headers(node_factory):
    node = node_factory("cors2", "--test-hub", "--cors-origin", APP)
    url = node.hub_url("test") + "/negotiate?negotiateVersion=1"
    for origin in ("http://evil.example", "http://app.example:8081", "https://app.example:8080", "null"):
        _, headers, _ = call("OPTIONS", url, {"Origin": origin, **PREFLIGHT})
        assert headers["Access-Control-Allow-Origin"] is None, origin
        status, headers, _ = call("POST", url, {"Origin": origin})
        assert status == 200  # served, but a browser will not let the page read it
        assert headers["Access-Control-Allow-Origin"] is None, origin
        assert headers["Access-Control-Allow-Credentials"] is None, origin


def test_without_the_flag_no_origin_is_allowed(mesh):
    url = mesh[0].hub_url("test") + "/negotiate?negotiateVersion=1"
    _, headers, _ = call("OPTIONS", url, {"Origin": APP, **PREFLIGHT})
    assert headers["Access-Control-Allow-Origin"] is None
    _, headers, _ = call("POST", url, {"Origin": APP})
    assert headers["Access-Control-Allow-Origin"] is None


def test_a_star_allows_any_origin_and_echoes_it(node_factory):
    node = node_factory("cors3", "--test-hub", "--cors-origin", "*")
    url = node.hub_url("test") + "/negotiate?negotiateVersion=1"
    for origin in ("http://evil.example", "https://anything.example:4443"):
        status, headers, _ = call("OPTIONS", url, {"Origin": origin, **PREFLIGHT})
        assert status == 204
        # With credentials a literal * is not allowed: the origin itself is the answer.
        assert headers["Access-Control-Allow-Origin"] == origin
        _, headers, _ = call("POST", url, {"Origin": origin})
        assert headers["Access-Control-Allow-Origin"] == origin
    # A request without Origin (not from a browser page) is untouched.
    status, headers, _ = call("POST", url, {})
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] is None


@pytest.mark.parametrize(
    "origin",
    ["app.example.com", "ftp://app.example.com", "https://app.example.com/path", "https://", "https://host:0", "https://host:99999", "https://a b"],
)
def test_bad_cors_origins_are_refused_at_start(origin):
    command = [node_binary(), "--http", "127.0.0.1:0", "--mesh", "tcp://127.0.0.1:0", f"--cors-origin={origin}"]
    # Bounded: a node that accepted the value would run until stopped.
    result = subprocess.run(command, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    assert result.returncode != 0, f"{origin} was accepted"
    assert f"CORS origin '{origin}'" in result.stderr, result.stderr


def test_once_origins_are_configured_websockets_from_other_origins_are_refused(node_factory, tmp_path):
    node = node_factory("cors4", "--test-hub", "--cors-origin", APP)
    # What a page of another site sends when it opens a socket to this node (browsers apply no CORS
    # to WebSockets): refused before the upgrade, with the reason, as a 403.
    for origin in ("http://evil.example", "https://app.example:8080", "null"):
        with pytest.raises(InvalidStatus) as refused:
            RawClient(node.ws_url("test"), {"Origin": origin})
        assert refused.value.response.status_code == 403, origin
        assert f"origin '{origin}' may not open a WebSocket here" in refused.value.response.body.decode(), origin
    # An oversized Origin header is refused the same way, and not echoed whole.
    huge = "https://" + "a" * 6000 + ".example"
    with pytest.raises(InvalidStatus) as refused:
        RawClient(node.ws_url("test"), {"Origin": huge})
    assert refused.value.response.status_code == 403
    assert len(refused.value.response.body) < 1000, len(refused.value.response.body)

    # The operator sees it in the node's log (at the default level), once per origin.
    log = (tmp_path / "cors4.log").read_text(errors="replace")
    refusals = [line for line in log.splitlines() if "refused a WebSocket from a page of another origin" in line]
    assert len(refusals) == 4, log
    assert "http://evil.example" in refusals[0], log

    # Allowed: the configured origin, the node's own pages, and programs that send no Origin.
    for headers in ({"Origin": APP}, {"Origin": node.http}, {}):
        client = RawClient.connected(node.ws_url("test"), headers)
        try:
            assert client.invoke("Echo", "still served")["result"] == "still served", headers
        finally:
            client.close()
    # signalrcore's websocket-client sends an Origin of its own, derived from the URL: the node's own.
    client = CoreClient(node.hub_url("test")).start()
    try:
        assert client.invoke("Echo", "from signalrcore") == ("result", "from signalrcore")
    finally:
        client.stop()


def test_without_configured_origins_websockets_are_open_to_every_origin(mesh):
    client = RawClient.connected(mesh[0].ws_url("test"), {"Origin": "http://evil.example"})
    try:
        assert client.invoke("Echo", "open")["result"] == "open"
    finally:
        client.close()
