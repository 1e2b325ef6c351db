"""The sequence pages: admins build sequences under /settings/sequences/ (others are refused), see
each enrolment's status and stop reason and stop one by hand; staff enrol a lead or contact from
its page (a rep only their own leads) or a list's selection; another tenant's rows are out of
reach; lists cost a fixed number of queries."""

import datetime as dt
import html

import pytest
from django.urls import reverse

from automation.models import EnrolmentStatus, Sequence, SequenceEnrolment, SequenceStep, StepKind
from automation.services import sequence_editing, sequences
from crm.models import Role
from followups.services.followups import follow_up_type_get
from messaging.models import MessageTemplate
from tests.conftest import queries_for, sign_in
from tests.factories import (
    ContactEmailFactory,
    ContactFactory,
    lead_for,
    message_template_for,
)

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _sequence(world, name="Onboarding") -> Sequence:
    template = message_template_for(world.tenant, "checklist", channels=("email",))
    with world.active():
        sequence = sequence_editing.sequence_save(tenant=world.tenant, actor=None, name=name)
        sequence_editing.sequence_step_save(
            tenant=world.tenant,
            actor=None,
            sequence=sequence,
            day_offset=2,
            kind=StepKind.TASK,
            subject="Welcome call",
            follow_up_type=follow_up_type_get(tenant=world.tenant, key="call"),
        )
        sequence_editing.sequence_step_save(
            tenant=world.tenant,
            actor=None,
            sequence=sequence,
            day_offset=5,
            kind=StepKind.MESSAGE,
            template=template,
            channels=["email"],
        )
    return sequence


def _enrol(world, sequence, lead=None, contact=None):
    with world.active():
        return sequences.sequence_enrol(
            tenant=world.tenant, actor=None, sequence=sequence, lead=lead, contact=contact
        )


# --- Settings: admins only ----------------------------------------------------------------------


def _settings_urls(world):
    sequence = _sequence(world)
    with world.active():
        step = SequenceStep.objects.filter(sequence=sequence).first()
    enrolment = _enrol(world, sequence, lead=lead_for(world, owner=world.rep))
    return [
        reverse("automation-settings:sequences"),
        reverse("automation-settings:sequence-create"),
        reverse("automation-settings:sequence-edit", kwargs={"sequence_pk": sequence.pk}),
        reverse("automation-settings:step-create", kwargs={"sequence_pk": sequence.pk}),
        reverse("automation-settings:step-edit", kwargs={"sequence_step_pk": step.pk}),
        reverse("automation-settings:enrolments", kwargs={"sequence_pk": sequence.pk}),
    ], enrolment


@pytest.mark.parametrize("role", [Role.MANAGER, Role.REP])
def test_only_admins_open_the_sequence_settings(client, world, role):
    urls, enrolment = _settings_urls(world)
    sign_in(client, world.membership(role))
    for url in urls:
        assert client.get(url).status_code == 403, url
    stop = reverse("automation-settings:enrolment-stop", kwargs={"enrolment_pk": enrolment.pk})
    assert client.post(stop).status_code == 403
    sign_in(client, world.admin)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_another_tenants_sequences_are_out_of_reach(client, world, other_world):
    theirs, enrolment = _settings_urls(other_world)
    sign_in(client, world.admin)
    for url in theirs[2:]:
        assert client.get(url).status_code == 404, url
    stop = reverse("automation-settings:enrolment-stop", kwargs={"enrolment_pk": enrolment.pk})
    assert client.post(stop).status_code == 404
    with other_world.active():
        lead = SequenceEnrolment.objects.get(pk=enrolment.pk).lead
    for url in (
        reverse("automation:lead-sequences", kwargs={"lead_pk": lead.pk}),
        reverse("automation:contact-sequences", kwargs={"contact_pk": other_world.contact.pk}),
    ):
        assert client.get(url, **HX).status_code == 404
        assert client.post(url, {"sequence": 1}, **HX).status_code == 404
    page_stop = reverse("automation:enrolment-stop", kwargs={"enrolment_pk": enrolment.pk})
    assert client.post(page_stop).status_code == 404
    # Their sequence cannot be picked here either.
    with other_world.active():
        their_sequence = SequenceEnrolment.objects.get(pk=enrolment.pk).sequence_id
    mine = lead_for(world, owner=world.rep)
    _sequence(world)
    response = client.post(
        reverse("automation:lead-sequences", kwargs={"lead_pk": mine.pk}),
        {"sequence": their_sequence},
        **HX,
    )
    assert "Select a valid choice" in _page(response)
    with world.active():
        assert not SequenceEnrolment.objects.exists()
    with other_world.active():
        assert SequenceEnrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.ACTIVE


