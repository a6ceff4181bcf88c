"""The golden vectors of Tests/vectors/gateway, checked against the binding's pure functions."""

from __future__ import annotations

import base64
import json
from typing import Any

import msgpack
import pytest

import hubmesh
from conftest import case_frames, check_expect, load_cases, load_generators, ok_reply, reply_frame
from hubmesh import Request, decode_reply, encode_batch, encode_request

REQUESTS = load_cases("requests.json")
REPLIES = load_cases("replies.json")
PAYLOADS = load_cases("payloads.json")
INGRESS = load_cases("ingress.json")


def names(cases: list[dict[str, Any]]) -> list[str]:
    return [c["name"] for c in cases]


def as_request(call: dict[str, Any]) -> Request:
    payloads = call.get("payloads")
    return Request(
        call["kind"],
        call["hub"],
        call.get("target"),
        call.get("method"),
        call.get("arguments") or (),
        {k: bytes.fromhex(v) for k, v in payloads.items()} if payloads is not None else None,
        call.get("exclude"),
        call.get("key"),
    )


def encode_as_request(r: Request, id: str) -> bytes:
    """The frame encode_request makes for `r` with this id (what publish_many must send)."""
    return encode_request(
        r.kind,
        r.hub,
        r.target,
        r.method,
        r.arguments if r.method is not None else None,
        payloads=r.payloads,
        exclude=r.exclude,
        key=r.key,
        id=id,
    )


# -- requests.json


@pytest.mark.parametrize("case", REQUESTS, ids=names(REQUESTS))
def test_request_frame_is_byte_exact(case: dict[str, Any]) -> None:
    call = case["call"]
    expected = case["frame"].encode("utf-8")
    if "batch" in call:
        frame = encode_batch([as_request(item) for item in call["batch"]], id=call["id"])
    else:
        frame = encode_as_request(as_request(call), call["id"])
    assert frame == expected


def test_requests_cover_every_kind_and_option() -> None:
    calls = [c["call"] for c in REQUESTS if "batch" not in c["call"]]
    assert {c["kind"] for c in calls} == set(hubmesh.KINDS)
    assert any(c["exclude"] for c in calls) and any(c["key"] for c in calls) and any(c["payloads"] for c in calls)
    assert any(any(ord(ch) > 0xFFFF for ch in c["frame"]) for c in REQUESTS)  # non-BMP text


# -- replies.json


def interpretation(result: hubmesh.Result) -> dict[str, Any]:
    return {"ok": result.ok, "code": result.code, "message": result.message, "duplicate": result.duplicate}


@pytest.mark.parametrize("case", REPLIES, ids=names(REPLIES))
def test_reply_is_interpreted(case: dict[str, Any]) -> None:
    result = decode_reply(reply_frame(case))
    assert result.ok is case["ok"]
    assert result.code == case["code"]
    assert result.duplicate is case["duplicate"]
    assert result.id == case["id"]
    if case["code"] != "bad_reply":
        assert result.message == case["message"]
    if "results" in case:
        assert result.results is not None
        assert [interpretation(r) for r in result.results] == case["results"]
    else:
        assert result.results is None


def test_raise_for_error_carries_code_message_id() -> None:
    case = next(c for c in REPLIES if c["name"] == "error_bad_request")
    with pytest.raises(hubmesh.PublishError) as info:
        decode_reply(reply_frame(case)).raise_for_error()
    assert (info.value.code, info.value.message, info.value.id) == ("bad_request", case["message"], "3")


# -- payloads.json


