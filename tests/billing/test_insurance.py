"""Insurance jobs: an accepted quote split into the homeowner's deductible invoice, the insurer's
invoice and the recoverable depreciation held back until the work is completed; the portal and
the Pay button about the homeowner's part only; the release, once; the "Paid" rule."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from billing.invoice_links import invoice_public_token
from billing.models import InsuranceClaim, Invoice, InvoiceStatus, Payer
from billing.selectors.invoices import (
    claim_balance,
    customer_invoices,
    invoice_balance,
    quote_has_invoices,
    shown_status,
)
from billing.selectors.online import online_payment_open
from billing.services.insurance import (
    claim_release_depreciation,
    claims_release_on_completion,
    insurance_invoices_create,
    invoice_issue_to_insurer,
)
from billing.services.invoices import invoice_send, invoices_create_from_quote
from billing.services.online import invoice_checkout_start
from billing.services.payments import invoice_apply_payment
from gateway.models import CheckoutSession, PaymentMethod
from leads.models import Lead
from leads.selectors.money import lead_balance
from leads.services.stages import lead_move_to_stage
from tests.conftest import sign_in
from tests.factories import stage_named
from tests.gateway.conftest import sandbox_account_for
from tests.portal.helpers import portal_sign_in

pytestmark = pytest.mark.django_db
D = Decimal


def _claim(world, quote, deductible="200", depreciation="300"):
    with world.active():
        return _claim_now(world, quote, deductible, depreciation)


def _claim_now(world, quote, deductible, depreciation):
    return insurance_invoices_create(
        tenant=world.tenant,
        actor=world.rep.user,
        quote=quote,
        insurer_name="Gulf Mutual",
        claim_number="CLM-77",
        policy_number="HO-123",
        adjuster="Pat Adjuster, 555-0100",
        deductible=D(deductible),
        depreciation=D(depreciation),
    )


def _parts(world, claim) -> tuple[Invoice, Invoice, Invoice]:
    """The claim's invoices: the homeowner's deductible, the insurer's, the depreciation."""
    with world.active():
        invoices = list(Invoice.objects.filter(claim=claim).prefetch_related("lines"))
    [deductible] = [invoice for invoice in invoices if invoice.payer == Payer.HOMEOWNER]
    [insurer] = [i for i in invoices if i.payer == Payer.INSURER and not i.is_depreciation]
    [held] = [invoice for invoice in invoices if invoice.is_depreciation]
    return deductible, insurer, held


def _issued(world, claim):
    """The deductible invoice sent to the homeowner and the insurer's invoice issued."""
    deductible, insurer, held = _parts(world, claim)
    with world.active():
        deductible = invoice_send(tenant=world.tenant, actor=world.rep.user, invoice=deductible)
        insurer = invoice_issue_to_insurer(
            tenant=world.tenant, actor=world.rep.user, invoice=insurer
        )
    return deductible, insurer, held


def _pay(world, invoice, amount, method="check"):
    with world.active():
        return _pay_now(world, invoice, amount, method)


def _pay_now(world, invoice, amount, method="check"):
    return invoice_apply_payment(
        tenant=world.tenant,
        actor=world.rep.user,
        invoice=invoice,
        amount=D(amount),
        currency="USD",
        method=method,
        received_on=world.tenant.today(),
    )


def _move(world, lead, name):
    with world.active():
        return _move_now(world, lead, name)


def _move_now(world, lead, name):
    lead = Lead.objects.get(pk=lead.pk)
    lead_move_to_stage(
        tenant=world.tenant,
        actor=world.manager.user,
        lead=lead,
        stage=stage_named(lead.pipeline, name),
    )
    return Lead.objects.select_related("stage").get(pk=lead.pk).stage.name


def test_the_quote_splits_per_payer_to_the_cent_with_the_depreciation_held_back(world, job):
    _lead, quote = job
    claim = _claim(world, quote)
    deductible, insurer, held = _parts(world, claim)

    assert (deductible.total, insurer.total, held.total) == (D("200"), D("1079.50"), D("300"))
    assert deductible.total + insurer.total + held.total == quote.total == D("1579.50")
    with world.active():
        taxes = sum(
            (line.tax_amount for part in (deductible, insurer, held) for line in part.lines.all()),
            D(0),
        )
        assert taxes == quote.totals.tax  # each rate's tax shared out, none lost to rounding
        less = [line.description for line in insurer.lines.all() if line.amount < 0]
        assert any(text.startswith("Less: Deductible") for text in less)
        assert any(text.startswith("Less: Recoverable depreciation") for text in less)

        assert shown_status(held, world.tenant.today()) == "held_back"
        figures = invoice_balance(tenant=world.tenant, invoice=held)
        assert (figures.total, figures.held_back, figures.balance) == (D(0), D("300"), D(0))
        split = claim_balance(tenant=world.tenant, claim=claim)
        assert (split.homeowner.owes, split.insurer.owes, split.held_back) == (
            D("200"),
            D("1079.50"),
            D("300"),
        )
        assert split.total == quote.total
        assert quote_has_invoices(tenant=world.tenant, quote_ids=[quote.pk]) == {quote.pk}
    with world.active(), pytest.raises(ValidationError, match="already has its invoices"):
        invoices_create_from_quote(tenant=world.tenant, actor=world.rep.user, quote=quote)


