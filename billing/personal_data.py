"""What billing holds on a contact: erasure's rules for invoices (the books keep them: a business
must keep its invoices for years, so their figures and line items stay; the words a member typed
about the customer go)."""

from crm.privacy import BLANK, Keep, PersonalModel, register_personal_models

register_personal_models(
    PersonalModel(
        "billing.Invoice",
        "lead__contact",
        {
            "void_reason": BLANK,
            "title": Keep("what the invoice is for, which the books keep"),
            "number": Keep("the invoice's number, which the law keeps"),
            "currency": Keep("a currency code"),
            "public_token": Keep("a random link token, nothing about the person"),
            "sent_via": Keep("a channel's name (email or text)"),
            "payer": Keep("who pays the invoice: the homeowner or their insurer"),
        },
    ),
    PersonalModel(
        "billing.InsuranceClaim",
        "lead__contact",
        {
            "insurer_name": Keep("the insurance company the invoices are addressed to"),
            "claim_number": Keep("the insurer's claim number, which its invoices carry"),
            "policy_number": BLANK,
            "adjuster": BLANK,
        },
    ),
    PersonalModel(
        "billing.InvoiceLine",
        "invoice__lead__contact",
        {
            "description": Keep("the business's own line items, kept with the invoice"),
            "tax_name": Keep("the name of the business's tax rate"),
        },
    ),
)
