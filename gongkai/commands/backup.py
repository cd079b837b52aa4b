"""``gongkai backup --output PATH`` and ``gongkai restore PATH`` (docs/backup.md)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import click


def register(main: click.Group) -> None:
    """Add the sub-commands to ``main``."""
    main.add_command(backup)
    main.add_command(restore)


class _Bar:
    """A tqdm progress bar on stderr (hidden when stderr is not a terminal unless asked for)."""

    def __init__(self, label: str, show: bool | None):
        self.label, self.show = label, show
        self.bar: Any = None

    def total(self, rows: int) -> None:
        from tqdm import tqdm
        self.bar = tqdm(total=rows, desc=self.label, unit=" rows", disable=None if self.show is None else not self.show,
                        leave=False)

    def update(self, rows: int) -> None:
        if self.bar is not None:
            self.bar.update(rows)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def callbacks(self) -> dict[str, Callable[[int], Any]]:
        return {"on_total": self.total, "progress": self.update}


_PROGRESS = click.option("--progress/--no-progress", default=None,
                         help="Show a progress bar on stderr (default: when stderr is a terminal).")


@click.command()
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The backup file to write (must not exist yet).")
@_PROGRESS
def backup(output: Path, progress: bool | None) -> None:
    """Write a consistent backup of the whole database (attachments included) to --output."""
    from gongkai.cli import _app
    from workflow.backup import backup as run_backup
    app = _app()
    bar = _Bar("backup", progress)
    try:
        summary = run_backup(app.db, output, created_at=app.now(), **bar.callbacks())
    finally:
        bar.close()
    click.echo(f"backup written: {summary.path} ({summary.rows} rows in {len(summary.counts)} tables, "
               f"schema {', '.join(summary.revision)}, sha256 {summary.sha256})")


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@_PROGRESS
def restore(path: Path, progress: bool | None) -> None:
    """Restore a backup into the EMPTY database named by GONGKAI_DATABASE_URL (checked first, all or nothing)."""
    from gongkai.cli import _app
    from workflow.backup import restore as run_restore
    app = _app()
    bar = _Bar("restore", progress)
    try:
        summary = run_restore(app.db, path, **bar.callbacks())
    finally:
        bar.close()
    click.echo(f"restored {summary.rows} rows in {len(summary.counts)} tables from {summary.path} "
               f"(schema {', '.join(summary.revision)}, sha256 {summary.sha256}); "
               "check it with: gongkai audit verify")
