"""In Chromium, on the demo: the inbox search finds a ticket by words only its messages hold;
the thread's SLA events, the brand and the lead form settings (with their new language choice)
read in English and in Dutch, at 1280 and 375 px. Screenshots go to test-artifacts/."""

import pytest
from django.urls import reverse

from crm.models import Brand, Tenant, User
from crm.tenancy import tenant_context
from leads.models import LeadCaptureForm
from tests.e2e.conftest import screenshot, settled
from tests.e2e.test_comms_settings_browser import TENANT, _open
from tests.e2e.test_portal_browser import _no_horizontal_scroll
from tickets.models import SlaEvent, Ticket, TicketMessage

pytestmark = pytest.mark.browser

ADMIN = "admin@demo.test"


def _set_language(language: str) -> None:
    User.objects.filter(email=ADMIN).update(language=language)


def _demo_rows(tenant: Tenant) -> tuple[Ticket, str, Brand, LeadCaptureForm]:
    """A ticket with SLA events and a word only one of its messages holds, and the settings."""
    with tenant_context(tenant):
        ticket = (
            Ticket.objects.filter(sla_events__isnull=False, messages__isnull=False)
            .order_by("-last_message_at")
            .first()
        )
        message = TicketMessage.objects.filter(ticket=ticket).order_by("sent_at").first()
        word = next(
            w
            for w in message.shown_text.split()
            if w.isalpha() and len(w) > 5 and w.lower() not in ticket.subject.lower()
        )
        assert SlaEvent.objects.filter(ticket=ticket).exists()
        brand = Brand.objects.order_by("pk").first()
        capture_form = LeadCaptureForm.objects.order_by("pk").first()
    return ticket, word, brand, capture_form


@pytest.mark.parametrize("language", ["en", "nl"])
def test_inbox_search_sla_details_and_language_settings(demo, page_at, language):
    tenant = Tenant.objects.get(name=TENANT)
    ticket, word, brand, capture_form = _demo_rows(tenant)
    _set_language(language)
    pages = {
        "inbox-search": f"{reverse('tickets:inbox')}?view=all&status=any&q={word}",
        "ticket-sla": reverse("tickets:detail", kwargs={"ticket_pk": ticket.pk}),
        "brand-settings": reverse("settings:brand-edit", kwargs={"brand_pk": brand.pk}),
    }
    if capture_form is not None:
        pages["lead-form-settings"] = reverse(
            "lead-settings:capture-form-edit", kwargs={"capture_form_pk": capture_form.pk}
        )
    for width in (1280, 375):
        page = page_at(width=width)
        _open(page, ADMIN, pages["inbox-search"])
        for name, path in pages.items():
            page.goto(f"{page.base}{path}")
            settled(page)
            screenshot(page, f"{name}-{width}-{language}")
            assert _no_horizontal_scroll(page), f"{name} scrolls sideways at {width}"
            html = page.content()
            if name == "inbox-search":
                assert f'name="tickets" value="{ticket.pk}"' in html, word
            if name == "brand-settings":
                team = "De taal van het team" if language == "nl" else "The team's language"
                assert team in html
            if language == "nl" and name == "ticket-sla":
                assert "(business hours)" not in html
        assert page.console_errors == []
