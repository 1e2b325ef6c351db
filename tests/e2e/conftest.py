"""Browser tests: Playwright drives the system Chromium (Debian's package; .ci/run installs it)."""

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls made here are ordinary
    # synchronous set-up between page actions, not async code. Only for the browser modules.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield from _launch_browser()


def _launch_browser():
    path = _chromium_path()
    if path is None:
        message = "Chromium is not installed (apt-get install chromium); .ci/run installs it."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def demo(transactional_db):
    # Without the dashboard's lead history: a minute less per test on a slow machine.
    call_command("seed_demo", "--without-history", verbosity=0)


@pytest.fixture
def demo_with_history(transactional_db):
    """The whole demo, as `make dev` seeds it: the dashboard's twelve weeks included."""
    call_command("seed_demo", verbosity=0)


@pytest.fixture
def page_at(browser, live_server):
    """A fresh page at a viewport width; collects console errors (CSP violations show there)."""
    contexts = []

    def open_page(width: int = 1280, height: int = 800):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on(
            "console",
            lambda message: message.type == "error" and page.console_errors.append(message.text),
        )
        page.base = live_server.url
        return page

    yield open_page
    for context in contexts:
        context.close()


DEMO_PASSWORD = "threadline-demo"


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{page.base}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def screenshot(page, name: str, **options) -> Path:
    """The whole page as test-artifacts/<name>.png; `options` go to Playwright (full_page=False
    for what the viewport shows, clip=a box of the page)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), **{"full_page": True, **options})
    return path
