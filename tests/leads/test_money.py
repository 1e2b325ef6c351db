"""A job's money: its amount due (the accepted quote), its payments (deposit, progress, final) and
its balance. "Paid" means paid in full, and the job reaches its paid stage only once the work is
completed too, in whichever order the two happen."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.models import TimelineEvent
from leads.models import Lead, Payment, QuoteStatus
from leads.selectors.money import lead_balance
from leads.services.payments import payment_record
from leads.services.quotes import quote_save_draft
from leads.services.stages import lead_move_to_stage
from tests.factories import lead_for, pipeline_for, stage_named

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(world):
    """A $17,300 roof, its quote accepted, the lead won."""
    pipeline = pipeline_for(world.tenant)
    lead = lead_for(world, pipeline, owner=world.rep, title="Roof replacement")
    with world.active():
        quote = quote_save_draft(
            tenant=world.tenant,
            actor=world.rep.user,
            lead=lead,
            lines=[("Roof replacement", Decimal("1"), Decimal("17300"))],
            valid_until=world.tenant.today() + dt.timedelta(days=30),
        )
        type(quote).objects.filter(pk=quote.pk).update(status=QuoteStatus.ACCEPTED)
    move(world, lead, "Won")
    return lead


def move(world, lead, name):
    with world.active():
        return _move(world, lead, name)


def _move(world, lead, name):
    return lead_move_to_stage(
        tenant=world.tenant,
        actor=world.manager.user,
        lead=Lead.objects.get(pk=lead.pk),
        stage=stage_named(lead.pipeline, name),
    )


def pay(world, lead, amount, kind="progress"):
    with world.active():
        return _pay(world, lead, amount, kind)


def _pay(world, lead, amount, kind="progress"):
    return payment_record(
        tenant=world.tenant,
        actor=world.manager.user,
        lead=Lead.objects.get(pk=lead.pk),
        amount=Decimal(amount),
        method="check",
        received_on=world.tenant.today(),
        kind=kind,
    )


def refusal(world, call, *args) -> list[str]:
    """The messages of the ValidationError `call` raises (inside the tenant's transaction, which
    the refusal leaves usable: the service's own savepoint rolls back)."""
    with world.active(), pytest.raises(ValidationError) as refused:
        call(world, *args)
    return refused.value.messages


def stage_of(world, lead) -> str:
    with world.active():
        return Lead.objects.select_related("stage").get(pk=lead.pk).stage.name


def balance(world, lead):
    with world.active():
        return lead_balance(tenant=world.tenant, lead=lead)


def test_a_deposit_leaves_the_job_where_it_is_with_its_balance(world, job):
    pay(world, job, "3000", "deposit")

    assert stage_of(world, job) == "Won"
    figures = balance(world, job)
    assert (figures.amount_due, figures.paid, figures.balance) == (
        Decimal("17300"),
        Decimal("3000"),
        Decimal("14300"),
    )
    assert not figures.paid_in_full
    with world.active():
        summary = TimelineEvent.objects.get(lead_id=job.pk, kind="payment.recorded").summary
    assert summary == "Deposit of $3,000 recorded (Check): $14,300 left to pay"


def test_payments_through_production_reach_paid_only_when_paid_in_full_and_completed(world, job):
    pay(world, job, "3000", "deposit")
    move(world, job, "Scheduled")
    move(world, job, "In production")
    pay(world, job, "7000", "progress")
    assert stage_of(world, job) == "In production"

    move(world, job, "Completed")
    assert stage_of(world, job) == "Completed"  # $7,300 still due

    pay(world, job, "7300", "final")
    assert stage_of(world, job) == "Paid"
    assert balance(world, job).paid_in_full


def test_paid_in_full_before_the_work_is_done_waits_for_the_work(world, job):
    pay(world, job, "17300", "final")
    assert stage_of(world, job) == "Won"

    move(world, job, "In production")
    assert stage_of(world, job) == "In production"

    move(world, job, "Completed")
    assert stage_of(world, job) == "Paid"


def test_an_over_payment_is_refused_with_the_balance_in_words(world, job):
    pay(world, job, "3000", "deposit")

    assert refusal(world, _pay, job, "15000") == [
        "$15,000 is more than the balance of $14,300. Record at most the balance "
        "(refund or credit the difference outside Threadline)."
    ]
    with world.active():
        assert Payment.objects.filter(lead=job).count() == 1


def test_a_final_payment_must_settle_the_balance(world, job):
    messages = refusal(world, _pay, job, "17000", "final")

    assert "A final payment settles the balance of $17,300." in messages[0]


def test_nothing_more_is_taken_on_a_job_paid_in_full(world, job):
    pay(world, job, "17300")  # a progress payment of the whole balance pays it in full too

    assert balance(world, job).paid_in_full
    assert refusal(world, _pay, job, "1") == [
        "This job is paid in full: there is nothing left to pay."
    ]


def test_a_job_with_money_due_is_not_moved_to_paid_by_hand(world, job):
    move(world, job, "Completed")
    pay(world, job, "3000", "deposit")

    for stage in ("Paid", "Review requested"):
        assert refusal(world, _move, job, stage) == [
            f"L-{job.number} still has $14,300 to pay: record the payment and it moves to "
            "“Paid” by itself once the work is completed."
        ]
    assert stage_of(world, job) == "Completed"


def test_without_an_accepted_quote_a_final_payment_settles_the_job(world):
    lead = lead_for(world, pipeline_for(world.tenant), owner=world.rep)
    move(world, lead, "Won")
    move(world, lead, "Completed")

    pay(world, lead, "500", "deposit")
    assert stage_of(world, lead) == "Completed"

    pay(world, lead, "9500", "final")
    assert stage_of(world, lead) == "Paid"
    assert balance(world, lead).balance is None and balance(world, lead).paid_in_full
