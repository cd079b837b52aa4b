"""APScheduler 3.x with the fixed jobs of Gongkai; every job takes its time from ``app.clock``.

Jobs: ``sweep`` (reminders + instant mail + delivery, every ``scheduler.sweep_seconds``),
``digest`` (09:00 Asia/Shanghai daily; the job itself skips non-working days), ``publish``
(scheduled items whose ``publish_at`` passed), ``display_end`` (公示期满 → archived) and
``calendar_coverage`` (from 1 November, warn the admins once a year when next year has no
official calendar data) and ``audit_anchor`` (daily at ``audit.anchor_time``: the audit chain's
head to the anchors file and the office's mailbox). ``scan`` runs the bounded
attachment self-check for attachments of open items that have no stored scan under the current
scanner fingerprint (after an upgrade or a settings change; uploads are scanned at once). Each sweep also closes applications whose 补正 deadline passed
(``abandon_applications``, 视为放弃) — one indexed query when there is none. Every job is safe with several scheduler processes on one database.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from db.models import Item
from workflow.access import SYSTEM
from workflow.clock import SHANGHAI, local_date
from workflow.errors import Conflict, NotFound
from workflow.liveness import Instance, beat

if TYPE_CHECKING:
    from workflow.context import Gongkai

log = logging.getLogger(__name__)
DISPLAY_END_REASON = "公示期满"

_embedded: BackgroundScheduler | None = None
_embedded_lock = threading.Lock()


def run_sweep(app: "Gongkai") -> dict[str, Any]:
    """Expired 补正 applications closed, reminders due now (stages, then referrals and leak incidents),
    instant mail, then delivery of due outbox mail; then the same for 企业微信 / 钉钉 messages."""
    from workflow.case_reminders import sweep_cases
    from workflow.mailer import deliver
    from workflow.messaging import deliver as im_deliver
    from workflow.messaging import queue as im_queue
    from workflow.reminders import sweep
    now = app.now()
    abandoned = abandon_applications(app)  # before the sweep: a closed application is reminded of nothing
    cases = sweep_cases(app, now)  # before the stage sweep: its instant mail then carries these too
    result = sweep(app, now)
    delivery = deliver(app, now)
    im_queued = im_queue.queue_instant(app, now)  # 企业微信 / 钉钉 (workflow.messaging)
    im = im_deliver.deliver(app, now)
    return {"claimed": result.claimed, "reminders": len(result.notices), "skipped": result.skipped,
            "notified": result.notified, "mails_queued": result.mails_queued,
            "mails_sent": delivery.sent, "mails_retried": delivery.retried, "mails_failed": delivery.failed,
            "im_queued": im_queued, "im_sent": im.sent, "im_retried": im.retried, "im_failed": im.failed,
            "applications_abandoned": len(abandoned), "case_reminders": len(cases)}


def run_digest(app: "Gongkai") -> dict[str, int]:
    """The daily digest of mail and of 企业微信 / 钉钉 (no-op on non-working days), then delivery."""
    from workflow.mailer import deliver, queue_digest
    from workflow.messaging import deliver as im_deliver
    from workflow.messaging import queue as im_queue
    now = app.now()
    queued = queue_digest(app, now)
    delivery = deliver(app, now)
    im_queued = im_queue.queue_digest(app, now)
    im = im_deliver.deliver(app, now)
    return {"digests_queued": queued, "mails_sent": delivery.sent, "mails_retried": delivery.retried,
            "mails_failed": delivery.failed, "im_digests_queued": im_queued, "im_sent": im.sent,
            "im_retried": im.retried, "im_failed": im.failed}


def publish_scheduled(app: "Gongkai", limit: int = 500) -> list[int]:
    """Publish ``scheduled`` items whose ``publish_at`` has come; a concurrent publish is skipped."""
    from workflow.services.items import publish
    now = app.now()
    with app.db.read() as session:
        ids = session.scalars(select(Item.id).where(Item.state == "scheduled", Item.publish_at <= now)
                              .order_by(Item.publish_at).limit(limit)).all()
    return _each(ids, lambda item_id: publish(app, SYSTEM, item_id))


def archive_expired(app: "Gongkai", limit: int = 500) -> list[int]:
    """Archive published items whose 公示期 (``display_until``) has ended."""
    from workflow.services.items import archive
    now = app.now()
    with app.db.read() as session:
        ids = session.scalars(select(Item.id).where(Item.state == "published", Item.display_until < now)
                              .order_by(Item.display_until).limit(limit)).all()
    return _each(ids, lambda item_id: archive(app, SYSTEM, item_id, reason=DISPLAY_END_REASON))


def _each(ids: list[int], action: Callable[[int], Any]) -> list[int]:
    done = []
    for item_id in ids:
        try:
            action(item_id)
            done.append(item_id)
        except (Conflict, NotFound):  # another scheduler got there first, or it changed meanwhile
            log.info("item %s skipped (changed concurrently)", item_id)
    return done


def check_calendar_coverage(app: "Gongkai") -> int:
    """From 1 November: tell every admin once per year when next year lacks calendar data."""
    from workflow.i18n import _
    from workflow.notifications import Directory, notify
    now = app.now()
    today = local_date(now)
    year = today.year + 1
    if today.month < 11 or app.calendar.is_covered(year):
        return 0
    title = _("%(year)s 年工作日历尚未发布", year=year)
    body = _("系统中没有 %(year)s 年的法定节假日与调休安排，该年的期限按仅排除周末估算并标记为“估算”。"
             "请在国务院办公厅发布通知后补充日历。", year=year)
    with app.db.write() as session:
        admins = Directory(session).get("admin", None)
        told = notify(session, admins, kind="calendar_coverage", key=f"calendar:{year}", title=title, body=body,
                      now=now)
    return len(told)


def abandon_applications(app: "Gongkai") -> list[int]:
    """Close applications whose supplement (补正) deadline has passed as 视为放弃.

    Idempotent and safe with several schedulers: each application is closed in its own
    transaction after a re-check, and one closed concurrently by another process is skipped.
    """
    from workflow.services.applications import abandon_expired
    return abandon_expired(app)


def anchor_audit(app: "Gongkai") -> dict[str, Any]:
    """Daily: write the audit chain's head outside the database (workflow/audit_anchor.py)."""
    from workflow.audit_anchor import run_daily
    return run_daily(app)


