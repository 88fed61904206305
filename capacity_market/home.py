"""Panels of the home page contributed by the business apps (the core and `notices` import no business app).

An app registers a function `panel(request) -> str | None` (rendered HTML, or None when it has nothing for this
user) from its `AppConfig.ready`; the home page shows the panels in registration order, above the notices. Each
panel must run a constant number of queries, whatever the data.
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

from . import hooks

Panel = Callable[[HttpRequest], "str | None"]
_PANELS: list[Panel] = []


def register_panel(panel: Panel) -> Panel:
    return hooks.register(_PANELS, panel)


def render_panels(request: HttpRequest) -> list[SafeString]:
    return [SafeString(html) for html in hooks.answers(_PANELS, request)]
