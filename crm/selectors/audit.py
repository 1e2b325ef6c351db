"""Reads of the audit history (django-pghistory events) of every audited model: filtered by who,
what and when, searched, paged by keyset, and named as people know the things changed
("Consent for SMS granted for Casey Morgan", not "Created contact consent #26").

The audited models live in every app (templates in messaging, triggers in automation …); this
module reads their event rows and the names they point at through the app registry by label, so
the core imports no app above it.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pghistory.models import Event, Events

from crm.kit.stored_text import stored_render
from crm.models import Contact, Membership, Tenant
from crm.pagination import KeysetPage, keyset_page

AUDIT_PER_PAGE = 50
AUDIT_ORDER = ("-pgh_created_at", "-pgh_slug")
AUDIT_HIDDEN_FIELDS = {"id", "tenant_id", "updated_at", "created_at", "search_vector"}

# What the "what" filter offers: a name people use, and the models behind it.
AUDIT_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "profile": (gettext_lazy("Business profile"), ("crm.Tenant",)),
    "brands": (gettext_lazy("Brands"), ("crm.Brand",)),
    "team": (gettext_lazy("Team and time off"), ("crm.Membership", "crm.TimeOff")),
    "contacts": (
        gettext_lazy("Contacts, emails, phones and consent"),
        ("crm.Contact", "crm.ContactEmail", "crm.ContactPhone", "crm.ContactConsent"),
    ),
    "properties": (gettext_lazy("Properties"), ("crm.Property", "crm.PropertyContact")),
    "pipelines": (
        gettext_lazy("Pipelines, stages and sources"),
        ("leads.Pipeline", "leads.Stage", "leads.LeadSource"),
    ),
    "money": (gettext_lazy("Quotes and payments"), ("leads.Quote", "leads.Payment")),
    "templates": (
        gettext_lazy("Message templates and delivery settings"),
        ("comms.MessageTemplate", "comms.TemplateVariant", "comms.CommsSettings"),
    ),
    "automation": (
        gettext_lazy("Triggers and sequences"),
        ("automation.Trigger", "automation.TriggerStep", "automation.Sequence"),
    ),
    "inboxes": (
        gettext_lazy("Inboxes and SLAs"),
        ("tickets.Inbox", "tickets.SlaPolicy", "tickets.InboxSettings"),
    ),
    "followups": (
        gettext_lazy("Follow-up types, templates and settings"),
        ("followups.FollowUpType", "followups.FollowUpTemplate", "followups.FollowUpSettings"),
    ),
    "integrations": (
        gettext_lazy("API keys and webhooks"),
        ("api.ApiKey", "webhooks.WebhookEndpoint"),
    ),
}
SYSTEM = "system"


@dataclass(frozen=True)
class AuditFilters:
    who: str = ""  # a user's id, or "system"
    what: str = ""  # a key of AUDIT_KINDS
    since: dt.date | None = None
    until: dt.date | None = None
    q: str = ""


def _event_models() -> list[type[Event]]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, Event)
        and getattr(model, "pgh_tracked_model", None) is not None
        and (
            model.pgh_tracked_model is Tenant
            or any(f.name == "tenant" for f in model.pgh_tracked_model._meta.fields)
        )
    ]


def _words(text: str) -> list[str]:
    return [word for word in text.split() if word][:5]


def _search(tenant: Tenant, q: str) -> Q:
    """Every word in the row's data, or naming the contact or team member the row is about."""
    condition = Q()
    for word in _words(q):
        contacts = list(
            Contact.objects.filter(tenant=tenant)
            .filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(company_name__icontains=word)
            )
            .values_list("pk", flat=True)[:500]
        )
        users = list(
            Membership.objects.filter(tenant=tenant, user__full_name__icontains=word).values_list(
                "user_id", flat=True
            )
        )
        condition &= (
            Q(data_text__icontains=word)
            | Q(pgh_data__contact_id__in=contacts)
            | Q(pgh_obj_model="crm.Contact", pgh_obj_id__in=[str(pk) for pk in contacts])
            | Q(pgh_data__user_id__in=users)
        )
    return condition


def audit_page(
    *,
    tenant: Tenant,
    filters: AuditFilters,
    after: str | None,
    per_page: int = AUDIT_PER_PAGE,
    team: dict | None = None,
) -> KeysetPage:
    """One page of the tenant's audit trail, newest first, each entry described."""
    own_rows = Q(pgh_data__tenant_id=tenant.pk) | Q(
        pgh_obj_model=Tenant._meta.label, pgh_obj_id=str(tenant.pk)
    )
    events = Events.objects.across(*_event_models()).filter(own_rows)
    if filters.who == SYSTEM:
        events = events.filter(Q(pgh_context__isnull=True) | Q(pgh_context__user__isnull=True))
    elif filters.who.isdigit():
        events = events.filter(pgh_context__user=int(filters.who))
    if filters.what in AUDIT_KINDS:
        events = events.filter(pgh_obj_model__in=AUDIT_KINDS[filters.what][1])
    zone = tenant.zone
    if filters.since:
        start = dt.datetime.combine(filters.since, dt.time.min, tzinfo=zone)
        events = events.filter(pgh_created_at__gte=start)
    if filters.until:
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        events = events.filter(pgh_created_at__lt=end)
    if filters.q.strip():
        events = events.annotate(data_text=Cast("pgh_data", TextField())).filter(
            _search(tenant, filters.q)
        )
    page = keyset_page(events, order=AUDIT_ORDER, after=after, per_page=per_page)
    _describe(tenant, page.items, team if team is not None else audit_team(tenant=tenant))
    return page


