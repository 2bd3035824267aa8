import datetime as dt
import unicodedata

import pytest

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
