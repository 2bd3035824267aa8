"""The application's job kinds: every organiser export of a round's result, and closing a
round. Each calls the same service the CLI calls (``exports``, ``result_closing``)."""

from __future__ import annotations

import tempfile
from datetime import datetime

from contest.extensions import db
from contest.jobs.registry import JobKind, Outcome, Progress, register
from contest.models import Role, User
from contest.models.results import RoundResult
from contest.services import attempts, exports, privacy, result_closing, result_pages, rounds
from contest.services.errors import Conflict, NotFound
from contest.services.i18n import _, lazy_gettext

PREPARING = lazy_gettext("Đang chuẩn bị")
WRITING = lazy_gettext("Đang ghi tệp Excel")
SAVING = lazy_gettext("Đang lưu kết quả")
CLOSING = lazy_gettext("Đang nộp các lượt thi còn dở, xếp hạng và trao giải")


# --- exports --------------------------------------------------------------------------------


def _pinned_result(params: dict) -> RoundResult:
    """The result version the organiser asked to export, while its rows are still kept
    (the current or the published version). Raises NotFound or Conflict."""
    result = db.session.get(RoundResult, params["result_id"])
    if result is None or result.round_id != params["round_id"]:
        raise NotFound(_("Không tìm thấy kết quả của đợt thi."))
    kept = {
        r.id
        for r in (
            result_pages.current_result(result.round_id),
            result_pages.published_result(result.round_id),
        )
        if r is not None
    }
    if result.id not in kept:
        raise Conflict(
            _(
                "Kết quả đã được tính lại sau khi bạn yêu cầu tệp này. "
                "Vui lòng mở lại trang kết quả và xuất lại."
            )
        )
    return result


def run_export(params: dict, *, now: datetime, actor: User | None, progress: Progress) -> Outcome:
    """Write the export ``params['kind']`` of the pinned result version into a file."""
    kind = params["kind"]
    if kind not in exports.EXPORT_KINDS:
        raise NotFound()
    progress(1, PREPARING)
    result = _pinned_result(params)
    total = max(exports.count_rows(result, kind), 1)
    written = 0

    def rows_written(n: int) -> None:
        nonlocal written
        written += n
        progress(5 + 90 * min(written, total) // total, WRITING)

    progress(5, WRITING)
    with tempfile.TemporaryFile() as out:
        rows = exports.write_export(kind, result, out, now=now, progress=rows_written)
        progress(95, SAVING)
        out.seek(0)
        data = out.read()
    return Outcome(
        data,
        exports.export_filename(result, kind, now),
        exports.XLSX_MIME,
        {"rows": rows, "version": result.version, "result_id": result.id},
    )


def _record_download(params: dict, actor: User, now: datetime, summary: dict) -> None:
    """A download of an export's file is an export (E3): audited like one."""
    result = db.session.get(RoundResult, params["result_id"])
    if result is not None:
        exports.record_export(actor, params["kind"], result, rows=summary["rows"], now=now)


def _describe_export(summary: dict) -> list[str]:
    return [
        _(
            "Tệp có %(rows)s dòng, từ kết quả phiên bản %(version)s.",
            rows=summary["rows"],
            version=summary["version"],
        )
    ]


def _back_to_round(params: dict) -> tuple[str, dict]:
    return "results_admin.show", {"round_id": params["round_id"]}


for _name, _export in exports.EXPORT_KINDS.items():
    register(
        f"export:{_name}",
        JobKind(
            lazy_gettext("Xuất Excel: %(title)s", title=_export.title),
            run_export,
            describe=_describe_export,
            back=_back_to_round,
            on_download=_record_download,
        ),
    )


# --- closing a round -------------------------------------------------------------------------


def run_close_round(
    params: dict, *, now: datetime, actor: User | None, progress: Progress
) -> Outcome:
    """Close (or recompute) the round and store its result (``result_closing``)."""
    progress(1, PREPARING)
    round_ = rounds.get_round_any(params["round_id"])
    progress(10, CLOSING)
    outcome = result_closing.close_round(round_, actor=actor, now=now, actual=params.get("actual"))
    progress(95, SAVING)
    result, changes = outcome.result, outcome.changes
    return Outcome(
        summary={
            "created": outcome.created,
            "version": result.version,
            "participants": result.participants,
            "winners": result.winners,
            "finalised": outcome.finalised,
            "previous_version": changes.get("previous_version"),
            "prize_changes": changes.get("prize_changes_total", 0),
            "rank_changes": changes.get("rank_changes", 0),
            "previous_published": bool(changes.get("previous_published")),
        }
    )


def describe_close(summary: dict) -> list[str]:
    """What closing did, in the words the results page used to flash."""
    if not summary["created"]:
        return [
            _(
                "Dữ liệu không thay đổi: kết quả vẫn là phiên bản %(version)s.",
                version=summary["version"],
            )
        ]
    lines = [
        _(
            "Đã xếp hạng %(ranked)s người, %(winners)s người đoạt giải (phiên bản %(version)s).",
            ranked=summary["participants"],
            winners=summary["winners"],
            version=summary["version"],
        )
    ]
    if summary["previous_version"]:
        lines.append(
            _(
                "So với phiên bản %(version)s: %(prizes)s thay đổi về giải, "
                "%(ranks)s người đổi thứ hạng.",
                version=summary["previous_version"],
                prizes=summary["prize_changes"],
                ranks=summary["rank_changes"],
            )
        )
        if summary["previous_published"]:
            lines.append(
                _("Trang công khai vẫn hiện kết quả đã công bố cho đến khi bạn công bố lại.")
            )
    return lines


register(
    "close_round",
    JobKind(
        lazy_gettext("Đóng đợt thi và xếp hạng"),
        run_close_round,
        describe=describe_close,
        back=_back_to_round,
    ),
)


# --- scheduled work (contest.jobs.schedule) ------------------------------------------------


def run_finalise_overdue(
    params: dict, *, now: datetime, actor: User | None, progress: Progress
) -> Outcome:
    """Finalise every attempt past its deadline (``flask quiz finalise-overdue``)."""
    return Outcome(summary={"finalised": attempts.finalise_overdue(now)})


register(
    "finalise_overdue",
    JobKind(
        lazy_gettext("Tự động nộp các lượt thi quá giờ"),
        run_finalise_overdue,
        describe=lambda summary: [_("Đã nộp %(n)s lượt thi quá giờ.", n=summary["finalised"])],
        timeout=600,
    ),
)


def run_privacy_purge(
    params: dict, *, now: datetime, actor: User | None, progress: Progress
) -> Outcome:
    """The retention purge (``flask privacy purge``, L4): erase the CCCD, phone and birth
    date of non-winners past every complaint period they are in."""
    done = privacy.purge_personal_data(now=now, actor=actor)
    return Outcome(
        summary={
            "users": done.users,
            "id_numbers": done.id_numbers,
            "phones": done.phones,
            "birth_dates": done.birth_dates,
        }
    )


register(
    "privacy_purge",
    JobKind(
        lazy_gettext("Xoá dữ liệu cá nhân hết thời hạn lưu giữ"),
        run_privacy_purge,
        role=Role.admin,
        describe=lambda summary: [
            _("Đã xoá dữ liệu cá nhân của %(n)s người không đoạt giải.", n=summary["users"])
        ],
        timeout=3600,
    ),
)
