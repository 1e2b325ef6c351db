"""Every staff page and every portal page, read in Dutch and in Spanish, shows no English words
the catalogues translate and no date or time in English order.

The pages come from the URL resolver (tests/security/test_url_isolation.py's walk), filled with
the demo's own objects: a new page is read the day it is added. A Dutch admin of ChargeCars and a
Dutch ChargeCars customer read the Dutch pages; Florida First Roofing's owner and its Miami portal
customer, both set to Spanish, read the Spanish ones. Each page is loaded once in one browser
context per reader; its visible text nodes, placeholders and lines are compared with the msgids of
locale/<language>/LC_MESSAGES/django.mo that have a translation of their own. Texts that are the
tenant's own data (a stage or a pipeline an admin named in English) do not count, and no page
scrolls sideways at 1280 px in the longer words. Screenshots of
the lead page, the inbox and the portal's job page at 1280 and 375 px go to
test-artifacts/every-page-<language>-<page>-<width>.png.
"""

import gettext
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from django.utils.translation import gettext_noop

from automation.models import Sequence, SequenceStep, Trigger, TriggerStep
from crm.models import Brand, Contact, ContactEmail, Membership, Notification, Tenant, User
from crm.services.notifications import notification_create
from crm.tenancy import tenant_context
from documents.models import Document
from followups.models import FollowUp, FollowUpTemplate, FollowUpType, SavedFollowUpFilter
from leads.models import (
    AssignmentRule,
    Lead,
    LeadCaptureForm,
    LeadSource,
    Pipeline,
    Quote,
    SavedLeadFilter,
    Stage,
)
from leads.services import imports as lead_imports
from messaging.models import MessageTemplate, OutboundMessage, TemplateVariant
from portal.addresses import SignInAddress
from portal.auth import PortalSignIn, session_sign_in
from portal.models import ChallengeChannel
from portal.sessions import SIGNED_IN_AGE, cookie_name, session_rotate
from tests.e2e.conftest import screenshot, settled, sign_in
from tests.security.test_url_isolation import OBJECT_KWARGS, portal_pages, routes
from tickets.models import InboundEvent, Inbox, InboxAddress, Ticket, TicketMessage

pytestmark = pytest.mark.browser

LOCALE = Path(settings.BASE_DIR) / "locale"


@dataclass(frozen=True)
class Readers:
    """Who reads the pages in one language: a staff admin and a portal customer."""

    tenant: str
    team: str
    staff: str
    customer: str
    browser_locale: str


READERS = {
    "nl": Readers("chargecars", "ChargeCars", "admin@chargecars.test", "sanne.devries@example.nl",
                  "nl-NL"),
    "es": Readers("demo", "Florida First Roofing", "admin@demo.test", "customer@demo.test",
                  "es-ES"),
}  # fmt: skip

