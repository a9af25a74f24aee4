"""Checking and normalising user input: phones, e-mails, money, choices."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import overload

from .errors import InvalidValue
from .i18n import N_, _, is_chinese, ngettext


def currency_exponent(currency: str) -> int:
    """The decimal places of a currency's minor unit (ISO 4217): 2 for CNY, 0 for JPY and XOF,
    3 for KWD and IQD, 4 for CLF."""
    from .currencies import MINOR_UNITS

    return MINOR_UNITS.get(currency.upper()) or (0 if currency.upper() in MINOR_UNITS else 2)


def normalize_phone(value: str, region: str | None = None, field: str = "--phone") -> str:
    """Return the number in E.164 (+8613800138000)."""
    import phonenumbers

    from . import config

    text = (value or "").strip()
    given = region
    region = region or config.phone_region()
    hint = _("e.g. +86 138 0013 8000")
    if text[:1].isdigit() and not text.startswith("00"):
        # the usual cause: a national number read with the wrong default region
        if not config.get("phone_region") and not given:
            hint = _(
                "read as a number in region {region}; add the country code (+86 …) or set "
                "your region, e.g. custtrack config set phone_region CN"
            ).format(region=region)
        else:
            hint = _("read as a number in region {region}; add the country code (+86 …)").format(
                region=region
            )
    try:
        num = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidValue(field, value, _("not a phone number"), hint) from None
    if not phonenumbers.is_possible_number(num) or not phonenumbers.is_valid_number(num):
        raise InvalidValue(field, value, _("not a valid phone number"), hint)
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def likely_region(numbers: list[str], default: str) -> str:
    """The region to read national numbers in, when none is configured: CN if more of these
    numbers are valid Chinese numbers than valid numbers of `default` (a sheet of 11-digit
    mobiles on a machine whose locale says US, say), else `default`."""
    import phonenumbers

    def valid(text: str, region: str) -> bool:
        try:
            return phonenumbers.is_valid_number(phonenumbers.parse(text, region))
        except phonenumbers.NumberParseException:
            return False

    texts = [t for t in (str(n).strip() for n in numbers) if t[:1].isdigit()][:50]
    if default == "CN" or not texts:
        return default
    cn = sum(valid(t, "CN") for t in texts)
    return "CN" if cn > sum(valid(t, default) for t in texts) else default


# A Chinese mobile number, which phonenumbers shows as +86 1xx xxxx xxxx: the common case, done
# without importing phonenumbers (~25 ms, on every `due` and `show`). tests/test_render_speed.py
# checks every 5-digit prefix of this range against phonenumbers.
_CN_MOBILE = re.compile(r"\+86(1[3-9][0-9])([0-9]{4})([0-9]{4})")


def format_phone(e164: str | None) -> str:
    """E.164 to the international display form (+86 138 0013 8000)."""
    if not e164:
        return ""
    mobile = _CN_MOBILE.fullmatch(e164)
    if mobile:
        return "+86 " + " ".join(mobile.groups())
    import phonenumbers

    try:
        num = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalize_email(value: str, field: str = "--email") -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        info = validate_email((value or "").strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidValue(field, value, _email_reason(str(exc))) from None
    return info.normalized.lower()


# email_validator's own (English) reasons for the common mistakes, for the catalogue; the rest
# read "not a valid e-mail address" in a language other than English
_EMAIL_REASONS = (
    N_("An email address must have an @-sign"),
    N_("There must be something after the @-sign"),
    N_("There must be something before the @-sign"),
    N_("The part after the @-sign is not valid. It should have a period"),
    N_("An email address cannot have two periods in a row"),
    N_("An email address cannot have a period immediately before the @-sign"),
    N_("An email address cannot have a period immediately after the @-sign"),
    N_("An email address cannot end with a period"),
    N_("An email address cannot start with a period"),
    N_("The part after the @-sign is not valid. It is not within a valid top-level domain"),
    N_("The part after the @-sign is a special-use or reserved name that cannot be used with email"),  # noqa: E501
)  # fmt: skip
_EMAIL_PREFIXES = (
    ("The part after the @-sign contains invalid characters: ",
     N_("The part after the @-sign contains invalid characters: {chars}")),
    ("The email address contains invalid characters before the @-sign: ",
     N_("The email address contains invalid characters before the @-sign: {chars}")),
)  # fmt: skip


def _email_reason(message: str) -> str:
    """email_validator's reason in the interface language (English as the library says it)."""
    text = message.rstrip(".")
    if not is_chinese():
        return text
    if text in _EMAIL_REASONS:
        return _(text)
    for prefix, msgid in _EMAIL_PREFIXES:
        if text.startswith(prefix):
            return _(msgid).format(chars=text[len(prefix) :])
    return _("not a valid e-mail address")


_MONEY_RE = re.compile(r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)")
# what is written around an amount: ¥1,280.00, RMB 1280, 1280元, 1280.00 块
_MONEY_SIGNS = re.compile(r"^(?:[$¥€£￥]|rmb|cny|人民币)\s*|\s*(?:元|圆|块|rmb)$", re.IGNORECASE)


