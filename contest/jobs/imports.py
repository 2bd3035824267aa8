"""Participant imports too big for the request (more than ``user_import.WEB_MAX_ROWS`` rows
or ``INLINE_MAX_BYTES``) run as a job: the same service as the page and the CLI
(``user_import.import_participants``), with the password hashing as its progress.

The uploaded file travels in the job's parameters and is dropped from them once the job
ends (it holds CCCDs and phones). The generated passwords' sheet is the job's file: only
the organiser who imported may download it, for an hour (``SHEET_LIFETIME_SECONDS``),
after which the sweep deletes it.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

from contest.db import utcnow
from contest.jobs.registry import JobKind, Outcome, Progress, register
from contest.models import User
from contest.services import user_import
from contest.services.errors import DomainError, ImportFailed, NotFound
from contest.services.i18n import _, lazy_gettext
from question_bank.safety import UnreadableFile

KIND = "import:participants"
READING = lazy_gettext("Đang đọc và kiểm tra tệp")
HASHING = lazy_gettext("Đang tạo tài khoản")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_ERRORS = 10


def params_for(data: bytes, *, owner: User, min_age: int) -> dict:
    """The job's parameters for an import of ``data`` by ``owner``."""
    return {"file": base64.b64encode(data).decode(), "owner_id": owner.id, "min_age": min_age}


def _refused(exc: ImportFailed) -> DomainError:
    """The row errors as one message (the job page has no table of rows)."""
    shown = "; ".join(str(e) for e in exc.errors[:SHOWN_ERRORS])
    more = len(exc.errors) - SHOWN_ERRORS
    return DomainError(
        lazy_gettext(
            "Tệp có %(n)s lỗi nên chưa có tài khoản nào được tạo. Vui lòng sửa rồi nhập lại "
            "tệp. %(errors)s%(more)s",
            n=len(exc.errors),
            errors=shown,
            more=f" (+{more})" if more > 0 else "",
        )
    )


def run_import(params: dict, *, now: datetime, actor: User | None, progress: Progress) -> Outcome:
    progress(1, READING)
    data = base64.b64decode(params["file"])

    def hashed(done: int, total: int) -> None:
        progress(5 + 85 * done // max(total, 1), HASHING)

    try:
        result = user_import.import_participants(
            data,
            actor=actor,
            now=now,
            min_age=params["min_age"],
            max_rows=user_import.JOB_MAX_ROWS,
            progress=hashed,
        )
    except UnreadableFile as exc:
        raise DomainError(exc.message) from exc
    except ImportFailed as exc:
        raise _refused(exc) from exc
    summary = {
        "created": result.created,
        "generated": len(result.generated),
        "made_at": utcnow().isoformat(),
    }
    if not result.generated:
        return Outcome(summary=summary)
    sheet = user_import.password_sheet_bytes(result.generated, now=now)
    return Outcome(sheet, "mat-khau-tam-thi-sinh.xlsx", XLSX_MIME, summary)


def _on_download(params: dict, actor: User, now: datetime, summary: dict) -> None:
    """Only the organiser who imported, within the hour; audited (E3)."""
    made_at = datetime.fromisoformat(summary["made_at"])
    if actor.id != params.get("owner_id"):
        raise NotFound(_("Không tìm thấy tệp mật khẩu."))
    if now - made_at > timedelta(seconds=user_import.SHEET_LIFETIME_SECONDS):
        raise NotFound(
            _(
                "Tệp mật khẩu đã hết hạn (chỉ giữ trong 1 giờ). Nếu cần, hãy đặt lại "
                "mật khẩu cho từng người trên trang Thí sinh."
            )
        )
    user_import.record_password_export(actor, rows=summary["generated"], now=now)


def _describe(summary: dict) -> list[str]:
    lines = [_("Đã tạo %(n)s tài khoản thí sinh.", n=summary["created"])]
    if summary["generated"]:
        lines.append(
            _(
                "%(n)s tài khoản dùng mật khẩu tạm do hệ thống tạo. Hãy tải "
                "danh sách mật khẩu ngay (tệp chỉ giữ trong 1 giờ).",
                n=summary["generated"],
            )
        )
    return lines


register(
    KIND,
    JobKind(
        lazy_gettext("Nhập danh sách thí sinh từ Excel"),
        run_import,
        describe=_describe,
        back=lambda params: ("organiser.import_participants", {}),
        on_download=_on_download,
        drop_params=("file",),
        file_lifetime=user_import.SHEET_LIFETIME_SECONDS,
    ),
)
