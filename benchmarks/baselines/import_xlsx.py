"""Baseline for `custtrack import sheet FILE.xlsx`: python-calamine + sqlite3.executemany.

    python benchmarks/baselines/import_xlsx.py XLSX DB

DB is a copy of an empty custtrack schema. The fastest reader alone (calamine, the whole sheet as
Python values), the header found by its 姓名 cell below the title, rows read up to the 合计 line,
and the fewest conversions: phones to +86 text, dates to custtrack's stored UTC text (a date
without a time is noon local time), follow-up days as YYYY-MM-DD, amounts to integer cents. One
transaction: a customer per row (customer since their first contact or purchase, last contact
set), then their contacts, open follow-ups and purchases.
"""

import os
import sqlite3
import sys
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from python_calamine import CalamineWorkbook

HEADERS = {  # field: the sheet's header
    "name": "姓名", "phone": "手机", "city": "城市", "contact_at": "跟进日期",
    "channel": "跟进方式", "summary": "跟进内容", "next_at": "下次跟进日期",
    "bought_at": "购买日期", "product": "产品", "amount": "金额",
}  # fmt: skip
CHANNELS = {"微信": "wechat", "电话": "phone", "拜访": "visit", "短信": "sms"}
FMT = "%Y-%m-%d %H:%M:%S.%f"


def main() -> None:
    xlsx_path, db_path = sys.argv[1], sys.argv[2]
    zone = ZoneInfo(os.environ.get("TZ") or "UTC")
    noon = time(12, 0)
    days: dict[date, str] = {}

    def utc(value: date) -> str:  # a date or datetime cell as stored UTC text
        if value.__class__ is datetime:
            return value.replace(tzinfo=zone).astimezone(UTC).strftime(FMT)
        text = days.get(value)
        if text is None:
            moment = datetime.combine(value, noon, tzinfo=zone)
            text = days[value] = moment.astimezone(UTC).strftime(FMT)
        return text

    sheet = CalamineWorkbook.from_path(xlsx_path).get_sheet_by_index(0)
    rows = sheet.to_python(skip_empty_area=False)
    head = next(i for i, r in enumerate(rows[:20]) if HEADERS["name"] in r)
    col = {f: rows[head].index(h) for f, h in HEADERS.items()}
    c_name, c_phone, c_city = col["name"], col["phone"], col["city"]
    c_at, c_channel, c_summary = col["contact_at"], col["channel"], col["summary"]
    c_next, c_bought, c_product, c_amount = (
        col["next_at"], col["bought_at"], col["product"], col["amount"],
    )  # fmt: skip
    now = datetime.now(UTC).strftime(FMT)

    con = sqlite3.connect(db_path, isolation_level=None)
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute("BEGIN IMMEDIATE")
    cid = con.execute("SELECT coalesce(max(id), 0) FROM customers").fetchone()[0]
    customers, contacts, plans, purchases = [], [], [], []
    for r in rows[head + 1 :]:
        name = r[c_name]
        if "合计" in (r[0], name):
            break
        if not name:
            continue
        cid += 1
        phone = r[c_phone]
        since = last = None
        at = r[c_at]
        if at != "":
            since = last = utc(at)
            summary = r[c_summary] or None
            contacts.append((cid, last, CHANNELS[r[c_channel]], summary, now))
        due = r[c_next]
        if due != "":
            plans.append((cid, due.isoformat(), now))
        amount = r[c_amount]
        if amount != "":
            bought = utc(r[c_bought])
            if since is None or bought < since:
                since = bought
            purchases.append((cid, bought, r[c_product] or None, round(amount * 100), now))
        customers.append((
            cid, name, f"+86{int(phone)}" if phone != "" else None, r[c_city] or None,
            since if since is not None and since < now else now, now, last,
        ))  # fmt: skip
    con.executemany(
        "INSERT INTO customers (id, name, phone, city, status, created_at, updated_at,"
        " last_contact_at) VALUES (?, ?, ?, ?, 'active', ?, ?, ?)",
        customers,
    )
    con.executemany(
        "INSERT INTO interactions (customer_id, at, channel, summary, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        contacts,
    )
    con.executemany(
        "INSERT INTO followups (customer_id, due_date, note, status, origin, priority, created_at)"
        " VALUES (?, ?, NULL, 'open', 'manual', 'normal', ?)",
        plans,
    )
    con.executemany(
        "INSERT INTO purchases (customer_id, at, product, qty, amount_minor, currency, created_at)"
        " VALUES (?, ?, ?, 1, ?, 'CNY', ?)",
        purchases,
    )
    con.execute("COMMIT")
    print(
        f"imported {len(customers)} customers, {len(contacts)} contacts, {len(plans)} follow-ups,"
        f" {len(purchases)} purchases"
    )


if __name__ == "__main__":
    main()
