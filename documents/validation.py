"""Is an upload a file we keep? Its size, then what its bytes are, then a real parse.

The name and the Content-Type the browser sent are never trusted: the first bytes say what a
file is (JPEG, PNG, WebP, HEIC/HEIF or PDF), a name whose extension says otherwise is refused, and
the file must then parse as that type. Images are opened with Pillow, which refuses more than
MAX_IMAGE_PIXELS before decoding a byte of pixels (a small file that would inflate to gigabytes),
JPEGs are decoded at an eighth of their size (cheap, and a damaged stream still fails), PNGs have
every chunk's checksum verified; HEIC, which Pillow cannot read, must be a well-formed ISO media
file. Every refusal is a ValidationError whose message the person can act on; nothing is stored.

Office files (DOCX, XLSX) are not accepted: they are ZIP archives, whose safe checking (zip bombs,
macros, external links) costs more than asking for a PDF.
"""

import hashlib
import string
import struct
import unicodedata
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

MAX_NAME_CHARS = 150
MAX_IMAGE_PIXELS = 50_000_000
HEAD_BYTES = 64 * 1024
PDF_TAIL_BYTES = 4 * 1024
CHUNK_BYTES = 256 * 1024

JPEG, PNG, WEBP, HEIC, HEIF, PDF = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "image/heif",
    "application/pdf",
)

# The content types we keep, with the extensions their files may carry (the first is added to a
# name without one) and how a person would call them.
ACCEPTED = {
    JPEG: (("jpg", "jpeg", "jpe", "jfif"), "a JPEG image"),
    PNG: (("png",), "a PNG image"),
    WEBP: (("webp",), "a WebP image"),
    HEIC: (("heic", "heif", "hif"), "a HEIC photo"),
    HEIF: (("heif", "heic", "hif"), "a HEIF image"),
    PDF: (("pdf",), "a PDF document"),
}
ACCEPTED_SUMMARY = gettext_lazy("JPEG, PNG, HEIC and WebP photos, and PDF documents")
PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}

HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
HEIF_BRANDS = {b"mif1", b"msf1"}
BOX_TYPE_CHARS = set(string.ascii_letters + string.digits + " ").union({"©"})

