"""The asyncio publisher, over ``zmq.asyncio``.

Same methods as :class:`hubmesh.Publisher`, as coroutines. Many coroutines may send through one
publisher at once: requests are pipelined on one DEALER socket (at most ``window`` in flight) and
each reply is matched to its request by id.

The socket is driven from the event loop directly: its ``ZMQ_FD`` is registered with
``loop.add_reader`` and, because that descriptor is edge-triggered, ``ZMQ_EVENTS`` is re-checked
and drained after every wake-up and after every send. Non-blocking sends and receives need no
future per message, which keeps the asyncio publisher within reach of the synchronous one.

>>> async with Publisher("tcp://127.0.0.1:7000") as p:         # doctest: +SKIP
...     await p.send_all("chat", "newMessage", ["alice", "hi"])
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, cast

import zmq
import zmq.asyncio

from ._errors import PublishError, TimeoutError
from ._protocol import (
    DEFAULT_ENDPOINT,
    OK,
    Request,
    Result,
    _dump,
    _frame_for,
    _InFlight,
    _request_object,
    decode_reply,
    encode_batch,
)

__all__ = ["Publisher"]


class Publisher:
    """Publishes hub messages through a HubMesh gateway, from asyncio code.

    Use it inside one event loop. ``close()`` (or leaving ``async with``) stops its reply reader;
    coroutines still waiting then fail with :class:`PublishError` code ``closed``.
    """

    def __init__(
        self,
        endpoint: str = DEFAULT_ENDPOINT,
        *,
        timeout: float = 10.0,
        window: int = 1000,
        context: zmq.asyncio.Context | None = None,
    ) -> None:
        if window < 1:
            raise ValueError(f"window must be at least 1, got {window}")
        self.endpoint = endpoint
        self.timeout = timeout
        self.window = window
        ctx = context if context is not None else zmq.asyncio.Context.instance()
        owner = ctx.socket(zmq.DEALER)  # owns the libzmq socket; all I/O goes through `sock`
        sock: zmq.Socket[bytes] = zmq.Socket.shadow(owner.underlying)
        sock.setsockopt(zmq.LINGER, 1000)
        sock.setsockopt(zmq.SNDHWM, max(1000, 2 * window))
        sock.setsockopt(zmq.RCVHWM, max(1000, 2 * window))
        sock.connect(endpoint)
        self._owner = owner
        self._sock = sock
        self._fd: int = sock.FD
        self._loop: asyncio.AbstractEventLoop | None = None
        self._check_scheduled = False
        self._send_queue: deque[tuple[bytes, asyncio.Future[None]]] = deque()
        self._ids = itertools.count(1)
        self._inflight: _InFlight[str] = _InFlight()
        self._waiters: dict[str, asyncio.Future[Result]] = {}
        self._slots: asyncio.Semaphore | None = None
        self._closed = False

    # -- lifecycle

    def close(self, linger: float | None = None) -> None:
        """Close the socket; coroutines still waiting fail with :class:`PublishError` code ``closed``."""
        if self._closed:
            return
        self._closed = True
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._fd)
        error = PublishError("closed", "the publisher was closed")
        self._fail_all(error)
        while self._send_queue:
            _, done = self._send_queue.popleft()
            if not done.done():
                done.set_exception(error)
        self._owner.close(linger=None if linger is None else int(linger * 1000))

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    async def __aenter__(self) -> Publisher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- requests

    async def send_all(
        self,
        hub: str,
        method: str,
        args: Sequence[Any] = (),
        exclude: Sequence[str] | None = None,
        key: str | None = None,
    ) -> Result:
        """Send ``method(*args)`` to every connection of ``hub`` except those in ``exclude``."""
        return (await self._call("all", hub, None, method, args, None, exclude, key)).raise_for_error()

    async def send_group(
        self,
        hub: str,
        group: str,
        method: str,
        args: Sequence[Any] = (),
        exclude: Sequence[str] | None = None,
        key: str | None = None,
    ) -> Result:
        """Send ``method(*args)`` to the members of ``group`` except those in ``exclude``."""
        return (await self._call("group", hub, group, method, args, None, exclude, key)).raise_for_error()

    async def send_user(
        self, hub: str, user: str, method: str, args: Sequence[Any] = (), key: str | None = None
    ) -> Result:
        """Send ``method(*args)`` to every connection of ``user``."""
        return (await self._call("user", hub, user, method, args, None, None, key)).raise_for_error()

    async def send_connection(
        self, hub: str, connection: str, method: str, args: Sequence[Any] = (), key: str | None = None
    ) -> Result:
        """Send ``method(*args)`` to one connection."""
        return (await self._call("connection", hub, connection, method, args, None, None, key)).raise_for_error()

    async def send_payloads(
        self,
        kind: str,
        hub: str,
        target: str | None,
        payloads: Mapping[str, bytes],
        exclude: Sequence[str] | None = None,
        key: str | None = None,
    ) -> Result:
        """Send pre-serialized payloads: protocol name (``json``, ``messagepack``) -> exact framed bytes."""
        return (await self._call(kind, hub, target, None, None, payloads, exclude, key)).raise_for_error()

    async def send_batch(self, items: Sequence[Request | Mapping[str, Any]]) -> list[Result]:
        """Send up to 1000 requests in one frame; return one :class:`Result` per item, in order."""
        rid = str(next(self._ids))
        result = await self._roundtrip(encode_batch(items, id=rid), rid)
        if result.results is None:
            result.raise_for_error()
            raise PublishError("bad_reply", "batch reply without results", rid)
        return list(result.results)

    async def publish_many(self, requests: Iterable[Request]) -> list[Result]:
        """Publish many requests, at most ``window`` in flight; one :class:`Result` per request, in order.

        Like :meth:`hubmesh.Publisher.publish_many`, per-request errors are results, not
        exceptions (a request that cannot be encoded gets ``bad_request`` and is not sent; a plain
        success is :data:`hubmesh.OK` or an equal result). If no reply arrives for ``timeout``
        seconds, :class:`TimeoutError` is raised with ``results`` for the requests taken so far.
        """
        self._check_open(None)
        loop = asyncio.get_running_loop()
        slots = self._start(loop)
        results: list[Result | None] = []
        waiting: deque[tuple[int, asyncio.Future[Result]]] = deque()
        waiters = self._waiters
        inflight = self._inflight

        async def collect_oldest() -> None:
            index, waiter = waiting.popleft()
            if not waiter.done():
                try:
                    async with _timeout(self.timeout):
                        await asyncio.shield(waiter)
                except asyncio.TimeoutError:
                    waiting.appendleft((index, waiter))
                    for _ in waiting:
                        slots.release()
                    raise self._stall(results, waiting) from None
            slots.release()
            results[index] = waiter.result()
            while waiting and waiting[0][1].done():  # take every reply that is already in
                index, waiter = waiting.popleft()
                slots.release()
                results[index] = waiter.result()

        for request in requests:
            while slots.locked() and waiting:
                await collect_oldest()
            rid = str(next(self._ids))
            index = len(results)
            try:
                frame = _frame_for(request, rid)
            except (ValueError, TypeError) as error:
                results.append(Result(False, "bad_request", f"not sent: {error}", False, rid))
                continue
            results.append(None)
            await slots.acquire()
            waiter = loop.create_future()
            waiters[rid] = waiter
            waiting.append((index, waiter))
            await self._send(frame)
            inflight.add(rid)
        while waiting:
            await collect_oldest()
        return [r if r is not None else OK for r in results]

    def _stall(self, results: list[Result | None], waiting: deque[tuple[int, asyncio.Future[Result]]]) -> TimeoutError:
        message = f"the gateway at {self.endpoint} gave no reply for {self.timeout} s"
        lost = Result(False, "timeout", message)
        for _, waiter in waiting:
            waiter.cancel()
        for rid in [rid for rid, waiter in self._waiters.items() if waiter.done()]:
            del self._waiters[rid]
        return TimeoutError(message, None, [r if r is not None else lost for r in results])

    # -- machinery

    async def _call(
        self,
        kind: str,
        hub: str,
        target: str | None,
        method: str | None,
        arguments: Sequence[Any] | None,
        payloads: Mapping[str, bytes] | None,
        exclude: Sequence[str] | None,
        key: str | None,
    ) -> Result:
        rid = str(next(self._ids))
        obj = _request_object(kind, hub, target, method, arguments, payloads, exclude, key, {"v": 1, "id": rid})
        return await self._roundtrip(_dump(obj), rid)

    def _check_open(self, rid: str | None) -> None:
        if self._closed:
            raise PublishError("closed", "the publisher was closed", rid)

    def _start(self, loop: asyncio.AbstractEventLoop) -> asyncio.Semaphore:
        if self._loop is None:
            self._loop = loop
            loop.add_reader(self._fd, self._on_events)
        elif self._loop is not loop:
            raise RuntimeError("a hubmesh.aio.Publisher must be used from one event loop")
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.window)
        return self._slots

    async def _send(self, frame: bytes) -> None:
        if not self._send_queue:
            try:
                self._sock.send(frame, zmq.NOBLOCK)
            except zmq.Again:
                pass
            else:
                self._schedule_check()  # a send can swallow the descriptor's edge
                return
        assert self._loop is not None
        done: asyncio.Future[None] = self._loop.create_future()
        self._send_queue.append((frame, done))  # sent in order by _on_events when there is room
        self._schedule_check()
        await done

    def _schedule_check(self) -> None:
        if not self._check_scheduled and self._loop is not None:
            self._check_scheduled = True
            self._loop.call_soon(self._on_events)

    def _on_events(self) -> None:
        """Drain the socket: ZMQ_FD is edge-triggered, so loop while ZMQ_EVENTS says there is more."""
        self._check_scheduled = False
        if self._closed:
            return
        sock = self._sock
        try:
            for _ in range(100_000):  # bounded; reschedules itself if there is still more
                events = cast(int, sock.EVENTS)
                progressed = False
                if events & zmq.POLLIN:
                    self._deliver(sock.recv(zmq.NOBLOCK))
                    progressed = True
                if events & zmq.POLLOUT and self._send_queue:
                    frame, done = self._send_queue[0]
                    if done.cancelled():
                        self._send_queue.popleft()
                        continue
                    sock.send(frame, zmq.NOBLOCK)
                    self._send_queue.popleft()
                    done.set_result(None)
                    progressed = True
                if not progressed:
                    return
            self._schedule_check()
        except zmq.Again:
            self._schedule_check()
        except zmq.ZMQError as error:
            self._fail_all(PublishError("closed", f"the socket failed: {error}"))

    async def _roundtrip(self, frame: bytes, rid: str) -> Result:
        self._check_open(rid)
        loop = asyncio.get_running_loop()
        slots = self._start(loop)
        try:
            async with _timeout(self.timeout), slots:
                waiter: asyncio.Future[Result] = loop.create_future()
                self._waiters[rid] = waiter
                try:
                    await self._send(frame)
                    self._inflight.add(rid)
                    result = await waiter
                finally:
                    self._waiters.pop(rid, None)
        except asyncio.TimeoutError:
            raise TimeoutError(f"no reply from the gateway at {self.endpoint} within {self.timeout} s", rid) from None
        return result._replace(id=rid) if result.id is None else result

    def _deliver(self, frame: bytes) -> None:
        if frame.startswith(b'{"id":"') and frame.endswith(b'","ok":true}'):
            reply = OK
            owner = self._inflight.match(frame[7:-12].decode("utf-8", "replace"))
        else:
            reply = decode_reply(frame)
            owner = self._inflight.match(reply.id)
        if owner is None:
            return
        waiter = self._waiters.pop(owner, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(reply)

    def _fail_all(self, error: PublishError) -> None:
        for waiter in self._waiters.values():
            if not waiter.done():
                waiter.set_exception(error)
        self._waiters.clear()


def _timeout(seconds: float) -> contextlib.AbstractAsyncContextManager[Any]:
    if sys.version_info >= (3, 11):
        return asyncio.timeout(seconds)
    return _Deadline(seconds)


class _Deadline:
    """``asyncio.timeout`` for Python 3.10."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._handle: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[Any] | None = None
        self._fired = False

    async def __aenter__(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._task = task
        self._handle = asyncio.get_running_loop().call_later(self._seconds, self._fire)

    def _fire(self) -> None:
        self._fired = True
        if self._task is not None:
            self._task.cancel()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._handle is not None:
            self._handle.cancel()
        if self._fired and exc_type is asyncio.CancelledError:
            raise asyncio.TimeoutError
