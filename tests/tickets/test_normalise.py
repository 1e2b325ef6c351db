"""The inbound email normaliser: real-looking fixtures field by field, then hostile input."""

import base64
import datetime as dt
import mailbox
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.normalise import (
    Attachment,
    DroppedAttachment,
    NormalisedEmail,
    normalise_email,
    read_eml,
    read_mbox,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "email"
PDF_BYTES = base64.b64decode(
    "JVBERi0xLjQKMSAwIG9iaiA8PCAvVHlwZSAvQ2F0YWxvZyAvUGFnZXMgMiAwIFIgPj4gZW5kb2JqCjIgMCBvYmog"
    "PDwgL1R5cGUgL1BhZ2VzIC9LaWRzIFszIDAgUl0gL0NvdW50IDEgPj4gZW5kb2JqCjMgMCBvYmogPDwgL1R5cGUg"
    "L1BhZ2UgL1BhcmVudCAyIDAgUiAvTWVkaWFCb3ggWzAgMCA2MTIgNzkyXSA+PiBlbmRvYmoKdHJhaWxlciA8PCAv"
    "Um9vdCAxIDAgUiA+PgolJUVPRgo="
)
FORBIDDEN_TAGS = {"script", "style", "iframe", "frame", "object", "embed", "form", "input", "svg"}


def fixture(name: str) -> NormalisedEmail:
    return normalise_email(read_eml(FIXTURES / name))


def message(headers: str, body: str | bytes = "Hello", *, crlf: bool = False) -> bytes:
    head = headers.strip("\n").replace("\n", "\r\n" if crlf else "\n").encode("utf-8")
    payload = body if isinstance(body, bytes) else body.encode("utf-8")
    return head + (b"\r\n\r\n" if crlf else b"\n\n") + payload


class _HtmlAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)


def assert_sanitised(markup: str) -> None:
    assert "<script" not in markup.lower()
    audit = _HtmlAudit()
    audit.feed(markup)
    audit.close()
    assert not audit.tags & FORBIDDEN_TAGS
    for name, value in audit.attributes:
        assert not name.startswith("on"), (name, value)
        assert name not in {"style", "class", "id"}
        scheme, colon, _ = value.strip().partition(":")
        if name == "href":
            assert colon and scheme.lower() in {"http", "https", "mailto", "tel", "cid"}, value
        if name == "src":
            assert colon and scheme.lower() in {"http", "https", "cid"}, value


def assert_storable(email: NormalisedEmail) -> None:
    """What every result must satisfy, whatever came in: PostgreSQL can store each text field,
    the limits hold, the HTML is sanitised."""
    texts = [
        email.message_id,
        email.in_reply_to,
        email.from_address,
        email.from_name,
        email.subject,
        email.text,
        email.html,
        email.reply_text,
        *email.references,
        *email.to_addresses,
        *email.cc_addresses,
    ]
    for text in texts:
        assert isinstance(text, str)
        assert "\x00" not in text
        text.encode("utf-8")
    assert len(email.subject) <= 300
    assert "\n" not in email.subject
    for address in (email.from_address, *email.to_addresses, *email.cc_addresses):
        assert address == address.lower()
    assert email.sent_at is None or email.sent_at.tzinfo is not None
    for attachment in email.attachments:
        assert attachment.filename
        assert len(attachment.filename) <= 150
        assert not set(attachment.filename) & {"/", "\\", "\x00"}
        assert attachment.size == len(attachment.content)
    assert_sanitised(email.html)


# Fixtures, field by field


