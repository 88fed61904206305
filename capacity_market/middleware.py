"""Request-wide middleware of the shared core: control characters refused, request context for the audit log, and
the service window."""

import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http.multipartparser import MultiPartParserError
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


# C0 control characters and DEL (Unicode Cc) other than tab, line feed and carriage return, which a textarea may
# carry: NUL breaks PostgreSQL text and the others have no place in any value a person types.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _has_control_characters(query_dict) -> bool:
    return any(CONTROL_CHARACTERS.search(key) or any(CONTROL_CHARACTERS.search(value) for value in values)
               for key, values in query_dict.lists())


class ControlCharacterMiddleware:
    """One place for every URL: a path, query string or form value with a control character (NUL, ESC, …) answers
    400 with the project's "bad request, nothing was changed" page before any view runs (issue #10, finding 7:
    `?status__exact=%00` on admin lists answered 500). Files in a multipart upload are not read here; the CSV
    importers check their own content."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            bad = (CONTROL_CHARACTERS.search(request.path) or _has_control_characters(request.GET)
                   or (request.method == "POST" and _has_control_characters(request.POST)))
        except (RequestDataTooBig, TooManyFieldsSent, MultiPartParserError, SuspiciousOperation):
            bad = False  # Django answers these itself, with their own status, when the view reads the data
        if bad:
            return render(request, "400.html", status=400)
        return self.get_response(request)


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
