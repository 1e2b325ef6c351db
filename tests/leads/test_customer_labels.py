"""A stage's customer-facing label per language: what a customer reading each language sees, the
fallbacks (the label in the team's language, then the stage's name), which languages an admin may
give, and the ready-made pipelines' labels in every language Threadline speaks."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from leads.models import Stage, validate_customer_labels
from leads.pipeline_templates import TEMPLATES


def _stage(**fields) -> Stage:
    return Stage(name="Quote sent", **fields)  # never saved: no database


def test_a_customer_reads_the_label_in_their_own_language():
    stage = _stage(customer_label="Quote ready", customer_labels={"es": "Cotización lista"})

    assert stage.customer_label_in("es") == "Cotización lista"


def test_without_a_label_in_their_language_they_read_the_teams_then_the_stage_name():
    labelled = _stage(customer_label="Quote ready", customer_labels={"es": "Cotización lista"})
    unlabelled = _stage(customer_labels={"es": "Cotización lista"})

    assert labelled.customer_label_in("nl") == "Quote ready"
    assert labelled.customer_label_in(None) == "Quote ready"
    assert unlabelled.customer_label_in("nl") == "Quote sent"


def test_a_page_shows_the_label_in_its_readers_language():
    stage = _stage(customer_label="Offerte klaar", customer_labels={"en": "Quote ready"})

    with translation.override("en"):
        assert stage.label_for_customer == "Quote ready"
    with translation.override("es"):
        assert stage.label_for_customer == "Offerte klaar"


def test_the_settings_list_shows_the_translations_in_the_order_of_the_languages():
    stage = _stage(customer_labels={"es": "Cotización lista", "nl": "Offerte klaar", "en": ""})

    assert stage.translated_customer_labels == [("nl", "Offerte klaar"), ("es", "Cotización lista")]


@pytest.mark.parametrize(
    "labels",
    [
        {"pt": "Orçamento pronto"},  # a language Threadline is not translated into
        {"es": "   "},
        {"es": "x" * 81},
        ["Cotización lista"],
    ],
)
def test_labels_are_refused_in_unknown_languages_empty_or_too_long(labels):
    with pytest.raises(ValidationError):
        validate_customer_labels(labels)


def test_every_ready_made_stage_label_comes_in_english_dutch_and_spanish():
    for template in TEMPLATES.values():
        for spec in template.stages:
            assert set(spec.customer_labels()) == {"en", "nl", "es"}, spec.customer_label
