"""The synchronous publisher: one DEALER socket to the gateway's ingress ROUTER."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, cast

import zmq

from ._errors import PublishError, TimeoutError
from ._protocol import (
    DEFAULT_ENDPOINT,
    OK,
    Request,
    Result,
    _c_encoder,
    _dump,
    _encode_json,
    _frame_for,
    _InFlight,
    _request_format,
    _request_object,
    decode_reply,
    encode_batch,
)

__all__ = ["Publisher"]

_OK_TAIL = b'","ok":true}'
_OK_HEAD = b'{"id":"'
_OK_REPLY = b'{"id":"%d","ok":true}'
_CHUNK = 128  # publish_many: requests encoded before they are sent back to back


def _id_number(rid: str | bytes) -> int:
    """The number of an id this publisher generated (decimal, no leading zero), else -1."""
    if rid.isdigit() and rid.isascii() and rid[:1] not in ("0", b"0"):
        return int(rid)
    return -1


def _plain_send(sock: zmq.Socket[bytes]) -> Callable[[bytes, int], Any]:
    """``sock.send`` without pyzmq's Python-level wrapper (routing ids, groups, Frames).

    For plain bytes the wrapper only forwards to the Cython method of ``zmq.backend.Socket``,
    which is called directly here: about half the cost of a small send.
    """
    base = getattr(zmq.backend, "Socket", None)
    method = getattr(base, "send", None)
    if base is None or method is None or not isinstance(sock, base):
        return sock.send
    return cast("Callable[[bytes, int], Any]", method.__get__(sock, type(sock)))


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
        # Ids in flight as numbers (this publisher's ids are decimal counters): publish_many
        # formats the expected reply bytes from them and hands out whole ranges at once.
        self._inflight: _InFlight[int] = _InFlight()
        self._send_plain = _plain_send(sock)
        self._poller = zmq.Poller()
        self._poller.register(sock, zmq.POLLIN)

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
        number = int(rid)
        self._inflight.add(number)
        sock = self._sock
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not sock.poll(int(remaining * 1000) + 1, zmq.POLLIN):
                raise TimeoutError(f"no reply from the gateway at {self.endpoint} within {self.timeout} s", rid)
            reply = decode_reply(sock.recv())
            if self._inflight.match(None if reply.id is None else _id_number(reply.id)) == number:
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
        # Hot path, per request: one JSON encoding of the arguments into a cached frame format,
        # one send, and for its reply one comparison with the expected {"id":…,"ok":true}.
        # At most `window` requests are in flight (sent and not answered).
        # Ids are consecutive numbers from `first`, so an id gives its result's index; results
        # start as OK and only refusals overwrite them. From a sequence, frames are encoded in
        # chunks and then sent back to back, so that libzmq's I/O thread wakes once per chunk
        # rather than once per request (from an iterator, each request leaves when taken).
        results: list[Result] = []
        window = self.window
        chunk = min(window, _CHUNK) if isinstance(requests, Sequence) else 1
        first = next(self._ids)
        n = first - 1  # the last id used
        staged_from = first  # the id of the first staged request; staged ids are consecutive
        pending = 0  # requests of this call sent and not answered yet
        room = chunk  # requests to stage before the next send
        poll_ms = int(self.timeout * 1000) + 1
        poll = self._poller.poll
        append_result = results.append
        c_encoder = _c_encoder
        join = "".join
        # the frame format of the last (kind, hub, target, method), checked by identity
        f_kind: object = None
        f_hub: object = None
        f_target: object = None
        f_method: object = None
        fmt = b""
        frames: list[bytes] = []  # staged: encoded, not sent yet
        append_frame = frames.append
        try:
            for request in requests:
                n += 1
                kind, hub, target, method, arguments, payloads, exclude, key = request
                try:
                    if payloads is not None or exclude or key is not None or method is None:
                        frame = _frame_for(request, str(n))
                    else:
                        if kind is not f_kind or hub is not f_hub or target is not f_target or method is not f_method:
                            fmt = _request_format(kind, hub, target, method)
                            f_kind, f_hub, f_target, f_method = kind, hub, target, method
                        try:
                            body = (join(c_encoder(arguments, 0)) if c_encoder else _encode_json(arguments)).encode()
                        except (TypeError, ValueError, RecursionError):  # not a list, or not JSON: say why
                            frame = _frame_for(request, str(n))
                        else:
                            frame = fmt % (n, body)
                except (ValueError, TypeError) as error:
                    # Not sent. Send what is staged first, so that staged ids stay consecutive.
                    pending += len(frames)
                    self._send_staged(frames, staged_from, results, first)
                    staged_from = n + 1
                    append_result(Result(False, "bad_request", f"not sent: {error}", False, str(n)))
                    continue
                append_result(OK)
                append_frame(frame)
                room -= 1
                if not room:
                    pending += len(frames)
                    self._send_staged(frames, staged_from, results, first)
                    staged_from = n + 1
                    while pending >= window:
                        pending = self._take_replies(pending, results, first, poll, poll_ms)
                    room = min(chunk, window - pending)
            pending += len(frames)
            self._send_staged(frames, staged_from, results, first)
            while pending:  # every request is sent: wait for the rest of the replies
                pending = self._take_replies(pending, results, first, poll, poll_ms)
        finally:
            self._ids = itertools.count(n + 1)
        return results

    def _send_staged(self, frames: list[bytes], staged_from: int, results: list[Result], first: int) -> None:
        """Send the staged frames (ids from ``staged_from`` on) back to back; then they are in flight."""
        send = self._send_plain
        noblock = zmq.NOBLOCK
        order = self._inflight._order
        staged = iter(frames)
        try:
            for frame in staged:
                send(frame, noblock)
        except zmq.Again:
            # The socket is full (no gateway connected yet): wait for room for each of the rest.
            rest = [frame, *staged]
            done = len(frames) - len(rest)
            order.extend(range(staged_from, staged_from + done))
            for i, frame in enumerate(rest):
                rid = staged_from + done + i
                self._send_blocking(frame, results, first, range(rid, staged_from + len(frames)))
                order.append(rid)
        else:
            order.extend(range(staged_from, staged_from + len(frames)))
        frames.clear()

    def _take_replies(
        self,
        pending: int,
        results: list[Result],
        first: int,
        poll: Callable[[int], list[tuple[Any, int]]],
        poll_ms: int,
    ) -> int:
        """Wait for one reply, take those already there; return how many are still pending."""
        if not poll(poll_ms):
            raise self._stall(results, first)
        recv = self._sock.recv
        order = self._inflight._order
        popleft = order.popleft
        noblock = zmq.NOBLOCK
        again = zmq.Again
        ok_reply = _OK_REPLY
        while pending:
            try:
                frame = recv(noblock)
            except again:
                break
            if order and frame == ok_reply % order[0]:  # the usual case: the oldest request, accepted
                popleft()
                pending -= 1
                continue
            if frame.startswith(_OK_HEAD) and frame.endswith(_OK_TAIL):
                number: int | None = _id_number(frame[7:-12])
                result = OK
            else:
                result = decode_reply(frame)
                number = None if result.id is None else _id_number(result.id)
            owner = self._inflight.match(number)
            if owner is not None and owner >= first:  # ours (not abandoned by an earlier call)
                pending -= 1
                if result is not OK:
                    results[owner - first] = result
        return pending

    def _send_blocking(self, frame: bytes, results: list[Result], first: int, unsent: Sequence[int]) -> None:
        """The socket is full: wait until it takes the frame (replies keep queueing)."""
        sock = self._sock
        poll_ms = int(self.timeout * 1000) + 1
        while True:
            if not sock.poll(poll_ms, zmq.POLLOUT):
                raise self._stall(results, first, unsent) from None
            try:
                sock.send(frame, zmq.NOBLOCK)
                return
            except zmq.Again:
                continue

    def _stall(self, results: list[Result], first: int, unsent: Sequence[int] = ()) -> TimeoutError:
        """The error for a silent gateway: requests of this call in flight, and those taken but
        not sent (ids ``unsent``), get a ``timeout`` result."""
        message = f"the gateway at {self.endpoint} gave no reply for {self.timeout} s"
        lost = Result(False, "timeout", message)
        for rid in self._inflight._order:
            if rid >= first:  # not abandoned by an earlier call
                results[rid - first] = lost
        for rid in unsent:
            results[rid - first] = lost
        return TimeoutError(message, None, results)
