"""Logging setup: plain text or JSON lines, the level, bound fields (request id), validation."""
from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest

from workflow import logs
from workflow.settings import SettingsError, load_settings


def _capture(settings, gunicorn: bool = False) -> tuple[io.StringIO, logging.Handler]:
    """Build the handler ``configure_logging`` would install, writing to a buffer instead of stderr."""
    config = logs.logging_config(settings, gunicorn=gunicorn)
    buffer = io.StringIO()
    formatter = config["formatters"][config["handlers"]["stderr"]["formatter"]]["()"]()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(formatter)
    return buffer, handler


def _log_through(handler: logging.Handler, name: str, emit) -> None:
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)


def test_json_format_is_one_object_per_line_with_bound_and_extra_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGKAI_LOG_FORMAT", "json")
    buffer, handler = _capture(load_settings())

    def emit(logger: logging.Logger) -> None:
        token = logs.bind(request_id="abc123")
        try:
            logger.info("GET %s %s", "/public/", 200, extra={"status": 200, "duration_ms": 3.5, "user_id": None})
            try:
                raise ValueError("bad 值")
            except ValueError:
                logger.exception("failed\nsecond line")
        finally:
            logs.reset(token)
        logger.warning("outside a request")

    _log_through(handler, "gongkai.test.json", emit)
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 3  # a traceback or a newline in a message never breaks the one-line-per-record rule
    first, second, third = (json.loads(line) for line in lines)
    assert first["message"] == "GET /public/ 200" and first["level"] == "INFO" and first["logger"] == "gongkai.test.json"
    assert (first["request_id"], first["status"], first["duration_ms"], first["user_id"]) == ("abc123", 200, 3.5, None)
    assert first["time"].endswith("+00:00") and isinstance(first["pid"], int)
    assert second["request_id"] == "abc123" and "ValueError: bad 值" in second["exception"]
    assert "request_id" not in third


def test_text_format_shows_the_request_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GONGKAI_LOG_FORMAT", raising=False)
    buffer, handler = _capture(load_settings())

    def emit(logger: logging.Logger) -> None:
        token = logs.bind(request_id="abc123")
        logger.info("POST /login 302 12.0ms user=3", extra={"status": 302})
        logs.reset(token)

    _log_through(handler, "gongkai.test.text", emit)
    line = buffer.getvalue().strip()
    assert line.endswith("gongkai.test.text [request_id=abc123] POST /login 302 12.0ms user=3") and " INFO " in line


def test_level_and_gunicorn_loggers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGKAI_LOG_LEVEL", "warning")
    config = logs.logging_config(load_settings(), gunicorn=True)
    assert config["root"]["level"] == "WARNING"
    assert config["loggers"]["gunicorn.error"] == {"level": "WARNING", "handlers": [], "propagate": True}
    assert config["loggers"]["gunicorn.access"]["propagate"] is False  # the app logs requests itself


@pytest.mark.parametrize(("name", "value"), [("GONGKAI_LOG_FORMAT", "xml"), ("GONGKAI_LOG_LEVEL", "LOUD")])
def test_bad_values_are_refused_naming_the_setting(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        logs.logging_config(load_settings())


def test_configure_logging_installs_one_stderr_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    monkeypatch.setenv("GONGKAI_LOG_FORMAT", "json")
    try:
        logs.configure_logging(load_settings())
        [handler] = root.handlers
        assert isinstance(handler.formatter, logs.JsonFormatter) and root.level == logging.INFO
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
