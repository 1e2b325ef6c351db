"""Pages for people without an account: the customer's quote page and the embeddable lead form.

Each URL carries a signed token that names its tenant; the view opens that tenant's context.
"""

from django.urls import path

from leads.views import capture, public_quote

app_name = "public"

urlpatterns = [
    # --- The quote page (leads.views.public_quote)
    path("q/<str:token>/", public_quote.quote_page, name="quote"),
    path("q/<str:token>/accept/", public_quote.quote_accept, name="quote-accept"),
    path("q/<str:token>/decline/", public_quote.quote_decline, name="quote-decline"),
    # --- The web form (leads.views.capture)
    path("f/<str:token>/", capture.lead_form, name="lead-form"),
]
