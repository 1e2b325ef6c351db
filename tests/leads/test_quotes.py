"""Quotes and payments: the staff pages, the email, and the customer's public quote page."""

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import signing
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from crm.models import Notification, Role, TimelineEvent
from leads import quote_links
from leads.models import Lead, LostReason, Payment, Quote, QuoteStatus, new_quote_token
from leads.services.payments import payment_record
from leads.services.quotes import quote_save_draft, quote_send, quotes_expire_due
from leads.views.public_quote import ANSWERS_PER_WINDOW, answer_count_key
from messaging.services import outbox, outbox_send
from tests import factories
from tests.conftest import queries_for, sign_in
from tests.factories import lead_for, pipeline_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_answer_count():
    """The test client answers from 127.0.0.1: each test starts under the rate limit."""
    cache.delete(answer_count_key("127.0.0.1"))
    yield
    cache.delete(answer_count_key("127.0.0.1"))


@pytest.fixture
def lead(world):
    return lead_for(world, pipeline_for(world.tenant), owner=world.rep, title="Roof replacement")


def draft(world, lead, lines=None, **fields) -> Quote:
    lines = lines or [("Tear-off and disposal", Decimal("1"), Decimal("2400.00"))]
    fields.setdefault("valid_until", world.tenant.today() + dt.timedelta(days=30))
    with world.active():
        return quote_save_draft(
            tenant=world.tenant, actor=world.rep.user, lead=lead, lines=lines, **fields
        )


def sent(world, lead, **fields) -> Quote:
    quote = draft(world, lead, **fields)
    with world.active():
        return quote_send(tenant=world.tenant, actor=world.rep.user, quote=quote)


def public_path(quote: Quote) -> str:
    return reverse("public:quote", kwargs={"token": quote_links.quote_public_token(quote)})


def answer_path(quote: Quote, answer: str) -> str:
    return reverse(
        f"public:quote-{answer}", kwargs={"token": quote_links.quote_public_token(quote)}
    )


def fresh_lead(world, lead) -> Lead:
    with world.active():
        return Lead.objects.select_related("stage").get(pk=lead.pk)


def fresh_quote(world, quote) -> Quote:
    with world.active():
        return Quote.objects.get(pk=quote.pk)


def line_data(rows, **fields):
    """The editor's POST: the quote's fields and its rows (blank rows included)."""
    data = {
        "title": "Roof replacement",
        "message": "",
        "valid_until": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "100",
        **fields,
    }
    for index, (description, quantity, price) in enumerate(rows):
        data[f"lines-{index}-description"] = description
        data[f"lines-{index}-quantity"] = quantity
        data[f"lines-{index}-unit_price"] = price
    return data


# --- Drafting -----------------------------------------------------------------------------------


