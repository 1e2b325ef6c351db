"""A member's own choice of which notifications also reach them by email or SMS (the in-app
bell always shows them). messaging.services.staff_notifications reads the rows when a notification is made."""

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction

from crm.models import Membership, Tenant
from messaging.models import MessageChannel, StaffNotificationKind, StaffNotificationPreference

COPY_CHANNELS = (MessageChannel.EMAIL, MessageChannel.SMS)


@transaction.atomic
def staff_notification_preferences_save(
    *, tenant: Tenant, membership: Membership, choices: Mapping[str, Iterable[str]]
) -> dict[str, set[str]]:
    """Replace the member's choices: {kind: {"email", "sms"}}; a kind left out gets no copies.

    SMS needs a mobile number on the member's account: without one it is refused, not saved
    for a message that could never be delivered.
    """
    if membership.tenant_id != tenant.pk:
        raise ValueError("The membership belongs to another tenant.")
    chosen = {kind: set(channels) for kind, channels in choices.items()}
    unknown_kinds = set(chosen) - set(StaffNotificationKind.values)
    unknown_channels = set().union(*chosen.values()) - set(COPY_CHANNELS) if chosen else set()
    if unknown_kinds or unknown_channels:
        raise ValidationError(
            f"Not a notification or channel: {', '.join(sorted(unknown_kinds | unknown_channels))}"
        )
    if not membership.user.phone and any(MessageChannel.SMS in c for c in chosen.values()):
        raise ValidationError(
            {"sms": "Your account has no mobile number, so notifications cannot go by SMS."}
        )
    wanted = {kind: channels for kind, channels in chosen.items() if channels}
    StaffNotificationPreference.objects.filter(tenant=tenant, membership=membership).exclude(
        kind__in=list(wanted)
    ).delete()
    for kind, channels in wanted.items():
        StaffNotificationPreference.objects.update_or_create(
            tenant=tenant,
            membership=membership,
            kind=kind,
            defaults={
                "by_email": MessageChannel.EMAIL in channels,
                "by_sms": MessageChannel.SMS in channels,
            },
        )
    return wanted
