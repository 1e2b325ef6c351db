"""The template sandbox: what a template may use, which variables it needs, and how it renders."""

import pytest

from messaging import rendering


@pytest.mark.parametrize(
    "text",
    [
        "{% load static %}",
        "{% include 'base.html' %}",
        "{% url 'home' %}",
        "{% debug %}",
        "{{ first_name|safe }}",
        "{{ first_name.__class__ }}",
        "{{ custmer_name }}",
        '{% if typo_variable == "x" %}hi{% endif %}',
        "{% if first_name %}",
    ],
)
def test_refused(text):
    with pytest.raises(rendering.TemplateProblem):
        rendering.validate(text=text)


@pytest.mark.parametrize(
    "text",
    [
        'Hi {% firstof first_name "there" %}',
        '{{ "hello" }}',
        "{% if stage_label == None %}x{% endif %}",
        "{{ job_title|default:order_number }}",
        "{% for line in recent_updates %}- {{ line }}{% empty %}Nothing new{% endfor %}",
        "{% with name=first_name %}{{ name }}{% endwith %}",
    ],
)
def test_accepted(text):
    rendering.validate(text=text)


def test_a_guarded_variable_is_optional_and_an_unguarded_one_is_required():
    text = (
        "{% if next_step and stage_label %}Next: {{ next_step }}{% endif %}"
        "{{ quote_link|default:'soon' }} {{ first_name }}"
    )
    assert rendering.required_variables(text=text) == {"first_name"}
    rendered = rendering.render(text=text, variables={"first_name": "Ana", "stage_label": "Roof"})
    assert rendered.text == "soon Ana"
    with pytest.raises(rendering.MissingVariables) as missing:
        rendering.render(text=text, variables={"first_name": ""})
    assert missing.value.names == ["first_name"]


def test_html_is_escaped_and_text_is_not():
    rendered = rendering.render(
        subject="For {{ first_name }}",
        text="Hi {{ first_name }}",
        html="<p>Hi {{ first_name }}</p>",
        variables={"first_name": "<b>Ana</b> & co"},
    )
    assert rendered.subject == "For <b>Ana</b> & co"
    assert rendered.text == "Hi <b>Ana</b> & co"
    assert rendered.html == "<p>Hi &lt;b&gt;Ana&lt;/b&gt; &amp; co</p>"


def test_a_filter_that_only_fails_when_rendering_is_refused_on_save():
    with pytest.raises(rendering.TemplateProblem):
        rendering.validate(text='{{ first_name|wordwrap:"x" }}')