class TestDrafting:
    def test_a_draft_with_lines_computes_its_total(self, client, world, lead):
        sign_in(client, world.rep)
        rows = [
            ("Tear-off and disposal", "1", "2400.00"),
            ("Architectural shingles (squares)", "24", "310.50"),
            ("", "1", ""),  # a blank row is ignored
        ]

        response = client.post(
            reverse("leads:quote-create", kwargs={"lead_pk": lead.pk}), line_data(rows)
        )

        with world.active():
            quote = Quote.objects.get(lead=lead)
            assert response.url == reverse(
                "leads:quote-detail", kwargs={"lead_pk": lead.pk, "quote_pk": quote.pk}
            )
            assert quote.total == Decimal("9852.00")
            assert quote.status == QuoteStatus.DRAFT
            assert [(line.description, line.amount) for line in quote.lines.all()] == [
                ("Tear-off and disposal", Decimal("2400.00")),
                ("Architectural shingles (squares)", Decimal("7452.00")),
            ]
        page = client.get(response.url).content.decode()
        assert "$9,852" in page and "Send to customer" in page

    def test_the_new_quote_is_valid_for_thirty_days_by_default(self, client, world, lead):
        sign_in(client, world.rep)

        page = client.get(reverse("leads:quote-create", kwargs={"lead_pk": lead.pk}))

        expected = world.tenant.today() + dt.timedelta(days=30)
        assert page.context["form"]["valid_until"].value() == expected

    def test_a_quote_without_lines_is_refused(self, client, world, lead):
        sign_in(client, world.rep)

        response = client.post(
            reverse("leads:quote-create", kwargs={"lead_pk": lead.pk}),
            line_data([("", "1", "")]),
        )

        assert response.status_code == 200
        assert "Add at least one line" in response.content.decode()
        with world.active():
            assert not Quote.objects.filter(lead=lead).exists()

    def test_an_unfinished_line_is_an_error_not_dropped(self, client, world, lead):
        sign_in(client, world.rep)

        response = client.post(
            reverse("leads:quote-create", kwargs={"lead_pk": lead.pk}),
            line_data([("Gutter guards", "1", "")]),
        )

        assert response.status_code == 200
        assert response.context["lines"].forms[0].errors["unit_price"]

    def test_add_line_and_remove_line_redraw_the_rows_without_errors(self, client, world, lead):
        sign_in(client, world.rep)
        url = reverse("leads:quote-create", kwargs={"lead_pk": lead.pk})
        rows = [("Tear-off", "1", "2400"), ("Half-finished row", "", "")]

        added = client.post(url, {**line_data(rows), "add_line": "1"})
        removed = client.post(url, {**line_data(rows), "remove_line": "0"})

        assert [f["description"].value() for f in added.context["lines"]] == [
            "Tear-off",
            "Half-finished row",
            None,
        ]
        assert "This field is required" not in added.content.decode()
        assert [f["description"].value() for f in removed.context["lines"]] == ["Half-finished row"]
        with world.active():
            assert not Quote.objects.filter(lead=lead).exists()

    def test_typing_refreshes_the_total_with_htmx(self, client, world, lead):
        sign_in(client, world.rep)
        rows = [("Tear-off", "2", "100.25"), ("Not a price yet", "1", "abc")]

        response = client.post(
            reverse("leads:quote-create", kwargs={"lead_pk": lead.pk}),
            {**line_data(rows), "preview": "1"},
            HTTP_HX_REQUEST="true",
        )

        assert response.content.decode().strip().startswith('<dl id="quote-total"')
        assert "$200.50" in response.content.decode()

    def test_editing_a_draft_rewrites_its_lines(self, client, world, lead):
        quote = draft(world, lead)
        sign_in(client, world.rep)
        url = reverse("leads:quote-edit", kwargs={"lead_pk": lead.pk, "quote_pk": quote.pk})

        form_page = client.get(url)
        client.post(url, line_data([("Repair flashing", "3", "150")], title="Repair"))

        assert "Tear-off and disposal" in form_page.content.decode()
        quote = fresh_quote(world, quote)
        assert (quote.title, quote.total) == ("Repair", Decimal("450.00"))

    def test_editing_a_sent_quote_is_refused(self, client, world, lead):
        quote = sent(world, lead)
        sign_in(client, world.rep)
        url = reverse("leads:quote-edit", kwargs={"lead_pk": lead.pk, "quote_pk": quote.pk})

        shown = client.get(url)
        posted = client.post(url, line_data([("Cheaper", "1", "1")]))

        detail = reverse("leads:quote-detail", kwargs={"lead_pk": lead.pk, "quote_pk": quote.pk})
        assert shown.url == detail and posted.url == detail
        assert fresh_quote(world, quote).total == Decimal("2400.00")
        assert "Only a draft can be changed" in client.get(detail).content.decode()


# --- Sending ------------------------------------------------------------------------------------


class TestSending:
    @override_settings(COMMS_SANDBOX=False)
    def test_sending_emails_a_link_to_the_public_page_and_moves_the_lead(
        self, client, world, lead, mailoutbox
    ):
        quote = draft(world, lead, title="Roof replacement", message="Thanks for having us.")
        sign_in(client, world.rep)

        response = client.post(
            reverse("leads:quote-send", kwargs={"lead_pk": lead.pk, "quote_pk": quote.pk})
        )

        assert response.status_code == 302
        assert mailoutbox == []  # the email waits in the outbox for the sweep
        with world.active():
            [message_id] = outbox.outbox_claim_due(tenant=world.tenant)
            assert outbox_send.message_send(tenant=world.tenant, message_id=message_id) == "sent"
        [email] = mailoutbox
        with world.active():
            address = world.contact.emails.first().email
        assert email.to == [address]
        assert quote.reference in email.subject and "Roof replacement" in email.subject
        assert world.brand.sender_email in email.from_email
        assert "$2,400" in email.body and "Thanks for having us." in email.body
        link = re.search(r"https?://\S+/q/\S+/", email.body).group(0)
        customer_page = Client().get(urlsplit(link).path)
        assert customer_page.status_code == 200
        assert "Tear-off and disposal" in customer_page.content.decode()
        lead = fresh_lead(world, lead)
        assert lead.stage.name == "Quote sent"
        assert fresh_quote(world, quote).status == QuoteStatus.VIEWED

    def test_the_quote_page_shows_the_link_once_sent(self, client, world, lead):
        quote = sent(world, lead)
        sign_in(client, world.rep)

        page = client.get(
            reverse("leads:quote-detail", kwargs={"lead_pk": lead.pk, "quote_pk": quote.pk})
        ).content.decode()

        assert 'id="public-link"' in page and "/q/" in page
        assert "Send again" in page and ">Edit<" not in page

    def test_sending_to_a_contact_without_email_says_so(self, client, world):
        contact = factories.ContactFactory(tenant=world.tenant)
        lead = lead_for(world, owner=world.rep, contact=contact, place=None)
        quote = draft(world, lead)
        sign_in(client, world.rep)
        detail = reverse("leads:quote-detail", kwargs={"lead_pk": lead.pk, "quote_pk": quote.pk})

        before = client.get(detail).content.decode()
        client.post(reverse("leads:quote-send", kwargs={"lead_pk": lead.pk, "quote_pk": quote.pk}))

        assert "has no email address yet" in before
        assert "The contact has no email address" in client.get(detail).content.decode()
        assert fresh_quote(world, quote).status == QuoteStatus.DRAFT


