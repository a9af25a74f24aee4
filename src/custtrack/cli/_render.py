"""Views made of several parts (the profile card, customer lists), built on `_output`."""

from __future__ import annotations

from typing import Any

from ..i18n import C_, N_, _, ngettext, pgettext
from . import _output
from ._output import Col

# the kinds of timeline entries, as the What column shows them (JSON keeps the English key)
_KINDS = (
    C_("timeline", "contact"), C_("timeline", "purchase"), C_("timeline", "feedback"),
    C_("timeline", "complaint"), C_("timeline", "refund"),
)  # fmt: skip


def _currency() -> str:
    from .. import config

    return str(config.get("currency") or "USD").upper()


def customer_list(rows: list[dict[str, Any]], fmt: str, empty: str | None = None) -> None:
    from ..validate import format_money, format_phone, money_str

    cur = _currency()
    out: list[dict[str, Any]] = []
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
                **{k: r[k] for k in ("tier", "health") if k in r},  # list --tier, --sort health
            }
        )
    cols = [
        Col("id", _("ID"), "right"),
        Col("name", _("Name"), style="bold"),
        Col("phone", _("Phone")),
        Col("city", _("City"), drop=2),  # narrow terminals: tags, owner, orders, city go first
        Col("owner", _("Owner"), drop=4),
        Col("tags", _("Tags"), drop=5),
        Col("orders", _("Orders"), "right", drop=3),
        Col("spend", _("Spend ({currency})").format(currency=cur), "right"),
        Col("last_contact", _("Last contact")),
    ]
    if rows and "tier" in rows[0]:  # issue 15
        from ..services.loyalty import tier_label

        for r in out:
            r["tier"] = tier_label(r["tier"]) if fmt == "table" else r["tier"]
        cols.append(Col("tier", _("Tier")))
    if rows and "health" in rows[0]:
        cols.append(Col("health", _("Health"), "right"))
    n = len(out)
    _output.emit(
        out,
        cols,
        fmt,
        empty=_("No customers match.") if empty is None else empty,
        caption=ngettext("{n} customer", "{n} customers", n).format(n=n),
    )


def birthday_shown(key: str, value: Any) -> str | None:
    """A birthday as people read it: 1985-03-12, 11-25 (no year known), 农历八月十五."""
    if value is None:
        return None
    if key == "lunar_birthday":
        from ..lunar import name

        return _("lunar {name}").format(name=name(value))
    from ..dates import birthday_text

    return birthday_text(value).removeprefix("--")


def _birthday_lines(c: dict[str, Any]) -> tuple[str | None, str | None]:
    """The card's birthday and lunar birthday: the year not known said so; a lunar one with the
    next solar day it falls on (today included)."""
    from ..dates import NO_YEAR

    solar = lunar_text = None
    if c["birthday"] is not None:
        solar = birthday_shown("birthday", c["birthday"])
        if c["birthday"].year == NO_YEAR:
            solar = _("{day} (year not known)").format(day=solar)
    if c.get("lunar_birthday"):
        from datetime import timedelta

        from .. import clock, lunar

        today = clock.today()  # within 400 days: a lunar year is at most 385
        days = lunar.occurrences(c["lunar_birthday"], today, today + timedelta(days=400))
        lunar_text = _("{lunar}; next: {day}").format(
            lunar=birthday_shown("lunar_birthday", c["lunar_birthday"]), day=days[0]
        )
    return solar, lunar_text


