"""Insurance jobs: an accepted quote billed to the homeowner and their insurer, and the release of
the recoverable depreciation the insurer holds back until the work is completed.

The quote's total (the replacement cost value) is split into one invoice per payer, linked by the
claim (billing.models): the homeowner's deductible; the insurer's invoice, which lists the quote's
lines less the deductible and less the depreciation (the actual cash value it pays now); and the
depreciation, a held-back draft until its release issues it. Together they come to the quote's
total to the cent, tax per rate included (billing.invoice_lines)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing import invoice_lines
from billing.events import InvoiceSent
from billing.invoice_lines import LineSpec
from billing.models import InsuranceClaim, Invoice, InvoiceStatus, Payer
from billing.services.invoices import (
    _new_invoice,
    _quote_lines,
    _set_lines,
    invoice_issue,
    quote_lock_for_invoicing,
)
from crm.events import publish
from crm.kit.formatting import money
from crm.kit.languages import contact_language
from crm.models import Tenant, User
from crm.services.timeline import timeline_record
from leads.models import Lead, Quote, Stage
from leads.quote_totals import ZERO, Instalment
from leads.services.stages import work_completed


def _share(amount: Decimal) -> Instalment:
    return Instalment("insurance", 0, None, amount)


def _check_split(tenant: Tenant, quote: Quote, deductible: Decimal, depreciation: Decimal) -> None:
    currency = tenant.currency
    if deductible < ZERO or depreciation < ZERO:
        raise ValidationError(_("The deductible and the depreciation cannot be negative."))
    if deductible + depreciation >= quote.total:
        raise ValidationError(
            _(
                "The deductible of %(deductible)s and the depreciation of %(depreciation)s leave "
                "nothing for the insurer to pay now on quote %(reference)s of %(total)s."
            )
            % {
                "deductible": money(deductible, currency),
                "depreciation": money(depreciation, currency),
                "reference": quote.reference,
                "total": money(quote.total, currency),
            }
        )


def _claim_invoices_make(
    tenant: Tenant, actor: User | None, quote: Quote, claim: InsuranceClaim
) -> str:
    """The claim's draft invoices, in the customer's language; returns the claim's reference."""
    lead, deductible, depreciation = quote.lead, claim.deductible, claim.depreciation
    reference = claim.claim_number or quote.reference
    totals = quote.totals
    with translation.override(contact_language(lead.contact, tenant)):
        deductible_title = _("Deductible, insurance claim %(claim)s") % {"claim": reference}
        held_title = _("Recoverable depreciation, insurance claim %(claim)s") % {"claim": reference}
        insurer_title = _("Insurance claim %(claim)s: %(insurer)s") % {
            "claim": reference,
            "insurer": claim.insurer_name,
        }
        parts: list[tuple[str, list[LineSpec], str, bool]] = []
        if deductible:
            lines = invoice_lines.share_lines(_share(deductible), totals, deductible_title)
            parts.append((deductible_title, lines, Payer.HOMEOWNER, False))
        held: list[tuple[str, list[LineSpec], str, bool]] = []
        if depreciation:
            lines = invoice_lines.share_lines(_share(depreciation), totals, held_title)
            held.append((held_title, lines, Payer.INSURER, True))
        earlier = [(title, lines) for title, lines, _payer, _held in parts + held]
        insurer_lines = invoice_lines.final_lines(_quote_lines(quote), totals, earlier)
        parts.append((insurer_title, insurer_lines, Payer.INSURER, False))
    for title, lines, payer, is_depreciation in parts + held:
        invoice = _new_invoice(
            tenant,
            actor,
            lead,
            quote=quote,
            claim=claim,
            payer=payer,
            is_depreciation=is_depreciation,
            title=title[:200],
        )
        _set_lines(invoice, lines)
    return reference


@transaction.atomic
def insurance_invoices_create(
    *,
    tenant: Tenant,
    actor: User | None,
    quote: Quote,
    insurer_name: str,
    deductible: Decimal,
    depreciation: Decimal = ZERO,
    claim_number: str = "",
    policy_number: str = "",
    adjuster: str = "",
) -> InsuranceClaim:
    """The accepted quote billed as an insurance job: the claim and its draft invoices (the
    homeowner's deductible, the insurer's part, the depreciation held back). Instead of the
    quote's schedule, and like it never twice."""
    quote = quote_lock_for_invoicing(tenant=tenant, quote=quote)
    if not insurer_name.strip():
        raise ValidationError(_("Name the insurer."))
    _check_split(tenant, quote, deductible, depreciation)
    lead = quote.lead
    claim = InsuranceClaim.objects.create(
        tenant=tenant,
        lead=lead,
        quote=quote,
        insurer_name=insurer_name.strip()[:200],
        claim_number=claim_number.strip()[:100],
        policy_number=policy_number.strip()[:100],
        adjuster=adjuster.strip()[:200],
        deductible=deductible,
        depreciation=depreciation,
        created_by=actor,
    )
    reference = _claim_invoices_make(tenant, actor, quote, claim)
    timeline_record(
        tenant=tenant,
        kind="invoice.created",
        summary=gettext_noop(
            "Quote %(reference)s invoiced as insurance claim %(claim)s with %(insurer)s: "
            "deductible %(deductible)s, depreciation held back %(depreciation)s"
        ),
        params={
            "reference": quote.reference,
            "claim": reference,
            "insurer": claim.insurer_name,
            "deductible": money(deductible, tenant.currency),
            "depreciation": money(depreciation, tenant.currency),
        },
        actor=actor,
        lead=lead,
    )
    return claim


