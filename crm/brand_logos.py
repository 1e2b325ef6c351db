"""A brand's logo: what an upload must be to become one (pure: reads the bytes, no database).

The logo lives in the brand's row and reaches pages as a data: URL (crm.models.Brand.logo_src),
so it must stay small and be an image a browser shows without a plugin. Pillow opens it to be
sure the bytes are the image they claim to be, not a page or a script under an image's name.
"""

import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_LOGO_BYTES = 200 * 1024
MAX_LOGO_SIDE = 2000
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}


def logo_size_check(size: int) -> None:
    """ValidationError when an upload of `size` bytes is too big for a logo."""
    if size > MAX_LOGO_BYTES:
        raise ValidationError(
            _("The logo is %(size)d KB; at most %(max)d KB, please.")
            % {"size": size // 1024, "max": MAX_LOGO_BYTES // 1024}
        )


def logo_read(data: bytes) -> str:
    """The logo's content type, or ValidationError saying what is wrong with the upload."""
    logo_size_check(len(data))
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            kind, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(_("The logo must be a PNG, JPEG, WebP or GIF image.")) from exc
    if kind not in FORMATS:
        raise ValidationError(_("The logo must be a PNG, JPEG, WebP or GIF image."))
    if max(width, height) > MAX_LOGO_SIDE:
        raise ValidationError(
            _("The logo is %(w)d by %(h)d pixels; at most %(max)d on a side, please.")
            % {"w": width, "h": height, "max": MAX_LOGO_SIDE}
        )
    return FORMATS[kind]
