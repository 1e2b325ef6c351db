from html import escape  # the stdlib one: django.utils.html.escape wraps it for lazy strings

from django import template
from django.utils.safestring import mark_safe

from crm.kit import formatting
from crm.kit.widgets import field_html
from leads import assignment_text

register = template.Library()

register.filter("money", formatting.money)
register.filter("duration", formatting.duration)
# {{ form.field|fast_widget }}: the field without a template per option (crm.kit.widgets).
register.filter("fast_widget", field_html)


def progress_bar_html(bar, large: bool = False) -> str:
    """The bar as HTML, built here rather than by an included template: the lead list draws fifty
    bars of about ten segments each (7.6 ms of CPU per page through a template, 5.1 ms through
    format_html_join; docs/benchmarks.md, "Load test"). Plain f-strings with escape() give the
    same markup for a fraction of that; the rest is the segments' titles."""
    classes = f"progress progress-{bar.colour}"
    if bar.stalled:
        classes += " stalled"
    if large:
        classes += " large"
    segments = "".join(
        f'<span class="seg seg-{escape(segment.state)}'
        f'{" tint-" + escape(segment.tint) if segment.tint else ""}" '
        f'title="{escape(segment.title)}"></span>'
        for segment in bar.segments
    )
    return (
        f'<div class="{escape(classes)}" role="img" aria-label="{escape(bar.summary)}">'
        f"{segments}</div>"
    )


@register.simple_tag
def progress_bar(bar, large: bool = False):
    return mark_safe(progress_bar_html(bar, large))  # noqa: S308  # nosec B308 B703  (escaped above)


@register.filter
def stages_for(options, lead):
    """The stages a row's "move to" menu offers: the lead's pipeline, without archived/lost ones."""
    return options.stages_for(lead)


@register.filter
def assignment_explanation(decision) -> str:
    """How the lead got its owner, or why it has none (leads.assignment_text)."""
    return assignment_text.describe_decision(decision)


@register.filter
def skipped_member(entry) -> str:
    """'Alex Kim over capacity (12/10 open sales leads)'."""
    return assignment_text.describe_skipped([entry])


@register.filter
def assignment_brief(decision) -> str:
    """Who was passed over and why, for a list row (leads.assignment_text)."""
    return assignment_text.describe_briefly(decision)
