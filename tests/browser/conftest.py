"""Real-Chromium journeys (Debian's /usr/bin/chromium driven by Playwright; see docs/testing.md).

Every test in this folder is marked `browser` and runs in its own pytest invocation (`make test-browser`).
A failing step leaves its screenshot in test-artifacts/.
"""

import contextlib
import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # sync Playwright inside pytest (browser tests only)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": LAUNCH_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "ja-JP", "timezone_id": "Asia/Tokyo",
            "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def shot(page, request):
    """`shot("step-name")` saves a screenshot of the current page under test-artifacts/<test>/.

    `shot("step-name", on=other_page)` takes it of another page (e.g. of a second browser context).
    """
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def take(name: str, on=None) -> Path:
        path = folder / f"{next(counter):02d}-{name}.png"
        (on or page).screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and "page" in item.funcargs:
        folder = ARTIFACTS / item.name
        folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):  # a failed screenshot must not hide the real failure
            item.funcargs["page"].screenshot(path=str(folder / "failure.png"), full_page=True)
