"""How long a text message is on the wire: GSM-7 or UCS-2, units and segments."""

import pytest

from messaging.sms import GSM7, UCS2, sms_segments


def _counts(text: str) -> tuple:
    result = sms_segments(text)
    return (result.encoding, result.units, result.segments, result.per_segment, result.remaining)


class TestGsm7:
    def test_empty_text_is_no_segment(self):
        result = sms_segments("")

        assert (result.characters, result.units, result.segments) == (0, 0, 0)
        assert (result.encoding, result.remaining) == (GSM7, 160)

    @pytest.mark.parametrize(
        ("length", "expected"),
        [
            (1, (GSM7, 1, 1, 160, 159)),
            (160, (GSM7, 160, 1, 160, 0)),
            (161, (GSM7, 161, 2, 153, 145)),
            (306, (GSM7, 306, 2, 153, 0)),
            (307, (GSM7, 307, 3, 153, 152)),
        ],
    )
    def test_one_segment_holds_160_then_153_each(self, length, expected):
        assert _counts("a" * length) == expected

    def test_the_whole_basic_table_stays_gsm7(self):
        basic = (
            "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
        )

        result = sms_segments(basic)

        assert result.encoding == GSM7
        assert result.units == len(basic) == 127

    @pytest.mark.parametrize("char", ["€", "[", "]", "{", "}", "\\", "^", "~", "|", "\f"])
    def test_extension_characters_take_two_units(self, char):
        result = sms_segments(f"Price {char}")

        assert (result.encoding, result.characters, result.units) == (GSM7, 7, 8)

    def test_extension_characters_can_push_a_text_into_two_segments(self):
        assert _counts("a" * 158 + "€") == (GSM7, 160, 1, 160, 0)
        assert _counts("a" * 159 + "€") == (GSM7, 161, 2, 153, 145)

    def test_an_escape_sequence_is_never_split_across_segments(self):
        # 152 septets, then € (two) does not fit in the first segment's last septet.
        result = sms_segments("a" * 152 + "€" + "a" * 10)

        assert (result.units, result.segments) == (164, 2)
        assert result.remaining == 153 - 12

    def test_accents_outside_the_alphabet_need_ucs2(self):
        result = sms_segments("Día de la cita")

        assert result.encoding == UCS2
        assert result.ucs2_characters == ("í",)


class TestUcs2:
    @pytest.mark.parametrize(
        ("length", "expected"),
        [
            (70, (UCS2, 70, 1, 70, 0)),
            (71, (UCS2, 71, 2, 67, 63)),
            (134, (UCS2, 134, 2, 67, 0)),
            (135, (UCS2, 135, 3, 67, 66)),
        ],
    )
    def test_one_segment_holds_70_then_67_each(self, length, expected):
        assert _counts("ł" * length) == expected

    def test_a_curly_quote_turns_the_whole_text_into_ucs2(self):
        text = "We’ll see you tomorrow" + "." * 60

        result = sms_segments(text)

        assert (result.encoding, result.units, result.segments) == (UCS2, 82, 2)
        assert result.ucs2_characters == ("’",)

    def test_an_emoji_is_one_character_and_two_units(self):
        result = sms_segments("Thanks! 👍")

        assert (result.encoding, result.characters, result.units) == (UCS2, 9, 10)

    def test_a_composed_emoji_counts_as_one_character(self):
        family = "👩\u200d👩\u200d👧"
        thumbs_with_skin_tone = "👍🏽"
        flag = "🇺🇸"

        result = sms_segments(family + thumbs_with_skin_tone + flag)

        assert result.characters == 3
        assert result.units == 8 + 4 + 4

    def test_a_surrogate_pair_is_never_split_across_segments(self):
        # 66 units, then an emoji (two) does not fit in the first segment's last unit.
        result = sms_segments("ł" * 66 + "😀" + "ł" * 5)

        assert (result.units, result.segments) == (73, 2)
        assert result.remaining == 67 - 7

    def test_the_extension_table_does_not_count_twice_in_ucs2(self):
        assert _counts("€😀") == (UCS2, 3, 1, 70, 67)
