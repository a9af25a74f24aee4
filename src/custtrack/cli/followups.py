"""The daily loop: plan, due, done, snooze, reschedule, cancel; the cadence and config groups."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .. import vocab
from ..i18n import C_, N_, _, ngettext, pgettext
from ..vocab import CHANNELS, PRIORITIES
from ._app import app, sub_app
from ._options import (
    AsOfOpt,
    CustomerArg,
    DueFormatOpt,
    FormatOpt,
    WriteFormatOpt,
    apply_as_of,
)
from ._past import PastOpt

IdArg = Annotated[
    str,
    typer.Argument(
        help=N_(
            "Follow-up id from `due`: F12 (or 12), or c12 / b12 / p345 / k7 for a computed "
            "reminder."
        ),
        show_default=False,
    ),
]
WhenArg = Annotated[
    str,
    typer.Argument(
        help=N_(
            "When: 2026-12-01, tomorrow 15:00, +3d, in 2 weeks, next friday, eom, 明天, 下周一 …"
        ),
        show_default=False,
    ),
]
ChannelOpt = Annotated[str | None, typer.Option("--channel", "-c", help=", ".join(CHANNELS) + ".")]


@app.command(rich_help_panel=N_("Daily"))
def plan(
    customer: CustomerArg,
    when: WhenArg,
    channel: ChannelOpt = None,
    note: Annotated[
        str | None, typer.Option("--note", "-m", help=N_("What the contact is about."))
    ] = None,
    owner: Annotated[
        str | None, typer.Option(help=N_("Who makes the contact (default: you)."))
    ] = None,
    priority: Annotated[str, typer.Option(help=", ".join(PRIORITIES) + ".")] = "normal",
    past: PastOpt = False,
    fmt: WriteFormatOpt = "table",
) -> None:
    """Plan a contact with a customer.

    WHEN is a date (2026-12-01), with a time if you like (tomorrow 15:00), or
    words: +3d, in 2 weeks, eom, 明天, 3天后. A weekday alone is the first such
    day after today, never today: friday, next friday, 周五 and 星期五 name the
    same day; 这周五 is this week's Friday, 下周五 next week's (weeks start on
    Monday). A day in the past is refused unless --past (a terminal asks).

    Examples:

      custtrack plan "Wang Fang" "next friday 15:00" -c wechat -m "new tea arrived"

      custtrack plan 12 明天下午3点
    """
    from .. import db
    from ..dates import parse_when
    from ..services import customers, followups
    from . import _output, _past

    day, at = parse_when(when, "WHEN")
    _past.check(day, past)
    with db.session(write=True) as s:
        c = customers.resolve(s, customer)
        fu = followups.plan(
            s, c, day, at, channel=channel, note=note, owner=owner, priority=priority
        )
        label = customers.describe(c)
    if _output.written(fmt, fu):
        return
    when_text = _output.due_text(fu.due_date, fu.due_time)
    _output.success(
        _("Planned follow-up F{id} with {customer} on {when}").format(
            id=fu.id, customer=label, when=when_text
        )
    )


_DUE_HELP = N_(
    "Who to contact: sections Overdue, Today and the next N days, most urgent first.\n\n"
    "Besides the follow-ups you planned (id [bold]F<id>[/], e.g. F19; customers are #12), "
    "reminders are computed from rules each time: "
    "stay-in-touch cadences (id [bold]c<customer>[/]), birthdays ([bold]b<customer>[/]), "
    "check-ins after a purchase ([bold]p<purchase>[/]) and complaints past their response "
    "deadline ([bold]k<complaint>[/]).\n\n"
    "Act on any row by its id: [bold]done[/] logs the contact (which restarts a cadence), "
    "[bold]snooze[/] hides it until a day without moving its due date or the cadence (a day "
    "within the next N days lists it on that day), "
    "[bold]reschedule[/] moves it, [bold]cancel[/] drops it (a cancelled cadence starts a "
    "new cycle today). Overdue rows stay until acted on; only a missed birthday (after "
    "followups.reminder_grace_days) or purchase check-in (after "
    "followups.post_purchase_grace_days) is dropped. A customer with an open "
    "planned follow-up is not listed for a cadence too. 29 February birthdays are "
    "celebrated on 28 February in other years.\n\n"
    "Urgency (see --explain) = due × f(0.2 when due in 14+ days … 1.0 from 7 days late) + "
    "priority × weight + value × min(1, log10(1 + lifetime spend) / 5) + origin × weight; "
    "the coefficients are the urgency.* settings.\n\n"
    "JSON/CSV fields: key (the id shown), section, due_date, due_time, days_overdue, "
    "customer_id, customer, origin, channel, note, owner, priority, phone (E.164), wechat, "
    "spend, currency, urgency, followup_id, purchase_id, complaint_id, snoozed_until "
    "(and urgency_terms with --explain)."
    "\n\n"
    "Examples:\n\n"
    "  custtrack due\n\n"
    "  custtrack due --mine --days 14\n\n"
    "  custtrack due --format ics -o followups.ics"
)


@app.command(rich_help_panel=N_("Daily"), help=_DUE_HELP)
def due(
    days: Annotated[
        int | None,
        typer.Option("--days", "-d", help=N_("Look this many days ahead (config default).")),
    ] = None,
    owner: Annotated[str | None, typer.Option(help=N_("Only this person's follow-ups."))] = None,
    mine: Annotated[
        bool,
        typer.Option(
            "--mine",
            help=N_(
                "Only yours: follow-ups you make and reminders of customers you own (you: "
                "CUSTTRACK_USER, else config `user`, else your login name). Without --mine or "
                "--owner, `due` lists everyone's, also on a shared database."
            ),
        ),
    ] = False,
    channel: ChannelOpt = None,
    tag: Annotated[str | None, typer.Option(help=N_("Only customers with this tag."))] = None,
    segment: Annotated[
        str | None,
        typer.Option(
            help=N_("Only customers in this segment: RFM, or saved by `clusters --save`.")
        ),
    ] = None,
    explain: Annotated[bool, typer.Option("--explain", help=N_("Show the urgency terms."))] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit", "-n", help=N_("At most this many rows (table default 50; 0 = all).")
        ),
    ] = None,
    as_of: AsOfOpt = None,
    fmt: DueFormatOpt = "table",
    rank: Annotated[
        str,
        typer.Option(
            "--rank",
            help=N_(
                "urgency (default), or health: in each section the customers in the poorest "
                "health first (see `show --explain`)."
            ),
        ),
    ] = "urgency",
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            "-o",
            help=N_(
                "Write the list to this file instead of the screen (any --format; readable by "
                "you only), e.g. -o followups.ics."
            ),
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help=N_("Overwrite the --out file if it exists."))
    ] = False,
) -> None:
    from .. import clock, config, db
    from ..errors import UsageError
    from ..services import due as due_service
    from ..validate import choice

    if out:  # refused before anything is read or written
        from pathlib import Path

        from ..io.export import check_target

        check_target(Path(out).expanduser(), force)
    apply_as_of(as_of)
    rank = choice(rank, ("urgency", "health"), "--rank")  # issue 15
    if mine:
        if owner:
            raise UsageError(_("use --mine or --owner, not both"))
        owner = config.current_user()
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
            s, 0 if segment or rank == "health" else limit, today=today, days=days, owner=owner,
            tag=tag, channel=channel,
        )  # fmt: skip
        if segment:  # the whole list, then its customers in the segment, still most urgent first
            from ..services.segments import customer_ids_in_segment

            members = set(customer_ids_in_segment(s, segment, today))
            shown = [item for item in shown if item["customer_id"] in members]
            total, shown = len(shown), shown[:limit] if limit else shown
        if rank == "health":  # the whole list, ranked by the customers' health, then cut
            from ..services.health import rank_by_health

            shown = rank_by_health(s, shown, today)
            shown = shown[:limit] if limit else shown
        due_service.fill_channels(s, shown)
        if not total and not segment:
            from datetime import timedelta

            nxt = due_service.next_planned(
                s, today + timedelta(days=horizon_days), today, owner=owner, tag=tag
            )
    from . import _output

    with _output.to_file(out, force) as target:
        _render_due(shown, total, fmt, horizon_days, explain, nxt, today)
    if target is not None:
        n = len(shown)
        _output.success(
            ngettext("Wrote {n} follow-up to {path}", "Wrote {n} follow-ups to {path}", n).format(
                n=n, path=target
            )
        )


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

            notice(
                ngettext(
                    "Building the follow-up agenda of {n} customer (once)…",
                    "Building the follow-up agenda of {n} customers (once)…",
                    count,
                ).format(n=f"{count:,}")
            )

    import sqlalchemy as sa

    try:
        with db.session(write=True) as s:
            agenda.catch_up(s, today, announce)
    except sa.exc.DBAPIError as exc:
        if not db.write_refused(exc):
            raise
        # a read-only copy (a backup, another user's file, a read-only PostgreSQL role), or
        # another command holding the write lock past the busy timeout (a long import): `due`
        # computes on read instead


def _due_rows(items: list[dict[str, Any]], fmt: str, explain: bool) -> list[dict[str, Any]]:
    from .. import config
    from ..services.due import shown_key
    from ..validate import format_money, format_phone, money_str

    cur = str(config.get("currency") or "USD").upper()
    rows = []
    for i in items:
        reach = [format_phone(i["phone"]) if fmt == "table" else i["phone"]]
        row = {
            "key": shown_key(i),  # F19 for a stored follow-up: what the table shows
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
            "snoozed_until": i.get("snoozed_until"),
        }
        if explain:
            row["urgency_terms"] = i["urgency_terms"]
        if "health" in i:  # due --rank health
            row["health"] = i["health"]
        if fmt == "table":
            row["value"] = format_money(i["spend_minor"], cur) if i["spend_minor"] else ""
            row["shown_on"] = i["shown_on"]  # a snoozed one: the day it comes back
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
        from ..i18n import days_from_now

        horizon = today + timedelta(days=days)
        if nxt is None:
            _output.info(
                _(
                    "Nothing due through {day}, and nothing planned after. "
                    "Plan one with `custtrack plan CUSTOMER WHEN`."
                ).format(day=horizon)
            )
        else:
            gap = (nxt[0] - today).days
            _output.info(
                _("Nothing due through {day}. Next: {customer} on {next_day} ({relative}).").format(
                    day=horizon, customer=nxt[1], next_day=nxt[0], relative=days_from_now(gap)
                )
            )
        return
    from ..services.due import note_text

    for r in rows:
        r["id"] = r["key"]
        r["when"] = _output.due_text(r.pop("shown_on"), r["due_time"])
        r["late"] = _("{n}d").format(n=r["days_overdue"]) if r["days_overdue"] else ""
        # one way to reach them per line: the phone, else WeChat (json/csv carry both)
        wechat = _("WeChat {id}").format(id=r["wechat"]) if r["wechat"] else ""
        r["reach"] = r["phone"] or wechat
        r["note"] = note_text(r["note"], r["origin"])
        r["origin"] = vocab.label("origin", r["origin"])
        r["channel"] = vocab.label("channel", r["channel"])
    if explain:
        _explain(rows)
        return
    cols = [
        Col("id", _("ID"), "right", "bold"), Col("customer", _("Customer"), max_width=14),
        Col("origin", _("Why"), drop=2), Col("when", _("Due")),
        Col("late", _("Late"), "right", "red"), Col("channel", _("Via"), drop=3),
        Col("note", _("Note"), flex=True), Col("reach", _("Reach")),
        Col("value", _("Spend"), "right", drop=1),
    ]  # fmt: skip
    if "health" in rows[0]:  # due --rank health
        cols.insert(2, Col("health", _("Health"), "right"))
    for section in ("overdue", "today", "upcoming"):
        part = [r for r in rows if r["section"] == section]
        if not part:
            continue
        n = len(part)
        if section == "overdue":
            title = ngettext("Overdue ({n})", "Overdue ({n})", n)
        elif section == "today":
            title = ngettext("Today ({n})", "Today ({n})", n)
        else:
            title = ngettext("Next {days} day ({n})", "Next {days} days ({n})", days)
        _output.table(part, cols, title=title.format(n=n, days=days), compact=True)
    if total > len(rows):
        more = total - len(rows)
        _output.info(
            ngettext(
                "… and {n} more (use --limit 0 to see all).",
                "… and {n} more (use --limit 0 to see all).",
                more,
            ).format(n=more)
        )


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
        Col("id", _("ID"), "right"), Col("customer", _("Customer")), Col("origin", _("Why")),
        Col("late", _("Late"), "right"), Col("t_due", pgettext("urgency term", "due"), "right"),
        Col("t_priority", pgettext("urgency term", "priority"), "right"),
        Col("t_value", pgettext("urgency term", "value"), "right"),
        Col("t_origin", pgettext("urgency term", "origin"), "right"),
        Col("urgency", _("Urgency"), "right", "bold"),
    ]  # fmt: skip
    _output.table(terms, cols, title=_("Urgency terms"))
    coef = coefficients()
    sep = pgettext("list separator", ", ")
    _output.info(
        _(
            "urgency = {due} × due factor (0.2 when due in 14+ days … 1.0 from 7 days late) + "
            "{priority} × priority ({priorities}) + {value} × min(1, log10(1 + lifetime spend) / 5)"
            " + {origin} × origin ({origins}). Coefficients: `custtrack config set urgency.due 12`"
            " (also urgency.priority, urgency.value, urgency.origin)."
        ).format(
            due=f"{coef['due']:g}",
            priority=f"{coef['priority']:g}",
            priorities=sep.join(
                f"{vocab.label('priority', k)} {v:g}" for k, v in PRIORITY_WEIGHT.items()
            ),
            value=f"{coef['value']:g}",
            origin=f"{coef['origin']:g}",
            origins=sep.join(f"{vocab.label('origin', k)} {v:g}" for k, v in ORIGIN_WEIGHT.items()),
        )
    )


def _act_header(fu: Any, label: str) -> str:
    return _("F{id} ({origin}) with {customer}").format(
        id=fu.id, origin=vocab.label("origin", fu.origin), customer=label
    )


@app.command(rich_help_panel=N_("Daily"))
def done(
    item: IdArg,
    log: Annotated[
        str | None, typer.Option("--log", "-m", help=N_("What was said (default: the note)."))
    ] = None,
    channel: ChannelOpt = None,
    at: Annotated[
        str | None, typer.Option("--at", help=N_("When the contact happened (default now)."))
    ] = None,
    next_: Annotated[
        str | None,
        typer.Option("--next", help=N_("Plan the next contact: +2w, next friday, 明天 …")),
    ] = None,
    next_note: Annotated[
        str | None, typer.Option("--next-note", help=N_("A note for the next contact."))
    ] = None,
    past: PastOpt = False,
    fmt: WriteFormatOpt = "table",
) -> None:
    """Complete a follow-up: record the contact and plan the next one, in one step.

    The contact closes the customer's other follow-ups due by then, as `log` does.

    Example: custtrack done F12 --log "ordered 2 boxes" --next "in 2 weeks"
    """
    from .. import db
    from ..dates import parse_moment, parse_when
    from ..errors import UsageError
    from ..models import Customer
    from ..services import customers, followups
    from . import _output

    if next_note and not next_:
        raise UsageError(_("--next-note needs --next WHEN"))
    when = parse_moment(at)
    planned = parse_when(next_, "--next") if next_ else None
    if planned:
        from . import _past

        _past.check(planned[0], past, option="--next")
    with db.session(write=True) as s:
        fu = followups.resolve_item(s, item)
        c = s.get(Customer, fu.customer_id)
        assert c is not None  # a follow-up's customer (foreign key)
        contact, closed = followups.complete(s, fu, at=when, summary=log, channel=channel)
        nxt = None
        if planned:
            nxt = followups.plan(
                s, c, planned[0], planned[1], channel=contact.channel, note=next_note
            )
        label = customers.describe(c)
        others = [f"F{f.id}" for f in closed if f.id != fu.id]
        fu_id, origin = fu.id, fu.origin
        nxt_text = ""
        if nxt:
            nxt_text = _("F{id} on {when}").format(
                id=nxt.id, when=_output.due_text(nxt.due_date, nxt.due_time)
            )
    if _output.written(
        fmt, fu, contact=_output.record(contact), closed_followups=[f.id for f in closed],
        next_followup=_output.record(nxt) if nxt else None,
    ):  # fmt: skip
        return
    _output.success(
        _("Done F{id} ({origin}) with {customer}; logged contact #{contact}").format(
            id=fu_id, origin=vocab.label("origin", origin), customer=label, contact=contact.id
        )
    )
    if others:
        _output.info(
            "  "
            + ngettext(
                "also closed follow-up {ids}", "also closed follow-ups {ids}", len(others)
            ).format(ids=", ".join(others))
        )
    if nxt_text:
        _output.info("  " + _("next contact planned: {text}").format(text=nxt_text))


def _act_on(item: str, action: Any) -> tuple[str, Any]:
    """Resolve a follow-up id (stored or computed), apply `action(session, fu)` in one
    transaction; return how the follow-up is named in the confirmation, and the follow-up."""
    from .. import db
    from ..models import Customer
    from ..services import customers, followups

    with db.session(write=True) as s:
        fu = followups.resolve_item(s, item)
        action(s, fu)
        c = s.get(Customer, fu.customer_id)
        assert c is not None  # a follow-up's customer (foreign key)
        return _act_header(fu, customers.describe(c)), fu


@app.command(rich_help_panel=N_("Daily"))
def snooze(
    item: IdArg, when: WhenArg, past: PastOpt = False, fmt: WriteFormatOpt = "table"
) -> None:
    """Hide a follow-up until a day; its due date (and any cadence) does not move.

    Example: custtrack snooze F12 +3d
    """
    from ..dates import parse_date
    from ..services import followups
    from . import _output, _past

    until = parse_date(when, "WHEN")
    past = _past.check(until, past, "snooze")
    text, fu = _act_on(item, lambda s, fu: followups.snooze(s, fu, until, past=past))
    if _output.written(fmt, fu):
        return
    _output.success(_("Snoozed {followup} until {day}").format(followup=text, day=until))


@app.command(rich_help_panel=N_("Daily"))
def reschedule(
    item: IdArg, when: WhenArg, past: PastOpt = False, fmt: WriteFormatOpt = "table"
) -> None:
    """Move a follow-up to another day (and time).

    Example: custtrack reschedule F12 "next monday 10:00"
    """
    from ..dates import parse_when
    from ..services import followups
    from . import _output, _past

    day, at = parse_when(when, "WHEN")
    _past.check(day, past, "reschedule")
    text, fu = _act_on(item, lambda s, fu: followups.reschedule(s, fu, day, at))
    if _output.written(fmt, fu):
        return
    _output.success(
        _("Rescheduled {followup} to {when}").format(followup=text, when=_output.due_text(day, at))
    )


@app.command(rich_help_panel=N_("Daily"))
def cancel(item: IdArg, fmt: WriteFormatOpt = "table") -> None:
    """Cancel a follow-up (no contact is recorded).

    Example: custtrack cancel F12
    """
    from ..services import followups
    from . import _output

    text, fu = _act_on(item, followups.cancel)
    if _output.written(fmt, fu):
        return
    _output.success(_("Cancelled {followup}").format(followup=text))


# --- cadence -----------------------------------------------------------------------------------

cadence_app = sub_app(
    "cadence",
    N_(
        "Stay-in-touch rules: contact customers every N days, counted from the last logged contact."
    ),
    N_("Daily"),
)
TagOpt = Annotated[str | None, typer.Option("--tag", help=N_("Customers with this tag."))]
CustOpt = Annotated[str | None, typer.Option("--customer", help=N_("One customer."))]
SegOpt = Annotated[
    str | None,
    typer.Option(
        "--segment",
        help=N_(
            "Customers in this segment: an RFM segment (e.g. at-risk), one saved by "
            "`clusters --save`, or advocates."
        ),
    ),
]


def _target(tag: str | None, customer: str | None, segment: str | None) -> tuple[str, str]:
    from ..errors import UsageError

    given = [(k, v) for k, v in (("tag", tag), ("customer", customer), ("segment", segment)) if v]
    if len(given) != 1:
        raise UsageError(_("give exactly one of --tag, --customer or --segment"))
    return given[0]


def _target_text(scope: str, target: str) -> str:
    """A cadence's target as people read it: a segment in the interface language."""
    return vocab.label("segment", target) if scope == "segment" else target


