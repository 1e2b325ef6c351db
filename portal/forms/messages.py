"""The portal's message box."""

from django import forms
from django.core.exceptions import ValidationError

from portal.services.messages import MESSAGE_MAX_CHARS


class MessageForm(forms.Form):
    """No maxlength on the box: a browser would cut a long paste silently. A message over the
    limit comes back with its whole text and says by how much."""

    body = forms.CharField(label="Your message", widget=forms.Textarea(attrs={"rows": 5}))
    nonce = forms.UUIDField(widget=forms.HiddenInput)

    def clean_body(self):
        body = self.cleaned_data["body"]
        if len(body) > MESSAGE_MAX_CHARS:
            raise ValidationError(
                f"Your message is {len(body):,} characters long; the limit is "
                f"{MESSAGE_MAX_CHARS:,}. Shorten it, or send it in two parts. "
                "Nothing was sent yet, and your text is still here."
            )
        return body