def test_an_admin_builds_a_sequence_step_by_step(client, world):
    message_template_for(world.tenant, "payment-reminder", channels=("email",))
    sign_in(client, world.admin)
    response = client.post(
        reverse("automation-settings:sequence-create"),
        {"name": "Payment reminders", "description": "Unpaid invoices", "is_active": "on"},
    )
    with world.active():
        sequence = Sequence.objects.get(name="Payment reminders")
        template = MessageTemplate.objects.get(key="payment-reminder")
        payment = follow_up_type_get(tenant=world.tenant, key="payment")
    edit = reverse("automation-settings:sequence-edit", kwargs={"sequence_pk": sequence.pk})
    assert response.url == edit

    add = reverse("automation-settings:step-create", kwargs={"sequence_pk": sequence.pk})
    # The kind changes which fields show (htmx redraw, nothing saved).
    fields = _page(client.post(add, {"kind": "message", "refresh": "1"}, **HX))
    assert 'name="template"' in fields and 'name="subject"' not in fields
    # SMS ticked, but the template has no SMS wording: the field says so.
    refused = _page(
        client.post(
            add, {"day_offset": 7, "kind": "message", "template": template.pk, "channels": ["sms"]}
        )
    )
    assert "has no SMS wording yet" in refused
    for values in (
        {"day_offset": 14, "kind": "escalate", "follow_up_type": payment.pk, "subject": "Step in"},
        {"day_offset": 3, "kind": "message", "template": template.pk, "channels": ["email"]},
        {"day_offset": 10, "kind": "task", "follow_up_type": payment.pk, "subject": "Call"},
    ):
        assert client.post(add, values).status_code == 302
    page = _page(client.get(edit))
    # Steps show in day order, whatever order they were added in.
    assert page.index("Day 3") < page.index("Day 10") < page.index("Day 14")
    assert "Send “Payment reminder” by email" in page
    assert "Escalate to a manager: “Step in”" in page

    with world.active():
        task = SequenceStep.objects.get(sequence=sequence, kind="task")
    step_url = reverse("automation-settings:step-edit", kwargs={"sequence_step_pk": task.pk})
    assert 'value="Call"' in _page(client.get(step_url))
    client.post(
        step_url,
        {"day_offset": 11, "kind": "task", "follow_up_type": payment.pk, "subject": "Call them"},
    )
    delete = reverse("automation-settings:step-delete", kwargs={"sequence_step_pk": task.pk})
    assert client.get(delete).status_code == 405
    with world.active():
        assert SequenceStep.objects.get(pk=task.pk).day_offset == 11
    client.post(delete)
    listing = _page(client.get(reverse("automation-settings:sequences")))
    assert "Payment reminders" in listing and "0 in it now" in listing
    with world.active():
        assert SequenceStep.objects.filter(sequence=sequence).count() == 2

    # A sequence never used can be deleted; a used one is switched off instead.
    client.post(reverse("automation-settings:sequence-delete", kwargs={"sequence_pk": sequence.pk}))
    with world.active():
        assert not Sequence.objects.filter(pk=sequence.pk).exists()


def test_a_used_sequence_is_switched_off_not_deleted(client, world):
    sequence = _sequence(world)
    enrolment = _enrol(world, sequence, lead=lead_for(world, owner=world.rep))
    sign_in(client, world.admin)
    delete = reverse("automation-settings:sequence-delete", kwargs={"sequence_pk": sequence.pk})
    follow = client.post(delete, follow=True)
    assert "switch it off instead" in _page(follow)
    client.post(
        reverse("automation-settings:sequence-edit", kwargs={"sequence_pk": sequence.pk}),
        {"name": sequence.name, "description": ""},
    )
    with world.active():
        stopped = SequenceEnrolment.objects.get(pk=enrolment.pk)
    assert (stopped.status, stopped.stop_reason) == ("stopped", "The sequence was switched off")


