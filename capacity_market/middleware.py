"""Request-wide middleware of the shared core: request context for the audit log, and the service window."""

from django.conf import settings
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from . import request_context, service_window

# OCCTO staff screens, log-in/out, set-password links, static files, the health check and the hours page
# stay reachable at any hour; every other URL is operator-facing and bound to the window.
EXEMPT_PREFIXES = (
    "/admin/",
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/password/set/",
    # The forced first-log-in password change: OCCTO staff must pass it to reach the admin at any hour.
    "/accounts/password/change-required/",
    "/static/",
    "/healthz",
    "/service-hours/",
    "/i18n/",
    "/favicon.ico",
)
# The same, by URL name, so that a route moved to another prefix stays reachable.
EXEMPT_URL_NAMES = frozenset({"account_login", "account_logout", "accounts:set_password",
                              "accounts:password_change_required", "service_hours", "healthz"})


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request_context.set_current(request_context.RequestContext(ip=request_context.client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            request_context.reset(token)


def _exempt_by_prefix(path: str) -> bool:
    return path.startswith(EXEMPT_PREFIXES + tuple(settings.SERVICE_WINDOW_EXTRA_EXEMPT))


def _exempt_by_name(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.view_name in EXEMPT_URL_NAMES


def is_exempt(path: str) -> bool:
    """Whether `path` (the request's path_info) stays reachable outside the service window."""
    return _exempt_by_prefix(path) or _exempt_by_name(path)


class ServiceWindowMiddleware:
    """Outside the window, operator-facing URLs answer 503 with the hours and the next opening.

    The check runs before the view, so a form posted outside the window changes nothing; services re-check
    with `service_window.assert_open()` at commit, so a post that crosses the boundary is refused too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        # Cheapest test first: the prefix check needs neither the database (the health check must answer
        # when it is down) nor the URL resolver.
        if (
            service_window.enforced()
            and not _exempt_by_prefix(path)
            and not service_window.is_open()
            and not _exempt_by_name(path)
        ):
            return closed_response(request)
        return self.get_response(request)


def closed_response(request):
    """The 503 page: the hours, today's status and the next opening; Retry-After in seconds until it."""
    now = timezone.now()
    opening = service_window.next_opening(now)
    response = render(
        request,
        "service_window/closed.html",
        {
            "next_opening": opening,
            "today": service_window.day_status(timezone.localtime(now, service_window.JST).date()),
            "opens": service_window.OPENS,
            "closes": service_window.CLOSES,
        },
        status=503,
    )
    if opening is not None:
        response["Retry-After"] = str(max(1, int((opening - now).total_seconds())))
    add_never_cache_headers(response)
    # An expected answer, not a server fault: keep it out of django.request's error log.
    response._has_been_logged = True
    return response
