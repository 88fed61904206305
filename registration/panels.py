"""Panels that the apps built on registration add to a resource's page (registration imports none of them).

An app registers `panel(request, resource) -> str | None` (rendered HTML, or None when it has nothing to say) from
its `AppConfig.ready`; the resource page shows the panels in registration order, below the registered values. Each
panel must run a constant number of queries. Example: `auctions.qualification.resource_panel` (the resource's
expected capacity and qualification per auction).
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

from capacity_market import hooks

ResourcePanel = Callable[[HttpRequest, object], "str | None"]
_RESOURCE_PANELS: list[ResourcePanel] = []


def register_resource_panel(panel: ResourcePanel) -> ResourcePanel:
    return hooks.register(_RESOURCE_PANELS, panel)


def render_resource_panels(request: HttpRequest, resource) -> list[SafeString]:
    return [SafeString(html) for html in hooks.answers(_RESOURCE_PANELS, request, resource)]
