"""What automation holds on a contact: erasure's rule for a sequence enrolment (its dates and
status stay, see crm.privacy). Triggers and sequences themselves are the business's, not the
contact's."""

from automation.services.contact_merge import enrolments_merge
from crm.privacy import (
    Keep,
    MergeRule,
    PersonalModel,
    register_merge_rules,
    register_personal_models,
)

register_personal_models(
    PersonalModel(
        "automation.SequenceEnrolment",
        "contact",
        {
            "stop_reason": Keep("why the sequence stopped, in the engine's own words"),
            "stop_reason_params": Keep("the same reason as its msgid and values"),
        },
    ),
)


register_merge_rules(MergeRule("automation.SequenceEnrolment", "contact", enrolments_merge))
