"""The gateway ingress protocol v1, without I/O: request encoding and reply decoding.

See ``docs/gateway-protocol.md``. Everything here is pure and checked against the golden vectors
in ``Tests/vectors/gateway/``.
"""

from __future__ import annotations

import base64
import json
import json.encoder
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, NamedTuple, TypeVar

from ._errors import PublishError

__all__ = [
    "DEFAULT_ENDPOINT",
    "KINDS",
    "MAX_BATCH",
    "MAX_FRAME",
    "OK",
    "Request",
    "Result",
    "decode_reply",
    "encode_batch",
    "encode_request",
]

DEFAULT_ENDPOINT = "tcp://127.0.0.1:7000"
"""Where the gateway's ingress ROUTER listens by default."""

KINDS = ("all", "connection", "group", "user")
"""The message kinds a service may publish."""

MAX_FRAME = 65536
"""The gateway's default request frame limit in bytes."""

MAX_BATCH = 1000
"""The most items one batch may carry."""

_TARGET_FIELD = {"connection": "connection", "group": "group", "user": "user"}
_PAYLOAD_ORDER = ("json", "messagepack")


def _not_json(value: object) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _make_encoder() -> tuple[Callable[[object], str], Callable[[object, int], Any] | None]:
    """One encoder for everything: compact, UTF-8 (not \\u-escaped), no NaN: section 2.2.

    This is ``json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)``.
    When json's C accelerator is there, one stateless C encoder object is built once and called
    directly, which saves most of the per-call cost of ``json.dumps`` for small values. Without
    circular-reference markers it is thread-safe; a cycle ends in RecursionError (see _dump).
    Returns the encode function and the C encoder itself (None without the accelerator):
    ``"".join(c_encoder(value, 0))`` encodes a list or tuple, for hot loops.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    basestring = getattr(json.encoder, "c_encode_basestring", None)
    if make is None or basestring is None:
        return json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode, None
    encoder = make(None, _not_json, basestring, None, ":", ",", False, False, False)

    def encode(value: object) -> str:
        if isinstance(value, str):
            return str(basestring(value))
        return "".join(encoder(value, 0))

    return encode, encoder


_encode_json, _c_encoder = _make_encoder()


class Request(NamedTuple):
    """One message to publish, for :meth:`Publisher.publish_many` and :meth:`Publisher.send_batch`.

    ``target`` is the connection id, group name or user id for kinds ``connection``, ``group``
    and ``user``, and ``None`` for ``all``. Give either ``method`` (+ ``arguments``) or
    ``payloads`` (protocol name -> exact framed bytes).
    """

    kind: str
    hub: str
    target: str | None = None
    method: str | None = None
    arguments: Sequence[Any] = ()
    payloads: Mapping[str, bytes] | None = None
    exclude: Sequence[str] | None = None
    key: str | None = None


class Result(NamedTuple):
    """What the gateway answered to one request (or one batch item).

    ``ok`` is true when the message was accepted into the mesh; ``duplicate`` is true when its
    idempotency key had been accepted before (it was not delivered again). On failure ``code``
    and ``message`` say why. ``results`` holds the per-item results of a batch.
    """

    ok: bool
    code: str | None = None
    message: str | None = None
    duplicate: bool = False
    id: str | None = None
    results: tuple[Result, ...] | None = None

    def raise_for_error(self) -> Result:
        """Return ``self`` when ok, else raise :class:`PublishError` with the reply's code."""
        if not self.ok:
            raise PublishError(self.code or "bad_reply", self.message or "", self.id)
        return self


OK = Result(True)
"""The shared result of a plain success (what :meth:`Publisher.publish_many` returns for it)."""


