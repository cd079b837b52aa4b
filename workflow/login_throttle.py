"""Login throttling with growing delays, counted in the database (shared by every web worker).

Three counters per failed login (docs/security.md):

- ``pair``    (account, client address): a person who mistypes, or an attacker guessing one
  account from one address. Exponential back-off, capped at ``auth.pair_max_delay_seconds``.
- ``addr``    client address, whatever the account: password spraying from one address.
  Exponential back-off, capped at ``auth.address_max_delay_seconds``.
- ``acct``    account, whatever the address: guessing from many addresses. Capped at the
  small ``auth.account_max_delay_seconds``, so nobody elsewhere can lock the owner out.

Unknown account names are counted exactly like real ones, so the answers never tell whether a
name exists. A counter starts over once ``auth.window_seconds`` passed without a failure.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from db.models import LoginThrottle
from db.types import UTCDateTime

if TYPE_CHECKING:
    from workflow.settings import Settings

KINDS = ("pair", "addr", "acct")
KEY_PART_MAX = 64  # usernames are at most 64 characters; longer input cannot name an account


@dataclass(frozen=True)
class Limits:
    """The throttling settings of one kind of key."""

    free: int
    cap: int


@dataclass(frozen=True)
class Failure:
    """A counter after one more failure: how many in its window and the delay now imposed."""

    kind: str
    key: str
    failures: int
    first_failure_at: datetime
    delay: int
    crossed: bool  # this failure is the first one over the free attempts: the moment to tell admins


def account_key(username: str) -> str:
    """The account part of a key: the typed name, trimmed and lower-cased (case variants count together)."""
    return (username or "").strip().lower()[:KEY_PART_MAX]


def keys_for(username: str, address: str) -> dict[str, str]:
    """The three counter keys of a login attempt."""
    account, where = account_key(username), (address or "unknown")[:KEY_PART_MAX]
    return {"pair": f"pair:{account}|{where}", "addr": f"addr:{where}", "acct": f"acct:{account}"}


def limits(settings: "Settings") -> dict[str, Limits]:
    """The free attempts and the longest delay of each kind, from ``[auth]``."""
    get = settings.get
    return {"pair": Limits(int(get("auth.pair_free_attempts", 3)), int(get("auth.pair_max_delay_seconds", 900))),
            "addr": Limits(int(get("auth.address_free_attempts", 10)),
                           int(get("auth.address_max_delay_seconds", 3600))),
            "acct": Limits(int(get("auth.account_free_attempts", 10)),
                           int(get("auth.account_max_delay_seconds", 30)))}


def delay_after(failures: int, limit: Limits, base: int) -> int:
    """Seconds to wait after the n-th failure: none while free, then base·2^k up to the cap."""
    over = failures - limit.free
    if over <= 0:
        return 0
    return min(limit.cap, base * (2 ** min(over - 1, 30)))


def _window(settings: "Settings") -> timedelta:
    return timedelta(seconds=int(settings.get("auth.window_seconds", 3600)))


def wait_seconds(session: Session, settings: "Settings", keys: dict[str, str], now: datetime) -> int:
    """Seconds until another password may be tried under all of ``keys`` (0: now)."""
    cutoff = now - _window(settings)
    rows = session.execute(select(LoginThrottle.blocked_until, LoginThrottle.last_failure_at)
                           .where(LoginThrottle.key.in_(list(keys.values())))).all()
    waits = [(row.blocked_until - now).total_seconds() for row in rows
             if row.blocked_until is not None and row.blocked_until > now and row.last_failure_at >= cutoff]
    return int(-(-max(waits) // 1)) if waits else 0  # round up: "wait 0 s" would be a lie


def _upsert(session: Session) -> ReturningInsert[tuple[int, datetime, datetime | None]]:
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = LoginThrottle.__table__
    now, cutoff = bindparam("now", type_=UTCDateTime()), bindparam("cutoff", type_=UTCDateTime())
    statement = module.insert(table).values(key=bindparam("key"), failures=1, first_failure_at=now,
                                            last_failure_at=now, blocked_until=None)
    stale = table.c.last_failure_at < cutoff
    return statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"failures": case((stale, 1), else_=table.c.failures + 1),
              "first_failure_at": case((stale, now), else_=table.c.first_failure_at),
              "last_failure_at": now},
    ).returning(table.c.failures, table.c.first_failure_at, table.c.blocked_until)


def record_failure(session: Session, settings: "Settings", keys: dict[str, str], now: datetime) -> list[Failure]:
    """Count one failed login under each key (atomically: concurrent workers never lose a count)."""
    base = int(settings.get("auth.base_delay_seconds", 2))
    cutoff = now - _window(settings)
    rules = limits(settings)
    statement = _upsert(session)
    results = []
    for kind in KINDS:
        key = keys[kind]
        failures, first, blocked = session.execute(statement, {"key": key, "now": now, "cutoff": cutoff}).one()
        delay = delay_after(failures, rules[kind], base)
        if delay:
            until = now + timedelta(seconds=delay)
            if blocked is None or blocked < until:
                session.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(blocked_until=until))
        results.append(Failure(kind, key, failures, first, delay, failures == rules[kind].free + 1))
    # Forget counters nobody has touched for a window plus the longest delay (keeps the table small).
    longest = max(rule.cap for rule in rules.values())
    session.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < cutoff - timedelta(seconds=longest)))
    return results


def record_success(session: Session, keys: dict[str, str]) -> None:
    """A right password clears its (account, address) counter only.

    The address and account counters stay: an attacker who owns one account must not be able to
    reset the counts of their guesses at others by logging into it in between.
    """
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys["pair"]))


def key_label(key: str) -> str:
    """A short, stable id of a key for idempotency keys (the key itself may be long)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
