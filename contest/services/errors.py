"""Named domain errors, every one of the application's, mapped to a flash message or an
HTTP status in one place (``contest.web.errors``). Messages are translatable (``i18n``)."""

from __future__ import annotations

from contest.services.i18n import LazyText, lazy_gettext


class DomainError(Exception):
    """Base class. ``status`` is the HTTP status; ``code`` the API error code."""

    status = 400
    code = "bad_request"
    message = lazy_gettext("Yêu cầu không hợp lệ.")

    def __init__(self, message: str | LazyText | None = None):
        super().__init__(message or self.message)
        if message:
            self.message = message

    def __str__(self) -> str:
        return str(self.message)


class ValidationFailed(DomainError):
    status = 422
    code = "validation"
    message = lazy_gettext("Thông tin chưa hợp lệ. Vui lòng sửa các mục được đánh dấu.")

    def __init__(self, fields: dict[str, str], message: str | None = None):
        super().__init__(message)
        self.fields = fields


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = lazy_gettext("Không tìm thấy nội dung bạn yêu cầu.")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    message = lazy_gettext("Bạn không có quyền thực hiện thao tác này.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message = lazy_gettext("Thao tác trùng với một thao tác khác. Vui lòng tải lại trang.")


class InvalidCredentials(DomainError):
    status = 401
    code = "invalid_credentials"
    message = lazy_gettext("Số điện thoại/email hoặc mật khẩu không đúng.")


class AccountDisabled(DomainError):
    status = 403
    code = "account_disabled"
    message = lazy_gettext("Tài khoản đã bị khoá. Vui lòng liên hệ Ban Tổ chức.")


class ImportFailed(DomainError):
    """A file import with row errors: nothing was saved."""

    status = 422
    code = "import_errors"
    message = lazy_gettext(
        "Tệp có lỗi, chưa có dữ liệu nào được lưu. Vui lòng sửa các dòng bên dưới rồi tải lên lại."
    )

    def __init__(self, errors: list, message: str | None = None):
        super().__init__(message)
        self.errors = errors


# Quiz rounds and attempts.


class RoundNotOpen(DomainError):
    status = 409
    code = "round_not_open"
    message = lazy_gettext("Đợt thi chưa mở hoặc đã kết thúc.")


class AttemptLimitReached(DomainError):
    status = 409
    code = "attempt_limit_reached"
    message = lazy_gettext("Bạn đã dùng hết số lượt thi của đợt này.")


class AlreadySubmitted(DomainError):
    status = 409
    code = "already_submitted"
    message = lazy_gettext("Bài thi này đã được nộp, không thể thay đổi câu trả lời.")


class DeadlinePassed(DomainError):
    status = 410
    code = "deadline_passed"
    message = lazy_gettext(
        "Đã hết thời gian làm bài. Bài thi đã được chấm theo các câu trả lời đã lưu."
    )


class NotEligible(DomainError):
    status = 403
    code = "not_eligible"
    message = lazy_gettext("Bạn không thuộc đối tượng dự thi của đợt này.")


class PoolTooSmall(DomainError):
    status = 409
    code = "pool_too_small"
    message = lazy_gettext("Ngân hàng câu hỏi không đủ câu để tạo đề theo quy định của đợt thi.")


# Essay contests.


class SubmissionNotOpen(DomainError):
    status = 409
    code = "submission_not_open"
    message = lazy_gettext("Cuộc thi chưa mở nhận bài dự thi.")


class SubmissionClosed(DomainError):
    status = 410
    code = "submission_closed"
    message = lazy_gettext("Đã hết hạn nhận bài dự thi. Bài không thể sửa hoặc nộp thêm.")


class EntryLimitReached(DomainError):
    status = 409
    code = "entry_limit_reached"
    message = lazy_gettext("Bạn đã có đủ số bài dự thi cho phép trong cuộc thi này.")


class FileRefused(DomainError):
    """An upload that is refused: 413 when too large, 422 otherwise."""

    code = "file_refused"

    def __init__(self, message: str, *, too_large: bool = False):
        super().__init__(message)
        self.status = 413 if too_large else 422


class StageClosed(DomainError):
    status = 409
    code = "stage_closed"
    message = lazy_gettext("Vòng chấm này đã kết thúc, phiếu chấm không thể thay đổi.")


class SheetSubmitted(DomainError):
    status = 409
    code = "sheet_submitted"
    message = lazy_gettext("Phiếu chấm này đã được nộp, không thể sửa.")


# Results.


class RoundStillOpen(DomainError):
    status = 409
    code = "round_still_open"
    message = lazy_gettext("Đợt thi chưa kết thúc nên chưa thể đóng và xếp hạng.")


class ActualValueNeeded(DomainError):
    status = 422
    code = "actual_value_needed"
    message = lazy_gettext(
        "Đợt thi này dùng đáp án câu dự đoán do Ban Tổ chức nhập. "
        "Vui lòng nhập đáp án khi đóng đợt thi."
    )


class ResultNotReady(DomainError):
    status = 409
    code = "result_not_ready"
    message = lazy_gettext("Đợt thi chưa được đóng và xếp hạng.")


class ResultOutdated(DomainError):
    status = 409
    code = "result_outdated"
    message = lazy_gettext(
        "Kết quả vừa được tính lại sau khi bạn mở trang. Vui lòng xem lại kết quả mới rồi công bố."
    )


# Exclusion lists.


class AlreadyExcluded(DomainError):
    status = 409
    code = "already_excluded"
    message = lazy_gettext(
        "Người này đã có trong danh sách không xét giải. Danh sách không thay đổi."
    )


class StaffNeverRanks(DomainError):
    status = 409
    code = "staff_never_ranks"
    message = lazy_gettext(
        "Tài khoản này thuộc Ban Tổ chức, giám khảo hoặc quản trị: luôn được tự động "
        "không xét giải, không cần thêm vào danh sách."
    )


class ChallengeWindowOpen(Conflict):
    """Publishing a result while participants may still dispute the key, unconfirmed."""

    code = "challenge_window_open"
    message = lazy_gettext(
        "Thời hạn khiếu nại đáp án còn mở. Hãy xác nhận nếu bạn muốn công bố ngay."
    )
