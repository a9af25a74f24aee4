"""Baseline for `custtrack show ID`: the same profile card and newest-30 timeline, plain sqlite3.

    python benchmarks/baselines/show.py DB CUSTOMER_ID

The physical limit: one read-only connection, indexed point queries, no ORM, plain text out.
"""

import os
import sqlite3
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LIMIT = 30


def local(text: str | None, zone: ZoneInfo) -> str:
    if not text:
        return "—"
    return (
        datetime.fromisoformat(text).replace(tzinfo=UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M")
    )


def main() -> None:
    path, cid = sys.argv[1], int(sys.argv[2])
    zone = ZoneInfo(os.environ.get("TZ") or "UTC")
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    c = con.execute(
        "SELECT id, name, phone, email, wechat, company, city, birthday, source, owner, "
        "last_contact_at, created_at FROM customers WHERE id = ?",
        (cid,),
    ).fetchone()
    if c is None:
        sys.exit(f"Error: no customer with id {cid}")
    tags = [r[0] for r in con.execute(
        "SELECT t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id "
        "WHERE ct.customer_id = ? ORDER BY t.name", (cid,))]  # fmt: skip
    n, spend, last, occasions = con.execute(
        "SELECT count(*), coalesce(sum(amount_minor), 0), max(at), count(DISTINCT date(at)) "
        "FROM purchases WHERE customer_id = ?",
        (cid,),
    ).fetchone()
    fb = con.execute(
        "SELECT csat, nps, text, at FROM feedback WHERE customer_id = ? "
        "ORDER BY at DESC, id DESC LIMIT 1",
        (cid,),
    ).fetchone()
    complaints = con.execute(
        "SELECT id, category, priority, opened_at FROM complaints "
        "WHERE customer_id = ? AND status = 'open' ORDER BY opened_at, id",
        (cid,),
    ).fetchall()
    nxt = con.execute(
        "SELECT id, due_date, due_time, channel, note FROM followups "
        "WHERE customer_id = ? AND status = 'open' ORDER BY due_date, due_time, id LIMIT 1",
        (cid,),
    ).fetchone()
    total = con.execute(
        "SELECT (SELECT count(*) FROM interactions WHERE customer_id = :c)"
        " + (SELECT count(*) FROM purchases WHERE customer_id = :c)"
        " + (SELECT count(*) FROM feedback WHERE customer_id = :c)"
        " + (SELECT count(*) FROM complaints WHERE customer_id = :c)",
        {"c": cid},
    ).fetchone()[0]
    timeline = con.execute(
        "SELECT * FROM ("
        " SELECT * FROM (SELECT at, 'contact', id, channel, coalesce(summary, '') || ' '"
        "  || coalesce(outcome, '') FROM interactions WHERE customer_id = :c"
        "  ORDER BY at DESC LIMIT :n)"
        " UNION ALL SELECT * FROM (SELECT at, 'purchase', id, amount_minor || ' ' || currency,"
        "  coalesce(product, '') || ' ' || coalesce(category, '') FROM purchases"
        "  WHERE customer_id = :c ORDER BY at DESC LIMIT :n)"
        " UNION ALL SELECT * FROM (SELECT at, 'feedback', id, 'CSAT ' || coalesce(csat, '-'),"
        "  coalesce(text, '') FROM feedback WHERE customer_id = :c ORDER BY at DESC LIMIT :n)"
        " UNION ALL SELECT * FROM (SELECT opened_at, 'complaint', id, category || ' ' || status,"
        "  coalesce(text, '') FROM complaints WHERE customer_id = :c"
        "  ORDER BY opened_at DESC LIMIT :n)"
        ") ORDER BY 1 DESC, 3 DESC LIMIT :n",
        {"c": cid, "n": LIMIT},
    ).fetchall()

    out = [f"#{c[0]} {c[1]}"]
    for label, value in zip(
        ("Phone", "E-mail", "WeChat", "Company", "City", "Birthday", "Source", "Owner"),
        c[2:10],
        strict=True,
    ):
        if value:
            out.append(f"{label:<16}{value}")
    out.append(f"{'Tags':<16}{', '.join(tags) or '—'}")
    out.append(f"{'Last contact':<16}{local(c[10], zone)}")
    if nxt:
        out.append(f"{'Next follow-up':<16}#{nxt[0]} {nxt[1]} {nxt[2] or ''} {nxt[3] or ''}")
    out.append(
        f"{'Purchases':<16}{n} ({occasions} days) for {spend / 100:.2f}, last {local(last, zone)}"
    )
    if fb:
        out.append(f"{'Feedback':<16}CSAT {fb[0]} NPS {fb[1]} {fb[2] or ''} ({local(fb[3], zone)})")
    for k in complaints:
        out.append(f"{'Complaint':<16}#{k[0]} {k[1]} ({k[2]}) since {local(k[3], zone)}")
    out.append(f"{'Customer since':<16}{local(c[11], zone)}")
    out.append(f"Timeline ({len(timeline)} of {total})")
    for at, kind, _id, what, detail in timeline:
        out.append(f"{local(at, zone)}  {kind:<9} {what:<14} {detail}")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
