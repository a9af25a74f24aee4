"""Baseline for `custtrack due`: the same morning list with plain sqlite3 and hand-written SQL.

    python benchmarks/baselines/due.py DB

Same sources and rules as custtrack.services.due with a fresh config (7 days ahead; post-purchase
check-in after 14 days, 7 days' grace; birthdays 7 days ahead, 30 days' grace; complaint
deadlines 4/24/72/168 h; tag and customer cadences), same urgency score and order; prints the
first 50 rows as text.
"""

import heapq
import math
import os
import sqlite3
import sys
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS, LEAD, AFTER, GRACE, PP_GRACE, HALF_YEAR, SHOW = 7, 7, 14, 30, 7, 183, 50
DEADLINE_H = {"urgent": 4, "high": 24, "normal": 72, "low": 168}
PRIORITY_W = {"urgent": 8.0, "high": 6.0, "normal": 3.9, "low": 1.8}
ORIGIN_W = {"complaint": 4.0, "at-risk": 2.5, "manual": 2.0, "post-purchase": 1.5, "birthday": 1.5}
COEF = {"due": 12.0, "priority": 1.0, "value": 3.0, "origin": 1.0}
FMT = "%Y-%m-%d %H:%M:%S.%f"
ZONE = ZoneInfo(os.environ.get("TZ") or "UTC")

# name, phone, wechat, owner; lifetime spend and the channel of the latest contact are looked
# up later, only for the items that can still make the first SHOW rows (a random read each)
CUSTOMER = "c.id, c.name, c.phone, c.wechat, c.owner, NULL, NULL"
SPEND = "SELECT coalesce(sum(amount_minor), 0) FROM purchases WHERE customer_id = ?"
CHANNEL = "SELECT channel FROM interactions WHERE customer_id = ? ORDER BY at DESC LIMIT 1"
# unary +: without ANALYZE statistics SQLite would otherwise walk every active customer (or every
# open follow-up) through the index on status, as custtrack's own queries avoid too
ACTIVE = "+c.status = 'active' AND c.erased_at IS NULL"


def start_utc(day: date) -> str:
    return datetime.combine(day, time(0), ZONE).astimezone(UTC).strftime(FMT)


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local_day(text: str) -> date:
    return parse(text).astimezone(ZONE).date()


def item(r: tuple, origin: str, key: str, due: date, note: str, **kw: object) -> dict:
    return {
        "customer_id": r[0], "customer": r[1], "phone": r[2], "wechat": r[3],
        "owner": kw.pop("owner", None) or r[4], "spend": r[5] or 0,
        "channel": kw.pop("channel", None) or r[6], "origin": origin, "key": key,
        "due_date": due, "note": note, "priority": kw.pop("priority", "normal"), **kw,
    }  # fmt: skip


def birthday_in(year: int, b: date) -> date:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return date(year, 2, 28) if (b.month, b.day) == (2, 29) and not leap else b.replace(year=year)