def test_the_enrolments_page_shows_status_and_stop_reasons_and_stops_by_hand(client, world):
    sequence = _sequence(world)
    replied = _enrol(world, sequence, lead=lead_for(world, owner=world.rep))
    with world.active():
        sequences.enrolments_stop(
            tenant=world.tenant, lead=replied.lead, reason="Replied by SMS (T-1001)"
        )
    active = _enrol(world, sequence, lead=lead_for(world, owner=world.rep))
    sign_in(client, world.admin)
    url = reverse("automation-settings:enrolments", kwargs={"sequence_pk": sequence.pk})
    page = _page(client.get(url))
    assert "Replied by SMS (T-1001)" in page
    assert active.lead.reference in page and "Step 1," in page

    stopped_only = _page(client.get(url, {"status": "stopped"}))
    assert replied.lead.reference in stopped_only and active.lead.reference not in stopped_only

    stop = reverse("automation-settings:enrolment-stop", kwargs={"enrolment_pk": active.pk})
    response = client.post(stop, {"reason": "Paid at the counter", "next": f"{url}?status=active"})
    assert response.url == f"{url}?status=active"
    with world.active():
        done = SequenceEnrolment.objects.get(pk=active.pk)
    assert (done.status, done.stop_reason) == ("stopped", "Paid at the counter")
    assert "Paid at the counter" in _page(client.get(url))


def test_the_enrolments_page_costs_the_same_for_one_row_or_many(client, world):
    sequence = _sequence(world)
    _enrol(world, sequence, lead=lead_for(world, owner=world.rep))
    sign_in(client, world.admin)
    url = reverse("automation-settings:enrolments", kwargs={"sequence_pk": sequence.pk})
    few = queries_for(client, url)
    for _ in range(6):
        contact = ContactFactory(tenant=world.tenant)
        _enrol(world, sequence, lead=lead_for(world, owner=world.manager, contact=contact))
    assert queries_for(client, url) == few
    listing = reverse("automation-settings:sequences")
    few = queries_for(client, listing)
    _sequence(world, "Another")
    assert queries_for(client, listing) == few


# --- The enrol panel on lead and contact pages -------------------------------------------------


def test_the_lead_page_loads_the_panel_and_enrols_the_lead(client, world):
    sequence = _sequence(world)
    lead = lead_for(world, owner=world.rep)
    sign_in(client, world.rep)
    detail = _page(client.get(reverse("leads:detail", kwargs={"lead_pk": lead.pk})))
    panel_url = reverse("automation:lead-sequences", kwargs={"lead_pk": lead.pk})
    assert f'hx-get="{panel_url}"' in detail

    panel = _page(client.get(panel_url, **HX))
    assert "Not in any sequence." in panel and "Enrol in sequence" in panel
    assert "<html" not in panel
    # Without htmx the panel is a page of its own.
    assert "<html" in _page(client.get(panel_url))

    panel = _page(client.post(panel_url, {"sequence": sequence.pk}, **HX))
    assert "Enrolled in Onboarding." in panel and "active" in panel
    with world.active():
        enrolment = SequenceEnrolment.objects.get(lead=lead)
    assert (enrolment.owner, enrolment.enrolled_by) == (world.rep, world.rep.user)

    again = _page(client.post(panel_url, {"sequence": sequence.pk}, **HX))
    assert "already in “Onboarding”" in again

    stop = reverse("automation:enrolment-stop", kwargs={"enrolment_pk": enrolment.pk})
    panel = _page(client.post(stop, {"on": "lead"}, **HX))
    assert "Stopped Onboarding." in panel
    assert f"Stopped by hand by {world.rep.user.full_name}" in panel


