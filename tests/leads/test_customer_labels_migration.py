"""Stages made from a ready-made pipeline before labels came per language get the template's
labels in the other languages when the migration runs; labels an admin already gave stay."""

import importlib

import pytest
from django.db import connection

from leads.models import Stage
from tests.factories import pipeline_for

pytestmark = pytest.mark.django_db

migration = importlib.import_module("leads.migrations.0019_stage_customer_labels_from_templates")


def _migrate(world, pipeline, **labels_by_stage) -> dict[str, dict]:
    with world.active():
        Stage.objects.filter(pipeline=pipeline).update(customer_labels={})
        for name, labels in labels_by_stage.items():
            Stage.objects.filter(pipeline=pipeline, name=name).update(customer_labels=labels)
        with connection.cursor() as cursor:
            cursor.execute(migration.TEMPLATE_LABELS)
        return dict(Stage.objects.filter(pipeline=pipeline).values_list("name", "customer_labels"))


def test_an_english_teams_template_stages_get_dutch_and_spanish(world):
    pipeline = pipeline_for(world.tenant)

    labels = _migrate(world, pipeline, Contacted={"es": "Le llamamos"})

    assert labels["Quote sent"] == {"nl": "Offerte klaar", "es": "Presupuesto listo"}
    assert labels["Contacted"] == {"es": "Le llamamos"}  # the admin's own stay


def test_a_dutch_team_keeps_the_english_words_as_the_english_label(world):
    pipeline = pipeline_for(world.tenant)
    world.tenant.language = "nl"
    world.tenant.save(update_fields=["language"])

    labels = _migrate(world, pipeline)

    assert labels["Quote sent"] == {
        "en": "Quote ready",
        "nl": "Offerte klaar",
        "es": "Presupuesto listo",
    }
