import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_market.settings")
application = get_asgi_application()

from capacity_market.startup import require_production_settings  # noqa: E402 - needs the settings loaded

require_production_settings()