def test_a_rep_cannot_enrol_or_stop_another_reps_lead(client, world):
    sequence = _sequence(world)
    theirs = lead_for(world, owner=world.manager)
    enrolment = _enrol(world, sequence, lead=theirs)
    sign_in(client, world.rep)
    panel_url = reverse("automation:lead-sequences", kwargs={"lead_pk": theirs.pk})
    panel = _page(client.get(panel_url, **HX))
    assert "Onboarding" in panel and "Enrol in sequence" not in panel and ">Stop<" not in panel
    assert client.post(panel_url, {"sequence": sequence.pk}, **HX).status_code == 403
    stop = reverse("automation:enrolment-stop", kwargs={"enrolment_pk": enrolment.pk})
    assert client.post(stop, {"on": "lead"}).status_code == 403


def test_the_contact_page_enrols_the_contact_on_their_own(client, world):
    sequence = _sequence(world)
    sign_in(client, world.rep)
    detail = _page(client.get(reverse("contacts:detail", kwargs={"contact_pk": world.contact.pk})))
    panel_url = reverse("automation:contact-sequences", kwargs={"contact_pk": world.contact.pk})
    assert f'hx-get="{panel_url}"' in detail
    # A plain form (no htmx) comes back to the contact page with a message.
    response = client.post(panel_url, {"sequence": sequence.pk}, follow=True)
    assert "Enrolled in Onboarding." in _page(response)
    with world.active():
        enrolment = SequenceEnrolment.objects.get(contact=world.contact)
    assert (enrolment.lead, enrolment.owner) == (None, world.rep)


def test_bulk_enrol_from_a_list_selection(client, world):
    sequence = _sequence(world)
    mine = lead_for(world, owner=world.rep)
    theirs = lead_for(world, owner=world.manager)
    other = ContactFactory(tenant=world.tenant)
    ContactEmailFactory(tenant=world.tenant, contact=other)
    sign_in(client, world.rep)
    url = reverse("automation:sequences-enrol")
    response = client.post(
        url,
        {
            "sequence": sequence.pk,
            "leads": [mine.pk, theirs.pk],
            "contacts": [other.pk],
            "next": "/leads/?stage=1",
        },
        follow=True,
    )
    assert response.redirect_chain[0][0] == "/leads/?stage=1"
    assert "2 enrolled in Onboarding." in _page(response)
    with world.active():
        # The rep's own lead and the contact; the other rep's lead is left out.
        enrolled = set(SequenceEnrolment.objects.values_list("lead_id", "contact_id"))
    assert enrolled == {(mine.pk, world.contact.pk), (None, other.pk)}
    nothing = client.post(url, {"sequence": sequence.pk}, follow=True)
    assert "Tick the leads or contacts to enrol." in _page(nothing)


def test_the_panel_waits_for_its_first_sequence(client, world):
    sign_in(client, world.admin)
    panel = _page(
        client.get(
            reverse("automation:contact-sequences", kwargs={"contact_pk": world.contact.pk}), **HX
        )
    )
    assert "No sequences to enrol in yet" in panel and "set one up" in panel


def test_the_enrolment_times_are_the_business_day(client, world):
    """The next step shows in the member's page as the local morning it runs."""
    sequence = _sequence(world)
    enrolment = _enrol(world, sequence, lead=lead_for(world, owner=world.rep))
    local = enrolment.next_step_at.astimezone(world.tenant.zone)
    assert (local.hour, local.minute) == (9, 0)
    assert local.date() - enrolment.enrolled_at.astimezone(world.tenant.zone).date() == (
        dt.timedelta(days=2)
    )


@pytest.mark.parametrize("role", [Role.REP, Role.MANAGER])
def test_the_lead_and_contact_lists_offer_to_enrol_the_ticked_rows(client, world, role):
    sequence = _sequence(world)
    lead_for(world, owner=world.rep)
    sign_in(client, world.membership(role))
    enrol_url = reverse("automation:sequences-enrol")
    leads_page = _page(client.get(reverse("leads:list")))
    assert f'formaction="{enrol_url}"' in leads_page and sequence.name in leads_page
    # Only managers reassign; everyone enrols.
    assert ("Reassign" in leads_page) == (role == Role.MANAGER)
    contacts_page = _page(client.get(reverse("contacts:list")))
    assert f'action="{enrol_url}"' in contacts_page
    assert f'name="contacts" value="{world.contact.pk}"' in contacts_page
