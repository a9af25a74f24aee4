"""Settings in one TOML file in the user's config directory (CUSTTRACK_CONFIG overrides the path).

Keys are dotted (`followups.birthday_lead_days`); every key has a default below, so a missing file
is a valid configuration.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "user": "",  # who you are (owner, audit trail, --mine); CUSTTRACK_USER overrides; "" = login
    "language": "",  # zh-CN or en; "" = from LANGUAGE / LC_ALL / LC_MESSAGES / LANG
    "phone_region": "",  # default region for numbers without +CC; "" = from the locale, else US
    "currency": "USD",
    "timezone": "",  # IANA name; "" = TZ or the system's zone
    # the daily loop
    "followups.due_days": 7,
    "followups.cadence_default_days": 0,  # 0 = no cadence unless one is set
    "followups.birthday_lead_days": 7,
    "followups.post_purchase_enabled": True,
    "followups.post_purchase_days": 14,
    "followups.reminder_grace_days": 30,  # a missed birthday stays this long
    "followups.post_purchase_grace_days": 7,  # a missed purchase check-in stays this long
    # urgency = due×f + priority×w + value×v + origin×w (see `custtrack due --explain`)
    "urgency.due": 12.0,
    "urgency.priority": 1.0,
    "urgency.value": 3.0,
    "urgency.origin": 1.0,
    "complaints.deadline_hours.urgent": 4,
    "complaints.deadline_hours.high": 24,
    "complaints.deadline_hours.normal": 72,
    "complaints.deadline_hours.low": 168,
    # analytics
    "rfm.recency_cuts": [],  # e.g. [30, 60, 120, 240] days: fixed cut points instead of quintiles
    "rfm.frequency_cuts": [],
    "rfm.monetary_cuts": [],
    "lifecycle.new_days": 90,
    "lifecycle.loyal_min_orders": 4,
    "lifecycle.churn_days": 365,
    "lifecycle.at_risk_factor": 2.0,
    "lifecycle.at_risk_min_days": 60,
    "lifecycle.at_risk_p_alive": 0.3,
    "value.horizon_months": 12,  # predictive CLV horizon
    "value.discount_rate": 0.10,  # annual discount rate for predictive CLV
    # profitability (`custtrack profit`, `value --margin`, the report's margin), in the currency
    "profit.contact_cost.phone": 0.0,  # cost to serve: what one contact costs, by channel
    "profit.contact_cost.wechat": 0.0,
    "profit.contact_cost.email": 0.0,
    "profit.contact_cost.visit": 0.0,
    "profit.contact_cost.meeting": 0.0,
    "profit.contact_cost.sms": 0.0,
    "profit.contact_cost.video": 0.0,
    "profit.contact_cost.social": 0.0,
    "profit.contact_cost.other": 0.0,
    "profit.complaint_cost": 0.0,  # handling one complaint
    "profit.unknown_cost_share": 0.0,  # product cost of a line with none known, × its amount
    # loyalty (issue 15): points (`custtrack points`), tiers, referrals, the health score
    "points.per_unit": 0.0,  # points per whole currency unit spent; 0 = purchases earn none
    "points.rounding": "down",  # a purchase's points to a whole number: down, nearest or up
    "points.category_multipliers": "",  # e.g. "tea=2, gift=1.5": × the points of that category
    "points.signup_bonus": 0,  # points for a new customer
    "points.birthday_bonus": 0,  # points for the first purchase in the birthday month, yearly
    "points.expire_days": 0,  # earned points expire this many days later; 0 = never
    "tiers.thresholds": [],  # e.g. 0,2000,5000,20000: what each tier needs; none = no tiers
    "tiers.names": "",  # e.g. 普通,银卡,金卡,钻石; "" = Standard, Silver, Gold, Diamond
    "tiers.basis": "spend",  # spend (in the currency) or points earned, over the window
    "tiers.window_days": 365,  # the rolling window a tier is computed over
    "tiers.warn_days": 30,  # a `due` reminder this many days before a customer drops a tier
    "tiers.reached_days": 14,  # … and for this many days after they reach one
    "referrals.advocate_min": 2,  # customers brought that make an advocate
    "health.weight.contact": 20.0,  # health score = Σ weight × factor / Σ weights × 100
    "health.weight.purchase": 25.0,
    "health.weight.trend": 15.0,
    "health.weight.satisfaction": 15.0,
    "health.weight.complaints": 15.0,
    "health.weight.loyalty": 10.0,
    "health.contact_days": 90,  # last contact this long ago: the contact term is 0
    "health.purchase_days": 180,  # last purchase this long ago: the purchase term is 0
    "health.trend_days": 180,  # spend in the last N days against the N days before
}


def config_path() -> Path:
    return _path_for(os.environ.get("CUSTTRACK_CONFIG"))


@cache
def _path_for(env: str | None) -> Path:
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("custtrack", appauthor=False)) / "config.toml"


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


@cache
def _load(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return _flatten(tomllib.load(fh))
    except tomllib.TOMLDecodeError as exc:
        from .errors import CusttrackError
        from .i18n import _

        raise CusttrackError(
            _("config file {path} is not valid TOML: {error}").format(path=path, error=exc)
        ) from None


@cache
def _merged(path: Path) -> dict[str, Any]:
    return {**DEFAULTS, **_load(path)}


def load() -> dict[str, Any]:
    """All settings: defaults overlaid with the file."""
    return dict(_merged(config_path()))


def get(key: str) -> Any:
    if key == "user" and os.environ.get("CUSTTRACK_USER"):
        return os.environ["CUSTTRACK_USER"]
    # called per row by some views (time zones): one cached dict lookup, no copy
    return _merged(config_path()).get(key, DEFAULTS.get(key))


def current_user() -> str:
    """Who is running custtrack: CUSTTRACK_USER, else the `user` setting, else the OS login.

    Recorded as the owner of what they add and plan, who logged a contact, and in the audit
    trail; on a shared database each person sets their own (`config set user NAME`).
    """
    name = str(get("user") or "").strip()
    if name:
        return name
    import getpass

    try:
        return getpass.getuser() or "unknown"
    except (OSError, KeyError, ImportError):  # no login name (a container without a passwd entry)
        return "unknown"


def is_set(key: str) -> bool:
    """Whether the user chose this setting (it is in the config file), not just its default."""
    return key in _load(config_path())


def _coerce(key: str, raw: str) -> Any:
    from .errors import InvalidValue
    from .i18n import _

    default = DEFAULTS[key]
    if isinstance(default, bool):
        low = raw.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise InvalidValue(key, raw, _("expected true or false"))
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise InvalidValue(key, raw, _("expected a whole number")) from None
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise InvalidValue(key, raw, _("expected a number")) from None
    if isinstance(default, list):
        try:
            return [float(x) for x in raw.replace(",", " ").split()]
        except ValueError:
            raise InvalidValue(key, raw, _("expected numbers, e.g. 30,60,120,240")) from None
    return raw


def _check(key: str, raw: str, value: Any) -> None:
    """Range checks that the type alone does not give."""
    from .errors import InvalidValue
    from .i18n import _

    if isinstance(value, bool):
        return
    if key.startswith("complaints.deadline_hours.") and value <= 0:
        raise InvalidValue(key, raw, _("must be at least 1 hour"))
    if isinstance(value, int | float) and value < 0:
        raise InvalidValue(key, raw, _("must not be negative"))


def source(key: str) -> str:
    """Where a setting's value comes from: env, file or default."""
    if key == "user" and os.environ.get("CUSTTRACK_USER"):
        return "env"
    return "file" if key in _load(config_path()) else "default"