# Routes the walk does not open, and why. Everything else the resolver lists is opened with GET;
# a route that answers 405 is an action (a form posts to it), not a page.
SKIPPED = {
    "logout": "ends the session the walk reads with",
    "portal:sign-out": "ends the session the walk reads with",
    "login": "signed-out page, in the browser's language: read before signing in",
    "tenant-choose": "the chooser is passed through when signing in",
    "password_reset": "signed-out page, in the browser's language: read before signing in",
    "password_reset_done": "signed-out page, in the browser's language: read before signing in",
    "password_reset_complete": "signed-out page, in the browser's language: read before signing in",
    "password_reset_confirm": "needs a reset token mailed to the user",
    "portal:sign-in": "signed-out page, in the browser's language: read before signing in",
    "portal:sign-in-sent": "signed-out page, in the browser's language: read before signing in",
    "portal:sign-in-code": "signed-out page, in the browser's language: read before signing in",
    "portal:signed-out": "signed-out page, in the browser's language: read before signing in",
    "portal:link": "needs a sign-in link mailed to the customer",
    "healthz": "JSON for the load balancer",
    "dashboards:export": "a CSV download",
    "followups:export": "a CSV download",
    "followups:feed-ics": "an iCalendar feed",
    "followups:import-preview": "needs an uploaded CSV (a token cached per upload)",
    "followups:import-run": "needs an uploaded CSV (a token cached per upload)",
    "followups:import-rejected": "a CSV download of an uploaded file's refused rows",
    "leads:import-rejected": "a CSV download of an import's refused rows",
    "documents:open": "the file itself (a redirect to a signed download)",
    "documents:download": "the file itself, behind a signed link",
    "tickets:message-original": "the raw email as a download",
    "tickets:attachment": "the attached file itself",
    "tickets-settings:inbound-original": "the raw inbound event as a download",
    "portal:my-data": "the customer's data as a JSON download",
    "portal:document-open": "the file itself (a redirect to a signed download)",
    "portal:document-download": "the file itself, behind a signed link",
    "comms-public:unsubscribe": "a public page a message links to, in the contact's language "
    "(tests/messaging)",
    "public:quote": "a public page a message links to, in the contact's language (tests/leads)",
    "public:quote-accept": "a public page a message links to (tests/leads)",
    "public:quote-decline": "a public page a message links to (tests/leads)",
    "public:lead-form": "a public form in the team's language (tests/leads/test_capture.py)",
    "billing:pdf": "a PDF download (tests/billing/test_pdf.py reads it back)",
    "billing:quote-pdf": "a PDF download (tests/billing/test_pdf.py reads it back)",
    "portal:invoice-pdf": "a PDF download (tests/billing/test_pdf.py reads it back)",
    "billing:export-invoices": "a CSV download (tests/billing/test_invoice_list.py reads it back)",
    "billing:export-payments": "a CSV download (tests/billing/test_invoice_list.py reads it back)",
}
SKIPPED_NAMESPACES = {
    "comms-public:anymail": "providers' webhooks: POST only, no page",
    "tickets-public": "Twilio's webhooks: POST only, no page",
    "billing-public": "an invoice's page behind the signed link its email carries, in the "
    "invoice's language (tests/billing/test_sending.py, tests/e2e/test_billing_browser.py)",
    "gateway-public": "Stripe's webhook (POST only) and the sandbox's checkout page behind a "
    "signed link (tests/gateway, tests/e2e/test_billing_browser.py)",
}
SIGNED_OUT_PAGES = [
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_complete",
    "portal:sign-in",
    "portal:sign-in-sent",
    "portal:sign-in-code",
    "portal:signed-out",
]
SCREENSHOTS = {"leads:detail": "lead", "tickets:inbox": "inbox", "portal:job": "portal-job"}

# The visible texts of a page: its text nodes, the options of its visible selects, the
# placeholders and button values of its fields, and its lines as the reader sees them.
VISIBLE_TEXTS = """() => {
  const nodes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('script, style, template, noscript')) continue;
    // Machine words (a key in <code>) and a message as it was sent are not the page's words.
    if (parent.closest('code, kbd, samp, .update-text')) continue;
    // Text marked as another language (a language switcher's "English") is meant to be so.
    const tagged = parent.closest('[lang]');
    if (tagged && tagged.lang !== document.documentElement.lang) continue;
    const select = parent.closest('select');
    const shown = select ? select.checkVisibility() : parent.checkVisibility({visibilityProperty: true});
    if (shown) nodes.push(node.textContent);
  }
  for (const input of document.querySelectorAll('[placeholder], input[type=submit], input[type=button]')) {
    if (input.checkVisibility()) nodes.push(input.placeholder || input.value || '');
  }
  const apart = new Set([...document.querySelectorAll('code, kbd, samp, .update-text')]
    .flatMap(element => element.innerText.split('\\n')));
  const lines = document.body.innerText.split('\\n').filter(line => !apart.has(line));
  return {nodes, lines};
}"""

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
MONTHS_SHORT = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
WEEKDAYS_SHORT = "Mon|Tue|Wed|Thu|Fri|Sat|Sun"
ENGLISH_DATES = re.compile(
    rf"\b(?:{MONTHS}|{MONTHS_SHORT})\.? \d{{1,2}}\b"  # Nov 28, November 28, 2026
    rf"|\b\d{{1,2}}:\d{{2}} ?(?:AM|PM|am|pm|a\.m\.|p\.m\.)"  # 11:17 PM
    rf"|^(?:{MONTHS}|{WEEKDAYS}|{MONTHS_SHORT}|{WEEKDAYS_SHORT})$"  # a calendar's heading
    rf"|\b(?:{WEEKDAYS}|{WEEKDAYS_SHORT}),"  # Mon, 28 …
    rf"|\b(?:{MONTHS}) \d{{4}}\b"  # November 2026
)

