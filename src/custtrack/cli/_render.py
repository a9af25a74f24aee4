"""Views made of several parts (the profile card, customer lists), built on `_output`."""

from __future__ import annotations

from typing import Any

from . import _output
from ._output import Col


def _currency() -> str:
    from .. import config

    return str(config.get("currency") or "USD").upper()


def customer_list(rows: list[dict[str, Any]], fmt: str, empty: str = "No customers match.") -> None:
    from ..validate import format_money, format_phone, money_str

    cur = _currency()
    out = []
    for r in rows:
        out.append(
            {
                "id": r["id"],
                "name": r["name"],
                "phone": r["phone"] if fmt != "table" else format_phone(r["phone"]),
                "email": r["email"],
                "wechat": r["wechat"],
                "city": r["city"],
                "company": r["company"],
                "owner": r["owner"],
                "source": r["source"],
                "tags": r["tags"],
                "orders": r["orders"],
                "spend": (money_str if fmt != "table" else format_money)(r["spend_minor"], cur),
                "currency": cur,
                "last_purchase": r["last_purchase"],
                "last_contact": r["last_contact_at"],
                "status": r["status"],
            }
        )
    cols = [
        Col("id", "ID", "right"),
        Col("name", "Name", style="bold"),
        Col("phone", "Phone"),
        Col("city", "City"),
        Col("owner", "Owner"),
        Col("tags", "Tags"),
        Col("orders", "Orders", "right"),
        Col("spend", f"Spend ({cur})", "right"),
        Col("last_contact", "Last contact"),
    ]
    n = len(out)
    _output.emit(out, cols, fmt, empty=empty, caption=f"{n} customer{'s' * (n != 1)}")


def profile(p: dict[str, Any], fmt: str) -> None:
    from ..validate import format_money, format_phone

    if fmt == "json":
        _output.write_json(p)
        return
    c = p["customer"]
    summ = p["summary"]
    purchases = "none yet"
    if summ["purchases"]:
        spent = " + ".join(
            f"{format_money(minor, code)} {code}"
            for code, minor in summ["spend_by_currency"].items()
        )
        purchases = f"{summ['purchases']} for {spent}, last {_output.human(summ['last_purchase'])}"
    nxt = p["next_followup"]
    next_text = ""
    if nxt:
        when = _output.due_text(nxt["due_date"], nxt["due_time"])
        next_text = f"#{nxt['id']} {when} {nxt['channel'] or ''} {nxt['note'] or ''}".strip()
    fb = p["latest_feedback"]
    fb_text = ""
    if fb:
        scores = [
            f"CSAT {fb['csat']}" if fb["csat"] else "",
            f"NPS {fb['nps']}" if fb["nps"] is not None else "",
        ]
        fb_text = " ".join(x for x in scores if x) + (f" “{fb['text']}”" if fb["text"] else "")
        fb_text += f" ({_output.human(fb['at'])[:10]})"
    complaints = "; ".join(
        f"#{x['id']} {x['category']}/{x['priority']}: {x['text'] or ''}".strip()
        for x in p["open_complaints"]
    )
    fields = [
        ("Phone", format_phone(c["phone"])),
        ("E-mail", c["email"]),
        ("WeChat", c["wechat"]),
        ("Company", c["company"]),
        ("Address", " ".join(x for x in (c["address"], c["city"]) if x)),
        ("Birthday", c["birthday"]),
        ("Gender", c["gender"]),
        ("Source", c["source"]),
        ("Owner", c["owner"]),
        ("Tags", ", ".join(p["tags"])),
        ("Price sens.", c["price_sensitivity"]),
        ("Status", c["status"] if c["status"] != "active" else ""),
        ("Lost", f"{c['lost_reason']}: {c['lost_note'] or ''}" if c["lost_reason"] else ""),
        ("Last contact", p["last_contact"] or "never"),
        ("Next follow-up", next_text or "none planned"),
        ("Purchases", purchases),
        ("Feedback", fb_text),
        ("Open complaints", complaints),
        ("Notes", c["notes"]),
        ("Customer since", c["created_at"]),
    ]
    _output.card(f"#{c['id']} {c['name']}", fields)
    items = p["timeline"]
    total = p["timeline_total"]
    caption = None
    if total > len(items):
        caption = f"newest {len(items)} of {total}; --all shows everything"
    _output.table(
        items,
        [Col("at", "When"), Col("kind", "What"), Col("what", ""), Col("detail", "Details")],
        title="Timeline",
        empty="Nothing recorded yet: `custtrack log` a contact or `custtrack buy` a purchase.",
        caption=caption,
    )
