"""The ChargeCars demo is an EV-charger business throughout, in Dutch: none of its rows speaks of
roofs, adjusters or insurance claims (the roofing demo's words)."""

import re

import pytest
from django.apps import apps
from django.db import models

from crm.tenancy import tenant_context
from demo.management.commands.seed_demo import Command

ROOFING = re.compile(
    r"\b(re-?roof\w*|roof\w*|shingle\w*|adjuster\w*|insurance|claims?|hail|"
    r"dak\w*|dakdekker\w*|verzeker\w*|schade-?expert\w*|passport|paspoort)\b",
    re.IGNORECASE,
)


def _texts(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def roofing_words(tenant) -> list[str]:
    found = []
    for model in apps.get_models():
        if not any(field.name == "tenant" for field in model._meta.concrete_fields):
            continue
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField, models.JSONField))
        ]
        if not fields:
            continue
        for row in model._base_manager.filter(tenant=tenant).values_list("pk", *fields):
            for name, value in zip(fields, row[1:], strict=True):
                for text in _texts(value):
                    if match := ROOFING.search(text):
                        found.append(f"{model.__name__}#{row[0]}.{name}: {match.group(0)!r}")
    return found


@pytest.mark.django_db
def test_the_dutch_demo_has_no_roofing_words():
    tenant = Command()._chargecars()
    with tenant_context(tenant):
        found = roofing_words(tenant)
    assert not found, "\n".join(found)


def test_the_check_finds_a_roofing_word():
    assert ROOFING.search("Status check with the adjuster")
    assert ROOFING.search("Measure the roof for the estimate")
    assert not ROOFING.search("Schouw: meterkast en plek van de laadpaal bekijken")