def _locked(tenant: Tenant, invoice: Invoice) -> Invoice:
    return (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("lead__contact", "claim")
        .get(tenant=tenant, pk=invoice.pk)
    )


def _issued_to_insurer(
    tenant: Tenant, actor: User | None, invoice: Invoice, summary: str, **params
) -> None:
    timeline_record(
        tenant=tenant,
        kind="invoice.sent",
        summary=summary,
        params={
            "number": invoice.number,
            "amount": money(invoice.total, invoice.currency),
            "insurer": invoice.claim.insurer_name if invoice.claim else "",
            **params,
        },
        actor=actor,
        lead=invoice.lead,
    )
    publish(InvoiceSent(tenant=tenant, invoice=invoice, first_time=True, actor=actor))


@transaction.atomic
def invoice_issue_to_insurer(*, tenant: Tenant, actor: User | None, invoice: Invoice) -> Invoice:
    """Issue the insurer's invoice: its number, no email to the homeowner (staff send the PDF to
    the adjuster with the claim number). The insurer pays on its own terms: no due date."""
    invoice = _locked(tenant, invoice)
    if invoice.payer != Payer.INSURER:
        raise ValidationError(_("This invoice is the homeowner's: send it to them."))
    if invoice.held_back:
        raise ValidationError(
            _("This depreciation is held back until the work is completed: release it first.")
        )
    if invoice.status != InvoiceStatus.DRAFT:
        raise ValidationError(
            _("Invoice %(number)s is already issued.") % {"number": invoice.number}
        )
    invoice_issue(tenant=tenant, invoice=invoice)
    _issued_to_insurer(
        tenant,
        actor,
        invoice,
        gettext_noop("Invoice %(number)s of %(amount)s issued to the insurer %(insurer)s"),
    )
    return invoice


def _release(tenant: Tenant, actor: User | None, claim: InsuranceClaim) -> list[Invoice]:
    """Release a claim locked by the caller: its held-back invoices are issued, now due."""
    claim.released_at, claim.released_by = timezone.now(), actor
    claim.save(update_fields=["released_at", "released_by"])
    released = []
    held = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("lead__contact", "claim")
        .filter(tenant=tenant, claim=claim, is_depreciation=True, status=InvoiceStatus.DRAFT)
    )
    for invoice in held:
        invoice_issue(tenant=tenant, invoice=invoice)
        _issued_to_insurer(
            tenant,
            actor,
            invoice,
            gettext_noop(
                "Recoverable depreciation released: invoice %(number)s of %(amount)s issued to "
                "the insurer %(insurer)s"
            ),
        )
        released.append(invoice)
    return released


@transaction.atomic
def claim_release_depreciation(
    *, tenant: Tenant, actor: User | None, claim: InsuranceClaim
) -> list[Invoice]:
    """Staff release the held-back depreciation (the insurer agreed the work is done): its
    invoice is issued and due. Once only."""
    claim = (
        InsuranceClaim.objects.select_for_update()
        .select_related("lead")
        .get(tenant=tenant, pk=claim.pk)
    )
    if claim.released_at is not None:
        raise ValidationError(_("The depreciation of this claim is already released."))
    if not claim.depreciation:
        raise ValidationError(_("This claim holds no depreciation back."))
    return _release(tenant, actor, claim)


@transaction.atomic
def claims_release_on_completion(
    *, tenant: Tenant, actor: User | None, lead: Lead, stage: Stage
) -> list[Invoice]:
    """The job's work is completed (it entered its last production stage, or one after it): each
    claim's held-back depreciation is released, once."""
    if not work_completed(lead, stage):
        return []
    claims = InsuranceClaim.objects.select_for_update().filter(
        tenant=tenant, lead=lead, released_at__isnull=True
    )
    return [invoice for claim in claims for invoice in _release(tenant, actor, claim)]
