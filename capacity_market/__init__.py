"""The project package: settings, urls, the Celery app and the shared core.

Importing the package itself loads nothing (no Django, no Celery), so Django-free modules of the core such as
`market_codes` can be imported by the pure clearing engine. The Celery app (`capacity_market.celery.app`) is loaded
by `CapacityMarketConfig.ready()`, so every Django process has it as the current app before a task is queued;
`celery -A capacity_market` finds it in `capacity_market.celery` by itself.
"""


def __getattr__(name: str):
    # `capacity_market.celery_app`, as the usual Django/Celery layout names it, loaded only when asked for.
    if name == "celery_app":
        from .celery import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
