"""The daily loop: plan, due, done, snooze, reschedule, cancel; the cadence and config groups."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..vocab import CHANNELS, PRIORITIES
from ._app import app, sub_app
from ._options import AsOfOpt, CustomerArg, FormatOpt, apply_as_of, check_format

IdArg = Annotated[
    str,
    typer.Argument(
        help="Follow-up id from `due`: 12, or c12 / b12 / p345 / k7 for a computed reminder.",
        show_default=False,
    ),
]
WhenArg = Annotated[
    str,
    typer.Argument(
        help="When: 2026-12-01, tomorrow 15:00, +3d, in 2 weeks, next friday, eom, 明天, 下周一 …",
        show_default=False,
    ),
]
ChannelOpt = Annotated[str | None, typer.Option("--channel", "-c", help=", ".join(CHANNELS) + ".")]


@app.command(rich_help_panel="Daily")
def plan(
    customer: CustomerArg,
    when: WhenArg,
    channel: ChannelOpt = None,
    note: Annotated[
        str | None, typer.Option("--note", "-m", help="What the contact is about.")
    ] = None,
    owner: Annotated[
        str | None, typer.Option(help="Who makes the contact (default: config `user`).")
    ] = None,
    priority: Annotated[str, typer.Option(help=", ".join(PRIORITIES) + ".")] = "normal",
) -> None:
    """Plan a contact with a customer.

    Examples:

      custtrack plan "Wang Fang" "next friday 15:00" -c wechat -m "new tea arrived"

      custtrack plan 12 明天下午3点
    """
    from .. import db
    from ..dates import parse_when
    from ..services import customers, followups
    from . import _output

    day, at = parse_when(when, "WHEN")
    with db.session(write=True) as s:
        c = customers.resolve(s, customer)
        fu = followups.plan(
            s, c, day, at, channel=channel, note=note, owner=owner, priority=priority
        )
        label = customers.describe(c)
    when_text = _output.due_text(fu.due_date, fu.due_time)
    _output.success(f"Planned follow-up #{fu.id} with {label} on {when_text}")


_DUE_HELP = "\n\n".join(
    [
        "Who to contact: sections Overdue, Today and the next N days, most urgent first.",
        "Besides the follow-ups you planned, reminders are computed from rules each time: "
        "stay-in-touch cadences (id [bold]c<customer>[/]), birthdays ([bold]b<customer>[/]), "
        "check-ins after a purchase ([bold]p<purchase>[/]) and complaints past their response "
        "deadline ([bold]k<complaint>[/]).",
        "Act on any row by its id: [bold]done[/] logs the contact (which restarts a cadence), "
        "[bold]snooze[/] hides it until a day without moving its due date or the cadence, "
        "[bold]reschedule[/] moves it, [bold]cancel[/] drops it (a cancelled cadence starts a "
        "new cycle today). Overdue rows stay until acted on; only a missed birthday (after "
        "followups.reminder_grace_days) or purchase check-in (after "
        "followups.post_purchase_grace_days) is dropped. A customer with an open "
        "planned follow-up is not listed for a cadence too. 29 February birthdays are "
        "celebrated on 28 February in other years.",
        "Urgency (see --explain) = due × f(0.2 when due in 14+ days … 1.0 from 7 days late) + "
        "priority × weight + value × min(1, log10(1 + lifetime spend) / 5) + origin × weight; "
        "the coefficients are the urgency.* settings.",
        "JSON/CSV fields: key, section, due_date, due_time, days_overdue, customer_id, customer, "
        "origin, channel, note, owner, priority, phone (E.164), wechat, spend, currency, urgency, "
        "followup_id, purchase_id, complaint_id (and urgency_terms with --explain).",
        "Examples:",
        "  custtrack due",
        "  custtrack due --mine --days 14",
        "  custtrack due --format ics > followups.ics",
    ]
)


@app.command(rich_help_panel="Daily", help=_DUE_HELP)
def due(
    days: Annotated[
        int | None, typer.Option("--days", "-d", help="Look this many days ahead (config default).")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Only this person's follow-ups.")] = None,
    mine: Annotated[
        bool, typer.Option("--mine", help="Only yours (config `user` or CUSTTRACK_USER).")
    ] = False,
    channel: ChannelOpt = None,
    tag: Annotated[str | None, typer.Option(help="Only customers with this tag.")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="Show the urgency terms.")] = False,
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", help="At most this many rows (table default 50; 0 = all)."),
    ] = None,
    as_of: AsOfOpt = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="table, json, csv or ics (iCalendar).")
    ] = "table",
) -> None:
    from .. import clock, config, db
    from ..errors import UsageError
    from ..services import due as due_service
    from ..validate import choice

    fmt = check_format(fmt, ("table", "json", "csv", "ics"))
    apply_as_of(as_of)
    if mine:
        if owner:
            raise UsageError("use --mine or --owner, not both")
        owner = str(config.get("user") or "")
        if not owner:
            raise UsageError(
                "--mine needs your name: `custtrack config set user NAME` or CUSTTRACK_USER"
            )
    channel = choice(channel, CHANNELS, "--channel")
    today = clock.today()
    horizon_days = int(config.get("followups.due_days")) if days is None else days
    if limit is None:
        limit = 50 if fmt == "table" else 0
    nxt = None
    due_service.horizon_of(today, days)  # bad --days is refused before anything is written
    if as_of is None:  # a look at another day computes on read: the agenda stays at today
        _catch_up(today)
    with db.session() as s:
        shown, total = due_service.due_page(
            s, limit, today=today, days=days, owner=owner, tag=tag, channel=channel
        )
        due_service.fill_channels(s, shown)
        if not total:
            from datetime import timedelta

            nxt = due_service.next_planned(
                s, today + timedelta(days=horizon_days), today, owner=owner, tag=tag
            )
    _render_due(shown, total, fmt, horizon_days, explain, nxt, today)


def _catch_up(today: Any) -> None:
    """Bring the agenda up to date for `today` (a few customers after a day's work, every
    customer after an upgrade or a settings change), in its own write transaction."""
    from .. import db
    from ..services import agenda

    with db.session() as s:
        todo = agenda.pending(s, today)
    if todo is None:
        return

    def announce(count: int) -> None:
        if count >= 20_000:
            from ._output import notice

            notice(f"Building the follow-up agenda of {count:,} customers (once)…")

    import sqlalchemy as sa

    try:
        with db.session(write=True) as s:
            agenda.catch_up(s, today, announce)
    except sa.exc.OperationalError as exc:
        if not db.write_refused(exc):
            raise
        # a read-only copy (a backup, another user's file), or another command holding the
        # write lock past the busy timeout (a long import): `due` computes on read instead


def _due_rows(items: list[dict[str, Any]], fmt: str, explain: bool) -> list[dict[str, Any]]:
    from .. import config
    from ..validate import format_money, format_phone, money_str

    cur = str(config.get("currency") or "USD").upper()
    rows = []
    for i in items:
        reach = [format_phone(i["phone"]) if fmt == "table" else i["phone"]]
        row = {
            "key": i["key"],
            "section": i["section"],
            "due_date": i["due_date"],
            "due_time": i["due_time"],
            "days_overdue": i["days_overdue"],
            "customer_id": i["customer_id"],
            "customer": i["customer"],
            "origin": i["origin"],
            "channel": i["channel"],
            "note": i["note"],
            "owner": i["owner"],
            "priority": i["priority"],
            "phone": reach[0] or None,
            "wechat": i["wechat"],
            "spend": money_str(i["spend_minor"], cur),
            "currency": cur,
            "urgency": i["urgency"],
            "followup_id": i["followup_id"],
            "purchase_id": i["purchase_id"],
            "complaint_id": i["complaint_id"],
        }
        if explain:
            row["urgency_terms"] = i["urgency_terms"]
        if fmt == "table":
            row["value"] = format_money(i["spend_minor"], cur) if i["spend_minor"] else ""
        rows.append(row)
    return rows


def _render_due(
    items: list[dict[str, Any]],
    total: int,
    fmt: str,
    days: int,
    explain: bool,
    nxt: Any,
    today: Any,
) -> None:
    from datetime import timedelta

    from . import _output
    from ._output import Col

    if fmt == "ics":
        import sys

        from ..io.ics import render

        sys.stdout.write(render(items).decode("utf-8"))
        return
    rows = _due_rows(items, fmt, explain)
    if fmt in ("json", "csv"):
        if fmt == "csv" and explain:
            for r in rows:
                r.update({f"urgency_{k}": v for k, v in r.pop("urgency_terms").items()})
        _output.emit(rows, [Col(k, k) for k in rows[0]] if rows else [], fmt)
        return
    if not rows:
        horizon = today + timedelta(days=days)
        if nxt is None:
            _output.info(
                f"Nothing due through {horizon}, and nothing planned after. "
                "Plan one with `custtrack plan CUSTOMER WHEN`."
            )
        else:
            gap = (nxt[0] - today).days
            _output.info(
                f"Nothing due through {horizon}. Next: {nxt[1]} on {nxt[0]} (in {gap} days)."
            )
        return
    for r in rows:
        r["id"] = r["key"]
        r["when"] = _output.due_text(r["due_date"], r["due_time"])
        r["late"] = f"{r['days_overdue']}d" if r["days_overdue"] else ""
        # one way to reach them per line: the phone, else WeChat (json/csv carry both)
        r["reach"] = r["phone"] or ("WeChat " + r["wechat"] if r["wechat"] else "")
    if explain:
        _explain(rows)
        return
    cols = [
        Col("id", "ID", "right", "bold"), Col("customer", "Customer", max_width=14),
        Col("origin", "Why", drop=2), Col("when", "Due"), Col("late", "Late", "right", "red"),
        Col("channel", "Via", drop=3), Col("note", "Note", flex=True), Col("reach", "Reach"),
        Col("value", "Spend", "right", drop=1),
    ]  # fmt: skip
    titles = {"overdue": "Overdue", "today": "Today", "upcoming": f"Next {days} days"}
    for section, title in titles.items():
        part = [r for r in rows if r["section"] == section]
        if part:
            _output.table(part, cols, title=f"{title} ({len(part)})", compact=True)
    if total > len(rows):
        _output.info(f"… and {total - len(rows)} more (use --limit 0 to see all).")


def _explain(rows: list[dict[str, Any]]) -> None:
    from ..services.due import ORIGIN_WEIGHT, PRIORITY_WEIGHT, coefficients
    from . import _output
    from ._output import Col

    terms = [
        {"id": r["id"], "customer": r["customer"], "origin": r["origin"], "late": r["late"],
         "urgency": r["urgency"], **{f"t_{k}": v for k, v in r["urgency_terms"].items()}}
        for r in rows
    ]  # fmt: skip
    cols = [
        Col("id", "ID", "right"), Col("customer", "Customer"), Col("origin", "Why"),
        Col("late", "Late", "right"), Col("t_due", "due", "right"),
        Col("t_priority", "priority", "right"), Col("t_value", "value", "right"),
        Col("t_origin", "origin", "right"), Col("urgency", "Urgency", "right", "bold"),
    ]  # fmt: skip
    _output.table(terms, cols, title="Urgency terms")
    coef = coefficients()
    _output.info(
        f"urgency = {coef['due']:g} × due factor (0.2 when due in 14+ days … 1.0 from 7 days "
        f"late) + {coef['priority']:g} × priority ("
        + ", ".join(f"{k} {v:g}" for k, v in PRIORITY_WEIGHT.items())
        + f") + {coef['value']:g} × min(1, log10(1 + lifetime spend) / 5) + {coef['origin']:g}"
        " × origin ("
        + ", ".join(f"{k} {v:g}" for k, v in ORIGIN_WEIGHT.items())
        + "). Coefficients: `custtrack config set urgency.due 12` (also urgency.priority, "
        "urgency.value, urgency.origin)."
    )


def _act_header(fu: Any, label: str) -> str:
    return f"#{fu.id} ({fu.origin}) with {label}"


@app.command(rich_help_panel="Daily")
def done(
    item: IdArg,
    log: Annotated[
        str | None, typer.Option("--log", "-m", help="What was said (default: the note).")
    ] = None,
    channel: ChannelOpt = None,
    at: Annotated[
        str | None, typer.Option("--at", help="When the contact happened (default now).")
    ] = None,
    next_: Annotated[
        str | None, typer.Option("--next", help="Plan the next contact: +2w, next friday, 明天 …")
    ] = None,
    next_note: Annotated[
        str | None, typer.Option("--next-note", help="A note for the next contact.")
    ] = None,
) -> None:
    """Complete a follow-up: record the contact and plan the next one, in one step.

    The contact closes the customer's other follow-ups due by then, as `log` does.

    Example: custtrack done 12 --log "ordered 2 boxes" --next "in 2 weeks"
    """
    from .. import db
    from ..dates import parse_moment, parse_when
    from ..errors import UsageError
    from ..models import Customer
    from ..services import customers, followups
    from . import _output

    if next_note and not next_:
        raise UsageError("--next-note needs --next WHEN")
    when = parse_moment(at)
    planned = parse_when(next_, "--next") if next_ else None
    with db.session(write=True) as s:
        fu = followups.resolve_item(s, item)
        c = s.get(Customer, fu.customer_id)
        contact, closed = followups.complete(s, fu, at=when, summary=log, channel=channel)
        nxt = None
        if planned:
            nxt = followups.plan(
                s, c, planned[0], planned[1], channel=contact.channel, note=next_note
            )
        label = customers.describe(c)
        others = [f"#{f.id}" for f in closed if f.id != fu.id]
        fu_id, origin = fu.id, fu.origin
        nxt_text = ""
        if nxt:
            nxt_text = f"#{nxt.id} on {_output.due_text(nxt.due_date, nxt.due_time)}"
    _output.success(f"Done #{fu_id} ({origin}) with {label}; logged contact #{contact.id}")
    if others:
        _output.info(f"  also closed follow-up{'s' * (len(others) > 1)} {', '.join(others)}")
    if nxt_text:
        _output.info(f"  next contact planned: {nxt_text}")


def _act_on(item: str, action: Any) -> str:
    """Resolve a follow-up id (stored or computed), apply `action(session, fu)` in one
    transaction, and return how the follow-up is named in the confirmation."""
    from .. import db
    from ..models import Customer
    from ..services import customers, followups

    with db.session(write=True) as s:
        fu = followups.resolve_item(s, item)
        action(s, fu)
        return _act_header(fu, customers.describe(s.get(Customer, fu.customer_id)))


@app.command(rich_help_panel="Daily")
def snooze(item: IdArg, when: WhenArg) -> None:
    """Hide a follow-up until a day; its due date (and any cadence) does not move.

    Example: custtrack snooze 12 +3d
    """
    from ..dates import parse_date
    from ..services import followups
    from . import _output

    until = parse_date(when, "WHEN")
    text = _act_on(item, lambda s, fu: followups.snooze(s, fu, until))
    _output.success(f"Snoozed {text} until {until}")


@app.command(rich_help_panel="Daily")
def reschedule(item: IdArg, when: WhenArg) -> None:
    """Move a follow-up to another day (and time).

    Example: custtrack reschedule 12 "next monday 10:00"
    """
    from ..dates import parse_when
    from ..services import followups
    from . import _output

    day, at = parse_when(when, "WHEN")
    text = _act_on(item, lambda s, fu: followups.reschedule(s, fu, day, at))
    _output.success(f"Rescheduled {text} to {_output.due_text(day, at)}")


@app.command(rich_help_panel="Daily")
def cancel(item: IdArg) -> None:
    """Cancel a follow-up (no contact is recorded).

    Example: custtrack cancel 12
    """
    from ..services import followups
    from . import _output

    text = _act_on(item, followups.cancel)
    _output.success(f"Cancelled {text}")


# --- cadence -----------------------------------------------------------------------------------

cadence_app = sub_app(
    "cadence",
    "Stay-in-touch rules: contact customers every N days, counted from the last logged contact.",
    "Daily",
)
TagOpt = Annotated[str | None, typer.Option("--tag", help="Customers with this tag.")]
CustOpt = Annotated[str | None, typer.Option("--customer", help="One customer.")]
SegOpt = Annotated[
    str | None, typer.Option("--segment", help="Customers in this RFM segment (e.g. at-risk).")
]


def _target(tag: str | None, customer: str | None, segment: str | None) -> tuple[str, str]:
    from ..errors import UsageError

    given = [(k, v) for k, v in (("tag", tag), ("customer", customer), ("segment", segment)) if v]
    if len(given) != 1:
        raise UsageError("give exactly one of --tag, --customer or --segment")
    return given[0]


@cadence_app.command("set")
def cadence_set(
    every: Annotated[str, typer.Option("--every", help="How often: 30d, 2w, 3m.")],
    tag: TagOpt = None,
    customer: CustOpt = None,
    segment: SegOpt = None,
) -> None:
    """Contact the customers in scope at least every N days.

    When several apply, a customer's own cadence wins over a tag's, a tag's over a segment's, and
    the shortest wins within a level; config followups.cadence_default_days covers the rest.

    Examples:

      custtrack cadence set --tag vip --every 30d

      custtrack cadence set --customer "Wang Fang" --every 2w
    """
    from .. import db
    from ..dates import parse_period
    from ..services import followups
    from . import _output

    scope, target = _target(tag, customer, segment)
    days = parse_period(every)
    with db.session(write=True) as s:
        cad, label, created = followups.set_cadence(s, scope, target, days)
    verb = "Set" if created else "Changed"
    _output.success(f"{verb} cadence for {scope} {label}: every {cad.every_days} days")


@cadence_app.command("list")
def cadence_list(fmt: FormatOpt = "table") -> None:
    """The cadences, with how many customers each covers.

    JSON fields: id, scope, target, label, every_days, customers.
    """
    from .. import config, db
    from ..services import followups
    from . import _output
    from ._output import Col

    fmt = check_format(fmt)
    with db.session() as s:
        rows = followups.list_cadences(s)
    default = int(config.get("followups.cadence_default_days") or 0)
    cols = [
        Col("id", "ID", "right"), Col("scope", "Scope"), Col("label", "Target"),
        Col("every_days", "Every (days)", "right"), Col("customers", "Customers", "right"),
    ]  # fmt: skip
    caption = (
        f"Everyone else: every {default} days (followups.cadence_default_days)"
        if default
        else "No default cadence (custtrack config set followups.cadence_default_days 90)"
    )
    _output.emit(
        rows, cols, fmt, title="Cadences", empty="No cadences. " + caption, caption=caption
    )


@cadence_app.command("clear")
def cadence_clear(tag: TagOpt = None, customer: CustOpt = None, segment: SegOpt = None) -> None:
    """Remove a cadence.

    Example: custtrack cadence clear --tag vip
    """
    from .. import db
    from ..services import followups
    from . import _output

    scope, target = _target(tag, customer, segment)
    with db.session(write=True) as s:
        label = followups.clear_cadence(s, scope, target)
    _output.success(f"Cleared the cadence for {scope} {label}")


# --- config ------------------------------------------------------------------------------------

config_app = sub_app(
    "config", "Settings: cadence default, reminders, deadlines, user, currency …", "Settings"
)


@config_app.command("show")
def config_show(fmt: FormatOpt = "table") -> None:
    """Every setting, its value, and whether it is the default.

    JSON fields: key, value, default, source (default, file or env).
    """
    from .. import config
    from . import _output
    from ._output import Col

    fmt = check_format(fmt)
    rows = []
    for key, default in config.DEFAULTS.items():
        value = config.get(key)
        src = config.source(key)
        rows.append(
            {
                "key": key,
                "value": value,
                "default": default,
                "source": src,
                "shown": _show_value(value),
                "is_default": "yes" if value == default else "",
            }
        )
    if fmt != "table":
        for r in rows:
            del r["shown"], r["is_default"]
    cols = [
        Col("key", "Key", style="bold"), Col("shown", "Value"),
        Col("is_default", "Default?"), Col("source", "From"),
    ]  # fmt: skip
    _output.emit(rows, cols, fmt, title="Settings", caption=str(config.config_path()))


def _show_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(f"{v:g}" for v in value) if value else "(none)"
    return "(empty)" if value == "" else str(value)


@config_app.command("get")
def config_get(
    key: Annotated[str, typer.Argument(help="A setting, e.g. followups.due_days.")],
) -> None:
    """Print one setting's value."""
    from .. import config
    from ..errors import InvalidValue

    if key not in config.DEFAULTS:
        raise InvalidValue("key", key, "unknown setting", "see `custtrack config show`")
    typer.echo(_show_value(config.get(key)))


@config_app.command("set")
def config_set(
    key: Annotated[str, typer.Argument(help="A setting, e.g. followups.birthday_lead_days.")],
    value: Annotated[str, typer.Argument(help="The new value ('' clears text settings).")],
) -> None:
    """Change one setting (checked before it is written).

    Examples:

      custtrack config set user Li

      custtrack config set followups.cadence_default_days 90
    """
    from .. import config
    from . import _output

    stored = config.set_value(key, value)
    _output.success(f"{key} = {_show_value(stored)}")
