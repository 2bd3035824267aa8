"""Vietnamese identity data: CCCD numbers and mobile phone numbers."""

from __future__ import annotations

import re
from datetime import date

from contest.services.i18n import _

# Province codes of the 12-digit citizen ID (Circular 07/2016/TT-BCA, the 63 provinces
# that issued them; numbers already issued keep their codes after the 2025 mergers).
PROVINCE_CODES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 "
    "034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 "
    "067 068 070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096".split()
)

MOBILE_PREFIXES = ("03", "05", "07", "08", "09")


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
    if not re.fullmatch(r"\d{12}", number or ""):
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


def normalise_phone(raw: str) -> str | None:
    """'+84 912.345.678' → '0912345678'; None when it is not a Vietnamese mobile number."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if re.fullmatch(r"0\d{9}", digits) and digits.startswith(MOBILE_PREFIXES):
        return digits
    return None


def mask_phone(phone: str | None) -> str:
    """'0912345678' → '09******78' for public pages."""
    if not phone or len(phone) < 4:
        return ""
    return phone[:2] + "*" * (len(phone) - 4) + phone[-2:]
