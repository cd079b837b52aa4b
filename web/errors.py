"""Maps domain errors and HTTP errors to responses, in one place.

API paths get ``{"error", "message"}`` JSON with the contract's status codes; UI pages get
a friendly HTML page. Bad input never produces a 500.
"""
from __future__ import annotations

import logging

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from workflow.errors import DomainError
from workflow.i18n import gettext as _

log = logging.getLogger("gongkai.web")

HTTP_CODES = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
              422: "validation_failed", 429: "too_many_requests"}
HTTP_MESSAGES = {400: "请求格式有误", 401: "请先登录", 403: "您没有权限访问此页面", 404: "页面或对象不存在",
                 405: "不支持该请求方法", 409: "操作冲突", 413: "请求内容过大", 415: "不支持的内容类型",
                 422: "请求内容无效", 429: "请求过于频繁，请稍后再试"}


def wants_json() -> bool:
    """API calls (and clients asking for JSON) get JSON errors."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _respond(status: int, body: dict[str, object]) -> ResponseReturnValue:
    if wants_json():
        response = jsonify(body)
        response.status_code = status
        return response
    from web.request_log import current_request_id
    try:
        # The request id on the page lets staff quote it; the log has the same id (X-Request-ID header too).
        return render_template("error.html", status=status, message=body.get("message"), body=body,
                               request_id=current_request_id()), status
    except Exception:  # template missing during early start-up: plain text is still a clear answer
        return f"{status} {body.get('message')}", status


def _no_such_object(error: HTTPException) -> bool:
    """A 405 whose path matches no rule of the allowed methods either: an id the converter refused
    (werkzeug lists the methods of rules whose pattern matched before converting, so ``PUT
    /api/v1/routes/0`` was a 405 although ``GET`` of it is a 404). Such a request names no object."""
    from werkzeug.exceptions import NotFound
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in getattr(error, "valid_methods", None) or ():
        try:
            adapter.match(method=method)
            return False
        except NotFound:
            continue
        except HTTPException:
            return False
    return True


def init_app(app: Flask) -> None:
    """Install the handlers."""

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        response = app.make_response(_respond(error.status, error.to_dict()))
        retry_after = getattr(error, "retry_after", None)
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> ResponseReturnValue:
        return _respond(400, {"error": "csrf_failed", "message": _("表单已过期或缺少安全令牌，请刷新页面后重试")})

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        if status == 405 and _no_such_object(error):
            status = 404
        code = HTTP_CODES.get(status, "error")
        message = _(HTTP_MESSAGES[status]) if status in HTTP_MESSAGES else (error.description or "")
        return _respond(status, {"error": code, "message": message})

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        from web.request_log import request_summary
        summary = request_summary()
        log.exception("unhandled error: %s %s (request id %s)", summary["method"], summary["path"],
                      summary["request_id"], extra={"method": summary["method"], "path": summary["path"]})
        return _respond(500, {"error": "internal_error", "message": _("服务器内部错误，已记录，请联系管理员")})
