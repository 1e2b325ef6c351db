"""Postal codes and states by country: checked against the country's format and written the way
its post office writes them ("1234ab" in the Netherlands is "1234 AB").

A small table for the countries Threadline's businesses work in and their neighbours, each with
the pattern of a valid code, how to write it and an example for the error message; any other
country gets a lenient check (letters, digits, spaces and hyphens). Formats from the Universal
Postal Union's addressing guides. A pure module: no database.
"""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.forms import BaseForm as FormMixinBase
else:
    FormMixinBase = object  # mixed into forms: typed as one


@dataclass(frozen=True)
class PostalFormat:
    pattern: str  # matched against the code with spaces and hyphens taken out, in capitals
    layout: str  # how to write it, in slices of the compact code: "{0:4} {4:}" is "1234 AB"
    example: str
    label: str  # what people call it


POSTAL_FORMATS: dict[str, PostalFormat] = {
    # ZIP or ZIP+4: 33145, 33145-1234.
    "US": PostalFormat(r"\d{5}(\d{4})?", "{0:5}-{5:}", "33145 or 33145-1234", "ZIP code"),
    "NL": PostalFormat(r"[1-9]\d{3}(?!SA|SD|SS)[A-Z]{2}", "{0:4} {4:}", "1016 GV", "postcode"),
    "BE": PostalFormat(r"[1-9]\d{3}", "{0:}", "1000", "postcode"),
    "DE": PostalFormat(r"\d{5}", "{0:}", "10115", "Postleitzahl"),
    "FR": PostalFormat(r"\d{5}", "{0:}", "75008", "code postal"),
    "ES": PostalFormat(r"(0[1-9]|[1-4]\d|5[0-2])\d{3}", "{0:}", "28013", "código postal"),
    "IT": PostalFormat(r"\d{5}", "{0:}", "00184", "CAP"),
    "AT": PostalFormat(r"\d{4}", "{0:}", "1010", "Postleitzahl"),
    "CH": PostalFormat(r"\d{4}", "{0:}", "8001", "Postleitzahl"),
    "DK": PostalFormat(r"\d{4}", "{0:}", "1050", "postnummer"),
    "LU": PostalFormat(r"\d{4}", "L-{0:}", "L-1111", "code postal"),
    "PT": PostalFormat(r"\d{7}", "{0:4}-{4:}", "1000-001", "código postal"),
    "MX": PostalFormat(r"\d{5}", "{0:}", "06600", "código postal"),
    "AU": PostalFormat(r"\d{4}", "{0:}", "2000", "postcode"),
    "CA": PostalFormat(
        r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\d[ABCEGHJ-NPRSTV-Z]\d",
        "{0:3} {3:}",
        "K1A 0B1",
        "postal code",
    ),
    # The outward code (2-4 characters) and the inward code (a digit and two letters).
    "GB": PostalFormat(
        r"([A-Z]{1,2}\d[A-Z\d]?|GIR)\d[A-Z]{2}", "{0:-3} {-3:}", "SW1A 1AA", "postcode"
    ),
    "IE": PostalFormat(
        r"[AC-FHKNPRTV-Y]\d{2}[AC-FHKNPRTV-Y0-9]{4}", "{0:3} {3:}", "D02 X285", "Eircode"
    ),
}

LENIENT = re.compile(r"[A-Z0-9][A-Z0-9 -]{0,14}")

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "AS": "American Samoa", "GU": "Guam", "MP": "Northern Mariana Islands",
    "PR": "Puerto Rico", "VI": "U.S. Virgin Islands", "AA": "Armed Forces Americas",
    "AE": "Armed Forces Europe", "AP": "Armed Forces Pacific",
}  # fmt: skip
US_STATE_BY_NAME = {name.casefold(): code for code, name in US_STATES.items()}


def postal_code_label(country: str) -> str:
    known = POSTAL_FORMATS.get((country or "").upper())
    return known.label if known else "postal code"


def postal_code_clean(country: str, value: str) -> str:
    """The postal code as the country writes it, or ValidationError saying what it looks like.
    An empty value stays empty (whether one is required is the form's business)."""
    text = (value or "").strip().upper()
    if not text:
        return ""
    known = POSTAL_FORMATS.get((country or "").upper())
    if known is None:
        text = re.sub(r"\s+", " ", text)
        if not LENIENT.fullmatch(text):
            raise ValidationError(
                _("A postal code has only letters, digits, spaces and hyphens."),
                code="postal_code",
            )
        return text
    compact = re.sub(r"[\s-]", "", text)
    if country.upper() == "LU" and compact.startswith("L"):
        compact = compact[1:]
    if not re.fullmatch(known.pattern, compact):
        raise ValidationError(
            _("“%(value)s” is not a valid %(label)s: write it like %(example)s.")
            % {"value": value.strip(), "label": known.label, "example": known.example},
            code="postal_code",
        )
    written = _layout(known.layout, compact)
    return written.rstrip("-")  # a five-digit ZIP has no +4


def _layout(layout: str, compact: str) -> str:
    def piece(match: re.Match) -> str:
        start = int(match.group(1))
        end = match.group(2)
        return compact[start : int(end)] if end else compact[start:]

    return re.sub(r"\{(-?\d+):(-?\d*)\}", piece, layout)


def state_clean(country: str, value: str) -> str:
    """A US state as its two-letter code ("florida" → "FL"); elsewhere the text as typed."""
    text = re.sub(r"\s+", " ", (value or "").strip())
    if not text or (country or "").upper() != "US":
        return text
    code = text.upper().replace(".", "")
    if code in US_STATES:
        return code
    by_name = US_STATE_BY_NAME.get(text.casefold())
    if by_name:
        return by_name
    raise ValidationError(
        _("“%(value)s” is not a US state: use its two-letter code, e.g. FL.") % {"value": text},
        code="state",
    )


class CountryAddressMixin(FormMixinBase):
    """For a form with `postal_code` (and `state`) fields: both are checked and written the way
    `address_country` (the tenant's country, or the property's) writes them."""

    address_country = "US"

    def clean_postal_code(self) -> str:
        return postal_code_clean(self.address_country, self.cleaned_data.get("postal_code", ""))

    def clean_state(self) -> str:
        return state_clean(self.address_country, self.cleaned_data.get("state", ""))
