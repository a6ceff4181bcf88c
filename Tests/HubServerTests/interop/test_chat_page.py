"""The chat example's page: served by `--static`, and its JavaScript client chats across two nodes.

The client class is taken from Examples/chat/index.html as it is and run under Node.js (its
WebSocket is the browser API); skipped when no Node.js with WebSocket support is installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from helpers import REPO, http

PAGE = REPO / "Examples" / "chat" / "index.html"

SCENARIO = """
const [url1, url2] = process.argv.slice(-2);
const done = (result) => { console.log(JSON.stringify(result)); process.exit(0); };
setTimeout(() => done({ error: "timeout" }), 15000);
(async () => {
  const alice = new HubConnection(url1), bob = new HubConnection(url2);
  const seen = { alice: [], bob: [] };
  alice.on("ReceiveMessage", (user, text) => seen.alice.push([user, text]));
  bob.on("ReceiveMessage", (user, text) => seen.bob.push([user, text]));
  await alice.start(); await bob.start();
  await alice.invoke("JoinRoom", "js"); await bob.invoke("JoinRoom", "js");
  await alice.invoke("SendMessage", "js", "alice", "hi from node 1");
  let error = null;
  try { await bob.invoke("NoSuchMethod"); } catch (e) { error = e.message; }
  await new Promise((resolve) => setTimeout(resolve, 300));
  done({ seen, error, ids: [alice.connectionId, bob.connectionId] });
})().catch((e) => done({ error: String(e) }));
"""


def client_source() -> str:
    script = PAGE.read_text().split("<script>", 1)[1]
    return script[: script.index("const $ =")]


def node_with_websocket() -> list[str] | None:
    node = shutil.which("node")
    if not node:
        return None
    for flags in ([], ["--experimental-websocket"]):
        probe = subprocess.run([node, *flags, "-e", "process.exit(typeof WebSocket === 'function' ? 0 : 1)"], capture_output=True)
        if probe.returncode == 0:
            return [node, *flags]
    return None


def test_page_is_served(node_factory):
    node = node_factory("page1", "--chat", "--static", str(PAGE.parent))
    status, body = http("GET", node.http + "/")
    assert status == 200
    assert "class HubConnection" in body


def test_page_client_chats_across_nodes(node_factory):
    command = node_with_websocket()
    if command is None:
        pytest.skip("Node.js with a WebSocket global is not installed")
    first = node_factory("js1", "--chat")
    second = node_factory("js2", "--chat", join=first.mesh)
    script = client_source() + SCENARIO
    run = subprocess.run([*command, "-e", script, first.hub_url("chat"), second.hub_url("chat")], capture_output=True, text=True, timeout=30)
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert "seen" in result, (result, run.stderr)
    assert ["alice", "hi from node 1"] in result["seen"]["alice"]
    assert ["alice", "hi from node 1"] in result["seen"]["bob"]
    assert any(user == "system" and text.endswith("joined js") for user, text in result["seen"]["bob"])
    assert result["error"] == "Unknown hub method 'NoSuchMethod'"
    assert result["ids"][0].startswith("js1.")
    assert result["ids"][1].startswith("js2.")
