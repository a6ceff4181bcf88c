"""Publish SignalR hub messages into a HubMesh through its gateway.

>>> import hubmesh
>>> with hubmesh.Publisher("tcp://127.0.0.1:7000") as p:        # doctest: +SKIP
...     p.send_group("chat", "room-1", "newMessage", ["alice", "hi"])

The wire protocol is ``docs/gateway-protocol.md``; :func:`encode_request` and
:func:`decode_reply` implement it without I/O. :mod:`hubmesh.aio` has the asyncio publisher.
"""

from ._errors import PublishError, TimeoutError
from ._protocol import (
    DEFAULT_ENDPOINT,
    KINDS,
    MAX_BATCH,
    MAX_FRAME,
    OK,
    Request,
    Result,
    decode_reply,
    encode_batch,
    encode_request,
)
from ._publisher import Publisher

__all__ = [
    "DEFAULT_ENDPOINT",
    "KINDS",
    "MAX_BATCH",
    "MAX_FRAME",
    "OK",
    "PublishError",
    "Publisher",
    "Request",
    "Result",
    "TimeoutError",
    "decode_reply",
    "encode_batch",
    "encode_request",
]

__version__ = "0.1.0"