def test_multipart_alternative_from_gmail():
    email = fixture("multipart_alternative.eml")

    assert email.message_id == "CAJx8k2P4qW+Zr5v=Hd7Q@mail.gmail.com"
    assert email.in_reply_to == ""
    assert email.references == ()
    assert email.from_address == "maria.gonzalez@gmail.com"
    assert email.from_name == "Maria Gonzalez"
    assert email.to_addresses == ("hello@firstroofing.test",)
    assert email.cc_addresses == ("luis.gonzalez@example.com", "dispatch@firstroofing.test")
    assert email.subject == "Leak over the kitchen after last night's storm"
    assert email.sent_at == dt.datetime(2025, 3, 4, 16, 15, 1, tzinfo=dt.UTC)
    assert email.text == (
        "Hi,\n\nWater is coming through the ceiling above the kitchen after last night’s storm. "
        "Could someone come by this week? We’re at 1420 Brickell Ave.\n\nThanks,\nMaría"
    )
    assert "<b>1420 Brickell Ave</b>" in email.html
    assert 'dir="ltr"' not in email.html
    assert email.reply_text == email.text
    assert not email.has_quoted_history
    assert not email.is_auto_reply
    assert email.attachments == ()
    assert email.dropped_attachments == ()


def test_iso_8859_1_body_subject_and_name():
    email = fixture("latin1.eml")

    assert email.from_name == "André Bélanger"
    assert email.from_address == "andre.belanger@orange.fr"
    assert email.subject == "Devis toiture à Montréal (façade côté rue)"
    assert email.sent_at == dt.datetime(2025, 2, 10, 13, 2, 9, tzinfo=dt.UTC)
    assert "la réfection de la façade côté rue ? Le toit a été refait en 2009." in email.text
    assert email.text.endswith("Cordialement,\nAndré Bélanger")
    assert email.html == ""


def test_windows_1252_body_subject_and_name():
    email = fixture("windows1252.eml")

    assert email.from_name == "Zoë “Zee” O’Brien"
    assert email.from_address == "zoe.obrien@schmidt-bau.example"
    assert email.to_addresses == ("hello@firstroofing.test",)
    assert email.subject == "Angebot für das Dach – “bitte” prüfen"
    assert email.message_id == "000001db8e7a$4c2d1e80$e4875b80$@schmidt-bau.example"
    assert email.text == (
        "Guten Tag,\n\ndas Angebot über 12.400 € – inkl. „Dachrinnen“ – passt für uns.\n"
        "Bitte “zeitnah” bestätigen.\n\nMit freundlichen Grüßen\nZoë O’Brien"
    )
    assert "\r" not in email.text


def test_attachment_and_inline_image_in_nested_multiparts():
    email = fixture("attachment_inline_image.eml")

    assert email.from_address == "tom.becker@outlook.com"
    assert email.text.startswith("Hi Dan,\n\nPhoto of the flashing below")
    assert "MsoNormal" not in email.html
    assert "<style" not in email.html
    assert '<img width="1" height="1" src="cid:image001.png@01DB8DF1.2A3B4C50" alt="flashing">' in (
        email.html
    )
    image, quote, photo = email.attachments
    assert image == Attachment(
        filename="image001.png",
        content_type="image/png",
        size=70,
        content=image.content,
        content_id="image001.png@01DB8DF1.2A3B4C50",
    )
    assert image.content.startswith(b"\x89PNG\r\n")
    assert quote == Attachment(
        filename="Quote 1042 - signed.pdf",
        content_type="application/pdf",
        size=218,
        content=PDF_BYTES,
        content_id="",
    )
    # filename*=UTF-8''../../C:\Users\tom\Dachböden Foto<U+202E>.jpg: path parts and the
    # right-to-left override (used to disguise extensions) are gone.
    assert photo.filename == "Dachböden Foto.jpg"
    assert photo.content_type == "image/jpeg"
    assert photo.content.startswith(b"\xff\xd8")
    assert email.dropped_attachments == ()


def test_oversized_attachments_are_dropped_with_the_reason():
    email = normalise_email(
        read_eml(FIXTURES / "attachment_inline_image.eml"), max_attachment_bytes=100
    )

    assert [attachment.filename for attachment in email.attachments] == [
        "image001.png",
        "Dachböden Foto.jpg",
    ]
    assert email.dropped_attachments == (
        DroppedAttachment("Quote 1042 - signed.pdf", "218 bytes, over the 100-byte limit"),
    )
    filename, reason = email.dropped_attachments[0]
    assert filename == "Quote 1042 - signed.pdf"
    assert "218 bytes" in reason


