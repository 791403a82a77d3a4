"""Request id and user for every log line, and the X-Request-ID response header."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_user: contextvars.ContextVar[str] = contextvars.ContextVar("user", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def current_request_id() -> str:
    return _request_id.get()


def bind_log_context(*, request_id: str | None = None, user: str | None = None) -> None:
    """Tasks call this so their log lines carry e.g. the scoring run id."""
    if request_id is not None:
        _request_id.set(request_id)
    if user is not None:
        _user.set(user)


class RequestIdMiddleware:
    """Takes a sane X-Request-ID from the proxy or makes one; the user is added once known."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Not reset afterwards: Django logs the response (e.g. "Not Found") after the middleware
        # chain returns, and that line must still carry the id. The next request overwrites it.
        _request_id.set(request_id)
        _user.set("-")
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response

    def process_view(self, request: HttpRequest, *args: object) -> None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            _user.set(user.get_username())


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        record.user = _user.get()
        return True


_make_record = logging.getLogRecordFactory()


def _record_with_context(*args: object, **kwargs: object) -> logging.LogRecord:
    # Every record carries the context from its birth, whichever handler reads it first.
    record = _make_record(*args, **kwargs)
    record.request_id = _request_id.get()
    record.user = _user.get()
    return record


logging.setLogRecordFactory(_record_with_context)


class ClientErrorsOnOneLine(logging.Filter):
    """A refused request (4xx, e.g. "Forbidden (Permission denied)") is the client's answer, not
    a bug: Django logs it with the exception's traceback; this keeps one line, with the reason."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.exc_info and status is not None and 400 <= status < 500:
            reason = str(record.exc_info[1]) if record.exc_info[1] is not None else ""
            record.exc_info = None
            record.exc_text = None
            if reason and isinstance(record.args, tuple):
                record.msg = f"{record.msg} (%s)"
                record.args = (*record.args, reason.encode("unicode_escape").decode("ascii"))
        return True
