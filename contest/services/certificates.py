"""Certificates (giấy chứng nhận): issued from a round's *published* result, one per winner
and — when the contest's template says so — one per participant who finished; each with a
verification code that the public page ``/xac-minh/<mã>`` checks.

Codes: 16 characters drawn by ``secrets`` from an alphabet without look-alikes (no 0/O,
1/I/L, U), about 78 bits, shown in groups of four (``ABCD-EFGH-JKMN-PQRS``); stored, unique.

Versions (what we chose): issuing is done again after a result is re-published. A person
whose prize is unchanged keeps the code (the certificate is confirmed against the new
version: a printed copy stays valid); one whose prize changed has the old certificate
revoked and gets a new one; one no longer listed has it revoked. Until the organiser
issues again, a certificate of an older version verifies as "chờ cấp lại" — never as
valid against a result that no longer says so.

The verification page shows the masked name, the contest, the round, the prize and the
date: never a phone, an ID number or a birth date.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from contest.extensions import db
from contest.models import Round, User
from contest.models.certificate import Certificate
from contest.models.results import ResultRow, RoundResult
from contest.services import audit, certificates_template, result_pages
from contest.services.errors import Conflict
from contest.services.formatting import LOCAL_TZ
from contest.services.i18n import _, lazy_gettext

ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 16
REVOKE_TEXT = {
    "prize_changed": lazy_gettext("kết quả được tính lại và giải thưởng đã thay đổi"),
    "not_listed": lazy_gettext("người nhận không còn trong danh sách được cấp giấy chứng nhận"),
}
Progress = Callable[[int, int], None] | None


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """'ABCDEFGHJKMNPQRS' → 'ABCD-EFGH-JKMN-PQRS'."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(raw: str | None) -> str:
    """What a person typed or scanned, as stored: upper case, without dashes or spaces."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:40]


def mask_name(full_name: str) -> str:
    """'Nguyễn Thị Phương Thảo' → 'Nguyễn T. P. T.': the family name and initials."""
    words = full_name.split()
    if not words:
        return ""
    return " ".join([words[0], *(w[0] + "." for w in words[1:])])


@dataclass(frozen=True)
class IssueOutcome:
    result: RoundResult
    issued: int
    kept: int
    revoked: int

    @property
    def in_force(self) -> int:
        return self.issued + self.kept


def issue(round_: Round, *, actor: User | None, now: datetime) -> IssueOutcome:
    """Issue (or confirm) the round's certificates against its published result, as the
    module docstring says. Raises Conflict when no result is published."""
    result = result_pages.published_result(round_.id)
    if result is None:
        raise Conflict(
            _(
                "Kết quả của đợt thi chưa được công bố. Vui lòng công bố kết quả trước khi "
                "cấp giấy chứng nhận."
            )
        )
    everyone = certificates_template.issuer_of(round_.contest).include_participants
    listed = _listed(result, everyone=everyone)
    current = {
        c.participant_id: c
        for c in db.session.scalars(
            select(Certificate).where(
                Certificate.round_id == round_.id, Certificate.revoked_at.is_(None)
            )
        )
    }
    kept, revoked = _confirm_or_revoke(current, listed, result, now)
    kept_ids = {pid for pid, c in current.items() if c.revoked_at is None}
    new = [
        Certificate(
            code=new_code(),
            round_id=round_.id,
            result_id=result.id,
            participant_id=pid,
            rank=rank,
            prize=prize,
            issued_at=now,
        )
        for pid, (rank, prize) in listed.items()
        if pid not in kept_ids
    ]
    db.session.add_all(new)
    db.session.flush()
    outcome = IssueOutcome(result, issued=len(new), kept=kept, revoked=revoked)
    audit.record(
        actor,
        "round.certificates",
        "round",
        round_.id,
        now=now,
        version=result.version,
        issued=outcome.issued,
        kept=kept,
        revoked=revoked,
    )
    return outcome


def _listed(result: RoundResult, *, everyone: bool) -> dict[int, tuple[int, str | None]]:
    """Who gets a certificate from ``result``: participant id → (rank, prize)."""
    stmt = select(ResultRow.participant_id, ResultRow.rank, ResultRow.prize).where(
        ResultRow.result_id == result.id
    )
    if not everyone:
        stmt = stmt.where(ResultRow.prize.is_not(None))
    return {pid: (rank, prize) for pid, rank, prize in db.session.execute(stmt)}


def _confirm_or_revoke(
    current: dict[int, Certificate], listed: dict, result: RoundResult, now: datetime
) -> tuple[int, int]:
    """Confirm each certificate in force whose prize is unchanged, revoke the others;
    returns (kept, revoked). Flushes: the revocations go first (one in force per person)."""
    kept = revoked = 0
    for pid, cert in current.items():
        entry = listed.get(pid)
        if entry is not None and entry[1] == cert.prize:
            cert.result_id, cert.rank = result.id, entry[0]
            kept += 1
            continue
        cert.revoked_at, cert.revoked_version = now, result.version
        cert.revoked_reason = "not_listed" if entry is None else "prize_changed"
        revoked += 1
    db.session.flush()
    return kept, revoked


def in_force(round_id: int) -> list[Certificate]:
    """The round's certificates in force, in rank order."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.round_id == round_id, Certificate.revoked_at.is_(None))
            .order_by(Certificate.rank)
        )
    )


def own_certificate(round_id: int, user_id: int) -> Certificate | None:
    """The participant's certificate in force for the round's published result."""
    result = result_pages.published_result(round_id)
    if result is None:
        return None
    return db.session.scalars(
        select(Certificate).where(
            Certificate.round_id == round_id,
            Certificate.participant_id == user_id,
            Certificate.result_id == result.id,
            Certificate.revoked_at.is_(None),
        )
    ).first()


def certificate_date(cert: Certificate) -> date:
    """The date a certificate bears: the decision's, else the day it was issued."""
    decision = certificates_template.decision_of(cert.round_id)
    if decision is not None and decision.signed_on is not None:
        return decision.signed_on
    return cert.issued_at.astimezone(LOCAL_TZ).date()


@dataclass(frozen=True)
class Verification:
    """What the public verification page shows (no personal data)."""

    code: str
    status: str  # "valid", "revoked", "pending" (issued from an older version)
    masked_name: str
    contest: str
    round: str
    prize: str | None
    dated: date
    revoked_at: datetime | None = None
    reason: object = None


def verify(raw_code: str) -> Verification | None:
    """The certificate with this code (typed with or without dashes), or None."""
    code = normalise_code(raw_code)
    if len(code) != CODE_LENGTH:
        return None
    cert = db.session.scalars(select(Certificate).where(Certificate.code == code)).first()
    if cert is None:
        return None
    published = result_pages.published_result(cert.round_id)
    if cert.revoked_at is not None:
        status = "revoked"
    elif published is None or published.id != cert.result_id:
        status = "pending"
    else:
        status = "valid"
    round_ = cert.round
    return Verification(
        code=format_code(code),
        status=status,
        masked_name=mask_name(cert.participant.full_name),
        contest=certificates_template.issuer_of(round_.contest).contest_name,
        round=round_.name,
        prize=cert.prize,
        dated=certificate_date(cert),
        revoked_at=cert.revoked_at,
        reason=REVOKE_TEXT.get(cert.revoked_reason or ""),
    )
