"""Forms of the trigger admin pages. They turn what the admin types (a number and a unit, before
or after) into the stored minutes; the rules a trigger must follow are the service's to check."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from automation.models import (
    ChannelChoice,
    FollowUpKind,
    StepAction,
    Trigger,
    TriggerDateField,
    TriggerOn,
    TriggerStep,
)
from automation.selectors import triggers as selectors_triggers
from automation.selectors.triggers import MINUTES_PER, split_minutes
from crm.kit.forms import RedisplayMixin, ServiceErrorsMixin, TenantFormMixin
from crm.kit.languages import translated_choices
from crm.models import Brand
from leads.models import LeadSource, LeadType, Pipeline
from messaging.models import MessageChannel

BLANK = ""
BEFORE, AFTER = "before", "after"
UNIT_LABELS = {"minutes": _("minutes"), "hours": _("hours"), "days": _("days")}
UNITS = [(unit, UNIT_LABELS[unit]) for unit in MINUTES_PER]


class TriggerForm(ServiceErrorsMixin, RedisplayMixin, TenantFormMixin, forms.Form):
    service_fields = {"offset_minutes": "offset_amount"}

    name = forms.CharField(label=_("Name"), max_length=120)
    is_active = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Active"),
        help_text=_(
            "Switched off, it starts nothing new and its messages not sent yet are dropped."
        ),
    )
    event = forms.ChoiceField(choices=TriggerOn.choices, label=_("When"))
    stage = forms.ChoiceField(required=False, label=_("The lead enters"))
    date_field = forms.ChoiceField(
        choices=[(BLANK, _("Pick a date")), *TriggerDateField.choices],
        required=False,
        label=_("Counted from"),
    )
    offset_amount = forms.IntegerField(min_value=0, required=False, label=_("How long"))
    offset_unit = forms.ChoiceField(choices=UNITS, initial="hours", required=False, label=_("Unit"))
    offset_direction = forms.ChoiceField(
        choices=[(BEFORE, _("before the date")), (AFTER, _("after the date"))],
        initial=BEFORE,
        required=False,
        label=_("Before or after"),
    )
    # Declared with empty querysets: the tenant's own are set per form, in __init__.
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"),
        queryset=Pipeline.unscoped.none(),
        required=False,
        empty_label=_("Any pipeline"),
    )
    lead_type = forms.ChoiceField(
        choices=[(BLANK, _("Any type")), *LeadType.choices], required=False, label=_("Type of job")
    )
    brand = forms.ModelChoiceField(
        label=_("Brand"), queryset=Brand.unscoped.none(), required=False, empty_label=_("Any brand")
    )
    source = forms.ModelChoiceField(
        queryset=LeadSource.unscoped.none(),
        required=False,
        empty_label=_("Any source"),
        label=_("Lead source"),
    )
    min_priority = forms.IntegerField(
        required=False,
        label=_("Priority at least"),
        help_text=_("The lead's priority score; empty: any."),
    )

    def __init__(self, *args, trigger: Trigger | None = None, **kwargs):
        if trigger is not None:
            kwargs.setdefault("initial", self.values_of(trigger))
        super().__init__(*args, **kwargs)
        choices = selectors_triggers.trigger_choices(tenant=self.tenant, trigger=trigger)
        self.stages = {
            str(stage.pk): stage for _, stages in choices.stages_by_pipeline for stage in stages
        }
        self.fields["stage"].choices = [
            (BLANK, _("Pick a stage")),
            *(
                (pipeline.name, [(str(stage.pk), _stage_label(stage)) for stage in stages])
                for pipeline, stages in choices.stages_by_pipeline
            ),
        ]
        self.fields["pipeline"].queryset = choices.pipelines
        self.fields["brand"].queryset = choices.brands
        self.fields["source"].queryset = choices.sources

    @staticmethod
    def values_of(trigger: Trigger) -> dict:
        amount, unit = split_minutes(trigger.offset_minutes)
        return {
            "name": trigger.name,
            "is_active": trigger.is_active,
            "event": trigger.event,
            "stage": str(trigger.stage_id or ""),
            "date_field": trigger.date_field,
            "offset_amount": amount,
            "offset_unit": unit,
            "offset_direction": BEFORE if trigger.offset_minutes < 0 else AFTER,
            "pipeline": trigger.pipeline_id,
            "lead_type": trigger.lead_type,
            "brand": trigger.brand_id,
            "source": trigger.source_id,
            "min_priority": trigger.min_priority,
        }

    @property
    def chosen_event(self) -> str:
        return self.current("event") or TriggerOn.STAGE_ENTERED

    def clean_stage(self):
        return self.stages.get(self.cleaned_data["stage"])

    def service_values(self) -> dict:
        """The cleaned form as trigger_save's arguments."""
        data = self.cleaned_data
        minutes = (data.get("offset_amount") or 0) * MINUTES_PER[data["offset_unit"] or "hours"]
        if data["event"] == TriggerOn.DATE_REACHED and data.get("offset_direction") == BEFORE:
            minutes = -minutes
        fields = ("name", "is_active", "event", "stage", "date_field", "pipeline", "lead_type")
        return {
            **{field: data[field] for field in fields},
            "offset_minutes": minutes,
            "brand": data["brand"],
            "source": data["source"],
            "min_priority": data["min_priority"],
        }


