"""The delivery policy: whether, and when, a message may go to a contact.

Applied when a message is scheduled and again when it is sent (consent may have been withdrawn
or a cap filled in between). Each check returns a Verdict in words, which the message keeps in its
decision log and the contact's timeline shows.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_noop

from crm.kit.stored_text import stored_date, stored_label, stored_message
from crm.models import Channel, ConsentStatus, ContactConsent, Tenant
from messaging.models import (
    GONE_OUT_STATUSES,
    PENDING_STATUSES,
    CommsSettings,
    ContactCommsProfile,
    MessageChannel,
    MessageSource,
    OutboundMessage,
    Outcome,
    Purpose,
)

CAP_WINDOW = dt.timedelta(days=7)
WHATSAPP_SESSION = dt.timedelta(hours=24)
# Messages a person or the system asked for right now: no duplicate check (a staff member may
# resend a quote; a keyword reply answers the customer).
NOT_DEDUPLICATED = (
    MessageSource.MANUAL,
    MessageSource.QUOTE,
    MessageSource.SYSTEM,
    MessageSource.PORTAL_SIGN_IN,
)
# Answers to what the customer has just done (a STOP/HELP text, a sign-in request): they go at
# once, whatever the hour or what their consent now says.
ANSWERS_TO_THE_CUSTOMER = (MessageSource.SYSTEM, MessageSource.PORTAL_SIGN_IN)


@dataclass(frozen=True)
class Verdict:
    outcome: str
    # Why, as a stored message (crm.kit.stored_text): kept in English, read in each reader's
    # language (the outbox's decisions, the timeline).
    reason: dict | None = None
    send_at: dt.datetime | None = None

    @property
    def may_send_now(self) -> bool:
        return self.outcome == Outcome.SEND


def comms_settings_get(*, tenant: Tenant) -> CommsSettings:
    settings, _ = CommsSettings.objects.get_or_create(tenant=tenant)
    return settings


def profile_get(*, tenant: Tenant, contact_id: int) -> ContactCommsProfile | None:
    return ContactCommsProfile.objects.filter(tenant=tenant, contact_id=contact_id).first()


def zone_for(tenant: Tenant, profile: ContactCommsProfile | None) -> zoneinfo.ZoneInfo:
    if profile is not None and profile.time_zone:
        try:
            return zoneinfo.ZoneInfo(profile.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return tenant.zone


def _clock(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def next_allowed_time(when: dt.datetime, zone: zoneinfo.ZoneInfo, window) -> dt.datetime:
    """The first moment at or after `when` inside the daily window ["08:00", "20:00"] in `zone`.

    A window may run past midnight ("22:00"–"06:00"). The wall-clock start is placed on the local
    date with zoneinfo, so DST changes shift it correctly (08:00 stays 08:00 local).
    """
    if not window:
        return when
    start, end = _clock(window[0]), _clock(window[1])
    if start == end:
        return when
    local = when.astimezone(zone)
    now_time = local.time()
    if start < end:
        inside = start <= now_time < end
        starts_on = local.date() if now_time < start else local.date() + dt.timedelta(days=1)
    else:
        inside = now_time >= start or now_time < end
        starts_on = local.date()
    if inside:
        return when
    opening = dt.datetime.combine(starts_on, start, tzinfo=zone)
    # A start inside a DST gap (e.g. 02:30 on the spring-forward night) does not exist locally:
    # normalise through UTC so it lands on the first real minute after the gap.
    return opening.astimezone(dt.UTC)


def describe_window(channel: str, window, zone: zoneinfo.ZoneInfo) -> dict:
    return stored_message(
        gettext_noop("%(channel)s only %(start)s–%(end)s (%(zone)s)"),
        channel=stored_label(Channel(channel).label),
        start=window[0],
        end=window[1],
        zone=zone.key,
    )


def _consent_status(tenant: Tenant, contact_id: int, channel: str) -> str | None:
    return (
        ContactConsent.objects.filter(tenant=tenant, contact_id=contact_id, channel=channel)
        .values_list("status", flat=True)
        .first()
    )


def consent_verdict(*, tenant: Tenant, contact_id: int, channel: str, purpose: str) -> Verdict:
    status = _consent_status(tenant, contact_id, channel)
    label = stored_label(Channel(channel).label)
    if purpose == Purpose.MARKETING and status != ConsentStatus.GRANTED:
        return Verdict(
            Outcome.BLOCK,
            stored_message(
                gettext_noop("Blocked: no marketing opt-in for %(channel)s"), channel=label
            ),
        )
    if status == ConsentStatus.WITHDRAWN:
        return Verdict(
            Outcome.BLOCK,
            stored_message(
                gettext_noop("Blocked: the contact opted out of %(channel)s"), channel=label
            ),
        )
    return Verdict(Outcome.SEND)


def _recent_messages(
    message: OutboundMessage, at: dt.datetime, window: dt.timedelta
) -> QuerySet[OutboundMessage]:
    # Only a message to a contact is counted against the caps.
    assert message.contact_id is not None  # noqa: S101
    counted = OutboundMessage.objects.filter(
        tenant=message.tenant_id,
        contact_id=message.contact_id,
        channel=message.channel,
        status__in=GONE_OUT_STATUSES + PENDING_STATUSES,
        send_after__gt=at - window,
        send_after__lt=at + window,
    )
    return counted.exclude(pk=message.pk) if message.pk else counted


def cap_verdict(*, message: OutboundMessage, config: CommsSettings, at: dt.datetime) -> Verdict:
    """Marketing caps per rolling week, and no same template twice within the duplicate window."""
    if message.template_id and message.source not in NOT_DEDUPLICATED:
        duplicate_window = dt.timedelta(hours=config.duplicate_window_hours)
        if (
            _recent_messages(message, at, duplicate_window)
            .filter(template_id=message.template_id)
            .exists()
        ):
            return Verdict(
                Outcome.SUPPRESS,
                stored_message(
                    gettext_noop(
                        "Suppressed: the same template went to this contact within %(hours)s h"
                    ),
                    hours=config.duplicate_window_hours,
                ),
            )
    if message.purpose == Purpose.MARKETING:
        cap = config.weekly_caps.get(message.channel)
        if cap is not None:
            sent = (
                _recent_messages(message, at, CAP_WINDOW)
                .filter(purpose=Purpose.MARKETING, send_after__lte=at)
                .count()
            )
            if sent >= cap:
                return Verdict(
                    Outcome.SUPPRESS,
                    stored_message(
                        gettext_noop(
                            "Suppressed by the cap: %(cap)s marketing %(channel)s messages per week"
                        ),
                        cap=cap,
                        channel=stored_label(Channel(message.channel).label),
                    ),
                )
    return Verdict(Outcome.SEND)


def address_verdict(
    *, message: OutboundMessage, profile: ContactCommsProfile | None, now: dt.datetime
) -> Verdict:
    if not message.to_address:
        if message.channel == MessageChannel.EMAIL:
            why = gettext_noop("Blocked: the contact has no email address")
        else:
            why = gettext_noop("Blocked: the contact has no mobile number")
        return Verdict(Outcome.BLOCK, stored_message(why))
    if (
        message.channel == MessageChannel.EMAIL
        and profile is not None
        and profile.email_bounced_at
        and profile.bounced_email.lower() == message.to_address.lower()
    ):
        return Verdict(
            Outcome.BLOCK,
            stored_message(
                gettext_noop("Blocked: %(address)s bounced; check the address"),
                address=message.to_address,
            ),
        )
    if message.channel == MessageChannel.WHATSAPP and not (
        message.variant is not None and message.variant.whatsapp_approved
    ):
        last_inbound = profile.last_whatsapp_inbound_at if profile else None
        if last_inbound is None or now - last_inbound > WHATSAPP_SESSION:
            return Verdict(
                Outcome.BLOCK,
                stored_message(
                    gettext_noop(
                        "Blocked: outside WhatsApp's 24-hour window and the template is not "
                        "pre-approved"
                    )
                ),
            )
    return Verdict(Outcome.SEND)


def decide(
    *,
    message: OutboundMessage,
    at: dt.datetime,
    now: dt.datetime,
    config: CommsSettings | None = None,
) -> Verdict:
    """Everything the policy says about sending `message` at `at` (for a staff member: only the
    quiet hours of the business; they chose the channel themselves). `config` the tenant's
    settings when the caller decides for many messages."""
    tenant = message.tenant
    config = config or comms_settings_get(tenant=tenant)
    if message.recipient_user_id is not None:
        zone, profile = tenant.zone, None
    else:
        # A message has a contact or a staff recipient (outbound_message_has_recipient).
        assert message.contact_id is not None  # noqa: S101
        profile = profile_get(tenant=tenant, contact_id=message.contact_id)
        zone = zone_for(tenant, profile)
        verdicts = [address_verdict(message=message, profile=profile, now=now)]
        if message.source not in ANSWERS_TO_THE_CUSTOMER:
            verdicts.append(
                consent_verdict(
                    tenant=tenant,
                    contact_id=message.contact_id,
                    channel=message.channel,
                    purpose=message.purpose,
                )
            )
        for verdict in verdicts:
            if not verdict.may_send_now:
                return verdict
    window = (
        None
        if message.source in ANSWERS_TO_THE_CUSTOMER
        else config.quiet_hours.get(message.channel)
    )
    allowed_at = next_allowed_time(at, zone, window)
    if message.contact_id is not None:
        capped = cap_verdict(message=message, config=config, at=allowed_at)
        if not capped.may_send_now:
            return capped
    if allowed_at > at:
        return Verdict(
            Outcome.DEFER,
            stored_message(
                gettext_noop("Deferred to %(when)s: %(window)s"),
                when=stored_date(allowed_at.astimezone(zone), "weekday_month_day_time_zone"),
                window=describe_window(message.channel, window, zone),
            ),
            send_at=allowed_at,
        )
    return Verdict(Outcome.SEND, send_at=at)


def reachable_channels(*, tenant: Tenant, contact, channels, purpose: str) -> list[str]:
    """The channels of `channels` this contact can be reached on (an address, and no opt-out)."""
    consents = dict(
        ContactConsent.objects.filter(tenant=tenant, contact=contact).values_list(
            "channel", "status"
        )
    )
    reachable = []
    for channel in channels:
        status = consents.get(channel)
        if status == ConsentStatus.WITHDRAWN:
            continue
        if purpose == Purpose.MARKETING and status != ConsentStatus.GRANTED:
            continue
        if channel == MessageChannel.EMAIL and not contact.emails.exists():
            continue
        if (
            channel != MessageChannel.EMAIL
            and not contact.phones.filter(~Q(kind="landline")).exists()
        ):
            continue
        reachable.append(channel)
    return reachable