def audit_entries(*, tenant: Tenant, limit: int = AUDIT_PER_PAGE) -> list:
    """The newest `limit` entries, described (the first page without filters)."""
    return audit_page(tenant=tenant, filters=AuditFilters(), after=None, per_page=limit).items


def audit_team(*, tenant: Tenant) -> dict:
    """{user id: user} of the team, in name order: the "who" filter's choices, and the names of
    the entries (one query for both)."""
    members = Membership.objects.filter(tenant=tenant).select_related("user")
    ordered = sorted((m.user for m in members), key=lambda u: (u.full_name, u.email))
    return {user.pk: user for user in ordered}


def audit_actor_choices(*, team: dict) -> list[tuple[str, str]]:
    return [(str(pk), str(user)) for pk, user in team.items()] + [(SYSTEM, _("System"))]


# --- Names people use ---------------------------------------------------------------------------

VERBS = {
    "insert": gettext_lazy("added"),
    "update": gettext_lazy("changed"),
    "delete": gettext_lazy("deleted"),
}
CONSENT_WORDS = {
    "granted": gettext_lazy("granted"),
    "no_marketing": gettext_lazy("limited to job messages"),
    "withdrawn": gettext_lazy("withdrawn"),
}
# Which ids an entry's data points at, to name in one query per kind of thing.
REFERENCES = {
    "contact": "crm.Contact",
    "user": "crm.User",
    "membership": "crm.Membership",
    "property": "crm.Property",
    "pipeline": "leads.Pipeline",
    "lead": "leads.Lead",
    "template": "comms.MessageTemplate",
    "trigger": "automation.Trigger",
}


def _model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _names(tenant: Tenant, wanted: dict[str, set], team: dict) -> dict[str, dict]:
    """{reference: {id: row}} for every id the entries point at, one query per kind."""
    found: dict[str, dict] = {}
    for key, ids in wanted.items():
        model = _model(REFERENCES[key])
        ids = {int(i) for i in ids if str(i).isdigit()}
        if model is None or not ids:
            found[key] = {}
            continue
        rows = model.objects.filter(pk__in=ids)
        if key == "user":
            found[key] = {pk: team[pk] for pk in ids if pk in team}
            missing = ids - found[key].keys()
            found[key] |= model.objects.in_bulk(missing) if missing else {}
            continue
        if key == "membership":
            rows = rows.select_related("user")
        if key == "lead":
            rows = rows.select_related("contact")
        rows = rows.filter(tenant=tenant)
        found[key] = {row.pk: row for row in rows}
    return found


def _label(model_label: str, field: str, value) -> str:
    """A choice's label (SMS for "sms"), or the value."""
    model = _model(model_label)
    try:
        choices = dict(model._meta.get_field(field).flatchoices) if model else {}
    except Exception:
        choices = {}
    return str(choices.get(value, value or ""))


def _contact_name(names, data) -> str:
    contact = names["contact"].get(data.get("contact_id"))
    return contact.display_name if contact else _("a contact since erased or deleted")


