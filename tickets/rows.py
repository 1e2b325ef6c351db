"""The inbox list's rows as HTML, built in Python once per page.

A row template would be about two thirds of the list's CPU: a `{% path_to %}`, an include for the channel's icon, a `{% blocktranslate %}` and a
`date` filter per row. Here what every row of a page shares (the URL parts, the labels, the icons,
the date names) is worked out once, and each row is a few f-strings, as the lead and follow-up
lists' rows are (shell/lead_rows.py, followups/rows.py). The markup is the template's
(tests/tickets/test_inbox_rows_html.py renders the old template, kept as a fixture, and compares):
translations as `{% translate %}` writes them, values escaped as the template escaped them.
"""

from html import escape  # the stdlib one: django.utils.html.escape wraps it for lazy strings

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from crm.kit.formatting import DATE_STYLES
from crm.kit.languages import supported_language
from crm.kit.row_markup import RowTimes, choice_labels
from crm.templatetags.paths import path_around_id
from tickets.models import ACTIVE_STATUSES, MessageChannel, Priority, TicketStatus
from tickets.selectors.inbox import TicketRow


class ChannelIcons:
    """Each channel's icon drawn from its template once per page and label: the thread shows one
    per message and one per reply channel, an include each before."""

    def __init__(self):
        self.drawn: dict[tuple[str, str], SafeString] = {}

    def __call__(self, channel: str, label: str = "") -> SafeString:
        if (channel, label) not in self.drawn:
            context = {"channel": channel, "label": label}
            self.drawn[channel, label] = render_to_string(
                "tickets/inbox/_channel_icon.html", context
            )
        return self.drawn[channel, label]


class InboxRows:
    """What every row of one page shares, computed once."""

    def __init__(self):
        self.detail = path_around_id("tickets:detail")
        self.times = RowTimes()
        self.statuses = choice_labels(TicketStatus)
        self.priorities = choice_labels(Priority)
        self.channels = choice_labels(MessageChannel)
        self.icons = ChannelIcons()
        # Translations as {% translate %} and {% blocktranslate %} write them: the text as the
        # catalogue has it, the values put into it escaped. The gettext calls stay outside
        # f-strings: xgettext does not look inside them.
        self.select_label = gettext("Select %(reference)s (%(name)s)")
        self.vip = ' <span class="badge vip">' + gettext("VIP") + "</span>"
        self.sent = '<span class="muted">' + gettext("Sent:") + "</span> "
        self.due = gettext("Due %(due)s")
        self.unassigned = gettext("Unassigned")
        # "Nov 28, 10:43 PM" in English, "28 nov, 22:43" in Dutch (the reader's date style).
        shapes = DATE_STYLES["month_day_time"]
        language = supported_language(get_language()) or "en"
        self.when = self.times.formatter(shapes.get(language, shapes["en"]))

    def icon(self, channel: str) -> str:
        """The channel's icon, from its template once per page for each channel the page shows."""
        label = self.channels.get(channel, escape(channel))
        return self.icons(channel, mark_safe(label))  # noqa: S308  # nosec B308 B703  (escaped above)

    def rows(self, rows: list[TicketRow]) -> SafeString:
        return mark_safe("".join(self.row(row) for row in rows))  # noqa: S308  # nosec B308 B703  (escaped in row)

    def row(self, row: TicketRow) -> str:
        ticket, clock = row.ticket, row.clock
        pk, status, channel = ticket.pk, ticket.status, ticket.last_message_channel
        reference = escape(ticket.reference)
        name = escape(ticket.contact.display_name)
        awaiting = ticket.last_message_direction == "in" and status in ACTIVE_STATUSES
        badge = ""
        if status != TicketStatus.OPEN:
            label = self.statuses.get(status, escape(status))
            badge = f'<span class="badge ticket-status-{escape(status)}">{label}</span> '
        subject = ""
        if ticket.subject:
            subject = f'<span class="ticket-subject">{escape(ticket.subject)}</span> '
        sent = self.sent if ticket.last_message_direction == "out" and channel != "phone" else ""
        due = ""
        if clock.due_at:
            due = f' title="{self.due % {"due": escape(self.when(timezone.localtime(clock.due_at)))}}"'
        assignee = escape(str(ticket.assignee.user)) if ticket.assignee else self.unassigned
        last = timezone.localtime(ticket.last_message_at)
        priority = ticket.priority
        return (
            f'<li class="ticket-row{" awaiting" if awaiting else ""}"> '
            f'<input type="checkbox" name="tickets" value="{pk}" form="bulk-form" aria-label="'
            f'{self.select_label % {"reference": reference, "name": name}}"> '
            f'<a class="ticket-main" href="{self.detail[0]}{pk}{self.detail[1]}"> '
            f'<span class="ticket-line"> <strong class="ticket-contact">{name}</strong>'
            f"{self.vip if ticket.contact.is_vip else ''} "
            f'<span class="ticket-ref">{reference}</span> {badge}{subject}</span> '
            f'<span class="ticket-snippet">{self.icon(channel)}{sent}'
            f"{escape(ticket.last_message_snippet) or '…'}</span> </a> "
            f'<div class="ticket-meta"> <span class="badge priority-{escape(priority)}">'
            f"{self.priorities.get(priority, escape(priority))}</span> "
            f'<span class="sla sla-{escape(clock.colour or "none")}"{due}>{escape(clock.label)}'
            f'</span> <span class="ticket-assignee{"" if ticket.assignee else " muted"}">'
            f'{assignee}</span> <time class="ticket-when" datetime="{last.isoformat()}">'
            f"{self.when(last)}</time> </div> </li>\n"
        )