def scan_attachments(app: "Gongkai") -> int:
    """Attachments of open items without a scan under the current scanner fingerprint, a few per run; then
    attachments whose text the full-text search lacks (docs/search.md), a few per run."""
    from workflow.attachment_scans import extract_for_search, scan_pending
    batch = int(app.settings.get("scan_worker.batch", 20))
    return scan_pending(app, batch) + extract_for_search(app, batch)


def sync_directory(app: "Gongkai") -> dict[str, Any]:
    """Daily when LDAP is enabled: the directory sync (workflow/identity/directory_sync.py), as the system."""
    from workflow.identity.directory_sync import sync
    return sync(app).summary()


JOBS: dict[str, Callable[["Gongkai"], Any]] = {
    "sweep": run_sweep, "digest": run_digest, "publish": publish_scheduled, "display_end": archive_expired,
    "calendar_coverage": check_calendar_coverage, "audit_anchor": anchor_audit,
    "scan": scan_attachments, "directory_sync": sync_directory,
}


def describe(outcome: Any) -> str:
    """A job's result as ``key=value`` figures for the log and the heartbeat row."""
    if isinstance(outcome, dict):
        return " ".join(f"{key}={value}" for key, value in outcome.items())
    if isinstance(outcome, (list, tuple, set)):
        return f"items={len(outcome)}"
    return f"result={outcome}"


def _guarded(app: "Gongkai", name: str, instance: Instance | None = None) -> Callable[[], None]:
    job = JOBS[name]

    def run() -> None:
        from workflow.shutdown import stop_requested
        if stop_requested():  # a stopping process takes no new job
            return
        if instance is not None:
            instance.job_started()
        started, ok, summary = time.monotonic(), False, "interrupted"
        try:
            summary = describe(job(app))
            ok = True
            log.info("job %s done in %.2f s: %s", name, time.monotonic() - started, summary)
        except Exception as error:  # a failing job must not stop the scheduler; the next run retries
            summary = f"{type(error).__name__}: {error}"
            log.exception("job %s failed after %.2f s", name, time.monotonic() - started)
        finally:
            if instance is not None:
                instance.job_finished(name, ok, summary, app.now())
    run.__name__ = f"gongkai_{name}"
    return run


def _heartbeat(app: "Gongkai", instance: Instance) -> Callable[[], None]:
    def run() -> None:
        try:
            beat(app, instance)
        except Exception:  # the next beat retries; admins see the gap on the overdue page
            log.exception("scheduler heartbeat failed")
    run.__name__ = "gongkai_heartbeat"
    return run


