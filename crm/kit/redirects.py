"""Where to send the user after an action: only ever back to this site (no open redirect)."""

import unicodedata

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, url: str | None = None, *, within: str = "") -> str:
    """`url` if it leads back into this site (and under `within`, when given), else "".

    `url` defaults to the request's `next` (posted, else in the query string). Browsers drop tabs
    and newlines from a URL, so "/\\t/evil.com" would become "//evil.com": any control character
    refuses the URL outright. A page served over HTTPS never sends the user back to plain HTTP.
    """
    if url is None:
        url = request.POST.get("next") or request.GET.get("next") or ""
    if (
        url
        and url.startswith(within)
        and not any(unicodedata.category(char) == "Cc" for char in url)
        and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return url
    return ""
