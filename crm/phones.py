import phonenumbers
from phonenumber_field.phonenumber import to_python


def e164(number) -> str:
    """ "+13055550100" for a parsed number, a PhoneNumber, or a string already in E.164.

    Matching a sender by phone compares these strings: "(305) 555-0100" typed in Miami and
    "+13055550100" from Twilio are one person once both are parsed and formatted.
    """
    return phonenumbers.format_number(to_python(number), phonenumbers.PhoneNumberFormat.E164)
