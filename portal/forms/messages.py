"""The portal's message box."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from portal.services.messages import MESSAGE_MAX_CHARS


class MessageForm(forms.Form):
    """No maxlength on the box: a browser would cut a long paste silently. A message over the
    limit comes back with its whole text and says by how much."""

    body = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 5}))
    nonce = forms.UUIDField(widget=forms.HiddenInput)

    def clean_body(self):
        body = self.cleaned_data["body"]
        if len(body) > MESSAGE_MAX_CHARS:
            raise ValidationError(
                _(
                    "Your message is %(length)s characters long; the limit is %(limit)s. Shorten "
                    "it, or send it in two parts. Nothing was sent yet, and your text is still "
                    "here."
                )
                % {
                    "length": number_format(len(body), force_grouping=True),
                    "limit": number_format(MESSAGE_MAX_CHARS, force_grouping=True),
                }
            )
        return body