# --- The customer's page ------------------------------------------------------------------------


class TestPublicPage:
    def test_opening_the_page_marks_the_quote_viewed_once(self, world, lead):
        quote = sent(world, lead)
        customer = Client()

        customer.get(public_path(quote))
        first_view = fresh_quote(world, quote).viewed_at
        customer.get(public_path(quote))

        quote = fresh_quote(world, quote)
        assert quote.status == QuoteStatus.VIEWED
        assert quote.viewed_at == first_view is not None
        with world.active():
            assert TimelineEvent.objects.filter(lead_id=lead.pk, kind="quote.viewed").count() == 1

    def test_a_team_member_opening_the_link_does_not_count_as_viewed(self, client, world, lead):
        quote = sent(world, lead)
        sign_in(client, world.rep)

        page = client.get(public_path(quote)).content.decode()

        assert "does not mark the quote viewed" in page
        assert fresh_quote(world, quote).status == QuoteStatus.SENT

    def test_the_page_shows_the_quote_and_both_answers(self, world, lead):
        quote = sent(world, lead, title="Roof replacement", message="See you soon.")

        page = Client().get(public_path(quote)).content.decode()

        for text in (
            world.brand.name,
            "Roof replacement",
            "See you soon.",
            "$2,400",
            "I accept this quote",
            "The start date is too far out",
            "I no longer need the work",
            (quote.valid_until).strftime("%B"),
        ):
            assert text in page

    def test_accepting_wins_the_lead_and_tells_the_owner(self, world, lead):
        quote = sent(world, lead)
        customer = Client()

        response = customer.post(
            answer_path(quote, "accept"), {"full_name": "  Dana   Whitfield ", "agree": "on"}
        )

        assert response.status_code == 302
        quote = fresh_quote(world, quote)
        assert (quote.status, quote.decided_by_name) == (QuoteStatus.ACCEPTED, "Dana Whitfield")
        lead = fresh_lead(world, lead)
        assert (lead.status, lead.stage.name) == ("won", "Won")
        with world.active():
            assert Notification.objects.filter(
                recipient=world.rep.user, title__contains="accepted"
            ).exists()
        after = customer.get(response.url).content.decode()
        assert "Accepted on" in after and "Dana Whitfield" in after
        assert "I accept this quote" not in after

    def test_accepting_needs_a_name_and_the_tick(self, world, lead):
        quote = sent(world, lead)

        response = Client().post(answer_path(quote, "accept"), {"full_name": "   "})

        page = response.content.decode()
        assert response.status_code == 200
        assert "Type your full name" in page and "Tick the box" in page
        assert fresh_quote(world, quote).status == QuoteStatus.SENT

    def test_declining_for_the_price_loses_the_lead_with_that_reason(self, world, lead):
        quote = sent(world, lead)

        Client().post(answer_path(quote, "decline"), {"reason": "price", "note": "Too steep"})

        quote = fresh_quote(world, quote)
        assert (quote.status, quote.rejection_reason) == (QuoteStatus.REJECTED, "price")
        assert quote.rejection_note == "Too steep"
        lead = fresh_lead(world, lead)
        assert (lead.status, lead.lost_reason) == ("lost", LostReason.PRICE)

    def test_declining_keeps_the_lead_open_while_another_quote_is_open(self, world, lead):
        first = sent(world, lead)
        sent(world, lead, lines=[("Repair only", Decimal("1"), Decimal("900"))])

        Client().post(answer_path(first, "decline"), {"reason": "price"})

        assert fresh_quote(world, first).status == QuoteStatus.REJECTED
        lead = fresh_lead(world, lead)
        assert (lead.status, lead.lost_reason) == ("open", "")

    def test_no_longer_needed_is_a_lost_reason_of_its_own(self, world, lead):
        quote = sent(world, lead)

        Client().post(answer_path(quote, "decline"), {"reason": "no_longer_needed"})

        lead = fresh_lead(world, lead)
        assert lead.lost_reason == LostReason.NO_LONGER_NEEDED

    def test_an_expired_quote_cannot_be_accepted(self, world, lead):
        quote = sent(world, lead)
        with world.active():
            Quote.objects.filter(pk=quote.pk).update(
                valid_until=world.tenant.today() - dt.timedelta(days=1)
            )
        customer = Client()

        page = customer.get(public_path(quote)).content.decode()
        refused = customer.post(answer_path(quote, "accept"), {"full_name": "Dana", "agree": "on"})

        assert "This quote has expired" in page and "I accept this quote" not in page
        assert world.brand.sender_email in page
        assert refused.status_code == 200
        assert "This quote is expired." in refused.content.decode()
        assert fresh_lead(world, lead).status == "open"
        assert fresh_quote(world, quote).status != QuoteStatus.ACCEPTED

    def test_a_quote_valid_until_today_is_open_all_day_in_the_teams_time_zone(
        self, client, world, lead
    ):
        quote = sent(world, lead)
        day = world.tenant.today()
        with world.active():
            Quote.objects.filter(pk=quote.pk).update(valid_until=day)
        zone = world.tenant.zone
        late_evening = dt.datetime.combine(day, dt.time(22, 30), tzinfo=zone)  # 03:30 UTC
        next_morning = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 30), tzinfo=zone)
        sign_in(client, world.rep)
        staff_path = reverse(
            "leads:quote-detail", kwargs={"lead_pk": lead.pk, "quote_pk": quote.pk}
        )

        with time_machine.travel(late_evening, tick=False):
            evening_page = Client().get(public_path(quote)).content.decode()
            evening_staff = client.get(staff_path).content.decode()
        with time_machine.travel(next_morning, tick=False):
            morning_page = Client().get(public_path(quote)).content.decode()
            morning_staff = client.get(staff_path).content.decode()

        assert "I accept this quote" in evening_page and "has expired" not in evening_page
        assert "past its date" not in evening_staff
        assert "This quote has expired" in morning_page and "I accept" not in morning_page
        assert "past its date" in morning_staff

    def test_a_swept_expired_quote_offers_the_contact_details(self, world, lead):
        quote = sent(world, lead)
        with world.active():
            quotes_expire_due(
                tenant=world.tenant, today=world.tenant.today() + dt.timedelta(days=31)
            )

        page = Client().get(public_path(quote)).content.decode()

        assert "This quote has expired" in page and world.brand.sender_email in page

    def test_answering_a_decided_quote_again_is_a_message(self, world, lead):
        quote = sent(world, lead)
        customer = Client()
        customer.post(answer_path(quote, "accept"), {"full_name": "Dana", "agree": "on"})

        again = customer.post(answer_path(quote, "decline"), {"reason": "price"})

        assert again.status_code == 200
        assert "This quote is accepted." in again.content.decode()
        assert fresh_lead(world, lead).status == "won"

    @pytest.mark.parametrize("mangle", ["tamper", "other-tenant", "rotated", "draft", "garbage"])
    def test_bad_links_are_404(self, world, other_world, lead, mangle):
        quote = sent(world, lead)
        if mangle == "tamper":
            token = quote_links.quote_public_token(quote)
            token = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
        elif mangle == "other-tenant":
            theirs = sent(other_world, lead_for(other_world, owner=other_world.rep))
            payload = {"t": world.tenant.pk, "q": theirs.pk, "k": theirs.public_token}
            token = signing.dumps(payload, salt=quote_links.QUOTE_LINK_SALT)
        elif mangle == "rotated":
            token = quote_links.quote_public_token(quote)
            with world.active():
                Quote.objects.filter(pk=quote.pk).update(public_token=new_quote_token())
        elif mangle == "draft":
            token = quote_links.quote_public_token(draft(world, lead))
        else:
            token = signing.dumps(["not", "a", "link"], salt=quote_links.QUOTE_LINK_SALT)

        for response in (
            Client().get(reverse("public:quote", kwargs={"token": token})),
            Client().post(
                reverse("public:quote-accept", kwargs={"token": token}),
                {"full_name": "Mallory", "agree": "on"},
            ),
        ):
            assert response.status_code == 404
            assert "couldn't open this quote" in response.content.decode()
        assert fresh_quote(world, quote).status in (QuoteStatus.SENT, QuoteStatus.VIEWED)

    def test_answers_are_rate_limited_per_address(self, world, lead):
        quote = sent(world, lead)
        address = "203.0.113.9"
        cache.delete(answer_count_key(address))
        customer = Client(REMOTE_ADDR=address)
        try:
            statuses = [
                customer.post(answer_path(quote, "accept"), {}).status_code
                for _ in range(ANSWERS_PER_WINDOW + 1)
            ]
        finally:
            cache.delete(answer_count_key(address))

        assert statuses[:-1] == [200] * ANSWERS_PER_WINDOW
        assert statuses[-1] == 429

    def test_the_public_forms_need_the_csrf_token(self, world, lead):
        quote = sent(world, lead)
        customer = Client(enforce_csrf_checks=True)

        refused = customer.post(answer_path(quote, "accept"), {"full_name": "D", "agree": "on"})
        customer.get(public_path(quote))
        accepted = customer.post(
            answer_path(quote, "accept"),
            {
                "full_name": "Dana",
                "agree": "on",
                "csrfmiddlewaretoken": customer.cookies["csrftoken"].value,
            },
        )

        assert refused.status_code == 403
        assert accepted.status_code == 302


