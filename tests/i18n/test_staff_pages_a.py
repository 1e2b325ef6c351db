"""Dutch and Spanish for the staff pages of follow-ups, dashboards, documents and leads: the
templates and Python strings render translated, and every message of those files has a
translation in locale/ (the catalogs are compiled and committed)."""

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from dashboards.period import PERIODS
from followups.forms.follow_ups import FollowUpFilterForm
from followups.models import FollowUpSeries
from followups.selectors.detail import offset_label
from followups.services.recurrence_rules import series_describe

LOCALE = Path(settings.BASE_DIR) / "locale"

# The files whose strings this catalog must cover (the staff areas below).
OWN = re.compile(
    r"^(templates/(followups|dashboards|documents)/"
    r"|templates/leads/(?!public/)"
    r"|(followups|dashboards|documents)/(?!.*models\.py)"
    r"|leads/(views|forms|services)/(?!capture\.py|public_quote\.py|quotes\.py))"
)


def render(template: str, context: dict, language: str) -> str:
    with translation.override(language):
        return " ".join(render_to_string(template, context).split())


def test_the_follow_up_tabs_read_in_each_language():
    assert "Lijst" in render("followups/_tabs.html", {}, "nl")
    assert "Agenda" in render("followups/_tabs.html", {}, "nl")
    assert "Calendario" in render("followups/_tabs.html", {}, "es")
    english = render("followups/_tabs.html", {}, "en")
    assert ">List<" in english and "Lijst" not in english


def test_a_dashboard_section_reads_in_dutch_and_spanish():
    assert "Reactiesnelheid" in render("dashboards/_speed.html", {}, "nl")
    assert "Velocidad de respuesta" in render("dashboards/_speed.html", {}, "es")
    assert "Speed to lead" in render("dashboards/_speed.html", {}, "en")


def test_the_neglect_badge_counts_days_in_the_right_plural():
    flag = SimpleNamespace(
        follow_up_id=None,
        last_touch_at=dt.date(2025, 3, 1),
        flagged_at=dt.date(2025, 3, 12),
        owner=None,
        manager_alerted_at=None,
    )
    one = render("followups/_neglect_badge.html", {"flag": flag, "days": 1}, "nl")
    many = render("followups/_neglect_badge.html", {"flag": flag, "days": 12}, "nl")
    assert "1 dag zonder contact" in one
    assert "12 dagen zonder contact" in many
    assert "Verwaarloosd" in many
    assert "12 días sin contacto" in render(
        "followups/_neglect_badge.html", {"flag": flag, "days": 12}, "es"
    )
    assert "12 days without contact" in render(
        "followups/_neglect_badge.html", {"flag": flag, "days": 12}, "en"
    )


def test_python_labels_follow_the_active_language():
    with translation.override("nl"):
        assert str(PERIODS["week"]) == "Deze week"
        assert FollowUpFilterForm.base_fields["q"].label == "Zoeken"
    with translation.override("es"):
        assert str(PERIODS["week"]) == "Esta semana"
    with translation.override("en"):
        assert str(PERIODS["week"]) == "This week"


def test_reminder_offsets_and_repeat_rules_read_in_dutch_and_spanish():
    with translation.override("nl"):
        assert offset_label(0) == "Op het moment zelf"
        assert offset_label(1440) == "1 dag ervoor"
        assert offset_label(2880) == "2 dagen ervoor"
    assert offset_label(90) == "90 minutes before"
    series = FollowUpSeries(
        rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH",
        starts_at=dt.datetime(2026, 3, 3, 15, 0, tzinfo=dt.UTC),
        time_zone="America/New_York",
        count=6,
    )
    assert (
        series_describe(series) == "Every 2 weeks on Tue, Thu at 10:00 (America/New_York), 6 times"
    )
    with translation.override("nl"):
        assert (
            series_describe(series) == "Elke 2 weken op di, do om 10:00 (America/New_York), 6 keer"
        )
    with translation.override("es"):
        assert series_describe(series) == (
            "Cada 2 semanas los mar, jue a las 10:00 (America/New_York), 6 veces"
        )


def _entries(po: str):
    for block in po.split("\n\n"):
        refs = [
            ref.rsplit(":", 1)[0]
            for line in block.splitlines()
            if line.startswith("#:")
            for ref in line[2:].split()
        ]
        msgid = re.search(r'^msgid "(.*)"', block, re.M)
        strs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', block, re.M)
        if msgid and refs:
            yield (
                refs,
                "#, fuzzy" in block,
                ["".join([a, *re.findall(r'"(.*)"', b)]) for a, b in strs],
            )


@pytest.mark.parametrize("language", ["nl", "es"])
def test_every_message_of_these_staff_pages_is_translated(language):
    po = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert (LOCALE / language / "LC_MESSAGES" / "django.mo").exists()
    own = [(refs, fuzzy, strs) for refs, fuzzy, strs in _entries(po) if any(map(OWN.match, refs))]
    assert len(own) > 900
    untranslated = [refs[0] for refs, fuzzy, strs in own if fuzzy or not all(strs)]
    assert untranslated == []
