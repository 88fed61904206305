"""The gadget's change page: the smallest use of the kit's open-application page (a change or deletion form is
never shown while an application of its subject is open)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import reverse

from capacity_market.review.views import open_application_page
from capacity_market.scoping import get_for_user_or_404

from .models import Gadget
from .services import gadget_applications


@login_required
def gadget_change(request, pk: int) -> HttpResponse:
    gadget = get_for_user_or_404(Gadget.objects.all(), user=request.user, pk=pk)
    blocked = open_application_page(request, app_type=gadget_applications, subject=gadget,
                                    title=f"Change {gadget.label}", back_url=reverse("home"), back_label="Back")
    if blocked:
        return blocked
    return HttpResponse('<form method="post" id="gadget-change-form"><input name="label"></form>')
