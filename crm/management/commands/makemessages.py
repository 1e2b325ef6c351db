from django.core.management.commands.makemessages import Command as DjangoMakeMessagesCommand


class Command(DjangoMakeMessagesCommand):
    """`makemessages` also extracts `ngettext_noop(singular, plural)` (crm.kit.stored_text) as a
    plural entry: a stored sentence's singular and plural, translated when it is read."""

    xgettext_options = [*DjangoMakeMessagesCommand.xgettext_options, "--keyword=ngettext_noop:1,2"]
