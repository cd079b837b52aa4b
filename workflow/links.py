"""Absolute links to this instance, for whatever is read away from it: mails, inbox messages, reports, the Atom
feed, QR codes, receipts.

Built from one setting, ``institution.base_url`` (the public address, e.g. ``https://xxgk.example.edu.cn``),
never from the address a request happened to come in on (a worker's port behind the proxy, 127.0.0.1, a
forged Host header) and never from a request at all: the scheduler writes mails with no request around.
"""
from __future__ import annotations

from typing import Any, Mapping

BASE_URL_KEY = "institution.base_url"


def base_url(settings: Mapping[str, Any] | Any) -> str:
    """The configured public address without a trailing slash ('' when unset)."""
    return str(settings.get(BASE_URL_KEY, "") or "").rstrip("/")


def public_url(settings: Mapping[str, Any] | Any, path: str) -> str:
    """``path`` (starting with ``/``) under the configured public address."""
    return base_url(settings) + ("" if path.startswith("/") else "/") + path


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0")


def check(settings: Any) -> None:
    """Refuse at load a ``base_url`` no link could be built from: it must be an absolute http(s) address
    without query or fragment (``https://xxgk.example.edu.cn`` or ``https://www.example.edu.cn/xxgk``)."""
    from urllib.parse import urlsplit

    from workflow.settings import SettingsError
    value = settings.get(BASE_URL_KEY, "")
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or any(ch.isspace() for ch in value):
        raise SettingsError(f"{BASE_URL_KEY} must be the instance's public address, an absolute http(s) URL "
                            f"such as https://xxgk.example.edu.cn, not {value!r}")


def is_loopback(settings: Any) -> bool:
    """Whether the configured address only works on the server itself (the default 127.0.0.1:5000)."""
    from urllib.parse import urlsplit
    host = (urlsplit(base_url(settings)).hostname or "").lower()
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def loopback_warning(settings: Any, serving_host: str) -> str | None:
    """A warning for ``gongkai run``/``web`` when the server listens beyond this machine but every link in
    mails, messages and reports would still point at this machine (None otherwise)."""
    from workflow.i18n import gettext
    serving = serving_host.strip("[]").lower()
    if not is_loopback(settings) or serving in LOOPBACK_HOSTS[:3] or serving.startswith("127."):
        return None
    return gettext("警告：公开网址（institution.base_url）仍是 %(url)s，邮件、消息、报告和回执中的链接在其他电脑上无法打开。"
                   "请在配置文件中把它设为本系统对外的网址。", url=base_url(settings))
