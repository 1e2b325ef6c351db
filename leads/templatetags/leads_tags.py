from html import escape  # the stdlib one: django.utils.html.escape wraps it for lazy strings

from django import template
from django.utils.safestring import mark_safe

from crm.kit import formatting
from crm.kit.translations import Translations
from crm.kit.widgets import field_html
from leads import assignment_text

register = template.Library()

register.filter("money", formatting.money)
register.filter("duration", formatting.duration)
# {{ form.field|fast_widget }}: the field without a template per option (crm.kit.widgets).
register.filter("fast_widget", field_html)


class ProgressBars:
    """Bars as HTML, built here rather than by an included template: the lead list draws fifty
    bars of about ten segments each (7.6 ms of CPU per page through a template, 5.1 ms through
    format_html_join). Plain f-strings with escape() give the
    same markup for a fraction of that. Make one per page: a segment's markup (its stage's name,
    state, tint and time in it) repeats from bar to bar, and is made once; its title's messages
    are looked up once (crm.kit.translations)."""

    def __init__(self):
        self.translate = Translations()
        self._segments: dict[tuple, str] = {}

    def segment(self, segment) -> str:
        key = (segment.stage.name, segment.state, segment.tint, segment.duration)
        html = self._segments.get(key)
        if html is None:
            tint = f" tint-{escape(segment.tint)}" if segment.tint else ""
            title = escape(segment.title_in(self.translate))
            html = f'<span class="seg seg-{escape(segment.state)}{tint}" title="{title}"></span>'
            self._segments[key] = html
        return html

    def html(self, bar, large: bool = False) -> str:
        classes = f"progress progress-{bar.colour}"
        if bar.stalled:
            classes += " stalled"
        if large:
            classes += " large"
        segments = "".join(self.segment(segment) for segment in bar.segments)
        return (
            f'<div class="{escape(classes)}" role="img" aria-label="{escape(bar.summary)}">'
            f"{segments}</div>"
        )


def progress_bar_html(bar, large: bool = False) -> str:
    return ProgressBars().html(bar, large)


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
