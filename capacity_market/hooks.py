"""Extension points: lists of functions that later apps add to, and that an earlier app (or the core) calls.

Used where a lower layer must ask the apps built on it without importing them: the deletion guards of resources
and operators (registration asks auctions, later contracts), the home-page panels (notices asks every app). An app
adds its function from `AppConfig.ready()`; adding the same function twice has no effect.
"""

from collections.abc import Callable
from typing import Any


def register(hooks: list[Callable], func: Callable) -> Callable:
    """Add `func` to `hooks` once. Returns `func`, so a module can offer `register_x` as a decorator."""
    if func not in hooks:
        hooks.append(func)
    return func


def answers(hooks: list[Callable], *args: Any) -> list[Any]:
    """What each function of `hooks` answers for `args`, in registration order, leaving out the empty answers."""
    return [answer for func in hooks if (answer := func(*args))]
