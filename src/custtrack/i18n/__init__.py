"""The interface language: English in the code, Chinese (and any later language) from gettext
catalogues that Babel manages (`locale/`, see DEVELOPERS.md).

Every string shown to a person is written in English and translated where it is built:

- `_("Added {label}").format(label=...)` for a message (named fields, never an f-string: the
  translator needs the whole sentence and may move the fields);
- `ngettext("{n} day", "{n} days", n).format(n=n)` for a count;
- `pgettext("stage", "new")` where one English word means two things;
- `N_("...")` marks a string evaluated at import time (option help, a module constant) for the
  catalogue; it is translated with `_()` where it is shown. Command docstrings are collected the
  same way by `i18n.extract`, and translated with the rest of `--help` by `cli/_localize.py`.

Machine formats (`--format json|csv` keys and values, export headers) stay English.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

LANGUAGES = {"en": "English", "zh-CN": "简体中文"}
DOMAIN = "custtrack"
LOCALE_DIR = Path(__file__).parent / "locale"
_GETTEXT_NAMES = {"zh-CN": "zh_CN"}

_catalogue: Any = None  # gettext.GNUTranslations, or None for English
_language = "en"


def _(message: str) -> str:
    """The message in the interface language."""
    return message if _catalogue is None else _catalogue.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the interface language."""
    if _catalogue is None:
        return singular if n == 1 else plural
    return _catalogue.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A message whose English alone is ambiguous, told apart by `context`."""
    return message if _catalogue is None else _catalogue.pgettext(context, message)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Marks `message` for the catalogue without translating it (import-time strings)."""
    return message


def C_(context: str, message: str) -> str:  # noqa: N802
    """Marks a message with a context for the catalogue; translate it with pgettext()."""
    return message


def days_from_now(n: int) -> str:
    """ "today", "in 3 days", "2 days ago" (今天, 3天后, 2天前)."""
    if n == 0:
        return _("today")
    if n > 0:
        return ngettext("in {n} day", "in {n} days", n).format(n=n)
    return ngettext("{n} day ago", "{n} days ago", -n).format(n=-n)


_WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def weekday(day: Any) -> str:
    """The short name of a date's weekday: Mon … Sun (周一 … 周日)."""
    return _(_WEEKDAYS[day.weekday()])


def language() -> str:
    """The language in use: "en" or "zh-CN"."""
    return _language


def is_chinese() -> bool:
    return _language == "zh-CN"


def normalize(code: str) -> str | None:
    """A language code as people and locales write it ("zh_CN.UTF-8", "zh-Hans", "中文", "en_US")
    as one of LANGUAGES; None for one we have no catalogue for (or "C"/"POSIX")."""
    raw = code.strip()
    if raw in ("中文", "简体中文", "汉语", "chinese", "Chinese"):
        return "zh-CN"
    low = raw.split(".")[0].split("@")[0].replace("_", "-").lower()
    if low in ("en", "english") or low.startswith("en-"):
        return "en"
    parts = low.split("-")
    if parts[0] != "zh":
        return None
    rest = set(parts[1:])
    if not rest or rest & {"cn", "sg", "hans", "my"}:
        return "zh-CN"
    return None  # zh_TW, zh_HK, zh-Hant: Traditional Chinese, for which there is no catalogue


def from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for, in gettext's order: LANGUAGE (a list, first one
    we have), LC_ALL, LC_MESSAGES, LANG; zh_CN, zh_SG, zh_Hans: Simplified Chinese; else English."""
    env = os.environ if environ is None else environ
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if not value:
            continue
        if var == "LANGUAGE":
            for entry in value.split(":"):
                if entry and normalize(entry):
                    return normalize(entry) or "en"
            continue  # nothing we have in the list: the locale decides
        return normalize(value) or "en"
    return "en"


def choose(option: str | None = None) -> str:
    """--lang, else the `language` setting, else the environment. An unknown --lang or setting is
    left to their own checks (which say so); here it falls through to the next source."""
    for wanted in (option, _setting()):
        if wanted and normalize(wanted):
            return normalize(wanted) or "en"
    return from_environment()


def _setting() -> str:
    from .. import config

    try:
        return str(config.get("language") or "")
    except Exception:  # a broken config file is reported by the command that reads it
        return ""


def use(lang: str) -> None:
    """Speak `lang` ("en" or "zh-CN") from now on."""
    global _catalogue, _language
    lang = normalize(lang) or "en"
    _language = lang
    _catalogue = None if lang == "en" else _load(lang)


_loaded: dict[str, Any] = {}


def _load(lang: str) -> Any:
    if lang not in _loaded:
        import gettext

        with open(LOCALE_DIR / _GETTEXT_NAMES[lang] / "LC_MESSAGES" / f"{DOMAIN}.mo", "rb") as fh:
            _loaded[lang] = gettext.GNUTranslations(fh)
    return _loaded[lang]
