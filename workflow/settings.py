"""Settings: ``config/default.toml`` overlaid by the TOML file named in ``GONGKAI_CONFIG``.

Environment variables (``GONGKAI_DATABASE_URL``, ``GONGKAI_SECRET_KEY``, ``GONGKAI_SMTP_*``, and those
of ``ENV_SETTINGS``) win over both files; docs/deploy.md lists every one. The result is a plain nested dict wrapped for dotted access.
"""
from __future__ import annotations

import os
import tomllib
from copy import deepcopy
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

CONFIG_PACKAGE = "config"
DEFAULT_DATABASE_URL = "sqlite:///instance/gongkai.db"


def config_path(name: str) -> Path:
    """Path of a data file shipped in the ``config`` package (catalogue, holidays …)."""
    return Path(str(resources.files(CONFIG_PACKAGE).joinpath(name)))


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Recursively merge ``override`` into a copy of ``base``."""
    merged = deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = deepcopy(value)
    return merged


@dataclass(frozen=True)
class Settings:
    """The effective configuration of one Gongkai instance."""

    data: dict[str, Any]
    database_url: str = DEFAULT_DATABASE_URL
    instance_dir: Path = field(default_factory=lambda: Path("instance"))

    def get(self, dotted: str, default: Any = None) -> Any:
        """``settings.get("deadlines.publish_workdays")``."""
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def __getitem__(self, dotted: str) -> Any:
        value = self.get(dotted, _MISSING)
        if value is _MISSING:
            raise KeyError(dotted)
        return value

    def with_overrides(self, overrides: dict[str, Any]) -> "Settings":
        """A copy with ``overrides`` merged in (used by tests)."""
        return Settings(deep_merge(self.data, overrides), self.database_url, self.instance_dir)


_MISSING = object()


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    database_url: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Build the effective settings from defaults, an optional TOML file and the environment."""
    data = tomllib.loads(config_path("default.toml").read_text(encoding="utf-8"))
    extra = config_file or os.environ.get("GONGKAI_CONFIG")
    if extra:
        data = deep_merge(data, tomllib.loads(Path(extra).read_text(encoding="utf-8")))
    data = deep_merge(data, _mail_from_env())
    data = deep_merge(data, _operations_from_env())
    if overrides:
        data = deep_merge(data, overrides)
    url = database_url or os.environ.get("GONGKAI_DATABASE_URL") or data.get("database", {}).get("url")
    instance = Path(os.environ.get("GONGKAI_INSTANCE", "instance"))
    return Settings(data, url or DEFAULT_DATABASE_URL, instance)


# Environment variable → (section, key, type) for the operations settings (docs/deploy.md).
ENV_SETTINGS: dict[str, tuple[str, str, type]] = {
    "GONGKAI_DB_POOL_SIZE": ("database", "pool_size", int),
    "GONGKAI_DB_MAX_OVERFLOW": ("database", "max_overflow", int),
    "GONGKAI_TRUSTED_PROXIES": ("web", "trusted_proxies", int),
    "GONGKAI_LOG_LEVEL": ("logging", "level", str),
    "GONGKAI_LOG_FORMAT": ("logging", "format", str),
    "GONGKAI_REPORT_FONT_DIR": ("report", "font_dir", str),  # where the report charts' Chinese font is looked for
}


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names the setting."""


def _operations_from_env() -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, (section, key, kind) in ENV_SETTINGS.items():
        raw = os.environ.get(name)
        if raw is None or raw.strip() == "":
            continue
        try:
            value = kind(raw.strip())
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
        if kind is int and value < 0:
            raise SettingsError(f"{name} must not be negative, not {raw!r}")
        result.setdefault(section, {})[key] = value
    return result


def _mail_from_env() -> dict[str, Any]:
    keys = {"HOST": "host", "PORT": "port", "SECURITY": "security", "USERNAME": "username",
            "PASSWORD": "password", "SENDER": "sender"}
    mail: dict[str, Any] = {}
    for env_key, key in keys.items():
        value = os.environ.get(f"GONGKAI_SMTP_{env_key}")
        if value is not None:
            mail[key] = int(value) if key == "port" else value
    return {"mail": mail} if mail else {}
