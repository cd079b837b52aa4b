"""One HTTP call to a messaging platform, and what its failures mean for the outbox row."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from workflow.i18n import _

DEFAULT_RATE_LIMIT_SECONDS = 60.0
# Credentials travel in the query (corpsecret, appsecret, access_token, a robot's key, 钉钉's sign): an error
# text is stored in the outbox and shown to admins, so it never carries a query or one of these values.
_SECRET_PARAM = re.compile(r"(access_token|corpsecret|appsecret|appkey|corpid|key|sign|secret|timestamp)=[^&\s'\"),]+",
                           re.IGNORECASE)
_URL_QUERY = re.compile(r"(https?://[^\s'\"?]*|/[^\s'\"?]*)\?[^\s'\")]*")


def redact(text: str) -> str:
    """``text`` without URL queries or ``name=value`` credentials (replaced by ``?…`` / ``name=***``)."""
    return _SECRET_PARAM.sub(lambda m: f"{m.group(1)}=***", _URL_QUERY.sub(lambda m: f"{m.group(1)}?…", text))


def where(url: str) -> str:
    """The scheme, host and path of ``url``: what an error may say about the call (never its query)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


class SendError(Exception):
    """A temporary failure (network, timeout, HTTP 5xx, an unexpected errcode): retried with back-off."""


class PermanentError(SendError):
    """Retrying cannot help (an unknown userid, a channel not configured): the row fails at once."""


class RateLimited(SendError):
    """The platform asks to slow down: the row waits ``retry_after`` seconds, not counted as a failure."""

    def __init__(self, message: str, retry_after: float = DEFAULT_RATE_LIMIT_SECONDS):
        super().__init__(message)
        self.retry_after = retry_after


def retry_after(response: requests.Response, default: float = DEFAULT_RATE_LIMIT_SECONDS) -> float:
    """Seconds from a ``Retry-After`` header (delta-seconds form), else ``default``."""
    raw = response.headers.get("Retry-After", "")
    try:
        return max(1.0, min(float(raw), 3600.0))
    except ValueError:
        return default


def call(method: str, url: str, *, timeout: float, params: dict[str, Any] | None = None,
         json: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON object a platform answered; HTTP 429 → :class:`RateLimited`, other failures → :class:`SendError`."""
    try:
        response = requests.request(method, url, params=params, json=json, timeout=timeout)
    except requests.Timeout as error:
        raise SendError(f"timeout after {timeout:g} s: {type(error).__name__} {where(url)}") from error
    except requests.RequestException as error:  # its text holds the URL with the query: the class name only
        raise SendError(f"{type(error).__name__}: {where(url)}") from error
    if response.status_code == 429:
        raise RateLimited(f"HTTP 429 {where(url)}", retry_after(response))
    if response.status_code >= 400:
        raise SendError(f"HTTP {response.status_code} {where(url)}")
    try:
        data = response.json()
    except ValueError as error:
        raise SendError(f"HTTP {response.status_code}: not JSON {where(url)}") from error
    if not isinstance(data, dict):
        raise SendError(f"HTTP {response.status_code}: not a JSON object {where(url)}")
    return data


def errcode(data: dict[str, Any]) -> int:
    """The ``errcode`` of an answer (0 when absent, -1 when not a number)."""
    try:
        return int(data.get("errcode", 0) or 0)
    except (TypeError, ValueError):
        return -1


@dataclass(frozen=True)
class ErrorCodes:
    """What a platform's ``errcode`` values mean: a stale token, slow down, an unknown person."""

    token: frozenset[int]
    rate_limited: frozenset[int]
    bad_user: frozenset[int]
    bad_user_message: str  # a msgid with %(error)s, translated when raised

    def check(self, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` when its errcode is 0, else the error that tells the outbox what to do with the row."""
        code = errcode(data)
        if code == 0:
            return data
        message = redact(f"errcode {code}: {str(data.get('errmsg', ''))[:200]}")  # some errmsgs echo the request
        if code in self.rate_limited:
            raise RateLimited(message)
        if code in self.bad_user:
            raise PermanentError(_(self.bad_user_message, error=message))
        raise SendError(message)


def fetch_token(url: str, params: dict[str, Any], timeout: float, codes: ErrorCodes) -> tuple[str, int]:
    """``(access_token, expires_in)`` from a platform's ``gettoken``."""
    data = codes.check(call("GET", url, params=params, timeout=timeout))
    token = data.get("access_token")
    if not isinstance(token, str) or not token:
        raise SendError("gettoken: no access_token")
    return token, int(data.get("expires_in", 7200) or 7200)


def post_with_token(url: str, body: dict[str, Any], timeout: float, tokens: Any,
                    codes: ErrorCodes) -> dict[str, Any]:
    """POST ``body`` with the cached access token; a token the platform calls stale is fetched once anew and the
    call made again (the answer is returned unchecked: a caller may read more of it first)."""
    data = call("POST", url, params={"access_token": tokens.get()}, json=body, timeout=timeout)
    if errcode(data) in codes.token:  # expired or revoked meanwhile
        data = call("POST", url, params={"access_token": tokens.refresh()}, json=body, timeout=timeout)
    return data
