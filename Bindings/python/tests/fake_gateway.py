#!/usr/bin/env python3
"""A stand-in for ``hubmesh-gateway``: the ingress protocol's validation with no mesh behind it.

It is the executable model of ``docs/gateway-protocol.md`` sections 1-6, 8 and 10: the tests run
the live suite and the ingress vectors against it (``HUBMESH_GATEWAY_BIN=tests/fake_gateway.py``)
to check that the suite and the vectors are consistent before the real gateway exists. It accepts
every valid request at once (nothing is delivered anywhere). Command line as the real one:

    fake_gateway.py --ingress tcp://127.0.0.1:PORT --mesh tcp://127.0.0.1:PORT2 [--hub NAME]... [--stdin]
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import json
import sys
import time
from collections import OrderedDict
from typing import Any

import zmq

KINDS = {"all", "connection", "group", "user"}
FORBIDDEN = {"groupmanagement", "ack", "heartbeat", "membership", "replay"}
TARGET = {"connection": "connection", "group": "group", "user": "user"}
MAX_DEPTH = 64
INT_MIN, INT_MAX = -(2**63), 2**64 - 1


class Refusal(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class DupDict(dict[str, Any]):
    duplicate: str | None = None


def pairs_hook(pairs: list[tuple[str, Any]]) -> DupDict:
    d = DupDict()
    for k, v in pairs:
        if k in d and d.duplicate is None:
            d.duplicate = k
        d[k] = v
    return d


def no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def check_json_value(value: Any, depth: int) -> None:
    """bad_json checks a plain JSON parser does not make: nesting depth, lone surrogates."""
    if depth > MAX_DEPTH:
        raise Refusal("bad_json", f"JSON nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Refusal("bad_json", "string holds a lone surrogate escape") from None
    elif isinstance(value, list):
        for item in value:
            check_json_value(item, depth + 1)
    elif isinstance(value, dict):
        for k, item in value.items():
            check_json_value(k, depth + 1)
            check_json_value(item, depth + 1)


def check_arguments(value: Any) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return
    if isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            raise Refusal("bad_request", f"integer {value} is out of range for MessagePack; send it as a string")
    elif isinstance(value, list):
        for item in value:
            check_arguments(item)
    elif isinstance(value, DupDict):
        if value.duplicate is not None:
            raise Refusal("bad_request", f"an argument object repeats the key {value.duplicate!r}")
        for item in value.values():
            check_arguments(item)


def name(obj: dict[str, Any], field: str, *, limit: int | None = None) -> str:
    if field not in obj:
        raise Refusal("bad_request", f"missing field {field!r}")
    value = obj[field]
    if not isinstance(value, str):
        raise Refusal("bad_request", f"{field!r} must be a string")
    if not value:
        raise Refusal("bad_request", f"{field!r} is empty")
    if "\x00" in value:
        raise Refusal("bad_request", f"{field!r} contains a NUL character")
    if limit is not None and len(value.encode("utf-8")) > limit:
        raise Refusal("bad_request", f"{field!r} is longer than {limit} bytes")
    return value


def check_framed(protocol: str, data: bytes) -> None:
    if not data:
        raise Refusal("bad_request", f"payload {protocol!r} is empty")
    if protocol == "json":
        if data[-1] != 0x1E:
            raise Refusal("bad_request", "json payload must end with the record separator 0x1E")
        return
    i = 0
    while i < len(data):
        length = shift = 0
        while True:
            if i >= len(data) or shift > 28:
                raise Refusal("bad_request", "messagepack payload has a broken VarInt prefix")
            byte = data[i]
            i += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if length == 0 or i + length > len(data):
            raise Refusal("bad_request", "messagepack payload length prefix does not match its bytes")
        i += length


def check_item(obj: dict[str, Any]) -> None:
    """Section 6, steps 7 and 8, for a single request or a batch item."""
    kind = obj.get("kind")
    if not isinstance(kind, str) or not kind:
        raise Refusal("bad_request", "missing or empty 'kind'; use all, connection, group or user")
    if kind.lower() in FORBIDDEN:
        raise Refusal("forbidden_kind", f"kind {kind!r} is internal to the mesh; services may not send it")
    if kind not in KINDS:
        raise Refusal("unknown_kind", f"unknown kind {kind!r}; use all, connection, group or user")
    allowed = {"v", "id", "kind", "hub", "method", "arguments", "payloads", "key"}
    if kind in TARGET:
        allowed.add(TARGET[kind])
    if kind in ("all", "group"):
        allowed.add("exclude")
    for field in obj:
        if field not in allowed:
            raise Refusal("bad_request", f"field {field!r} is not allowed for kind {kind!r}")
    if isinstance(obj, DupDict) and obj.duplicate is not None:
        raise Refusal("bad_request", f"field {obj.duplicate!r} appears twice")
    name(obj, "hub")
    if kind in TARGET:
        name(obj, TARGET[kind])
    has_method = "method" in obj or "arguments" in obj
    if has_method and "payloads" in obj:
        raise Refusal("bad_request", "give either method + arguments or payloads, not both")
    if has_method:
        name(obj, "method")
        if not isinstance(obj.get("arguments"), list):
            raise Refusal("bad_request", "'arguments' must be a JSON array")
        check_arguments(obj["arguments"])
    elif "payloads" in obj:
        payloads = obj["payloads"]
        if not isinstance(payloads, dict) or not payloads:
            raise Refusal("bad_request", "'payloads' must be an object with json and/or messagepack")
        for protocol, text in payloads.items():
            if protocol not in ("json", "messagepack"):
                raise Refusal("bad_request", f"unknown payload protocol {protocol!r}")
            if not isinstance(text, str):
                raise Refusal("bad_request", "payloads must be base64 strings")
            try:
                data = base64.b64decode(text.encode("ascii"), validate=True)
            except (binascii.Error, UnicodeEncodeError):
                raise Refusal("bad_request", f"payload {protocol!r} is not valid base64") from None
            check_framed(protocol, data)
    else:
        raise Refusal("bad_request", "give either method + arguments or payloads")
    if "exclude" in obj:
        exclude = obj["exclude"]
        if not isinstance(exclude, list):
            raise Refusal("bad_request", "'exclude' must be an array of connection ids")
        for entry in exclude:
            if not isinstance(entry, str) or not entry or "\x00" in entry:
                raise Refusal("bad_request", "'exclude' entries must be non-empty connection ids")
    if "key" in obj:
        name(obj, "key", limit=128)


class Gateway:
    def __init__(self, hubs: list[str], max_frame: int, stdin: bool) -> None:
        self.hubs = set(hubs)
        self.max_frame = max_frame
        self.stdin = stdin
        self.keys: OrderedDict[str, float] = OrderedDict()

    def accept(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Steps 9 and 10 for a valid item."""
        if self.hubs and obj["hub"] not in self.hubs:
            raise Refusal("unknown_hub", f"hub {obj['hub']!r} is not declared; declared: {sorted(self.hubs)}")
        key = obj.get("key")
        if key is not None:
            now = time.monotonic()
            while self.keys and (len(self.keys) >= 100_000 or next(iter(self.keys.values())) < now - 300):
                self.keys.popitem(last=False)
            if key in self.keys:
                return {"ok": True, "duplicate": True}
            self.keys[key] = now
        return {"ok": True}

    def item(self, obj: Any) -> dict[str, Any]:
        try:
            if not isinstance(obj, dict):
                raise Refusal("bad_request", "batch items must be request objects")
            for field in ("v", "id", "batch"):
                if field in obj:
                    raise Refusal("bad_request", f"batch items may not carry {field!r}")
            check_item(obj)
            return self.accept(obj)
        except Refusal as refusal:
            return {"ok": False, "code": refusal.code, "message": refusal.message}

    def handle(self, frame: bytes) -> dict[str, Any]:
        rid: str | None = None
        try:
            if len(frame) > self.max_frame:
                raise Refusal("too_large", f"request is {len(frame)} bytes; the limit is {self.max_frame}")
            try:
                text = frame.decode("utf-8")
            except UnicodeDecodeError:
                raise Refusal("bad_json", "request is not valid UTF-8") from None
            if text.startswith("\ufeff") or not text.strip():
                raise Refusal("bad_json", "request is empty or starts with a byte order mark")
            try:
                obj = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=no_constants)
            except (ValueError, RecursionError) as error:
                raise Refusal("bad_json", f"request is not valid JSON ({error})") from None
            if not isinstance(obj, dict):
                raise Refusal("bad_json", "request must be a JSON object")
            check_json_value(obj, 1)
            candidate = obj.get("id")
            if isinstance(candidate, str) and candidate and len(candidate.encode("utf-8")) <= 128:
                rid = candidate
            if "v" in obj or not self.stdin:
                v = obj.get("v")
                if type(v) is not int or v != 1:
                    raise Refusal("unsupported_version", f'unsupported protocol version {v!r}; send "v":1')
            if "id" in obj:
                value = obj["id"]
                if not isinstance(value, str) or not value or "\x00" in value or len(value.encode("utf-8")) > 128:
                    rid = None
                    raise Refusal("bad_request", "'id' must be a string of 1 to 128 bytes")
            if "batch" in obj:
                for field in obj:
                    if field not in ("v", "id", "batch"):
                        raise Refusal("bad_request", f"field {field!r} is not allowed beside 'batch'")
                batch = obj["batch"]
                if not isinstance(batch, list) or not batch:
                    raise Refusal("bad_request", "'batch' must be a non-empty array")
                if len(batch) > 1000:
                    raise Refusal("too_large", f"batch has {len(batch)} items; the limit is 1000")
                results = [self.item(item) for item in batch]
                return {"id": rid, "ok": all(r["ok"] for r in results), "results": results}
            check_item(obj)
            reply = self.accept(obj)
            return {"id": rid, **reply}
        except Refusal as refusal:
            return {"id": rid, "ok": False, "code": refusal.code, "message": refusal.message}


