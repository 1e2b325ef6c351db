"""How an assignment decision reads to people (pure: no database).

`leads.services.assignment` stores each decision on the lead (`Lead.assignment_decision`) as plain
data: the outcome, the rule, who was eligible in round-robin order and who was skipped with every
reason. This module turns that into the sentence the lead page, the unassigned queue, the timeline
and the managers' "needs an owner" alert show, in the reader's language:

    Assigned to Sam Lee by round robin under rule “Residential”: Alex Kim over capacity
    (12/10 open sales leads), Jo Park off today. Eligible: Sam Lee, Rosa Delgado.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

ASSIGNED = "assigned"
QUEUED = "queued"
MANUAL = "manual"
UNASSIGNED = "unassigned"

# Why nobody at all was considered (a queued decision with no one skipped).
NO_RULE = "no_rule"
NO_MEMBERS = "no_members"


def _counted(counts: str, number: int) -> str:
    if counts == "open_and_won":
        return ngettext("open lead or job", "open leads and jobs", number)
    return ngettext("open sales lead", "open sales leads", number)


def describe_reason(reason: dict) -> str:
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
            return _("over capacity (%(open)s/%(limit)s %(what)s)") % values
        return _("at capacity (%(open)s/%(limit)s %(what)s)") % values
    if code == "time_off":
        return _("off today")
    if code == "hours":
        return _("not working now (outside their weekly hours)")
    if code == "expertise":
        return _("wrong expertise (%(expertise)s only)") % {
            "expertise": reason.get("expertise_label") or reason.get("expertise", "")
        }
    if code == "territory":
        if not reason.get("place"):
            return _("covers only their territories and the lead has no address")
        return _("wrong territory (%(place)s is outside %(territories)s)") % {
            "place": reason["place"],
            "territories": ", ".join(reason.get("territories", [])),
        }
    return str(code or "")


def describe_skipped(skipped: list[dict]) -> str:
    """'Alex Kim over capacity (12/10 open sales leads), Jo Park off today'."""
    return ", ".join(
        f"{entry['name']} " + _(" and ").join(describe_reason(r) for r in entry.get("reasons", []))
        for entry in skipped
    )


def _rule_part(decision: dict) -> str:
    rule = decision.get("rule")
    return _(" under rule “%(rule)s”") % {"rule": rule} if rule else ""


def describe_decision(decision: dict | None) -> str:
    """The whole decision as one or two sentences; '' when there is none (an imported lead, a
    lead created before decisions were kept)."""
    if not decision:
        return ""
    outcome = decision.get("outcome")
    skipped = decision.get("skipped") or []
    if outcome == ASSIGNED:
        text = _("Assigned to %(owner)s by round robin%(rule)s") % {
            "owner": decision.get("owner", ""),
            "rule": _rule_part(decision),
        }
        text += f": {describe_skipped(skipped)}." if skipped else "."
        eligible = decision.get("eligible") or []
        if len(eligible) > 1:
            text += " " + _("Eligible: %(names)s (%(owner)s had waited longest).") % {
                "names": ", ".join(eligible),
                "owner": decision.get("owner", ""),
            }
        return text
    if outcome == QUEUED:
        if decision.get("none") == NO_RULE:
            return _(
                "No one was assigned: no active assignment rule matches this lead "
                "(%(lead_type)s, %(source)s)."
            ) % {
                "lead_type": decision.get("lead_type", ""),
                "source": decision.get("source") or _("no source"),
            }
        if decision.get("none") == NO_MEMBERS or not skipped:
            if decision.get("rule"):
                return _("No one was assigned: rule “%(rule)s” has no active members.") % {
                    "rule": decision["rule"]
                }
            return _("No one was assigned: there are no active reps.")
        return _("No one was assigned%(rule)s: %(skipped)s.") % {
            "rule": _rule_part(decision),
            "skipped": describe_skipped(skipped),
        }
    if outcome == MANUAL:
        values = {"owner": decision.get("owner", ""), "actor": decision.get("actor", "")}
        if decision.get("actor"):
            text = _("Assigned to %(owner)s by %(actor)s") % values
        else:
            text = _("Assigned to %(owner)s") % values
        reason = decision.get("reason")
        return text + (f" ({reason})." if reason else ".")
    if outcome == UNASSIGNED:
        if decision.get("actor"):
            return _("Unassigned by %(actor)s.") % {"actor": decision["actor"]}
        return _("Unassigned.")
    return ""


def describe_briefly(decision: dict | None) -> str:
    """For a list row: who was passed over and why, without the sentence around it (the lead page
    has the whole decision)."""
    if decision and decision.get("outcome") == QUEUED and decision.get("skipped"):
        return describe_skipped(decision["skipped"]) + "."
    return describe_decision(decision)
