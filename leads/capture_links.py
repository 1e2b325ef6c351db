"""Signed links and tokens of the lead capture form: the public link that names a tenant's form,
and the hidden token of each showing of the form."""

import datetime as dt
import enum
import secrets

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from leads.models import LeadCaptureForm

CAPTURE_FORM_SALT = "leads.capture-form"


def capture_form_token(capture_form: LeadCaptureForm) -> str:
    return signing.dumps(
        {"t": capture_form.tenant_id, "f": capture_form.pk, "k": capture_form.key},
        salt=CAPTURE_FORM_SALT,
    )


def capture_form_public_url(capture_form: LeadCaptureForm) -> str:
    path = reverse("public:lead-form", kwargs={"token": capture_form_token(capture_form)})
    return settings.THREADLINE_SITE_URL.rstrip("/") + path


# The form is posted from other sites, often inside an iframe whose cookies the browser blocks,
# so it cannot use Django's cookie-based CSRF check. It does not need it: a CSRF attack makes a
# victim's browser act with the victim's session, and this form acts on behalf of nobody (no
# session, no login, no ambient authority); anyone may post it on purpose. What it does need is a
# defence against bots and replays, which the signed page token gives: it names the form, says
# when the page was served (bots post within a second of loading; a person takes longer), expires
# after a day, and is good for one lead only.
SUBMISSION_SALT = "leads.capture-submission"
SUBMISSION_MIN_AGE = dt.timedelta(seconds=3)
SUBMISSION_MAX_AGE = dt.timedelta(days=1)


class TokenCheck(enum.StrEnum):
    OK = "ok"
    TOO_FAST = "too_fast"
    EXPIRED = "expired"
    INVALID = "invalid"


class _DatedSigner(signing.TimestampSigner):
    """A TimestampSigner that can be told when the page was served (tests age their tokens)."""

    def __init__(self, *, issued_at: dt.datetime | None = None, **kwargs):
        super().__init__(**kwargs)
        self.issued_at = issued_at

    def timestamp(self) -> str:
        if self.issued_at is None:
            return super().timestamp()
        return signing.b62_encode(int(self.issued_at.timestamp()))


def capture_submission_token(
    capture_form: LeadCaptureForm, *, issued_at: dt.datetime | None = None
) -> str:
    """The hidden token of one showing of the form: which form, and when it was shown. A random
    part tells apart two people who open the form in the same second."""
    showing = f"{capture_form.pk}.{secrets.token_urlsafe(9)}"
    return _DatedSigner(salt=SUBMISSION_SALT, issued_at=issued_at).sign(showing)


def capture_submission_token_check(
    capture_form: LeadCaptureForm, token: str, *, now: dt.datetime | None = None
) -> TokenCheck:
    signer = signing.TimestampSigner(salt=SUBMISSION_SALT)
    try:
        showing = signer.unsign(token)
    except signing.BadSignature:
        return TokenCheck.INVALID
    if showing.split(".")[0] != str(capture_form.pk):
        return TokenCheck.INVALID
    # The token is "showing:timestamp:signature" and the signature covers the timestamp.
    issued_at = signing.b62_decode(token.rsplit(signer.sep, 2)[1])
    age = dt.timedelta(seconds=(now or timezone.now()).timestamp() - issued_at)
    if age < SUBMISSION_MIN_AGE:
        return TokenCheck.TOO_FAST
    if age > SUBMISSION_MAX_AGE:
        return TokenCheck.EXPIRED
    return TokenCheck.OK
