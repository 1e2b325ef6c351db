"""Settings → API keys and Settings → Webhooks, and the API's own docs page, in a real browser on a
desktop and on a phone: the key is shown once, an endpoint shows its signing secret and delivery
log, and the docs page draws from our own static files (no CDN, no CSP violation)."""

import pytest

from tests.e2e.conftest import follow, screenshot, settled, sign_in

pytestmark = pytest.mark.browser

TENANT = "Florida First Roofing"


def _open_as_admin(page, path: str) -> None:
    sign_in(page, "admin@demo.test")
    follow(page, f"button.choice:has-text('{TENANT}')")
    page.goto(f"{page.base}{path}")
    settled(page)


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.console_errors == []


@pytest.mark.parametrize("width", [1280, 375])
def test_an_admin_creates_a_key_sees_it_once_and_revokes_it(page_at, demo, width):
    page = page_at(width)
    _open_as_admin(page, "/settings/api-keys/")

    page.fill("input[name=name]", "Website lead form")
    page.select_option("select[name=scope]", "write")
    follow(page, "button:has-text('Create key')")

    key = page.locator("#new-api-key").input_value()
    assert key.startswith("tl_")
    assert page.locator("table tbody tr:has-text('Website lead form')").count() == 1
    screenshot(page, f"api-keys-created-{width}")
    _fits(page, width)

    page.goto(f"{page.base}/settings/api-keys/")

    settled(page)
    assert page.locator("#new-api-key").count() == 0  # shown only once
    assert key not in page.content()

    follow(page, page.locator("tr:has-text('Website lead form') button:has-text('Revoke')"))
    assert page.locator("tr:has-text('Website lead form') .badge:has-text('revoked')").count() == 1
    screenshot(page, f"api-keys-revoked-{width}")
    _fits(page, width)


@pytest.mark.parametrize("width", [1280, 375])
def test_an_admin_subscribes_an_endpoint_and_sees_its_secret(page_at, demo, width):
    page = page_at(width)
    _open_as_admin(page, "/settings/webhooks/")
    screenshot(page, f"webhooks-empty-{width}")

    follow(page, "a:has-text('Add endpoint')")
    page.fill("input[name=url]", "https://books.example.com/threadline")
    page.fill("input[name=description]", "Accounting sync")
    page.check("input[name=events][value='payment.recorded']")
    page.check("input[name=events][value='lead.created']")
    screenshot(page, f"webhooks-form-{width}")
    _fits(page, width)
    follow(page, "button:has-text('Add endpoint')")

    assert "books.example.com" in page.locator("h1, .crumbs").first.inner_text() or (
        "books.example.com" in page.content()
    )
    assert "whsec_" in page.content()
    screenshot(page, f"webhooks-endpoint-{width}")
    _fits(page, width)

    follow(page, "button:has-text('Rotate secret')")
    assert page.locator("button:has-text('Stop signing with the old secret')").count() == 1
    screenshot(page, f"webhooks-rotated-{width}")
    _fits(page, width)

    page.goto(f"{page.base}/settings/webhooks/")

    settled(page)
    assert page.locator("text=books.example.com").count() >= 1
    screenshot(page, f"webhooks-list-{width}")
    _fits(page, width)


@pytest.mark.parametrize("width", [1280, 375])
def test_the_api_docs_page_draws_the_operations(page_at, demo, width):
    page = page_at(width)
    page.goto(f"{page.base}/api/v1/docs")
    page.wait_for_selector(".opblock-tag", timeout=20_000)

    assert page.locator(".opblock-tag:has-text('leads')").count() >= 1
    screenshot(page, f"api-docs-{width}", full_page=False)
    assert page.console_errors == []
