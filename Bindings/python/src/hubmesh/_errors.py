"""Errors raised by the hubmesh publishers."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._protocol import Result

__all__ = ["PublishError", "TimeoutError"]


class PublishError(Exception):
    """The gateway refused a request, or no usable reply came back.

    ``code`` is one of the protocol's error codes (``bad_request``, ``forbidden_kind``, ...,
    see ``docs/gateway-protocol.md``) or a client-side code: ``timeout`` or ``bad_reply``.
    ``message`` says what was wrong and what to do. ``id`` is the request id, when known.
    ``results`` is set by :meth:`Publisher.publish_many` when it gives up: the results of the
    requests it had taken from the iterable so far, in order.
    """

    def __init__(
        self,
        code: str,
        message: str,
        id: str | None = None,
        results: list[Result] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.id = id
        self.results = results


class TimeoutError(PublishError, builtins.TimeoutError):
    """No reply came within the publisher's timeout (``code == "timeout"``).

    The request may or may not have been delivered: resend it with the same ``key`` to be safe.
    Also an instance of the built-in :class:`TimeoutError`.
    """

    def __init__(
        self,
        message: str,
        id: str | None = None,
        results: list[Result] | None = None,
    ) -> None:
        PublishError.__init__(self, "timeout", message, id, results)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
