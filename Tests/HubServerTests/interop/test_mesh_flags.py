"""The mesh tuning flags of hubmesh-node and hubmesh-gateway: applied, logged at start, and bad values refused."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from clients import CoreClient
from helpers import node_binary, wait_until
from test_gateway_e2e import Gateway, gateway_binary


def starting_line(log: Path) -> str:
    """The member's start line in a log file (empty until it is written)."""
    lines = [line for line in log.read_text(errors="replace").splitlines() if "mesh member starting" in line]
    return lines[0] if lines else ""


def io_thread_policies(pid: int) -> list[int]:
    """The Linux scheduling policy (field 41 of its stat line) of each thread named hubmesh-io in process `pid`."""
    policies = []
    for task in sorted(Path(f"/proc/{pid}/task").iterdir()):
        if (task / "comm").read_text().strip() == "hubmesh-io":
            stat = (task / "stat").read_text()
            policies.append(int(stat[stat.rindex(")") + 2 :].split()[38]))
    return policies


SCHED_OTHER, SCHED_BATCH = 0, 3


def test_node_and_gateway_use_the_mesh_flags_they_are_given(node_factory, tmp_path):
    node = node_factory(
        "flags1", "--test-hub", "--mesh-hwm", "500", "--mesh-max-batch", "1", "--mesh-forget-after", "0", "--mesh-io-batch-scheduling"
    )
    node_log = tmp_path / "flags1.log"
    assert wait_until(lambda: "hubmesh.hwm=500" in starting_line(node_log)), node_log.read_text()
    assert "hubmesh.batch.max=1" in starting_line(node_log)
    assert "hubmesh.forget_after=never" in starting_line(node_log)
    assert "hubmesh.send=batched" in starting_line(node_log)
    assert "hubmesh.io.scheduling=batch" in starting_line(node_log)
    assert wait_until(lambda: io_thread_policies(node.process.pid) == [SCHED_BATCH]), io_thread_policies(node.process.pid)
    gateway_log = tmp_path / "gateway.log"
    gateway = Gateway(
        node.mesh, gateway_log, "--mesh-hwm", "2000", "--mesh-max-batch", "16", "--mesh-forget-after", "600", "--mesh-io-batch-scheduling"
    )
    try:
        assert wait_until(lambda: "hubmesh.hwm=2000" in starting_line(gateway_log)), gateway_log.read_text()
        assert "hubmesh.batch.max=16" in starting_line(gateway_log)
        assert "hubmesh.forget_after=600.0 seconds" in starting_line(gateway_log)
        assert "hubmesh.io.scheduling=batch" in starting_line(gateway_log)
        assert wait_until(lambda: io_thread_policies(gateway.process.pid) == [SCHED_BATCH]), io_thread_policies(gateway.process.pid)
    finally:
        gateway.stop()


def test_the_defaults_are_logged(node_factory, tmp_path):
    node = node_factory("flags2", "--test-hub")
    log = tmp_path / "flags2.log"
    assert wait_until(lambda: "hubmesh.hwm=10000" in starting_line(log)), log.read_text()
    assert "hubmesh.batch.max=64" in starting_line(log)
    assert "hubmesh.forget_after=60.0 seconds" in starting_line(log)
    assert "hubmesh.send=batched" in starting_line(log)
    assert "hubmesh.io.scheduling=normal" in starting_line(log)
    assert wait_until(lambda: io_thread_policies(node.process.pid) == [SCHED_OTHER]), io_thread_policies(node.process.pid)


def test_a_node_sending_immediately_chats_with_a_batching_node(node_factory, tmp_path):
    """--mesh-send-immediately: logged, and a group message from its client reaches the other node's, and back."""
    fast = node_factory("send1", "--chat", "--mesh-send-immediately")
    log = tmp_path / "send1.log"
    assert wait_until(lambda: "hubmesh.send=immediately" in starting_line(log)), log.read_text()
    other = node_factory("send2", "--chat", join=fast.mesh)
    alice = CoreClient(fast.hub_url("chat"), "json").listen("ReceiveMessage").start()
    bob = CoreClient(other.hub_url("chat"), "messagepack").listen("ReceiveMessage").start()
    try:
        assert alice.invoke("JoinRoom", "r") == ("result", None)
        assert bob.invoke("JoinRoom", "r") == ("result", None)
        for number in range(50):
            assert alice.invoke("SendMessage", "r", "alice", f"m{number}") == ("result", None)
        assert bob.invoke("SendMessage", "r", "bob", "back") == ("result", None)
        expected = [["alice", f"m{number}"] for number in range(50)]
        assert wait_until(lambda: [m for m in bob.messages("ReceiveMessage") if m[0] == "alice"] == expected), bob.messages("ReceiveMessage")
        assert wait_until(lambda: ["bob", "back"] in alice.messages("ReceiveMessage"))
    finally:
        for client in (alice, bob):
            client.stop()


@pytest.mark.parametrize("binary", ["node", "gateway"])
@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--mesh-max-batch", "0", "--mesh-max-batch must be 1 to 65535"),
        ("--mesh-max-batch", "70000", "--mesh-max-batch must be 1 to 65535"),
        ("--mesh-hwm", "0", "--mesh-hwm must be at least 1"),
        ("--mesh-hwm", "-5", "--mesh-hwm must be at least 1"),
        ("--mesh-hwm", "many", "--mesh-hwm"),
        ("--mesh-forget-after", "-1", "--mesh-forget-after must be 0 (never) or more seconds than"),
        ("--mesh-forget-after", "2", "--mesh-forget-after must be 0 (never) or more seconds than"),
    ],
)
def test_bad_mesh_flags_are_refused_at_start(binary, flag, value, message):
    executable = node_binary() if binary == "node" else gateway_binary()
    command = [executable, "--mesh", "tcp://127.0.0.1:0", f"{flag}={value}"]
    if binary == "node":
        command += ["--http", "127.0.0.1:0"]
    else:
        command += ["--ingress", "tcp://127.0.0.1:0", "--http", "none"]
    # Bounded: a process that accepted the value would run until stopped.
    result = subprocess.run(command, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    assert result.returncode != 0, f"{flag}={value} was accepted"
    assert message in result.stderr, result.stderr
