"""Errors in one place: Vietnamese pages for people, JSON under /api/ for scripts."""

from __future__ import annotations

import logging
import traceback

from flask import Flask, flash, jsonify, make_response, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from contest.extensions import db
from contest.services.errors import DomainError, ValidationFailed
from contest.web import json_input

log = logging.getLogger(__name__)

MESSAGES = {
    400: (
        _l("Yêu cầu không hợp lệ"),
        _l("Trang không hiểu yêu cầu của bạn. Vui lòng quay lại và thử lại."),
    ),
    401: (
        _l("Cần đăng nhập"),
        _l("Bạn cần đăng nhập để tiếp tục."),
    ),
    403: (
        _l("Không có quyền truy cập"),
        _l("Tài khoản của bạn không được phép xem trang này."),
    ),
    404: (
        _l("Không tìm thấy trang"),
        _l("Trang bạn tìm không tồn tại hoặc đã được chuyển đi."),
    ),
    405: (
        _l("Thao tác không được hỗ trợ"),
        _l("Trang này không hỗ trợ thao tác bạn vừa thực hiện."),
    ),
    409: (
        _l("Xung đột dữ liệu"),
        _l("Thao tác trùng với một thao tác khác. Vui lòng tải lại trang."),
    ),
    410: (
        _l("Đã hết hạn"),
        _l("Thời gian thực hiện thao tác này đã kết thúc."),
    ),
    413: (
        _l("Tệp quá lớn"),
        _l(
            "Tệp hoặc nội dung gửi lên vượt quá dung lượng cho phép. "
            "Vui lòng chọn tệp nhỏ hơn (tối đa 10 MB)."
        ),
    ),
    422: (
        _l("Thông tin chưa hợp lệ"),
        _l("Vui lòng kiểm tra lại thông tin đã nhập."),
    ),
    429: (
        _l("Thao tác quá nhanh"),
        _l("Bạn thao tác quá nhiều lần trong thời gian ngắn. Vui lòng chờ một lát rồi thử lại."),
    ),
    500: (
        _l("Đã có lỗi xảy ra"),
        _l(
            "Hệ thống gặp sự cố ngoài ý muốn. Câu trả lời đã lưu của bạn "
            "không bị mất. Vui lòng thử lại sau ít phút."
        ),
    ),
}

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    422: "validation",
    429: "too_many_requests",
    500: "server_error",
}

# The JSON API's own words where the page's would mislead (its bodies are not files).
API_MESSAGES = {
    413: _l(
        "Nội dung gửi lên quá lớn. Một yêu cầu tới API chỉ được tối đa 256 KB; "
        "vui lòng gửi ít dữ liệu hơn."
    ),
}
# Headers a status's answer must keep when it is rewritten as JSON (405: RFC 9110 §15.5.6).
KEPT_HEADERS = ("Allow", "Retry-After")


def wants_json() -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, code: str, message: str, **extra):
    body = {"error": code, "message": str(message), **extra}
    return jsonify(body), status


def _page(status: int, message: str | None = None):
    title, default = MESSAGES.get(status, MESSAGES[500])
    return render_template(
        "errors/error.html", status=status, title=title, message=str(message or default)
    ), status


def _http_error(exc: HTTPException):
    """An HTTP error as JSON under /api/, else as the error page; keeps ``Allow`` and
    ``Retry-After``."""
    status = exc.code or 500
    if wants_json():
        title, default = MESSAGES.get(status, (exc.name, exc.description))
        message = API_MESSAGES.get(status, default)
        response, code = api_error(status, CODES.get(status, "error"), message)
    elif status in MESSAGES:
        body, code = _page(status, MESSAGES[429][1] if status == 429 else None)
        response = make_response(body)
    else:
        return exc
    original = exc.get_response().headers
    for name in KEPT_HEADERS:
        if original.get(name):
            response.headers[name] = original[name]
    return response, code


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NUL_MESSAGE = _l(
    "Nội dung gửi lên có ký tự không hợp lệ (ký tự rỗng NUL), thường do sao chép từ một "
    "tệp khác. Vui lòng gõ lại thông tin rồi gửi lại."
)


def init_app(app: Flask) -> None:
    json_input.init_app(app)

    @app.before_request
    def refuse_nul():
        if (request.args and json_input.holds_nul(request.args)) or (
            request.mimetype in FORM_TYPES and json_input.holds_nul(request.form)
        ):
            if wants_json():
                return api_error(422, "validation", NUL_MESSAGE)
            return _page(400, NUL_MESSAGE)
        return None

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        db.session.rollback()
        if wants_json():
            extra = {}
            if isinstance(exc, ValidationFailed):
                extra["fields"] = {name: str(text) for name, text in exc.fields.items()}
            return api_error(exc.status, exc.code, exc.message, **extra)
        # Back to the page the form was on; without a Referer there is no such page (the
        # POST-only URL would answer 405), so the error page says it instead.
        if exc.status in (409, 410, 422) and request.method == "POST" and request.referrer:
            flash(str(exc.message), "danger")
            return redirect(request.referrer)
        return _page(exc.status, exc.message)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        message = _l(
            "Phiên làm việc đã hết hạn hoặc thiếu mã bảo mật. Vui lòng tải lại trang rồi thử lại."
        )
        if wants_json():
            return api_error(400, "csrf", message)
        return _page(400, message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _http_error(exc)

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        db.session.rollback()
        # The type, the place and the stack frames, never the message or the request data:
        # both may hold ID numbers and phones (L2).
        log.error(
            "unhandled %s at %s %s\n%s",
            type(exc).__name__,
            request.method,
            request.path,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise exc
        if wants_json():
            return api_error(500, "server_error", MESSAGES[500][1])
        return _page(500)
