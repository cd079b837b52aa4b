"""One HTTP call to a messaging platform, and what its failures mean for the outbox row."""
from __future__ import annotations

from typing import Any

import requests

DEFAULT_RATE_LIMIT_SECONDS = 60.0


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
        raise SendError(f"timeout after {timeout:g} s: {type(error).__name__}") from error
    except requests.RequestException as error:
        raise SendError(f"{type(error).__name__}: {error}"[:500]) from error
    if response.status_code == 429:
        raise RateLimited("HTTP 429", retry_after(response))
    if response.status_code >= 400:
        raise SendError(f"HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError as error:
        raise SendError(f"HTTP {response.status_code}: not JSON") from error
    if not isinstance(data, dict):
        raise SendError(f"HTTP {response.status_code}: not a JSON object")
    return data


def errcode(data: dict[str, Any]) -> int:
    """The ``errcode`` of an answer (0 when absent, -1 when not a number)."""
    try:
        return int(data.get("errcode", 0) or 0)
    except (TypeError, ValueError):
        return -1
