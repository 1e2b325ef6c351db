"""Real files of every accepted type, and hostile ones, built in memory for the tests."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from documents.demo import pdf_bytes, photo_bytes


def png(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#0f5e9c").save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg() -> bytes:
    return photo_bytes("roof", "JPEG")


def webp() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "#a4442f").save(buffer, format="WEBP")
    return buffer.getvalue()


def pdf() -> bytes:
    return pdf_bytes("Claim letter", ["Claim number: HO-1"])


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def heic() -> bytes:
    """An ISO media file as an iPhone writes one: ftyp (heic, mif1), meta, mdat."""
    ftyp = _box(b"ftyp", b"heic" + b"\x00\x00\x00\x00" + b"mif1heic")
    meta = _box(b"meta", b"\x00\x00\x00\x00" + _box(b"hdlr", b"\x00" * 24))
    mdat = _box(b"mdat", b"\x00\x00\x00\x10" + b"\x26\x01" * 8)
    return ftyp + meta + mdat


def png_bomb(side: int = 20_000) -> bytes:
    """A real PNG of side by side black pixels (1 bit each): a few dozen KB on disk, 400 megapixels
    (1.6 GB as RGBA) once decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (side + 7) // 8)
    pixels = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    """What Django hands a view for one file field (the browser's Content-Type is not trusted)."""
    return SimpleUploadedFile(name, content, content_type=content_type)
