"""What a customer types to sign in: an email address or a mobile number, made comparable."""

from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from crm.phones import e164
from portal.models import ChallengeChannel


@dataclass(frozen=True)
class SignInAddress:
    channel: str  # ChallengeChannel: an email address gets a link, a mobile number a code
    value: str  # lower-case email, or E.164

    @property
    def is_email(self) -> bool:
        return self.channel == ChallengeChannel.EMAIL

    @property
    def display(self) -> str:
        if self.is_email:
            return self.value
        return phonenumbers.format_number(
            phonenumbers.parse(self.value), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )


def address_from_input(text: str) -> SignInAddress:
    """The address in `text`; a number without a + is read as one of the default region's.

    Raises ValidationError for something that is neither a valid email nor a valid number.
    """
    text = text.strip()
    if "@" in text:
        validate_email(text)
        return SignInAddress(ChallengeChannel.EMAIL, text.lower())
    try:
        number = phonenumbers.parse(text, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(_("Enter an email address or a mobile number.")) from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("That number does not look right. Include the country code, e.g. +1 305 555 0100.")
        )
    return SignInAddress(ChallengeChannel.SMS, e164(number))
