"""Browser tests: Playwright drives the system Chromium (Debian's package; .ci/run installs it)."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from psycopg import sql

from tests.conftest import (
    close_connections,
    drop_database,
    forget_cached_values,
    maintenance_connection,
    migrated_template,
    point_connections_at,
)

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


class DemoCopies:
    """The demo seeded once per test process into a database of its own, and a fresh copy of it
    (database and attachment files) for each test that asks: a second, where seeding takes from
    seconds to a minute. The test's connections (the live server's too) point at the copy."""

    def __init__(self, django_db_blocker):
        self.blocker = django_db_blocker
        self.test_database = settings.DATABASES["default"]["NAME"]
        self.copy = f"{self.test_database}_demo"
        self.files = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
        self.seeded: dict[tuple[str, ...], tuple[str, Path]] = {}

    def _seed(self, options: tuple[str, ...]) -> tuple[str, Path]:
        database = f"{self.test_database}_seeded_{len(self.seeded)}"
        with migrated_template(self.blocker) as (conn, template):
            drop_database(conn, database)
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(database), sql.Identifier(template)
                )
            )
        point_connections_at(database)
        try:
            with self.blocker.unblock():
                call_command("seed_demo", *options, verbosity=0)
        finally:
            close_connections()
            point_connections_at(self.test_database)
        files = Path(tempfile.mkdtemp(prefix="threadline-demo-files-"))
        shutil.copytree(self.files, files, dirs_exist_ok=True)
        return database, files

    def open(self, *options: str) -> None:
        if options not in self.seeded:
            self.seeded[options] = self._seed(options)
        database, files = self.seeded[options]
        close_connections()
        with maintenance_connection() as conn:
            drop_database(conn, self.copy)
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(self.copy), sql.Identifier(database)
                )
            )
        point_connections_at(self.copy)
        shutil.rmtree(self.files)
        shutil.copytree(files, self.files)
        # Every copy has the same ids: values an earlier test cached under them must not show.
        forget_cached_values()

    def close(self) -> None:
        close_connections()
        point_connections_at(self.test_database)
        with maintenance_connection() as conn:
            drop_database(conn, self.copy)

    def drop(self) -> None:
        with maintenance_connection() as conn:
            for database, files in self.seeded.values():
                drop_database(conn, database)
                shutil.rmtree(files, ignore_errors=True)


@pytest.fixture(scope="session")
def demo_copies(django_db_setup, django_db_blocker):
    copies = DemoCopies(django_db_blocker)
    yield copies
    copies.drop()


@pytest.fixture
def demo(transactional_db, demo_copies):
    # Without the dashboard's lead history: a minute less to seed on a slow machine.
    demo_copies.open("--without-history")
    yield
    demo_copies.close()


@pytest.fixture
def demo_with_history(transactional_db, demo_copies):
    """The whole demo, as `make dev` seeds it: the dashboard's twelve weeks included."""
    demo_copies.open()
    yield
    demo_copies.close()


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

# True while htmx has a request in flight: the page's hx-trigger="load" parts are still coming.
_HTMX_QUIET = "() => !document.querySelector('.htmx-request')"


def settled(page) -> None:
    """After a page has loaded: wait for the parts it loads with htmx. Quicker than waiting for
    the network to be idle, which takes half a second after the last request on every page."""
    page.wait_for_function(_HTMX_QUIET)


def follow(page, target) -> None:
    """Click `target` (a selector or a locator) that leads to another page (a link, a form's
    submit button), and wait for that page and its htmx parts."""
    with page.expect_navigation():
        if isinstance(target, str):
            page.click(target)
        else:
            target.click()
    settled(page)


def open_page(page, path: str) -> None:
    """Go to `path` and wait for the page and the parts it loads with htmx."""
    page.goto(f"{page.base}{path}")
    settled(page)


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{page.base}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    settled(page)


def screenshot(page, name: str, **options) -> Path:
    """The whole page as test-artifacts/<name>.png; `options` go to Playwright (full_page=False
    for what the viewport shows, clip=a box of the page)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), **{"full_page": True, **options})
    return path