def same(a: Any, b: Any) -> bool:
    """Equality that also tells 1 from 1.0 from True, -0.0 from 0.0, and checks map key order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a.hex() == float.hex(b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    equal: bool = a == b
    return equal


def read_varint(data: bytes) -> tuple[int, int]:
    value = shift = i = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


@pytest.mark.parametrize("case", PAYLOADS, ids=names(PAYLOADS))
def test_messagepack_payload_layout(case: dict[str, Any]) -> None:
    data = bytes.fromhex(case["messagepack_hex"])
    length, used = read_varint(data)
    assert used + length == len(data), "VarInt prefix must cover the message exactly"
    assert used == 1 or data[used - 2] & 0x80  # minimal VarInt: no needless continuation bytes
    body = data[used:]
    message = msgpack.unpackb(body, raw=False, strict_map_key=True)
    assert same(message, [1, {}, None, case["method"], case["arguments"], []])
    assert body[:4] == bytes([0x96, 0x01, 0x80, 0xC0])  # array(6), Invocation, headers {}, id nil
    assert body[-1] == 0x90  # no stream ids
    assert msgpack.packb(message, use_bin_type=True) == body  # smallest forms, str not bin, float64


@pytest.mark.parametrize("case", PAYLOADS, ids=names(PAYLOADS))
def test_json_payload_layout(case: dict[str, Any]) -> None:
    data = bytes.fromhex(case["json_hex"])
    assert data.endswith(b"\x1e") and data.count(b"\x1e") == 1
    text = data[:-1].decode("utf-8")
    expected = {"type": 1, "target": case["method"], "arguments": case["arguments"]}
    assert same(json.loads(text), expected)
    canonical = json.dumps(expected, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    assert text == canonical


def test_payload_cases_cover_the_spec() -> None:
    by_name = {c["name"]: c for c in PAYLOADS}
    ints = by_name["ints"]["arguments"]
    for value in (0, 127, 128, -1, -33, 65536, 2**32, -(2**40)):
        assert value in ints
    assert any(len(bytes.fromhex(c["messagepack_hex"])) > 16384 for c in PAYLOADS)  # 3-byte VarInt
    mp = bytes.fromhex(by_name["ints"]["messagepack_hex"])
    for hand in ("cc80", "d0df", "ce00010000", "cf0000000100000000", "d3ffffff0000000000"):
        assert bytes.fromhex(hand) in mp


def test_doc_worked_example() -> None:
    """docs/gateway-protocol.md section 7.3, byte for byte."""
    mp = bytes.fromhex("12960180c0a473656e6492a5616c6963650190")
    assert msgpack.unpackb(mp[1:]) == [1, {}, None, "send", ["alice", 1], []]
    js = b'{"type":1,"target":"send","arguments":["alice",1]}\x1e'
    frame = encode_request("all", "chat", None, payloads={"json": js, "messagepack": mp})
    assert frame == (
        b'{"v":1,"kind":"all","hub":"chat","payloads":{"json":"eyJ0eXBlIjoxLCJ0YXJnZXQiOiJzZW5kIiwiYXJndW1lbnRzIjpb'
        b'ImFsaWNlIiwxXX0e","messagepack":"EpYBgMCkc2VuZJKlYWxpY2UBkA=="}}'
    )


@pytest.mark.parametrize("case", PAYLOADS[:3], ids=names(PAYLOADS[:3]))
def test_payloads_travel_as_base64(case: dict[str, Any]) -> None:
    j, m = bytes.fromhex(case["json_hex"]), bytes.fromhex(case["messagepack_hex"])
    obj = json.loads(encode_request("group", "chat", "g", payloads={"messagepack": m, "json": j}))
    assert list(obj["payloads"]) == ["json", "messagepack"]  # canonical key order
    assert base64.b64decode(obj["payloads"]["json"], validate=True) == j
    assert base64.b64decode(obj["payloads"]["messagepack"], validate=True) == m


# -- ingress.json: the vectors are consistent with the executable model of the protocol


@pytest.mark.parametrize("case", INGRESS, ids=names(INGRESS))
def test_ingress_vector_against_model(case: dict[str, Any]) -> None:
    import fake_gateway

    modes = [case["mode"]] if "mode" in case else ["router", "stdin"]
    for mode in modes:
        if mode == "stdin" and ("frames" in case or b"\n" in case_frames(case)[0]):
            continue
        gateway = fake_gateway.Gateway(case.get("hubs", []), 65536, stdin=mode == "stdin")
        for before in case.get("before", []):
            assert gateway.handle(before.encode())["ok"] is True
        for before in case.get("before_errors", []):
            assert gateway.handle(before.encode())["ok"] is False
        frames = case_frames(case)
        reply_frames = fake_gateway.answer(gateway, frames)
        if len(frames) == 2 and frames[0] == b"" and len(reply_frames) == 2:
            assert reply_frames[0] == b""
        reply = json.loads(reply_frames[-1])
        check_expect(reply, case["expect"], f"{case['name']} ({mode})")


def test_ingress_generators_match_the_file() -> None:
    generators = load_generators()
    assert "oversize" in generators and "batch_of" in generators
    for case in INGRESS:
        if "oversize" in case:
            assert len(case_frames(case)[0]) == case["oversize"]
            json.loads(case_frames(case)[0])


def test_ingress_covers_every_error_code() -> None:
    codes = {c["expect"].get("code") for c in INGRESS}
    for code in ("bad_json", "unsupported_version", "bad_request", "unknown_kind", "forbidden_kind", "too_large"):
        assert code in codes
    assert "unknown_hub" in codes


# -- local encoding errors


def test_encode_request_refuses_what_it_cannot_express() -> None:
    with pytest.raises(ValueError, match="either"):
        encode_request("all", "chat")
    with pytest.raises(ValueError, match="not both"):
        encode_request("all", "chat", None, "m", [], payloads={"json": b"{}\x1e"})
    with pytest.raises(ValueError, match="needs a target"):
        encode_request("group", "chat", None, "m", [])
    with pytest.raises(ValueError, match="no target"):
        encode_request("all", "chat", "x", "m", [])
    with pytest.raises(ValueError):
        encode_request("all", "chat", None, "m", [float("nan")])
    with pytest.raises(ValueError):
        encode_request("all", "chat", None, "m", ["\ud800"])
    with pytest.raises(TypeError):
        encode_request("all", "chat", None, "m", [object()])


def test_encode_request_leaves_policy_to_the_gateway() -> None:
    frame = encode_request("groupmanagement", "chat", None, payloads={"json": b"{}\x1e"})
    assert json.loads(frame)["kind"] == "groupmanagement"


def test_decode_reply_never_raises() -> None:
    frames = [b"", b"\xff", b"{", b"null", b"[]", b'{"ok":1}', b'{"ok":false,"code":7}', b'{"ok":true,"results":[1]}']
    for frame in frames:
        result = decode_reply(frame)
        assert isinstance(result, hubmesh.Result)
    assert decode_reply(b'{"ok":true,"results":[1]}').results == (decode_reply(b"1"),)


def test_publish_many_sends_the_vector_frames(scripted: Any) -> None:
    """publish_many's own encoder (cached formats, chunked sends) emits the vectors' bytes."""
    cases = [c for c in REQUESTS if "batch" not in c["call"]]
    requests = [as_request(c["call"]) for c in cases]
    gw = scripted(ok_reply)
    with hubmesh.Publisher(gw.endpoint, timeout=10) as p:
        results = p.publish_many(requests * 3)  # repeats exercise the cached formats
    assert len(results) == 3 * len(cases) and all(r.ok for r in results)
    assert len(gw.received) == 3 * len(cases)
    for i, frame in enumerate(gw.received):
        r = requests[i % len(cases)]
        sent_id = json.loads(frame)["id"]
        expected = encode_as_request(r, sent_id)
        assert frame == expected, cases[i % len(cases)]["name"]


def test_cached_request_format_keeps_percent_signs() -> None:
    from hubmesh._protocol import _frame_for

    r = Request("group", "h%d", "g%s%%", "m%b", ["50%"])
    for _ in range(2):  # built, then cached
        assert _frame_for(r, "7") == encode_request(*r[:5], id="7")
