"""The project's URLs plus one operator-facing view that writes, to prove the middleware stops a POST before it."""

from django.http import HttpResponse
from django.urls import path

from capacity_market.models import ServiceCalendarException
from capacity_market.urls import urlpatterns as project_urlpatterns


def write_something(request):
    if request.method == "POST":
        ServiceCalendarException.objects.create(date="2030-01-07", kind="closed", reason=request.POST["reason"])
    return HttpResponse("written")


urlpatterns = [path("test-window/write/", write_something, name="test_window_write"), *project_urlpatterns]
