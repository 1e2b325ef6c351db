"""What automation holds on a contact: erasure's rule for a sequence enrolment (its dates and
status stay, see crm.privacy). Triggers and sequences themselves are the business's, not the
contact's."""

from crm.privacy import Keep, PersonalModel, register_personal_models

register_personal_models(
    PersonalModel(
        "automation.SequenceEnrolment",
        "contact",
        {"stop_reason": Keep("why the sequence stopped, in the engine's own words")},
    ),
)
