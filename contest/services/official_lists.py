"""The official frame of the winners and results lists (``exports``): the issuing body and
the national motto, the decision's title ("DANH SÁCH ĐẠT GIẢI …", kèm theo Quyết định
số …), and the signature block — from the contest's document template and the round's
decision (``certificates_template``)."""

from __future__ import annotations

from contest.models.results import RoundResult
from contest.services import certificates_template
from contest.services.xlsx_stream import Official

# The first line of each official list's title (the kinds of ``exports.EXPORT_KINDS``).
LIST_TITLES = {
    "winners": "DANH SÁCH ĐẠT GIẢI",
    "public": "DANH SÁCH ĐẠT GIẢI",
    "results": "BẢNG KẾT QUẢ",
}
SIGNING_ROOM = 4  # empty lines left for the signature and the seal


def official_frame(result: RoundResult, kind: str) -> Official | None:
    """The frame of the list ``kind`` of ``result``; None for a kind that has none."""
    if kind not in LIST_TITLES:
        return None
    round_ = result.round
    issuer = certificates_template.issuer_of(round_.contest)
    decision = certificates_template.decision_of(round_.id)
    signature = [
        certificates_template.date_line(issuer.place, decision.signed_on if decision else None),
        issuer.on_behalf,
        issuer.signer_title,
        *([""] * SIGNING_ROOM),
        issuer.signer_name or "",
    ]
    return Official(
        issuer=issuer.issuer_lines,
        title=[
            f"{LIST_TITLES[kind]} {issuer.contest_name.upper()}",
            round_.name.upper(),
        ],
        subtitle=certificates_template.decision_line(decision),
        signature=[line for line in signature[:3] if line] + signature[3:],
    )
