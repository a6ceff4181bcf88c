"""The synchronous publisher: one DEALER socket to the gateway's ingress ROUTER."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any

import zmq

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

_OK_TAIL = b'","ok":true}'
_OK_HEAD = b'{"id":"'


def _check_window(window: int) -> int:
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    return window


class Publisher:
    """Publishes hub messages through a HubMesh gateway.

    >>> with Publisher("tcp://127.0.0.1:7000") as p:          # doctest: +SKIP
    ...     p.send_group("chat", "room-1", "newMessage", ["alice", "hi"])

    Each ``send_*`` method sends one request and waits for its reply: it returns the
    :class:`Result` (``duplicate`` tells an idempotent repeat) or raises :class:`PublishError`
    with the gateway's code, or :class:`TimeoutError` when no reply came within ``timeout``
    seconds. :meth:`publish_many` keeps up to ``window`` requests in flight for high rates.

    Like a ZeroMQ socket, a publisher must be used from one thread at a time.
    """

    def __init__(
        self,
        endpoint: str = DEFAULT_ENDPOINT,
        *,
        timeout: float = 10.0,
        window: int = 1000,
        context: zmq.Context[Any] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self.window = _check_window(window)
        ctx: zmq.Context[Any] = context if context is not None else zmq.Context.instance()
        sock: zmq.Socket[bytes] = ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 1000)
        # The window bounds what is queued; let the socket hold all of it in both directions.
        sock.setsockopt(zmq.SNDHWM, max(1000, 2 * window))
        sock.setsockopt(zmq.RCVHWM, max(1000, 2 * window))
        sock.connect(endpoint)
        self._sock = sock
        self._ids = itertools.count(1)
        self._inflight = _InFlight()

    # -- lifecycle

    def close(self, linger: float | None = None) -> None:
        """Close the socket. Queued requests get ``linger`` seconds (default 1 s) to leave."""
        if not self._sock.closed:
            self._sock.close(linger=None if linger is None else int(linger * 1000))

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return bool(self._sock.closed)

    def __enter__(self) -> Publisher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- one request at a time

    def send_all(
        self,
        hub: str,
        method: str,
        args: Sequence[Any] = (),
        exclude: Sequence[str] | None = None,
        key: str | None = None,
    ) -> Result:
        """Send ``method(*args)`` to every connection of ``hub`` except those in ``exclude``."""
        return self._call("all", hub, None, method, args, None, exclude, key)

    def send_group(
        self,
        hub: str,
        group: str,
        method: str,
        args: Sequence[Any] = (),
        exclude: Sequence[str] | None = None,
        key: str | None = None,
    ) -> Result:
        """Send ``method(*args)`` to the members of ``group`` except those in ``exclude``."""
        return self._call("group", hub, group, method, args, None, exclude, key)

    def send_user(self, hub: str, user: str, method: str, args: Sequence[Any] = (), key: str | None = None) -> Result:
        """Send ``method(*args)`` to every connection of ``user``."""
        return self._call("user", hub, user, method, args, None, None, key)

    def send_connection(
        self, hub: str, connection: str, method: str, args: Sequence[Any] = (), key: str | None = None
    ) -> Result:
        """Send ``method(*args)`` to one connection."""
        return self._call("connection", hub, connection, method, args, None, None, key)

    def send_payloads(
        self,
        kind: str,
        hub: str,
        target: str | None,
        payloads: Mapping[str, bytes],
        exclude: Sequence[str] | None = None,
        key: str | None = None,
    ) -> Result:
        """Send pre-serialized payloads: protocol name (``json``, ``messagepack``) -> exact framed bytes."""
        return self._call(kind, hub, target, None, None, payloads, exclude, key)

    def send_batch(self, items: Sequence[Request | Mapping[str, Any]]) -> list[Result]:
        """Send up to 1000 requests in one frame; return one :class:`Result` per item, in order.

        Items fail independently: a bad item is an error result, not an exception. The whole
        batch raises :class:`PublishError` only when the gateway refused it as a whole.
        """
        rid = self._next_id()
        result = self._roundtrip(encode_batch(items, id=rid), rid)
        if result.results is None:
            result.raise_for_error()
            raise PublishError("bad_reply", "batch reply without results", rid)
        return list(result.results)

    def _call(
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
        rid = self._next_id()
        obj = _request_object(kind, hub, target, method, arguments, payloads, exclude, key, {"v": 1, "id": rid})
        return self._roundtrip(_dump(obj), rid).raise_for_error()

    def _next_id(self) -> str:
        return str(next(self._ids))

    def _roundtrip(self, frame: bytes, rid: str) -> Result:
        deadline = time.monotonic() + self.timeout
        self._send(frame, deadline, rid)
        self._inflight.add(rid)
        sock = self._sock
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not sock.poll(int(remaining * 1000) + 1, zmq.POLLIN):
                raise TimeoutError(f"no reply from the gateway at {self.endpoint} within {self.timeout} s", rid)
            reply = decode_reply(sock.recv())
            if self._inflight.match(reply.id) == rid:
                return reply._replace(id=rid) if reply.id is None else reply

    def _send(self, frame: bytes, deadline: float, rid: str | None) -> None:
        sock = self._sock
        while True:
            try:
                sock.send(frame, zmq.NOBLOCK)
                return
            except zmq.Again:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not sock.poll(int(remaining * 1000) + 1, zmq.POLLOUT):
                    raise TimeoutError(f"could not queue the request for {self.endpoint}", rid) from None

    # -- pipelined

    def publish_many(self, requests: Iterable[Request]) -> list[Result]:
        """Publish many requests with up to ``window`` in flight; return one result per request.

        Results are in request order. Errors do not raise: a refused request's :class:`Result`
        has ``ok`` false and the gateway's ``code`` (a request that could not even be encoded
        gets ``bad_request`` and is not sent); a plain success is the shared :data:`OK`.
        If the gateway stops answering for ``timeout`` seconds, sending stops and
        :class:`TimeoutError` is raised; its ``results`` holds one entry per request taken from
        ``requests`` so far, ``code == "timeout"`` for the unanswered ones.
        """
        results: list[Result | None] = []
        slot: dict[str, int] = {}  # id -> index in results, for the requests in flight
        sock = self._sock
        inflight = self._inflight
        order = inflight._order  # the hot path inlines _InFlight.add and the common case of match
        window = self.window
        ids = self._ids
        poll_ms = int(self.timeout * 1000) + 1
        send = sock.send
        recv = sock.recv
        noblock = zmq.NOBLOCK
        again = zmq.Again
        it = iter(requests)
        exhausted = False
        while True:
            # fill the window
            while not exhausted and len(slot) < window:
                request = next(it, None)
                if request is None:
                    exhausted = True
                    break
                index = len(results)
                rid = str(next(ids))
                try:
                    frame = _frame_for(request, rid)
                except (ValueError, TypeError) as error:
                    results.append(Result(False, "bad_request", f"not sent: {error}", False, rid))
                    continue
                results.append(None)
                try:
                    send(frame, noblock)
                except again:
                    # The socket is full: wait until it takes the frame (replies keep queueing).
                    while True:
                        if not sock.poll(poll_ms, zmq.POLLOUT):
                            raise self._stall(results) from None
                        try:
                            send(frame, noblock)
                            break
                        except again:
                            continue
                order.append(rid)
                slot[rid] = index
            if not slot:
                break
            # wait for one reply, then take everything already waiting without blocking
            if not sock.poll(poll_ms, zmq.POLLIN):
                raise self._stall(results)
            while slot:
                try:
                    frame = recv(noblock)
                except again:
                    break
                if frame.startswith(_OK_HEAD) and frame.endswith(_OK_TAIL):
                    rid_or_none: str | None = frame[7:-12].decode("utf-8", "replace")
                    result = OK
                    if order and order[0] == rid_or_none:  # the usual case: the oldest request
                        order.popleft()
                        results[slot.pop(rid_or_none)] = OK
                        continue
                else:
                    result = decode_reply(frame)
                    rid_or_none = result.id
                owner = inflight.match(rid_or_none)
                if owner is not None:
                    index_or_none = slot.pop(owner, None)
                    if index_or_none is not None:
                        results[index_or_none] = result
        return [r if r is not None else OK for r in results]

    def _stall(self, results: list[Result | None]) -> TimeoutError:
        message = f"the gateway at {self.endpoint} gave no reply for {self.timeout} s"
        lost = Result(False, "timeout", message)
        return TimeoutError(message, None, [r if r is not None else lost for r in results])
