"""{% path_to %} gives what {% url %} gives for a URL that takes one id."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from crm.templatetags.paths import path_to_id


@pytest.mark.parametrize(
    ("name", "kwarg"),
    [
        ("followups:detail", "follow_up_pk"),
        ("followups:actions", "follow_up_pk"),
        ("contacts:detail", "contact_pk"),
        ("leads:detail", "lead_pk"),
        ("tickets:detail", "ticket_pk"),
    ],
)
def test_path_to_is_the_reversed_url(name, kwarg):
    for pk in (1, 42, 987654321):
        assert path_to_id(name, pk) == reverse(name, kwargs={kwarg: pk})


def test_the_tag_renders_like_url():
    template = Template(
        "{% load paths %}{% path_to 'followups:start' pk %}|{% url 'followups:start' follow_up_pk=pk %}"
    )
    ours, django = template.render(Context({"pk": 7})).split("|")
    assert ours == django == "/followups/7/start/"


def test_a_url_without_one_id_is_refused():
    with pytest.raises(Exception):  # noqa: B017  (NoReverseMatch or our ValueError)
        path_to_id("tickets:inbox", 1)
