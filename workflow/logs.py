"""Logging for every Gongkai process: ``configure_logging(settings)``.

One handler on the root logger, to standard error (systemd's journal, or whatever runs the
process, keeps it): plain text by default, one JSON object per line with
``GONGKAI_LOG_FORMAT=json`` (``[logging] format``), level ``GONGKAI_LOG_LEVEL``.

``log_context(request_id=…)`` binds fields to every record logged until it is reset — the web
binds the request id per request, the scheduler can bind a job name — so a traceback logged
deep inside a verb still carries the request id a user quotes from the error page.
gunicorn's own loggers are routed through the same handler (``logging_config(…, gunicorn=True)``,
used by config/gunicorn_conf.py), with its access log switched off in favour of the app's request log.
"""
from __future__ import annotations

import json
import logging
import logging.config
from contextvars import ContextVar, Token
from datetime import datetime, timezone
from typing import Any

from workflow.settings import Settings, SettingsError

FORMATS = ("text", "json")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

_context: ContextVar[dict[str, Any]] = ContextVar("gongkai_log_context", default={})

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is a field.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


def bind(**fields: Any) -> Token:
    """Add ``fields`` to every record logged in this context (thread / task); returns the reset token."""
    return _context.set({**_context.get(), **fields})


def reset(token: Token) -> None:
    """Undo a ``bind``."""
    _context.reset(token)


def context_fields() -> dict[str, Any]:
    """The fields bound now (a copy)."""
    return dict(_context.get())


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The bound context plus the ``extra=`` fields of one record."""
    fields = context_fields()
    fields.update({key: value for key, value in vars(record).items() if key not in _STANDARD})
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, pid, message, bound and extra fields,
    and ``exception`` with the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        for key, value in record_fields(record).items():
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``2026-11-30 09:00:00,123 INFO [pid] logger [request_id=…] message`` (bound fields only; the
    ``extra=`` fields of a record are for JSON, its message already says them)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s [%(process)d] %(name)s%(context)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        bound = context_fields()
        record.context = (" [" + " ".join(f"{k}={v}" for k, v in bound.items()) + "]") if bound else ""
        try:
            return super().format(record)
        finally:
            del record.context


def _choice(settings: Settings, key: str, allowed: tuple[str, ...], env: str, default: str) -> str:
    value = str(settings.get(key, default)).strip()
    normalised = value.upper() if allowed is LEVELS else value.lower()
    if normalised not in allowed:
        raise SettingsError(f"{env} ({key}) must be one of {', '.join(allowed)}, not {value!r}")
    return normalised


def log_level(settings: Settings) -> str:
    """``[logging] level`` / ``GONGKAI_LOG_LEVEL``, validated."""
    return _choice(settings, "logging.level", LEVELS, "GONGKAI_LOG_LEVEL", "INFO")


def log_format(settings: Settings) -> str:
    """``[logging] format`` / ``GONGKAI_LOG_FORMAT``, validated."""
    return _choice(settings, "logging.format", FORMATS, "GONGKAI_LOG_FORMAT", "text")


def logging_config(settings: Settings, gunicorn: bool = False) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dictionary; with ``gunicorn`` it also takes over gunicorn's loggers
    (gunicorn's ``logconfig_dict``)."""
    level = log_level(settings)
    formatter = "json" if log_format(settings) == "json" else "text"
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"text": {"()": TextFormatter}, "json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                                "formatter": formatter}},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            # Chatty at INFO: every HTTP request again, in their own format. The app logs requests itself.
            "waitress": {"level": "WARNING"},
            "alembic.runtime.plugins": {"level": "WARNING"},  # one line per plugin on every start
            # "Running job …" / "executed successfully" twice per job run, every few seconds: the
            # scheduler logs what its jobs did itself (gongkai.scheduler); APScheduler's warnings remain.
            "apscheduler.executors.default": {"level": "WARNING"},
            # "Adding job tentatively" / "Added job" once per job at every start: workflow.scheduler says it once.
            "apscheduler.scheduler": {"level": "WARNING"},
        },
    }
    if gunicorn:
        config["loggers"].update({
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            # Access log off: the app's request log (web/request_log.py) has the request id and the user.
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        })
    return config


def configure_logging(settings: Settings) -> None:
    """Install Gongkai's logging for this process (``gongkai run``, ``web``, ``scheduler``; gunicorn's config)."""
    logging.config.dictConfig(logging_config(settings))
    logging.captureWarnings(True)
