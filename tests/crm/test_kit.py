"""The shared kit (crm/kit): each piece of plumbing, tested once where it is written."""

import pytest
from django.test import RequestFactory

from crm.kit.redirects import safe_next


def _post(next_url: str, *, secure: bool = False):
    return RequestFactory().post("/", {"next": next_url}, secure=secure)


class TestSafeNext:
    @pytest.mark.parametrize("url", ["/leads/", "/leads/?stage=3&sort=-age", "/followups/#due"])
    def test_accepts_a_path_on_this_site(self, url):
        assert safe_next(_post(url)) == url

    def test_accepts_an_absolute_url_to_this_host(self):
        assert safe_next(_post("http://testserver/leads/")) == "http://testserver/leads/"

    @pytest.mark.parametrize(
        "url",
        [
            "//evil.com",
            "https://evil.com",
            "http://evil.com/leads/",
            "///evil.com",
            "/\\evil.com",
            "javascript:alert(1)",
            "\x00/leads/",
            "/leads/\x00",
            "/leads/\r\nSet-Cookie: x=1",
            "/\t/evil.com",
        ],
    )
    def test_refuses_another_site_or_control_characters(self, url):
        assert safe_next(_post(url)) == ""

    def test_a_page_served_over_https_does_not_send_back_to_http(self):
        assert safe_next(_post("http://testserver/leads/", secure=True)) == ""

    def test_reads_next_from_the_post_then_the_query(self):
        both = RequestFactory().post("/?next=/from-query/", {"next": "/from-post/"})
        query_only = RequestFactory().post("/?next=/from-query/")
        assert safe_next(both) == "/from-post/"
        assert safe_next(query_only) == "/from-query/"

    def test_an_explicit_url_ignores_the_request(self):
        request = _post("/leads/")
        assert safe_next(request, "") == ""
        assert safe_next(request, "/tickets/") == "/tickets/"

    def test_within_keeps_the_user_under_a_prefix(self):
        request = _post("/")
        assert safe_next(request, "/portal/jobs/", within="/portal/") == "/portal/jobs/"
        assert safe_next(request, "/leads/", within="/portal/") == ""
