"""Request-wide middleware of the shared core: request context for the audit log, and the service window."""

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from . import request_context, service_window

# OCCTO staff screens, log-in/out, set-password links, static files, the health check and the hours page
# stay reachable at any hour; every other URL is operator-facing and bound to the window.
EXEMPT_PREFIXES = (
    "/admin/",
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/password/set/",
    "/static/",
    "/healthz",
    "/service-hours/",
    "/i18n/",
    "/favicon.ico",
)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request_context.set_current(request_context.RequestContext(ip=request_context.client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            request_context.reset(token)


def is_exempt(path: str) -> bool:
    return path.startswith(EXEMPT_PREFIXES + tuple(settings.SERVICE_WINDOW_EXTRA_EXEMPT))


class ServiceWindowMiddleware:
    """Outside the window, operator-facing URLs answer 503 with the hours and the next opening.

    The check runs before the view, so a form posted outside the window changes nothing; services re-check
    with `service_window.assert_open()` at commit, so a post that crosses the boundary is refused too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if service_window.enforced() and not is_exempt(request.path) and not service_window.is_open():
            return closed_response(request)
        return self.get_response(request)


def closed_response(request):
    now = timezone.now()
    opening = service_window.next_opening(now)
    response = render(
        request,
        "service_window/closed.html",
        {"next_opening": opening, "today": service_window.day_status(timezone.localdate(now))},
        status=503,
    )
    if opening is not None:
        response["Retry-After"] = str(max(1, int((opening - now).total_seconds())))
    return response
