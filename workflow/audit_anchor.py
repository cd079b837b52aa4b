"""Anchors: the chain's head written outside the database (docs/audit.md).

An anchor is one JSON line ``{"seq", "hash", "count", "key_id", "event_at", "anchored_at"}``
appended to the anchors file (``audit.anchors_file``, in the instance folder by default) and,
when ``audit.anchor_mail_to`` names the office's address, mailed there through the outbox.
``gongkai audit anchor`` writes one; the scheduler does it daily (job ``audit_anchor``).
``verify`` then requires every anchored event to be unchanged and the chain to reach the
newest anchor — which catches deleting the newest events and rewriting the whole chain,
neither of which the chain alone can show.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from db.models import AuditEvent
from workflow.audit import GENESIS_HASH
from workflow.clock import SHANGHAI
from workflow.errors import DomainError
from workflow.i18n import gettext as _

if TYPE_CHECKING:
    from workflow.context import Gongkai

DEFAULT_ANCHORS_FILE = "audit_anchors.jsonl"


class AnchorFileError(DomainError):
    """The anchors file cannot be read or has a malformed line."""

    status, code = 503, "audit_anchors_unreadable"


@dataclass(frozen=True)
class Anchor:
    """The head of the chain at one moment."""

    seq: int
    hash: str
    count: int
    key_id: str | None
    event_at: datetime | None
    anchored_at: datetime

    def to_json(self) -> str:
        """One line of the anchors file."""
        record: dict[str, Any] = asdict(self)
        record["event_at"] = self.event_at.isoformat() if self.event_at else None
        record["anchored_at"] = self.anchored_at.isoformat()
        return json.dumps(record, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, line: str) -> "Anchor":
        record = json.loads(line)
        event_at = record.get("event_at")
        return cls(int(record["seq"]), str(record["hash"]), int(record["count"]), record.get("key_id"),
                   datetime.fromisoformat(event_at) if event_at else None,
                   datetime.fromisoformat(record["anchored_at"]))


def anchors_path(app: "Gongkai") -> Path:
    """The anchors file: ``audit.anchors_file``, relative to the instance folder."""
    path = Path(str(app.settings.get("audit.anchors_file", DEFAULT_ANCHORS_FILE) or DEFAULT_ANCHORS_FILE))
    path = path.expanduser()
    return path if path.is_absolute() else app.settings.instance_dir / path


def head(app: "Gongkai") -> Anchor:
    """The chain's newest event and the number of events, as an anchor taken now."""
    with app.db.read() as session:
        last = session.execute(select(AuditEvent.seq, AuditEvent.hash, AuditEvent.key_id, AuditEvent.at)
                               .order_by(AuditEvent.seq.desc()).limit(1)).first()
        count = int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
    if last is None:
        return Anchor(0, GENESIS_HASH, 0, None, None, app.now())
    return Anchor(int(last.seq), last.hash, count, last.key_id, last.at, app.now())


def read_anchors(path: Path) -> list[Anchor]:
    """Every anchor of ``path`` in file order; an absent file has none."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    except OSError as error:
        raise AnchorFileError("无法读取审计锚点文件 %(path)s：%(error)s", path=str(path), error=str(error)) from error
    anchors = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            anchors.append(Anchor.from_json(line))
        except (ValueError, KeyError, TypeError) as error:
            raise AnchorFileError("审计锚点文件 %(path)s 第 %(line)s 行格式错误", path=str(path),
                                  line=number) from error
    return anchors


def append_anchor(path: Path, anchor: Anchor) -> bool:
    """Append ``anchor`` to ``path``; False when the last line already anchors the same head
    (two schedulers ran the daily job)."""
    existing = read_anchors(path)
    if existing and (existing[-1].seq, existing[-1].hash) == (anchor.seq, anchor.hash):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(anchor.to_json() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return True


def mail_anchor(app: "Gongkai", anchor: Anchor) -> bool:
    """Queue a mail of ``anchor`` to ``audit.anchor_mail_to`` (delivered by the sweep with the
    usual retries); once per head. False when no address is set or it was already queued."""
    from db.models import OutboxMail
    from workflow.notifications import insert_ignore  # once per head, even with two schedulers
    to = str(app.settings.get("audit.anchor_mail_to", "") or "").strip()
    if not to:
        return False
    when = anchor.anchored_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    subject = _("审计链锚点 %(date)s：共 %(count)s 条事件", date=when, count=anchor.count)
    body = _("请保存本邮件，核查审计记录时使用（gongkai audit verify --anchors）。\n\n"
             "序号：%(seq)s\n哈希：%(hash)s\n事件数：%(count)s\n密钥：%(key_id)s\n锚定时间：%(date)s\n\n"
             "锚点（JSON）：\n%(json)s", seq=anchor.seq, hash=anchor.hash, count=anchor.count,
             key_id=anchor.key_id or "—", date=when, json=anchor.to_json())
    row = {"idempotency_key": f"audit-anchor:{anchor.seq}:{anchor.hash}"[:200], "user_id": None, "to_addr": to,
           "subject": subject[:300], "body": body, "kind": "audit_anchor", "state": "queued", "attempts": 0,
           "next_attempt_at": anchor.anchored_at, "claimed_at": None, "last_error": None,
           "created_at": anchor.anchored_at, "sent_at": None}
    with app.db.write() as session:
        statement = insert_ignore(session, OutboxMail.__table__).returning(OutboxMail.idempotency_key)
        return bool(session.execute(statement, row).all())


@dataclass(frozen=True)
class AnchorResult:
    """What one anchoring did."""

    anchor: Anchor
    path: Path
    written: bool
    mailed: bool


def anchor(app: "Gongkai", output: Path | None = None, mail: bool = True) -> AnchorResult:
    """Write the chain's head to the anchors file (or ``output``) and mail it to the office."""
    current = head(app)
    path = output or anchors_path(app)
    written = append_anchor(path, current)
    mailed = mail_anchor(app, current) if mail else False
    return AnchorResult(current, path, written, mailed)


def run_daily(app: "Gongkai") -> dict[str, Any]:
    """The scheduler's ``audit_anchor`` job."""
    result = anchor(app)
    return {"seq": result.anchor.seq, "count": result.anchor.count, "written": result.written,
            "mailed": result.mailed}

