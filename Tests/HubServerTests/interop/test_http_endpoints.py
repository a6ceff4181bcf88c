"""Negotiate, WebSocket upgrade refusals, auth and health, with plain HTTP and WebSocket clients."""

from __future__ import annotations

from websockets.exceptions import InvalidStatus

from helpers import SECRET, RawClient, http, token, wait_until


def upgrade_status(url: str, headers: dict[str, str] | None = None) -> int:
    """The HTTP status of a refused WebSocket upgrade (101 if it was accepted)."""
    try:
        client = RawClient(url, headers)
    except InvalidStatus as error:
        return error.response.status_code
    client.close()
    return 101


def test_negotiate_version_1_then_websocket_with_token(mesh):
    node = mesh[0]
    status, body = http("POST", node.hub_url("test") + "/negotiate?negotiateVersion=1")
    assert status == 200, body
    assert body["negotiateVersion"] == 1
    assert body["connectionId"].startswith("n1.")
    assert body["connectionToken"]
    assert body["connectionToken"] != body["connectionId"]
    assert body["availableTransports"] == [{"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}]
    client = RawClient.connected(node.ws_url("test", "id=" + body["connectionToken"]))
    try:
        assert client.invoke("WhoAmI")["result"]["connectionId"] == body["connectionId"]
        # A second socket for the same token is refused while the first is open.
        assert upgrade_status(node.ws_url("test", "id=" + body["connectionToken"])) == 409
        # The public connection id is not the key in version 1.
        assert upgrade_status(node.ws_url("test", "id=" + body["connectionId"])) == 404
    finally:
        client.close()


def test_negotiate_version_0_uses_the_connection_id(mesh):
    status, body = http("POST", mesh[1].hub_url("test") + "/negotiate")
    assert status == 200
    assert body["negotiateVersion"] == 0
    assert "connectionToken" not in body
    assert body["connectionId"].startswith("n2.")
    client = RawClient.connected(mesh[1].ws_url("test", "id=" + body["connectionId"]))
    assert client.invoke("Echo", "v0")["result"] == "v0"
    client.close()


def test_unknown_id_and_unknown_hub_are_404(mesh):
    node = mesh[0]
    assert upgrade_status(node.ws_url("test", "id=n1.nosuchconnection")) == 404
    assert upgrade_status(node.ws_url("nohub")) == 404
    status, body = http("POST", node.hub_url("nohub") + "/negotiate?negotiateVersion=1")
    assert status == 404
    assert "nohub" in body["error"]


def test_plain_get_explains_the_transport(mesh):
    status, body = http("GET", mesh[0].hub_url("test"))
    assert status == 400
    assert "WebSockets" in body["error"]


def test_invalid_token_is_401_even_when_auth_is_optional(mesh):
    node = mesh[0]
    bad = token("mallory", secret="wrong-secret-0123456789-abcdefghijklmnop")
    status, body = http("POST", node.hub_url("test") + "/negotiate?negotiateVersion=1", {"Authorization": "Bearer " + bad})
    assert status == 401
    assert "invalid bearer token" in body["error"]
    assert upgrade_status(node.ws_url("test", "access_token=" + bad)) == 401


def test_required_auth(node_factory):
    node = node_factory("auth1", "--test-hub", "--jwt-secret", SECRET, "--require-auth")
    status, body = http("POST", node.hub_url("test") + "/negotiate?negotiateVersion=1")
    assert status == 401
    assert "bearer token is required" in body["error"]
    assert upgrade_status(node.ws_url("test")) == 401
    assert upgrade_status(node.ws_url("test", "access_token=" + token(None))) == 401
    assert upgrade_status(node.ws_url("test", "access_token=" + token("ann", exp=1))) == 401
    good = token("ann")
    status, body = http("POST", node.hub_url("test") + "/negotiate?negotiateVersion=1", {"Authorization": "Bearer " + good})
    assert status == 200
    # The query parameter (what browsers use) and the header both work.
    by_query = RawClient.connected(node.ws_url("test", f"id={body['connectionToken']}&access_token={good}"))
    assert by_query.invoke("WhoAmI")["result"]["userId"] == "ann"
    by_header = RawClient.connected(node.ws_url("test"), {"Authorization": "Bearer " + good})
    assert by_header.invoke("WhoAmI")["result"]["userId"] == "ann"
    by_query.close()
    by_header.close()


def test_group_permission_claim(node_factory):
    node = node_factory("perm1", "--test-hub", "--jwt-secret", SECRET, "--group-permission", "claim")
    client = RawClient.connected(node.ws_url("test", "access_token=" + token("ann", groups=["blue"])))
    assert "error" not in client.invoke("JoinGroup", "blue", invocation_id="1")
    refused = client.invoke("JoinGroup", "red", invocation_id="2")
    assert "does not list the group 'red'" in refused["error"]
    anonymous = RawClient.connected(node.ws_url("test"))
    assert "requires a token" in anonymous.invoke("JoinGroup", "blue")["error"]
    client.close()
    anonymous.close()


def test_health_reports_node_hubs_and_members(mesh):
    status, body = http("GET", mesh[0].http + "/health")
    assert status == 200, body
    assert body["node"] == "n1"
    assert {hub["name"] for hub in body["hubs"]} == {"chat", "test"}
    assert body["joined"] is True
    assert body["meshEndpoint"] == mesh[0].mesh
    assert [(m["id"], m["state"]) for m in body["members"]] == [("n2", "alive")]
    status, other = http("GET", mesh[1].http + "/health")
    assert [(m["id"], m["state"]) for m in other["members"]] == [("n1", "alive")]


def test_health_counts_connections_and_shows_dead_members(node_factory):
    first = node_factory("h1", "--test-hub")
    second = node_factory("h2", "--test-hub", join=first.mesh)
    client = RawClient.connected(second.ws_url("test"))
    client.invoke("Echo", "x")
    _, body = http("GET", second.http + "/health")
    assert body["connections"] == 1
    assert next(hub for hub in body["hubs"] if hub["name"] == "test")["connections"] == 1
    client.close()
    assert first.stop() == 0

    def first_is_dead() -> bool:
        status, health = http("GET", second.http + "/health")
        # Its only peer is gone: the node lost the mesh, and says so with a 503.
        members = [(m["id"], m["state"]) for m in health["members"]]
        return members == [("h1", "dead")] and health["status"] == "isolated" and status == 503

    assert wait_until(first_is_dead, timeout=10)


def test_static_files(node_factory, tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<h1>chat</h1>")
    node = node_factory("static1", "--static", str(tmp_path / "site"))
    status, body = http("GET", node.http + "/")
    assert status == 200
    assert "<h1>chat</h1>" in body


def test_metrics_in_prometheus_format(node_factory):
    node = node_factory("metrics1", "--test-hub")
    client = RawClient.connected(node.ws_url("test"))
    assert client.invoke("Add", 1, 2)["result"] == 3
    assert "error" in client.invoke("Nope", invocation_id="2")
    client.close()
    assert wait_until(lambda: 'hubmesh_server_closes_total{hub="test",reason="clientClosed"} 1' in http("GET", node.http + "/metrics")[1])
    _, text = http("GET", node.http + "/metrics")
    assert 'hubmesh_server_connections_total{hub="test"} 1' in text
    assert 'hubmesh_server_invocations_total{hub="test",outcome="ok"} 1' in text
    assert 'hubmesh_server_invocations_total{hub="test",outcome="error"} 1' in text
    assert 'hubmesh_server_connections{hub="test"} 0' in text