# The CSV import's help names the time formats a file may use: "2:30 PM" is one of them.
ENGLISH_ON_PURPOSE = {("followups:import", "2:30 PM")}


def translated_msgids(language: str) -> set[str]:
    """The msgids the catalogue gives a translation of their own (not empty, not the same), but
    for those that are also words of the language itself (Spanish "Media" is a priority)."""
    path = LOCALE / language / "LC_MESSAGES" / "django.mo"
    with path.open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog
    found, translations = set(), set()
    for key, translated in catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        msgid = msgid.split("\x04")[-1]  # a msgctxt comes before \x04
        translations.add(" ".join(translated.split()))
        if msgid and translated and translated != msgid and re.search(r"[A-Za-z]{2}", msgid):
            found.add(" ".join(msgid.split()))
    return found - translations


# The names a team gives its own things: shown as typed, in whatever language they were typed.
TENANT_NAMES = [
    (Stage, "name"),
    (Stage, "customer_label"),
    (SavedLeadFilter, "name"),
    (SavedFollowUpFilter, "name"),
    (Pipeline, "name"),
    (LeadSource, "name"),
    (FollowUpType, "name"),
    (FollowUpTemplate, "name"),
    (FollowUpTemplate, "subject"),
    (Inbox, "name"),
    (MessageTemplate, "name"),
    (Trigger, "name"),
    (Sequence, "name"),
    (SequenceStep, "subject"),
    (AssignmentRule, "name"),
    (LeadCaptureForm, "name"),
    (Brand, "name"),
    (Lead, "title"),
    (FollowUp, "subject"),
    (Ticket, "subject"),
    (Membership, "title"),
]


def tenant_names(tenant: Tenant) -> set[str]:
    """The team's own names, and each language's name in that language (a language picker
    offers "English" to a Spanish reader on purpose)."""
    native = {str(name) for _code, name in settings.LANGUAGES}
    with tenant_context(tenant):
        return native | {
            " ".join(str(value).split())
            for model, name in TENANT_NAMES
            for value in model.objects.filter(tenant=tenant).values_list(name, flat=True)
            if value
        }


@dataclass
class Findings:
    language: str
    msgids: set[str]
    own_data: set[str]
    untranslated: dict[str, set[str]] = field(default_factory=dict)
    dates: dict[str, set[str]] = field(default_factory=dict)
    failed: dict[str, int | str] = field(default_factory=dict)
    read: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)

    def check(self, where: str, texts: dict[str, list[str]]) -> None:
        """`texts`: the page's text nodes, compared with the msgids whole, and its lines as the
        reader sees them (a date may be written across elements), searched for dates."""
        self.read.append(where)
        nodes = {" ".join(text.split()) for text in texts["nodes"]}
        for text in nodes - self.own_data:
            if text in self.msgids:
                self.untranslated.setdefault(text, set()).add(where)
        lines = {" ".join(text.split()) for text in texts["lines"]}
        for text in nodes | lines:
            for match in ENGLISH_DATES.finditer(text):
                if (where, match.group(0)) in ENGLISH_ON_PURPOSE:
                    continue
                self.dates.setdefault(text, set()).add(f"{where} ({match.group(0)})")

    def report(self) -> str:
        lines = [f"{self.language}: {len(self.read)} pages read"]
        lines += [f"  untranslated {text!r} on {sorted(where)}" for text, where in
                  sorted(self.untranslated.items())]  # fmt: skip
        lines += [f"  English-order date {text!r} on {sorted(where)}" for text, where in
                  sorted(self.dates.items())]  # fmt: skip
        lines += [f"  {where} answered {status}" for where, status in self.failed.items()]
        return "\n".join(lines)


