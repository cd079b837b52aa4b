"""Is this process fit to serve? The schema check at start-up and the readiness probe (``/readyz``).

A web process started against an empty or out-of-date database used to serve anyway (login
worked, every data page was a 500). ``require_current_schema`` stops it with a message that
names the database, the revision found and the one expected, and what to run; ``readiness``
answers the same question on every probe, so a schema set back under a running process turns
the probe red.

The start-up messages are for the operator's terminal and log, in Chinese and English at
once (the process has no user's locale yet), not through gettext.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from db.migrate import SchemaState, head_revisions, schema_state
from workflow.context import Gongkai

log = logging.getLogger("gongkai.health")

_MESSAGES = {
    "missing": ("数据库中没有 Gongkai 的表结构（当前版本：无；需要版本：{expected}）。请先运行 `gongkai init`。",
                "The database has no Gongkai schema (current revision: none, expected: {expected}). "
                "Run `gongkai init` first."),
    "behind": ("数据库表结构版本落后（当前版本：{current}；需要版本：{expected}）。请先运行 `gongkai init` 升级。",
               "The database schema is behind (current revision: {current}, expected: {expected}). "
               "Run `gongkai init` to upgrade it."),
    "unknown": ("数据库表结构版本 {current} 不属于本程序（需要版本：{expected}），可能已由更新的版本升级。"
                "请部署与数据库一致的程序版本（`gongkai init` 不会降级）。",
                "The database is at revision {current}, which this code does not know (expected: {expected}); "
                "it was probably migrated by a newer version. Deploy the matching code (`gongkai init` never "
                "downgrades)."),
    "unavailable": ("无法连接数据库（{error}）。", "Cannot reach the database ({error})."),
}


class SchemaNotReady(RuntimeError):
    """The database cannot be served by this code. A RuntimeError so that gunicorn with
    ``preload_app`` prints it as one ``Error:`` line and exits 1 instead of a worker boot loop."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Readiness:
    """The answer of ``/readyz``."""

    ready: bool
    reason: str                 # ok | database_unavailable | schema_missing | schema_behind | schema_unknown
    message: str                # bilingual, without the database URL (the probe needs no login)
    current: tuple[str, ...] = ()
    expected: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"status": "ready" if self.ready else "not_ready", "reason": self.reason, "message": self.message,
                "schema": {"current": list(self.current), "expected": list(self.expected)}}


def _revisions(revisions: tuple[str, ...]) -> str:
    return ", ".join(revisions) or "-"


def _message(kind: str, **values: str) -> str:
    chinese, english = _MESSAGES[kind]
    return chinese.format(**values) + "\n" + english.format(**values)


def _describe(state: SchemaState) -> str:
    return _message(state.status, current=_revisions(state.current), expected=_revisions(state.expected))


def readiness(app: Gongkai) -> Readiness:
    """Does the database answer, and is its schema the one this code expects? Two small queries."""
    expected = head_revisions()
    try:
        state = schema_state(app.db)
    except Exception as error:  # any driver error means "not ready", never a 500 from the probe
        log.warning("readiness: database %s unavailable: %s", app.db.display_url(), " ".join(str(error).split()))
        # The class name only: a driver message may name hosts and users, and the probe needs no login.
        return Readiness(False, "database_unavailable", _message("unavailable", error=error.__class__.__name__),
                         (), expected)
    if state.up_to_date:
        return Readiness(True, "ok", "ok", state.current, state.expected)
    return Readiness(False, f"schema_{state.status}", _describe(state), state.current, state.expected)


def require_current_schema(app: Gongkai) -> None:
    """Refuse to start (``SchemaNotReady``, logged at CRITICAL) unless the schema is exactly current."""
    where = f"数据库 / database: {app.db.display_url()}\n"
    try:
        state = schema_state(app.db)
    except Exception as error:
        problem = SchemaNotReady("database_unavailable",
                                 where + _message("unavailable", error=" ".join(str(error).split())[:300]))
    else:
        if state.up_to_date:
            # Leave no idle connection behind: a gunicorn master (preload_app) would hold it for its lifetime.
            app.db.engine.dispose()
            return
        problem = SchemaNotReady(f"schema_{state.status}", where + _describe(state))
    log.critical("Gongkai 拒绝启动 / refusing to start:\n%s", problem.message)
    raise problem
