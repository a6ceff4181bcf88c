#!/usr/bin/env python3
"""Generate the gateway ingress protocol golden vectors (docs/gateway-protocol.md).

    python generate.py           # (re)write requests.json, replies.json, ingress.json, payloads.json
    python generate.py --check   # exit 1 if any file differs from what this script produces

Needs the `msgpack` package (pip). It deliberately does not import the `hubmesh` binding: the
vectors are the specification the bindings are tested against. Request frames below are written
out literally and cross-checked against a canonical encoder, and the MessagePack bytes of a few
payloads are checked against bytes written out by hand.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import msgpack

HERE = Path(__file__).resolve().parent
MAX_FRAME = 65536
MAX_BATCH = 1000


# --------------------------------------------------------------------------------------------
# canonical encoders (section 2.2 and 7 of the protocol document)


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def json_invocation(method: str, arguments: list[Any]) -> bytes:
    text = '{"type":1,"target":' + canonical(method) + ',"arguments":' + canonical(arguments) + "}"
    return text.encode("utf-8") + b"\x1e"


def msgpack_invocation(method: str, arguments: list[Any]) -> bytes:
    body: bytes = msgpack.packb([1, {}, None, method, arguments, []], use_bin_type=True)
    return varint(len(body)) + body


TARGET_FIELD = {"connection": "connection", "group": "group", "user": "user"}


def request_object(call: dict[str, Any], *, in_batch: bool = False) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    if not in_batch:
        obj["v"] = 1
        if call.get("id") is not None:
            obj["id"] = call["id"]
    obj["kind"] = call["kind"]
    obj["hub"] = call["hub"]
    if call["kind"] in TARGET_FIELD:
        obj[TARGET_FIELD[call["kind"]]] = call["target"]
    if call.get("payloads") is not None:
        obj["payloads"] = {
            name: base64.b64encode(bytes.fromhex(call["payloads"][name])).decode("ascii")
            for name in ("json", "messagepack")
            if name in call["payloads"]
        }
    else:
        obj["method"] = call["method"]
        obj["arguments"] = call["arguments"]
    if call.get("exclude"):
        obj["exclude"] = call["exclude"]
    if call.get("key") is not None:
        obj["key"] = call["key"]
    return obj


def encode_call(call: dict[str, Any]) -> str:
    if "batch" in call:
        obj: dict[str, Any] = {"v": 1}
        if call.get("id") is not None:
            obj["id"] = call["id"]
        obj["batch"] = [request_object(item, in_batch=True) for item in call["batch"]]
        return canonical(obj)
    return canonical(request_object(call))


# --------------------------------------------------------------------------------------------
# payloads.json


def payload_cases() -> list[dict[str, Any]]:
    ints = [
        0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, 2**32,
        -1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649,
        -(2**40), 2**63 - 1, -(2**63), 2**64 - 1,
    ]  # fmt: skip
    sixteen = list(range(16))
    cases: list[tuple[str, str, list[Any]]] = [
        ("no_arguments", "ping", []),
        ("strings", "newMessage", ["alice", "hello world"]),
        ("empty_string", "send", [""]),
        ("unicode", "send", ["h\u00e9llo", "\u65e5\u672c\u8a9e", "\U0001f600", "\u00ff\u0100\u07ff\u0800\uffff"]),
        ("json_escapes", "send", ['quote" backslash\\ slash/ <b>&amp;', "nl\n cr\r tab\t bs\b ff\f", "ctrl\u0001\u001f del\u007f", "ls\u2028ps\u2029"]),
        ("unicode_method", "r\u00e9ponse", [1]),
        ("ints", "ints", ints),
        ("floats", "floats", [1.5, -0.25, 0.1, 1.0, 3.141592653589793, 1234567.875, -0.0]),
        ("bools_null", "flags", [True, False, None]),
        ("nested", "update", [{"user": "bob", "tags": ["a", "b"], "meta": {"n": 1, "ok": True, "x": None}}, [1, [2, [3]]], {}, []]),
        ("object_key_order", "kv", [{"z": 1, "a": 2, "m": 3, "\u00e9": 4}]),
        ("str_31", "s", ["x" * 31]),
        ("str_32", "s", ["x" * 32]),
        ("str_255", "s", ["y" * 255]),
        ("str_256", "s", ["y" * 256]),
        ("str_300_varint_2", "s", ["z" * 300]),
        ("str_17000_varint_3", "s", ["w" * 17000]),
        ("array15_array16", "arr", [list(range(15)), sixteen]),
        ("map15_map16", "map", [{f"k{i}": i for i in range(15)}, {f"k{i}": i for i in range(16)}]),
    ]
    out = []
    for name, method, arguments in cases:
        out.append(
            {
                "name": name,
                "method": method,
                "arguments": arguments,
                "json_hex": json_invocation(method, arguments).hex(),
                "messagepack_hex": msgpack_invocation(method, arguments).hex(),
            }
        )
    return out


def check_payloads_by_hand(cases: list[dict[str, Any]]) -> None:
    """Bytes written out by hand from the SignalR MessagePack layout and the msgpack spec."""
    by_name = {c["name"]: c for c in cases}

    def mp(name: str) -> bytes:
        return bytes.fromhex(by_name[name]["messagepack_hex"])

    # doc section 7.3: send("alice", 1)
    assert msgpack_invocation("send", ["alice", 1]) == bytes.fromhex(
        "12" "96" "01" "80" "c0" "a473656e64" "92" "a5616c696365" "01" "90"
    )
    assert json_invocation("send", ["alice", 1]) == b'{"type":1,"target":"send","arguments":["alice",1]}\x1e'
    # ping(): 96 01 80 c0 a4 "ping" 90 90 -> 10 bytes
    assert mp("no_arguments") == bytes.fromhex("0b" "96" "01" "80" "c0" "a470696e67" "90" "90")
    # the integers one by one, in the order of payload_cases()
    ints_hand = [
        "00",  # 0 positive fixint
        "01",  # 1
        "7f",  # 127 (largest positive fixint)
        "cc80",  # 128 uint8
        "ccff",  # 255 uint8
        "cd0100",  # 256 uint16
        "cdffff",  # 65535 uint16
        "ce00010000",  # 65536 uint32
        "ceffffffff",  # 2^32-1 uint32
        "cf0000000100000000",  # 2^32 uint64
        "ff",  # -1 negative fixint
        "e0",  # -32 negative fixint
        "d0df",  # -33 int8
        "d080",  # -128 int8
        "d1ff7f",  # -129 int16
        "d18000",  # -32768 int16
        "d2ffff7fff",  # -32769 int32
        "d280000000",  # -2^31 int32
        "d3ffffffff7fffffff",  # -2^31-1 int64
        "d3ffffff0000000000",  # -2^40 int64
        "cf7fffffffffffffff",  # 2^63-1 (non-negative: uint64)
        "d38000000000000000",  # -2^63 int64
        "cfffffffffffffffff",  # 2^64-1 uint64
    ]
    body = "96" "01" "80" "c0" "a4696e7473" "dc0017" + "".join(ints_hand) + "90"
    assert mp("ints") == varint(len(bytes.fromhex(body))) + bytes.fromhex(body), mp("ints").hex()
    # floats: float64 only
    floats_hand = (
        "cb3ff8000000000000"  # 1.5
        "cbbfd0000000000000"  # -0.25
        "cb3fb999999999999a"  # 0.1
        "cb3ff0000000000000"  # 1.0
        "cb400921fb54442d18"  # pi
        "cb4132d687e0000000"  # 1234567.875
        "cb8000000000000000"  # -0.0
    )
    body = "96" "01" "80" "c0" "a6666c6f617473" "97" + floats_hand + "90"
    assert mp("floats") == varint(len(bytes.fromhex(body))) + bytes.fromhex(body), mp("floats").hex()
    # bools and null
    assert mp("bools_null") == bytes.fromhex("0f" "96" "01" "80" "c0" "a5666c616773" "93" "c3" "c2" "c0" "90")
    # str sizes: fixstr 31 (bf), str8 32 (d9 20), str8 255 (d9 ff), str16 256 (da 01 00)
    assert mp("str_31")[7:9] == bytes.fromhex("91bf")
    assert mp("str_32")[7:10] == bytes.fromhex("91d920")
    assert mp("str_255")[8:11] == bytes.fromhex("91d9ff")
    assert mp("str_256")[8:12] == bytes.fromhex("91da0100")
    # VarInt of 2 and 3 bytes
    s300 = mp("str_300_varint_2")
    assert s300[:2] == varint(len(s300) - 2) and s300[1] != 0 and s300[0] & 0x80 and not s300[1] & 0x80
    s70k = mp("str_17000_varint_3")
    assert len(varint(len(s70k) - 3)) == 3 and s70k[:3] == varint(len(s70k) - 3)
    assert varint(18) == b"\x12" and varint(300) == b"\xac\x02" and varint(16384) == b"\x80\x80\x01"
    assert varint(127) == b"\x7f" and varint(128) == b"\x80\x01"
    # arrays and maps: fixarray 15 (9f), array16 16 (dc 00 10); fixmap 15 (8f), map16 16 (de 00 10)
    assert bytes.fromhex("9f") in mp("array15_array16") and bytes.fromhex("dc0010") in mp("array15_array16")
    assert bytes.fromhex("8f") in mp("map15_map16") and bytes.fromhex("de0010") in mp("map15_map16")
    # json: control characters below 0x20 as \u00XX lowercase, the five short escapes, / < > & literal
    j = bytes.fromhex(by_name["json_escapes"]["json_hex"])
    assert b"\\u0001\\u001f" in j and b"\\n" in j and b"\\b" in j and b"\\f" in j and b"/" in j
    assert b"<b>&amp;" in j and "\u2028".encode() in j and b"\x7f" in j
    # float 1.0 stays 1.0 and -0.0 stays -0.0 in json
    assert b"[1.5,-0.25,0.1,1.0,3.141592653589793,1234567.875,-0.0]" in bytes.fromhex(
        by_name["floats"]["json_hex"]
    )


# --------------------------------------------------------------------------------------------
# requests.json


def call(
    kind: str,
    hub: str,
    target: str | None,
    method: str | None,
    arguments: list[Any] | None,
    *,
    id: str | None = None,
    exclude: list[str] | None = None,
    key: str | None = None,
    payloads: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "id": id,
        "kind": kind,
        "hub": hub,
        "target": target,
        "method": method,
        "arguments": arguments,
        "payloads": payloads,
        "exclude": exclude,
        "key": key,
    }


def request_cases(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    send = next(p for p in payloads if p["name"] == "strings")
    pj, pm = send["json_hex"], send["messagepack_hex"]
    b64j = base64.b64encode(bytes.fromhex(pj)).decode()
    b64m = base64.b64encode(bytes.fromhex(pm)).decode()
    cases: list[tuple[str, dict[str, Any], str]] = [
        (
            "all_minimal",
            call("all", "chat", None, "newMessage", ["alice", "hi"], id="1"),
            '{"v":1,"id":"1","kind":"all","hub":"chat","method":"newMessage","arguments":["alice","hi"]}',
        ),
        (
            "all_without_id",
            call("all", "chat", None, "newMessage", ["alice", "hi"]),
            '{"v":1,"kind":"all","hub":"chat","method":"newMessage","arguments":["alice","hi"]}',
        ),
        (
            "all_no_arguments",
            call("all", "chat", None, "ping", [], id="2"),
            '{"v":1,"id":"2","kind":"all","hub":"chat","method":"ping","arguments":[]}',
        ),
        (
            "all_exclude_and_key",
            call("all", "chat", None, "newMessage", ["x"], id="3", exclude=["n1.c1", "n2.c2"], key="k-3"),
            '{"v":1,"id":"3","kind":"all","hub":"chat","method":"newMessage","arguments":["x"],'
            '"exclude":["n1.c1","n2.c2"],"key":"k-3"}',
        ),
        (
            "all_empty_exclude_is_left_out",
            call("all", "chat", None, "m", [1], id="4", exclude=[]),
            '{"v":1,"id":"4","kind":"all","hub":"chat","method":"m","arguments":[1]}',
        ),
        (
            "group_unicode",
            call("group", "chat", "salle-\u00e9t\u00e9", "newMessage", ["h\u00e9llo \u65e5\u672c \U0001f600"], id="5"),
            '{"v":1,"id":"5","kind":"group","hub":"chat","group":"salle-\u00e9t\u00e9","method":"newMessage",'
            '"arguments":["h\u00e9llo \u65e5\u672c \U0001f600"]}',
        ),
        (
            "group_exclude_key",
            call("group", "chat", "room-1", "newMessage", ["bob", "hi"], id="6", exclude=["n1.c7"], key="order-4711"),
            '{"v":1,"id":"6","kind":"group","hub":"chat","group":"room-1","method":"newMessage",'
            '"arguments":["bob","hi"],"exclude":["n1.c7"],"key":"order-4711"}',
        ),
        (
            "user",
            call("user", "chat", "u-42", "notify", [{"n": 1, "ok": True}], id="7"),
            '{"v":1,"id":"7","kind":"user","hub":"chat","user":"u-42","method":"notify","arguments":[{"n":1,"ok":true}]}',
        ),
        (
            "user_key",
            call("user", "chat", "\u7528\u6237", "notify", [], id="8", key="\u00e9-1"),
            '{"v":1,"id":"8","kind":"user","hub":"chat","user":"\u7528\u6237","method":"notify","arguments":[],'
            '"key":"\u00e9-1"}',
        ),
        (
            "connection",
            call("connection", "chat", "n1.c7", "ping", [], id="9"),
            '{"v":1,"id":"9","kind":"connection","hub":"chat","connection":"n1.c7","method":"ping","arguments":[]}',
        ),
        (
            "connection_key",
            call("connection", "chat", "n1.c7", "ping", [1], id="10", key="k"),
            '{"v":1,"id":"10","kind":"connection","hub":"chat","connection":"n1.c7","method":"ping",'
            '"arguments":[1],"key":"k"}',
        ),
        (
            "string_escapes",
            call("all", "chat", None, "r\u00e9ponse", ['q" b\\ s/ <b>&', "nl\n cr\r tab\t bs\b ff\f", "c\u0001\u001f d\u007f", "ls\u2028ps\u2029"], id="11"),
            '{"v":1,"id":"11","kind":"all","hub":"chat","method":"r\u00e9ponse","arguments":'
            '["q\\" b\\\\ s/ <b>&","nl\\n cr\\r tab\\t bs\\b ff\\f","c\\u0001\\u001f d\u007f","ls\u2028ps\u2029"]}',
        ),
        (
            "numbers",
            call("all", "chat", None, "nums", [0, -1, 127, 128, -33, 65536, 2**32, -(2**40), 2**64 - 1, 1.5, -0.25, 0.1, 1.0], id="12"),
            '{"v":1,"id":"12","kind":"all","hub":"chat","method":"nums","arguments":'
            "[0,-1,127,128,-33,65536,4294967296,-1099511627776,18446744073709551615,1.5,-0.25,0.1,1.0]}",
        ),
        (
            "nested_values_key_order",
            call("group", "chat", "g", "update", [{"z": 1, "a": [True, False, None], "m": {"k": "v"}}, [[]], {}], id="13"),
            '{"v":1,"id":"13","kind":"group","hub":"chat","group":"g","method":"update","arguments":'
            '[{"z":1,"a":[true,false,null],"m":{"k":"v"}},[[]],{}]}',
        ),
        (
            "payloads_both",
            call("all", "chat", None, None, None, id="14", payloads={"json": pj, "messagepack": pm}),
            '{"v":1,"id":"14","kind":"all","hub":"chat","payloads":{"json":"' + b64j + '","messagepack":"' + b64m + '"}}',
        ),
        (
            "payloads_messagepack_only_group_exclude_key",
            call("group", "chat", "g", None, None, id="15", payloads={"messagepack": pm}, exclude=["n1.c1"], key="p-15"),
            '{"v":1,"id":"15","kind":"group","hub":"chat","group":"g","payloads":{"messagepack":"' + b64m + '"},'
            '"exclude":["n1.c1"],"key":"p-15"}',
        ),
        (
            "payloads_json_only_user",
            call("user", "chat", "u-1", None, None, id="16", payloads={"json": pj}),
            '{"v":1,"id":"16","kind":"user","hub":"chat","user":"u-1","payloads":{"json":"' + b64j + '"}}',
        ),
        (
            "batch",
            {
                "id": "b1",
                "batch": [
                    call("all", "chat", None, "m", [1]),
                    call("group", "chat", "g", "m", [2], exclude=["n1.c1"]),
                    call("user", "chat", "u", "m", [3], key="bk-3"),
                    call("connection", "chat", "n1.c2", None, None, payloads={"json": pj}),
                ],
            },
            '{"v":1,"id":"b1","batch":[{"kind":"all","hub":"chat","method":"m","arguments":[1]},'
            '{"kind":"group","hub":"chat","group":"g","method":"m","arguments":[2],"exclude":["n1.c1"]},'
            '{"kind":"user","hub":"chat","user":"u","method":"m","arguments":[3],"key":"bk-3"},'
            '{"kind":"connection","hub":"chat","connection":"n1.c2","payloads":{"json":"' + b64j + '"}}]}',
        ),
    ]
    out = []
    for name, c, frame in cases:
        computed = encode_call(c)
        assert computed == frame, f"{name}:\n  literal  {frame}\n  computed {computed}"
        out.append({"name": name, "call": c, "frame": frame})
    return out


# --------------------------------------------------------------------------------------------
# replies.json


def reply_cases() -> list[dict[str, Any]]:
    def r(
        name: str,
        frame: str,
        ok: bool,
        code: str | None = None,
        message: str | None = None,
        duplicate: bool = False,
        id: str | None = None,
        results: list[dict[str, Any]] | None = None,
        frame_hex: str | None = None,
    ) -> dict[str, Any]:
        case: dict[str, Any] = {"name": name}
        if frame_hex is not None:
            case["frame_hex"] = frame_hex
        else:
            case["frame"] = frame
        case.update({"ok": ok, "code": code, "message": message, "duplicate": duplicate, "id": id})
        if results is not None:
            case["results"] = results
        return case

    def item(ok: bool, code: str | None = None, message: str | None = None, duplicate: bool = False) -> dict[str, Any]:
        return {"ok": ok, "code": code, "message": message, "duplicate": duplicate}

    msg_kind = 'kind "connection" does not allow "exclude"; send to the connection without it'
    return [
        r("ok", '{"id":"1","ok":true}', True, id="1"),
        r("ok_duplicate", '{"id":"2","ok":true,"duplicate":true}', True, duplicate=True, id="2"),
        r("ok_duplicate_false", '{"id":"2b","ok":true,"duplicate":false}', True, id="2b"),
        r(
            "error_bad_request",
            '{"id":"3","ok":false,"code":"bad_request","message":' + canonical(msg_kind) + "}",
            False, "bad_request", msg_kind, id="3",
        ),
        r(
            "error_bad_json_id_null",
            '{"id":null,"ok":false,"code":"bad_json","message":"request is not valid JSON"}',
            False, "bad_json", "request is not valid JSON",
        ),
        r(
            "error_forbidden_kind",
            '{"id":"gm","ok":false,"code":"forbidden_kind","message":"group management is internal to the mesh"}',
            False, "forbidden_kind", "group management is internal to the mesh", id="gm",
        ),
        r(
            "error_unicode_message",
            '{"id":"\u00e9","ok":false,"code":"unknown_hub","message":"hub \\"caf\u00e9\\" is not declared \U0001f600"}',
            False, "unknown_hub", 'hub "caf\u00e9" is not declared \U0001f600', id="\u00e9",
        ),
        r(
            "error_escaped_unicode_message",
            '{"id":"x","ok":false,"code":"unavailable","message":"caf\\u00e9 \\ud83d\\ude00"}',
            False, "unavailable", "caf\u00e9 \U0001f600", id="x",
        ),
        r("ok_no_id_field", '{"ok":true}', True),
        r(
            "unknown_fields_ignored",
            '{"id":"7","ok":true,"node":"g1","took_us":12,"extra":{"a":[1]}}',
            True, id="7",
        ),
        r(
            "non_canonical_order_and_whitespace",
            '{ "message" : "not joined yet; retry later", "code" : "unavailable", "ok" : false, "id" : "8" }\n',
            False, "unavailable", "not joined yet; retry later", id="8",
        ),
        r(
            "unknown_code_kept",
            '{"id":"9","ok":false,"code":"quota_exceeded","message":"slow down"}',
            False, "quota_exceeded", "slow down", id="9",
        ),
        r("error_without_message", '{"id":"10","ok":false,"code":"internal"}', False, "internal", id="10"),
        r(
            "batch_all_ok",
            '{"id":"b0","ok":true,"results":[{"ok":true},{"ok":true,"duplicate":true}]}',
            True, id="b0", results=[item(True), item(True, duplicate=True)],
        ),
        r(
            "batch_mixed",
            '{"id":"b1","ok":false,"results":[{"ok":true},{"ok":false,"code":"forbidden_kind","message":"no"},'
            '{"ok":true,"duplicate":true},{"ok":false,"code":"bad_request","message":"hub is empty"}]}',
            False, id="b1",
            results=[item(True), item(False, "forbidden_kind", "no"), item(True, duplicate=True),
                     item(False, "bad_request", "hub is empty")],
        ),
        # client-side code bad_reply: the binding writes its own message (not compared)
        r("bad_reply_not_json", "OK", False, "bad_reply"),
        r("bad_reply_empty", "", False, "bad_reply"),
        r("bad_reply_array", "[true]", False, "bad_reply"),
        r("bad_reply_no_ok", '{"id":"11"}', False, "bad_reply", id="11"),
        r("bad_reply_ok_not_bool", '{"id":"12","ok":"true"}', False, "bad_reply", id="12"),
        r("bad_reply_error_without_code", '{"id":"13","ok":false,"message":"?"}', False, "bad_reply", id="13"),
        r("bad_reply_invalid_utf8", "", False, "bad_reply", frame_hex='7b226964223a22ff222c226f6b223a747275657d'),
    ]


# --------------------------------------------------------------------------------------------
# ingress.json

ALL = '{"v":1,"id":"%s","kind":"all","hub":"chat","method":"m","arguments":[1]}'
PJ = base64.b64encode(json_invocation("m", [1])).decode()
PM = base64.b64encode(msgpack_invocation("m", [1])).decode()


def ingress_cases() -> list[dict[str, Any]]:
    ok = {"ok": True}

    def err(code: str, id: str | bool | None = False) -> dict[str, Any]:
        e: dict[str, Any] = {"ok": False, "code": code}
        if id is not False:
            e["id"] = id
        return e

    def c(name: str, frame: str, expect: dict[str, Any], **extra: Any) -> dict[str, Any]:
        case: dict[str, Any] = {"name": name} if "frames" in extra else {"name": name, "frame": frame}
        case.update(extra)
        case["expect"] = expect
        return case

    def h(name: str, frame_hex: str, expect: dict[str, Any], **extra: Any) -> dict[str, Any]:
        case: dict[str, Any] = {"name": name, "frame_hex": frame_hex}
        case.update(extra)
        case["expect"] = expect
        return case

    def g(name: str, spec: dict[str, Any], expect: dict[str, Any]) -> dict[str, Any]:
        case: dict[str, Any] = {"name": name}
        case.update(spec)
        case["expect"] = expect
        return case

    deep = '{"v":1,"id":"deep","kind":"all","hub":"chat","method":"m","arguments":' + "[" * 70 + "]" * 70 + "}"
    depth64 = '{"v":1,"id":"d64","kind":"all","hub":"chat","method":"m","arguments":' + "[" * 63 + "]" * 63 + "}"
    id128 = "i" * 128
    cases = [
        # ---- accepted
        c("all", ALL % "a1", {"ok": True, "id": "a1"}),
        c("all_no_id", '{"v":1,"kind":"all","hub":"chat","method":"m","arguments":[]}', {"ok": True, "id": None}),
        c("all_exclude_key", '{"v":1,"id":"a2","kind":"all","hub":"chat","method":"m","arguments":["x"],"exclude":["n1.c1","n2.c2"],"key":"ingress-a2"}', ok),
        c("all_empty_exclude", '{"v":1,"id":"a3","kind":"all","hub":"chat","method":"m","arguments":[],"exclude":[]}', ok),
        c("group", '{"v":1,"id":"g1","kind":"group","hub":"chat","group":"room-1","method":"m","arguments":[1,"two",{"three":3}]}', ok),
        c("group_exclude_unicode", '{"v":1,"id":"g2","kind":"group","hub":"chat","group":"salle-\u00e9t\u00e9 \U0001f600","method":"m","arguments":["h\u00e9llo"],"exclude":["n1.c1"]}', ok),
        c("user", '{"v":1,"id":"u1","kind":"user","hub":"chat","user":"u-42","method":"notify","arguments":[null,true,1.5]}', ok),
        c("connection", '{"v":1,"id":"c1","kind":"connection","hub":"chat","connection":"n1.c7","method":"ping","arguments":[]}', ok),
        c("payloads_both", '{"v":1,"id":"p1","kind":"all","hub":"chat","payloads":{"json":"' + PJ + '","messagepack":"' + PM + '"}}', ok),
        c("payloads_json_only", '{"v":1,"id":"p2","kind":"user","hub":"chat","user":"u","payloads":{"json":"' + PJ + '"}}', ok),
        c("payloads_messagepack_only", '{"v":1,"id":"p3","kind":"group","hub":"chat","group":"g","payloads":{"messagepack":"' + PM + '"},"exclude":["n1.c1"]}', ok),
        c("payloads_two_messages", '{"v":1,"id":"p4","kind":"all","hub":"chat","payloads":{"json":"' + base64.b64encode(json_invocation("a", []) + json_invocation("b", [])).decode() + '","messagepack":"' + base64.b64encode(msgpack_invocation("a", []) + msgpack_invocation("b", [])).decode() + '"}}', ok),
        c("non_canonical_order_whitespace_escapes", ' { "arguments" : [ "caf\\u00e9" , 1.0 ] , "method" : "m" , "hub" : "chat" , "kind" : "all" , "id" : "nc" , "v" : 1 } ', {"ok": True, "id": "nc"}),
        c("large_integers_in_range", '{"v":1,"id":"li","kind":"all","hub":"chat","method":"m","arguments":[18446744073709551615,-9223372036854775808]}', ok),
        c("id_128_bytes", ALL % id128, {"ok": True, "id": id128}),
        c("id_unicode", ALL % "\u00e9\U0001f600", {"ok": True, "id": "\u00e9\U0001f600"}),
        c("depth_64", depth64, ok),
        c("delimiter_frame_like_req", "", {"ok": True, "id": "req"}, frames=["", ALL % "req"], mode="router"),
        c("stdin_v_optional", '{"id":"nov","kind":"all","hub":"chat","method":"m","arguments":[]}', {"ok": True, "id": "nov"}, mode="stdin"),
        g("size_exactly_limit", {"oversize": MAX_FRAME}, ok),
        c("batch_mixed",
          '{"v":1,"id":"bm","batch":[{"kind":"all","hub":"chat","method":"m","arguments":[1]},'
          '{"kind":"groupmanagement","hub":"chat","group":"g","connection":"n1.c1"},'
          '{"kind":"group","hub":"","group":"g","method":"m","arguments":[]},'
          '{"kind":"user","hub":"chat","user":"u","method":"m","arguments":[2]},'
          '{"v":1,"kind":"all","hub":"chat","method":"m","arguments":[]},'
          '"not an object",'
          '{"kind":"broadcast","hub":"chat","method":"m","arguments":[]}]}',
          {"ok": False, "id": "bm", "results": [
              {"ok": True}, {"ok": False, "code": "forbidden_kind"}, {"ok": False, "code": "bad_request"},
              {"ok": True}, {"ok": False, "code": "bad_request"}, {"ok": False, "code": "bad_request"},
              {"ok": False, "code": "unknown_kind"}]}),
        c("batch_all_ok", '{"v":1,"id":"bo","batch":[{"kind":"all","hub":"chat","method":"m","arguments":[]}]}',
          {"ok": True, "id": "bo", "results": [{"ok": True}]}),
        g("batch_of_1000", {"batch_of": MAX_BATCH}, {"ok": True}),
        # ---- idempotency (the "before" frames are sent first and must be answered ok)
        c("duplicate_key", '{"v":1,"id":"dup2","kind":"all","hub":"chat","method":"m","arguments":[2],"key":"ingress-dup-1"}',
          {"ok": True, "id": "dup2", "duplicate": True},
          before=['{"v":1,"id":"dup1","kind":"all","hub":"chat","method":"m","arguments":[1],"key":"ingress-dup-1"}']),
        c("duplicate_key_inside_batch",
          '{"v":1,"id":"dupb","batch":[{"kind":"all","hub":"chat","method":"m","arguments":[1],"key":"ingress-dup-2"},'
          '{"kind":"all","hub":"chat","method":"m","arguments":[1],"key":"ingress-dup-2"}]}',
          {"ok": True, "id": "dupb", "results": [{"ok": True}, {"ok": True, "duplicate": True}]}),
        c("failed_request_records_no_key", '{"v":1,"id":"fk2","kind":"all","hub":"chat","method":"m","arguments":[],"key":"ingress-dup-3"}',
          {"ok": True, "id": "fk2", "duplicate": False},
          before_errors=['{"v":1,"id":"fk1","kind":"all","hub":"","method":"m","arguments":[],"key":"ingress-dup-3"}']),
        c("bad_request_with_known_key", '{"v":1,"id":"bk2","kind":"all","hub":"chat","method":"m","key":"ingress-dup-4"}',
          err("bad_request", "bk2"),
          before=['{"v":1,"id":"bk1","kind":"all","hub":"chat","method":"m","arguments":[],"key":"ingress-dup-4"}']),
        # ---- declared hub list
        c("declared_hub_ok", ALL % "dh1", ok, hubs=["chat"]),
        c("unknown_hub", '{"v":1,"id":"dh2","kind":"all","hub":"lobby","method":"m","arguments":[]}', err("unknown_hub", "dh2"), hubs=["chat"]),
        # ---- bad_json
        c("not_json", "hello", err("bad_json", None)),
        c("empty_frame", "", err("bad_json", None)),
        c("whitespace_only", "   ", err("bad_json", None)),
        c("truncated", '{"v":1,"id":"t","kind":"all","hub":"chat","method":"m","argum', err("bad_json", None)),
        c("json_array", "[1,2]", err("bad_json", None)),
        c("json_string", '"all"', err("bad_json", None)),
        c("json_null", "null", err("bad_json", None)),
        c("trailing_garbage", (ALL % "tg") + "x", err("bad_json", None)),
        c("two_objects", (ALL % "t1") + (ALL % "t2"), err("bad_json", None)),
        c("single_quotes", "{'v':1}", err("bad_json", None)),
        c("trailing_comma", '{"v":1,"id":"tc","kind":"all","hub":"chat","method":"m","arguments":[1,],}', err("bad_json", None)),
        c("nan_literal", '{"v":1,"id":"nan","kind":"all","hub":"chat","method":"m","arguments":[NaN]}', err("bad_json", None)),
        c("lone_surrogate_escape", '{"v":1,"id":"ls","kind":"all","hub":"chat","method":"m","arguments":["\\ud800"]}', err("bad_json", None)),
        c("nesting_70_levels", deep, err("bad_json", None)),
        h("invalid_utf8", (b'{"v":1,"id":"u8","kind":"all","hub":"chat","method":"m","arguments":["\xff\xfe"]}').hex(), err("bad_json", None)),
        h("overlong_utf8", (b'{"v":1,"id":"ol","kind":"all","hub":"chat","method":"m","arguments":["\xc0\xaf"]}').hex(), err("bad_json", None)),
        h("utf8_encoded_surrogate", (b'{"v":1,"id":"es","kind":"all","hub":"chat","method":"m","arguments":["\xed\xa0\x80"]}').hex(), err("bad_json", None)),
        h("utf8_bom", (b"\xef\xbb\xbf" + (ALL % "bom").encode()).hex(), err("bad_json", None)),
        h("raw_nul_in_string", (b'{"v":1,"id":"rn","kind":"group","hub":"chat","group":"a\x00b","method":"m","arguments":[]}').hex(), err("bad_json", None)),
        h("raw_newline_in_string", (b'{"v":1,"id":"rl","kind":"all","hub":"chat","method":"m","arguments":["a\nb"]}').hex(), err("bad_json", None), mode="router"),
        # ---- unsupported_version
        c("missing_v", '{"id":"mv","kind":"all","hub":"chat","method":"m","arguments":[]}', err("unsupported_version", "mv"), mode="router"),
        c("v_2", '{"v":2,"id":"v2","kind":"all","hub":"chat","method":"m","arguments":[]}', err("unsupported_version", "v2")),
        c("v_0", '{"v":0,"id":"v0","kind":"all","hub":"chat","method":"m","arguments":[]}', err("unsupported_version", "v0")),
        c("v_string", '{"v":"1","id":"vs","kind":"all","hub":"chat","method":"m","arguments":[]}', err("unsupported_version", "vs")),
        c("v_float", '{"v":1.0,"id":"vf","kind":"all","hub":"chat","method":"m","arguments":[]}', err("unsupported_version", "vf")),
        c("v_null", '{"v":null,"id":"vn","kind":"all","hub":"chat","method":"m","arguments":[]}', err("unsupported_version", "vn")),
        c("v_2_wins_over_bad_kind", '{"v":2,"id":"vk","kind":"groupmanagement"}', err("unsupported_version", "vk")),
        # ---- kinds
        c("unknown_kind", '{"v":1,"id":"uk","kind":"broadcast","hub":"chat","method":"m","arguments":[]}', err("unknown_kind", "uk")),
        c("kind_case_sensitive", '{"v":1,"id":"kc","kind":"All","hub":"chat","method":"m","arguments":[]}', err("unknown_kind", "kc")),
        c("groupmanagement", '{"v":1,"id":"gm1","kind":"groupmanagement","hub":"chat","group":"g","connection":"n1.c1"}', err("forbidden_kind", "gm1")),
        c("GroupManagement", '{"v":1,"id":"gm2","kind":"GroupManagement","hub":"chat","group":"g","connection":"n1.c1","action":1}', err("forbidden_kind", "gm2")),
        c("GROUPMANAGEMENT_method_shape", '{"v":1,"id":"gm3","kind":"GROUPMANAGEMENT","hub":"chat","method":"m","arguments":[]}', err("forbidden_kind", "gm3")),
        c("ack_kind", '{"v":1,"id":"ak","kind":"Ack","hub":"chat"}', err("forbidden_kind", "ak")),
        c("heartbeat_kind", '{"v":1,"id":"hb","kind":"heartbeat"}', err("forbidden_kind", "hb")),
        c("kind_missing", '{"v":1,"id":"km","hub":"chat","method":"m","arguments":[]}', err("bad_request", "km")),
        c("kind_empty", '{"v":1,"id":"ke","kind":"","hub":"chat","method":"m","arguments":[]}', err("bad_request", "ke")),
        c("kind_not_string", '{"v":1,"id":"kn","kind":1,"hub":"chat","method":"m","arguments":[]}', err("bad_request", "kn")),
        # ---- bad_request: fields
        c("hub_empty", '{"v":1,"id":"he","kind":"all","hub":"","method":"m","arguments":[]}', err("bad_request", "he")),
        c("hub_missing", '{"v":1,"id":"hm","kind":"all","method":"m","arguments":[]}', err("bad_request", "hm")),
        c("hub_not_string", '{"v":1,"id":"hn","kind":"all","hub":["chat"],"method":"m","arguments":[]}', err("bad_request", "hn")),
        c("hub_nul", '{"v":1,"id":"hz","kind":"all","hub":"ch\\u0000at","method":"m","arguments":[]}', err("bad_request", "hz")),
        c("group_missing", '{"v":1,"id":"gmi","kind":"group","hub":"chat","method":"m","arguments":[]}', err("bad_request", "gmi")),
        c("group_empty", '{"v":1,"id":"gem","kind":"group","hub":"chat","group":"","method":"m","arguments":[]}', err("bad_request", "gem")),
        c("group_nul", '{"v":1,"id":"gz","kind":"group","hub":"chat","group":"room\\u00001","method":"m","arguments":[]}', err("bad_request", "gz")),
        c("group_not_string", '{"v":1,"id":"gn","kind":"group","hub":"chat","group":7,"method":"m","arguments":[]}', err("bad_request", "gn")),
        c("user_missing", '{"v":1,"id":"um","kind":"user","hub":"chat","method":"m","arguments":[]}', err("bad_request", "um")),
        c("connection_missing", '{"v":1,"id":"cm","kind":"connection","hub":"chat","method":"m","arguments":[]}', err("bad_request", "cm")),
        c("target_field_wrong_kind", '{"v":1,"id":"tw","kind":"user","hub":"chat","group":"g","method":"m","arguments":[]}', err("bad_request", "tw")),
        c("target_field_on_all", '{"v":1,"id":"ta","kind":"all","hub":"chat","group":"g","method":"m","arguments":[]}', err("bad_request", "ta")),
        c("two_target_fields", '{"v":1,"id":"tt","kind":"user","hub":"chat","user":"u","connection":"n1.c1","method":"m","arguments":[]}', err("bad_request", "tt")),
        c("exclude_on_connection", '{"v":1,"id":"ec","kind":"connection","hub":"chat","connection":"n1.c1","method":"m","arguments":[],"exclude":["n1.c2"]}', err("bad_request", "ec")),
        c("exclude_on_user", '{"v":1,"id":"eu","kind":"user","hub":"chat","user":"u","method":"m","arguments":[],"exclude":["n1.c2"]}', err("bad_request", "eu")),
        c("empty_exclude_on_user", '{"v":1,"id":"eue","kind":"user","hub":"chat","user":"u","method":"m","arguments":[],"exclude":[]}', err("bad_request", "eue")),
        c("exclude_not_array", '{"v":1,"id":"en","kind":"all","hub":"chat","method":"m","arguments":[],"exclude":"n1.c1"}', err("bad_request", "en")),
        c("exclude_item_not_string", '{"v":1,"id":"ei","kind":"all","hub":"chat","method":"m","arguments":[],"exclude":[1]}', err("bad_request", "ei")),
        c("exclude_item_empty", '{"v":1,"id":"ee","kind":"group","hub":"chat","group":"g","method":"m","arguments":[],"exclude":[""]}', err("bad_request", "ee")),
        c("method_and_payloads", '{"v":1,"id":"mp","kind":"all","hub":"chat","method":"m","arguments":[],"payloads":{"json":"' + PJ + '"}}', err("bad_request", "mp")),
        c("neither_method_nor_payloads", '{"v":1,"id":"nm","kind":"all","hub":"chat"}', err("bad_request", "nm")),
        c("method_without_arguments", '{"v":1,"id":"mwa","kind":"all","hub":"chat","method":"m"}', err("bad_request", "mwa")),
        c("arguments_without_method", '{"v":1,"id":"awm","kind":"all","hub":"chat","arguments":[]}', err("bad_request", "awm")),
        c("arguments_object", '{"v":1,"id":"ao","kind":"all","hub":"chat","method":"m","arguments":{"a":1}}', err("bad_request", "ao")),
        c("arguments_string", '{"v":1,"id":"as","kind":"all","hub":"chat","method":"m","arguments":"[1]"}', err("bad_request", "as")),
        c("arguments_null", '{"v":1,"id":"an","kind":"all","hub":"chat","method":"m","arguments":null}', err("bad_request", "an")),
        c("method_empty", '{"v":1,"id":"me","kind":"all","hub":"chat","method":"","arguments":[]}', err("bad_request", "me")),
        c("method_not_string", '{"v":1,"id":"mn","kind":"all","hub":"chat","method":5,"arguments":[]}', err("bad_request", "mn")),
        c("method_nul", '{"v":1,"id":"mz","kind":"all","hub":"chat","method":"m\\u0000","arguments":[]}', err("bad_request", "mz")),
        c("integer_too_large", '{"v":1,"id":"ib","kind":"all","hub":"chat","method":"m","arguments":[18446744073709551616]}', err("bad_request", "ib")),
        c("integer_too_small", '{"v":1,"id":"is","kind":"all","hub":"chat","method":"m","arguments":[-9223372036854775809]}', err("bad_request", "is")),
        c("duplicate_key_in_argument_object", '{"v":1,"id":"dk","kind":"all","hub":"chat","method":"m","arguments":[{"a":1,"a":2}]}', err("bad_request", "dk")),
        c("payloads_empty_object", '{"v":1,"id":"pe","kind":"all","hub":"chat","payloads":{}}', err("bad_request", "pe")),
        c("payloads_unknown_protocol", '{"v":1,"id":"pu","kind":"all","hub":"chat","payloads":{"json":"' + PJ + '","protobuf":"AA=="}}', err("bad_request", "pu")),
        c("payloads_not_base64", '{"v":1,"id":"pb","kind":"all","hub":"chat","payloads":{"json":"not base64!"}}', err("bad_request", "pb")),
        c("payloads_empty_bytes", '{"v":1,"id":"pz","kind":"all","hub":"chat","payloads":{"json":""}}', err("bad_request", "pz")),
        c("payloads_json_without_record_separator", '{"v":1,"id":"pr","kind":"all","hub":"chat","payloads":{"json":"' + base64.b64encode(b'{"type":1,"target":"m","arguments":[]}').decode() + '"}}', err("bad_request", "pr")),
        c("payloads_messagepack_length_mismatch", '{"v":1,"id":"pl","kind":"all","hub":"chat","payloads":{"messagepack":"' + base64.b64encode(b"\x20" + msgpack_invocation("m", [1])[1:]).decode() + '"}}', err("bad_request", "pl")),
        c("payloads_not_string", '{"v":1,"id":"ps","kind":"all","hub":"chat","payloads":{"json":[1]}}', err("bad_request", "ps")),
        c("payloads_not_object", '{"v":1,"id":"po","kind":"all","hub":"chat","payloads":"' + PJ + '"}', err("bad_request", "po")),
        c("id_too_long", ALL % ("i" * 129), err("bad_request", None)),
        c("id_too_long_multibyte", ALL % ("\u00e9" * 65), err("bad_request", None)),
        c("id_empty", ALL % "", err("bad_request", None)),
        c("id_number", '{"v":1,"id":7,"kind":"all","hub":"chat","method":"m","arguments":[]}', err("bad_request", None)),
        c("key_too_long", '{"v":1,"id":"kl","kind":"all","hub":"chat","method":"m","arguments":[],"key":"' + "k" * 129 + '"}', err("bad_request", "kl")),
        c("key_empty", '{"v":1,"id":"kem","kind":"all","hub":"chat","method":"m","arguments":[],"key":""}', err("bad_request", "kem")),
        c("key_not_string", '{"v":1,"id":"kns","kind":"all","hub":"chat","method":"m","arguments":[],"key":42}', err("bad_request", "kns")),
        c("unknown_field", '{"v":1,"id":"uf","kind":"all","hub":"chat","method":"m","arguments":[],"exlude":["n1.c1"]}', err("bad_request", "uf")),
        c("duplicate_field", '{"v":1,"id":"df","kind":"all","hub":"chat","kind":"all","method":"m","arguments":[]}', err("bad_request", "df")),
        c("frames_two_nonempty", "", err("bad_request", None), frames=[ALL % "f1", ALL % "f2"], mode="router"),
        c("frames_three", "", err("bad_request", None), frames=["", "", ALL % "f3"], mode="router"),
        # ---- batches
        c("batch_empty", '{"v":1,"id":"be","batch":[]}', err("bad_request", "be")),
        c("batch_not_array", '{"v":1,"id":"bn","batch":{"kind":"all"}}', err("bad_request", "bn")),
        c("batch_with_kind_beside", '{"v":1,"id":"bk","kind":"all","batch":[{"kind":"all","hub":"chat","method":"m","arguments":[]}]}', err("bad_request", "bk")),
        c("batch_with_key_beside", '{"v":1,"id":"bky","batch":[{"kind":"all","hub":"chat","method":"m","arguments":[]}],"key":"k"}', err("bad_request", "bky")),
        c("batch_missing_v", '{"id":"bv","batch":[{"kind":"all","hub":"chat","method":"m","arguments":[]}]}', err("unsupported_version", "bv"), mode="router"),
        c("batch_item_with_id", '{"v":1,"id":"bi","batch":[{"id":"x","kind":"all","hub":"chat","method":"m","arguments":[]}]}',
          {"ok": False, "id": "bi", "results": [{"ok": False, "code": "bad_request"}]}),
        # ---- too_large
        g("oversize_70000", {"oversize": 70000}, err("too_large", None)),
        g("oversize_one_byte_over", {"oversize": MAX_FRAME + 1}, err("too_large", None)),
        g("batch_of_1001", {"batch_of": MAX_BATCH + 1}, err("too_large", "batch")),
    ]
    names = [x["name"] for x in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    # every frame that is a frame must be a single line for pipeline mode unless router-only
    for x in cases:
        if "frame" in x and x.get("mode") != "router":
            assert "\n" not in x["frame"], x["name"]
    return cases


def oversize_frame(n: int) -> bytes:
    head = b'{"v":1,"id":"oversize","kind":"all","hub":"chat","method":"m","arguments":["'
    tail = b'"]}'
    return head + b"x" * (n - len(head) - len(tail)) + tail


def batch_frame(n: int) -> bytes:
    item = b'{"kind":"all","hub":"chat","method":"m","arguments":[]}'
    return b'{"v":1,"id":"batch","batch":[' + b",".join([item] * n) + b"]}"


# --------------------------------------------------------------------------------------------


def document(description: str, generators: dict[str, str] | None, cases: list[dict[str, Any]]) -> str:
    doc: dict[str, Any] = {"description": description, "protocol": "docs/gateway-protocol.md", "version": 1}
    if generators:
        doc["generators"] = generators
    # one case per line: diff-friendly, and every file stays ASCII-only (\u escapes)
    lines = ["{"]
    for key, value in doc.items():
        lines.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=True)},")
    lines.append(' "cases": [')
    rows = [json.dumps(case, ensure_ascii=True, separators=(", ", ": ")) for case in cases]
    lines.extend("  " + row + ("," if i < len(rows) - 1 else "") for i, row in enumerate(rows))
    lines.append(" ]")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    assert json.loads(text)["cases"] == json.loads(json.dumps(cases))
    return text


def build() -> dict[str, str]:
    payloads = payload_cases()
    check_payloads_by_hand(payloads)
    assert len(oversize_frame(70000)) == 70000 and json.loads(oversize_frame(MAX_FRAME))
    assert len(oversize_frame(MAX_FRAME)) == MAX_FRAME
    assert len(batch_frame(MAX_BATCH)) <= MAX_FRAME and len(batch_frame(MAX_BATCH + 1)) <= MAX_FRAME
    return {
        "payloads.json": document(
            "Exact framed SignalR Invocation bytes the gateway builds from method + arguments "
            "(doc section 7). json_hex: JSON text + 0x1E. messagepack_hex: VarInt length + "
            "msgpack [1, {}, nil, method, arguments, []].",
            None,
            payloads,
        ),
        "requests.json": document(
            "What a client library MUST emit byte for byte (doc section 2.2). frame is a string; "
            "its bytes are its UTF-8 encoding. call.target is the connection id / group / user "
            "(null for kind all); call.payloads maps protocol -> hex of the payload bytes (the "
            "frame carries base64); null fields are not given; an empty exclude list is left out. "
            "A call with 'batch' is a batch request: call.id plus a list of item calls.",
            None,
            request_cases(payloads),
        ),
        "replies.json": document(
            "How a client library MUST interpret reply frames (doc section 4). frame is a string "
            "(bytes = UTF-8) or frame_hex. ok/code/message/duplicate/id are the interpretation; "
            "results (batches) lists the items' ok/code/message/duplicate. Code bad_reply is "
            "client-side: for it the binding's own message is not compared.",
            None,
            reply_cases(),
        ),
        "ingress.json": document(
            "What the gateway MUST answer (doc sections 2-6). The request is one of: frame "
            "(string, bytes = UTF-8), frame_hex, frames (a multi-frame ZeroMQ message, list of "
            "strings), or a generator (see generators). expect lists the reply fields to "
            "compare: ok, code, id (when present, null included), duplicate (when present), "
            "results (per item, same rules). mode: 'router' = only over the ZeroMQ ingress, "
            "'stdin' = only in pipeline mode, absent = both. before: frames sent first on the "
            "same connection, each must be answered ok:true. before_errors: frames sent first, "
            "each must be answered ok:false. hubs: start the gateway with these --hub names for "
            "this case (otherwise with no hub list). Keys (ingress-dup-*) are unique to their "
            "case; run the ingress vectors against a fresh gateway.",
            {
                "oversize": "N -> the frame '{\"v\":1,\"id\":\"oversize\",\"kind\":\"all\",\"hub\":"
                "\"chat\",\"method\":\"m\",\"arguments\":[\"' + 'x' * k + '\"]}' with k chosen so "
                "the frame is exactly N bytes long",
                "batch_of": "N -> the frame '{\"v\":1,\"id\":\"batch\",\"batch\":[' + ITEM joined "
                "N times with ',' + ']}' where ITEM is '{\"kind\":\"all\",\"hub\":\"chat\",\"method\":"
                "\"m\",\"arguments\":[]}'",
            },
            ingress_cases(),
        ),
    }


def main() -> int:
    check = "--check" in sys.argv[1:]
    stale = []
    for name, text in build().items():
        path = HERE / name
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path} ({len(text)} bytes)")
    if stale:
        print("stale vectors (run generate.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    if check:
        print("vectors are current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