def profile(p: dict[str, Any], fmt: str) -> None:
    from ..services.contact_points import shown
    from ..validate import format_phone, money_text
    from ..vocab import label
    from .loyalty import card_lines, with_person

    if fmt != "table":  # the records' fields in the order the models declare them
        from ..models import Customer, Feedback, FollowUp

        p = dict(p)
        for key, model in (("customer", Customer), ("next_followup", FollowUp),
                           ("latest_feedback", Feedback)):  # fmt: skip
            if p[key] is not None:
                p[key] = _output.in_order(p[key], model)
        from ..dates import birthday_text

        p["customer"]["birthday"] = birthday_text(p["customer"]["birthday"])  # --11-25: no year
        p["summary"] = _output.with_money(p["summary"])  # spend: "7097.35" next to spend_minor
    if fmt == "csv":  # the card as key,value rows; the timeline is JSON's (or `export`'s)
        card = {k: v for k, v in p.items() if k != "timeline"}
        _output.write_csv(_output.flat(card), ["key", "value"])
        return
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
        if summ.get("refunded_minor"):
            purchases = _("{purchases} ({money} refunded)").format(
                purchases=purchases, money=money_text(summ["refunded_minor"], summ["currency"])
            )
    nxt = p["next_followup"]
    next_text = ""
    if nxt:
        when = _output.due_text(nxt["due_date"], nxt["due_time"])
        channel = label("channel", nxt["channel"])
        next_text = f"F{nxt['id']} {when} {channel} {nxt['note'] or ''}".strip()
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
        (_("Also"), pgettext("separator", ", ").join(shown(p.get("contact_points") or []))),
        (_("Company"), c["company"]),
        (_("Address"), " ".join(x for x in (c["address"], c["city"]) if x)),
        (_("Birthday"), _birthday_lines(c)[0]),
        (_("Lunar birthday"), _birthday_lines(c)[1]),
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
        *card_lines(p),  # issue 15: kind, people, referrals, points, tier, health
        (_("Notes"), c["notes"]),
        (_("Customer since"), c["created_at"]),
    ]
    _output.card(f"#{c['id']} {c['name']}", fields)
    items = [  # the kind with the id that `edit`/`delete KIND ID` take (issue 17.7)
        {
            **i,
            "kind": f"{label('timeline', i.get('_kind', i['kind']))} #{i['id']}",
            "what": i["_what"],
            "detail": with_person(i),
        }
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
            Col("by", _("By")),
        ],
        title=_("Timeline"),
        empty=_("Nothing recorded yet: `custtrack log` a contact or `custtrack buy` a purchase."),
        caption=caption,
    )


# the audit trail's words (`history`): what was done, to which kind of record, to which field
_AUDIT_ACTIONS = {
    "create": N_("created"), "delete": N_("deleted"), "import": N_("imported"),
    "merge": N_("merged"), "undo": N_("undone"), "erase": N_("erased"), "purge": N_("purged"),
}  # fmt: skip
_AUDIT_ENTITIES = {
    "customer": N_("customer"), "purchase": N_("purchase"), "followup": N_("follow-up"),
    "complaint": N_("complaint"), "batch": N_("import batch"),
}  # fmt: skip
_AUDIT_ENTITIES |= {"points": N_("points"), "contact_person": N_("contact person")}  # issue 15
_AUDIT_ENTITIES |= {"contact": N_("contact"), "feedback": N_("feedback")}  # corrected (17.7)
_AUDIT_ENTITIES |= {"contact_point": N_("other contact point")}  # issue 17.8
_AUDIT_FIELDS: tuple[str, ...] = (
    C_("audit_field", "name"), C_("audit_field", "phone"), C_("audit_field", "email"),
    C_("audit_field", "wechat"), C_("audit_field", "company"), C_("audit_field", "address"),
    C_("audit_field", "city"), C_("audit_field", "birthday"),
    C_("audit_field", "lunar_birthday"), C_("audit_field", "gender"),
    C_("audit_field", "source"), C_("audit_field", "owner"),
    C_("audit_field", "price_sensitivity"), C_("audit_field", "notes"),
    C_("audit_field", "status"), C_("audit_field", "external_id"),
    C_("audit_field", "lost_reason"), C_("audit_field", "lost_note"),
    C_("audit_field", "lost_at"), C_("audit_field", "tags"), C_("audit_field", "at"),
    C_("audit_field", "product"), C_("audit_field", "category"), C_("audit_field", "qty"),
    C_("audit_field", "amount"), C_("audit_field", "order_ref"),
    C_("audit_field", "due_date"), C_("audit_field", "due_time"), C_("audit_field", "channel"),
    C_("audit_field", "note"), C_("audit_field", "origin"), C_("audit_field", "priority"),
    C_("audit_field", "snoozed_until"), C_("audit_field", "complaint_id"),
    C_("audit_field", "text"), C_("audit_field", "assignee"), C_("audit_field", "resolution"),
    C_("audit_field", "opened_at"),
)  # fmt: skip
_AUDIT_FIELDS += (  # corrections of contacts, purchases and feedback (issue 17.7)
    C_("audit_field", "summary"), C_("audit_field", "outcome"), C_("audit_field", "cost"),
    C_("audit_field", "csat"), C_("audit_field", "nps"),
)  # fmt: skip
# fields whose stored values are a vocabulary's, by the kind of record
_AUDIT_VOCABULARY = {
    ("customer", "gender"): "gender", ("customer", "price_sensitivity"): "price_sensitivity",
    ("customer", "status"): "customer_status", ("customer", "lost_reason"): "lost_reason",
    ("followup", "status"): "followup_status", ("followup", "channel"): "channel",
    ("followup", "origin"): "origin", ("followup", "priority"): "priority",
    ("complaint", "status"): "complaint_status", ("complaint", "priority"): "priority",
    ("complaint", "category"): "complaint_category",
}  # fmt: skip
_AUDIT_VOCABULARY[("contact", "channel")] = "channel"  # issue 17.7
_AUDIT_TIMES = {"at", "lost_at", "opened_at"}


