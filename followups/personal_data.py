"""What the followups app holds on a contact: erasure's rules for its fields (when and what kind
stay, the words go; see crm.privacy). The export has no follow-up section: they are the team's
own to-do list."""

from crm.privacy import (
    BLANK,
    ERASED,
    Keep,
    MergeRule,
    PersonalModel,
    Replace,
    register_merge_rules,
    register_personal_models,
)
from followups.services.contact_merge import neglect_flags_merge

register_personal_models(
    PersonalModel(
        "followups.FollowUp",
        "contact",
        {
            "subject": Replace(ERASED),
            "description": BLANK,
            "outcome_notes": BLANK,
            "key": Keep("the idempotency key of an automatic follow-up, made of ids"),
        },
    ),
    PersonalModel("followups.FollowUpNote", "follow_up__contact", {"body": Replace(ERASED)}),
    PersonalModel(
        "followups.FollowUpSeries",
        "contact",
        {
            "subject": Replace(ERASED),
            "description": BLANK,
            "rule": Keep("when it recurs (an RRULE)"),
            "time_zone": Keep("a time zone name, shared by everyone who lives there"),
            "reminders": Keep("when reminders go out, as offsets"),
        },
    ),
)


register_merge_rules(MergeRule("followups.NeglectFlag", "contact", neglect_flags_merge))
