"""Translation for the domain layer, without Flask.

Message ids are written in Chinese, the default locale (zh_Hans_CN); other locales
(English today) are gettext catalogues under ``workflow/translations``. The current
locale lives in a context variable so that the web layer (or the CLI) can set it per
request without the domain knowing where it came from.
"""
from __future__ import annotations

import contextvars
import io
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy, NullTranslations, Translations

DEFAULT_LOCALE = "zh_Hans_CN"
SUPPORTED_LOCALES = ("zh_Hans_CN", "en")
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"

_current_locale: contextvars.ContextVar[str] = contextvars.ContextVar(
    "gongkai_locale", default=DEFAULT_LOCALE
)


@lru_cache(maxsize=8)
def translations_for(locale: str) -> NullTranslations:
    """The gettext catalogue of ``locale`` (identity for the default locale)."""
    if locale == DEFAULT_LOCALE or locale.startswith("zh"):
        return NullTranslations()
    po_file = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_file.exists():
        return NullTranslations()
    # Compiled in memory from the .po so that a fresh checkout needs no build step.
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain="messages")


def get_locale() -> str:
    """The locale of the current context (request, CLI call, test)."""
    return _current_locale.get()


def set_locale(locale: str | None) -> contextvars.Token[str]:
    """Set the current locale; unknown locales fall back to the default."""
    chosen = normalize_locale(locale)
    return _current_locale.set(chosen)


def normalize_locale(locale: str | None) -> str:
    """Map ``en-US``, ``en_GB``, ``zh-CN`` … onto a supported locale."""
    if not locale:
        return DEFAULT_LOCALE
    lowered = locale.replace("-", "_").lower()
    if lowered.startswith("en"):
        return "en"
    return DEFAULT_LOCALE


@contextmanager
def locale_context(locale: str | None) -> Iterator[str]:
    """Run a block under ``locale``, restoring the previous one afterwards."""
    token = set_locale(locale)
    try:
        yield get_locale()
    finally:
        _current_locale.reset(token)


def gettext(message: str, **params: Any) -> str:
    """Translate ``message`` into the current locale and fill ``%(name)s`` params."""
    text = translations_for(get_locale()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, count: int, **params: Any) -> str:
    """Plural-aware translation; ``count`` is available as ``%(num)d``."""
    text = translations_for(get_locale()).ngettext(singular, plural, count)
    return text % {"num": count, **params}


def lazy_gettext(message: str, **params: Any) -> LazyProxy:
    """A translation resolved when rendered, for module-level labels."""
    return LazyProxy(gettext, message, enable_cache=False, **params)


_ = gettext
_l = lazy_gettext


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark ``message`` for extraction (``-k N_``) where it is defined; it is translated where shown."""
    return message
