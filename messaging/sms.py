"""How long a text message is on the wire: its encoding, its length in units and its segments.

A message written only with the GSM 03.38 alphabet goes as GSM-7 (160 septets in one segment,
153 per segment once it is split, a character of the extension table taking two). One character
outside it (an emoji, a curly quote, "ł") sends the whole message as UCS-2: 70 UTF-16 code units
in one segment, 67 once split. Carriers never split an escape sequence or a surrogate pair across
two segments, so the segments here are filled the same way and may hold a unit less.
"""

import unicodedata
from dataclasses import dataclass

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# GSM 03.38 default alphabet (the basic table), in code order; the escape (0x1B) is left out.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each is sent as the escape plus one septet.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_SEGMENT = {GSM7: 160, UCS2: 70}
SPLIT_SEGMENT = {GSM7: 153, UCS2: 67}

ZERO_WIDTH_JOINER = "\u200d"
REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)


@dataclass(frozen=True)
class SmsSegments:
    encoding: str
    characters: int
    units: int
    segments: int
    per_segment: int
    remaining: int
    ucs2_characters: tuple[str, ...] = ()

    @property
    def is_unicode(self) -> bool:
        return self.encoding == UCS2


def _unit_widths(text: str, encoding: str) -> list[int]:
    if encoding == GSM7:
        return [2 if char in GSM7_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _fill(widths: list[int], capacity: int) -> tuple[int, int]:
    """Segments needed and units in the last one, never splitting one character's units."""
    segments, used = 1, 0
    for width in widths:
        if used + width > capacity:
            segments, used = segments + 1, 0
        used += width
    return segments, used


def _extends_previous(char: str) -> bool:
    """Code points drawn as part of the character before them (accents, skin tones, variation
    selectors, emoji tags)."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Me", "Mc")
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
    )


def visible_characters(text: str) -> int:
    """About the characters a reader sees: an emoji built of several code points counts once."""
    count, joined, pending_flag = 0, False, False
    for char in text:
        if char == ZERO_WIDTH_JOINER:
            joined = True
            continue
        if joined or _extends_previous(char):
            joined = False
            continue
        if ord(char) in REGIONAL_INDICATORS:
            # Two regional indicators make one flag.
            if pending_flag:
                pending_flag = False
                continue
            pending_flag = True
        else:
            pending_flag = False
        count += 1
    return count


def sms_segments(text: str) -> SmsSegments:
    ucs2_characters = tuple(
        dict.fromkeys(
            char for char in text if char not in GSM7_BASIC and char not in GSM7_EXTENSION
        )
    )
    encoding = UCS2 if ucs2_characters else GSM7
    widths = _unit_widths(text, encoding)
    units = sum(widths)
    if units == 0:
        return SmsSegments(encoding, 0, 0, 0, SINGLE_SEGMENT[encoding], SINGLE_SEGMENT[encoding])
    if units <= SINGLE_SEGMENT[encoding]:
        per_segment, segments, used = SINGLE_SEGMENT[encoding], 1, units
    else:
        per_segment = SPLIT_SEGMENT[encoding]
        segments, used = _fill(widths, per_segment)
    return SmsSegments(
        encoding=encoding,
        characters=visible_characters(text),
        units=units,
        segments=segments,
        per_segment=per_segment,
        remaining=per_segment - used,
        ucs2_characters=ucs2_characters,
    )