def _sentence(entry, data: dict, names: dict) -> str:
    model = entry.pgh_obj_model
    verb = str(VERBS.get(entry.pgh_label, entry.pgh_label))
    values = {"verb": verb}
    if model == "crm.Tenant":
        return _("Business profile %(verb)s") % values
    if model == "crm.ContactConsent":
        values |= {
            "channel": _label(model, "channel", data.get("channel")),
            "contact": _contact_name(names, data),
        }
        if entry.pgh_label == "delete":
            return _("Consent for %(channel)s of %(contact)s deleted") % values
        values["status"] = str(CONSENT_WORDS.get(data.get("status"), data.get("status", "")))
        return _("Consent for %(channel)s %(status)s for %(contact)s") % values
    if model in ("crm.ContactEmail", "crm.ContactPhone"):
        values |= {
            "address": data.get("email") or data.get("number") or "",
            "contact": _contact_name(names, data),
        }
        if model == "crm.ContactEmail":
            return _("Email %(address)s of %(contact)s %(verb)s") % values
        return _("Phone %(address)s of %(contact)s %(verb)s") % values
    if model == "crm.Contact":
        name = " ".join(filter(None, (data.get("first_name"), data.get("last_name"))))
        values["name"] = name or data.get("company_name") or f"#{entry.pgh_obj_id}"
        return _("Contact %(name)s %(verb)s") % values
    if model == "crm.Membership":
        user = names["user"].get(data.get("user_id"))
        values["name"] = str(user) if user else f"#{entry.pgh_obj_id}"
        return _("Team member %(name)s %(verb)s") % values
    if model == "crm.TimeOff":
        member = names["membership"].get(data.get("membership_id"))
        values |= {
            "name": str(member.user) if member else _("a former team member"),
            "days": " – ".join(
                dict.fromkeys(filter(None, (data.get("starts_on"), data.get("ends_on"))))
            ),
        }
        return _("Time off for %(name)s (%(days)s) %(verb)s") % values
    if model == "crm.PropertyContact":
        place = names["property"].get(data.get("property_id"))
        values |= {
            "contact": _contact_name(names, data),
            "place": place.one_line_address if place else _("a property"),
        }
        if entry.pgh_label == "delete":
            return _("%(contact)s unlinked from %(place)s") % values
        return _("%(contact)s linked to %(place)s") % values
    if model == "crm.Property":
        values["place"] = ", ".join(filter(None, (data.get("address_line1"), data.get("city"))))
        return _("Property %(place)s %(verb)s") % values
    if model == "leads.Stage":
        pipeline = names["pipeline"].get(data.get("pipeline_id"))
        values |= {"name": data.get("name", ""), "pipeline": pipeline.name if pipeline else "?"}
        return _("Stage %(name)s of %(pipeline)s %(verb)s") % values
    if model in ("leads.Quote", "leads.Payment"):
        lead = names["lead"].get(data.get("lead_id"))
        values["lead"] = (
            f"{lead.reference} ({lead.contact.display_name})" if lead else _("a deleted lead")
        )
        if model == "leads.Quote":
            values["title"] = data.get("title") or _("Quote")
            return _("Quote “%(title)s” for %(lead)s %(verb)s") % values
        values["amount"] = data.get("amount", "")
        return _("Payment of %(amount)s for %(lead)s %(verb)s") % values
    if model == "comms.MessageTemplate":
        values["name"] = data.get("name", "")
        return _("Message template “%(name)s” %(verb)s") % values
    if model == "comms.TemplateVariant":
        template = names["template"].get(data.get("template_id"))
        values |= {
            "channel": _label(model, "channel", data.get("channel")),
            "language": _label(model, "language", data.get("language")),
            "template": template.name if template else "?",
        }
        return _("%(channel)s version (%(language)s) of template “%(template)s” %(verb)s") % values
    if model == "automation.Trigger":
        values["name"] = data.get("name", "")
        return _("Trigger “%(name)s” %(verb)s") % values
    if model == "automation.TriggerStep":
        trigger = names["trigger"].get(data.get("trigger_id"))
        values |= {
            "position": (data.get("position") or 0) + 1,
            "trigger": trigger.name if trigger else "?",
        }
        return _("Step %(position)s of trigger “%(trigger)s” %(verb)s") % values
    if model == "automation.Sequence":
        values["name"] = data.get("name", "")
        return _("Sequence “%(name)s” %(verb)s") % values
    if model == "tickets.SlaPolicy":
        values["priority"] = _label(model, "priority", data.get("priority"))
        return _("SLA for %(priority)s priority %(verb)s") % values
    if model == "api.ApiKey":
        values["name"] = data.get("name", "")
        if entry.pgh_label == "update" and data.get("revoked_at"):
            return _("API key “%(name)s” revoked") % values
        return _("API key “%(name)s” %(verb)s") % values
    if model == "webhooks.WebhookEndpoint":
        values["url"] = data.get("url", "")
        if entry.pgh_label == "update" and data.get("disabled_reason"):
            values["reason"] = stored_render(
                data["disabled_reason"], data.get("disabled_reason_params")
            )
            return _("Webhook endpoint %(url)s disabled: %(reason)s") % values
        return _("Webhook endpoint %(url)s %(verb)s") % values
    if model.endswith("Settings"):
        tracked = _model(model)
        values["what"] = str(tracked._meta.verbose_name).capitalize() if tracked else model
        return _("%(what)s %(verb)s") % values
    tracked = _model(model)
    values |= {
        "what": str(tracked._meta.verbose_name).capitalize() if tracked else model,
        "name": data.get("name") or data.get("email") or f"#{entry.pgh_obj_id}",
    }
    return _("%(what)s %(name)s %(verb)s") % values


def _describe(tenant: Tenant, entries: list, team: dict) -> None:
    wanted: dict[str, set] = defaultdict(set)
    actor_ids = set()
    for entry in entries:
        data = entry.pgh_data or {}
        for key in REFERENCES:
            if data.get(f"{key}_id") is not None:
                wanted[key].add(data[f"{key}_id"])
        actor_ids.add((entry.pgh_context or {}).get("user"))
    # The actors and the team members named are users alike: one query for both.
    wanted["user"] |= actor_ids - {None}
    names = _names(tenant, {key: wanted.get(key, set()) for key in REFERENCES}, team)
    actors = names["user"]
    for entry in entries:
        data = entry.pgh_data or {}
        entry.actor = actors.get((entry.pgh_context or {}).get("user"))
        entry.action = str(VERBS.get(entry.pgh_label, entry.pgh_label))
        entry.sentence = _sentence(entry, data, names)
        entry.changes = {
            field: change
            for field, change in (entry.pgh_diff or {}).items()
            if field not in AUDIT_HIDDEN_FIELDS
        }
