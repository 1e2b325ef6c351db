"""The outbox list's filters: status, channel, source and a contact's name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.kit.languages import translated_choices
from messaging.models import MessageChannel, MessageSource, MessageStatus


class OutboxFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Contact"))
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *MessageStatus.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=lambda: [("", _("Any channel")), *translated_choices(MessageChannel)()],
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("Any source")), *MessageSource.choices]
    )

    def selector_filters(self) -> dict:
        """The filters for messaging.selectors.outbox.outbox_list; a value not understood is left
        out (an old bookmark still opens the list)."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": data.get("q", ""),
            **{name: data.get(name, "") for name in ("status", "channel", "source")},
        }

    @property
    def is_narrowed(self) -> bool:
        return any(self.selector_filters().values())
