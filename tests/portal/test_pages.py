"""What a signed-in customer sees: their properties and jobs with customer-facing progress, a job's
steps, team, quotes and customer-visible news, and nothing of anybody else's."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from django.utils import timezone

from leads.models import Lead, Stage
from leads.pipeline_templates import RESIDENTIAL_ROOFING
from leads.services.activity import lead_add_note
from leads.services.configuration import stage_update
from leads.services.quotes import quote_save_draft, quote_send
from leads.services.stages import lead_mark_lost, lead_move_to_stage
from portal.progress import customer_journey, expected_duration
from portal.sessions import cookie_name
from tests import factories
from tests.conftest import queries_for
from tests.portal.helpers import portal_sign_in

pytestmark = pytest.mark.django_db

HOME = reverse("portal:home")


def _job_url(lead) -> str:
    return reverse("portal:job", kwargs={"job_pk": lead.pk})


def _move(world, lead, stage_name, **kwargs) -> Lead:
    with world.active():
        stage = Stage.objects.get(pipeline_id=lead.pipeline_id, name=stage_name)
        return lead_move_to_stage(tenant=world.tenant, actor=None, lead=lead, stage=stage, **kwargs)


def _property_with_job(world, title: str) -> Lead:
    place = factories.PropertyFactory(tenant=world.tenant)
    factories.PropertyContactFactory(tenant=world.tenant, property=place, contact=world.contact)
    return factories.lead_for(world, place=place, owner=world.rep, title=title)


class TestHome:
    def test_shows_each_property_with_its_jobs_and_their_progress(self, client, world):
        roof = factories.lead_for(world, owner=world.rep, title="New roof")
        _move(world, roof, "Inspection scheduled")
        portal_sign_in(client, world.tenant, world.contact)

        response = client.get(HOME)

        page = response.content.decode()
        assert response.status_code == 200
        assert world.property.one_line_address in page
        assert "New roof" in page
        (entry,) = response.context["home"].portfolio
        (job,) = entry.jobs
        labels = [step.label for step in job.journey.steps]
        assert labels == [s.customer_label for s in RESIDENTIAL_ROOFING.stages if not s.is_lost]
        assert job.journey.current_label == "Inspection booked"
        assert job.journey.position == 3
        assert 'aria-current="step"' in page
        assert "Inspection scheduled" not in page  # the team's own stage name stays inside
        assert "up to 3 business days" in page

    def test_costs_a_fixed_number_of_queries_whatever_the_number_of_jobs(self, client, world):
        first = _property_with_job(world, "First")
        _move(world, first, "Contacted")
        portal_sign_in(client, world.tenant, world.contact)
        client.get(HOME)  # the session read once from PostgreSQL, then from Redis
        few = queries_for(client, HOME)
        for n in range(4):
            lead = _property_with_job(world, f"Job {n}")
            _move(world, lead, "Contacted")

        many = queries_for(client, HOME)

        # tenant (the portal session comes from the cache), contacts (with their properties' ids;
        # the tenant setting goes with them), their brand (the latest job's, else the default),
        # properties, jobs, the default brand (for jobs without one), stages, stage visits, quotes
        # waiting for an answer (+2 test savepoints); the "Getting started" card: portal access,
        # email, mobile, their open jobs' insurance answers (its checklist rows and document
        # requests: none without an access; the properties and open jobs are the page's own). The
        # closed days of the steps' business calendar are kept in the process. The transaction's
        # end clears the tenant setting. Before issue 21: 22.
        assert few == many == 15

    def test_a_customer_without_jobs_sees_a_friendly_empty_page(self, client, world):
        portal_sign_in(client, world.tenant, world.contact)

        page = client.get(HOME).content.decode()

        assert "nothing to follow here yet" in page

    def test_jobs_on_their_property_of_another_contact_show_too(self, client, world):
        tenant_of_house = factories.ContactFactory(tenant=world.tenant)
        factories.ContactEmailFactory(tenant=world.tenant, contact=tenant_of_house)
        lead = factories.lead_for(world, contact=tenant_of_house, title="Gutter repair")
        portal_sign_in(client, world.tenant, world.contact)

        assert "Gutter repair" in client.get(HOME).content.decode()
        assert client.get(_job_url(lead)).status_code == 200


class TestJobPage:
    def test_shows_steps_team_quotes_and_only_customer_visible_news(self, client, world):
        lead = factories.lead_for(world, owner=world.rep, title="New roof")
        with world.active():
            lead_add_note(tenant=world.tenant, actor=None, lead=lead, body="Customer is difficult")
            quote = quote_save_draft(
                tenant=world.tenant,
                actor=world.rep.user,
                lead=lead,
                valid_until=world.tenant.today() + dt.timedelta(days=30),
                lines=[("Shingles", Decimal("1"), Decimal("8000"))],
            )
            quote_send(tenant=world.tenant, actor=world.rep.user, quote=quote)
            draft = quote_save_draft(
                tenant=world.tenant,
                actor=world.rep.user,
                lead=lead,
                valid_until=world.tenant.today() + dt.timedelta(days=30),
                lines=[("Not ready", Decimal("1"), Decimal("1"))],
            )
        world.rep.title = "Roofing advisor"
        with world.active():
            world.rep.save()
        portal_sign_in(client, world.tenant, world.contact)

        response = client.get(_job_url(lead))

        page = response.content.decode()
        assert response.status_code == 200
        assert world.rep.user.full_name in page and "Roofing advisor" in page
        assert "Moved to “Quote ready”" in page  # the stage change, in the customer's words
        assert "Quote sent" not in page.split("What has happened", 1)[1]
        assert "Customer is difficult" not in page
        (shown,) = response.context["detail"].quotes
        assert shown.quote.pk == quote.pk != draft.pk
        assert shown.path.startswith("/q/")
        assert client.get(shown.path).status_code == 200
        assert "View, accept or decline" in page

    def test_a_hidden_stage_folds_into_the_step_before(self, client, world):
        pipeline = factories.pipeline_for(world.tenant)
        with world.active():
            Stage.objects.filter(pipeline=pipeline, name="Contacted").update(show_in_portal=False)
        lead = factories.lead_for(world, pipeline=pipeline, owner=world.rep)
        _move(world, lead, "Contacted")
        portal_sign_in(client, world.tenant, world.contact)

        journey = client.get(_job_url(lead)).context["job"].journey

        assert "We reached you" not in [step.label for step in journey.steps]
        assert journey.current_label == "Request received"
        assert journey.position == 1
        # Its stage change is not news for the customer either.
        news = client.get(_job_url(lead)).context["detail"].news
        assert not any("We reached you" in item.text for item in news)

    def test_a_lost_job_reads_as_closed(self, client, world):
        lead = factories.lead_for(world, owner=world.rep)
        with world.active():
            lead_mark_lost(tenant=world.tenant, actor=None, lead=lead, reason="price")
        portal_sign_in(client, world.tenant, world.contact)

        journey = client.get(_job_url(lead)).context["job"].journey

        assert journey.status == "closed"
        assert journey.summary == "Closed after: Request received"

    def test_a_finished_job_has_every_step_done(self, client, world):
        lead = factories.lead_for(world, owner=world.rep)
        for stage in RESIDENTIAL_ROOFING.stages[1:]:
            if not stage.is_lost:
                lead = _move(world, lead, stage.name)
        assert lead.stage.name == "Review requested"
        portal_sign_in(client, world.tenant, world.contact)

        journey = client.get(_job_url(lead)).context["job"].journey

        assert journey.status == "finished"
        assert {step.state for step in journey.steps} == {"done"}
        assert journey.expected == ""

    def test_steps_a_job_jumped_over_read_as_skipped_not_done(self, client, world):
        lead = factories.lead_for(world, owner=world.rep)
        _move(world, lead, "Contacted")
        lead = _move(world, lead, "Quote sent")
        portal_sign_in(client, world.tenant, world.contact)

        response = client.get(_job_url(lead))

        states = {step.label: step.state for step in response.context["job"].journey.steps}
        assert states["Request received"] == "done"
        assert states["We reached you"] == "done"
        assert states["Inspection booked"] == "skipped"
        assert states["Quote ready"] == "current"
        page = response.content.decode()
        assert "Skipped: </span>" in page and "(skipped)" in page

    def test_a_finished_job_that_jumped_keeps_its_skipped_steps(self, client, world):
        lead = factories.lead_for(world, owner=world.rep)
        lead = _move(world, lead, "Review requested")
        portal_sign_in(client, world.tenant, world.contact)

        journey = client.get(_job_url(lead)).context["job"].journey

        assert journey.status == "finished"
        assert journey.steps[0].state == "done"
        assert journey.steps[-1].state == "done"
        assert {step.state for step in journey.steps[1:-1]} == {"skipped"}


class TestIsolation:
    def test_another_customers_job_in_the_same_business_is_a_404(self, client, world):
        stranger = factories.ContactFactory(tenant=world.tenant)
        factories.ContactEmailFactory(tenant=world.tenant, contact=stranger)
        theirs = factories.lead_for(world, contact=stranger, place=None, title="Their job")
        portal_sign_in(client, world.tenant, world.contact)

        assert client.get(_job_url(theirs)).status_code == 404
        assert "Their job" not in client.get(HOME).content.decode()

    def test_another_business_job_is_a_404_even_for_its_own_contact_id(
        self, client, world, other_world
    ):
        theirs = factories.lead_for(other_world, title="Charger install")
        portal_sign_in(client, world.tenant, world.contact)

        assert client.get(_job_url(theirs)).status_code == 404
        assert "Charger install" not in client.get(HOME).content.decode()

    def test_a_session_naming_another_business_contacts_shows_nothing(
        self, client, world, other_world
    ):
        """Even a forged session (tenant A, contact ids of B) opens nothing: the contacts are
        looked up inside tenant A and must still hold the proven address."""
        factories.lead_for(other_world, title="Charger install")
        portal_sign_in(client, world.tenant, world.contact)
        store = SessionStore(client.cookies[cookie_name()].value)
        store["portal_customer"]["contacts"] = [other_world.contact.pk]
        store.modified = True
        store.save()

        assert client.get(HOME).status_code == 302


def test_expected_duration_reads_the_stages_allowed_delay(world):
    pipeline = factories.pipeline_for(world.tenant)
    with world.active():
        stages = {stage.name: stage for stage in Stage.objects.filter(pipeline=pipeline)}

    assert expected_duration(stages["New lead"]) == "up to 1 hour"
    assert expected_duration(stages["Scheduled"]) == "up to 10 business days"
    assert expected_duration(stages["Review requested"]) == ""


def test_a_first_hidden_stage_folds_into_the_step_after(world):
    pipeline = factories.pipeline_for(world.tenant)
    with world.active():
        Stage.objects.filter(pipeline=pipeline, name="New lead").update(show_in_portal=False)
        stages = list(Stage.objects.filter(pipeline=pipeline).order_by("position"))
    lead = factories.lead_for(world, pipeline=pipeline, owner=world.rep)
    with world.active():
        lead = Lead.objects.select_related("stage").get(pk=lead.pk)
        journey = customer_journey(
            tenant=world.tenant, lead=lead, pipeline_stages=stages, visits=[], now=timezone.now()
        )

    assert journey.steps[0].label == "We reached you"
    assert journey.steps[0].state == "current"


class TestStepsInTheCustomersLanguage:
    """A step reads as the label the admin gave for the customer's language, else as the label in
    the team's language."""

    def _quote_ready_job(self, world, language: str) -> Lead:
        lead = factories.lead_for(world, owner=world.rep, title="New roof")
        _move(world, lead, "Quote sent")
        with world.active():
            stage_update(
                tenant=world.tenant,
                actor=world.admin.user,
                stage=Stage.objects.get(pipeline_id=lead.pipeline_id, name="Quote sent"),
                customer_labels={"es": "Su presupuesto está listo"},
            )
            world.contact.language = language
            world.contact.save(update_fields=["language"])
        return lead

    def test_the_spanish_portal_shows_the_spanish_label(self, client, world):
        lead = self._quote_ready_job(world, "es")
        portal_sign_in(client, world.tenant, world.contact)

        response = client.get(_job_url(lead))

        page = response.content.decode()
        assert response.context["detail"].job.journey.current_label == "Su presupuesto está listo"
        assert "Pasó a «Su presupuesto está listo»" in page  # the job's news too
        assert "Quote ready" not in page

    def test_a_reader_without_a_label_in_their_language_sees_the_teams(self, client, world):
        lead = self._quote_ready_job(world, "nl")
        portal_sign_in(client, world.tenant, world.contact)

        response = client.get(_job_url(lead))

        assert response.context["detail"].job.journey.current_label == "Quote ready"
