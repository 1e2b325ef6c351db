"""What a job is owed and has been paid: its amount due (the accepted quotes), its payments and
its balance. The lead page, the payment form, the portal and the payment service read the same
figures from here."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from crm.models import Tenant
from leads.models import Lead, Payment, PaymentKind, Quote, QuoteStatus

ZERO = Decimal("0")


@dataclass(frozen=True)
class JobBalance:
    amount_due: Decimal | None  # the accepted quotes' total; None: no quote accepted yet
    paid: Decimal  # payments less refunds
    has_final_payment: bool

    @property
    def balance(self) -> Decimal | None:
        """What is left to pay (never below zero); None while no quote is accepted."""
        if self.amount_due is None:
            return None
        return max(self.amount_due - self.paid, ZERO)

    @property
    def paid_in_full(self) -> bool:
        """The accepted quotes are paid; without one, a final payment says the job is settled."""
        if self.amount_due is None:
            return self.has_final_payment
        return self.paid > ZERO and self.paid >= self.amount_due

    # The names the lead page's balance block has always used.
    @property
    def accepted_total(self) -> Decimal | None:
        return self.amount_due

    @property
    def balance_due(self) -> Decimal | None:
        return self.balance


def signed_amount(payment: Payment) -> Decimal:
    """What a payment adds to the amount paid: a refund takes its amount back off."""
    return -payment.amount if payment.kind == PaymentKind.REFUND else payment.amount


def balance_of(quotes: Iterable[Quote], payments: Iterable[Payment]) -> JobBalance:
    """The balance from rows already read (a customer may accept more than one quote)."""
    accepted = [quote.total for quote in quotes if quote.status == QuoteStatus.ACCEPTED]
    payments = list(payments)
    return JobBalance(
        amount_due=sum(accepted, ZERO) if accepted else None,
        paid=sum((signed_amount(payment) for payment in payments), ZERO),
        has_final_payment=any(payment.kind == PaymentKind.FINAL for payment in payments),
    )


def lead_balance(*, tenant: Tenant, lead: Lead) -> JobBalance:
    """Two queries: the accepted quotes' totals and the payments' amounts and kinds."""
    quotes = Quote.objects.filter(tenant=tenant, lead=lead, status=QuoteStatus.ACCEPTED).only(
        "total", "status"
    )
    payments = Payment.objects.filter(tenant=tenant, lead=lead).only("amount", "kind")
    return balance_of(quotes, payments)
