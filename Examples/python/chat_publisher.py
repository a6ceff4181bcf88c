#!/usr/bin/env python3
"""Push ReceiveMessage("pybot", text) to a chat room (a hub group) through the HubMesh gateway."""

from __future__ import annotations

import argparse
import sys

import hubmesh


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("text", nargs="?", default="hello from Python", help="the message")
    parser.add_argument("--gateway", default="tcp://127.0.0.1:7000", help="the gateway's ingress endpoint")
    parser.add_argument("--hub", default="chat")
    parser.add_argument("--room", default="lobby", help="the chat room (hub group)")
    parser.add_argument("--sender", default="pybot", help="the sender name shown in the room")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the gateway")
    args = parser.parse_args()
    try:
        with hubmesh.Publisher(args.gateway, timeout=args.timeout) as publisher:
            result = publisher.send_group(args.hub, args.room, "ReceiveMessage", [args.sender, args.text])
    except hubmesh.PublishError as error:  # a refusal, or hubmesh.TimeoutError
        print(f"chat_publisher: {error.code}: {error.message}", file=sys.stderr)
        return 1
    print(f"sent ReceiveMessage({args.sender!r}, {args.text!r}) to room {args.room!r} of hub {args.hub!r} (id {result.id})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
