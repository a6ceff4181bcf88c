"""Fixtures: real hubmesh-node processes on loopback, always stopped at the end."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from helpers import SECRET, Node, start_node


@pytest.fixture(scope="module")
def mesh(tmp_path_factory) -> list[Node]:
    """Two nodes joined into one mesh, with the chat and test hubs and HS256 auth (optional)."""
    logs = tmp_path_factory.mktemp("logs")
    # A short keep-alive: signalrcore's stop() blocks in recv() until the server sends something.
    args = ["--chat", "--test-hub", "--jwt-secret", SECRET, "--keep-alive-ms", "500", "--log-level", "debug"]
    nodes: list[Node] = []
    try:
        first = start_node("n1", *args, log_path=logs / "n1.log")
        nodes.append(first)
        nodes.append(start_node("n2", *args, join=first.mesh, log_path=logs / "n2.log"))
        yield nodes
    finally:
        for node in nodes:
            node.stop()


@pytest.fixture
def node_factory(tmp_path):
    """Starts extra nodes for one test and stops them afterwards."""
    nodes: list[Node] = []

    def start(node_id: str, *args: str, join: str | None = None) -> Node:
        node = start_node(node_id, *args, join=join, log_path=tmp_path / f"{node_id}.log")
        nodes.append(node)
        return node

    yield start
    for node in nodes:
        node.stop()
