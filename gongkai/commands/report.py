"""``gongkai report annual --year 2022-2023 --format json|html|docx -o PATH``."""
from __future__ import annotations

import sys

import click

FORMATS = ("json", "html", "docx")


def register(main: click.Group) -> None:
    """Add the ``report`` group to the ``gongkai`` command."""

    @main.group()
    def report() -> None:
        """The yearly disclosure report (信息公开年度报告)."""

    @report.command("annual")
    @click.option("--year", default=None, help="Academic year, e.g. 2022-2023 (default: the last one that ended).")
    @click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
    @click.option("-o", "--output", default="-", show_default=True, help="File to write; - for standard output.")
    @click.option("--no-charts", is_flag=True, help="HTML/DOCX without charts (faster).")
    def annual(year: str | None, fmt: str, output: str, no_charts: bool) -> None:
        """Write the yearly report of an academic year, figures counted from the records."""
        from tqdm import tqdm

        from workflow.wiring import create_gongkai
        from workflow.report import render
        from workflow.services import reports

        app = create_gongkai()
        year = year or reports.current_year(app)
        # The bar goes to stderr so that `-o -` output stays clean; it hides itself off a terminal.
        with tqdm(total=2, desc=f"report {year}", unit="step", file=sys.stderr, disable=None) as bar:
            bar.set_postfix_str("counting records")
            data = reports.annual_report(app, None, year)
            bar.update()
            bar.set_postfix_str(f"rendering {fmt}")
            # no Chinese font for the charts: ChartFontMissing, printed as one line naming the package
            body = render(data, fmt, with_charts=not no_charts, font_dir=reports.font_dir(app))
            bar.update()
        if output == "-":
            sys.stdout.buffer.write(body)
            sys.stdout.buffer.flush()
            return
        with open(output, "wb") as handle:
            handle.write(body)
        click.echo(f"{data.title}: {data.active.total} items published, {data.active.network} via network "
                   f"→ {output} ({len(body)} bytes)", err=True)
