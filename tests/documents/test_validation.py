"""What an upload is comes from its bytes: the name and the browser's Content-Type are not trusted."""

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import File

from documents.validation import MAX_IMAGE_PIXELS, document_file_check, safe_filename
from tests.documents import samples


def _refusal(file, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        document_file_check(file, **kwargs)
    return refused.value


@pytest.mark.parametrize(
    ("name", "content", "content_type", "kept_as"),
    [
        ("roof.jpg", samples.jpeg(), "image/jpeg", "roof.jpg"),
        ("roof.JPEG", samples.jpeg(), "image/jpeg", "roof.JPEG"),
        ("gutter.png", samples.png(), "image/png", "gutter.png"),
        ("fascia.webp", samples.webp(), "image/webp", "fascia.webp"),
        ("IMG_0042.HEIC", samples.heic(), "image/heic", "IMG_0042.HEIC"),
        ("claim.pdf", samples.pdf(), "application/pdf", "claim.pdf"),
        # No extension, or dots that are not one: the content's extension is added.
        ("IMG_0042", samples.jpeg(), "image/jpeg", "IMG_0042.jpg"),
        ("Scan 12.03.2024", samples.pdf(), "application/pdf", "Scan 12.03.2024.pdf"),
    ],
)
def test_accepted_files_are_typed_by_their_content(name, content, content_type, kept_as):
    # The browser claims HTML for all of them: ignored.
    checked = document_file_check(samples.upload(name, content, "text/html"))
    assert checked.content_type == content_type
    assert checked.name == kept_as
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


def test_a_png_named_pdf_is_refused_with_what_it_really_is():
    error = _refusal(samples.upload("quote.pdf", samples.png(), "application/pdf"))
    assert error.code == "extension"
    assert "“quote.pdf” is named as a .pdf file but its content is a PNG image" in error.message
    assert "end in .png" in error.message


def test_an_html_page_named_jpg_is_refused():
    page = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
    error = _refusal(samples.upload("roof.jpg", page, "image/jpeg"))
    assert error.code == "type"
    assert "its content is a web page or other markup, not a photo or a PDF" in error.message
    assert "JPEG, PNG, HEIC and WebP photos, and PDF documents" in error.message


@pytest.mark.parametrize(
    ("content", "looks_like"),
    [
        (b"PK\x03\x04" + b"\x00" * 60, "a ZIP archive"),
        (b"MZ\x90\x00" + b"\x00" * 60, "a Windows program"),
        (b"GIF89a" + b"\x00" * 60, "a GIF image"),
        (b"just some notes\n", "plain text"),
    ],
)
def test_a_refusal_says_what_the_file_looks_like(content, looks_like):
    assert looks_like in _refusal(samples.upload("photo.jpg", content)).message


def test_an_oversized_file_is_refused_before_its_content_is_read(settings):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 1024
    error = _refusal(samples.upload("roof.jpg", samples.jpeg()))
    assert error.code == "size"
    assert "files up to 1.0\xa0KB are accepted" in error.message


def test_a_file_larger_than_it_claims_is_cut_off_at_the_limit():
    """A stream whose declared size lies is counted while it is read, and reading stops there."""
    content = samples.pdf() + b"\n" * 3_000_000
    stream = File(io.BytesIO(content), name="claim.pdf")
    stream.size = 10  # what the sender claimed
    error = _refusal(stream, max_bytes=300_000)
    assert error.code == "size"
    assert "“claim.pdf” is larger than 293.0\xa0KB; files up to 293.0\xa0KB" in error.message
    assert stream.file.tell() < 1_000_000 < len(content)  # where reading stopped


def test_an_empty_file_is_refused():
    assert _refusal(samples.upload("roof.jpg", b"")).code == "empty"


def test_a_path_and_a_null_byte_in_the_name_are_stripped():
    name = "../../etc/cron.d/ro\x00of.png"
    checked = document_file_check(File(io.BytesIO(samples.png()), name=name))
    assert checked.name == "roof.png"
    assert safe_filename("C:\\Users\\ana\\Desktop\\claim.pdf") == "claim.pdf"
    assert safe_filename("..") == ""


def test_control_and_bidi_override_characters_leave_the_name():
    # U+202E would show "invoice\u202egpj.exe" as "invoiceexe.jpg".
    assert safe_filename("invoice\u202egpj.pdf\r\n") == "invoicegpj.pdf"
    assert safe_filename("  ..hidden  name.pdf ") == "hidden name.pdf"


def test_a_long_name_keeps_its_extension():
    name = safe_filename("a" * 400 + ".pdf")
    assert len(name) == 150
    assert name.endswith("a.pdf")


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = samples.png_bomb()
    assert len(bomb) < 200_000  # small on disk; 400 megapixels once decoded
    error = _refusal(samples.upload("roof.png", bomb))
    assert error.code == "pixels"
    assert f"up to {MAX_IMAGE_PIXELS // 1_000_000} megapixels" in error.message


def test_an_image_just_over_the_pixel_limit_is_refused_by_its_header():
    error = _refusal(samples.upload("wide.png", samples.png_bomb(side=7100)))
    assert error.code == "pixels"
    assert "7,100 by 7,100 pixels" in error.message


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("roof.jpg", samples.jpeg()[:600]),
        ("gutter.png", samples.png()[:-20]),
        ("IMG_0042.heic", samples.heic()[:-5]),
        ("claim.pdf", samples.pdf()[:-40]),
    ],
)
def test_a_file_cut_short_is_refused_as_damaged(name, content):
    error = _refusal(samples.upload(name, content))
    assert error.code == "damaged"
    assert error.message.startswith(f"“{name}” starts like")


def test_a_png_with_a_corrupted_chunk_is_refused():
    content = bytearray(samples.png())
    content[content.index(b"IDAT") + 6] ^= 0xFF  # its checksum no longer matches
    assert _refusal(samples.upload("gutter.png", bytes(content))).code == "damaged"


def test_avif_shares_the_heif_container_but_is_not_accepted():
    avif = samples.heic().replace(b"heic\x00\x00\x00\x00mif1heic", b"avif\x00\x00\x00\x00mif1avif")
    assert _refusal(samples.upload("photo.avif", avif)).code == "type"