def test_malformed_headers():
    raw = read_eml(FIXTURES / "malformed_headers.eml")
    assert max(len(line) for line in raw.splitlines()) > 20_000

    email = normalise_email(raw)

    assert email.from_address == "bob.smith@example.com"
    assert email.from_name == "Bob Smith"
    assert email.sent_at is None
    assert email.message_id == "1741370400.4471@legacy-mailer.example"
    assert len(email.references) == 480
    assert email.references[0] == "thread.0000.a8f2c1@legacy-mailer.example"
    assert email.references[-1] == "thread.0479.a8f2c1@legacy-mailer.example"
    assert email.subject == "Préstamo — cotización del techo"
    assert email.text == "Hola, necesito una cotización para el techo. ¿Cuándo pueden venir?\n\nBob"
    assert_storable(email)


def test_sanitises_hostile_html_in_an_html_only_message():
    email = fixture("script_html.eml")

    assert_sanitised(email.html)
    lowered = email.html.lower()
    for needle in ("alert", "javascript", "document.cookie", "onclick", "onload", "onerror"):
        assert needle not in lowered
    assert "frames" not in lowered and "flash fallback" not in lowered
    assert "display:none" not in lowered
    assert (
        '<a href="https://roof-deals.example/invoices/8841" rel="noopener noreferrer">'
        "open it online</a>"
    ) in email.html
    assert '<a rel="noopener noreferrer">Manage your account</a>' in email.html
    assert '<img src="https://roof-deals.example/logo.png" alt="Roof Deals">' in email.html
    assert '<img alt="tracker">' in email.html
    assert email.text == (
        "Invoice #8841\n\nYour invoice for the gutter cleaning is ready.\n\n"
        "View invoice or download it or open it online.\n\nManage your account\nLog in\n\n"
        "- Amount: $240.00\n\n- Due: March 20"
    )
    assert email.reply_text == email.text
    assert email.subject == "Your invoice is ready"


def test_out_of_office_reply():
    email = fixture("out_of_office.eml")

    assert email.is_auto_reply
    assert email.subject == "Automatic reply: Roof inspection on Friday"
    assert email.in_reply_to == "tl.20250307130540.a8f2@firstroofing.test"
    assert email.references == ("tl.20250307130540.a8f2@firstroofing.test",)
    assert email.text.startswith("I am out of the office until Monday, March 17th, with limited")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ("Auto-Submitted: auto-replied", True),
        ("Auto-Submitted: auto-generated", True),
        ("Auto-Submitted: no", False),
        ("Auto-Submitted: No (sent by a person)", False),
        ("X-Autoreply: yes", True),
        ("X-Autorespond: Vacation", True),
        # Precedence bulk/junk/list and X-Auto-Response-Suppress ask responders not to answer;
        # mailing lists and aliases set them on what people write (issue 18): not automatic.
        ("Precedence: bulk", False),
        ("Precedence: junk", False),
        ("Precedence: auto_reply", True),
        ("Return-Path: <>", True),
        ("Precedence: list", False),
        ("X-Auto-Response-Suppress: DR, OOF, AutoReply", False),
        ("X-Auto-Response-Suppress: All", False),
        ("X-Auto-Response-Suppress: RN, NRN", False),
        ("Subject: Out of Office: back on the 17th", True),
        ("Subject: Automatic reply: Roof inspection", True),
        ("Subject: AUTO: Karen is away", True),
        ("Subject: Re: out of office hours, can you come?", False),
        ("Subject: Automatically replying to your quote", False),
    ],
)
def test_auto_reply_signals(headers, expected):
    raw = message(f"From: karen@example.com\nTo: dan@firstroofing.test\n{headers}")
    assert normalise_email(raw).is_auto_reply is expected


