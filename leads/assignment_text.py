"""How an assignment decision reads to people (pure: no database).

`leads.services.assignment` stores each decision on the lead (`Lead.assignment_decision`) as plain
data: the outcome, the rule, who was eligible in round-robin order and who was skipped with every
reason. This module turns that into the sentence the lead page, the unassigned queue, the timeline
and the managers' "needs an owner" alert show, in the reader's language:

    Assigned to Sam Lee by round robin under rule “Residential”: Alex Kim over capacity
    (12/10 open sales leads), Jo Park off today. Eligible: Sam Lee, Rosa Delgado.

The `*_message` functions build it as a stored message (crm.kit.stored_text), so the timeline and
the alert, written once, read in each reader's language later; the `describe_*` functions say it
now, in the active language.
"""

from django.utils.translation import gettext_noop

from crm.kit.stored_text import (
    ngettext_noop,
    stored_list,
    stored_message,
    stored_plural,
    stored_translated,
)

ASSIGNED = "assigned"
QUEUED = "queued"
MANUAL = "manual"
UNASSIGNED = "unassigned"

# Why nobody at all was considered (a queued decision with no one skipped).
NO_RULE = "no_rule"
NO_MEMBERS = "no_members"

_AND = stored_message(gettext_noop(" and "))


def _counted(counts: str, number: int) -> dict:
    if counts == "open_and_won":
        return stored_plural(*ngettext_noop("open lead or job", "open leads and jobs"), number)
    return stored_plural(*ngettext_noop("open sales lead", "open sales leads"), number)


def reason_message(reason: dict) -> dict:
    """One reason a member was passed over: 'over capacity (12/10 open sales leads)'."""
    code = reason.get("code")
    if code == "capacity":
        number, limit = reason.get("open", 0), reason.get("limit", 0)
        values = {
            "open": number,
            "limit": limit,
            "what": _counted(reason.get("counts", ""), number),
        }
        if number > limit:
            return stored_message(
                gettext_noop("over capacity (%(open)s/%(limit)s %(what)s)"), **values
            )
        return stored_message(gettext_noop("at capacity (%(open)s/%(limit)s %(what)s)"), **values)
    if code == "time_off":
        return stored_message(gettext_noop("off today"))
    if code == "hours":
        return stored_message(gettext_noop("not working now (outside their weekly hours)"))
    if code == "expertise":
        return stored_message(
            gettext_noop("wrong expertise (%(expertise)s only)"),
            expertise=reason.get("expertise_label") or reason.get("expertise", ""),
        )
    if code == "territory":
        if not reason.get("place"):
            return stored_message(
                gettext_noop("covers only their territories and the lead has no address")
            )
        return stored_message(
            gettext_noop("wrong territory (%(place)s is outside %(territories)s)"),
            place=reason["place"],
            territories=stored_list(reason.get("territories", [])),
        )
    # A reason this code does not know (kept by a newer one) reads as its code.
    return {"_msgid": "%(code)s", "code": str(code or "")}


def skipped_message(skipped: list[dict]) -> dict:
    """'Alex Kim over capacity (12/10 open sales leads), Jo Park off today'."""
    return stored_list(
        stored_message(
            # Translators: a team member's name, then why the round robin passed them over.
            gettext_noop("%(name)s %(reasons)s"),
            name=entry["name"],
            reasons=stored_list([reason_message(r) for r in entry.get("reasons", [])], _AND),
        )
        for entry in skipped
    )


def _rule_part(decision: dict) -> dict | str:
    rule = decision.get("rule")
    return stored_message(gettext_noop(" under rule “%(rule)s”"), rule=rule) if rule else ""


# By round robin: (anyone skipped, more than one eligible) -> the sentence.
_ASSIGNED = {
    (False, False): gettext_noop("Assigned to %(owner)s by round robin%(rule)s."),
    (True, False): gettext_noop("Assigned to %(owner)s by round robin%(rule)s: %(skipped)s."),
    (False, True): gettext_noop(
        "Assigned to %(owner)s by round robin%(rule)s. "
        "Eligible: %(names)s (%(owner)s had waited longest)."
    ),
    (True, True): gettext_noop(
        "Assigned to %(owner)s by round robin%(rule)s: %(skipped)s. "
        "Eligible: %(names)s (%(owner)s had waited longest)."
    ),
}


def decision_message(decision: dict | None) -> dict | None:
    """The whole decision as one or two sentences; None when there is none (an imported lead, a
    lead created before decisions were kept)."""
    if not decision:
        return None
    outcome = decision.get("outcome")
    skipped = decision.get("skipped") or []
    owner = decision.get("owner", "")
    if outcome == ASSIGNED:
        values = {"owner": owner, "rule": _rule_part(decision)}
        eligible = decision.get("eligible") or []
        if len(eligible) > 1:
            values["names"] = stored_list(eligible)
        if skipped:
            values["skipped"] = skipped_message(skipped)
        return stored_message(_ASSIGNED[bool(skipped), len(eligible) > 1], **values)
    if outcome == QUEUED:
        if decision.get("none") == NO_RULE:
            return stored_message(
                gettext_noop(
                    "No one was assigned: no active assignment rule matches this lead "
                    "(%(lead_type)s, %(source)s)."
                ),
                lead_type=decision.get("lead_type", ""),
                source=decision.get("source") or stored_message(gettext_noop("no source")),
            )
        if decision.get("none") == NO_MEMBERS or not skipped:
            if decision.get("rule"):
                return stored_message(
                    gettext_noop("No one was assigned: rule “%(rule)s” has no active members."),
                    rule=decision["rule"],
                )
            return stored_message(gettext_noop("No one was assigned: there are no active reps."))
        return stored_message(
            gettext_noop("No one was assigned%(rule)s: %(skipped)s."),
            rule=_rule_part(decision),
            skipped=skipped_message(skipped),
        )
    if outcome == MANUAL:
        values = {"owner": owner, "actor": decision.get("actor", "")}
        reason = decision.get("reason")
        if reason:
            values["reason"] = reason
            if values["actor"]:
                return stored_message(
                    gettext_noop("Assigned to %(owner)s by %(actor)s (%(reason)s)."), **values
                )
            return stored_message(gettext_noop("Assigned to %(owner)s (%(reason)s)."), **values)
        if values["actor"]:
            return stored_message(gettext_noop("Assigned to %(owner)s by %(actor)s."), **values)
        return stored_message(gettext_noop("Assigned to %(owner)s."), **values)
    if outcome == UNASSIGNED:
        if decision.get("actor"):
            return stored_message(gettext_noop("Unassigned by %(actor)s."), actor=decision["actor"])
        return stored_message(gettext_noop("Unassigned."))
    return None


def _said(message: dict | None) -> str:
    return stored_translated(message) if message else ""


def describe_reason(reason: dict) -> str:
    return _said(reason_message(reason))


def describe_skipped(skipped: list[dict]) -> str:
    return _said(skipped_message(skipped))


def describe_decision(decision: dict | None) -> str:
    return _said(decision_message(decision))


def describe_briefly(decision: dict | None) -> str:
    """For a list row: who was passed over and why, without the sentence around it (the lead page
    has the whole decision)."""
    if decision and decision.get("outcome") == QUEUED and decision.get("skipped"):
        return describe_skipped(decision["skipped"]) + "."
    return describe_decision(decision)
