"""The examples, run as their READMEs say, against a live chat mesh: Examples/python,
Examples/go and Examples/pipeline each publish into a room that a real signalrcore client joined."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from clients import CoreClient
from helpers import REPO, Node, start_node, wait_until
from test_gateway_e2e import Gateway, gateway_binary

GO_ENV = {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOTOOLCHAIN": "local"}


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Node, Gateway, CoreClient]]:
    logs = tmp_path_factory.mktemp("examples")
    node = start_node("x1", "--chat", "--keep-alive-ms", "500", log_path=logs / "x1.log")
    gateway = None
    client = None
    try:
        gateway = Gateway(node.mesh, logs / "gateway.log")
        client = CoreClient(node.hub_url("chat"), "json").listen("ReceiveMessage").start()
        status, _ = client.invoke("JoinRoom", "lobby")
        assert status == "result"
        yield node, gateway, client
    finally:
        if client:
            client.stop()
        if gateway:
            gateway.stop()
        node.stop()


def received(client: CoreClient, sender: str) -> list[str]:
    return [arguments[1] for arguments in client.messages("ReceiveMessage") if arguments[0] == sender]


def test_python_example(chat) -> None:
    _, gateway, client = chat
    script = REPO / "Examples" / "python" / "chat_publisher.py"
    result = subprocess.run(
        [sys.executable, str(script), "hello from the example", "--gateway", gateway.ingress, "--room", "lobby"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert wait_until(lambda: received(client, "pybot") == ["hello from the example"])


def test_go_example(chat, tmp_path: Path) -> None:
    if shutil.which("go") is None:
        pytest.skip("go is not installed (scripts/setup.sh installs golang-go)")
    _, gateway, client = chat
    binary = tmp_path / "chat-publisher"
    subprocess.run(["go", "build", "-o", str(binary), "."], cwd=REPO / "Examples" / "go", env=GO_ENV, check=True, timeout=300)
    result = subprocess.run(
        [str(binary), "-gateway", gateway.ingress, "-room", "lobby", "-message", "hi from Go"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert wait_until(lambda: received(client, "gobot") == ["hi from Go"])


def test_pipeline_example(chat, tmp_path: Path) -> None:
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed (scripts/setup.sh installs it)")
    node, _, client = chat
    log = tmp_path / "app.log"
    lines = ["service started", 'user "ann" logged in', "disk at 91%"]
    log.write_text("".join(f"{line}\n" for line in lines))
    env = {**os.environ, "FOLLOW": "0", "MESH": "tcp://127.0.0.1:0", "HUBMESH_GATEWAY_BIN": gateway_binary()}
    result = subprocess.run(
        ["bash", str(REPO / "Examples" / "pipeline" / "log-to-chat.sh"), str(log), node.mesh],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert wait_until(lambda: received(client, "logbot") == lines), received(client, "logbot")
