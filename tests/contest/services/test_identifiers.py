"""The canonical spelling of identifiers (issue 11 item 1): ``contest.services.vn``."""

from __future__ import annotations

import pytest

from contest.services.vn import (
    ascii_digits,
    canonical_login,
    cccd_problem,
    has_hidden_characters,
    normalise_cccd,
    normalise_email,
    normalise_phone,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0012000٠٠٠٠٠", "001200000000"),  # Arabic-Indic
        ("００１２００００００００", "001200000000"),  # fullwidth
        ("۰۰۱۲۰۰۰۰۰۰۰۰", "001200000000"),  # extended Arabic-Indic (Persian)
        ("০০১২০০০০০০০০", "001200000000"),  # Bengali
        (" 001 200\u3000000 000 ", "001200000000"),  # ideographic space
    ],
)
def test_cccd_digits_of_any_script_are_one_value(raw, expected):
    assert normalise_cccd(raw) == expected
    assert cccd_problem(normalise_cccd(raw)) is None


@pytest.mark.parametrize("raw", ["00120000000\u200b0", "0012000000O0", "00120000000٫0"])
def test_what_is_not_digits_after_folding_is_refused(raw):
    assert cccd_problem(normalise_cccd(raw)) == "Số CCCD phải gồm đúng 12 chữ số."


def test_unicode_digits_never_pass_the_cccd_check_unfolded():
    assert cccd_problem("0012000٠٠٠٠٠") == "Số CCCD phải gồm đúng 12 chữ số."


@pytest.mark.parametrize(
    "raw",
    [
        "+84977000012",
        "0977 000 012",
        "0977000012",
        "84977000012",
        "0084 977 000 012",
        "(+84) 977.000.012",
        "０９７７０００٠١٢",
        "＋８４９７７００００１２",
    ],
)
def test_every_spelling_of_a_phone_is_one_number(raw):
    assert normalise_phone(raw) == "0977000012"
    assert canonical_login(raw) == "0977000012"


@pytest.mark.parametrize("raw", ["0212345678", "097700001", "0977000012a", "0977\u200b000012"])
def test_not_a_mobile_number(raw):
    assert normalise_phone(raw) is None


def test_email_login_is_nfkc_and_case_folded():
    assert normalise_email(" Mai.Lo@Example.VN ") == "mai.lo@example.vn"
    assert canonical_login("ＭＡＩ.LO＠example.vn") == "mai.lo@example.vn"
    assert normalise_email("not an email") is None
    assert canonical_login("Not An Email") == "notanemail"
    assert canonical_login("") == ""


def test_ascii_digits_keeps_other_characters():
    assert ascii_digits("Tổ ٣, phường ２") == "Tổ 3, phường 2"


HIDDEN = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
HIDDEN += ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\x00", "\x1b", "\x7f", "\x85"]


@pytest.mark.parametrize("ch", HIDDEN, ids=[f"U+{ord(c):04X}" for c in HIDDEN])
def test_hidden_characters_are_found(ch):
    assert has_hidden_characters(f"Nguyễn{ch}Văn An")


@pytest.mark.parametrize(
    "text", ["Nguyễn Văn An", "H'Hen Niê", "Lò Thị\tMai\n", "Đặng Thị Ngọc-Ánh"]
)
def test_names_people_have_are_not_hidden(text):
    assert not has_hidden_characters(text)
