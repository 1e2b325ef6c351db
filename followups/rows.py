"""The follow-up list's rows and the board's cards as HTML, built in Python once per page.

Templates drawing them would be most of the two pages' CPU: each board card's three forms, each row's menu include, and a `{% path_to %}`,
`{% translate %}` or filter call per value. Here what every row or card of a page shares (the URL
parts, the hidden fields with the CSRF token, the translated labels, the forms' fixed parts) is
worked out once, and each row or card is a few f-strings, as the lead list's rows are
(shell/lead_rows.py). The markup is the templates' (tests/followups/test_rows_html.py renders the
old templates, kept as fixtures, and compares): translations as `{% translate %}` writes them,
values escaped as the templates escaped them.
"""

from html import escape  # the stdlib one: django.utils.html.escape wraps it for lazy strings
from urllib.parse import quote

from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from crm.kit.links import around_id, contact_page, lead_page
from crm.kit.row_markup import RowTimes, choice_labels
from crm.templatetags.paths import path_around_id
from followups.models import FollowUp, Outcome, Priority, Status


class FollowUpMarkup:
    """What every row and card of one page shares, computed once."""

    def __init__(self, *, csrf_token: str, back_url: str):
        self.detail = path_around_id("followups:detail")
        self.contact = around_id(contact_page)
        self.lead = around_id(lead_page)
        self.actions = path_around_id("followups:actions")
        self.start = path_around_id("followups:start")
        self.complete = path_around_id("followups:complete")
        self.cancel = path_around_id("followups:cancel")
        self.menu_next = escape(quote(back_url, safe="/"))
        self.times = RowTimes()
        self.priorities = choice_labels(Priority)
        self.statuses = choice_labels(Status)
        self.outcomes = choice_labels(Outcome)
        # Translations as {% translate %} and {% blocktranslate %} write them: the text as the
        # catalogue has it, the values put into it escaped. The gettext calls stay outside
        # f-strings: xgettext does not look inside them.
        self.overdue = '<span class="badge danger">' + gettext("overdue") + "</span> "
        self.select_label = gettext("Select %(subject)s")
        self.actions_label = gettext("Actions for %(subject)s")
        self.menu_tail = (
            '" title="'
            + gettext("Complete, reschedule, cancel, delegate, note")
            + '">⋯</summary> <div class="menu-panel action-panel"> <a href="'
        )
        self.open_for_actions = gettext("Open the follow-up for its actions")
        # The board's forms: the hidden fields, then everything after each form's action URL.
        hidden = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
            f'<input type="hidden" name="next" value="{escape(back_url)}">'
            '<input type="hidden" name="from" value="board">'
        )
        on_board = '" hx-target="#board" hx-swap="outerHTML"'
        self.start_tail = (
            f"{on_board}> {hidden} "
            '<button type="submit" class="button small">' + gettext("Start →") + "</button> "
            "</form> "
        )
        self.complete_head = (
            '<details class="fu-move fu-move-complete"> <summary class="button small">'
            + gettext("Complete…")
            + '</summary> <form method="post" action="'
        )
        outcome_options = "".join(
            f'<option value="{escape(value)}">{label}</option>'
            for value, label in self.outcomes.items()
        )
        self.complete_tail = (
            f'{on_board} class="fu-form"> {hidden} '
            "<label>" + gettext("What came of it?") + ' <select name="outcome" required>'
            '<option value="">' + gettext("Choose…") + "</option>"
            f"{outcome_options}</select> </label> "
            "<label>" + gettext("Notes") + ' <textarea name="notes" rows="2" maxlength="5000" '
            'placeholder="' + gettext("Optional") + '"></textarea></label> '
            '<label class="fu-next-one"><input type="checkbox" name="next_one" value="on"> '
            + gettext("Schedule the next one")
            + "</label> "
            '<button type="submit" class="button small primary">'
            + gettext("Mark completed")
            + "</button> </form> </details> "
        )
        self.cancel_head = (
            '<details class="fu-move fu-move-cancel"> <summary class="button small">'
            + gettext("Cancel…")
            + '</summary> <form method="post" action="'
        )
        self.cancel_tail = (
            f'{on_board} class="fu-form"> {hidden} '
            "<label>" + gettext("Reason") + ' <input type="text" name="reason" maxlength="500" '
            'placeholder="' + gettext("Optional") + '"></label> '
            '<button type="submit" class="button small danger">'
            + gettext("Cancel follow-up")
            + "</button> </form> </details> "
        )

    @classmethod
    def for_request(cls, request, *, back_url: str) -> "FollowUpMarkup":
        return cls(csrf_token=get_token(request), back_url=back_url)

    def _path(self, parts: tuple[str, str], pk: int) -> str:
        return f"{parts[0]}{pk}{parts[1]}"

    def menu(self, follow_up: FollowUp, surface: str) -> str:
        """followups/_menu.html for a row or a card: the quick actions load when it opens."""
        pk = follow_up.pk
        actions = self._path(self.actions, pk)
        label = self.actions_label % {"subject": escape(follow_up.subject)}
        return (
            f'<details class="menu fu-menu" hx-get="{actions}?from={surface}&amp;next='
            f'{self.menu_next}" hx-trigger="toggle once" hx-target="find .action-panel" '
            f'hx-swap="innerHTML"> <summary class="button small" aria-label="{label}'
            f'{self.menu_tail}{self._path(self.detail, pk)}">{self.open_for_actions}</a> '
            "</div> </details>"
        )

    # --- The list ---------------------------------------------------------------------------------

    def rows(self, follow_ups) -> SafeString:
        return mark_safe("".join(self.row(follow_up) for follow_up in follow_ups))  # noqa: S308  # nosec B308 B703  (escaped in row)

    def row(self, follow_up: FollowUp, *, error: str = "", done: str = "") -> SafeString:
        """One row of the list (`mark` has set may_act and is_overdue)."""
        pk = follow_up.pk
        subject = escape(follow_up.subject)
        when = timezone.localtime(follow_up.scheduled_at)
        assignee = escape(str(follow_up.assignee.user))
        contact = (
            f'<a href="{self._path(self.contact, follow_up.contact_id)}">'
            f"{escape(follow_up.contact.display_name)}</a>"
        )
        lead = ""
        if follow_up.lead:
            lead = (
                f' · <a href="{self._path(self.lead, follow_up.lead_id)}">'
                f"{escape(follow_up.lead.reference)}</a>"
            )
        flash = ""
        if error:
            flash = f'<p class="row-flash error" role="alert">{escape(error)}</p> '
        elif done:
            flash = f'<p class="row-flash done" role="status">{escape(done)}</p> '
        outcome = ""
        if follow_up.outcome:
            label = self.outcomes.get(follow_up.outcome, escape(follow_up.outcome))
            outcome = f'<small class="muted block">{label}</small>'
        priority, status = follow_up.priority, follow_up.status
        select = self.select_label % {"subject": subject}
        return mark_safe(  # noqa: S308  # nosec B308 B703  (every value above is escaped)
            f'<tbody class="fu-row{" overdue" if follow_up.is_overdue else ""}" id="fu-{pk}"> '
            f'<tr> <td class="check"><input type="checkbox" name="follow_ups" value="{pk}" '
            f'form="bulk-form" aria-label="{select}"'
            f"{'' if follow_up.may_act else ' disabled'}></td> "
            f'<td class="nowrap fu-when"><time datetime="{when.isoformat()}">'
            f'<span class="fu-date">{self.times.day(when)}</span> '
            f"<strong>{self.times.clock(when)}</strong></time></td> "
            f'<td class="fu-main"> <a class="fu-subject" href="{self._path(self.detail, pk)}">'
            f'{subject}</a> <span class="badge priority-{escape(priority)}">'
            f"{self.priorities.get(priority, escape(priority))}</span> "
            f"{self.overdue if follow_up.is_overdue else ''}"
            f'<small class="muted block">{escape(follow_up.type.name)} · {contact}{lead}'
            f'<span class="show-sm"> · {assignee}</span></small> {flash}</td> '
            f'<td class="hide-sm">{assignee}</td> '
            f'<td class="fu-state"><span class="badge fu-status-{escape(status)}">'
            f"{self.statuses.get(status, escape(status))}</span>{outcome}</td> "
            f'<td class="row-actions"> {self.menu(follow_up, "row")} </td> </tr> </tbody>\n'
        )

    # --- The board --------------------------------------------------------------------------------

    def cards(self, follow_ups) -> SafeString:
        return mark_safe("".join(self.card(follow_up) for follow_up in follow_ups))  # noqa: S308  # nosec B308 B703  (escaped in card)

    def card(self, follow_up: FollowUp) -> str:
        """One card of the board (`mark` has set may_act and is_overdue)."""
        pk = follow_up.pk
        priority, status = escape(follow_up.priority), follow_up.status
        overdue = follow_up.is_overdue
        when = timezone.localtime(follow_up.scheduled_at)
        outcome = ""
        if follow_up.outcome:
            label = self.outcomes.get(follow_up.outcome, escape(follow_up.outcome))
            outcome = f'<span class="badge">{label}</span> '
        moves = ""
        if follow_up.may_act and status not in (Status.COMPLETED, Status.CANCELLED):
            start = ""
            if status == Status.PENDING:
                path = self._path(self.start, pk)
                start = f'<form method="post" action="{path}" hx-post="{path}{self.start_tail}'
            complete = self._path(self.complete, pk)
            cancel = self._path(self.cancel, pk)
            moves = (
                f'<div class="fu-card-moves"> {start}'
                f'{self.complete_head}{complete}" hx-post="{complete}{self.complete_tail}'
                f'{self.cancel_head}{cancel}" hx-post="{cancel}{self.cancel_tail}'
                f"{self.menu(follow_up, 'board')} </div> "
            )
        return (
            f'<li class="fu-card priority-{priority}{" overdue" if overdue else ""}" '
            f'id="card-{pk}"> <a class="fu-card-title" href="{self._path(self.detail, pk)}">'
            f"{escape(follow_up.subject)}</a> "
            f'<p class="fu-card-meta"><time datetime="{when.isoformat()}">'
            f"{self.times.day(when)}, {self.times.clock(when)}</time> · "
            f"{escape(follow_up.type.name)}</p> "
            f'<p class="fu-card-meta">{escape(follow_up.contact.display_name)} · '
            f"{escape(str(follow_up.assignee.user))}</p> "
            f'<p class="fu-card-badges"> <span class="badge priority-{priority}">'
            f"{self.priorities.get(follow_up.priority, priority)}</span> "
            f"{self.overdue if overdue else ''}{outcome}</p> {moves}</li>\n"
        )
