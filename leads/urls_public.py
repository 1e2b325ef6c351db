"""Pages for people without an account: the customer's quote page and the embeddable lead form.

Each URL carries a signed token that names its tenant; the view opens that tenant's context.
"""

app_name = "public"

urlpatterns = [
    # The quote page (leads.views.public_quote)
    # The web form (leads.views.capture)
]
