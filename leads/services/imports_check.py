"""Reading and checking a leads CSV: the columns it may have, its header, and each row checked
against the tenant's stages, sources and team, with every problem reported per line. The preview
and the run are leads/services/imports.py."""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber
from phonenumber_field.phonenumber import to_python as phone_from_text

from crm.addresses import postal_code_clean, state_clean
from crm.kit.csv_files import (
    CsvLayout,
    ImportFileError,
    csv_header,
    header_key,
)
from crm.models import (
    Membership,
    PropertyType,
    Tenant,
)
from leads.models import LeadSource, LeadType, Phase, Pipeline, Stage

COLUMNS = {
    # field: (label, header names it is recognised by)
    "first_name": ("First name", ("first name", "firstname", "first", "given name")),
    "last_name": ("Last name", ("last name", "lastname", "last", "surname", "family name")),
    "full_name": ("Name", ("name", "full name", "contact name", "customer name", "customer")),
    "company_name": ("Company", ("company", "company name", "business", "organization")),
    "email": ("Email", ("email", "e-mail", "email address", "e-mail address", "mail")),
    "phone": (
        "Phone",
        ("phone", "phone number", "mobile", "mobile phone", "cell", "cell phone", "telephone"),
    ),
    "address_line1": (
        "Street",
        ("address", "street", "street address", "address line 1", "address 1", "address1"),
    ),
    "city": ("City", ("city", "town")),
    "state": ("State", ("state", "province", "region", "county")),
    "postal_code": ("ZIP", ("zip", "zip code", "zipcode", "postal code", "postcode")),
    "title": ("Title", ("title", "job", "job title", "project", "lead title")),
    "estimated_value": ("Value", ("value", "estimated value", "deal value", "job value")),
    "cost": ("Cost", ("cost", "lead cost")),
    "source": ("Source", ("source", "lead source")),
    "stage": ("Stage", ("stage", "pipeline stage", "status")),
    "lead_type": ("Type", ("type", "lead type", "job type", "property type")),
    "owner_email": ("Owner email", ("owner email", "owner", "assigned to", "rep email")),
    "note": ("Notes", ("notes", "note", "comments", "comment", "message")),
}


MAX_LENGTHS = {
    "first_name": 100,
    "last_name": 100,
    "company_name": 200,
    "title": 200,
    "address_line1": 200,
    "city": 100,
    "state": 64,
    "postal_code": 16,
    "note": 10000,
}


HEADER_FIELDS = {
    header_key(alias): name for name, (_, aliases) in COLUMNS.items() for alias in aliases
}


def read_layout(text: str) -> CsvLayout:
    """Find the delimiter and the header row, and which columns we know."""
    delimiter, headers = csv_header(text)
    fields: dict[str, int] = {}
    ignored = []
    for index, name in enumerate(headers):
        known = HEADER_FIELDS.get(header_key(name))
        if known is None or known in fields:
            ignored.append(name or f"(column {index + 1} has no name)")
        else:
            fields[known] = index
    if not fields:
        raise ImportFileError(
            _(
                "The first row must name the columns (for example First name, Last name, Email, "
                "Phone); none of its names were recognised. Is this the right file?"
            )
        )
    if not fields.keys() & {"first_name", "last_name", "full_name", "company_name"}:
        raise ImportFileError(
            _("No column names the customer: add First name, Last name or Company.")
        )
    if not fields.keys() & {"email", "phone"}:
        raise ImportFileError(_("No column to reach the customer by: add Email or Phone."))
    return CsvLayout(headers, delimiter, fields, ignored)


@dataclass
class CheckedRow:
    """One data row, read and checked. `reasons` lists why it cannot be imported, if it can't."""

    line: int
    cells: list[str]
    reasons: list[str] = field(default_factory=list)
    first_name: str = ""
    last_name: str = ""
    company_name: str = ""
    email: str = ""
    phone: PhoneNumber | None = None
    phone_e164: str = ""
    address: dict | None = None
    title: str = ""
    estimated_value: Decimal | None = None
    cost: Decimal | None = None
    source: LeadSource | None = None
    stage: Stage | None = None
    owner: Membership | None = None
    lead_type: str = ""
    note: str = ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.company_name

    def contact_keys(self) -> list[str]:
        keys = [f"email:{self.email}"] if self.email else []
        return keys + ([f"phone:{self.phone_e164}"] if self.phone_e164 else [])


def _money(text: str, label: str, reasons: list[str]) -> Decimal | None:
    if not text:
        return None
    try:
        amount = Decimal(re.sub(r"[\s,$€£]", "", text))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        reasons.append(_("%(label)s “%(text)s” is not a number") % {"label": label, "text": text})
    elif amount < 0:
        reasons.append(_("%(label)s “%(text)s” is negative") % {"label": label, "text": text})
    elif amount >= Decimal("1e10"):
        reasons.append(_("%(label)s “%(text)s” is too large") % {"label": label, "text": text})
    else:
        return amount.quantize(Decimal("0.01"))
    return None


