"""The lead list's rows as HTML, built in Python once per page.

The template that drew them cost about 25 ms of CPU per page of fifty rows (266 `{% url %}`, an
include per row, a filter call per value). Here every per-page value (the URL prefixes, the CSRF
token, the escaped `next`) is worked out once and each row is a few f-strings. The markup is the
template's (tests/leads/test_lead_rows_html.py renders both and compares them).
"""

from dataclasses import dataclass
from html import escape  # the stdlib one: django.utils.html.escape wraps it for lazy strings
from urllib.parse import quote

from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from crm.kit.formatting import money_format
from crm.kit.row_markup import RowTimes
from crm.templatetags.paths import path_around_id
from leads import assignment_text
from leads.models import Lead, LeadStatus, LeadType, Location
from leads.selectors.lists import LeadRow
from leads.templatetags.leads_tags import ProgressBars


def _badge(kind: str, label: str) -> str:
    classes = f"badge {kind}" if kind else "badge"
    return f'<span class="{classes}">{escape(label)}</span>'


def _flash(*, error: str, done: str) -> str:
    """The row's message after an action on it: what went wrong, or what was done."""
    if error:
        return f'<p class="row-flash error" role="alert">{escape(error)}</p>'
    if done:
        return f'<p class="row-flash done" role="status">{escape(done)}</p>'
    return ""