def test_a_split_that_leaves_the_insurer_nothing_is_refused_with_the_figures(world, job):
    _lead, quote = job
    with world.active(), pytest.raises(ValidationError) as refused:
        reference = quote.reference
        _claim_now(world, quote, "1000", "600")

    assert refused.value.messages == [
        "The deductible of $1,000 and the depreciation of $600 leave nothing for the insurer "
        f"to pay now on quote {reference} of $1,579.50."
    ]
    with world.active():
        assert not InsuranceClaim.objects.exists() and not Invoice.objects.exists()


def test_the_portal_and_the_link_show_the_homeowner_only_their_deductible(client, world, job):
    lead, quote = job
    deductible, insurer, _held = _issued(world, _claim(world, quote))

    with world.active():
        rows = customer_invoices(tenant=world.tenant, contact_ids=[world.contact.pk])
    assert [row.invoice.pk for row in rows] == [deductible.pk]

    portal_sign_in(client, world.tenant, world.contact)
    listing = client.get(reverse("portal:invoices")).content.decode()
    assert deductible.number in listing and insurer.number not in listing
    assert (
        client.get(reverse("portal:invoice", kwargs={"invoice_pk": insurer.pk})).status_code == 404
    )
    job_page = client.get(reverse("portal:job", kwargs={"job_pk": lead.pk})).content.decode()
    assert "Your deductible" in job_page and "$200" in job_page
    assert "$1,579.50" not in job_page.split('id="job-balance"')[1].split("</dl>")[0]

    stranger = Client()
    insurer_link = reverse(
        "billing-public:invoice", kwargs={"token": invoice_public_token(insurer)}
    )
    assert stranger.get(insurer_link).status_code == 404
    mine = reverse("billing-public:invoice", kwargs={"token": invoice_public_token(deductible)})
    page = stranger.get(mine).content.decode()
    assert "$200" in page and "Gulf Mutual pays the rest of the job" in page
    assert "1,079.50" not in page


def test_the_pay_button_pays_only_the_homeowners_part(world, job):
    _lead, quote = job
    deductible, insurer, _held = _issued(world, _claim(world, quote))
    sandbox_account_for(world, methods=[PaymentMethod.CARD])

    with world.active():
        assert online_payment_open(tenant=world.tenant, invoice=deductible, balance=D("200"))
        assert not online_payment_open(tenant=world.tenant, invoice=insurer, balance=D("1079.50"))
        invoice_checkout_start(
            tenant=world.tenant,
            invoice=deductible,
            success_url="https://x/",
            cancel_url="https://x/",
        )
        assert CheckoutSession.objects.get().amount == D("200")
        with pytest.raises(ValidationError, match="cannot be paid online"):
            invoice_checkout_start(
                tenant=world.tenant,
                invoice=insurer,
                success_url="https://x/",
                cancel_url="https://x/",
            )


def test_the_depreciation_is_released_once_when_the_work_is_completed(world, job):
    lead, quote = job
    claim = _claim(world, quote)
    _deductible, _insurer, held = _issued(world, claim)
    with world.active(), pytest.raises(ValidationError, match="held back until the work"):
        _pay_now(world, held, "300")

    _move(world, lead, "In production")
    with world.active():
        held.refresh_from_db()
        assert held.held_back and not held.number

    _move(world, lead, "Completed")
    with world.active():
        held.refresh_from_db()
        claim.refresh_from_db()
        assert (held.status, held.held_back, held.due_on) == (InvoiceStatus.SENT, False, None)
        assert held.number and claim.released_at is not None
        assert invoice_balance(tenant=world.tenant, invoice=held).balance == D("300")
        number = held.number
        completed = Lead.objects.select_related("stage").get(pk=lead.pk)
        assert completed.stage.name == "Completed"
        again = claims_release_on_completion(
            tenant=world.tenant, actor=None, lead=completed, stage=completed.stage
        )
        assert again == []
        with pytest.raises(ValidationError, match="already released"):
            claim_release_depreciation(tenant=world.tenant, actor=world.rep.user, claim=claim)
        held.refresh_from_db()
        assert held.number == number


