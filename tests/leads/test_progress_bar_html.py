"""The progress bar's HTML, built in Python for the lead list's speed, is the markup the template
that drew it before produced, escaping included."""

import datetime as dt

from django.template import Context, Template

from leads.models import Stage
from leads.progress import ProgressBar, Segment
from leads.templatetags.leads_tags import progress_bar

# templates/leads/_progress.html as it was, the reference.
TEMPLATE_BEFORE = (
    '<div class="progress progress-{{ bar.colour }}{% if bar.stalled %} stalled{% endif %}'
    '{% if large %} large{% endif %}" role="img" aria-label="{{ bar.summary }}">'
    '{% for segment in bar.segments %}<span class="seg seg-{{ segment.state }}'
    '{% if segment.tint %} tint-{{ segment.tint }}{% endif %}" title="{{ segment.title }}">'
    "</span>{% endfor %}</div>"
)
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def bar(*, stalled: bool) -> ProgressBar:
    return ProgressBar(
        segments=[
            Segment(
                Stage(name='New & "hot" <lead>'),
                "past",
                "late",
                entered_at=NOW - dt.timedelta(days=3),
                left_at=NOW - dt.timedelta(days=1),
            ),
            Segment(Stage(name="Skipped"), "past", "skipped"),
            Segment(
                Stage(name="Contacted"),
                "current",
                "orange",
                entered_at=NOW - dt.timedelta(days=1),
                read_at=NOW,
            ),
            Segment(Stage(name="Won"), "future", ""),
        ],
        colour="orange",
        stalled=stalled,
        summary="Contacted <b>for a day</b> & late",
    )


def test_the_bar_is_the_markup_the_template_drew():
    for stalled in (False, True):
        for large in (False, True):
            before = Template(TEMPLATE_BEFORE).render(
                Context({"bar": bar(stalled=stalled), "large": large})
            )
            assert progress_bar(bar(stalled=stalled), large=large) == before
    assert "&lt;lead&gt;" in before and "<b>" not in before
    in_a_page = Template("{% load leads_tags %}{% progress_bar bar large=True %}").render(
        Context({"bar": bar(stalled=False)})
    )
    assert in_a_page == progress_bar(bar(stalled=False), large=True)