def _audit_value(entity: str, field: str, value: Any) -> str:
    """A value of the trail as people read it (labels, local times); '—' for none."""
    from datetime import datetime

    from ..services.audit import ERASED
    from ..vocab import label

    if value in (None, ""):
        return "—"
    value = str(value).replace(ERASED, _("[erased]"))  # inside a longer text too
    vocabulary = _AUDIT_VOCABULARY.get((entity, field))
    if vocabulary:
        return label(vocabulary, value)
    if field in _AUDIT_TIMES:
        try:
            return _output.human(datetime.fromisoformat(value))
        except ValueError:
            return value
    return value


def _audit_fields(entity: str, data: dict[str, Any]) -> str:
    """A created or deleted record's fields: 'name: Ann; phone: +86 …' (money as money)."""
    from ..validate import money_text
    from ..vocab import label

    data = dict(data)
    if "amount_minor" in data and "currency" in data:
        data["amount"] = money_text(int(data.pop("amount_minor")), data.pop("currency"))
    return pgettext("separator", "; ").join(
        _("{field}: {value}").format(
            field=label("audit_field", key), value=_audit_value(entity, key, value)
        )
        for key, value in data.items()
    )


def _audit_detail(r: dict[str, Any]) -> tuple[str, str]:
    """(change, details) of one trail row, in the interface language."""
    import json

    from ..vocab import label

    entity, action = r["entity"], r["action"]
    data: dict[str, Any] = {}
    for raw in (r["new"], r["old"]):
        if r["field"] is None and raw and raw.startswith("{"):
            try:
                data = json.loads(raw)
            except ValueError:
                data = {}
            break
    if action == "update":
        change = label("audit_field", r["field"])
        detail = _("{was} → {now}").format(
            was=_audit_value(entity, r["field"], r["old"]),
            now=_audit_value(entity, r["field"], r["new"]),
        )
        return change, detail
    change = _(_AUDIT_ACTIONS[action]) if action in _AUDIT_ACTIONS else action
    if action in ("create", "delete"):
        return change, _audit_fields(entity, data)
    if action == "import":
        n = int(data.get("count", 0))
        return change, ngettext(
            "{n} added from {source} (import batch {batch})",
            "{n} added from {source} (import batch {batch})",
            n,
        ).format(n=n, source=data.get("source", ""), batch=r["batch_id"])
    if action == "merge":
        return change, _("customer #{id} merged into this one").format(id=data.get("merged_id"))
    if action == "undo":
        return change, _("import batch {batch} undone").format(batch=r["batch_id"])
    if action == "purge":
        return change, _("personal data erased and records deleted")
    if action == "erase":
        return change, _("personal data erased")
    return change, ""


def history(rows: list[dict[str, Any]], total: int, fmt: str, title: str) -> None:
    keys = ("at", "actor", "action", "entity", "entity_id", "field", "old", "new", "batch_id")
    if fmt in ("json", "csv"):
        _output.emit([{k: r[k] for k in keys} for r in rows], [Col(k, k) for k in keys], fmt)
        return
    shown = []
    for r in rows:
        change, detail = _audit_detail(r)
        entity = r["entity"]
        record = _(_AUDIT_ENTITIES[entity]) if entity in _AUDIT_ENTITIES else entity
        if r["entity_id"] is not None:
            record = (_("{record} F{id}") if entity == "followup" else _("{record} #{id}")).format(
                record=record, id=r["entity_id"]
            )
        shown.append(
            {"at": r["at"], "actor": r["actor"] or "", "record": record, "change": change,
             "detail": detail}
        )  # fmt: skip
    caption = None
    if total > len(rows):
        caption = _("newest {n} of {total}; --limit 0 shows everything").format(
            n=len(rows), total=total
        )
    _output.table(
        shown,
        [
            Col("at", _("When")),
            Col("actor", _("Who")),
            Col("record", _("Record")),
            Col("change", _("Change")),
            Col("detail", _("Details"), flex=True),
        ],
        title=title,
        empty=_("No changes recorded yet."),
        caption=caption,
    )