def test_gmail_style_quoted_history_is_folded():
    email = fixture("gmail_reply.eml")

    assert email.has_quoted_history
    assert email.reply_text == "Thursday morning works, the side gate code is 4471.\n\nMaria"
    assert "> Sorry to hear about the leak." in email.text
    assert email.in_reply_to == "tl.20250304120501.77c1@firstroofing.test"
    assert email.references == (
        "CAJx8k2P4qW+Zr5v=Hd7Q@mail.gmail.com",
        "tl.20250304120501.77c1@firstroofing.test",
    )
    assert email.to_addresses == ("reply+t1042.k7d9@firstroofing.test",)
    assert email.subject == "Re: Leak over the kitchen after last night's storm [#T-1042]"


def test_outlook_style_quoted_history_is_folded():
    email = fixture("outlook_reply.eml")

    assert email.has_quoted_history
    assert (
        email.reply_text == "Thanks Dan, the price is fine. Can you start before the 20th?\n\nTom"
    )
    assert "Sent: Tuesday, March 4, 2025 5:00 PM" in email.text
    assert email.subject == "RE: Quote 1042 for the flat roof"


def test_original_message_separator_is_folded():
    body = (
        "Yes, go ahead with the gutters.\n\n"
        "-----Original Message-----\n"
        "From: Dan Reyes [mailto:dan@firstroofing.test]\n"
        "Sent: Monday, March 3, 2025 4:12 PM\n"
        "To: Tom Becker\n"
        "Subject: Gutters\n\n"
        "Shall we replace the gutters too?\n"
    )
    email = normalise_email(message("From: tom@example.com\nSubject: RE: Gutters", body))

    assert email.has_quoted_history
    assert email.reply_text == "Yes, go ahead with the gutters."


def test_trailing_quoted_lines_without_a_header_are_folded():
    body = "Friday is better.\n\n> Can we come Thursday?\n> Dan\n"
    email = normalise_email(message("From: maria@example.com", body))

    assert email.has_quoted_history
    assert email.reply_text == "Friday is better."


def test_interleaved_answers_are_not_folded():
    body = "> Thursday or Friday?\nFriday.\n> Gate code?\n4471\n"
    email = normalise_email(message("From: maria@example.com", body))

    assert not email.has_quoted_history
    assert email.reply_text == email.text


def test_a_bare_forward_keeps_its_text():
    body = (
        "---------- Forwarded message ---------\n"
        "From: Karen Whitfield <karen@example.com>\n"
        "Date: Mon, Mar 3, 2025 at 9:00 AM\n"
        "Subject: Roof\n"
        "To: Tom <tom@example.com>\n\n"
        "The roof leaks again.\n"
    )
    email = normalise_email(message("From: tom@example.com\nSubject: Fwd: Roof", body))

    assert not email.has_quoted_history
    assert email.reply_text == email.text
    assert "The roof leaks again." in email.reply_text


def test_a_forward_with_a_note_keeps_the_note():
    body = (
        "FYI, see below.\n\nBegin forwarded message:\n\nFrom: Karen <karen@example.com>\n"
        "Date: March 3, 2025 at 9:00:00 AM EST\nSubject: Roof\nTo: Tom <tom@example.com>\n\n"
        "The roof leaks again.\n"
    )
    email = normalise_email(message("From: tom@example.com\nSubject: Fwd: Roof", body))

    assert email.has_quoted_history
    assert email.reply_text == "FYI, see below."


def test_a_message_that_is_only_an_attachment():
    email = fixture("only_attachment.eml")

    assert email.text == email.html == email.reply_text == ""
    assert not email.has_quoted_history
    (scan,) = email.attachments
    assert scan.filename == "scan_0001.pdf"
    assert scan.content == PDF_BYTES
    assert email.from_address == "scanner@example-property.com"
    assert email.from_name == ""


# Broken input


