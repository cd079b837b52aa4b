"""``gongkai directory sync [--dry-run] [--force] [--as USER]``: mirror the LDAP / AD directory (docs/integration.md)."""
from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Add the ``directory`` group to ``main``."""
    main.add_command(directory)


@click.group()
def directory() -> None:
    """The LDAP / Active Directory directory ([auth.ldap] settings)."""


@directory.command("sync")
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
@click.option("--force", is_flag=True, help="Apply even when more than auth.ldap.sync.max_deactivate_share would be deactivated.")
@click.option("--as", "as_user", default=None, help="Record the changes as this active user (default: system).")
def directory_sync(dry_run: bool, force: bool, as_user: str | None) -> None:
    """Create new staff and departments, apply moves and renames, deactivate leavers, reactivate returners.

    Prints one line per change, progress per batch, and the counts per kind of change.
    """
    from gongkai.cli import _app
    from gongkai.commands.acting import acting
    from workflow.identity.directory_sync import sync
    app = _app()
    actor = acting(app, as_user)

    def progress(done: int, total: int) -> None:
        click.echo(f"  … {done}/{total} changes written", err=True)
    report = sync(app, actor=actor, dry_run=dry_run, force=force, progress=progress)
    click.echo(f"directory: {report.people_seen} people, {report.departments_seen} departments")
    for change in report.changes:
        click.echo(("would " if dry_run else "") + change.describe())
    for reason in report.skipped:
        click.echo(f"skipped: {reason}")
    counts = ", ".join(f"{action.removeprefix('directory_')}={count}" for action, count in report.counts().items())
    verb = "would change" if dry_run else "changed"
    click.echo(f"{verb} {len(report.changes)}: {counts}; skipped {len(report.skipped)}")
    if dry_run:
        click.echo("dry run: nothing was changed")