class RowChecker:
    """Checks rows against the tenant's stages, sources and team, read once for the whole file."""

    def __init__(self, *, tenant: Tenant, pipeline: Pipeline, layout: CsvLayout):
        self.tenant, self.pipeline, self.layout = tenant, pipeline, layout
        stages = Stage.objects.filter(tenant=tenant, pipeline=pipeline, is_archived=False)
        self.stages = {stage.name.casefold(): stage for stage in stages}
        sources = LeadSource.objects.filter(tenant=tenant, is_archived=False)
        self.sources = {source.name.casefold(): source for source in sources}
        members = Membership.objects.filter(tenant=tenant, is_active=True).select_related("user")
        self.owners = {member.user.email.casefold(): member for member in members}

    def check(self, line: int, cells: list[str]) -> CheckedRow:
        def cell(name: str) -> str:
            index = self.layout.fields.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        row = CheckedRow(line=line, cells=cells)
        self._check_names(row, cell)
        self._check_email_and_phone(row, cell("email"), cell("phone"))
        self._check_address(row, cell)
        row.estimated_value = _money(cell("estimated_value"), "value", row.reasons)
        row.cost = _money(cell("cost"), "cost", row.reasons)
        self._check_stage(row, cell("stage"))
        self._check_choices(row, cell)
        if row.address is not None:
            commercial = (row.lead_type or self.pipeline.lead_type) == LeadType.COMMERCIAL
            row.address["country"] = self.tenant.country
            row.address["property_type"] = (
                PropertyType.COMMERCIAL if commercial else PropertyType.RESIDENTIAL
            )
        return row

    def _check_names(self, row: CheckedRow, cell) -> None:
        reasons = row.reasons
        row.first_name, row.last_name = cell("first_name"), cell("last_name")
        if not (row.first_name or row.last_name) and cell("full_name"):
            first, _sep, last = cell("full_name").partition(" ")
            row.first_name, row.last_name = first, last.strip()
        row.company_name = cell("company_name")
        if not row.name:
            reasons.append(_("missing name"))
        row.title, row.note = cell("title"), cell("note")
        for name, value in (
            ("first_name", row.first_name),
            ("last_name", row.last_name),
            ("company_name", row.company_name),
            ("title", row.title),
            ("address_line1", cell("address_line1")),
            ("city", cell("city")),
            ("state", cell("state")),
            ("postal_code", cell("postal_code")),
            ("note", row.note),
        ):
            if len(value) > MAX_LENGTHS[name]:
                reasons.append(
                    _("%(column)s is longer than %(limit)s characters")
                    % {"column": COLUMNS[name][0], "limit": MAX_LENGTHS[name]}
                )

    def _check_email_and_phone(self, row: CheckedRow, email: str, phone: str) -> None:
        reasons = row.reasons
        if email:
            try:
                validate_email(email)
                row.email = email.lower()
            except ValidationError:
                reasons.append(_("invalid email “%(email)s”") % {"email": email})
        if phone:
            number = phone_from_text(phone, region=self.tenant.country)
            if number.is_valid():
                row.phone, row.phone_e164 = number, number.as_e164
            else:
                reasons.append(
                    _("invalid phone number “%(phone)s” for %(country)s")
                    % {"phone": phone, "country": self.tenant.country}
                )
        if not email and not phone:
            reasons.append(_("neither email nor phone"))

    def _check_address(self, row: CheckedRow, cell) -> None:
        reasons = row.reasons
        street, city = cell("address_line1"), cell("city")
        state, postal_code = cell("state"), cell("postal_code")
        # Checked and written as the business's country writes them (crm.addresses).
        try:
            postal_code = postal_code_clean(self.tenant.country, postal_code)
        except ValidationError as error:
            reasons.append(error.messages[0])
        try:
            state = state_clean(self.tenant.country, state)
        except ValidationError as error:
            reasons.append(error.messages[0])
        if any((street, city, state, postal_code)):
            if street and city:
                row.address = {
                    "address_line1": street,
                    "city": city,
                    "state": state,
                    "postal_code": postal_code,
                }
            else:
                reasons.append(_("the address needs at least the street and the city"))

    def _check_stage(self, row: CheckedRow, stage: str) -> None:
        if not stage:
            return
        row.stage = self.stages.get(stage.casefold())
        if row.stage is None:
            row.reasons.append(
                _("unknown stage “%(stage)s” in %(name)s")
                % {"stage": stage, "name": self.pipeline.name}
            )
        elif row.stage.is_lost:
            row.reasons.append(
                _("stage “%(stage)s” closes the lead: import it open, then mark it lost")
                % {"stage": stage}
            )
        elif row.stage.is_won or row.stage.phase != Phase.SALES:
            # Winning is a stage change with its own effects; imported leads start open.
            row.reasons.append(
                _("stage “%(stage)s” comes after the sale: import the lead open, then move it")
                % {"stage": stage}
            )

    def _check_choices(self, row: CheckedRow, cell) -> None:
        reasons = row.reasons
        if source := cell("source"):
            row.source = self.sources.get(source.casefold())
            if row.source is None:
                reasons.append(_("unknown source “%(source)s”") % {"source": source})
        if owner := cell("owner_email"):
            row.owner = self.owners.get(owner.casefold())
            if row.owner is None:
                reasons.append(_("unknown owner email “%(owner)s”") % {"owner": owner})
        if lead_type := cell("lead_type"):
            if lead_type.casefold() in LeadType.values:
                row.lead_type = lead_type.casefold()
            else:
                reasons.append(
                    _("type “%(lead_type)s” must be residential or commercial")
                    % {"lead_type": lead_type}
                )