def test_missing_headers_give_empty_fields():
    email = normalise_email(b"\nJust a body, no headers.\n")

    assert email.message_id == email.in_reply_to == email.subject == email.from_address == ""
    assert email.references == email.to_addresses == email.cc_addresses == ()
    assert email.sent_at is None
    assert email.text == "Just a body, no headers."


def test_empty_input():
    email = normalise_email(b"")

    assert email.text == email.html == email.subject == email.message_id == ""
    assert email.attachments == ()


@pytest.mark.parametrize(
    ("charset", "body", "expected"),
    [
        ("x-unknown", "Café".encode(), "Café"),
        ("x-unknown", "Café".encode("latin-1"), "Café"),
        ("base64", "Café".encode(), "Café"),
        ("us-ascii", "Café".encode("latin-1"), "Café"),
        ("utf-8", b"Caf\xe9 au lait \xe2\x80\x94 ok", "Caf\ufffd au lait — ok"),
        ("iso-8859-1", b"\x93quoted\x94", "“quoted”"),
        ("koi8-r", "Крыша".encode("koi8-r"), "Крыша"),
    ],
)
def test_wrong_or_unknown_charsets_fall_back(charset, body, expected):
    raw = message(
        f'From: a@example.com\nContent-Type: text/plain; charset="{charset}"\n'
        "Content-Transfer-Encoding: 8bit",
        body,
    )
    assert normalise_email(raw).text == expected


def test_non_ascii_names_raw_and_encoded():
    raw = message(
        "From: Jürgen Müller <juergen@example.de>\n"
        "To: =?utf-8?B?5bGx55Sw5aSq6YOO?= <Taro@Example.JP>, =?koi8-r?q?=F0=C5=D4=D2?= <p@x.ru>\n"
        "Cc: =?unknown-charset?q?Jos=E9?= <jose@example.com>, undisclosed-recipients:;"
    )
    email = normalise_email(raw)

    assert email.from_name == "Jürgen Müller"
    assert email.to_addresses == ("taro@example.jp", "p@x.ru")
    assert email.cc_addresses == ("jose@example.com",)


def test_naive_and_odd_dates():
    def sent_at(date: str) -> dt.datetime | None:
        return normalise_email(message(f"Date: {date}")).sent_at

    assert sent_at("Tue, 4 Mar 2025 11:15:01 -0000") == dt.datetime(
        2025, 3, 4, 11, 15, 1, tzinfo=dt.UTC
    )
    assert sent_at("4 Mar 25 11:15 EST") == dt.datetime(2025, 3, 4, 16, 15, tzinfo=dt.UTC)
    assert sent_at("Tue, 4 Mar 99999 11:15:01 +0000") is None
    assert sent_at("") is None
    assert sent_at("=?utf-8?q?Tuesday?=") is None


def test_broken_mime_structures():
    no_boundary = message(
        "From: a@example.com\nContent-Type: multipart/mixed", "Plain words with no parts."
    )
    unterminated = message(
        'From: a@example.com\nContent-Type: multipart/alternative; boundary="b1"',
        "--b1\nContent-Type: text/plain\n\nThe part that arrived.\n--b1\nContent-Type: text/ht",
    )
    bad_base64 = message(
        "From: a@example.com\nContent-Type: text/plain\nContent-Transfer-Encoding: base64",
        "SGVsbG8gd29ybGQ=!!!not base64",
    )
    bad_content_type = message(
        'From: a@example.com\nContent-Type: text/plain; charset="' + "(" * 3000, "Still read."
    )

    assert normalise_email(no_boundary).text == "Plain words with no parts."
    assert normalise_email(unterminated).text.startswith("The part that arrived.")
    assert normalise_email(bad_base64).text.startswith("Hello world")
    assert normalise_email(bad_content_type).text == "Still read."