# --- Payments -----------------------------------------------------------------------------------


class TestPayments:
    def payment(self, world, **fields):
        return {
            "kind": "progress",
            "amount": "1200.00",
            "method": "check",
            "reference": "Check 1042",
            "received_on": world.tenant.today().isoformat(),
            **fields,
        }

    def test_a_payment_on_an_open_lead_is_refused(self, client, world, lead):
        sign_in(client, world.rep)

        response = client.post(
            reverse("leads:payment-create", kwargs={"lead_pk": lead.pk}), self.payment(world)
        )

        assert response.status_code == 200
        assert "Payments are recorded against a won lead" in response.content.decode()
        with world.active():
            assert not Payment.objects.exists()

    def test_a_part_payment_on_a_won_lead_leaves_it_won_with_its_balance(self, client, world, lead):
        quote = sent(world, lead)
        Client().post(answer_path(quote, "accept"), {"full_name": "Dana", "agree": "on"})
        sign_in(client, world.rep)
        url = reverse("leads:payment-create", kwargs={"lead_pk": lead.pk})

        form_page = client.get(url)
        response = client.post(url, self.payment(world, kind="deposit"))
        second_form = client.get(url)

        assert form_page.context["form"]["kind"].value() == "deposit"
        assert response.url == reverse("leads:detail", kwargs={"lead_pk": lead.pk})
        assert fresh_lead(world, lead).stage.name == "Won"
        with world.active():
            payment = Payment.objects.get(lead=lead)
            assert (payment.kind, payment.amount, payment.reference) == (
                "deposit",
                Decimal("1200.00"),
                "Check 1042",
            )
        # The next one is offered as the final payment of what is left.
        assert second_form.context["form"]["kind"].value() == "final"
        assert second_form.context["form"]["amount"].value() == Decimal("1200.00")

    def test_an_over_payment_is_refused_with_the_balance(self, client, world, lead):
        quote = sent(world, lead)
        Client().post(answer_path(quote, "accept"), {"full_name": "Dana", "agree": "on"})
        sign_in(client, world.rep)

        response = client.post(
            reverse("leads:payment-create", kwargs={"lead_pk": lead.pk}),
            self.payment(world, amount="2500.00", kind="progress"),
        )

        assert response.status_code == 200
        assert "$2,500 is more than the balance of $2,400" in response.content.decode()
        with world.active():
            assert not Payment.objects.exists()

    def test_a_payment_cannot_be_dated_in_the_future(self, client, world, lead):
        sign_in(client, world.rep)
        tomorrow = world.tenant.today() + dt.timedelta(days=1)

        response = client.post(
            reverse("leads:payment-create", kwargs={"lead_pk": lead.pk}),
            self.payment(world, received_on=tomorrow.isoformat()),
        )

        assert response.context["form"].errors["received_on"]


