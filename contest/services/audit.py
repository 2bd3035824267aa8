"""The audit log: writing an entry (``record``) and reading it for the admin's "Nhật ký"
page, with a Vietnamese label for every action and no personal data shown."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from contest.extensions import db
from contest.models import AuditEntry, User


def record(
    actor: User | None, action: str, obj_type: str, obj_id, *, now: datetime, **details
) -> AuditEntry:
    """Add one audit entry (who, what, which object, details). Never put PII in details."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=obj_type,
        object_id=None if obj_id is None else str(obj_id),
        details=details,
        created_at=now,
    )
    db.session.add(entry)
    return entry


# Vietnamese names of the actions written so far; an unknown action shows its code.
ACTION_LABELS = {
    "user.create": "Tạo tài khoản",
    "user.import": "Nhập danh sách thí sinh",
    "user.export_passwords": "Tải danh sách mật khẩu tạm",
    "user.reset_password": "Đặt lại mật khẩu",
    "user.set_role": "Đổi vai trò",
    "user.activate": "Mở khoá tài khoản",
    "user.deactivate": "Khoá tài khoản",
    "unit.create": "Thêm đơn vị",
    "unit.update": "Sửa đơn vị",
    "unit.activate": "Sử dụng lại đơn vị",
    "unit.deactivate": "Ngừng sử dụng đơn vị",
    "unit.import": "Nhập danh sách đơn vị",
    "category.create": "Thêm đối tượng",
    "category.update": "Sửa đối tượng",
    "bank.create": "Tạo ngân hàng câu hỏi",
    "bank.update": "Sửa ngân hàng câu hỏi",
    "bank.import": "Nhập câu hỏi từ Excel",
    "bank.export": "Xuất ngân hàng câu hỏi",
    "question.create": "Thêm câu hỏi",
    "question.update": "Sửa câu hỏi",
    "question.activate": "Dùng lại câu hỏi",
    "question.deactivate": "Ngừng dùng câu hỏi",
    "contest.create": "Tạo cuộc thi",
    "contest.update": "Sửa cuộc thi",
    "contest.publish": "Công bố cuộc thi",
    "contest.unpublish": "Thôi công bố cuộc thi",
    "round.create": "Tạo đợt thi",
    "round.update": "Sửa đợt thi",
    "round.close": "Đóng đợt thi và xếp giải",
    "round.reclose": "Xếp giải lại",
    "round.prize_options": "Sửa tuỳ chọn giải thưởng",
    "result.publish": "Công bố kết quả",
    "result.disqualify": "Loại thí sinh",
    "result.reinstate": "Khôi phục thí sinh",
    "result.export": "Xuất kết quả ra Excel",
    "essay.assign": "Phân công giám khảo",
    "essay.reassign": "Chuyển phiếu chấm",
    "essay.third_judge": "Phân công giám khảo thứ ba",
    "essay.close_stage": "Kết thúc vòng chấm",
    "essay.disqualify": "Loại bài dự thi",
    "essay.restore": "Khôi phục bài dự thi",
    "essay.exclusions": "Sửa danh sách không xét giải",
    "essay.export_entries": "Xuất danh sách bài dự thi",
    "essay.export_scores": "Xuất bảng điểm giám khảo",
    "essay.publish_results": "Công bố kết quả cuộc thi viết",
    "essay.unpublish_results": "Thôi công bố kết quả cuộc thi viết",
}

OBJECT_LABELS = {
    "user": "Tài khoản",
    "unit": "Đơn vị",
    "category": "Đối tượng",
    "question_bank": "Ngân hàng câu hỏi",
    "question": "Câu hỏi",
    "contest": "Cuộc thi",
    "round": "Đợt thi",
    "essay_entry": "Bài dự thi",
    "essay_assignment": "Phiếu chấm",
    "essay_stage": "Vòng chấm",
}

DETAIL_LABELS = {
    "name": "tên",
    "old": "trước",
    "new": "sau",
    "created": "tạo mới",
    "updated": "cập nhật",
    "unchanged": "không đổi",
    "rows": "số dòng",
    "row": "dòng",
    "source": "nguồn",
    "generated_passwords": "mật khẩu tạo tự động",
    "consent": "đồng ý",
    "title": "tên",
    "imported": "đã nhập",
    "duplicates": "trùng",
    "bank_id": "ngân hàng",
}

# Keys that would hold personal data; the log must never show them (L2).
_PII_KEYS = {
    "phone",
    "id_number",
    "cccd",
    "email",
    "birth_date",
    "password",
    "address",
    "full_name",
}
_LONG_NUMBER = re.compile(r"\d{9,}")


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def object_label(entry: AuditEntry) -> str:
    label = OBJECT_LABELS.get(entry.object_type, entry.object_type)
    return f"{label} #{entry.object_id}" if entry.object_id else label


def safe_details(details: dict | None) -> list[tuple[str, str]]:
    """The entry's details as (label, text) pairs, without anything that looks like PII."""
    shown = []
    for key, value in (details or {}).items():
        if key.lower() in _PII_KEYS:
            continue
        text = _LONG_NUMBER.sub("…", str(value))
        shown.append((DETAIL_LABELS.get(key, key), text))
    return shown


def list_actions() -> list[str]:
    """Distinct actions in the log, for the filter."""
    return sorted(db.session.scalars(select(AuditEntry.action).distinct()))


def list_entries(*, action: str | None = None, page: int = 1, per_page: int = 50):
    """The log, newest first, one page (Flask-SQLAlchemy ``Pagination``)."""
    stmt = (
        select(AuditEntry)
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)
