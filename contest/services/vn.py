"""Identity data: CCCD numbers, mobile phone numbers, the login name, hidden characters.

One person, one account: every identifier is stored and looked up in one canonical
spelling. CCCD and phone are NFKC-normalised (fullwidth digits become ASCII) and every
other script's decimal digits (Arabic-Indic ``٠١٢``, Devanagari …) are folded to ASCII
digits, so ``0012000٠٠٠٠٠`` *is* ``001200000000``; what is left must be ASCII digits.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from email_validator import EmailNotValidError, validate_email

from contest.services.i18n import _

# Province codes of the 12-digit citizen ID (Circular 07/2016/TT-BCA, the 63 provinces
# that issued them; numbers already issued keep their codes after the 2025 mergers).
PROVINCE_CODES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 "
    "034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 "
    "067 068 070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096".split()
)

MOBILE_PREFIXES = ("03", "05", "07", "08", "09")


# Whitespace a person may type in a name or address (folded to one space): allowed.
_TYPED_SPACE = frozenset("\t\n\r\v\f")
# Control (Cc), format (Cf: bidi overrides U+202A–U+202E and isolates U+2066–U+2069,
# zero-width U+200B–U+200D, U+2060, U+FEFF …), surrogate, private-use and unassigned.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def ascii_digits(text: str | None) -> str:
    """``text`` NFKC-normalised with every decimal digit of any script as its ASCII digit:
    ``'０９１２'`` and ``'٠٩١٢'`` give ``'0912'``. Other characters are kept (NFKC)."""
    text = unicodedata.normalize("NFKC", text or "")
    if text.isascii():
        return text
    return "".join(
        ch if ch.isascii() or (digit := unicodedata.decimal(ch, None)) is None else str(digit)
        for ch in text
    )


def has_hidden_characters(text: str | None) -> bool:
    """True when ``text`` holds a character a person's name or address never has and that
    can hide or reorder what is shown: bidi overrides, zero-width and control characters."""
    return any(
        unicodedata.category(ch) in _HIDDEN_CATEGORIES and ch not in _TYPED_SPACE
        for ch in text or ""
        if not ch.isascii() or not ch.isprintable()
    )


def normalise_cccd(raw: str | None) -> str:
    """The CCCD as stored: canonical digits (``ascii_digits``), spaces removed. The result
    may still be wrong (``cccd_problem`` says what)."""
    return "".join(ascii_digits(raw).split())


def century_gender_digit(birth_year: int, gender: str) -> str:
    """The 4th CCCD digit: century of birth (20th → 0/1, 21st → 2/3, …), male even, female odd."""
    century_index = {19: 0, 20: 1, 21: 2, 22: 3, 23: 4}.get(birth_year // 100)
    if century_index is None:
        raise ValueError("birth year out of range")
    return str(century_index * 2 + (1 if gender == "female" else 0))


def cccd_problem(
    number: str, birth_date: date | None = None, gender: str | None = None
) -> str | None:
    """What is wrong with ``number`` as a CCCD (a translated message), or None.

    Checks 12 digits, a real province code, and — when birth date and gender are known —
    that the century/gender digit and the two birth-year digits agree with them.
    """
    if not re.fullmatch(r"[0-9]{12}", number or ""):
        return _("Số CCCD phải gồm đúng 12 chữ số.")
    if number[:3] not in PROVINCE_CODES:
        return _("Ba chữ số đầu của số CCCD không phải mã tỉnh hợp lệ. Vui lòng kiểm tra lại.")
    if birth_date is not None and gender in ("male", "female"):
        try:
            expected = century_gender_digit(birth_date.year, gender)
        except ValueError:
            return None
        if number[3] != expected:
            return _("Chữ số thứ 4 của số CCCD không khớp với giới tính và năm sinh đã khai.")
        if number[4:6] != f"{birth_date.year % 100:02d}":
            return _("Chữ số thứ 5–6 của số CCCD phải là hai số cuối năm sinh.")
    return None


def normalise_phone(raw: str | None) -> str | None:
    """'+84 912.345.678', '0084912345678', '８４９１２３４５６７８' → '0912345678'; None when it
    is not a Vietnamese mobile number."""
    digits = re.sub(r"[\s.\-()]", "", ascii_digits(raw))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("0084") and len(digits) == 13:
        digits = "0" + digits[4:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if re.fullmatch(r"0[0-9]{9}", digits) and digits.startswith(MOBILE_PREFIXES):
        return digits
    return None


def normalise_email(raw: str | None) -> str | None:
    """The email as stored (NFKC, the validator's normal form, lower case); None when it is
    not an email address. Raises nothing."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    try:
        return validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def canonical_login(raw: str | None) -> str:
    """What a sign-in names, in one spelling: the phone (``'0977000012'`` for ``+84977000012``,
    ``0977 000 012``, ``84977000012``), the email (NFKC, lower case), or for anything else
    the NFKC case-folded text without spaces. ``''`` for a blank login. Only the first 320
    characters are read (no email is longer)."""
    raw = (raw or "")[:320]
    phone = normalise_phone(raw)
    if phone:
        return phone
    email = normalise_email(raw)
    if email:
        return email
    return "".join(unicodedata.normalize("NFKC", raw or "").casefold().split())


def mask_phone(phone: str | None) -> str:
    """'0912345678' → '09******78' for public pages."""
    if not phone or len(phone) < 4:
        return ""
    return phone[:2] + "*" * (len(phone) - 4) + phone[-2:]
