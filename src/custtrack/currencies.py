"""ISO 4217: every current currency code and its minor unit (decimal places), as the iso4217
package lists them. Kept as data here because importing that package costs ~50 ms and amounts
are shown by every daily command; tests/test_currencies.py checks this table against the
package, so a new ISO amendment fails the tests until `python -m custtrack.currencies` is run.
None: no minor unit defined (gold, SDR …): not a currency to keep accounts in.
"""

MINOR_UNITS: dict[str, int | None] = {
    "AED": 2, "AFN": 2, "ALL": 2, "AMD": 2, "AOA": 2, "ARS": 2, "AUD": 2, "AWG": 2, "AZN": 2,
    "BAM": 2, "BBD": 2, "BDT": 2, "BHD": 3, "BIF": 0, "BMD": 2, "BND": 2, "BOB": 2, "BOV": 2,
    "BRL": 2, "BSD": 2, "BTN": 2, "BWP": 2, "BYN": 2, "BZD": 2, "CAD": 2, "CDF": 2, "CHE": 2,
    "CHF": 2, "CHW": 2, "CLF": 4, "CLP": 0, "CNY": 2, "COP": 2, "COU": 2, "CRC": 2, "CUP": 2,
    "CVE": 2, "CZK": 2, "DJF": 0, "DKK": 2, "DOP": 2, "DZD": 2, "EGP": 2, "ERN": 2, "ETB": 2,
    "EUR": 2, "FJD": 2, "FKP": 2, "GBP": 2, "GEL": 2, "GHS": 2, "GIP": 2, "GMD": 2, "GNF": 0,
    "GTQ": 2, "GYD": 2, "HKD": 2, "HNL": 2, "HTG": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2,
    "IQD": 3, "IRR": 2, "ISK": 0, "JMD": 2, "JOD": 3, "JPY": 0, "KES": 2, "KGS": 2, "KHR": 2,
    "KMF": 0, "KPW": 2, "KRW": 0, "KWD": 3, "KYD": 2, "KZT": 2, "LAK": 2, "LBP": 2, "LKR": 2,
    "LRD": 2, "LSL": 2, "LYD": 3, "MAD": 2, "MDL": 2, "MGA": 2, "MKD": 2, "MMK": 2, "MNT": 2,
    "MOP": 2, "MRU": 2, "MUR": 2, "MVR": 2, "MWK": 2, "MXN": 2, "MXV": 2, "MYR": 2, "MZN": 2,
    "NAD": 2, "NGN": 2, "NIO": 2, "NOK": 2, "NPR": 2, "NZD": 2, "OMR": 3, "PAB": 2, "PEN": 2,
    "PGK": 2, "PHP": 2, "PKR": 2, "PLN": 2, "PYG": 0, "QAR": 2, "RON": 2, "RSD": 2, "RUB": 2,
    "RWF": 0, "SAR": 2, "SBD": 2, "SCR": 2, "SDG": 2, "SEK": 2, "SGD": 2, "SHP": 2, "SLE": 2,
    "SOS": 2, "SRD": 2, "SSP": 2, "STN": 2, "SVC": 2, "SYP": 2, "SZL": 2, "THB": 2, "TJS": 2,
    "TMT": 2, "TND": 3, "TOP": 2, "TRY": 2, "TTD": 2, "TWD": 2, "TZS": 2, "UAH": 2, "UGX": 0,
    "USD": 2, "USN": 2, "UYI": 0, "UYU": 2, "UYW": 4, "UZS": 2, "VED": 2, "VES": 2, "VND": 0,
    "VUV": 0, "WST": 2, "XAD": 2, "XAF": 0, "XAG": None, "XAU": None, "XBA": None, "XBB": None,
    "XBC": None, "XBD": None, "XCD": 2, "XCG": 2, "XDR": None, "XOF": 0, "XPD": None, "XPF": 0,
    "XPT": None, "XSU": None, "XTS": None, "XUA": None, "XXX": None, "YER": 2, "ZAR": 2, "ZMW": 2,
    "ZWG": 2,
}  # fmt: skip

# Words people write for a currency, as its code (matched after strip() and upper())
ALIASES = {
    "RMB": "CNY", "人民币": "CNY", "元": "CNY", "圆": "CNY", "块": "CNY", "¥": "CNY", "￥": "CNY",
    "美元": "USD", "US$": "USD", "欧元": "EUR", "€": "EUR", "英镑": "GBP", "£": "GBP",
    "日元": "JPY", "港币": "HKD", "港元": "HKD", "澳门元": "MOP", "新台币": "TWD", "台币": "TWD",
    "新加坡元": "SGD", "韩元": "KRW", "澳元": "AUD", "加元": "CAD",
}  # fmt: skip


def code(value: str) -> str | None:
    """The ISO 4217 code that `value` names (CNY, cny, RMB, 人民币 → CNY); None if none, or one
    without a minor unit."""
    text = (value or "").strip().upper()
    text = ALIASES.get(text, text)
    return text if MINOR_UNITS.get(text) is not None else None


def _regenerate() -> None:  # pragma: no cover - run by hand after an ISO 4217 amendment
    import re
    from pathlib import Path

    import iso4217

    table = sorted((c.code, c.exponent) for c in iso4217.Currency)
    items = "".join(f' "{c}": {e},' for c, e in table)
    lines, line = [], "   "
    for item in re.findall(r' "[A-Z]{3}": \w+,', items):
        if len(line) + len(item) > 99:
            lines.append(line)
            line = "   "
        line += item
    lines.append(line)
    path = Path(__file__)
    source = path.read_text(encoding="utf-8")
    start = source.index("MINOR_UNITS")
    end = source.index("}  # fmt: skip", start)
    head = "MINOR_UNITS: dict[str, int | None] = {\n"
    path.write_text(source[:start] + head + "\n".join(lines) + "\n" + source[end:], "utf-8")


if __name__ == "__main__":
    _regenerate()
