import phonenumbers
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import to_python


def e164(number) -> str:
    """ "+13055550100" for a parsed number, a PhoneNumber, or a string already in E.164.

    Matching a sender by phone compares these strings: "(305) 555-0100" typed in Miami and
    "+13055550100" from Twilio are one person once both are parsed and formatted.
    """
    return phonenumbers.format_number(to_python(number), phonenumbers.PhoneNumberFormat.E164)


def phone_examples(region: str) -> dict[str, str]:
    """A mobile number of `region` written locally and with its country code, for hints:
    {"local": "06 12345678", "international": "+31 6 12345678"}."""
    number = phonenumbers.example_number_for_type(
        region, phonenumbers.PhoneNumberType.MOBILE
    ) or phonenumbers.example_number(region)
    if number is None:
        number = phonenumbers.example_number("US")
    if number is None:  # phonenumbers' own metadata has the US's
        return {"local": "", "international": ""}
    return {
        "local": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
        "international": phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
        ),
    }


def read_in_region(field, region: str, *, hint: bool = True) -> None:
    """Read a form's phone number field as `region` writes numbers (a number typed without a +
    is one of that country's), with its hint and its error giving that country's example.
    Call it in the form's __init__, under the reader's language."""
    examples = phone_examples(region)
    field.region = region
    if hasattr(field.widget, "region"):
        field.widget.region = region
    field.error_messages["invalid"] = (
        _(
            "Enter a valid phone number, e.g. %(local)s, or one with its country code, e.g. %(international)s."
        )
        % examples
    )
    if hint:
        field.help_text = (
            _("A local number (%(local)s) or one with its country code (%(international)s).")
            % examples
        )
