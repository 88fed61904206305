from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import views

admin.site.site_header = _("Capacity Market System — OCCTO administration")
admin.site.site_title = _("Capacity Market System")
admin.site.index_title = _("Review queues and administration")

urlpatterns = [
    path("", include("notices.urls_home")),
    path("healthz", views.healthz, name="healthz"),
    path("service-hours/", views.service_hours, name="service_hours"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("registration/", include("registration.urls")),
    path("auctions/", include("auctions.urls")),
    path("notices/", include("notices.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "capacity_market.views.bad_request"
handler403 = "capacity_market.views.permission_denied"
handler404 = "capacity_market.views.page_not_found"
handler500 = "capacity_market.views.server_error"