def set_value(key: str, raw: str) -> Any:
    """Validate and store one setting; returns the stored value."""
    import tomli_w

    from .errors import InvalidValue
    from .i18n import _, pgettext

    if key not in DEFAULTS:
        raise InvalidValue(
            pgettext("config", "key"), key, _("unknown setting"), _("see `custtrack config show`")
        )
    value = _coerce(key, raw)
    _check(key, raw, value)
    if key == "timezone" and value:
        from .clock import _zone

        _zone(value)
    if key == "currency":
        from .validate import currency_code

        value = currency_code(value, key)  # ISO 4217 only; RMB, 人民币, 元 → CNY
    if key == "language":
        from .i18n import normalize

        if value.strip().lower() in ("", "auto"):
            value = ""
        elif normalize(value) is None:
            raise InvalidValue(key, raw, _("must be zh-CN or en"), _('or "" for the environment'))
        else:
            value = normalize(value)
    if key == "phone_region" and value:
        import phonenumbers

        if value.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise InvalidValue(key, raw, _("unknown region code"), _("e.g. CN, US, GB"))
        value = value.upper()
    path = config_path()
    current = dict(_load(path))
    current[key] = value
    nested: dict[str, Any] = {}
    for name, val in current.items():
        node = nested
        *parents, leaf = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = val
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(tomli_w.dumps(nested), encoding="utf-8")
    tmp.replace(path)
    clear_cache()
    return value


def clear_cache() -> None:
    """Forget what was read from the file (after writing it, and between tests)."""
    _load.cache_clear()
    _merged.cache_clear()
    _path_for.cache_clear()


def phone_region() -> str:
    region = str(get("phone_region") or "")
    if region:
        return region.upper()
    for var in ("LC_ALL", "LC_CTYPE", "LANG"):
        loc = os.environ.get(var, "")
        if "_" in loc:
            cc = loc.split("_", 1)[1][:2].upper()
            if cc.isalpha() and len(cc) == 2:
                return cc
    return "US"
