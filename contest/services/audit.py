"""The audit log: writing an entry (``record``) and reading it for the admin's "Nhật ký"
page, with a translatable label for every action and no personal data shown."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from contest.extensions import db
from contest.models import AuditEntry, User
from contest.services.i18n import LazyText, lazy_gettext


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


# Names of the actions written so far (translated when shown); an unknown action shows its
# code.
ACTION_LABELS = {
    "user.create": lazy_gettext("Tạo tài khoản"),
    "user.import": lazy_gettext("Nhập danh sách thí sinh"),
    "participants.export": lazy_gettext("Xuất danh sách thí sinh"),
    "user.export_passwords": lazy_gettext("Tải danh sách mật khẩu tạm"),
    "user.reset_password": lazy_gettext("Đặt lại mật khẩu"),
    "user.reset_password_self": lazy_gettext("Tự đặt lại mật khẩu qua email"),
    "user.set_role": lazy_gettext("Đổi vai trò"),
    "user.set_scope": lazy_gettext("Đặt phạm vi đơn vị của Ban Tổ chức"),
    "user.activate": lazy_gettext("Mở khoá tài khoản"),
    "user.deactivate": lazy_gettext("Khoá tài khoản"),
    "user.notifications_off": lazy_gettext("Tắt thông báo qua email/tin nhắn"),
    "user.notifications_on": lazy_gettext("Bật lại thông báo qua email/tin nhắn"),
    "unit.create": lazy_gettext("Thêm đơn vị"),
    "unit.update": lazy_gettext("Sửa đơn vị"),
    "unit.activate": lazy_gettext("Sử dụng lại đơn vị"),
    "unit.deactivate": lazy_gettext("Ngừng sử dụng đơn vị"),
    "unit.import": lazy_gettext("Nhập danh sách đơn vị"),
    "category.create": lazy_gettext("Thêm đối tượng"),
    "category.update": lazy_gettext("Sửa đối tượng"),
    "bank.create": lazy_gettext("Tạo ngân hàng câu hỏi"),
    "bank.update": lazy_gettext("Sửa ngân hàng câu hỏi"),
    "bank.import": lazy_gettext("Nhập câu hỏi từ Excel"),
    "bank.export": lazy_gettext("Xuất ngân hàng câu hỏi"),
    "question.create": lazy_gettext("Thêm câu hỏi"),
    "question.update": lazy_gettext("Sửa câu hỏi"),
    "question.activate": lazy_gettext("Dùng lại câu hỏi"),
    "question.deactivate": lazy_gettext("Ngừng dùng câu hỏi"),
    "contest.create": lazy_gettext("Tạo cuộc thi"),
    "contest.update": lazy_gettext("Sửa cuộc thi"),
    "contest.publish": lazy_gettext("Công bố cuộc thi"),
    "contest.unpublish": lazy_gettext("Thôi công bố cuộc thi"),
    "round.create": lazy_gettext("Tạo đợt thi"),
    "round.update": lazy_gettext("Sửa đợt thi"),
    "round.close": lazy_gettext("Đóng đợt thi và xếp giải"),
    "round.reclose": lazy_gettext("Xếp giải lại"),
    "round.prize_options": lazy_gettext("Sửa tuỳ chọn giải thưởng"),
    "round.publish": lazy_gettext("Công bố đợt thi"),
    "round.end_early": lazy_gettext("Kết thúc sớm đợt thi"),
    "round.copy": lazy_gettext("Nhân bản đợt thi"),
    "funnel.rule": lazy_gettext("Đặt cấp và quy tắc chuyển lên vòng sau"),
    "funnel.compute": lazy_gettext("Tính danh sách được vào vòng sau"),
    "funnel.confirm": lazy_gettext("Xác nhận danh sách được vào vòng sau"),
    "result.publish": lazy_gettext("Công bố kết quả"),
    "result.disqualify": lazy_gettext("Loại thí sinh"),
    "result.reinstate": lazy_gettext("Khôi phục thí sinh"),
    "result.export": lazy_gettext("Xuất kết quả ra Excel"),
    "result.export_unit": lazy_gettext("Xuất kết quả của đơn vị ra Excel"),
    "participation.export_absent": lazy_gettext("Xuất danh sách chưa tham gia"),
    "participation.view_absent": lazy_gettext("Xem danh sách chưa tham gia có số điện thoại"),
    "participation.set_targets": lazy_gettext("Đặt chỉ tiêu tham gia"),
    "contest.documents": lazy_gettext("Sửa mẫu giấy chứng nhận và văn bản"),
    "round.decision": lazy_gettext("Ghi số và ngày quyết định trao giải"),
    "round.certificates": lazy_gettext("Cấp giấy chứng nhận"),
    "round.certificates_download": lazy_gettext("Tải giấy chứng nhận (tệp nén)"),
    "key.revise": lazy_gettext("Sửa đáp án và chấm lại"),
    "round.regrade": lazy_gettext("Chấm lại đợt thi"),
    "dispute.create": lazy_gettext("Khiếu nại đáp án"),
    "dispute.decide": lazy_gettext("Trả lời khiếu nại đáp án"),
    "essay.assign": lazy_gettext("Phân công giám khảo"),
    "essay.reassign": lazy_gettext("Chuyển phiếu chấm"),
    "essay.third_judge": lazy_gettext("Phân công giám khảo thứ ba"),
    "essay.close_stage": lazy_gettext("Kết thúc vòng chấm"),
    "essay.disqualify": lazy_gettext("Loại bài dự thi"),
    "essay.restore": lazy_gettext("Khôi phục bài dự thi"),
    "essay.exclusions": lazy_gettext("Sửa danh sách không xét giải"),
    "exclusion.add": lazy_gettext("Thêm vào danh sách không xét giải"),
    "exclusion.remove": lazy_gettext("Bỏ khỏi danh sách không xét giải"),
    "exclusion.import": lazy_gettext("Nhập danh sách không xét giải từ Excel"),
    "exclusion.export": lazy_gettext("Xuất danh sách không xét giải"),
    "essay.export_entries": lazy_gettext("Xuất danh sách bài dự thi"),
    "essay.export_scores": lazy_gettext("Xuất bảng điểm giám khảo"),
    "essay.publish_results": lazy_gettext("Công bố kết quả cuộc thi viết"),
    "essay.unpublish_results": lazy_gettext("Thôi công bố kết quả cuộc thi viết"),
    "privacy.purge": lazy_gettext("Xoá dữ liệu cá nhân hết thời hạn lưu giữ"),
}

OBJECT_LABELS = {
    "user": lazy_gettext("Tài khoản"),
    "unit": lazy_gettext("Đơn vị"),
    "category": lazy_gettext("Đối tượng"),
    "question_bank": lazy_gettext("Ngân hàng câu hỏi"),
    "question": lazy_gettext("Câu hỏi"),
    "contest": lazy_gettext("Cuộc thi"),
    "round": lazy_gettext("Đợt thi"),
    "essay_entry": lazy_gettext("Bài dự thi"),
    "essay_assignment": lazy_gettext("Phiếu chấm"),
    "essay_stage": lazy_gettext("Vòng chấm"),
    "privacy": lazy_gettext("Dữ liệu cá nhân"),
}

DETAIL_LABELS = {
    "name": lazy_gettext("tên"),
    "old": lazy_gettext("trước"),
    "new": lazy_gettext("sau"),
    "created": lazy_gettext("tạo mới"),
    "updated": lazy_gettext("cập nhật"),
    "unchanged": lazy_gettext("không đổi"),
    "rows": lazy_gettext("số dòng"),
    "row": lazy_gettext("dòng"),
    "source": lazy_gettext("nguồn"),
    "generated_passwords": lazy_gettext("mật khẩu tạo tự động"),
    "consent": lazy_gettext("đồng ý"),
    "title": lazy_gettext("tên"),
    "imported": lazy_gettext("đã nhập"),
    "duplicates": lazy_gettext("trùng"),
    "bank_id": lazy_gettext("ngân hàng"),
    "user_id": lazy_gettext("tài khoản"),
    "reason": lazy_gettext("lý do"),
    "already": lazy_gettext("đã có trong danh sách"),
    "staff": lazy_gettext("tài khoản cán bộ"),
    "users": lazy_gettext("số người"),
    "complaint_days": lazy_gettext("thời hạn khiếu nại (ngày)"),
    "challenge_days": lazy_gettext("thời hạn khiếu nại đáp án (ngày)"),
    "id_numbers": lazy_gettext("số CCCD đã xoá"),
    "phones": lazy_gettext("số điện thoại đã xoá"),
    "birth_dates": lazy_gettext("ngày sinh đã xoá"),
    "repeated": lazy_gettext("lặp lại trong tệp"),
    "replaced_rounds": lazy_gettext("thay cho danh sách của các đợt"),
    "changes": lazy_gettext("thay đổi"),
    "finalised": lazy_gettext("số lượt thi được chấm"),
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


def action_label(action: str) -> str | LazyText:
    """The action's name, or its code when it has none."""
    return ACTION_LABELS.get(action, action)


def object_label(entry: AuditEntry) -> str:
    """'Đơn vị #12': the kind of object and its id."""
    label = str(OBJECT_LABELS.get(entry.object_type, entry.object_type))
    return f"{label} #{entry.object_id}" if entry.object_id else label


def safe_details(details: dict | None) -> list[tuple[str, str]]:
    """The entry's details as (label, text) pairs, without anything that looks like PII."""
    shown = []
    for key, value in (details or {}).items():
        if key.lower() in _PII_KEYS:
            continue
        text = _LONG_NUMBER.sub("…", str(value))
        shown.append((str(DETAIL_LABELS.get(key, key)), text))
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
