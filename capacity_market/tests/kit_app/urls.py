"""The project's URLs plus the gadget application pages (use with @pytest.mark.urls)."""

from django.urls import include, path

from capacity_market.urls import urlpatterns as project_urlpatterns

from .services import gadget_applications
from .views import gadget_change

urlpatterns = [
    path("kit/gadget/<int:pk>/change/", gadget_change, name="gadget_change"),
    path("kit/gadgets/", include((gadget_applications.urls(), "kit_app"))),
    *project_urlpatterns,
]
