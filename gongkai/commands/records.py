"""``gongkai records export --from --to --output PATH``: the archive export of a period (docs/records.md)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from gongkai.commands.acting import acting


def register(main: click.Group) -> None:
    """Add ``records`` to ``main``."""
    main.add_command(records)


@click.group()
def records() -> None:
    """信息公开保密审查审批表: the archive export (归档)."""


@records.command("export")
@click.option("--from", "start", required=True, metavar="YYYY-MM-DD", help="First publication day (Asia/Shanghai).")
@click.option("--to", "end", required=True, metavar="YYYY-MM-DD", help="Last publication day, included.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The zip to write (must not exist yet).")
@click.option("--as", "as_user", metavar="USERNAME", default=None,
              help="Export as this admin (default: the system actor).")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar on stderr (default: when stderr is a terminal).")
def export(start: str, end: str, output: Path, as_user: str | None, progress: bool | None) -> None:
    """Write the records of the items published from --from to --to: one PDF each and index.csv, in a zip."""
    from tqdm import tqdm

    from gongkai.cli import _app
    from workflow.services.records import export_records
    if output.exists():
        raise click.ClickException(f"{output} exists already; choose another --output")
    app = _app()
    bar: Any = None

    def total(count: int) -> None:
        nonlocal bar
        bar = tqdm(total=count, desc="records", unit=" PDF", disable=None if progress is None else not progress)

    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("xb") as target:
            summary = export_records(app, acting(app, as_user), start, end, target, on_total=total,
                                     progress=lambda done: bar.update(done) if bar is not None else None)
        os.replace(partial, output)  # a half-written export never carries the final name
    finally:
        if bar is not None:
            bar.close()
        partial.unlink(missing_ok=True)
    click.echo(f"{summary.count} records published {summary.period.start.isoformat()} – "
               f"{summary.period.end.isoformat()} written to {output}")
