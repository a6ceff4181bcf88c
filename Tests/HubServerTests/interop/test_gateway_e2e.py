"""End to end: services publish through hubmesh-gateway, with the Python binding and with the Go
binding, and real SignalR clients (signalrcore and pysignalr, JSON and MessagePack) connected to two
different nodes receive exactly what they should, correctly serialized."""

from __future__ import annotations

import asyncio
import os
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clients import CoreClient, PyClient, async_wait_until
from helpers import REPO, SECRET, Node, free_port, start_node, token

ARGS = [42, 2.5, True, None, {"k": ["v", 1], "é": "ü"}]


def gateway_binary() -> str:
    override = os.environ.get("HUBMESH_GATEWAY_BIN")
    if override:
        return override
    for candidate in (REPO / ".build" / "debug" / "hubmesh-gateway", REPO / ".build" / "release" / "hubmesh-gateway"):
        if candidate.exists():
            return str(candidate)
    raise RuntimeError("hubmesh-gateway not found: build it (swift build) or set HUBMESH_GATEWAY_BIN")


class Gateway:
    """A hubmesh-gateway process joined to the mesh."""

    def __init__(self, join: str, log: Path, *args: str) -> None:
        self.ingress = f"tcp://127.0.0.1:{free_port()}"
        command = [gateway_binary(), "--ingress", self.ingress, "--mesh", "tcp://127.0.0.1:0", "--join", join, "--http", "none", *args]
        with open(log, "wb") as stderr:
            self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL)
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            assert self.process.stdout is not None
            for raw in self.process.stdout:
                lines.put(raw.decode(errors="replace"))
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = lines.get(timeout=max(0.05, deadline - time.monotonic()))
            if line is None:
                raise RuntimeError(f"gateway exited with {self.process.wait()} before it was ready; see {log}")
            if "ready" in line:
                return
        self.stop()
        raise RuntimeError("gateway not ready within 60 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@pytest.fixture(scope="module")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Node, Node, Gateway]]:
    logs = tmp_path_factory.mktemp("e2e")
    args = ["--test-hub", "--jwt-secret", SECRET, "--keep-alive-ms", "500"]
    started: list[Any] = []
    try:
        n1 = start_node("e1", *args, log_path=logs / "e1.log")
        started.append(n1)
        n2 = start_node("e2", *args, join=n1.mesh, log_path=logs / "e2.log")
        started.append(n2)
        gateway = Gateway(n1.mesh, logs / "gateway.log")
        started.append(gateway)
        yield n1, n2, gateway
    finally:
        for process in reversed(started):
            process.stop()


@pytest.fixture(scope="module")
def gopublish(tmp_path_factory: pytest.TempPathFactory) -> str:
    if shutil.which("go") is None:
        pytest.skip("go is not installed (scripts/setup.sh installs golang-go)")
    binary = tmp_path_factory.mktemp("go") / "gopublish"
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOTOOLCHAIN": "local"}
    subprocess.run(["go", "build", "-o", str(binary), "."], cwd=Path(__file__).parent / "gopublish", env=env, check=True, timeout=300)
    return str(binary)


def publish(publisher: str, gopublish_binary: str | None, endpoint: str, kind: str, target: str, args: list, exclude: list[str]) -> None:
    """One send, the way a Python or a Go service would do it."""
    if publisher == "python":
        from hubmesh import Publisher

        with Publisher(endpoint, timeout=10.0) as p:
            if kind == "all":
                p.send_all("test", "Pub", args, exclude=exclude or None)
            elif kind == "group":
                p.send_group("test", target, "Pub", args, exclude=exclude or None)
            elif kind == "user":
                p.send_user("test", target, "Pub", args)
            else:
                p.send_connection("test", target, "Pub", args)
        return
    import json

    assert gopublish_binary
    command = [gopublish_binary, "-gateway", endpoint, "-kind", kind, "-hub", "test", "-method", "Pub", "-args", json.dumps(args)]
    if target:
        command += ["-target", target]
    if exclude:
        command += ["-exclude", ",".join(exclude)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "accepted"


@pytest.mark.parametrize("publisher", ["python", "go"])
def test_publishers_reach_real_signalr_clients_on_two_nodes(e2e, publisher: str, request: pytest.FixtureRequest) -> None:
    n1, n2, gateway = e2e
    go_binary = request.getfixturevalue("gopublish") if publisher == "go" else None
    room = f"room-{publisher}"

    async def scenario() -> None:
        # Four real clients: both libraries, both protocols, spread over both nodes.
        core_json = CoreClient(n1.hub_url("test"), "json", token("alice")).listen("Pub")
        core_mp = CoreClient(n2.hub_url("test"), "messagepack", token("bob")).listen("Pub")
        py_json = PyClient(n2.hub_url("test"), "json", token("alice")).listen("Pub")
        py_mp = PyClient(n1.hub_url("test"), "messagepack", token("carol")).listen("Pub")
        try:
            await asyncio.to_thread(core_json.start)
            await asyncio.to_thread(core_mp.start)
            await py_json.start()
            await py_mp.start()
            ids: dict[str, str] = {}
            for name, client in (("core_json", core_json), ("core_mp", core_mp)):
                status, identity = await asyncio.to_thread(client.invoke, "WhoAmI")
                assert status == "result", identity
                ids[name] = identity["connectionId"]
            for name, client in (("py_json", py_json), ("py_mp", py_mp)):
                status, identity = await client.invoke("WhoAmI")
                assert status == "result", identity
                ids[name] = identity["connectionId"]
            # core_json (n1), core_mp (n2) and py_mp (n1) are in the room; py_json is not.
            for name in ("core_json", "core_mp", "py_mp"):
                status, _ = await py_json.invoke("AddToGroup", ids[name], room)
                assert status == "result"

            sends = [
                ("all", "", [f"all-{publisher}", *ARGS], []),
                ("group", room, [f"group-{publisher}"], [ids["core_mp"]]),
                ("user", "alice", [f"user-{publisher}"], []),
                ("connection", ids["core_mp"], [f"conn-{publisher}"], []),
            ]
            for kind, target, args, exclude in sends:
                await asyncio.to_thread(publish, publisher, go_binary, gateway.ingress, kind, target, args, exclude)

            expected = {
                "core_json": [[f"all-{publisher}", *ARGS], [f"group-{publisher}"], [f"user-{publisher}"]],
                "core_mp": [[f"all-{publisher}", *ARGS], [f"conn-{publisher}"]],
                "py_json": [[f"all-{publisher}", *ARGS], [f"user-{publisher}"]],
                "py_mp": [[f"all-{publisher}", *ARGS], [f"group-{publisher}"]],
            }
            clients: dict[str, Any] = {"core_json": core_json, "core_mp": core_mp, "py_json": py_json, "py_mp": py_mp}

            def complete() -> bool:
                return all(len(clients[name].messages("Pub")) >= len(messages) for name, messages in expected.items())

            await async_wait_until(complete, timeout=15)
            await asyncio.sleep(0.3)  # anything extra would show up now
            for name, messages in expected.items():
                assert clients[name].messages("Pub") == messages, f"{name} ({publisher})"
        finally:
            await asyncio.to_thread(core_json.stop)
            await asyncio.to_thread(core_mp.stop)
            await py_json.stop()
            await py_mp.stop()

    asyncio.run(scenario())
