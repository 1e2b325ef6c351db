"""A rep adds a photo to a job from the lead page and downloads it through its signed link."""

from pathlib import Path

import pytest

from crm.models import Tenant
from crm.tenancy import tenant_context
from documents.demo import photo_bytes
from leads.models import Lead
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _maria_lead() -> Lead:
    tenant = Tenant.objects.get(slug="demo")
    with tenant_context(tenant):
        return Lead.objects.get(tenant=tenant, title="Tile roof replacement")


def _shoot_panel(page, name: str) -> None:
    """The whole page to test-artifacts/, the panel alone to test-artifacts/screenshots/."""
    screenshot(page, name)
    DOCS.mkdir(parents=True, exist_ok=True)
    # From the top of the page, so the sticky top bar does not lie over the panel.
    page.evaluate("window.scrollTo(0, 0)")
    box = page.locator("#documents-panel").bounding_box()
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True, clip=box)


def test_a_rep_uploads_a_photo_on_the_lead_page_and_downloads_it(page_at, demo, tmp_path):
    lead = _maria_lead()
    page = page_at(1280, 900)
    sign_in(page, "rep@demo.test")
    page.goto(f"{page.base}/leads/{lead.pk}/")
    panel = page.locator("#documents-panel")
    # The demo's documents of this job: a quote shared with the customer, their own photo.
    panel.locator(".document").first.wait_for()
    assert "Quote - tile roof replacement.pdf" in panel.inner_text()
    assert "from the customer, Maria Gonzalez" in panel.inner_text()

    photo = photo_bytes("Ridge cap, east side")
    panel.locator("input[type=file]").set_input_files(
        {"name": "Ridge cap.jpg", "mimeType": "image/jpeg", "buffer": photo}
    )
    panel.locator("select[name=document-kind]").select_option("photo")
    panel.locator("input[name=document-visible_to_customer]").check()
    panel.locator("button", has_text="Upload").click()
    page.wait_for_selector("#documents-panel .flash-success >> text=Added Ridge cap.jpg.")
    row = page.locator("#documents-panel .document", has_text="Ridge cap.jpg")
    assert "customer sees it" in row.inner_text()
    assert "Rosa Delgado" in row.inner_text()

    with page.expect_download() as download_info:
        row.locator("a.document-name").click()
    download = download_info.value
    assert download.suggested_filename == "Ridge cap.jpg"
    saved = tmp_path / "download.jpg"
    download.save_as(saved)
    assert saved.read_bytes() == photo
    assert "/documents/download/" in download.url

    # A text file dressed as a photo is refused in place, with the reason.
    panel = page.locator("#documents-panel")
    panel.locator("input[type=file]").set_input_files(
        {"name": "invoice.jpg", "mimeType": "image/jpeg", "buffer": b"<html>not a photo</html>"}
    )
    panel.locator("button", has_text="Upload").click()
    page.wait_for_selector("#documents-panel .error >> text=its content is a web page")
    _shoot_panel(page, "documents-lead-panel-1280")
    assert page.console_errors == []


def test_the_panel_fits_a_phone(page_at, demo):
    lead = _maria_lead()
    page = page_at(375, 800)
    sign_in(page, "rep@demo.test")
    page.goto(f"{page.base}/leads/{lead.pk}/")
    page.locator("#documents-panel .document").first.wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways ({width}px)"
    _shoot_panel(page, "documents-lead-panel-375")
    # The contact's panel: every document of theirs, each naming its job, and the job to add to.
    page.goto(f"{page.base}/contacts/{lead.contact_id}/")
    panel = page.locator("#documents-panel")
    panel.locator(".document").first.wait_for()
    assert lead.reference in panel.inner_text()
    assert panel.locator("select[name=document-lead] option").count() >= 2
    _shoot_panel(page, "documents-contact-panel-375")
    assert page.console_errors == []