def test_staff_release_the_depreciation_before_the_job_is_completed(client, world, job):
    lead, quote = job
    claim = _claim(world, quote)
    _deductible, _insurer, held = _issued(world, claim)
    sign_in(client, world.rep)

    url = reverse("billing:claim-release", kwargs={"lead_pk": lead.pk, "claim_pk": claim.pk})
    response = client.post(url)

    with world.active():
        held.refresh_from_db()
    assert response.status_code == 302 and held.status == InvoiceStatus.SENT
    assert client.post(url).status_code == 302  # a second press says it is already released
    _move(world, lead, "Completed")
    with world.active():
        assert Invoice.objects.filter(claim=claim, is_depreciation=True).count() == 1


def test_the_job_is_paid_only_once_the_depreciation_is_released_and_paid(world, job):
    lead, quote = job
    deductible, insurer, held = _issued(world, _claim(world, quote))
    _pay(world, deductible, "200", method="card")
    _pay(world, insurer, "1079.50")  # the insurer's ACV cheque
    with world.active():
        figures = lead_balance(tenant=world.tenant, lead=lead)
        assert (figures.balance, figures.paid_in_full) == (D("300"), False)
    with world.active(), pytest.raises(ValidationError, match="still has \\$300 to pay"):
        _move_now(world, lead, "Paid")

    assert _move(world, lead, "Completed") == "Completed"
    with world.active():
        held.refresh_from_db()
    assert _pay(world, held, "300").kind == "final"
    with world.active():
        assert Lead.objects.get(pk=lead.pk).stage.name == "Paid"


def test_staff_record_the_insurers_cheque_and_see_the_split(client, world, job):
    lead, quote = job
    _deductible, insurer, _held = _issued(world, _claim(world, quote))
    sign_in(client, world.rep)
    form = reverse("billing:payment", kwargs={"lead_pk": lead.pk, "invoice_pk": insurer.pk})

    page = client.get(form)
    assert page.context["form"].initial["method"] == "check"
    assert "Gulf Mutual" in page.content.decode()
    response = client.post(
        form,
        {
            "amount": "1079.50",
            "method": "check",
            "reference": "Cheque 4411",
            "received_on": world.tenant.today().isoformat(),
        },
    )

    assert response.status_code == 302
    detail = client.get(
        reverse("billing:detail", kwargs={"lead_pk": lead.pk, "invoice_pk": insurer.pk})
    ).content.decode()
    assert "Insurance claim CLM-77" in detail and "Depreciation held back" in detail
    assert "Release depreciation" in detail
    with world.active():
        insurer.refresh_from_db()
        assert insurer.status == InvoiceStatus.PAID


def test_the_insurance_form_makes_the_claim_from_the_lead_page(client, world, job):
    lead, quote = job
    sign_in(client, world.rep)
    url = reverse("billing:create-insurance", kwargs={"lead_pk": lead.pk, "quote_pk": quote.pk})
    assert client.get(url).status_code == 200

    response = client.post(
        url, {"insurer_name": "Gulf Mutual", "deductible": "250", "depreciation": "0"}
    )

    assert response.status_code == 302
    with world.active():
        claim = InsuranceClaim.objects.get()
        assert [invoice.payer for invoice in Invoice.objects.filter(claim=claim)] == [
            Payer.HOMEOWNER,
            Payer.INSURER,
        ]
    panel = client.get(reverse("billing:lead-panel", kwargs={"lead_pk": lead.pk}))
    assert "Insurance claim" in panel.content.decode()


def test_the_insurance_form_of_a_quote_not_accepted_says_so(client, world, job):
    lead, quote = job
    with world.active():
        type(quote).objects.filter(pk=quote.pk).update(status="sent")
    sign_in(client, world.rep)
    url = reverse("billing:create-insurance", kwargs={"lead_pk": lead.pk, "quote_pk": quote.pk})

    page = client.get(url)
    posted = client.post(url, {"insurer_name": "Gulf Mutual", "deductible": "250"})

    assert page.status_code == posted.status_code == 200
    assert "Only an accepted quote becomes invoices." in page.content.decode()
    with world.active():
        assert not InsuranceClaim.objects.exists()


def test_another_tenants_claim_is_out_of_reach(client, world, other_world, job):
    lead, quote = job
    claim = _claim(world, quote)
    sign_in(client, other_world.rep)

    url = reverse("billing:claim-release", kwargs={"lead_pk": lead.pk, "claim_pk": claim.pk})
    assert client.post(url).status_code == 404
    with other_world.active():
        assert not InsuranceClaim.objects.filter(pk=claim.pk).exists()
    with world.active():
        claim.refresh_from_db()
        assert claim.released_at is None
