"""What a customer types to sign in: an email address or a mobile number, made comparable."""

from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers
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


def address_readings(text: str, *, regions: Iterable[str]) -> list[SignInAddress]:
    """The addresses `text` can be: one for an email or a number with its country code; for a
    number without one, its reading in each of `regions` (the countries of the businesses
    whose customers sign in here) where it is a valid number, in that order.

    Raises ValidationError for something that is neither a valid email nor a valid number.
    """
    text = text.strip()
    if "@" in text:
        validate_email(text)
        return [SignInAddress(ChallengeChannel.EMAIL, text.lower())]
    readings, parsed = [], False
    for region in [None] if text.startswith("+") else dict.fromkeys(regions):
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        parsed = True
        if phonenumbers.is_valid_number(number):
            reading = SignInAddress(ChallengeChannel.SMS, e164(number))
            if reading not in readings:
                readings.append(reading)
    if not parsed:
        raise ValidationError(_("Enter an email address or a mobile number."))
    if not readings:
        raise ValidationError(
            _("That number does not look right. Write it with its country code, starting with +.")
        )
    return readings