def main() -> None:
    con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    today = date.fromisoformat(os.environ.get("CUSTTRACK_TODAY") or str(date.today()))
    horizon = today + timedelta(days=DAYS)
    items = []
    # stored follow-ups
    for r in con.execute(
        f"SELECT {CUSTOMER}, f.id, f.due_date, f.due_time, f.channel, f.note, f.owner, f.origin,"
        " f.priority FROM followups f JOIN customers c ON c.id = f.customer_id"
        f" WHERE f.status = 'open' AND f.due_date <= ? AND {ACTIVE}"
        " AND (f.snoozed_until IS NULL OR f.snoozed_until <= ?)",
        (horizon.isoformat(), today.isoformat()),
    ):
        items.append(item(r, r[13], str(r[7]), date.fromisoformat(r[8]), r[11], channel=r[10],
                          owner=r[12], priority=r[14], due_time=r[9]))  # fmt: skip
    # cadences: customer rules beat tag rules; the shortest tag rule wins
    rules = con.execute("SELECT scope, target, every_days FROM cadences").fetchall()
    by_customer = {int(t): d for s, t, d in rules if s == "customer"}
    by_tag = {t: d for s, t, d in rules if s == "tag"}
    closed = (
        "(SELECT max(closed_at) FROM followups f2 WHERE f2.customer_id = c.id"
        " AND f2.origin = 'cadence' AND f2.status != 'open')"
    )
    base = (
        f"SELECT {CUSTOMER}, coalesce(c.last_contact_at, c.created_at), c.last_contact_at,"
        f" {closed} FROM customers c WHERE {ACTIVE} AND NOT EXISTS (SELECT 1 FROM followups f3"
        " WHERE f3.customer_id = c.id AND +f3.status = 'open')"
    )
    found = []
    for cid, every in by_customer.items():
        found += [(r, every) for r in con.execute(base + " AND c.id = ?", (cid,))]
    if by_tag:
        marks = ",".join("?" * len(by_tag))
        cut = min(start_utc(horizon - timedelta(days=d - 1)) for d in by_tag.values())
        for r in con.execute(
            base.replace("SELECT ", "SELECT (SELECT min(cd.every_days) FROM customer_tags ct"
                         " JOIN tags t ON t.id = ct.tag_id JOIN cadences cd ON cd.scope = 'tag'"
                         " AND cd.target = t.name WHERE ct.customer_id = c.id), ", 1)
            + f" AND c.id IN (SELECT ct.customer_id FROM customer_tags ct JOIN tags t"
            f" ON t.id = ct.tag_id WHERE t.name IN ({marks}))"
            " AND coalesce(c.last_contact_at, c.created_at) < ?",
            (*by_tag, cut),
        ):  # fmt: skip
            if r[1] not in by_customer:
                found.append((r[1:], r[0]))
    for r, every in found:
        since = parse(r[7])
        cycle = max(since, parse(r[9])) if r[9] else since
        due = cycle.astimezone(ZONE).date() + timedelta(days=every)
        if due <= horizon:
            items.append(item(r, "cadence", f"c{r[0]}", due, f"every {every}d"))
    # birthdays in [today - grace, horizon], not yet contacted or acted on
    start, end = today - timedelta(days=GRACE), max(horizon, today + timedelta(days=LEAD))
    keys = {(start + timedelta(days=i)).strftime("%m-%d") for i in range((end - start).days + 1)}
    keys.add("02-29")
    marks = ",".join("?" * len(keys))
    for r in con.execute(
        f"SELECT {CUSTOMER}, c.birthday, c.created_at, c.last_contact_at, (SELECT"
        " max(created_at) FROM followups f2 WHERE f2.customer_id = c.id AND f2.origin ="
        f" 'birthday') FROM customers c WHERE {ACTIVE} AND c.birthday IS NOT NULL"
        f" AND strftime('%m-%d', c.birthday) IN ({marks})",
        sorted(keys),
    ):
        bday = date.fromisoformat(r[7])
        for year in range(start.year, end.year + 1):
            occ = birthday_in(year, bday)
            if not start <= occ <= end or (occ < local_day(r[8]) and occ < today):
                continue
            if (r[9] and r[9] >= start_utc(occ)) or (
                r[10] and r[10] >= start_utc(occ - timedelta(days=HALF_YEAR))
            ):
                continue
            items.append(item(r, "birthday", f"b{r[0]}", occ, f"birthday {occ:%m-%d}"))
            break
    # post-purchase check-ins: per customer with a purchase in the window that no contact or
    # stored check-in followed (test the latest one), the earliest such purchase
    lo = start_utc(today - timedelta(days=AFTER + PP_GRACE))
    hi = start_utc(horizon - timedelta(days=AFTER - 1))
    for r in con.execute(
        "WITH w AS (SELECT customer_id, max(at) AS last FROM purchases WHERE at >= ? AND at < ?"
        " GROUP BY customer_id), due AS MATERIALIZED (SELECT (SELECT p2.id FROM purchases p2"
        " WHERE p2.customer_id = c.id AND p2.at >= ? AND p2.at < ? AND (c.last_contact_at IS NULL"
        " OR c.last_contact_at < p2.at) AND NOT EXISTS (SELECT 1 FROM followups f2 WHERE"
        " f2.customer_id = c.id AND f2.origin = 'post-purchase' AND f2.created_at >= p2.at)"
        f" ORDER BY p2.at, p2.id LIMIT 1) AS pid, {CUSTOMER} FROM w JOIN customers c"
        f" ON c.id = w.customer_id WHERE {ACTIVE} AND (c.last_contact_at IS NULL OR"
        " c.last_contact_at < w.last) AND NOT EXISTS (SELECT 1 FROM followups f3 WHERE"
        " f3.customer_id = c.id AND f3.origin = 'post-purchase' AND f3.created_at >= w.last))"
        " SELECT due.*, p.at, p.product FROM due JOIN purchases p ON p.id = due.pid",
        (lo, hi, lo, hi),
    ):  # fmt: skip
        pid, at, product = r[0], r[8], r[9]
        bought = local_day(at)
        items.append(item(r[1:8], "post-purchase", f"p{pid}", bought + timedelta(days=AFTER),
                          f"check in: bought ({product}) on {bought}"))  # fmt: skip
    # complaints past their response deadline
    end_utc = datetime.combine(today + timedelta(days=1), time(0), ZONE).astimezone(UTC)
    cases = " ".join(
        f"WHEN '{p}' THEN '{(end_utc - timedelta(hours=h)).strftime(FMT)}'"
        for p, h in DEADLINE_H.items()
    )
    for r in con.execute(
        f"SELECT {CUSTOMER}, k.id, k.opened_at, k.priority, k.category FROM complaints k"
        f" JOIN customers c ON c.id = k.customer_id WHERE k.status = 'open' AND {ACTIVE}"
        f" AND k.opened_at < CASE k.priority {cases} END AND k.id NOT IN"
        " (SELECT complaint_id FROM followups WHERE complaint_id IS NOT NULL)"
    ):
        deadline = parse(r[8]).astimezone(ZONE) + timedelta(hours=DEADLINE_H.get(r[9], 72))
        items.append(item(r, "complaint", f"k{r[7]}", deadline.date(),
                          f"complaint #{r[7]} ({r[10]}, {r[9]})", priority=r[9]))  # fmt: skip
    # urgency and order: sections, then urgency, then due date. Spend moves an item's urgency
    # by at most COEF["value"], so only items whose best case reaches the SHOW-th item's worst
    # case need their spend looked up.
    for it in items:
        delta = (today - it["due_date"]).days
        due_f = min(1.0, max(0.2, 0.2 + 0.8 * (delta + 14) / 21))
        # each term rounded to cents first, as custtrack shows them (--explain)
        it["base"] = (
            round(COEF["due"] * round(due_f, 3), 2)
            + round(COEF["priority"] * PRIORITY_W.get(it["priority"], 3.9), 2)
            + round(COEF["origin"] * ORIGIN_W.get(it["origin"], 1.0), 2)
        )  # fmt: skip
        it["section"] = 0 if delta > 0 else 1 if delta == 0 else 2
        it["overdue"] = max(delta, 0)
    total = len(items)
    if total > SHOW:
        worst = heapq.nsmallest(SHOW, ((i["section"], -i["base"]) for i in items))[-1]
        items = [i for i in items if (i["section"], -(i["base"] + COEF["value"]) - 0.01) <= worst]
    for it in items:
        it["spend"] = con.execute(SPEND, (it["customer_id"],)).fetchone()[0]
        value_f = min(1.0, math.log10(1 + it["spend"] / 100) / 5)
        it["urgency"] = round(it["base"] + round(COEF["value"] * round(value_f, 3), 2), 2)
    items.sort(key=lambda i: (i["section"], -i["urgency"], i["due_date"], i["key"]))
    items = items[:SHOW]
    for it in items:
        it["channel"] = it["channel"] or con.execute(CHANNEL, (it["customer_id"],)).fetchone()
        it["channel"] = it["channel"][0] if isinstance(it["channel"], tuple) else it["channel"]
    out = [f"{total} due (showing {len(items)})"]
    for it in items:
        out.append(
            f"{it['key']:>8} {it['customer']:<12} {it['origin']:<13} {it['channel'] or '':<7}"
            f" {it['overdue']:>3}d {it['phone'] or it['wechat'] or '':<16}"
            f" {it['spend'] / 100:>12,.2f} {it['urgency']:>6} {it['note'] or ''}"
        )
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
