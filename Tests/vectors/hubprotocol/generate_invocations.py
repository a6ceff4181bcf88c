"""Generates invocations.json: golden bytes for HubProtocolCodec.encodeInvocation(target:argumentsJSON:).

The bytes come from independent implementations (Python's json module and the `msgpack` package),
not from the Swift code they check. Run: python3 generate_invocations.py (needs `pip install msgpack`).
"""

import json
import pathlib

import msgpack

CASES = [
    ("spec example", "Send", '[42,"Test Message"]'),
    ("nested values and inner whitespace", "ReceiveMessage",
     '["alice", "hello \\"world\\"\\n", {"nested": [1, 2.5, -3, true, false, null], "empty": {}, "list": []}]'),
    ("integer and float boundaries", "numbers",
     "[0,-1,127,128,-32,-33,-128,-129,255,256,65535,65536,-32768,-32769,4294967295,4294967296,"
     "9223372036854775807,-9223372036854775808,18446744073709551615,1.0,0.1,-0.0,-0,1e300,1E-7,2.5e+3]"),
    ("escapes and non-ASCII text", "unicode", '["\\u00e9\\u20ac\\ud83d\\ude00", "é€😀", "tab\\tnul\\u0000\\/"]'),
    ("no arguments", "empty", "[]"),
    ("surrounding whitespace is dropped", "trim", " \n [ 1 , 2 ] \t "),
    ("target that needs escaping", 'ta"rget\\\n\u0001', "[null]"),
    ("16-plus elements and long strings", "big",
     json.dumps([list(range(20)), {f"k{i}": i for i in range(17)}, "x" * 40, "y" * 300], separators=(",", ":"))),
]


def json_invocation(target: str, arguments: str) -> bytes:
    head = '{"type":1,"target":' + json.dumps(target, ensure_ascii=False) + ',"arguments":'
    return head.encode() + arguments.strip(" \t\r\n").encode() + b"}\x1e"


def varint(length: int) -> bytes:
    out = bytearray()
    while length >= 0x80:
        out.append((length & 0x7F) | 0x80)
        length >>= 7
    out.append(length)
    return bytes(out)


def messagepack_invocation(target: str, arguments: str) -> bytes:
    body = msgpack.packb([1, {}, None, target, json.loads(arguments), []], use_bin_type=True)
    return varint(len(body)) + body


def main() -> None:
    vectors = [
        {
            "name": name,
            "target": target,
            "argumentsJSON": arguments,
            "json": json_invocation(target, arguments).hex(),
            "messagepack": messagepack_invocation(target, arguments).hex(),
        }
        for name, target, arguments in CASES
    ]
    path = pathlib.Path(__file__).with_name("invocations.json")
    path.write_text(json.dumps(vectors, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
