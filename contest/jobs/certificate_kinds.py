"""The certificates job: issue (or confirm) a round's certificates against its published
result, then write every certificate in force into one zip, one PDF per person
(``certificates``, ``certificates_pdf``)."""

from __future__ import annotations

import tempfile
from datetime import datetime

from contest.extensions import db
from contest.jobs.registry import JobKind, Outcome, Progress, register
from contest.models import User
from contest.services import audit, certificates, certificates_pdf, rounds
from contest.services.formatting import format_datetime_vn
from contest.services.i18n import _, lazy_gettext

ISSUING = lazy_gettext("Đang cấp mã xác minh")
DRAWING = lazy_gettext("Đang tạo các tệp PDF")
SAVING = lazy_gettext("Đang lưu tệp nén")
# A zip past this many certificates would weigh hundreds of MB in the jobs table (~48 kB
# each): then the zip holds the winners' only, and participants download their own.
ZIP_LIMIT = 5000


def run_certificates(
    params: dict, *, now: datetime, actor: User | None, progress: Progress
) -> Outcome:
    """``params``: ``round_id`` and ``base_url`` (the site's root, for the verification
    links printed on the certificates)."""
    progress(1, ISSUING)
    round_ = rounds.get_round_any(params["round_id"])
    outcome = certificates.issue(round_, actor=actor, now=now)
    certs = certificates.in_force(round_.id)
    left_out = 0
    if len(certs) > ZIP_LIMIT:
        winners = [c for c in certs if c.prize is not None]
        left_out, certs = len(certs) - len(winners), winners
    total = max(len(certs), 1)
    progress(10, DRAWING)
    with tempfile.TemporaryFile() as out:
        n = certificates_pdf.write_zip(
            certs,
            out,
            base_url=params["base_url"],
            progress=lambda done: progress(10 + 85 * done // total, DRAWING),
        )
        progress(95, SAVING)
        out.seek(0)
        data = out.read()
    stamp = format_datetime_vn(now, "%Y%m%d-%H%M")
    return Outcome(
        data,
        f"giay-chung-nhan-dot-{round_.id}-{stamp}.zip",
        "application/zip",
        {
            "files": n,
            "issued": outcome.issued,
            "kept": outcome.kept,
            "revoked": outcome.revoked,
            "version": outcome.result.version,
            "left_out": left_out,
        },
    )


def describe(summary: dict) -> list[str]:
    lines = [
        _(
            "Tệp nén có %(files)s giấy chứng nhận (kết quả phiên bản %(version)s).",
            files=summary["files"],
            version=summary["version"],
        ),
        _(
            "Cấp mới %(issued)s, giữ nguyên mã %(kept)s, thu hồi %(revoked)s.",
            issued=summary["issued"],
            kept=summary["kept"],
            revoked=summary["revoked"],
        ),
    ]
    if summary.get("left_out"):
        lines.append(
            _(
                "%(n)s giấy chứng nhận tham gia không có trong tệp nén (quá %(limit)s giấy): "
                "người tham gia tự tải giấy của mình từ trang kết quả.",
                n=summary["left_out"],
                limit=f"{ZIP_LIMIT:,}".replace(",", "."),
            )
        )
    return lines


def _record_download(params: dict, actor: User, now: datetime, summary: dict) -> None:
    """The zip holds names and units: its download is audited."""
    audit.record(
        actor,
        "round.certificates_download",
        "round",
        params["round_id"],
        now=now,
        files=summary["files"],
    )
    db.session.flush()


def _back(params: dict) -> tuple[str, dict]:
    return "certificates_admin.contest", {"contest_id": params["contest_id"]}


register(
    "certificates",
    JobKind(
        lazy_gettext("Cấp giấy chứng nhận"),
        run_certificates,
        describe=describe,
        back=_back,
        on_download=_record_download,
    ),
)
