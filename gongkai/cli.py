"""The ``gongkai`` command line (README.md, "Commands")."""
from __future__ import annotations

import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from workflow.errors import DomainError
from workflow.i18n import set_locale
from workflow.settings import SettingsError

if TYPE_CHECKING:  # importing the context at run time would load SQLAlchemy for every `gongkai --help`
    from workflow.context import Gongkai


def _app() -> Gongkai:
    from workflow.wiring import create_gongkai
    return create_gongkai()


class DomainErrorsAsClickErrors(click.Group):
    """Show domain errors as one clear line and a non-zero exit, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:  # whatever the command returns (click's own type)
        try:
            return super().invoke(ctx)
        except DomainError as error:
            raise click.ClickException(f"{error.message} [{error.code}]") from error
        except SettingsError as error:  # e.g. GONGKAI_DB_POOL_SIZE=ten: one line naming the variable
            raise click.ClickException(str(error)) from error


@click.group(cls=DomainErrorsAsClickErrors)
@click.option("--lang", default=None, help="zh (default) or en")
def main(lang: str | None) -> None:
    """Gongkai (公开): secrecy review and publication of disclosure items."""
    set_locale(lang)


@main.command()
def init() -> None:
    """Create or upgrade the schema and load the 清单 catalogue (idempotent)."""
    from workflow.setup import init as run_init
    app = _app()
    counts = run_init(app)
    click.echo(f"schema up to date ({app.db.dialect}); catalogue: +{counts['categories']} categories, "
               f"+{counts['entries']} entries; +{counts.get('departments', 0)} departments")


@main.command()
@click.option("--if-empty", is_flag=True, help="Only when the database has no items yet.")
def demo(if_empty: bool) -> None:
    """Load demo departments, users (one per role per department) and items in every state."""
    from workflow.demo import DEMO_PASSWORD, load_demo
    app = _app()
    summary = load_demo(app, only_if_empty=if_empty, echo=click.echo)
    if summary is None:
        click.echo("database already has items; demo data not loaded")
        return
    click.echo(f"demo loaded: {summary}")
    click.echo(f"demo password for every demo user: {DEMO_PASSWORD}")


def start_logging(app: Gongkai) -> None:
    """Configure logging from the settings (``GONGKAI_LOG_LEVEL``, ``GONGKAI_LOG_FORMAT``) for a long-running command."""
    from workflow.logs import configure_logging
    configure_logging(app.settings)


def require_schema(app: Gongkai) -> None:
    """Exit non-zero with the (already logged) bilingual message unless the schema is current."""
    from workflow.health import SchemaNotReady, require_current_schema
    try:
        require_current_schema(app)
    except SchemaNotReady:
        sys.exit(1)


def _serve(host: str, port: int, with_scheduler: bool) -> None:
    from waitress import serve

    from web.app import create_app
    from workflow.scheduler import _leave_loop, grace_seconds
    from workflow.shutdown import close_database, graceful_stop, on_termination
    from workflow.health import SchemaNotReady
    app = _app()
    start_logging(app)
    if with_scheduler:
        # `gongkai run` is the one-command setup (make run): bring the schema up to date first.
        from workflow.setup import init as run_init
        run_init(app)
    try:
        flask_app = create_app(app)
    except SchemaNotReady:
        sys.exit(1)  # the message is in the log (standard error) already
    scheduler = None
    if with_scheduler:
        from workflow.scheduler import start_embedded
        scheduler = start_embedded(app)
    # SIGTERM (systemd, docker stop) leaves waitress' loop like Ctrl-C does; waitress then closes its sockets.
    on_termination(_leave_loop)
    click.echo(f"Gongkai is running at http://{host}:{port}/  (public directory: http://{host}:{port}/public/)")
    from workflow.links import loopback_warning
    warning = loopback_warning(app.settings, host)
    if warning:
        click.echo(warning, err=True)
    # A request may hold two pooled connections at once: never more threads than the pool can serve.
    from workflow.context import pool_options
    threads = max(1, min(8, pool_options(app.settings).most // 2))
    idle = True
    try:
        serve(flask_app, host=host, port=port, threads=threads, ident="gongkai")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if scheduler is not None:
            idle = graceful_stop(app, scheduler, scheduler.gongkai_instance, grace_seconds(app))
        else:
            close_database(app)
    click.echo("Gongkai stopped")
    exit_now_if_abandoned(idle)


def exit_now_if_abandoned(idle: bool) -> None:
    """Exit 0 at once when a job thread was abandoned after the grace period (its claims are already released).

    Without this the interpreter would wait for that thread (e.g. a hung SMTP server) at exit.
    """
    if not idle:
        import os
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def run(host: str, port: int) -> None:
    """Web server (waitress) plus one embedded scheduler; runs `gongkai init` first."""
    _serve(host, port, with_scheduler=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def web(host: str, port: int) -> None:
    """Web server only; refuses to start unless the schema is current (production: gunicorn, docs/deploy.md)."""
    _serve(host, port, with_scheduler=False)


@main.group()
def department() -> None:
    """Departments."""


@department.command("add")
@click.argument("code")
@click.argument("name")
def department_add(code: str, name: str) -> None:
    """Add a department."""
    from workflow.services.users import add_department
    add_department(_app(), code, name)
    click.echo(f"department {code} added")


@main.group()
def user() -> None:
    """Users and API tokens."""


@user.command("add")
@click.argument("name")
@click.option("--role", "roles", required=True, help="drafter,reviewer,approver,admin (comma-separated)")
@click.option("--department", "departments", required=True, help="CODE[,CODE] or *")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--email", default=None)
@click.option("--display-name", default="")
@click.option("--head", is_flag=True, help="Department head (receives overdue alerts).")
@click.option("--office-head", is_flag=True, help="Head of the disclosure office (approves extensions).")
def user_add(name: str, roles: str, departments: str, password_stdin: bool, email: str | None,
             display_name: str, head: bool, office_head: bool) -> None:
    """Add a user with roles and department scope."""
    from workflow.services.users import add_user
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    add_user(_app(), name, roles=roles.split(","), departments=departments.split(","), password=password,
             email=email, display_name=display_name, department_head=head, office_head=office_head)
    click.echo(f"user {name} added")


@user.command("grant")
@click.argument("name")
@click.option("--role", "roles", default="", help="drafter,reviewer,approver,admin (comma-separated; empty: none)")
@click.option("--department", "departments", required=True, help="CODE[,CODE] or *")
@click.option("--head/--no-head", default=None, help="Department head (receives overdue alerts).")
def user_grant(name: str, roles: str, departments: str, head: bool | None) -> None:
    """Set a user's roles and department scope (e.g. after a first 统一身份认证 login)."""
    from workflow.services.users import set_access
    set_access(_app(), None, name, roles=roles.split(","), departments=departments.split(","), department_head=head)
    click.echo(f"user {name}: roles {roles or '-'}, departments {departments}")


@main.group()
def calendar() -> None:
    """The working-day calendar."""


@calendar.command("explain")
@click.option("--from", "start", required=True, type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--workdays", required=True, type=int)
def calendar_explain(start: datetime, workdays: int) -> None:
    """Print the deadline N working days after a date, and every day counted or skipped."""
    explanation = _app().calendar.explain(start.date(), workdays)  # click.DateTime always gives a datetime
    click.echo(explanation.as_text())


# Feature modules under gongkai/commands/ that add sub-commands; each has register(main).
FEATURE_COMMANDS: tuple[str, ...] = ("scheduler", "report", "backup", "auth", "audit", "route", "records",
                                     "directory")


def _register_feature_commands() -> None:
    from importlib import import_module
    for module_name in FEATURE_COMMANDS:
        import_module(f"gongkai.commands.{module_name}").register(main)


_register_feature_commands()