def encode(reply: dict[str, Any]) -> bytes:
    return json.dumps(reply, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def answer(gateway: Gateway, frames: list[bytes]) -> list[bytes]:
    """The reply frames for one ZeroMQ message (section 1: one frame, or a delimiter and one frame)."""
    if len(frames) == 1:
        return [encode(gateway.handle(frames[0]))]
    if len(frames) == 2 and frames[0] == b"":
        return [b"", encode(gateway.handle(frames[1]))]
    message = "send one request per message: one frame, or an empty delimiter and one frame"
    return [encode({"id": None, "ok": False, "code": "bad_request", "message": message})]


def serve_router(gateway: Gateway, endpoint: str) -> None:
    ctx = zmq.Context()
    sock = ctx.socket(zmq.ROUTER)
    sock.setsockopt(zmq.ROUTER_MANDATORY, 1)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.SNDHWM, 0)
    sock.setsockopt(zmq.RCVHWM, 0)
    sock.bind(endpoint)
    print(f"fake hubmesh-gateway ready on {endpoint}", file=sys.stderr, flush=True)
    while True:
        parts = sock.recv_multipart()
        with contextlib.suppress(zmq.ZMQError):  # the client is gone
            sock.send_multipart([parts[0], *answer(gateway, parts[1:])])


def serve_stdin(gateway: Gateway) -> None:
    print("fake hubmesh-gateway ready (stdin)", file=sys.stderr, flush=True)
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        if line.endswith(b"\n"):
            line = line[:-1]
        if line.endswith(b"\r"):
            line = line[:-1]
        out.write(encode(gateway.handle(line)) + b"\n")
    out.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ingress", default="tcp://127.0.0.1:7000")
    parser.add_argument("--mesh", default="tcp://127.0.0.1:7100")
    parser.add_argument("--join", action="append", default=[])
    parser.add_argument("--hub", action="append", default=[])
    parser.add_argument("--stdin", action="store_true")
    parser.add_argument("--max-frame", type=int, default=65536)
    args = parser.parse_args()
    gateway = Gateway(args.hub, args.max_frame, args.stdin)
    try:
        if args.stdin:
            serve_stdin(gateway)
        else:
            serve_router(gateway, args.ingress)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