def test_multiparts_nested_too_deep_to_parse_keep_their_text():
    depth = 3000
    raw = (
        b"From: a@example.com\nSubject: Nested\n"
        + b"".join(
            b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (level, level)
            for level in range(depth)
        )
        + b"Content-Type: text/plain\n\nThe innermost words.\n"
    )

    email = normalise_email(raw)

    assert email.subject == "Nested"
    assert email.from_address == "a@example.com"
    assert "The innermost words." in email.text


def test_huge_headers():
    raw = message(
        "From: " + "x" * 200_000 + " <a@example.com>\n"
        "Subject: " + "word " * 50_000 + "\n"
        "To: " + ", ".join(f"user{i}@example.com" for i in range(3000)) + "\n"
        "Message-ID: <" + "m" * 5000 + "@example.com>"
    )

    email = normalise_email(raw)

    assert len(email.subject) == 300
    assert len(email.to_addresses) == 3000
    assert len(email.message_id) == 998
    assert_storable(email)


@pytest.mark.parametrize(
    ("disposition", "expected"),
    [
        ('attachment; filename="../../etc/passwd"', "passwd"),
        # A backslash in a quoted-string escapes the next character, so Windows paths arrive doubled.
        ('attachment; filename="C:\\\\Users\\\\tom\\\\roof.jpg"', "roof.jpg"),
        ('attachment; filename="...hidden"', "hidden"),
        ('attachment; filename="=?utf-8?q?Dachb=C3=B6den.pdf?="', "Dachböden.pdf"),
        ('attachment; filename="bad\x07\x1bname.pdf"', "badname.pdf"),
        (f'attachment; filename="{"long " * 60}.pdf"', ("long " * 60)[:146].rstrip() + ".pdf"),
        ("attachment", "attachment.pdf"),
        ('attachment; filename=".."', "attachment.pdf"),
    ],
)
def test_attachment_filenames_are_safe_basenames(disposition, expected):
    raw = message(
        'From: a@example.com\nContent-Type: multipart/mixed; boundary="b"',
        "--b\nContent-Type: text/plain\n\nSee attached.\n"
        f"--b\nContent-Type: application/pdf\nContent-Disposition: {disposition}\n"
        "Content-Transfer-Encoding: base64\n\nJVBERi0=\n--b--\n",
    )
    (attachment,) = normalise_email(raw).attachments

    assert attachment.filename == expected
    assert len(attachment.filename) <= 150
    assert attachment.content == b"%PDF-"


def test_forwarded_message_is_kept_whole_as_an_attachment():
    raw = message(
        'From: a@example.com\nContent-Type: multipart/mixed; boundary="b"',
        "--b\nContent-Type: text/plain\n\nForwarding this.\n"
        "--b\nContent-Type: message/rfc822\n\n"
        "From: karen@example.com\nSubject: Roof\n\nThe roof leaks.\n--b--\n",
    )
    email = normalise_email(raw)

    assert email.text == "Forwarding this."
    (forwarded,) = email.attachments
    assert forwarded.filename == "attachment.eml"
    assert forwarded.content_type == "message/rfc822"
    assert b"The roof leaks." in forwarded.content


def test_crlf_line_endings():
    email = normalise_email(
        message("From: a@example.com\nSubject: Windows", "Line one\nLine two", crlf=True)
    )

    assert email.subject == "Windows"
    assert email.text == "Line one\nLine two"


# Readers for the import command


def test_read_eml_and_read_mbox(tmp_path):
    box_path = tmp_path / "export.mbox"
    box = mailbox.mbox(box_path)
    for name in ("multipart_alternative.eml", "latin1.eml", "gmail_reply.eml"):
        box.add(read_eml(FIXTURES / name))
    box.close()

    subjects = [normalise_email(raw).subject for raw in read_mbox(box_path)]

    assert subjects == [
        "Leak over the kitchen after last night's storm",
        "Devis toiture à Montréal (façade côté rue)",
        "Re: Leak over the kitchen after last night's storm [#T-1042]",
    ]