def add_jobs(scheduler: Any, app: "Gongkai", instance: Instance | None = None) -> Any:
    """Register the fixed jobs on ``scheduler`` (and the heartbeat of ``instance``)."""
    every = int(app.settings.get("scheduler.sweep_seconds", 60))
    hour, minute = (int(part) for part in str(app.settings.get("mail.digest_time", "09:00")).split(":"))
    common = {"max_instances": 1, "coalesce": True, "replace_existing": True, "misfire_grace_time": 300}

    def job(name: str) -> Callable[[], None]:
        return _guarded(app, name, instance)
    scheduler.add_job(job("sweep"), IntervalTrigger(seconds=every), id="sweep", **common)
    scheduler.add_job(job("digest"), CronTrigger(hour=hour, minute=minute, timezone=SHANGHAI),
                      id="digest", **common)
    scheduler.add_job(job("publish"), IntervalTrigger(seconds=every), id="publish", **common)
    scheduler.add_job(job("display_end"), IntervalTrigger(seconds=every * 5), id="display_end", **common)
    scheduler.add_job(job("scan"), IntervalTrigger(seconds=every), id="scan", **common)
    scheduler.add_job(job("calendar_coverage"), CronTrigger(hour=8, minute=30, timezone=SHANGHAI),
                      id="calendar_coverage", **common)
    a_hour, a_minute = (int(part) for part in str(app.settings.get("audit.anchor_time", "02:30")).split(":"))
    scheduler.add_job(job("audit_anchor"), CronTrigger(hour=a_hour, minute=a_minute, timezone=SHANGHAI),
                      id="audit_anchor", **common)
    if app.settings.get("auth.ldap.enabled", False):
        d_hour, d_minute = (int(part) for part in str(app.settings.get("auth.ldap.sync.time", "02:30")).split(":"))
        scheduler.add_job(job("directory_sync"), CronTrigger(hour=d_hour, minute=d_minute, timezone=SHANGHAI),
                          id="directory_sync", **common)
    if instance is not None:
        beat_every = int(app.settings.get("liveness.heartbeat_seconds", 60))
        scheduler.add_job(_heartbeat(app, instance), IntervalTrigger(seconds=beat_every), id="heartbeat", **common)
    return scheduler


def build_scheduler(app: "Gongkai", blocking: bool = False, instance: Instance | None = None) -> Any:
    """A Background- or BlockingScheduler with the fixed jobs (not started); ``.gongkai_instance`` names it."""
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = add_jobs(cls(timezone=SHANGHAI), app, instance)
    scheduler.gongkai_instance = instance
    return scheduler


def start_embedded(app: "Gongkai") -> BackgroundScheduler:
    """Start the one in-process scheduler of ``gongkai run``; a second call returns the same one."""
    global _embedded
    from workflow.shutdown import reset
    with _embedded_lock:
        if _embedded is None or not _embedded.running:
            reset()
            instance = Instance(started_at=app.now())
            _heartbeat(app, instance)()  # at start: admins see a live scheduler at once
            _embedded = build_scheduler(app, instance=instance)
            _embedded.start()
        return _embedded


def stop_embedded() -> None:
    """Stop the embedded scheduler (tests, shutdown)."""
    global _embedded
    with _embedded_lock:
        if _embedded is not None and _embedded.running:
            _embedded.shutdown(wait=False)
        _embedded = None


def run_blocking(app: "Gongkai") -> bool:
    """``gongkai scheduler``: run the jobs in the foreground until SIGTERM/SIGINT, then stop gracefully.

    Returns True when every job had finished by the end of the stop (False: one was abandoned
    after ``liveness.shutdown_grace_seconds``; the caller should then exit without waiting for it).
    """
    from workflow.shutdown import graceful_stop, on_termination, reset
    reset()
    instance = Instance(started_at=app.now())
    scheduler = build_scheduler(app, blocking=True, instance=instance)
    on_termination(_leave_loop)
    try:
        _heartbeat(app, instance)()
        for name in ("sweep", "publish"):  # catch up at once instead of waiting a whole interval
            _guarded(app, name, instance)()
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    return graceful_stop(app, scheduler, instance, grace_seconds(app))


def _leave_loop() -> None:
    # Raised in the main thread: it leaves BlockingScheduler's wait (or waitress' loop) at once.
    raise SystemExit(0)


def grace_seconds(app: "Gongkai") -> float:
    """How long a stop waits for a running job (``liveness.shutdown_grace_seconds``)."""
    return float(app.settings.get("liveness.shutdown_grace_seconds", 30))
