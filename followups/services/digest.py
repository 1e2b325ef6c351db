"""The daily digest: at the tenant's digest hour (07:00 unless an admin changes it) in each
member's own time zone, an email with their follow-ups of the day, the overdue ones, their
neglected customers and their leads gone red. A manager also reads the team's escalations.

The sweep runs every 5 minutes. A member is due once their local clock has passed the digest
hour and the team's own minute past it (crm.models.digest_minute: teams spread over the half
hour, so a thousand of them with one hour do not all send in one round), up to DIGEST_WINDOW
later (a beat that was down at 07:00 still sends it in the morning, never in the evening). A
DigestSent row per member and local day, inserted before the email is scheduled and unique,
makes it once a day whatever runs twice. A member with nothing to read gets no email (the day
still counts as done).
"""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from crm.kit.languages import staff_language
from crm.kit.links import lead_page, leads_list
from crm.models import Membership, Tenant
from followups.models import DigestSent, FollowUp
from followups.selectors.digest import Digest, DigestRound, digest_for, members_due, membership_zone
from leads.models import Lead
from messaging.models import MessageChannel, MessageSource
from messaging.services.outbox import message_schedule


def _links(digest: Digest) -> dict:
    site = settings.THREADLINE_SITE_URL.rstrip("/")

    def follow_up_url(follow_up: FollowUp) -> str:
        return site + reverse("followups:detail", kwargs={"follow_up_pk": follow_up.pk})

    def lead_url(lead: Lead) -> str:
        return site + lead_page(lead.pk)

    for section in (digest.today, digest.overdue):
        for follow_up in section.items:
            follow_up.digest_url = follow_up_url(follow_up)
    for flag in digest.neglected.items + digest.team_escalated.items:
        flag.digest_url = lead_url(flag.lead)
    for lead in digest.red_leads.items:
        lead.digest_url = lead_url(lead)
    return {
        "list_url": site + reverse("followups:list"),
        "leads_url": site + leads_list(),
    }


def digest_render(digest: Digest) -> tuple[str, str, str]:
    """The email's subject, plain text and HTML, in the member's language (their own, else the
    team's) and times in the member's zone."""
    membership = digest.membership
    context = {"digest": digest, **_links(digest)}
    with (
        translation.override(staff_language(membership.user, membership.tenant)),
        timezone.override(digest.zone),
    ):
        subject = digest.subject
        text = render_to_string("followups/digest_email.txt", context)
        html = render_to_string("followups/digest_email.html", context)
    return subject, text, html


def digest_send(
    *,
    tenant: Tenant,
    membership: Membership,
    now: dt.datetime | None = None,
    shared: DigestRound | None = None,
) -> bool:
    """Send the member today's digest unless it went already (or there is nothing to say).
    True when an email was scheduled. `shared`: what the round's digests share (DigestRound)."""
    now = shared.now if shared else now or timezone.now()
    day = now.astimezone(membership_zone(membership)).date()
    with transaction.atomic():
        try:
            with transaction.atomic():
                DigestSent.objects.create(
                    tenant=tenant, membership=membership, day=day, sent_at=now
                )
        except IntegrityError:
            return False
        digest = digest_for(tenant=tenant, membership=membership, now=now, shared=shared)
        if digest.is_empty:
            return False
        subject, text, html = digest_render(digest)
        message_schedule(
            tenant=tenant,
            channel=MessageChannel.EMAIL,
            source=MessageSource.DIGEST,
            idempotency_key=f"digest:{membership.pk}:{day.isoformat()}",
            recipient_user=membership.user,
            subject=subject,
            body_text=text,
            body_html=html,
            now=now,
        )
    return True


def digests_send_due(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """The sweep: every member due gets their digest. Returns how many emails were scheduled."""
    now = now or timezone.now()
    due = members_due(tenant=tenant, now=now)
    if not due:
        return 0
    shared = DigestRound(tenant, now)
    return sum(
        digest_send(tenant=tenant, membership=membership, shared=shared) for membership in due
    )