def test_read_mbox_of_a_missing_file_raises(tmp_path):
    with pytest.raises(mailbox.NoSuchMailboxError):
        list(read_mbox(tmp_path / "missing.mbox"))


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.eml")), ids=lambda path: path.name)
def test_every_fixture_is_storable(path):
    assert_storable(normalise_email(read_eml(path)))


# Properties

HOSTILE_HTML = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<img src="data:image/png;base64,AAAA">',
    '<img src="cid:part1@example.com">',
    '<a href="javascript:alert(1)" onclick="x()">',
    '<a href="jav&#x09;ascript:alert(1)">',
    '<a href="https://example.com/ok">ok</a>',
    '<div style="background:url(javascript:alert(1))" onmouseover=alert(1)>',
    "<style>body{color:red}</style>",
    '<iframe src="https://evil.example"></iframe>',
    "<object data=x></object><embed src=x>",
    '<form action="https://evil.example"><input name=p></form>',
    "<svg onload=alert(1)><script>alert(2)</script></svg>",
    "<!--[if gte mso 9]><script>alert(1)</script><![endif]-->",
    "<p>",
    "</div>",
    "<",
    ">",
    '"',
    " on",
    "onclick=",
]
html_bodies = st.lists(
    st.one_of(st.text(max_size=40), st.sampled_from(HOSTILE_HTML)), max_size=25
).map("".join)
header_text = st.text(max_size=120)
charsets = st.sampled_from(
    ["utf-8", "iso-8859-1", "windows-1252", "x-unknown", "base64", "utf-16", "idna", ""]
)
transfer_encodings = st.sampled_from(["7bit", "8bit", "quoted-printable", "base64", "x-uuencode"])
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, database=None)


@PROPERTY_SETTINGS
@given(raw=st.binary(max_size=4096))
def test_arbitrary_bytes_never_raise(raw):
    assert_storable(normalise_email(raw))


@PROPERTY_SETTINGS
@given(
    from_header=header_text,
    to_header=header_text,
    subject=header_text,
    date=header_text,
    message_id=header_text,
    charset=charsets,
    transfer_encoding=transfer_encodings,
    text_body=st.text(max_size=300),
    html_body=html_bodies,
    layout=st.sampled_from(["plain", "html", "alternative", "attachment"]),
)
def test_messages_built_from_arbitrary_text_never_raise(
    from_header,
    to_header,
    subject,
    date,
    message_id,
    charset,
    transfer_encoding,
    text_body,
    html_body,
    layout,
):
    part_headers = (
        f"Content-Type: {{}}; charset={charset}\nContent-Transfer-Encoding: {transfer_encoding}"
    )
    if layout == "plain":
        headers, body = part_headers.format("text/plain"), text_body
    elif layout == "html":
        headers, body = part_headers.format("text/html"), html_body
    elif layout == "alternative":
        headers = 'Content-Type: multipart/alternative; boundary="=_b"'
        body = (
            f"--=_b\n{part_headers.format('text/plain')}\n\n{text_body}\n"
            f"--=_b\n{part_headers.format('text/html')}\n\n{html_body}\n--=_b--\n"
        )
    else:
        headers = 'Content-Type: multipart/mixed; boundary="=_b"'
        body = (
            f"--=_b\n{part_headers.format('text/plain')}\n\n{text_body}\n"
            f"--=_b\nContent-Type: application/octet-stream\n"
            f'Content-Disposition: attachment; filename="{subject}"\n\n{html_body}\n--=_b--\n'
        )
    raw = message(
        f"From: {from_header}\nTo: {to_header}\nSubject: {subject}\nDate: {date}\n"
        f"Message-ID: {message_id}\nMIME-Version: 1.0\n{headers}",
        body.encode("utf-8"),
    )

    assert_storable(normalise_email(raw))


@PROPERTY_SETTINGS
@given(html_body=html_bodies)
def test_html_is_always_sanitised(html_body):
    raw = message("From: a@example.com\nContent-Type: text/html; charset=utf-8", html_body)
    assert_sanitised(normalise_email(raw).html)
