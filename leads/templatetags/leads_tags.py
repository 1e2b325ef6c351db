from django import template
from django.utils.html import format_html, format_html_join

from crm.kit import formatting
from leads import assignment_text

register = template.Library()

register.filter("money", formatting.money)
register.filter("duration", formatting.duration)


@register.simple_tag
def progress_bar(bar, large: bool = False):
    """The bar as HTML, built here rather than by an included template: the lead list draws fifty
    bars of about ten segments each, 7.6 ms of CPU per page through the template and 5.1 ms here
    (docs/benchmarks.md, "Load test"); the rest is the segments' titles."""
    classes = f"progress progress-{bar.colour}"
    if bar.stalled:
        classes += " stalled"
    if large:
        classes += " large"
    segments = format_html_join(
        "",
        '<span class="seg seg-{}{}" title="{}"></span>',
        (
            (segment.state, f" tint-{segment.tint}" if segment.tint else "", segment.title)
            for segment in bar.segments
        ),
    )
    return format_html(
        '<div class="{}" role="img" aria-label="{}">{}</div>', classes, bar.summary, segments
    )


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
