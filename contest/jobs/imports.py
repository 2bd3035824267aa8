"""Imports too big for the request run as jobs (issue 13), through the same services as the
page and the CLI; a file with row errors fails the job naming its first rows, nothing saved.

* Participants (more than ``user_import.WEB_MAX_ROWS`` rows or ``INLINE_MAX_BYTES``):
  ``user_import.import_participants``, with the password hashing as its progress. The
  uploaded file travels in the job's parameters and is dropped from them once the job ends
  (it holds CCCDs and phones). The generated passwords' sheet is the job's file: only the
  organiser who imported may download it, for an hour (``SHEET_LIFETIME_SECONDS``), after
  which the sweep deletes it.
* Questions (a confirmed bank upload above ``bank_staging.runs_as_job``'s limits):
  ``bank_files.preview_import`` then ``save_import``, the batches as its progress. The job
  carries the file (any worker, on any server, can run it; dropped when it ends), the bank
  and the staged upload's token. The token is its key (a second click on «Xác nhận» goes to
  the same job) and its marker: the import's audit entry, committed with the questions,
  names it, so a run repeated after a worker's crash reports that import, never a second.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from contest.db import utcnow
from contest.extensions import db
from contest.jobs.queue import enqueue
from contest.jobs.registry import JobKind, Outcome, Progress, register
from contest.models import AuditEntry, QuestionBank, Role, User
from contest.models.job import Job, JobStatus
from contest.services import bank_files, user_import
from contest.services.errors import DomainError, ImportFailed, NotFound
from contest.services.i18n import _, lazy_gettext
from question_bank.safety import UnreadableFile

KIND = "import:participants"
BANK_KIND = "import:questions"
READING = lazy_gettext("Đang đọc và kiểm tra tệp")
HASHING = lazy_gettext("Đang tạo tài khoản")
SAVING = lazy_gettext("Đang lưu câu hỏi vào ngân hàng")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_ERRORS = 10


def _file_param(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _file_of(params: dict) -> bytes:
    return base64.b64decode(params["file"])


def _listed(errors: Sequence, shown: Callable[[object], str] = str) -> dict:
    """The first ``SHOWN_ERRORS`` row errors as one text, for a message's ``%(n)s``,
    ``%(errors)s`` and ``%(more)s`` (the job page has no table of rows)."""
    more = len(errors) - SHOWN_ERRORS
    return {
        "n": len(errors),
        "errors": "; ".join(shown(e) for e in errors[:SHOWN_ERRORS]),
        "more": f" (+{more})" if more > 0 else "",
    }


# --- participants ----------------------------------------------------------------------------


def params_for(data: bytes, *, owner: User, min_age: int) -> dict:
    """The job's parameters for an import of ``data`` by ``owner``."""
    return {
        "file": _file_param(data),
        "owner_id": owner.id,
        "min_age": min_age,
        # The passwords' sheet belongs to the scope it was made in (``_on_download``).
        "scope_unit_id": owner.scope_unit_id,
    }


def _refused(exc: ImportFailed) -> DomainError:
    """The row errors as one message."""
    return DomainError(
        lazy_gettext(
            "Tệp có %(n)s lỗi nên chưa có tài khoản nào được tạo. Vui lòng sửa rồi nhập lại "
            "tệp. %(errors)s%(more)s",
            **_listed(exc.errors),
        )
    )


def _still_allowed(actor: User | None) -> None:
    """The job acts for its organiser as they are now, not as they were when they uploaded:
    a locked account, or one no longer an organiser (a role change drops a unit
    organiser's scope, which would read as "every unit"), imports nothing."""
    if actor is None or not actor.is_active_account or not actor.has_role(Role.organiser):
        raise DomainError(
            lazy_gettext(
                "Tài khoản tải tệp này lên không còn quyền nhập thí sinh (đã bị khoá hoặc đổi "
                "vai trò) nên chưa có tài khoản nào được tạo. Ban Tổ chức cần nhập lại tệp."
            )
        )


def run_import(params: dict, *, now: datetime, actor: User | None, progress: Progress) -> Outcome:
    _still_allowed(actor)
    progress(1, READING)
    data = _file_of(params)

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
    """Only the organiser who imported, with the scope they had then (narrowed to a unit
    since, the sheet may hold people of other units), within the hour; audited (E3)."""
    made_at = datetime.fromisoformat(summary["made_at"])
    if actor.id != params.get("owner_id") or params.get("scope_unit_id") != actor.scope_unit_id:
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
        back_text=lazy_gettext("Quay lại trang nhập thí sinh"),
        unit_scoped=True,  # the import refuses rows outside a unit organiser's subtree
    ),
)


# --- questions -------------------------------------------------------------------------------