def _stage_label(stage) -> str:
    return _("%(stage)s (archived)") % {"stage": stage.name} if stage.is_archived else stage.name


def _template_label(template) -> str:
    channels = ", ".join(gettext(MessageChannel(channel).label) for channel in template.channels)
    channels = channels or _("no wording yet")
    return f"{template.name} ({channels})"


class TriggerStepForm(ServiceErrorsMixin, RedisplayMixin, TenantFormMixin, forms.Form):
    service_fields = {"delay_minutes": "delay_amount"}

    action = forms.ChoiceField(
        choices=StepAction.choices, widget=forms.RadioSelect, initial=StepAction.SEND, label=_("Do")
    )
    delay_amount = forms.IntegerField(
        min_value=0,
        required=False,
        label=_("After"),
        help_text=_("Empty or 0: as soon as it fires."),
    )
    delay_unit = forms.ChoiceField(choices=UNITS, initial="days", required=False, label=_("Unit"))
    template = forms.ChoiceField(required=False, label=_("Template"))
    channels = forms.MultipleChoiceField(
        choices=translated_choices(MessageChannel),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("On"),
    )
    channel_choice = forms.ChoiceField(
        choices=ChannelChoice.choices,
        widget=forms.RadioSelect,
        initial=ChannelChoice.PREFERRED,
        required=False,
        label=_("With several channels, send on"),
    )
    follow_up_kind = forms.ChoiceField(
        choices=[(BLANK, _("Pick a kind")), *FollowUpKind.choices], required=False, label=_("Kind")
    )
    follow_up_subject = forms.CharField(
        max_length=200,
        required=False,
        label=_("What to follow up on"),
        help_text=_("The owner sees this in their follow-ups, e.g. “Call about the quote”."),
    )
    repeat_every_days = forms.IntegerField(
        min_value=1,
        required=False,
        label=_("Again every (days)"),
        help_text=_("Empty: once. Repeats while the lead stays where it is."),
    )
    only_while_in_stage = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Only if the lead is still in the stage by then"),
    )
    sequence = forms.ChoiceField(
        required=False,
        label=_("Sequence"),
        help_text=_(
            "The lead joins when the trigger fires, and the sequence's days count from the "
            "delay below. A lead already in it is left as it is."
        ),
    )

    def __init__(self, *args, trigger: Trigger, step: TriggerStep | None = None, **kwargs):
        if step is not None:
            kwargs.setdefault("initial", self.values_of(step))
        super().__init__(*args, **kwargs)
        self.trigger = trigger
        templates = selectors_triggers.step_templates(tenant=self.tenant, step=step)
        self.templates = {str(template.pk): template for template in templates}
        self.fields["template"].choices = [
            (BLANK, _("Pick a template")),
            *((key, _template_label(template)) for key, template in self.templates.items()),
        ]
        sequences = selectors_triggers.step_sequences(tenant=self.tenant, step=step)
        self.sequences = {str(sequence.pk): sequence for sequence in sequences}
        self.fields["sequence"].choices = [
            (BLANK, _("Pick a sequence")),
            *((key, sequence.name) for key, sequence in self.sequences.items()),
        ]

    @staticmethod
    def values_of(step: TriggerStep) -> dict:
        amount, unit = split_minutes(step.delay_minutes)
        return {
            "action": step.action,
            "delay_amount": amount or None,
            "delay_unit": unit if amount else "days",
            "template": str(step.template_id or ""),
            "channels": step.channels,
            "channel_choice": step.channel_choice,
            "follow_up_kind": step.follow_up_kind,
            "follow_up_subject": step.follow_up_subject,
            "repeat_every_days": step.repeat_every_days,
            "only_while_in_stage": step.only_while_in_stage,
            "sequence": str(step.sequence_id or ""),
        }

    @property
    def chosen_action(self) -> str:
        return self.current("action") or StepAction.SEND

    @property
    def for_stage_trigger(self) -> bool:
        return self.trigger.event == TriggerOn.STAGE_ENTERED

    def clean_template(self):
        return self.templates.get(self.cleaned_data["template"])

    def clean_sequence(self):
        return self.sequences.get(self.cleaned_data["sequence"])

    def service_values(self) -> dict:
        """The cleaned form as trigger_step_save's arguments."""
        data = self.cleaned_data
        fields = ("action", "template", "channels", "follow_up_kind", "sequence")
        return {
            **{field: data[field] for field in fields},
            "channel_choice": data["channel_choice"] or ChannelChoice.PREFERRED,
            "delay_minutes": (data.get("delay_amount") or 0)
            * MINUTES_PER[data["delay_unit"] or "days"],
            "follow_up_subject": data["follow_up_subject"],
            "repeat_every_days": data["repeat_every_days"],
            "only_while_in_stage": data["only_while_in_stage"] and self.for_stage_trigger,
        }
