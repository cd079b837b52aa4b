"""Who may log in with a local password (``[auth] local_login``, ``break_glass_users``; docs/integration.md).

``"all"``: everyone with a password (the default; the demo needs it). ``"break_glass"``: only the accounts
named in ``break_glass_users`` — the emergency administrators, who must get in when the campus
统一身份认证 is down; everyone else uses CAS (or the directory's bind login). The break-glass accounts are
local in every mode: CAS never opens them and admins cannot take them away (workflow/services/users.py).
"""
from __future__ import annotations

from workflow.settings import Settings, SettingsError

MODES = ("all", "break_glass")


def mode(settings: Settings) -> str:
    """``"all"`` or ``"break_glass"`` (checked at load by :func:`check`)."""
    return str(settings.get("auth.local_login", "all"))


def break_glass_users(settings: Settings) -> frozenset[str]:
    """The usernames of ``auth.break_glass_users``: local accounts that only a local password opens."""
    return frozenset(str(name) for name in settings.get("auth.break_glass_users", []) or [])


def allowed(settings: Settings, username: str) -> bool:
    """Whether ``username`` may use a local password; decided by the name alone (tells nothing of accounts)."""
    return mode(settings) != "break_glass" or username in break_glass_users(settings)


def check(settings: Settings) -> None:
    """Refuse at load a mode that is misspelt (it would fail open to ``all``) or one that leaves no way in."""
    if mode(settings) not in MODES:
        raise SettingsError(f"auth.local_login must be one of {', '.join(MODES)}, not {mode(settings)!r}")
    if mode(settings) == "break_glass" and not break_glass_users(settings):
        raise SettingsError("auth.local_login = \"break_glass\" needs at least one name in auth.break_glass_users")
