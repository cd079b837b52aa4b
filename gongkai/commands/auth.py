"""``gongkai user token|tokens|revoke-token|set-password``: API tokens and password resets (docs/security.md)."""
from __future__ import annotations

import sys
from datetime import datetime

import click


def _local(at: datetime | None) -> str:
    from workflow.clock import SHANGHAI
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if at else "-"


def register(main: click.Group) -> None:
    """Add the token and password sub-commands to the ``user`` group of ``gongkai``."""
    from gongkai.cli import _app  # at call time, like the other feature modules: gongkai.cli loads this one
    user = main.commands["user"]
    assert isinstance(user, click.Group)

    @user.command("token")
    @click.argument("name")
    @click.option("--label", default="cli", show_default=True)
    @click.option("--expires-days", type=int, default=None,
                  help="Lifetime in days (default: auth.token_days, 90; at most auth.token_max_days).")
    def user_token(name: str, label: str, expires_days: int | None) -> None:
        """Print a new API token for NAME (shown once; only its hash is stored)."""
        from workflow.services.tokens import create_token
        click.echo(create_token(_app(), name, label, expires_days=expires_days))

    @user.command("tokens")
    @click.argument("name")
    def user_tokens(name: str) -> None:
        """List NAME's API tokens: id, status, label, created, expires, last used (Asia/Shanghai)."""
        from workflow.services.tokens import list_tokens
        rows = list_tokens(_app(), name)
        if not rows:
            click.echo(f"{name} has no API tokens")
            return
        click.echo(f"{'id':>5}  {'status':<8} {'created':<16}  {'expires':<16}  {'last used':<16}  label")
        for row in rows:
            click.echo(f"{row.id:>5}  {row.status:<8} {_local(row.created_at):<16}  {_local(row.expires_at):<16}  "
                       f"{_local(row.last_used_at):<16}  {row.label}")

    @user.command("revoke-token")
    @click.argument("name")
    @click.option("--id", "token_id", type=int, default=None, help="The token's id (see `gongkai user tokens NAME`).")
    @click.option("--all", "all_tokens", is_flag=True, help="Every token of NAME.")
    def user_revoke_token(name: str, token_id: int | None, all_tokens: bool) -> None:
        """Revoke one API token of NAME (--id ID) or all of them (--all); takes effect at once."""
        if (token_id is None) == (not all_tokens):
            raise click.UsageError("give exactly one of --id ID or --all")
        from workflow.services.tokens import revoke_tokens
        revoked = revoke_tokens(_app(), name, token_id=token_id, all_tokens=all_tokens)
        click.echo(f"revoked {len(revoked)} token(s) of {name}" + (f": {', '.join(map(str, revoked))}" if revoked else ""))

    @user.command("set-password")
    @click.argument("name")
    @click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
    def user_set_password(name: str, password_stdin: bool) -> None:
        """Reset NAME's password (the password policy applies); ends all of NAME's sessions."""
        from workflow.services.users import set_password
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("new password", hide_input=True, confirmation_prompt=True)
        ended = set_password(_app(), name, password)
        click.echo(f"password of {name} set; {ended} session(s) ended")
