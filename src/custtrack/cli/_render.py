"""Views made of several parts (the profile card, customer lists), built on `_output`."""

from __future__ import annotations

from typing import Any

from ..i18n import C_, _, ngettext, pgettext
from . import _output
from ._output import Col

# the kinds of timeline entries, as the What column shows them (JSON keeps the English key)
_KINDS = (
    C_("timeline", "contact"), C_("timeline", "purchase"), C_("timeline", "feedback"),
    C_("timeline", "complaint"),
)  # fmt: skip


def _currency() -> str:
    from .. import config

    return str(config.get("currency") or "USD").upper()


def customer_list(rows: list[dict[str, Any]], fmt: str, empty: str | None = None) -> None:
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
        Col("id", _("ID"), "right"),
        Col("name", _("Name"), style="bold"),
        Col("phone", _("Phone")),
        Col("city", _("City")),
        Col("owner", _("Owner")),
        Col("tags", _("Tags")),
        Col("orders", _("Orders"), "right"),
        Col("spend", _("Spend ({currency})").format(currency=cur), "right"),
        Col("last_contact", _("Last contact")),
    ]
    n = len(out)
    _output.emit(
        out,
        cols,
        fmt,
        empty=_("No customers match.") if empty is None else empty,
        caption=ngettext("{n} customer", "{n} customers", n).format(n=n),
    )


def profile(p: dict[str, Any], fmt: str) -> None:
    from ..validate import format_phone, money_text
    from ..vocab import label

    if fmt == "json":
        # the timeline's `_what`/`_detail` are its words for people (the table's), not data
        data = dict(p)
        data["timeline"] = [
            {k: v for k, v in item.items() if not k.startswith("_")} for item in p["timeline"]
        ]
        _output.write_json(data)
        return
    c = p["customer"]
    summ = p["summary"]
    purchases = _("none yet")
    if summ["purchases"]:
        spent = " + ".join(
            money_text(minor, code) for code, minor in summ["spend_by_currency"].items()
        )
        purchases = _("{n} for {spent}, last {when}").format(
            n=summ["purchases"], spent=spent, when=_output.human(summ["last_purchase"])
        )
    nxt = p["next_followup"]
    next_text = ""
    if nxt:
        when = _output.due_text(nxt["due_date"], nxt["due_time"])
        channel = label("channel", nxt["channel"])
        next_text = f"#{nxt['id']} {when} {channel} {nxt['note'] or ''}".strip()
    fb = p["latest_feedback"]
    fb_text = ""
    if fb:
        scores = [
            f"CSAT {fb['csat']}" if fb["csat"] else "",
            f"NPS {fb['nps']}" if fb["nps"] is not None else "",
        ]
        fb_text = " ".join(x for x in scores if x) + (f" “{fb['text']}”" if fb["text"] else "")
        fb_text += f" ({_output.human(fb['at'])[:10]})"
    complaints = pgettext("separator", "; ").join(
        _("#{id} {category}/{priority}: {text}")
        .format(
            id=x["id"],
            category=label("complaint_category", x["category"]),
            priority=label("priority", x["priority"]),
            text=x["text"] or "",
        )
        .strip()
        for x in p["open_complaints"]
    )
    lost = ""
    if c["lost_reason"]:
        lost = _("{reason}: {note}").format(
            reason=label("lost_reason", c["lost_reason"]), note=c["lost_note"] or ""
        )
    fields = [
        (_("Phone"), format_phone(c["phone"])),
        (_("E-mail"), c["email"]),
        (_("WeChat"), c["wechat"]),
        (_("Company"), c["company"]),
        (_("Address"), " ".join(x for x in (c["address"], c["city"]) if x)),
        (_("Birthday"), c["birthday"]),
        (_("Gender"), label("gender", c["gender"])),
        (_("Source"), c["source"]),
        (_("Owner"), c["owner"]),
        (_("Tags"), pgettext("separator", ", ").join(p["tags"])),
        (_("Price sens."), label("price_sensitivity", c["price_sensitivity"])),
        (_("Status"), label("customer_status", c["status"]) if c["status"] != "active" else ""),
        (_("Lost"), lost),
        (_("Last contact"), p["last_contact"] or pgettext("last_contact", "never")),
        (_("Next follow-up"), next_text or _("none planned")),
        (_("Purchases"), purchases),
        (_("Feedback"), fb_text),
        (_("Open complaints"), complaints),
        (_("Notes"), c["notes"]),
        (_("Customer since"), c["created_at"]),
    ]
    _output.card(f"#{c['id']} {c['name']}", fields)
    items = [
        {**i, "kind": label("timeline", i["kind"]), "what": i["_what"], "detail": i["_detail"]}
        for i in p["timeline"]
    ]
    total = p["timeline_total"]
    caption = None
    if total > len(items):
        caption = _("newest {n} of {total}; --all shows everything").format(
            n=len(items), total=total
        )
    _output.table(
        items,
        [
            Col("at", _("When")),
            Col("kind", _("What")),
            Col("what", ""),
            Col("detail", _("Details")),
        ],
        title=_("Timeline"),
        empty=_("Nothing recorded yet: `custtrack log` a contact or `custtrack buy` a purchase."),
        caption=caption,
    )