def _demo_objects(tenant: Tenant, staff: Membership, customer: Contact) -> dict:
    """The URL keywords filled with this tenant's demo rows: the customer's job, ticket and
    quote where there are, else the first of each; a row the demo lacks is added as an admin
    would add it (tests/security/test_url_isolation.py's makers)."""

    def first(model, **filters):
        return model.objects.filter(tenant=tenant, **filters).order_by("pk").first()

    def pk(model, **filters):
        return getattr(first(model, **filters), "pk", None)

    with tenant_context(tenant):
        job = first(Lead, contact=customer)
        lead = first(Lead, contact=customer, quotes__isnull=False) or job
        ticket = first(Ticket, contact=customer) or first(Ticket)
        notification_create(
            tenant=tenant, recipient=staff.user, title=gettext_noop("Welcome to Threadline"),
            title_params={}, body="", body_params={}, url=reverse("home"),
        )  # fmt: skip
        objects = {
            "lead_pk": lead.pk,
            "quote_pk": pk(Quote, lead=lead),
            "job_pk": job.pk,
            "contact_pk": customer.pk,
            "other_pk": pk(Contact, pk__gt=customer.pk),
            "contact_email_pk": pk(ContactEmail, contact=customer),
            "contact_phone_pk": getattr(customer.phones.order_by("pk").first(), "pk", None),
            "ticket_pk": ticket.pk,
            "inbox_pk": ticket.inbox_id,
            "ticket_message_pk": pk(TicketMessage, ticket=ticket, direction="out"),
            "brand_pk": pk(Brand),
            "membership_pk": staff.pk,
            "notification_pk": pk(Notification, recipient=staff.user),
            "pipeline_pk": lead.pipeline_id,
            "stage_pk": lead.stage_id,
            "source_pk": pk(LeadSource),
            "capture_form_pk": pk(LeadCaptureForm),
            "template_pk": pk(MessageTemplate),
            "variant_pk": pk(TemplateVariant),
            "message_pk": pk(OutboundMessage),
            "trigger_pk": pk(Trigger),
            "step_pk": pk(TriggerStep),
            "sequence_pk": pk(Sequence),
            "sequence_step_pk": pk(SequenceStep),
            "address_pk": pk(InboxAddress),
            "event_pk": pk(InboundEvent),
            "follow_up_pk": pk(FollowUp),
            "follow_up_type_pk": pk(FollowUpType),
            "document_pk": pk(Document),
            "lead_import_pk": lead_imports.lead_import_preview(
                tenant=tenant, actor=staff.user, filename="leads.csv",
                raw=b"Name,Email\nAna Lima,ana@example.com\n", pipeline=lead.pipeline,
            ).pk,
        }  # fmt: skip
    world = SimpleNamespace(
        tenant=tenant, admin=staff, rep=staff, contact=customer, lead=lead, ticket=ticket,
        active=lambda: tenant_context(tenant),
    )  # fmt: skip
    for kwarg in _walked_kwargs():
        if objects.get(kwarg) is None:
            objects[kwarg] = OBJECT_KWARGS[kwarg](world)
    return objects


def _skip_reason(name: str) -> str | None:
    return SKIPPED.get(name) or SKIPPED_NAMESPACES.get(name.rpartition(":")[0])


def _walked_kwargs() -> set[str]:
    return {kwarg for name, kwargs in routes() if not _skip_reason(name) for kwarg in kwargs}


def _pages(objects: dict) -> tuple[dict[str, str], dict[str, str]]:
    """Staff pages and portal pages as {name: path}: every route but the skipped ones."""
    portal = portal_pages()
    staff_paths, portal_paths = {}, {}
    for name, kwargs in routes():
        if not _skip_reason(name):
            path = reverse(name, kwargs={kwarg: objects[kwarg] for kwarg in kwargs})
            (portal_paths if name in portal else staff_paths)[name] = path
    return staff_paths, portal_paths


