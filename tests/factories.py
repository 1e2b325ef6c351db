import factory
import phonenumbers
from factory.django import DjangoModelFactory

from crm import models
from crm.tenancy import tenant_context

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


class ContactPhoneFactory(TenantOwnedFactory):
    class Meta:
        model = models.ContactPhone

    contact = factory.SubFactory(ContactFactory, tenant=factory.SelfAttribute("..tenant"))
    number = factory.Sequence(lambda n: phonenumbers.parse(f"+1305555{n % 10000:04d}"))
    is_primary = True


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
