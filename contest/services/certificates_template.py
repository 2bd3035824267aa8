"""The organiser's template of a contest's official documents (who issues them, who signs,
the signature and seal images, the certificates' wording) and each round's prize decision
(its number and date). The certificates (``certificates``, ``certificates_pdf``) and the
official Excel lists (``official_lists``) read them through ``issuer_of`` and
``decision_of``; a blank field falls back to ``DEFAULTS``.

The documents are official Vietnamese papers: dates are written the administrative way
("Bắc Ninh, ngày 05 tháng 02 năm 2026": the day and the months 1 and 2 with a leading
zero) whatever the page's language.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

from sqlalchemy import select

from contest.extensions import db
from contest.models import Contest, Round, User
from contest.models.certificate import DocumentTemplate, RoundDecision
from contest.services import audit
from question_bank.text import normalise_text

DEFAULTS = {
    "parent_body": "",
    "organiser_name": "BAN TỔ CHỨC",
    "place": "",
    "on_behalf": "TM. BAN TỔ CHỨC",
    "signer_title": "TRƯỞNG BAN",
    "signer_name": "",
    "winner_text": "Đã đạt",
    "participant_text": "Đã tham gia và hoàn thành phần thi",
}
TEXT_FIELDS = ("parent_body", "organiser_name", "contest_name", "place", "on_behalf")
TEXT_FIELDS += ("signer_title", "signer_name", "winner_text", "participant_text")


@dataclass(frozen=True)
class TemplateData:
    """What the organiser types on the template page (plain strings, blank = default)."""

    parent_body: str = ""
    organiser_name: str = ""
    contest_name: str = ""
    place: str = ""
    on_behalf: str = ""
    signer_title: str = ""
    signer_name: str = ""
    winner_text: str = ""
    participant_text: str = ""
    include_participants: bool = False


@dataclass(frozen=True)
class Issuer:
    """A contest's template with the defaults filled in: what the documents print."""

    parent_body: str
    organiser_name: str
    contest_name: str
    place: str
    on_behalf: str
    signer_title: str
    signer_name: str
    winner_text: str
    participant_text: str
    include_participants: bool
    signature_png: bytes | None
    seal_png: bytes | None

    @property
    def issuer_lines(self) -> list[str]:
        """The top-left block: the body above (if any), then the organiser."""
        return [line for line in (self.parent_body, self.organiser_name) if line]


def template_of(contest_id: int) -> DocumentTemplate | None:
    return db.session.scalars(
        select(DocumentTemplate).where(DocumentTemplate.contest_id == contest_id)
    ).first()


def issuer_of(contest: Contest) -> Issuer:
    """The contest's template with the defaults filled in (no template: all defaults)."""
    template = template_of(contest.id)
    values = {
        name: (getattr(template, name, "") or "") or DEFAULTS.get(name, "") for name in TEXT_FIELDS
    }
    values["contest_name"] = values["contest_name"] or contest.title
    return Issuer(
        **values,
        include_participants=bool(template and template.include_participants),
        signature_png=template.signature_png if template else None,
        seal_png=template.seal_png if template else None,
    )


def save_template(
    contest: Contest,
    data: TemplateData,
    *,
    signature: bytes | None = None,
    seal: bytes | None = None,
    remove: tuple[str, ...] = (),
    actor: User | None,
    now: datetime,
) -> DocumentTemplate:
    """Store the template: ``data`` (NFC, spaces folded), new images if given (already
    checked and re-encoded by ``certificates_images.prepare_image``), ``remove`` naming
    the images to drop ("signature", "seal"). Audited (which fields changed, no text)."""
    template = template_of(contest.id)
    if template is None:
        template = DocumentTemplate(contest_id=contest.id)
        db.session.add(template)
    changed = []
    for field in fields(TemplateData):
        value = getattr(data, field.name)
        value = value if isinstance(value, bool) else normalise_text(value)
        if getattr(template, field.name, None) != value:
            setattr(template, field.name, value)
            changed.append(field.name)
    for name, image in (("signature", signature), ("seal", seal)):
        if image is not None:
            setattr(template, f"{name}_png", image)
            changed.append(name)
        elif name in remove:
            setattr(template, f"{name}_png", None)
            changed.append(name)
    template.updated_at, template.updated_by_id = now, actor.id if actor else None
    db.session.flush()
    audit.record(actor, "contest.documents", "contest", contest.id, now=now, changed=changed)
    return template


def decision_of(round_id: int) -> RoundDecision | None:
    return db.session.get(RoundDecision, round_id)


def save_decision(
    round_: Round, number: str, signed_on: date | None, *, actor: User | None, now: datetime
) -> RoundDecision:
    """Store the number and date of the decision that awards the round's prizes."""
    decision = decision_of(round_.id)
    if decision is None:
        decision = RoundDecision(round_id=round_.id)
        db.session.add(decision)
    decision.number, decision.signed_on = normalise_text(number), signed_on
    decision.updated_at = now
    db.session.flush()
    audit.record(
        actor,
        "round.decision",
        "round",
        round_.id,
        now=now,
        number=decision.number,
        signed_on=signed_on.isoformat() if signed_on else None,
    )
    return decision


def administrative_date(day: date) -> str:
    """'ngày 05 tháng 02 năm 2026', 'ngày 15 tháng 12 năm 2026'."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def date_line(place: str, day: date | None) -> str:
    """The place and date above a signature: 'Bắc Ninh, ngày 05 tháng 5 năm 2026'; blanks
    to fill by hand when there is no date."""
    when = administrative_date(day) if day else "ngày …… tháng …… năm ……"
    return f"{place}, {when}" if place else when[0].upper() + when[1:]


def decision_line(decision: RoundDecision | None) -> str:
    """'(Kèm theo Quyết định số 12/QĐ-BTC ngày 05/05/2026 của Ban Tổ chức)', with dotted
    blanks for what the organiser has not entered yet."""
    number = decision.number if decision and decision.number else "……/QĐ-BTC"
    day = decision.signed_on if decision else None
    when = f"{day.day:02d}/{day.month:02d}/{day.year}" if day else "……/……/……"
    return f"(Kèm theo Quyết định số {number} ngày {when} của Ban Tổ chức)"
