"""Thin test wrappers around the unmodified third-party clients: they record what arrives."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Any

from helpers import wait_until


class CoreClient:
    """A `signalrcore` connection (threads, callbacks)."""

    def __init__(self, url: str, protocol: str = "json", token: str | None = None, skip_negotiation: bool = False):
        from signalrcore.hub_connection_builder import HubConnectionBuilder
        from signalrcore.protocol.json_hub_protocol import JsonHubProtocol
        from signalrcore.protocol.messagepack_protocol import MessagePackHubProtocol

        options: dict[str, Any] = {"skip_negotiation": skip_negotiation}
        if token:
            options["access_token_factory"] = lambda: token
        builder = HubConnectionBuilder().with_url(url, options=options).configure_logging(logging.ERROR)
        # An explicit protocol object: without one, signalrcore 1.0.x puts the *negotiate* version (0)
        # in the handshake, which this server refuses (see test_signalrcore.py).
        if protocol == "messagepack":
            builder = builder.with_hub_protocol(MessagePackHubProtocol())
        elif protocol == "json":
            builder = builder.with_hub_protocol(JsonHubProtocol())
        self.connection = builder.build()
        self.received: list[tuple[str, list]] = []
        self.errors: dict[str, str] = {}
        self.results: dict[str, Any] = {}
        self.lock = threading.Lock()
        self.opened = threading.Event()
        self.closed = threading.Event()
        self.connection.on_open(self.opened.set)
        self.connection.on_close(self.closed.set)
        self.connection.on_error(self._on_error)
        self.counter = 0

    def listen(self, *methods: str) -> CoreClient:
        for method in methods:
            self.connection.on(method, lambda arguments, method=method: self._record(method, arguments))
        return self

    def _record(self, method: str, arguments: list) -> None:
        with self.lock:
            self.received.append((method, list(arguments)))

    def _on_error(self, message: Any) -> None:
        with self.lock:
            self.errors[getattr(message, "invocation_id", "?")] = getattr(message, "error", str(message))

    def start(self) -> CoreClient:
        self.connection.start()
        assert self.opened.wait(15), "signalrcore did not connect"
        return self

    def invoke(self, method: str, *arguments: Any, timeout: float = 15.0) -> tuple[str, Any]:
        """Invokes and waits for the completion: ("result", value) or ("error", message)."""
        with self.lock:
            self.counter += 1
            invocation_id = f"c{self.counter}"
        done = threading.Event()

        def on_completion(message: Any) -> None:
            with self.lock:
                self.results[invocation_id] = message.result
            done.set()

        self.connection.send(method, list(arguments), on_invocation=on_completion, invocation_id=invocation_id)
        assert wait_until(lambda: done.is_set() or invocation_id in self.errors, timeout), f"{method}: no completion"
        with self.lock:
            if invocation_id in self.errors:
                return "error", self.errors[invocation_id]
            return "result", self.results[invocation_id]

    def messages(self, method: str) -> list[list]:
        with self.lock:
            return [arguments for name, arguments in self.received if name == method]

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.connection.stop()


class PyClient:
    """A `pysignalr` connection (asyncio), run inside the caller's event loop."""

    def __init__(self, url: str, protocol: str = "json", token: str | None = None):
        from pysignalr.client import SignalRClient
        from pysignalr.protocol.json import JSONProtocol
        from pysignalr.protocol.messagepack import MessagepackProtocol

        # pysignalr 1.3 calls access_token_factory only after the socket is open, so the first
        # negotiate and upgrade would go without a token: pass it as a header as well.
        self.client = SignalRClient(
            url,
            protocol=MessagepackProtocol() if protocol == "messagepack" else JSONProtocol(),
            headers={"Authorization": f"Bearer {token}"} if token else None,
            access_token_factory=(lambda: token) if token else None,
            retry_count=1,
        )
        self.received: list[tuple[str, list]] = []
        self.errors: dict[str, str] = {}
        self.opened = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.client.on_open(self._on_open)
        self.client.on_error(self._on_error)

    async def _on_open(self) -> None:
        self.opened.set()

    async def _on_error(self, message: Any) -> None:
        self.errors[message.invocation_id] = message.error

    def listen(self, *methods: str) -> PyClient:
        for method in methods:

            async def record(arguments: list, method: str = method) -> None:
                self.received.append((method, list(arguments)))

            self.client.on(method, record)
        return self

    async def start(self) -> PyClient:
        self.task = asyncio.create_task(self.client.run())
        await asyncio.wait_for(self.opened.wait(), 15)
        return self

    async def invoke(self, method: str, *arguments: Any, timeout: float = 15.0) -> tuple[str, Any]:
        future: asyncio.Future = asyncio.get_running_loop().create_future()

        async def on_completion(message: Any) -> None:
            if not future.done():
                future.set_result(message)

        await self.client.send(method, list(arguments), on_invocation=on_completion)
        message = await asyncio.wait_for(future, timeout)
        return ("error", message.error) if message.error else ("result", message.result)

    def messages(self, method: str) -> list[list]:
        return [arguments for name, arguments in self.received if name == method]

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(self.task, 5)


async def async_wait_until(condition, timeout: float = 10.0, interval: float = 0.02) -> bool:
    """Polls `condition` in an event loop until it holds or `timeout` seconds pass."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if condition():
            return True
        await asyncio.sleep(interval)
    return condition()