# the currencies a sign or word around an amount names (¥ is the yen's sign as well as the yuan's)
_SIGNS = (("元", ("CNY",)), ("圆", ("CNY",)), ("块", ("CNY",)), ("人民币", ("CNY",)),
          ("RMB", ("CNY",)), ("¥", ("CNY", "JPY")), ("￥", ("CNY", "JPY")), ("€", ("EUR",)),
          ("£", ("GBP",)))  # fmt: skip


def currency_of(amount: str) -> tuple[str, ...]:
    """The currencies an amount's own sign or word names ('1280元' -> CNY); () if none."""
    text = amount.upper()
    return next((codes for sign, codes in _SIGNS if sign in text), ())


def currency_code(value: str, field: str = "--currency") -> str:
    """An ISO 4217 code such as CNY or USD, from what people write (cny, RMB, 人民币, 元 →
    CNY); anything else is refused, so that no amount is ever kept in a currency nobody knows."""
    from .currencies import code

    found = code(value)
    if found is None:
        raise InvalidValue(
            field, value, _("not an ISO 4217 currency code"), _("e.g. CNY, USD, EUR; RMB for CNY")
        )
    return found


def parse_money(value: str | int | Decimal, currency: str, field: str | None = None) -> int:
    """A non-negative amount ('12.50', '1,299', '¥88', '1280元') to integer minor units; never
    via float.

    Commas are thousands separators only: '1,5' is refused rather than read as 15.
    """
    if field is None:
        field = _("AMOUNT")  # the argument of `buy`
    text = str(value).strip().replace("_", "")
    if text.upper().endswith(currency.upper()):
        text = text[: -len(currency)].strip()
    said = currency_of(text)
    if said and currency.upper() not in said:
        named = said[0]
        if len(said) > 1:
            named = _("{first} or {second}").format(first=", ".join(said[:-1]), second=said[-1])
        why = _("is in {named}, not {currency}").format(named=named, currency=currency.upper())
        hint = _("give the currency, e.g. --currency {code}").format(code=said[0])
        raise InvalidValue(field, value, why, hint)
    negative = text.startswith("-")
    text = _MONEY_SIGNS.sub("", text.lstrip("-").strip()).strip()
    if text.startswith("-"):  # ¥-5
        negative, text = True, text[1:].strip()
    match = _MONEY_RE.fullmatch(text)
    if match is None:
        raise InvalidValue(field, value, _("not an amount of money"), _("e.g. 129.90 or 1,299.00"))
    amount = Decimal(match["num"].replace(",", ""))
    if negative and amount:
        raise InvalidValue(
            field, value, _("must not be negative"), _("a refund: `custtrack refund PURCHASE`")
        )
    exp = currency_exponent(currency)
    minor = amount.scaleb(exp)
    if minor != minor.to_integral_value():
        if exp:
            why = ngettext(
                "has more than {n} decimal for {currency}",
                "has more than {n} decimals for {currency}",
                exp,
            ).format(n=exp, currency=currency)
        else:
            why = _("{currency} has no cents").format(currency=currency)
        raise InvalidValue(field, value, why)
    if minor > 10**15:
        raise InvalidValue(field, value, _("is implausibly large"))
    return int(minor)


def format_money(minor: int | None, currency: str) -> str:
    if minor is None:
        return ""
    exp = currency_exponent(currency)
    amount = Decimal(minor).scaleb(-exp)
    return f"{amount:,.{exp}f}"


def money_text(minor: int | None, currency: str) -> str:
    """An amount with its currency, as people read it: "1,280.00 CNY" in English, "¥1,280.00" in
    Chinese (other currencies keep their code: "12.50 USD")."""
    if minor is None:
        return ""
    from .i18n import is_chinese

    if currency == "CNY" and is_chinese():
        sign = "-" if minor < 0 else ""
        return f"{sign}¥{format_money(abs(minor), currency)}"
    return f"{format_money(minor, currency)} {currency}"


def money_str(minor: int | None, currency: str) -> str | None:
    """Exact decimal string for JSON/CSV (no thousands separators)."""
    if minor is None:
        return None
    exp = currency_exponent(currency)
    return f"{Decimal(minor).scaleb(-exp):.{exp}f}"


@overload
def choice(value: str, allowed: tuple[str, ...], field: str) -> str: ...
@overload
def choice(value: str | None, allowed: tuple[str, ...], field: str) -> str | None: ...
def choice(value: str | None, allowed: tuple[str, ...], field: str) -> str | None:
    """One of `allowed`, or a word that means it (微信 for wechat: vocab.SYNONYMS)."""
    if value is None:
        return None
    from .vocab import accepted, meaning

    got = meaning(value, allowed)
    if got is None:  # the values in the interface language (电话、微信 … in Chinese)
        why = _("must be one of {values}").format(values=accepted(allowed))
        raise InvalidValue(field, value, why)
    return got


def check_text(value: str | None, field: str, limit: int = 5000) -> str | None:
    if value is None:
        return None
    if len(value) > limit:
        n = len(value)
        why = ngettext(
            "is {n} character; at most {limit}", "is {n} characters; at most {limit}", n
        ).format(n=n, limit=limit)
        raise InvalidValue(field, value[:20] + "…", why)
    return value