def _request_object(
    kind: str,
    hub: str,
    target: str | None,
    method: str | None,
    arguments: Sequence[Any] | None,
    payloads: Mapping[str, bytes] | None,
    exclude: Sequence[str] | None,
    key: str | None,
    obj: dict[str, Any],
) -> dict[str, Any]:
    """Fill ``obj`` (which may already hold ``v`` and ``id``) in canonical field order."""
    obj["kind"] = kind
    obj["hub"] = hub
    field = _TARGET_FIELD.get(kind)
    if field is not None:
        if target is None:
            raise ValueError(f"kind {kind!r} needs a target ({field})")
        obj[field] = target
    elif target is not None:
        raise ValueError(f"kind {kind!r} takes no target, got {target!r}")
    if payloads is not None:
        if method is not None:
            raise ValueError("give either method + arguments or payloads, not both")
        if not payloads:
            raise ValueError("payloads is empty: give at least one protocol (json, messagepack)")
        encoded = {}
        for name in _PAYLOAD_ORDER:
            if name in payloads:
                encoded[name] = base64.b64encode(payloads[name]).decode("ascii")
        for name, data in payloads.items():
            if name not in encoded:
                encoded[name] = base64.b64encode(data).decode("ascii")
        obj["payloads"] = encoded
    elif method is not None:
        obj["method"] = method
        if arguments is None:
            obj["arguments"] = []
        elif isinstance(arguments, (list, tuple)):
            obj["arguments"] = arguments
        else:
            obj["arguments"] = list(arguments)
    else:
        raise ValueError("give either method + arguments or payloads")
    if exclude:
        obj["exclude"] = exclude if isinstance(exclude, (list, tuple)) else list(exclude)
    if key is not None:
        obj["key"] = key
    return obj


def _dump(obj: object) -> bytes:
    # str.encode is strict: a lone surrogate raises UnicodeEncodeError, a ValueError.
    try:
        return _encode_json(obj).encode("utf-8")
    except RecursionError:
        raise ValueError("value is circular or nested too deeply for JSON") from None


_formats: dict[tuple[str, str, str | None, str], bytes] = {}


def _request_format(kind: str, hub: str, target: str | None, method: str) -> bytes:
    """The frame of a plain request (method + arguments, no exclude or key) as a bytes format.

    ``_request_format(...) % (id_number, arguments_json)`` is the canonical frame for a decimal id. The bytes between
    the id and the arguments depend only on kind, hub, target and method: they are encoded once
    and cached. Raises ValueError for a kind/target mismatch, like ``encode_request``.
    """
    cache_key = (kind, hub, target, method)
    fmt = _formats.get(cache_key)
    if fmt is None:
        head = _encode_json(_request_object(kind, hub, target, method, (), None, None, None, {}))
        middle = head[1 : -len(',"arguments":[]}')].encode("utf-8").replace(b"%", b"%%")
        fmt = b'{"v":1,"id":"%d",' + middle + b',"arguments":%b}'
        if len(_formats) >= 4096:
            _formats.clear()
        _formats[cache_key] = fmt
    return fmt


def _frame_for(request: Request, rid: str) -> bytes:
    """``encode_request(*request, id=rid)``, faster for the common shape (method + arguments).

    Each message costs one JSON encoding of its arguments (see _request_format).
    """
    kind, hub, target, method, arguments, payloads, exclude, key = request
    if method is None or payloads is not None:
        return _dump(_request_object(*request, obj={"v": 1, "id": rid}))
    fmt = _request_format(kind, hub, target, method)
    if not isinstance(arguments, (list, tuple)):
        arguments = list(arguments)
    try:
        body = _encode_json(arguments).encode("utf-8")
    except RecursionError:
        raise ValueError("arguments are circular or nested too deeply for JSON") from None
    frame = fmt % (int(rid), body) if rid.isdigit() and rid.isascii() and rid[:1] != "0" else None
    if frame is None:
        return _dump(_request_object(*request, obj={"v": 1, "id": rid}))
    if exclude or key is not None:
        tail: dict[str, Any] = {}
        if exclude:
            tail["exclude"] = exclude if isinstance(exclude, (list, tuple)) else list(exclude)
        if key is not None:
            tail["key"] = key
        frame = frame[:-1] + b"," + _dump(tail)[1:]
    return frame


