"""The board's column counts stop at BOARD_COUNT_CAP ("1000+"), so a team with a million leads'
follow-ups never counts them all; its queries do not grow with the number of cards."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from followups.models import Outcome
from followups.selectors import board
from tests.conftest import queries_for, sign_in
from tests.followups.test_pages import follow_up_for

pytestmark = pytest.mark.django_db

BOARD = reverse("followups:board")
NOW = dt.datetime(2025, 3, 12, 15, 0, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_a_column_counts_up_to_the_cap(client, world, monkeypatch):
    monkeypatch.setattr(board, "BOARD_CARDS_PER_COLUMN", 2)
    monkeypatch.setattr(board, "BOARD_COUNT_CAP", 3)
    for hour in range(5):
        follow_up_for(world, subject=f"Call {hour}", at=NOW + dt.timedelta(hours=hour + 1))
    sign_in(client, world.rep)
    response = client.get(BOARD)
    pending = response.context["columns"][0]
    assert [f.subject for f in pending.cards] == ["Call 0", "Call 1"]
    assert pending.capped and pending.total_label == "3+" and pending.more_label == "1+"
    html = response.content.decode()
    assert '<span class="fu-count">3+</span>' in html
    assert "1+ more in the list" in html


@time_machine.travel(NOW, tick=False)
def test_under_the_cap_a_column_shows_its_exact_count(client, world, monkeypatch):
    monkeypatch.setattr(board, "BOARD_CARDS_PER_COLUMN", 2)
    for hour in range(3):
        follow_up_for(world, subject=f"Call {hour}", at=NOW + dt.timedelta(hours=hour + 1))
    sign_in(client, world.rep)
    html = client.get(BOARD).content.decode()
    assert '<span class="fu-count">3</span>' in html
    assert "1 more in the list" in html


@time_machine.travel(NOW, tick=False)
def test_the_board_runs_the_same_queries_for_few_cards_and_many(client, world, monkeypatch):
    monkeypatch.setattr(board, "BOARD_CARDS_PER_COLUMN", 2)
    sign_in(client, world.manager)
    for hour in range(3):
        follow_up_for(world, subject=f"Call {hour}", at=NOW + dt.timedelta(hours=hour + 1))
    few = queries_for(client, BOARD)
    for hour in range(3, 9):
        follow_up_for(world, subject=f"Call {hour}", at=NOW + dt.timedelta(hours=hour + 1))
    # BEGIN, the membership with its user, the filters' choices, every column's cards, the counts
    # of the full columns (one statement), COMMIT.
    assert queries_for(client, BOARD) == few == 6


@time_machine.travel(NOW, tick=False)
def test_each_card_offers_every_outcome(client, world):
    follow_up_for(world, subject="Call", at=NOW + dt.timedelta(hours=1))
    sign_in(client, world.rep)
    html = client.get(BOARD).content.decode()
    options = "".join(
        f'<option value="{value}">{label}</option>' for value, label in Outcome.choices
    )
    assert (
        f'<select name="outcome" required><option value="">Choose…</option>{options}</select>'
        in html
    )
