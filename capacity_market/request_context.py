"""Who is acting, from where, and for whom: set once per request, read by the audit log."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    acting_for_id: int | None = None


_EMPTY = RequestContext()
_current: ContextVar[RequestContext] = ContextVar("request_context", default=_EMPTY)  # noqa: B039 - frozen


def current() -> RequestContext:
    return _current.get()


def set_current(ctx: RequestContext):
    return _current.set(ctx)


def reset(token) -> None:
    _current.reset(token)


def client_ip(request) -> str | None:
    # REMOTE_ADDR only: behind nginx the proxy hop sets it (see docs/operations.md); a client-sent
    # X-Forwarded-For is never trusted.
    return request.META.get("REMOTE_ADDR") or None
