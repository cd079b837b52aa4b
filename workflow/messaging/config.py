"""``[notify]``, ``[notify.wecom]``, ``[notify.dingtalk]`` and their ``robots`` tables (config/default.toml).

Secrets never sit in the committed configuration: each is read from the environment variable a ``*_env`` key
names, or (for a separate, non-committed configuration file) from the key without ``_env``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workflow.context import Gongkai

PERSON_CHANNELS = ("wecom", "dingtalk")
ROBOT_CHANNELS = ("wecom_robot", "dingtalk_robot")
IM_CHANNELS = PERSON_CHANNELS + ROBOT_CHANNELS


def secret(section: dict[str, Any], key: str) -> str:
    """``section[key]`` when set (a non-committed config file), else the variable named by ``section[key_env]``."""
    value = section.get(key)
    if value:
        return str(value)
    name = section.get(f"{key}_env")
    return str(os.environ.get(str(name), "") or "") if name else ""


@dataclass(frozen=True)
class Platform:
    """One platform's application settings (``[notify.wecom]`` or ``[notify.dingtalk]``)."""

    channel: str
    enabled: bool
    api_base: str
    app_id: str  # 企业微信 corp_id / 钉钉 app_key
    agent_id: int
    secret: str
    timeout: float
    robots: dict[str, dict[str, Any]]

    @classmethod
    def of(cls, app: "Gongkai", channel: str) -> "Platform":
        section = dict(app.settings.get(f"notify.{channel}", {}) or {})
        wecom = channel == "wecom"
        default_base = "https://qyapi.weixin.qq.com" if wecom else "https://oapi.dingtalk.com"
        robots = {str(code): dict(value) for code, value in dict(section.get("robots", {}) or {}).items()
                  if isinstance(value, dict)}
        return cls(channel, bool(section.get("enabled", False)), str(section.get("api_base") or default_base).rstrip("/"),
                   str(section.get("corp_id" if wecom else "app_key", "") or ""), int(section.get("agent_id", 0) or 0),
                   secret(section, "secret" if wecom else "app_secret"), float(section.get("timeout_seconds", 10)),
                   robots)

    def robot(self, department_code: str) -> dict[str, str] | None:
        """The group robot of a department (webhook key, or access token and signing secret), None if none."""
        section = self.robots.get(department_code)
        if section is None:
            return None
        if self.channel == "wecom":
            key = secret(section, "key")
            return {"key": key} if key else None
        token = secret(section, "access_token")
        return {"access_token": token, "secret": secret(section, "secret")} if token else None


@dataclass(frozen=True)
class NotifySettings:
    """``[notify]``: which notifications go to department groups, retries."""

    robot_kinds: frozenset[str]
    max_attempts: int
    retry_base_seconds: int
    wecom: Platform
    dingtalk: Platform

    @classmethod
    def of(cls, app: "Gongkai") -> "NotifySettings":
        get = app.settings.get
        return cls(frozenset(get("notify.robot_kinds", ["due_soon", "overdue", "very_overdue"]) or ()),
                   int(get("notify.max_attempts", 6)), int(get("notify.retry_base_seconds", 60)),
                   Platform.of(app, "wecom"), Platform.of(app, "dingtalk"))

    def platform(self, channel: str) -> Platform:
        """The platform of a channel (``wecom_robot`` → 企业微信)."""
        return self.wecom if channel.startswith("wecom") else self.dingtalk

    @property
    def any_channel(self) -> bool:
        """Whether anything may be sent at all (an application enabled, or a group robot configured)."""
        return any(p.enabled or p.robots for p in (self.wecom, self.dingtalk))
