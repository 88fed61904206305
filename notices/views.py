"""Operator-facing pages: the home page with the latest notices, the notice list and a notice's detail."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from capacity_market import home as home_panels
from capacity_market.roles import is_occto_staff

from . import selectors, services

HOME_LATEST = 5
PAGE_SIZE = 20


@login_required
def home(request: HttpRequest) -> HttpResponse:
    notices = list(selectors.notices_for_user(user=request.user)[:HOME_LATEST])
    return render(request, "notices/home.html", {
        "panels": home_panels.render_panels(request),
        "notices": notices,
        "unread_count": selectors.unread_count_for_user(user=request.user),
        "is_staff_user": is_occto_staff(request.user),
    })


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.notices_for_user(user=request.user), PAGE_SIZE)
    # get_page() turns a non-number into page 1 and a page past the end into the last page.
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "notices/list.html", {"page": page, "notices": page.object_list})


@login_required
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get_for_user(user=request.user, pk=pk)
    services.notice_mark_read(user=request.user, notice=notice)
    return render(request, "notices/detail.html", {"notice": notice})
