"""Named domain errors, mapped to a flash message or an HTTP status in one place
(``contest.errors``)."""

from __future__ import annotations


class DomainError(Exception):
    """Base class. ``status`` is the HTTP status; ``code`` the API error code."""

    status = 400
    code = "bad_request"
    message = "Yêu cầu không hợp lệ."

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)
        if message:
            self.message = message


class ValidationFailed(DomainError):
    status = 422
    code = "validation"
    message = "Thông tin chưa hợp lệ. Vui lòng sửa các mục được đánh dấu."

    def __init__(self, fields: dict[str, str], message: str | None = None):
        super().__init__(message)
        self.fields = fields


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = "Không tìm thấy nội dung bạn yêu cầu."


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    message = "Bạn không có quyền thực hiện thao tác này."


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message = "Thao tác trùng với một thao tác khác. Vui lòng tải lại trang."


class InvalidCredentials(DomainError):
    status = 401
    code = "invalid_credentials"
    message = "Số điện thoại/email hoặc mật khẩu không đúng."


class AccountDisabled(DomainError):
    status = 403
    code = "account_disabled"
    message = "Tài khoản đã bị khoá. Vui lòng liên hệ Ban Tổ chức."


class ImportFailed(DomainError):
    """A file import with row errors: nothing was saved."""

    status = 422
    code = "import_errors"
    message = (
        "Tệp có lỗi, chưa có dữ liệu nào được lưu. Vui lòng sửa các dòng bên dưới rồi tải lên lại."
    )

    def __init__(self, errors: list, message: str | None = None):
        super().__init__(message)
        self.errors = errors


# Quiz rounds and attempts.


class RoundNotOpen(DomainError):
    status = 409
    code = "round_not_open"
    message = "Đợt thi chưa mở hoặc đã kết thúc."


class AttemptLimitReached(DomainError):
    status = 409
    code = "attempt_limit_reached"
    message = "Bạn đã dùng hết số lượt thi của đợt này."


class AlreadySubmitted(DomainError):
    status = 409
    code = "already_submitted"
    message = "Bài thi này đã được nộp, không thể thay đổi câu trả lời."


class DeadlinePassed(DomainError):
    status = 410
    code = "deadline_passed"
    message = "Đã hết thời gian làm bài. Bài thi đã được chấm theo các câu trả lời đã lưu."


class NotEligible(DomainError):
    status = 403
    code = "not_eligible"
    message = "Bạn không thuộc đối tượng dự thi của đợt này."


class PoolTooSmall(DomainError):
    status = 409
    code = "pool_too_small"
    message = "Ngân hàng câu hỏi không đủ câu để tạo đề theo quy định của đợt thi."
