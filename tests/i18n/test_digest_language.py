"""The daily follow-up digest reads in the member's own language (user.language, else the
team's): subject, plain text and HTML are rendered under translation.override."""

import datetime as dt

import pytest
import time_machine

from crm.models import User, digest_minute
from followups.services import followups as services
from followups.services.digest import digests_send_due
from messaging.models import MessageSource, OutboundMessage

pytestmark = pytest.mark.django_db

# Tuesday 9 June 2026, 07:00 in New York (the rep's zone).
DAY = dt.date(2026, 6, 9)
SEVEN = dt.datetime(2026, 6, 9, 11, 0, tzinfo=dt.UTC)


def _sweep_time(world) -> dt.datetime:
    """07:00 in New York and the team's minute past it, when its digests leave."""
    return SEVEN + dt.timedelta(minutes=digest_minute(world.tenant.pk))


def _rep_digest(world, language: str) -> OutboundMessage:
    User.objects.filter(pk=world.rep.user_id).update(
        time_zone="America/New_York", language=language
    )
    with world.active(), time_machine.travel(dt.datetime(2026, 6, 9, 1, tzinfo=dt.UTC)):
        services.follow_up_create(
            tenant=world.tenant,
            actor=world.rep.user,
            subject="Call Maria about the tile sample",
            contact=world.contact,
            assignee=world.rep,
            scheduled_at=dt.datetime(2026, 6, 9, 15, tzinfo=dt.UTC),
        )
    with world.active(), time_machine.travel(_sweep_time(world), tick=False):
        digests_send_due(tenant=world.tenant, now=_sweep_time(world))
    with world.active():
        return OutboundMessage.objects.get(
            source=MessageSource.DIGEST, recipient_user_id=world.rep.user_id
        )


def test_a_dutch_members_digest_is_rendered_in_dutch(world):
    digest = _rep_digest(world, "nl")
    assert '<html lang="nl">' in digest.body_html
    # The subject's msgids were in the catalogues already.
    assert digest.subject.startswith("Je dag, ")
    assert "1 opvolging vandaag" in digest.subject
    # Django's own catalogue names the day and month in Dutch under the override.
    assert "dinsdag 9 juni" in digest.body_text
    assert "Call Maria about the tile sample" in digest.body_text


def test_an_english_members_digest_stays_english(world):
    digest = _rep_digest(world, "en")
    assert '<html lang="en">' in digest.body_html
    assert digest.subject.startswith("Your day, Tue Jun 9: 1 follow-up today")
    assert "Good morning " in digest.body_text and "TODAY (1)" in digest.body_text
    assert "Your follow-ups for Tuesday, June 9" in digest.body_html


def test_a_dutch_members_digest_body_reads_in_dutch(world):
    digest = _rep_digest(world, "nl")
    assert "Goedemorgen " in digest.body_text
    assert "VANDAAG (1)" in digest.body_text
    assert "Je krijgt deze e-mail elke ochtend" in digest.body_text
    assert "Je opvolgingen voor dinsdag 9 juni" in digest.body_html
    assert "Open mijn opvolgingen" in digest.body_html
    assert "Good morning" not in digest.body_text
