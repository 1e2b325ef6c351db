"""Fuzzing the message template sandbox (messaging/rendering.py, messaging/template_sandbox.py) with
hypothesis: template sources stitched from the template language's pieces (known and forbidden
tags, filters with odd arguments, attribute lookups, unbalanced braces) and variables of any text.

A template is either refused with a TemplateProblem the admin can read, or renders; rendering a
saved template raises nothing but MissingVariables. Nothing outside the sandbox is reachable: no
settings, no private attributes, no other templates, whatever the source says. The live preview
page answers 200 or 400, never 5xx.
"""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from messaging import rendering
from tests.conftest import sign_in
from tests.fuzz.budget import any_text, fuzz_settings, rolled_back
from tests.messaging.test_template_settings import _template, _variant_data

pytestmark = pytest.mark.django_db

NAMES = [*rendering.VARIABLES, "forloop", "request", "settings", "user", "csrf_token", "block"]
LOOKUPS = ["", ".0", ".upper", ".__class__", "._meta", ".items", ".keys", ".1.2", ".count"]
FILTERS = [
    "upper", "lower", "title", "default:'x'", "default:first_name", "truncatechars:5",
    "truncatechars:-1", "truncatewords:'a'", "date:'Y-m-d'", "date:'\\\\'", "floatformat:'x'",
    "join:', '", "cut:' '", "pluralize:'a,b,c'", "yesno:'a'", "wordwrap:0", "urlize", "first",
    "safe", "escape", "pprint", "add:'1'", "stringformat:'%s'", "slice:':2'", "dictsort:'x'",
    "random", "linebreaks", "length", "time:'H:i'", "unknown_filter",
]  # fmt: skip
TAGS = [
    "{% if first_name %}", "{% elif brand_name %}", "{% else %}", "{% endif %}",
    "{% for item in recent_updates %}", "{% empty %}", "{% endfor %}",
    "{% with x=first_name %}", "{% endwith %}", "{% firstof owner_name 'us' %}",
    "{% comment %}", "{% endcomment %}", "{% spaceless %}", "{% endspaceless %}",
    "{% load static %}", "{% include 'base.html' %}", "{% extends 'base.html' %}",
    "{% url 'login' %}", "{% debug %}", "{% now 'Y' %}", "{% csrf_token %}", "{% ssi '/etc/passwd' %}",
    "{% templatetag openblock %}", "{% cycle 'a' 'b' %}", "{% widthratio 1 0 1 %}",
    "{% regroup recent_updates by x as y %}", "{% filter upper %}", "{% autoescape off %}",
    "{% verbatim %}", "{% block x %}", "{% lorem %}", "{% if %}", "{% for %}",
]  # fmt: skip


@st.composite
def variables(draw):
    name = draw(st.sampled_from(NAMES))
    chain = "".join(f"|{f}" for f in draw(st.lists(st.sampled_from(FILTERS), max_size=3)))
    return "{{ " + name + draw(st.sampled_from(LOOKUPS)) + chain + " }}"


pieces = st.one_of(
    any_text,
    variables(),
    st.sampled_from(TAGS),
    st.sampled_from(["{{", "}}", "{%", "%}", "{#", "#}", "{{ }}", "{% %}", "{", "}"]),
)
sources = st.lists(pieces, max_size=12).map("".join)


@fuzz_settings(200)
@given(source=sources, value=any_text, html=st.booleans())
@example(source="{{ first_name.__class__ }}", value="x", html=False)
@example(source="{% load static %}{% static 'x' %}", value="x", html=False)
@example(source="{{ recent_updates|dictsort:'x' }}", value="x", html=False)
@example(source="{{ appointment_at|date:'\\' }}", value="x", html=False)
@example(source="{{ first_name|truncatewords:'a' }}", value="x", html=True)
def test_any_template_is_refused_in_words_or_renders_inside_the_sandbox(source, value, html):
    fields = {"html": source} if html else {"text": source}
    try:
        rendering.validate(text=fields.get("text", "x"), html=fields.get("html", ""))
    except rendering.TemplateProblem as problem:
        assert str(problem).split(":")[0] in ("Text", "HTML")
        return
    values = {**rendering.sample_variables(now=timezone.now()), "first_name": value}
    try:
        rendered = rendering.render(
            text=fields.get("text", "x"), html=fields.get("html", ""), variables=values
        )
    except rendering.MissingVariables:
        return
    output = rendered.text + rendered.html
    assert settings.SECRET_KEY not in output
    assert "<class " not in output and "&lt;class " not in output
    assert "DATABASES" not in output or "DATABASES" in source + value


@pytest.fixture
def preview_url(client, world) -> str:
    """An admin signed in, editing a template (made once for all the examples)."""
    sign_in(client, world.admin)
    template = _template(world)
    return reverse("comms-settings:variant-preview", kwargs={"template_pk": template.pk})


@fuzz_settings(20)
@given(source=sources)
@example(source="{% include 'base.html' %}")
@example(source="{{ first_name|date:'\\' }}")
def test_the_live_preview_answers_any_template_without_a_5xx(client, preview_url, source):
    with rolled_back():
        response = client.post(
            preview_url, _variant_data(body_text=source, body_html=source), HTTP_HX_REQUEST="true"
        )
    assert response.status_code in (200, 400)
