"""Follow-ups as an iCalendar file (RFC 5545) that a phone or desktop calendar can import.

An item with a time becomes a 15-minute event at that local wall-clock time, with its time zone
(VTIMEZONE) included so DST is right; an item without a time is an all-day event. The text a
person reads (calendar name, event title and description) is in the interface language; the
fields, UIDs and categories (the stored origin) are not.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

PRODID = "-//custtrack//follow-ups//EN"
EVENT_MINUTES = 15


def render(items: Sequence[dict[str, Any]], stamp: datetime | None = None) -> bytes:
    """The items (rows from `due`) as one VCALENDAR."""
    from icalendar import Calendar, Event

    from .. import clock
    from ..i18n import _
    from ..services.due import note_text, shown_key
    from ..validate import format_phone
    from ..vocab import label

    stamp = (stamp or clock.utcnow()).astimezone(UTC)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("custtrack follow-ups"))
    for item in items:
        ev = Event()
        # one UID per follow-up (or per computed reminder and day), so re-imports update
        key = item["key"] if item.get("followup_id") else f"{item['key']}-{item['due_date']}"
        ev.add("uid", f"custtrack-{key}@custtrack")
        ev.add("dtstamp", stamp)
        why = label("origin", item["origin"]) if item["origin"] != "manual" else _("follow-up")
        ev.add("summary", _("{customer} ({why})").format(customer=item["customer"], why=why))
        if item.get("due_time") is not None:
            start = clock.combine(item["due_date"], item["due_time"])
            ev.add("dtstart", start)
            ev.add("dtend", start + timedelta(minutes=EVENT_MINUTES))
        else:
            ev.add("dtstart", item["due_date"])
            ev.add("dtend", item["due_date"] + timedelta(days=1))
        lines = [note_text(item.get("note"), item["origin"]) or ""]
        if item.get("phone"):
            lines.append(_("Phone: {phone}").format(phone=format_phone(item["phone"])))
        if item.get("wechat"):
            lines.append(_("WeChat: {wechat}").format(wechat=item["wechat"]))
        if item.get("channel"):
            lines.append(_("Channel: {channel}").format(channel=label("channel", item["channel"])))
        lines.append(f"custtrack done {shown_key(item)}")
        ev.add("description", "\n".join(x for x in lines if x))
        ev.add("categories", [item["origin"]])
        cal.add_component(ev)
    if items:  # VTIMEZONE rules only for the span of the events, not 1970-2038
        days = [i["due_date"] for i in items]
        cal.add_missing_timezones(min(days) - timedelta(days=366), max(days) + timedelta(days=366))
    return cal.to_ical()
