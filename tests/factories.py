from decimal import Decimal

import factory
import phonenumbers
from django.utils import timezone
from factory.django import DjangoModelFactory

from crm import models
from crm.tenancy import tenant_context
from leads import models as lead_models

TEST_PASSWORD = "correct-horse-battery"


class TenantFactory(DjangoModelFactory):
    class Meta:
        model = models.Tenant

    name = factory.Sequence(lambda n: f"Business {n}")
    slug = factory.Sequence(lambda n: f"business-{n}")
    time_zone = "America/New_York"
    home_state = "FL"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = models.User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@staff.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()


class TenantOwnedFactory(DjangoModelFactory):
    """Creates the row inside its own tenant's context, as the app role must."""

    class Meta:
        abstract = True

    tenant = factory.SubFactory(TenantFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with tenant_context(kwargs["tenant"]):
            return super()._create(model_class, *args, **kwargs)


class MembershipFactory(TenantOwnedFactory):
    class Meta:
        model = models.Membership

    user = factory.SubFactory(UserFactory)
    role = models.Role.REP


class BrandFactory(TenantOwnedFactory):
    class Meta:
        model = models.Brand

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")
    sender_name = factory.SelfAttribute("name")
    sender_email = factory.Sequence(lambda n: f"hello{n}@brand.test")


class ContactFactory(TenantOwnedFactory):
    class Meta:
        model = models.Contact

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")


class ContactEmailFactory(TenantOwnedFactory):
    class Meta:
        model = models.ContactEmail

    contact = factory.SubFactory(ContactFactory, tenant=factory.SelfAttribute("..tenant"))
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    is_primary = True
    # As staff type it in the app; an address from a web form or an import starts unverified.
    source = models.AddressSource.STAFF
    verified_at = factory.LazyFunction(timezone.now)
    verified_how = models.AddressVerification.STAFF


class ContactPhoneFactory(TenantOwnedFactory):
    class Meta:
        model = models.ContactPhone

    contact = factory.SubFactory(ContactFactory, tenant=factory.SelfAttribute("..tenant"))
    number = factory.Sequence(lambda n: phonenumbers.parse(f"+1305555{n % 10000:04d}"))
    is_primary = True
    source = models.AddressSource.STAFF
    verified_at = factory.LazyFunction(timezone.now)
    verified_how = models.AddressVerification.STAFF


class PropertyFactory(TenantOwnedFactory):
    class Meta:
        model = models.Property

    address_line1 = factory.Faker("street_address")
    city = "Miami"
    state = "FL"
    postal_code = "33145"


class PropertyContactFactory(TenantOwnedFactory):
    class Meta:
        model = models.PropertyContact

    property = factory.SubFactory(PropertyFactory, tenant=factory.SelfAttribute("..tenant"))
    contact = factory.SubFactory(ContactFactory, tenant=factory.SelfAttribute("..tenant"))


class NotificationFactory(TenantOwnedFactory):
    class Meta:
        model = models.Notification

    recipient = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Something happened #{n}")


# --- Leads --------------------------------------------------------------------------------------


class LeadSourceFactory(TenantOwnedFactory):
    class Meta:
        model = lead_models.LeadSource

    name = factory.Sequence(lambda n: f"Source {n}")
    default_cost = Decimal("25.00")


def pipeline_for(tenant, template=None, name: str = ""):
    """The tenant's pipeline built from a ready-made template (residential roofing by default)."""
    from leads.pipeline_templates import RESIDENTIAL_ROOFING
    from leads.services.configuration import pipeline_create_from_template

    template = template or RESIDENTIAL_ROOFING
    with tenant_context(tenant):
        existing = lead_models.Pipeline.objects.filter(tenant=tenant, name=name or template.name)
        if existing.exists():
            return existing.get()
        return pipeline_create_from_template(
            tenant=tenant, actor=None, template=template, name=name
        )


def stage_named(pipeline, name: str):
    with tenant_context(pipeline.tenant):
        return lead_models.Stage.objects.get(pipeline=pipeline, name=name)


def lead_for(world, pipeline=None, *, owner=None, **fields):
    """A lead for the world's contact and property, created the way staff create one."""
    from leads.services.leads import lead_create

    pipeline = pipeline or pipeline_for(world.tenant)
    with world.active():
        return lead_create(
            tenant=world.tenant,
            actor=None,
            contact=fields.pop("contact", world.contact),
            place=fields.pop("place", world.property),
            pipeline=pipeline,
            owner=owner,
            assign_automatically=fields.pop("assign_automatically", owner is None),
            **fields,
        )


# --- Comms ---------------------------------------------------------------------------------------


def message_template_for(
    tenant,
    key: str = "quote-sent",
    *,
    channels=("email", "sms"),
    purpose: str = "transactional",
    text: str = "Hi {{ first_name }}, about {{ order_number }}.",
    subject: str = "About {{ order_number }}",
    **variant_fields,
):
    """A message template with one English variant per channel."""
    from messaging.models import MessageTemplate, TemplateVariant

    with tenant_context(tenant):
        template, _ = MessageTemplate.objects.get_or_create(
            tenant=tenant,
            key=key,
            defaults={"name": key.replace("-", " ").capitalize(), "purpose": purpose},
        )
        for channel in channels:
            TemplateVariant.objects.get_or_create(
                tenant=tenant,
                template=template,
                channel=channel,
                language="en",
                brand=None,
                defaults={
                    "subject": subject if channel == "email" else "",
                    "body_text": text,
                    **variant_fields,
                },
            )
        return template


def trigger_for(tenant, *, event: str = "stage_entered", steps=(), **fields):
    """A trigger with its steps, each a dict of TriggerStep fields (position follows the order)."""
    from automation.models import Trigger, TriggerStep

    with tenant_context(tenant):
        trigger = Trigger.objects.create(
            tenant=tenant, name=fields.pop("name", f"Trigger {event}"), event=event, **fields
        )
        for position, step in enumerate(steps):
            TriggerStep.objects.create(tenant=tenant, trigger=trigger, position=position, **step)
        return trigger
