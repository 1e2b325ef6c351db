"""Pages the inbox links to that a higher app serves (crm.kit.links)."""

from crm.kit.links import Link

# The ticket's sidebar offers a follow-up on the ticket; followups serves the form.
NEW_FOLLOW_UP = Link("the form of a new follow-up")