@cadence_app.command("set")
def cadence_set(
    every: Annotated[str, typer.Option("--every", help=N_("How often: 30d, 2w, 3m."))],
    tag: TagOpt = None,
    customer: CustOpt = None,
    segment: SegOpt = None,
    fmt: WriteFormatOpt = "table",
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
    if _output.written(fmt, cad, label=label):
        return
    n = cad.every_days
    if created:
        text = ngettext(
            "Set cadence for {scope} {target}: every {n} day",
            "Set cadence for {scope} {target}: every {n} days",
            n,
        )
    else:
        text = ngettext(
            "Changed cadence for {scope} {target}: every {n} day",
            "Changed cadence for {scope} {target}: every {n} days",
            n,
        )
    scope_text = vocab.label("cadence_scope", scope)
    _output.success(text.format(scope=scope_text, target=_target_text(scope, label), n=n))


@cadence_app.command("list")
def cadence_list(fmt: FormatOpt = "table") -> None:
    """The cadences, with how many customers each covers.

    JSON fields: id, scope, target, label, every_days, customers.
    """
    from .. import config, db
    from ..services import followups
    from . import _output
    from ._output import Col

    with db.session() as s:
        rows = followups.list_cadences(s)
    default = int(config.get("followups.cadence_default_days") or 0)
    cols = [
        Col("id", _("ID"), "right"), Col("scope", _("Scope")), Col("label", _("Target")),
        Col("every_days", _("Every (days)"), "right"),
        Col("customers", _("Customers"), "right"),
    ]  # fmt: skip
    if fmt == "table":  # json and csv keep the stored values
        for r in rows:
            if r["scope"] == "customer" and not r["customers"]:
                r["label"] = _("#{id} (deleted)").format(id=r["target"])
            r["label"] = _target_text(r["scope"], r["label"])
            r["scope"] = vocab.label("cadence_scope", r["scope"])
    caption = (
        ngettext(
            "Everyone else: every {n} day (followups.cadence_default_days)",
            "Everyone else: every {n} days (followups.cadence_default_days)",
            default,
        ).format(n=default)
        if default
        else _("No default cadence (custtrack config set followups.cadence_default_days 90)")
    )
    _output.emit(
        rows,
        cols,
        fmt,
        title=_("Cadences"),
        empty=_("No cadences. {caption}").format(caption=caption),
        caption=caption,
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
    _output.success(
        _("Cleared the cadence for {scope} {target}").format(
            scope=vocab.label("cadence_scope", scope), target=_target_text(scope, label)
        )
    )


# --- config ------------------------------------------------------------------------------------

config_app = sub_app(
    "config",
    N_("Settings: cadence default, reminders, deadlines, user, currency …"),
    N_("Settings"),
)
# where a setting's value comes from (config.source), as `config show` says it
_SOURCES = (C_("config_source", "default"), C_("config_source", "file"), C_("config_source", "env"))


@config_app.command("show")
def config_show(fmt: FormatOpt = "table") -> None:
    """Every setting, its value, and whether it is the default.

    JSON and CSV fields: key, value, default, source (default, file or env).
    """
    from .. import config
    from . import _output
    from ._output import Col

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
                "shown": _show_value(value)
                if key != "user" or value
                else _("(empty: your login name, {name})").format(name=config.current_user()),
                "is_default": _("yes") if value == default else "",
            }
        )
    if fmt != "table":
        for r in rows:
            del r["shown"], r["is_default"]
    else:
        for r in rows:
            r["source"] = vocab.label("config_source", r["source"])
    cols = [
        Col("key", _("Key"), style="bold"), Col("shown", _("Value")),
        Col("is_default", _("Default?")), Col("source", _("From")),
    ]  # fmt: skip
    if fmt != "table":  # csv: key,value,default,source
        cols = [Col(k, k) for k in ("key", "value", "default", "source")]
    _output.emit(rows, cols, fmt, title=_("Settings"), caption=str(config.config_path()))


def _show_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(f"{v:g}" for v in value) if value else _("(none)")
    return _("(empty)") if value == "" else str(value)


@config_app.command("get")
def config_get(
    key: Annotated[str, typer.Argument(help=N_("A setting, e.g. followups.due_days."))],
) -> None:
    """Print one setting's value."""
    from .. import config
    from ..errors import InvalidValue

    if key not in config.DEFAULTS:
        raise InvalidValue("key", key, _("unknown setting"), _("see `custtrack config show`"))
    typer.echo(_show_value(config.get(key)))


@config_app.command("set")
def config_set(
    key: Annotated[str, typer.Argument(help=N_("A setting, e.g. followups.birthday_lead_days."))],
    value: Annotated[str, typer.Argument(help=N_("The new value ('' clears text settings)."))],
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
