"""``gongkai scheduler`` (the job runner) and ``gongkai sweep --now`` (one sweep at a given time)."""
from __future__ import annotations

from datetime import datetime

import click


def register(main: click.Group) -> None:
    """Add the sub-commands to ``main``."""
    main.add_command(scheduler)
    main.add_command(sweep)


@click.command()
def scheduler() -> None:
    """Run the scheduler (sweep, digest, scheduled publish, 公示期 end, calendar check) in the foreground.

    SIGTERM or Ctrl-C stops it gracefully: no new job, the running one may finish
    (``liveness.shutdown_grace_seconds``), claims are handed back, SQLite's WAL is checkpointed; exit 0.
    """
    from gongkai.cli import _app, exit_now_if_abandoned, require_schema, start_logging
    from workflow.scheduler import run_blocking
    app = _app()
    start_logging(app)
    require_schema(app)
    click.echo("gongkai scheduler started (SIGTERM or Ctrl-C to stop)")
    idle = run_blocking(app)
    click.echo("gongkai scheduler stopped")
    exit_now_if_abandoned(idle)


@click.command()
@click.option("--now", "at", default=None, help="ISO time to sweep at, e.g. 2025-10-31T09:00+08:00 (default: now)")
@click.option("--batch", default=500, show_default=True, type=int, help="Reminders claimed per transaction.")
@click.option("--deliver/--no-deliver", default=False, help="Also send due outbox mail over SMTP.")
def sweep(at: str | None, batch: int, deliver: bool) -> None:
    """One reminder sweep as if at --now; prints one line per new notification (rung, item, title, recipients)."""
    from gongkai.cli import _app
    from workflow.clock import FixedClock, ensure_aware
    from workflow.case_reminders import sweep_cases
    from workflow.reminders import sweep as run_sweep
    app = _app()
    if at:
        try:
            moment = ensure_aware(datetime.fromisoformat(at))
        except ValueError:
            raise click.BadParameter(f"not an ISO time: {at}", param_hint="--now") from None
        app.clock = FixedClock(moment)
    cases = sweep_cases(app, app.now())  # referrals to the secrecy authority, leak incidents
    result = run_sweep(app, app.now(), batch_size=batch)
    result.notices[:0] = cases
    for notice in result.notices:
        click.echo(notice.line())
    if deliver:
        from workflow.mailer import deliver as send
        outcome = send(app, app.now())
        click.echo(f"mail: {outcome.sent} sent, {outcome.retried} to retry, {outcome.failed} failed", err=True)
    click.echo(f"{len(result.notices)} reminders, {result.notified} notifications, "
               f"{result.mails_queued} mails queued", err=True)