# --- The lead page's section --------------------------------------------------------------------


class TestLeadSection:
    def test_the_section_lists_quotes_and_the_balance_due(self, client, world, lead):
        quote = sent(world, lead)
        draft(world, lead, title="Gutters", lines=[("Gutters", Decimal("1"), Decimal("800"))])
        Client().post(answer_path(quote, "accept"), {"full_name": "Dana", "agree": "on"})
        with world.active():
            payment_record(
                tenant=world.tenant,
                actor=world.rep.user,
                lead=Lead.objects.get(pk=lead.pk),
                amount=Decimal("400"),
                method="card",
                received_on=world.tenant.today(),
            )
        sign_in(client, world.rep)

        page = client.get(reverse("leads:detail", kwargs={"lead_pk": lead.pk})).content.decode()

        assert quote.reference in page and "Gutters" in page
        assert "Accepted" in page and "Draft" in page
        assert "Record payment" in page
        assert "Balance due" in page and "$2,000" in page

    def test_record_payment_shows_only_on_a_won_lead(self, client, world, lead):
        sent(world, lead)
        sign_in(client, world.rep)

        page = client.get(reverse("leads:detail", kwargs={"lead_pk": lead.pk})).content.decode()

        assert "New quote" in page and "Record payment" not in page

    def test_the_section_reads_a_fixed_number_of_queries(self, client, world, lead):
        sign_in(client, world.rep)
        url = reverse("leads:detail", kwargs={"lead_pk": lead.pk})
        sent(world, lead)
        one_quote = queries_for(client, url)

        for _ in range(3):
            sent(world, lead)

        assert queries_for(client, url) == one_quote