def bank_job_key(bank_id: int, token: str) -> str:
    return f"{BANK_KIND}:{bank_id}:{token}"


def bank_import_job(bank_id: int, token: str) -> Job | None:
    """The job already asked for this staged upload (waiting, running or done), if any."""
    return db.session.scalars(
        select(Job)
        .where(Job.dedupe_key == bank_job_key(bank_id, token), Job.status != JobStatus.failed)
        .order_by(Job.id.desc())
    ).first()


def start_bank_import(
    data: bytes, *, bank: QuestionBank, token: str, filename: str, actor: User, now: datetime
) -> Job:
    """Queue the import of a staged upload into ``bank`` (commits; see ``enqueue``)."""
    params = {
        "file": _file_param(data),
        "filename": filename,
        "bank_id": bank.id,
        "token": token,
        "owner_id": actor.id,
    }
    return enqueue(BANK_KIND, params, actor=actor, now=now, key=bank_job_key(bank.id, token))


def _earlier(bank: QuestionBank, token: str) -> dict | None:
    """The summary of this upload's import if it was already committed (the marker)."""
    for details in db.session.scalars(
        select(AuditEntry.details).where(
            AuditEntry.action == "bank.import",
            AuditEntry.object_type == "question_bank",
            AuditEntry.object_id == str(bank.id),
        )
    ):
        if (details or {}).get("upload") == token:
            return _bank_summary(bank, details["imported"], details.get("duplicates", 0))
    return None


def _bank_summary(bank: QuestionBank, imported: int, duplicates: int) -> dict:
    return {"imported": imported, "duplicates": duplicates, "bank": bank.name}


def _row_error(kind: str) -> Callable[[object], str]:
    """How the job page names a row error: as the preview's table does."""

    def shown(error) -> str:
        if kind == "docx":  # «Câu 12: …», as written in the document
            return str(error)
        if error.column:
            return _(
                "Dòng %(row)s, cột %(column)s: %(error)s",
                row=error.row,
                column=error.column,
                error=error.message,
            )
        return _("Dòng %(row)s: %(error)s", row=error.row, error=error.message)

    return shown


def run_bank_import(
    params: dict, *, now: datetime, actor: User | None, progress: Progress
) -> Outcome:
    progress(1, READING)
    bank = db.session.get(QuestionBank, params["bank_id"])
    if bank is None:
        raise NotFound(_("Ngân hàng câu hỏi này không còn. Hãy tạo lại ngân hàng rồi nhập tệp."))
    earlier = _earlier(bank, params["token"])
    if earlier is not None:  # a repeated run: that import stands, none is added
        return Outcome(summary=earlier)
    try:
        preview = bank_files.preview_import(bank, _file_of(params), params.get("filename", ""))
    except UnreadableFile as exc:
        raise DomainError(exc.message) from exc
    if not preview.ok:
        raise DomainError(
            lazy_gettext(
                "Tệp có %(n)s lỗi nên chưa có câu hỏi nào được nhập. Vui lòng sửa tệp rồi "
                "tải lên lại. %(errors)s%(more)s",
                **_listed(preview.errors, _row_error(preview.kind)),
            )
        )

    def saved(done: int, total: int) -> None:
        progress(10 + 89 * done // max(total, 1), SAVING)

    progress(10, SAVING)
    try:
        result = bank_files.save_import(
            bank, preview, actor=actor, now=now, progress=saved, upload=params["token"]
        )
        db.session.flush()
    except IntegrityError as exc:  # the same questions were saved meanwhile
        raise DomainError(
            lazy_gettext(
                "Các câu hỏi này vừa được nhập vào ngân hàng. Vui lòng kiểm tra lại danh sách."
            )
        ) from exc
    return Outcome(summary=_bank_summary(bank, result.imported, result.duplicates))


def _describe_bank(summary: dict) -> list[str]:
    if summary.get("duplicates"):
        return [
            _(
                "Đã nhập %(count)s câu hỏi vào ngân hàng «%(name)s». Bỏ qua %(duplicates)s "
                "câu trùng.",
                count=summary["imported"],
                name=summary["bank"],
                duplicates=summary["duplicates"],
            )
        ]
    return [
        _(
            "Đã nhập %(count)s câu hỏi vào ngân hàng «%(name)s».",
            count=summary["imported"],
            name=summary["bank"],
        )
    ]


register(
    BANK_KIND,
    JobKind(
        lazy_gettext("Nhập câu hỏi vào ngân hàng"),
        run_bank_import,
        describe=_describe_bank,
        back=lambda params: ("banks.show_bank", {"bank_id": params["bank_id"]}),
        drop_params=("file",),
        back_text=lazy_gettext("Xem ngân hàng câu hỏi"),
    ),
)