# What a refused file most likely is, to say so in the message.
LOOKS_LIKE = (
    (b"PK\x03\x04", "a ZIP archive (Word and Excel files are ZIP archives too)"),
    (b"GIF8", "a GIF image"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
    (b"%!PS", "a PostScript file"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", "a BMP image"),
)


@dataclass(frozen=True)
class CheckedFile:
    name: str  # safe to show and to send as a download name, with the right extension
    extension: str  # the canonical one for the content, e.g. ".jpg"
    content_type: str
    size: int
    sha256: str


def max_upload_bytes() -> int:
    return settings.DOCUMENT_MAX_UPLOAD_BYTES


def safe_filename(raw: str) -> str:
    """The last part of a path, without control, format (bidi override) or null characters,
    leading dots or runs of spaces, at most MAX_NAME_CHARS long with its extension kept."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char) not in {"Cc", "Cf", "Cs"})
    name = " ".join(name.split()).strip(". ")
    if len(name) > MAX_NAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 8:
            name = f"{stem[: MAX_NAME_CHARS - len(extension) - 1].rstrip()}.{extension}"
        else:
            name = name[:MAX_NAME_CHARS]
    return name


def document_file_check(file: IO[bytes], *, max_bytes: int | None = None) -> CheckedFile:
    """What the file is, or a ValidationError saying why it cannot be added."""
    max_bytes = max_upload_bytes() if max_bytes is None else max_bytes
    name = safe_filename(getattr(file, "name", "") or "") or "document"
    shown = f"“{name}”"
    declared = getattr(file, "size", None)
    if declared is not None and declared > max_bytes:
        raise _too_big(shown, declared, max_bytes)

    size, sha256, head, tail = _read(file, shown=shown, max_bytes=max_bytes)
    if size == 0:
        raise ValidationError(
            _("%(shown)s is empty: choose the file again.") % {"shown": shown}, code="empty"
        )
    content_type = sniff(head)
    if content_type is None:
        raise ValidationError(
            _(
                "%(shown)s can't be added: its content is %(looks_like)s, not a photo or a PDF. We accept %(ACCEPTED_SUMMARY)s."
            )
            % {
                "shown": shown,
                "looks_like": _looks_like(head),
                "ACCEPTED_SUMMARY": ACCEPTED_SUMMARY,
            },
            code="type",
        )
    extensions, label = ACCEPTED[content_type]
    name = _name_with_extension(name, content_type, shown=shown)

    if content_type in PILLOW_FORMATS:
        _check_image(file, content_type, shown=shown, label=label)
    elif content_type in (HEIC, HEIF):
        _check_iso_media(file, size, shown=shown, label=label)
    else:
        _check_pdf(tail, shown=shown)
    file.seek(0)
    return CheckedFile(
        name=name,
        extension=f".{extensions[0]}",
        content_type=content_type,
        size=size,
        sha256=sha256,
    )


def sniff(head: bytes) -> str | None:
    """The accepted content type that these first bytes begin, if any."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head[4:8] == b"ftyp" and len(head) >= 16:
        box_size = struct.unpack(">I", head[:4])[0]
        brands = {head[8:12]} | {
            head[offset : offset + 4] for offset in range(16, min(box_size, len(head)) - 3, 4)
        }
        if b"avif" in brands or b"avis" in brands:
            return None  # AVIF shares HEIF's container, not its codec
        if brands & HEIC_BRANDS:
            return HEIC
        if brands & HEIF_BRANDS:
            return HEIF
    return None


def _read(file: IO[bytes], *, shown: str, max_bytes: int) -> tuple[int, str, bytes, bytes]:
    """Size, SHA-256, first and last bytes; stops reading as soon as the limit is passed."""
    file.seek(0)
    digest = hashlib.sha256()
    size = 0
    head = b""
    tail = b""
    while chunk := file.read(CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            raise _too_big(shown, size, max_bytes, at_least=True)
        digest.update(chunk)
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        tail = (tail + chunk)[-PDF_TAIL_BYTES:]
    file.seek(0)
    return size, digest.hexdigest(), head, tail


def _too_big(shown: str, size: int, max_bytes: int, *, at_least: bool = False) -> ValidationError:
    limit = filesizeformat(max_bytes)
    if at_least:
        text = _(
            "%(shown)s is larger than %(limit)s; files up to %(limit)s are accepted. Send a smaller copy (a photo at its normal size, a PDF scanned at 200 dpi)."
        )
    else:
        text = _(
            "%(shown)s is %(size)s; files up to %(limit)s are accepted. Send a smaller copy (a photo at its normal size, a PDF scanned at 200 dpi)."
        )
    return ValidationError(
        text % {"shown": shown, "size": filesizeformat(size), "limit": limit},
        code="size",
    )


def _looks_like(head: bytes) -> str:
    for magic, description in LOOKS_LIKE:
        if head.startswith(magic):
            return description
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] == b"<":
        return "a web page or other markup"
    try:
        text[:1024].decode("utf-8")
    except UnicodeDecodeError:
        return "of a kind we don't recognise"
    return "plain text"


def _name_with_extension(name: str, content_type: str, *, shown: str) -> str:
    """The name, ending in an extension of its content: one is added to a name without one; a
    name that claims another type is refused (a PNG called quote.pdf, a page called photo.jpg)."""
    extensions, label = ACCEPTED[content_type]
    stem, dot, extension = name.rpartition(".")
    extension = extension.lower()
    looks_like_an_extension = (
        dot and stem and len(extension) <= 5 and extension.isalnum() and not extension.isdigit()
    )
    if not looks_like_an_extension:
        return f"{name}.{extensions[0]}"
    if extension in extensions:
        return name
    raise ValidationError(
        _(
            "%(shown)s is named as a .%(extension)s file but its content is %(label)s. Rename it to end in .%(value)s, or choose the file you meant."
        )
        % {"shown": shown, "extension": extension, "label": label, "value": extensions[0]},
        code="extension",
    )


def _check_image(file: IO[bytes], content_type: str, *, shown: str, label: str) -> None:
    damaged = ValidationError(
        _(
            "%(shown)s starts like %(label)s but can't be read as one: it may be damaged or cut short. Export or download it again."
        )
        % {"shown": shown, "label": label},
        code="damaged",
    )
    file.seek(0)
    try:
        # Our own limit is lower than Pillow's warning threshold; its warning adds nothing.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(file, formats=[PILLOW_FORMATS[content_type]]) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise _too_many_pixels(shown, width, height)
                if content_type == PNG:
                    image.verify()  # every chunk's checksum, without inflating the pixels
                else:
                    # A JPEG decodes at 1/8 scale: the whole stream is read, little memory used.
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                    image.load()
    except Image.DecompressionBombError as error:
        raise ValidationError(
            _(
                "%(shown)s is too large an image to open safely; images up to %(value)s megapixels are accepted. Send it at a smaller size."
            )
            % {"shown": shown, "value": MAX_IMAGE_PIXELS // 1_000_000},
            code="pixels",
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct.error) as e:
        raise damaged from e


def _too_many_pixels(shown: str, width: int, height: int) -> ValidationError:
    return ValidationError(
        _(
            "%(shown)s is %(width)s by %(height)s pixels; images up to %(value)s megapixels are accepted. Send it at a smaller size."
        )
        % {
            "shown": shown,
            "width": format(width, ","),
            "height": format(height, ","),
            "value": MAX_IMAGE_PIXELS // 1_000_000,
        },
        code="pixels",
    )


def _check_iso_media(file: IO[bytes], size: int, *, shown: str, label: str) -> None:
    """HEIC/HEIF: the top-level boxes must tile the file exactly, starting with ftyp and holding
    the meta (the image's description) and mdat (its data) boxes."""
    damaged = ValidationError(
        _(
            "%(shown)s starts like %(label)s but its structure is broken: it may be damaged or cut short. Export or download it again."
        )
        % {"shown": shown, "label": label},
        code="damaged",
    )
    seen = []
    position = 0
    file.seek(0)
    while position < size:
        header = file.read(16)
        if len(header) < 8:
            raise damaged
        box_size, box_type = struct.unpack(">I4s", header[:8])
        if not set(box_type.decode("latin-1")) <= BOX_TYPE_CHARS:
            raise damaged
        if box_size == 1:
            if len(header) < 16:
                raise damaged
            box_size = struct.unpack(">Q", header[8:16])[0]
        elif box_size == 0:
            box_size = size - position  # the last box runs to the end of the file
        if box_size < 8 or position + box_size > size:
            raise damaged
        seen.append(box_type)
        position += box_size
        file.seek(position)
    if not seen or seen[0] != b"ftyp" or b"meta" not in seen or b"mdat" not in seen:
        raise damaged


def _check_pdf(tail: bytes, *, shown: str) -> None:
    if b"%%EOF" not in tail:
        raise ValidationError(
            _(
                "%(shown)s starts like a PDF but has no end: it was probably cut short while downloading or saving. Save or download it again."
            )
            % {"shown": shown},
            code="damaged",
        )