# --- Who may do what ----------------------------------------------------------------------------


class TestAccess:
    def staff_requests(self, lead_pk, quote_pk):
        """(method, url, only reads) for every staff URL of this area."""
        both = {"lead_pk": lead_pk, "quote_pk": quote_pk}
        return [
            ("get", reverse("leads:quote-create", kwargs={"lead_pk": lead_pk}), False),
            ("get", reverse("leads:quote-detail", kwargs=both), True),
            ("get", reverse("leads:quote-edit", kwargs=both), False),
            ("post", reverse("leads:quote-send", kwargs=both), False),
            ("get", reverse("leads:payment-create", kwargs={"lead_pk": lead_pk}), False),
        ]

    def test_another_tenants_leads_and_quotes_are_404(self, client, world, other_world, lead):
        mine = draft(world, lead)
        their_lead = lead_for(other_world, owner=other_world.rep)
        theirs = draft(other_world, their_lead)
        sign_in(client, world.admin)

        for method, url, _ in self.staff_requests(their_lead.pk, theirs.pk):
            assert getattr(client, method)(url).status_code == 404, url
        for method, url, _ in self.staff_requests(lead.pk, theirs.pk)[1:4]:
            assert getattr(client, method)(url).status_code == 404, url
        assert fresh_quote(other_world, theirs).status == QuoteStatus.DRAFT
        assert fresh_quote(world, mine).status == QuoteStatus.DRAFT

    def test_a_quote_of_another_lead_is_404_under_this_lead(self, client, world, lead):
        other_lead = lead_for(world, owner=world.rep)
        quote = draft(world, other_lead)
        sign_in(client, world.rep)

        url = reverse("leads:quote-detail", kwargs={"lead_pk": lead.pk, "quote_pk": quote.pk})

        assert client.get(url).status_code == 404

    def test_a_rep_cannot_act_on_another_reps_lead(self, client, world, lead):
        quote = draft(world, lead)
        other_rep = factories.MembershipFactory(tenant=world.tenant, role=Role.REP)
        sign_in(client, other_rep)

        for method, url, only_reads in self.staff_requests(lead.pk, quote.pk):
            assert getattr(client, method)(url).status_code == (200 if only_reads else 403), url
        page = client.get(
            reverse("leads:quote-detail", kwargs={"lead_pk": lead.pk, "quote_pk": quote.pk})
        ).content.decode()
        assert "Send to customer" not in page
        assert fresh_quote(world, quote).status == QuoteStatus.DRAFT

    def test_a_manager_acts_on_any_lead(
        self, client, world, lead, django_capture_on_commit_callbacks
    ):
        quote = draft(world, lead)
        sign_in(client, world.manager)

        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("leads:quote-send", kwargs={"lead_pk": lead.pk, "quote_pk": quote.pk})
            )

        assert fresh_quote(world, quote).status == QuoteStatus.SENT
