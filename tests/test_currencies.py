"""ISO 4217: every currency's minor unit from the maintained table, and only real codes kept."""

from __future__ import annotations

import pytest

from custtrack.currencies import MINOR_UNITS, code
from custtrack.validate import currency_exponent, format_money, parse_money


def test_the_table_is_the_iso4217_packages() -> None:
    import iso4217

    assert {c.code: c.exponent for c in iso4217.Currency} == MINOR_UNITS
    assert len(MINOR_UNITS) >= 178


@pytest.mark.parametrize(
    ("currency", "places"),
    [("CNY", 2), ("USD", 2), ("JPY", 0), ("KRW", 0), ("XOF", 0), ("XAF", 0), ("XPF", 0),
     ("PYG", 0), ("RWF", 0), ("BIF", 0), ("DJF", 0), ("GNF", 0), ("KMF", 0), ("VUV", 0),
     ("UYI", 0), ("IQD", 3), ("LYD", 3), ("KWD", 3), ("CLF", 4), ("UYW", 4)],
)  # fmt: skip
def test_minor_units(currency: str, places: int) -> None:
    assert currency_exponent(currency) == places
    assert format_money(parse_money("1234", currency), currency) == (
        "1,234" if places == 0 else "1,234." + "0" * places
    )


def test_what_people_write_for_a_currency() -> None:
    for written in ("CNY", "cny", " RMB ", "rmb", "人民币", "元", "¥"):
        assert code(written) == "CNY", written
    assert code("美元") == "USD" and code("eur") == "EUR"
    for wrong in ("XYZ", "RM", "", "dollars", "XAU"):  # XAU: gold has no minor unit
        assert code(wrong) is None, wrong


def test_config_takes_iso_codes_and_their_aliases_only(cli, snapshot) -> None:
    assert cli("config", "set", "currency", "RMB").stdout.strip() == "✓ currency = CNY"
    assert cli("config", "get", "currency").stdout.strip() == "CNY"
    cli("config", "set", "currency", "人民币")
    for wrong in ("XYZ", "RMBB"):
        r = cli("config", "set", "currency", wrong, code=2)
        assert r.stderr.strip() == (
            f"Error: currency '{wrong}': not an ISO 4217 currency code (e.g. CNY, USD, EUR; "
            "RMB for CNY)"
        )
    assert cli("config", "get", "currency").stdout.strip() == "CNY"


def test_purchases_in_a_made_up_currency_are_refused(cli) -> None:
    cli("add", "Ann")
    r = cli("buy", "Ann", "10", "--currency", "XYZ", code=2)
    assert "--currency 'XYZ': not an ISO 4217 currency code" in r.stderr
    cli("buy", "Ann", "10", "--currency", "rmb")
    assert cli.json("show", "Ann")["summary"]["spend_by_currency"] == {"CNY": 1000}