@dataclass
class RowRenderer:
    """What every row of one page shares, computed once."""

    back_url: str
    csrf_token: str
    currency: str
    neglected_ids: set | frozenset = frozenset()

    def __post_init__(self):
        self.detail = path_around_id("leads:detail")
        self.next_stage = path_around_id("leads:next-stage")
        self.actions = path_around_id("leads:actions")
        self.money = money_format(self.currency)
        self.zone = timezone.get_current_timezone()
        self.bars = ProgressBars()
        back = escape(self.back_url)
        self.hidden = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(self.csrf_token)}">'
            f'<input type="hidden" name="next" value="{back}">'
        )
        self.actions_query = escape(quote(self.back_url, safe="/"))
        self.priority = escape(gettext("Priority"))
        self.unassigned = escape(gettext("Unassigned"))
        # Every label a row may show, translated once per page. The gettext calls stay outside
        # f-strings: xgettext does not look inside them.
        self.badges = {
            LeadStatus.LOST: _badge("danger", gettext("lost")),
            LeadStatus.WON: _badge("ok", gettext("won")),
            LeadType.COMMERCIAL: _badge("", gettext("commercial")),
            Location.OUT_OF_STATE: _badge("warning", gettext("out of state")),
        }
        self.no_stage = escape(gettext("No stage"))
        self.not_contacted = " " + _badge("danger", gettext("not contacted"))
        next_title = escape(gettext("Move to the next stage"))
        next_label = escape(gettext("Next")).replace(" ", "&nbsp;")
        self.next_button = (
            f'<button type="submit" class="button small" title="{next_title}">'
            f"{next_label}&nbsp;→</button>"
        )
        self.select_label = gettext("Select %(name)s")
        self.more_actions_label = gettext("More actions for %(name)s")
        self.open_for_actions = escape(gettext("Open the lead for its actions"))
        # A date as the reader's language writes it (Django's convention: the format is a
        # translatable string).
        self.follow_up_time = RowTimes().formatter(
            pgettext("lead list: next follow-up", "M j, g:i A")
        )
        self.neglected = (
            '<span class="badge danger neglect-badge" title="'
            + escape(gettext("Nobody has contacted this customer for too long"))
            + '">'
            + escape(gettext("Neglected"))
            + "</span>"
        )

    @classmethod
    def for_request(cls, request, *, back_url: str, neglected_ids=frozenset()) -> "RowRenderer":
        return cls(
            back_url=back_url,
            csrf_token=get_token(request),
            currency=request.tenant.currency,
            neglected_ids=neglected_ids,
        )

    def rows(self, rows: list[LeadRow]) -> SafeString:
        return mark_safe("".join(self.row(row) for row in rows))  # noqa: S308  # nosec B308 B703  (escaped above)

    def _badges(self, lead: Lead) -> str:
        """The row's badges: won or lost, commercial, out of state, neglected, and why nobody
        owns it yet."""
        pk, status = lead.pk, lead.status
        badges = []
        if status in (LeadStatus.LOST, LeadStatus.WON):
            badges.append(self.badges[status])
        if lead.lead_type == LeadType.COMMERCIAL:
            badges.append(self.badges[LeadType.COMMERCIAL])
        if lead.location == Location.OUT_OF_STATE:
            badges.append(self.badges[Location.OUT_OF_STATE])
        if pk in self.neglected_ids:
            badges.append(self.neglected)
        if not lead.owner_id and status == LeadStatus.OPEN:
            decision = lead.assignment_decision
            why = assignment_text.describe_decision(decision)
            if why:
                badges.append(
                    f'<small class="block unassigned-why" title="{escape(why)}">'
                    f'<span class="badge warning">{self.unassigned}</span> '
                    f"{escape(assignment_text.describe_briefly(decision))}</small>"
                )
        return " ".join(badges)

    def _next_form(self, lead: Lead) -> str:
        """The "Next" button's form; none for a lead lost or closed."""
        if lead.status == LeadStatus.LOST or lead.is_closed:
            return ""
        pk = lead.pk
        next_url = f"{self.next_stage[0]}{pk}{self.next_stage[1]}"
        return (
            f'<form method="post" action="{next_url}" hx-post="{next_url}" '
            f'hx-target="#lead-{pk}" hx-swap="outerHTML"> {self.hidden} '
            f"{self.next_button} </form> "
        )

    def row(self, row: LeadRow, *, error: str = "", done: str = "") -> SafeString:
        lead = row.lead
        pk = lead.pk
        name = escape(lead.contact.display_name)
        detail = f"{self.detail[0]}{pk}{self.detail[1]}"
        reasons = escape(row.score_reasons)
        score = lead.priority_score
        title = f" · {escape(lead.title)}" if lead.title else ""
        badges = self._badges(lead)
        stage = lead.stage
        stage_name = escape(stage.name) if stage and stage.name else self.no_stage
        stalled = self.not_contacted if row.bar.stalled and stage else ""
        address = escape(lead.property.one_line_address) if lead.property else ""
        owner = escape(str(lead.owner.user)) if lead.owner else ""
        source = escape(lead.source.name) if lead.source and lead.source.name else ""
        follow_up = (
            self.follow_up_time(lead.next_follow_up_at.astimezone(self.zone))
            if lead.next_follow_up_at
            else "—"
        )
        next_form = self._next_form(lead)
        actions = f"{self.actions[0]}{pk}{self.actions[1]}?next={self.actions_query}"
        more_actions = escape(self.more_actions_label % {"name": lead.contact.display_name})
        flash = _flash(error=error, done=done)
        # The whitespace between elements is the old template's, collapsed to one space: the
        # row's inline-block buttons and badges are spaced by it.
        return mark_safe(  # noqa: S308  # nosec B308 B703  (every value above is escaped)
            f'<tbody class="lead" id="lead-{pk}"> <tr class="lead-main"> '
            f'<td class="check"><input type="checkbox" name="leads" value="{pk}" form="bulk-form" '
            f'aria-label="{escape(self.select_label % {"name": lead.contact.display_name})}"></td> '
            f'<td><a class="lead-name" href="{detail}">{name}</a> '
            f'<small class="muted">{escape(lead.reference)}{title}</small> '
            f'<span class="score-pill sm-only" title="{reasons}"><span class="visually-hidden">'
            f"{self.priority} </span>{score}</span> {badges} </td> "
            f'<td class="hide-sm num score-col"><span class="score-pill" title="{reasons}">'
            f"{score}</span></td> "
            f'<td class="hide-sm">{address or "—"}</td> '
            f'<td class="stage-cell"><span class="dot dot-{escape(row.bar.colour)}" '
            f'aria-hidden="true"></span> {stage_name}{stalled}</td> '
            f'<td class="hide-sm">{owner or self.unassigned}</td> '
            f'<td class="hide-sm num">{escape(self.money(lead.estimated_value))}</td> '
            f'<td class="hide-md">{source or "—"}</td> '
            f'<td class="hide-sm nowrap">{escape(row.time_in_stage)}</td> '
            f'<td class="hide-md nowrap">{follow_up}</td> '
            f'<td class="row-actions"> {next_form}'
            f'<details class="menu row-menu" hx-get="{actions}" hx-trigger="toggle once" '
            'hx-target="find .action-panel" hx-swap="innerHTML"> '
            f'<summary class="button small" aria-label="{more_actions}">⋯</summary> '
            f'<div class="menu-panel action-panel"> <a href="{detail}">'
            f"{self.open_for_actions}</a> </div> </details> </td> </tr> "
            f'<tr class="lead-bar"><td colspan="11"> {self.bars.html(row.bar)} {flash} </td></tr> '
            "</tbody>\n"
        )
