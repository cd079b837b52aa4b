"""Domain errors: every refusal of the workflow is one of these.

Each error has a stable machine ``code`` (for the API), an HTTP-ish ``status`` that the
web layer maps in one place, and a message template (Chinese msgid, translated at render
time so the same error can be shown in either language).
"""
from __future__ import annotations

from typing import Any

from workflow.i18n import gettext


class DomainError(Exception):
    """Base class: a refused request that changed nothing."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None, **params: Any):
        super().__init__(message % params if params else message)
        self.template = message
        self.params = params
        self.details = details
        if code:
            self.code = code

    @property
    def message(self) -> str:
        """The message in the current locale."""
        return gettext(self.template, **self.params)

    def to_dict(self) -> dict[str, Any]:
        """The API error body: ``{"error", "message"[, "details"]}``."""
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body


class BadInput(DomainError):
    status, code = 400, "bad_request"


class NotAuthenticated(DomainError):
    status, code = 401, "not_authenticated"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    """Wrong state for the trigger, or a concurrent change (stale version)."""

    status, code = 409, "conflict"


class InvalidState(Conflict):
    code = "invalid_state"


class StaleVersion(Conflict):
    code = "stale_version"


class BlockedByFindings(Conflict):
    code = "blocking_findings"


class TooLarge(DomainError):
    status, code = 413, "too_large"


class ValidationFailed(DomainError):
    """A missing or invalid field (e.g. no reason given)."""

    status, code = 422, "validation_failed"

    def __init__(self, message: str, *, field: str | None = None, **kwargs: Any):
        if field is not None:
            kwargs.setdefault("field", field)  # messages may name the field as %(field)s
        super().__init__(message, **kwargs)
        self.field = field

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        if self.field:
            body["field"] = self.field
        return body


class RateLimited(DomainError):
    """Too many public-form requests (applications, status lookups) from one client within the hour."""

    status, code = 429, "too_many_requests"


class ServiceUnavailable(DomainError):
    """A service Gongkai depends on (e.g. the LDAP directory) is down, slow or misconfigured: HTTP 503."""

    status, code = 503, "service_unavailable"


class TooManyAttempts(DomainError):
    """Login throttled: the caller must wait ``retry_after`` seconds (HTTP 429 + Retry-After)."""

    status, code = 429, "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int, **kwargs: Any):
        super().__init__(message, details={"retry_after": retry_after}, **kwargs)
        self.retry_after = retry_after