def encode_request(
    kind: str,
    hub: str,
    target: str | None = None,
    method: str | None = None,
    arguments: Sequence[Any] | None = None,
    *,
    payloads: Mapping[str, bytes] | None = None,
    exclude: Sequence[str] | None = None,
    key: str | None = None,
    id: str | None = None,
) -> bytes:
    """Encode one request frame in canonical form (compact JSON, canonical field order, UTF-8).

    >>> encode_request("group", "chat", "room-1", "newMessage", ["alice", "hi"], id="1")
    b'{"v":1,"id":"1","kind":"group","hub":"chat","group":"room-1","method":"newMessage","arguments":["alice","hi"]}'

    Raises :class:`ValueError` (or :class:`TypeError` for values JSON cannot hold) when the call
    cannot be expressed; everything else (empty names, unknown kinds, ...) is left to the gateway,
    which answers with a clear error code.
    """
    obj: dict[str, Any] = {"v": 1}
    if id is not None:
        obj["id"] = id
    return _dump(_request_object(kind, hub, target, method, arguments, payloads, exclude, key, obj))


def _item_object(item: Request | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(item, Request):
        return _request_object(*item, obj={})
    return item


def encode_batch(items: Iterable[Request | Mapping[str, Any]], *, id: str | None = None) -> bytes:
    """Encode a batch request: ``{"v":1,"id":…,"batch":[…]}``.

    Items are :class:`Request` values (encoded canonically) or mappings sent as given (without
    ``v`` and ``id``).
    """
    obj: dict[str, Any] = {"v": 1}
    if id is not None:
        obj["id"] = id
    obj["batch"] = [_item_object(item) for item in items]
    return _dump(obj)


def _bad_reply(message: str, id: str | None = None) -> Result:
    return Result(False, "bad_reply", message, False, id)


def _interpret(obj: object, id: str | None) -> Result:
    if not isinstance(obj, dict):
        return _bad_reply("reply is not a JSON object", id)
    ok = obj.get("ok")
    results = obj.get("results")
    items = tuple(_interpret(item, None) for item in results) if isinstance(results, list) else None
    if ok is True:
        return Result(True, None, None, obj.get("duplicate") is True, id, items)
    if ok is not False:
        return _bad_reply("reply has no boolean 'ok'", id)
    code = obj.get("code")
    message = obj.get("message")
    if not isinstance(message, str):
        message = None
    if isinstance(code, str) and code:
        return Result(False, code, message, False, id, items)
    if items is not None:  # a batch with failed items: the items say why
        return Result(False, None, message, False, id, items)
    return _bad_reply("error reply without a code", id)


def decode_reply(frame: bytes) -> Result:
    """Interpret one reply frame. Never raises: a malformed reply gives code ``bad_reply``."""
    try:
        obj = json.loads(frame.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return _bad_reply(f"reply is not UTF-8 JSON: {bytes(frame[:64])!r}")
    rid = obj.get("id") if isinstance(obj, dict) else None
    return _interpret(obj, rid if isinstance(rid, str) else None)


_Id = TypeVar("_Id", str, int)


class _InFlight(Generic[_Id]):
    """Ids of requests sent on one socket and not yet answered, in send order.

    Ids are ``str``, or for the synchronous publisher (whose ids are decimal counters) numbers.

    Replies come back in request order, so a reply answers the oldest entry; one with
    ``"id":null`` answers the oldest entry too. Entries whose caller gave up (timeout) stay until
    their reply arrives, so a late reply is recognised and dropped instead of being taken for
    someone else's.
    """

    __slots__ = ("_order",)

    def __init__(self) -> None:
        self._order: deque[_Id] = deque()

    def __len__(self) -> int:
        return len(self._order)

    def add(self, rid: _Id) -> None:
        self._order.append(rid)

    def match(self, rid: _Id | None) -> _Id | None:
        """Return the id of the request that a reply with id ``rid`` answers, or None."""
        order = self._order
        if not order:
            return None
        if rid is None or rid == order[0]:
            return order.popleft()
        if rid not in order:  # rare: a linear scan of at most the window (plus abandoned ids)
            return None  # not ours: a reply from before a reconnect, or a gateway bug
        while True:  # replies for the skipped entries were lost (e.g. gateway restart)
            first = order.popleft()
            if first == rid:
                return first