def _read(page, findings: Findings, name: str, path: str) -> None:
    """Asks first without the browser (an action answers 405 with no body, a download is no
    page), then loads the HTML pages."""
    answer = page.context.request.get(f"{page.base}{path}", max_redirects=0)
    if answer.status == 405:
        findings.actions.append(name)
        return
    if answer.status >= 400:
        findings.failed[f"{name} {path}"] = answer.status
        return
    if answer.status == 200 and "text/html" not in answer.headers.get("content-type", ""):
        findings.failed[f"{name} {path}"] = "not a page: list it in SKIPPED with the reason"
        return
    # The browser shows the answer already fetched: each page is rendered once.
    url = f"{page.base}{path}"
    page.route(url, lambda route: route.fulfill(response=answer), times=1)
    page.goto(url, wait_until="load")
    findings.check(name, page.evaluate(VISIBLE_TEXTS))
    # The longer words fit at 1280 px: nothing scrolls sideways.
    width, screen = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    if width > screen:
        findings.failed[f"{name} {path}"] = f"scrolls sideways ({width} px)"


def _screenshots(page, language: str, name: str, path: str) -> None:
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{page.base}{path}")
        settled(page)
        screenshot(page, f"every-page-{language}-{SCREENSHOTS[name]}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def _portal_session(tenant: Tenant, contact: Contact) -> str:
    """A portal session for the customer, as a redeemed email link opens it."""
    with tenant_context(tenant):
        email = contact.emails.order_by("-is_primary", "pk").first().email
    store = SessionStore()
    session_rotate(store, age=SIGNED_IN_AGE)
    session_sign_in(
        store,
        PortalSignIn(tenant, (contact.pk,), SignInAddress(ChallengeChannel.EMAIL, email)),
    )
    store.save()
    return store.session_key


def _set_languages(language: str, readers: Readers, tenant: Tenant) -> Contact:
    User.objects.filter(email=readers.staff).update(language=language)
    with tenant_context(tenant):
        contact = Contact.objects.get(tenant=tenant, emails__email=readers.customer)
        Contact.objects.filter(tenant=tenant, pk=contact.pk).update(language=language)
    return contact


@pytest.mark.parametrize("language", ["nl", "es"])
def test_every_page_reads_in_the_readers_language(browser, live_server, demo, language):
    readers = READERS[language]
    tenant = Tenant.objects.get(slug=readers.tenant)
    customer = _set_languages(language, readers, tenant)
    with tenant_context(tenant):
        staff = Membership.objects.get(tenant=tenant, user__email=readers.staff)
    objects = _demo_objects(tenant, staff, customer)
    staff_paths, portal_paths = _pages(objects)
    findings = Findings(language, translated_msgids(language), tenant_names(tenant))
    # The signed-out pages speak the browser's language: its pages and its own requests ask.
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale=readers.browser_locale,
        extra_http_headers={"Accept-Language": readers.browser_locale},
    )
    page = context.new_page()
    page.base = live_server.url

    started = time.monotonic()
    for name in SIGNED_OUT_PAGES:
        _read(page, findings, name, reverse(name))

    sign_in(page, readers.staff)
    chooser = page.locator(f"button.choice:has-text('{readers.team}')")
    if chooser.count():
        with page.expect_navigation():
            chooser.click()
        settled(page)
    for name, path in staff_paths.items():
        _read(page, findings, name, path)
        if name in SCREENSHOTS:
            _screenshots(page, language, name, path)

    context.add_cookies(
        [{"name": cookie_name(), "value": _portal_session(tenant, customer), "url": page.base}]
    )
    for name, path in portal_paths.items():
        _read(page, findings, name, path)
        if name in SCREENSHOTS:
            _screenshots(page, language, name, path)
    context.close()

    print(f"{language}: walked in {time.monotonic() - started:.0f} s")
    print(findings.report())
    assert "leads:detail" in findings.read and "tickets:inbox" in findings.read
    assert "portal:job" in findings.read and "dashboards:home" in findings.read
    assert not findings.failed, findings.report()
    assert set(staff_paths) | set(portal_paths) <= {*findings.read, *findings.actions}
    assert not findings.untranslated and not findings.dates, findings.report()
