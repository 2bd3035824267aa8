import datetime as dt
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from question_bank.text import cell_text, fold, neutralise, normalise_text


def test_normalise_text_nfc_and_whitespace():
    nfd = unicodedata.normalize("NFD", "Đại hội")
    assert normalise_text(f"  {nfd}\n\t lần\u00a0 thứ  XIV \r\n") == "Đại hội lần thứ XIV"
    assert normalise_text(None) == ""
    assert normalise_text(12) == "12"


def test_fold():
    assert fold("Đại  HỘI") == "dai hoi"
    assert fold(unicodedata.normalize("NFD", "Phương án  Ạ")) == "phuong an a"
    assert fold("đường Trường Sơn") == "duong truong son"
    assert fold(None) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("0123", "0123"),
        (1930, "1930"),
        (1930.0, "1930"),
        (3.5, "3.5"),
        (0.1, "0.1"),
        (-2.0, "-2"),
        (True, "TRUE"),
        (False, "FALSE"),
        (dt.datetime(1930, 2, 3), "03/02/1930"),
        (dt.datetime(2025, 9, 18, 7, 30), "18/09/2025 07:30"),
        (dt.date(1945, 9, 2), "02/09/1945"),
        (dt.time(14, 5), "14:05"),
        (dt.timedelta(hours=25, minutes=3), "25:03:00"),
        (float("nan"), ""),
    ],
)
def test_cell_text(value, expected):
    assert cell_text(value) == expected


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r", "\0"])
def test_neutralise_prefixes(prefix):
    assert neutralise(f"{prefix}SUM(A1)") == f"'{prefix}SUM(A1)"


@pytest.mark.parametrize("value", ["Bình thường", "", "1+1", 5, -3.5, None, dt.date(2020, 1, 1)])
def test_neutralise_leaves_the_rest(value):
    assert neutralise(value) == value


# --- fold and normalise_text against their original, per-character implementations ---------


def _normalise_text_reference(value):
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return " ".join(unicodedata.normalize("NFC", text).split())


def _fold_reference(value):
    text = _normalise_text_reference(value).casefold().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(unicodedata.normalize("NFC", stripped).split())


_VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY"
    "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ"
    "0123456789 .,;:?!()«»–-'\"/"
    "\t\n\r\u00a0\u2003\u3000\u200b"
    "\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b\u034f"  # loose marks, the grapheme joiner
    "ßİıſﬁǅΣσς\u1100\u1161\u11a8\u0b47\u0b3e"  # casefold and composition corner cases
    "\u0340\u0341\u0344\u0345\u0358\u0360\u0370\u0371\u0483\u1dc0\u20d0"  # other marks
    "æøÅ©“”–…€Ωω한글"
)
_vietnamese_text = st.text(alphabet=_VIETNAMESE, max_size=200).map(
    lambda text: unicodedata.normalize("NFD", text) if len(text) % 3 == 0 else text
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_vietnamese_text, st.text(max_size=80)))
def test_fold_and_normalise_text_match_the_reference(text):
    assert normalise_text(text) == _normalise_text_reference(text)
    assert fold(text) == _fold_reference(text)
    assert fold(text) == fold(text)  # the second call reads the table's cache


def test_fold_drops_every_combining_mark_and_keeps_the_rest():
    marks = "".join(chr(c) for c in (0x0301, 0x0483, 0x05B0, 0x0E48, 0x1DC0, 0x20D0, 0x302A))
    assert fold(f"a{marks}b") == _fold_reference(f"a{marks}b") == "ab"
    joiner = "a\u034fb"  # U+034F is in the marks' block but is not a combining mark
    assert fold(joiner) == _fold_reference(joiner) == joiner
    assert fold(1930) == "1930"
    surrogate = "Đ\ud800a\u0301"  # never raises, even on a lone surrogate
    assert fold(surrogate) == _fold_reference(surrogate)
