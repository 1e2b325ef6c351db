"""Which inbox address answers, and with which Twilio account: reads that services and the
outbox share. Tenant first, always."""

from crm.kit.encryption import decrypt
from crm.models import Tenant
from tickets.models import InboxAddress


def inbox_address_for(*, tenant: Tenant, inbox_id: int, channel: str) -> InboxAddress | None:
    """The address an inbox answers from on a channel (its oldest active one)."""
    return (
        InboxAddress.objects.filter(
            tenant=tenant, inbox_id=inbox_id, channel=channel, is_active=True
        )
        .order_by("created_at", "pk")
        .first()
    )


def twilio_account_for(*, tenant_id: int, channel: str, number: str) -> tuple[str, str] | None:
    """(account SID, auth token) of an inbox number that has its own Twilio account."""
    account = (
        InboxAddress.objects.filter(
            tenant_id=tenant_id, channel=channel, address=number, is_active=True
        )
        .exclude(twilio_account_sid="")
        .exclude(twilio_auth_token_encrypted="")
        .values_list("twilio_account_sid", "twilio_auth_token_encrypted")
        .first()
    )
    return (account[0], decrypt(account[1])) if account else None
