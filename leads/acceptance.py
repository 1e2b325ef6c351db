"""Where the customer goes once they accept a quote, which an app above leads decides: billing
sends them to pay the deposit invoice it made on acceptance. That app provides the step at its
AppConfig.ready; the quote page asks here without naming it. With no step, or a step that
answers "" (no deposit, or no online payments), the customer stays on the accepted quote."""

from collections.abc import Callable

from crm.models import Tenant
from leads.models import Quote

# (*, tenant, quote) -> an absolute URL for the customer's browser, or "".
NextStep = Callable[..., str]

_steps: list[NextStep] = []


def after_acceptance_provide(step: NextStep) -> None:
    """Add a step the customer may be sent to after accepting (asked in the order provided)."""
    if step not in _steps:
        _steps.append(step)


def customer_next_url(*, tenant: Tenant, quote: Quote) -> str:
    """The first step that has somewhere to send the customer of this accepted quote, or ""."""
    for step in _steps:
        url = step(tenant=tenant, quote=quote)
        if url:
            return url
    return ""
