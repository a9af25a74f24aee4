"""What happens with a customer: log (contacts), buy, feedback, complain, complaints, resolve."""

from __future__ import annotations

from typing import Annotated

import typer

from ..i18n import N_, _, ngettext
from ._app import app
from ._options import CustomerArg, FormatOpt, LimitOpt, WriteFormatOpt
from ._past import PastOpt

# Option help naming the values of a vocabulary, written out for the catalogue (the Chinese names
# the words validate.choice accepts too); tests/test_i18n_records.py checks them against vocab.
_CHANNELS = N_("phone, wechat, email, visit, meeting, sms, video, social, other.")
_WHERE = N_("Where: phone, wechat, email, visit, meeting, sms, video, social, other")
_CATEGORIES = N_("price, quality, service, delivery, other.")
_PRIORITIES = N_("low, normal, high, urgent.")

AtOpt = Annotated[
    str | None,
    typer.Option("--at", help=N_("When it happened: now (default), yesterday, 2026-11-20 15:00 …")),
]


# issue 15: who of a company customer it was with
PersonOpt = Annotated[
    str | None,
    typer.Option("--person", help=N_("The company's contact person it was with (name or id).")),
]


@app.command(rich_help_panel=N_("Daily"))
def log(
    customer: CustomerArg,
    channel: Annotated[str, typer.Option("--channel", "-c", help=_CHANNELS)] = "phone",
    summary: Annotated[
        str | None, typer.Option("--summary", "-m", help=N_("What was said or done."))
    ] = None,
    outcome: Annotated[
        str | None, typer.Option(help=N_("Result: ordered, call back, no answer …"))
    ] = None,
    at: AtOpt = None,
    next_: Annotated[
        str | None,
        typer.Option("--next", help=N_("Plan the next contact: +3d, next friday, 明天 15:00 …")),
    ] = None,
    next_note: Annotated[
        str | None, typer.Option("--next-note", help=N_("A note for the next contact."))
    ] = None,
    keep_open: Annotated[
        bool,
        typer.Option("--keep-open", help=N_("Do not close follow-ups this contact would settle.")),
    ] = False,
    past: PastOpt = False,
    person: PersonOpt = None,
    fmt: WriteFormatOpt = "table",
) -> None:
    """Record a contact (call, visit, message …) and plan the next one.

    Logging a contact closes the customer's open follow-ups due on or before
    its day; --keep-open leaves them open.

    --next reads dates as `plan` does: a weekday alone (friday, next friday,
    周五) is the first such day after today, never today; 下周五 is Friday of
    next week. A day in the past is refused unless --past (a terminal asks).

    Examples:
      custtrack log "Wang Fang" -c wechat -m "asked about tea" --next friday
      custtrack log 12 -c visit --at yesterday --outcome ordered
      custtrack log 王芳 --next "明天下午3点" --next-note "send the price list"
    """
    from .. import db
    from ..dates import parse_moment, parse_when
    from ..errors import UsageError
    from ..services import customers, followups, records
    from ..vocab import label as vocab_label
    from . import _output

    if next_note and not next_:
        raise UsageError(_("--next-note needs --next WHEN"))
    when = parse_moment(at)
    planned = parse_when(next_, "--next") if next_ else None
    if planned:
        from . import _past

        _past.check(planned[0], past, option="--next")
    with db.session(write=True) as s:
        c = customers.resolve(s, customer)
        from ..services.accounts import person_id_for

        contact = records.log_contact(
            s, c, channel=channel, at=when, summary=summary, outcome=outcome,
            person_id=person_id_for(s, c, person),
        )  # fmt: skip
        closed = []
        if not keep_open:
            assert c.id is not None and contact.id is not None  # stored; log_contact flushed it
            closed = followups.close_due_on_contact(s, c.id, when.date(), contact.id)
        fu = None
        if planned:
            fu = followups.plan(s, c, planned[0], planned[1], channel=channel, note=next_note)
        label = customers.describe(c)
        closed_ids = [f"F{f.id}" for f in closed]
        fu_id, fu_when = (fu.id, _output.due_text(fu.due_date, fu.due_time)) if fu else (0, "")
    if _output.written(
        fmt, contact, closed_followups=[f.id for f in closed],
        next_followup=_output.record(fu) if fu else None,
    ):  # fmt: skip
        return
    _output.success(
        _("Logged {channel} contact #{id} with {label}").format(
            channel=vocab_label("channel", contact.channel), id=contact.id, label=label
        )
    )
    if closed_ids:
        ids = ", ".join(closed_ids)
        closed_text = ngettext("closed follow-up {ids}", "closed follow-ups {ids}", len(closed_ids))
        _output.info("  " + closed_text.format(ids=ids))
    if fu_id:
        planned_text = _("next contact planned: F{id} on {when}").format(id=fu_id, when=fu_when)
        _output.info("  " + planned_text)


@app.command(rich_help_panel=N_("Daily"))
def buy(
    customer: CustomerArg,
    amount: Annotated[
        str, typer.Argument(help=N_("Amount paid, e.g. 129.90."), show_default=False)
    ],
    product: Annotated[
        str | None, typer.Option("--product", "-p", help=N_("What was bought."))
    ] = None,
    category: Annotated[str | None, typer.Option(help=N_("Product category."))] = None,
    qty: Annotated[int, typer.Option("--qty", "-q", help=N_("Quantity."))] = 1,
    at: AtOpt = None,
    order_ref: Annotated[
        str | None,
        typer.Option("--order-ref", help=N_("Order or receipt number (must be unique).")),
    ] = None,
    currency: Annotated[
        str | None, typer.Option(help=N_("Currency code (CNY, USD …); default: the setting."))
    ] = None,
    person: PersonOpt = None,
    cost: Annotated[
        str | None,
        typer.Option(
            help=N_(
                "What the goods of this line cost you, in the same currency; default: the "
                "product's unit cost (`product set`), for `profit`."
            )
        ),
    ] = None,
    fmt: WriteFormatOpt = "table",
) -> None:
    """Record a purchase: the amount paid, stored exactly in minor units (cents).

    The currency is the `currency` setting unless --currency is given.
    An --order-ref can be recorded only once, so a receipt is never counted twice.

    Examples:
      custtrack buy "Wang Fang" 268 --product "Longjing 250g" --category tea
      custtrack buy 12 1,299.00 --qty 2 --order-ref T-20261120-7 --at yesterday
    """
    from .. import db
    from ..dates import parse_moment
    from ..services import customers, records
    from ..validate import money_text
    from . import _output

    when = parse_moment(at)
    with db.session(write=True) as s:
        c = customers.resolve(s, customer)
        from ..services.accounts import person_id_for

        p = records.record_purchase(
            s, c, amount=amount, at=when, product=product, category=category, qty=qty,
            order_ref=order_ref, currency=currency, person_id=person_id_for(s, c, person),
            cost=cost,
        )  # fmt: skip
        label = customers.describe(c)
    if _output.written(fmt, p):
        return
    money = money_text(p.amount_minor, p.currency)
    _output.success(
        _("Recorded purchase #{id}: {money} by {label}").format(id=p.id, money=money, label=label)
    )


@app.command(rich_help_panel=N_("Daily"))
def refund(
    purchase: Annotated[int, typer.Argument(help=N_("Purchase id (from `show`)."),
                                            show_default=False)],
    amount: Annotated[
        str | None,
        typer.Option("--amount", help=N_("Refund only this much (default: all that is left).")),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(help=N_("When the money went back (default: now): yesterday, 2026-11-20 …")),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", "-m", help=N_("Why."))] = None,
    fmt: WriteFormatOpt = "table",
) -> None:  # fmt: skip
    """Refund a purchase (all of it or part): money given back, as a line of its own.

    The refund is a negative line linked to the purchase (refund_of), dated
    when the money went back: revenue counts it in that period, while the
    purchase keeps its day and amount. A purchase refunded in full is no
    longer an order (not in orders, AOV, frequency or recency); one refunded
    in part counts with what was kept. Its cost comes back in proportion,
    and so do the points it earned. `delete purchase ID` of the refund
    undoes it.

    Examples:
      custtrack refund 345
      custtrack refund 345 --amount 100 -m "one tin was broken"
    """
    from .. import db
    from ..dates import parse_moment
    from ..models import Customer
    from ..services import customers, records
    from ..validate import money_text
    from . import _output

    when = parse_moment(at) if at is not None else None
    with db.session(write=True) as s:
        line, left, taken = records.record_refund(s, purchase, amount=amount, at=when, note=note)
        owner = s.get(Customer, line.customer_id)
        assert owner is not None  # the refund's own customer
        customer = customers.describe(owner)
    if _output.written(fmt, line, points=-taken, left_minor=left):
        return
    money = money_text(-line.amount_minor, line.currency)
    if left:
        text = _("Refunded {money} of purchase #{id} of {customer} (refund #{refund}); "
                 "{left} of it is kept")  # fmt: skip
    else:
        text = _("Refunded purchase #{id} of {customer} in full ({money}; refund #{refund})")
    text = text.format(
        id=purchase, customer=customer, money=money, refund=line.id,
        left=money_text(left, line.currency),
    )  # fmt: skip
    if taken:
        points = ngettext("{n} point", "{n} points", taken).format(n=f"{taken:,}")
        text = _("{text}; {points} taken back").format(text=text, points=points)
    _output.success(text)


@app.command(rich_help_panel=N_("Daily"))
def feedback(
    customer: CustomerArg,
    csat: Annotated[int | None, typer.Option(help=N_("Satisfaction 1 (bad) – 5 (great)."))] = None,
    nps: Annotated[int | None, typer.Option(help=N_("Would recommend, 0 – 10."))] = None,
    text: Annotated[str | None, typer.Option("--text", "-m", help=N_("What they said."))] = None,
    channel: Annotated[str | None, typer.Option(help=_WHERE)] = None,
    at: AtOpt = None,
    fmt: WriteFormatOpt = "table",
) -> None:
    """Record feedback: a CSAT (1-5) and/or NPS (0-10) score and what the customer said.

    Examples:
      custtrack feedback 12 --csat 5 --nps 9 --text "fast delivery"
      custtrack feedback "Wang Fang" --text "wants smaller packs" --channel wechat
    """
    from .. import db
    from ..dates import parse_moment
    from ..services import customers, records
    from . import _output

    when = parse_moment(at)
    with db.session(write=True) as s:
        c = customers.resolve(s, customer)
        f = records.record_feedback(s, c, at=when, csat=csat, nps=nps, text=text, channel=channel)
        label = customers.describe(c)
    if _output.written(fmt, f):
        return
    _output.success(_("Recorded feedback #{id} from {label}").format(id=f.id, label=label))


@app.command(rich_help_panel=N_("Daily"))
def complain(
    customer: CustomerArg,
    category: Annotated[str, typer.Option("--category", help=_CATEGORIES)] = "other",
    priority: Annotated[str, typer.Option(help=_PRIORITIES)] = "normal",
    text: Annotated[str | None, typer.Option("--text", "-m", help=N_("What went wrong."))] = None,
    assignee: Annotated[str | None, typer.Option(help=N_("Who handles it."))] = None,
    at: AtOpt = None,
    fmt: WriteFormatOpt = "table",
) -> None:
    """Open a complaint (close it later with `custtrack resolve ID`).

    Examples:
      custtrack complain 12 --category delivery --priority high -m "box arrived wet"
      custtrack complain "Wang Fang" --category price -m "too dear" --assignee lei
    """
    from .. import db
    from ..dates import parse_moment
    from ..services import customers, records
    from ..vocab import label as vocab_label
    from . import _output

    when = parse_moment(at)
    with db.session(write=True) as s:
        c = customers.resolve(s, customer)
        item = records.open_complaint(
            s, c, category=category, priority=priority, text=text, assignee=assignee, at=when
        )
        label = customers.describe(c)
    if _output.written(fmt, item):
        return
    _output.success(
        _("Opened complaint #{id} ({category}, {priority}) for {label}").format(
            id=item.id,
            category=vocab_label("complaint_category", item.category),
            priority=vocab_label("priority", item.priority),
            label=label,
        )
    )


@app.command(rich_help_panel=N_("Daily"))
def complaints(
    status: Annotated[str, typer.Option(help=N_("open, resolved or all."))] = "all",
    customer: Annotated[str | None, typer.Option(help=N_("Only this customer's."))] = None,
    limit: LimitOpt = 0,
    fmt: FormatOpt = "table",
) -> None:
    """List complaints, open ones first, oldest first.

    JSON/CSV fields: id, customer_id, customer, category, priority, status,
    text, assignee, resolution, opened_at, resolved_at, updated_at
    (times in ISO 8601, local time).

    Examples:
      custtrack complaints --status open
      custtrack complaints --customer "Wang Fang" --format json
    """
    from .. import db
    from ..services import customers, records
    from ..vocab import label as vocab_label
    from . import _output
    from ._output import Col

    with db.session() as s:
        c = customers.resolve(s, customer) if customer else None
        rows = records.list_complaints(s, status=status, customer=c, limit=limit)
    if fmt == "table":  # stored values as people read them; JSON and CSV keep them as stored
        rows = [
            {
                **r,
                "category": vocab_label("complaint_category", r["category"]),
                "priority": vocab_label("priority", r["priority"]),
                "status": vocab_label("complaint_status", r["status"]),
            }
            for r in rows
        ]
    cols = [
        Col("id", _("ID"), "right"), Col("customer", _("Customer")),
        Col("category", _("Category"), drop=1), Col("priority", _("Priority")),
        Col("status", _("Status")), Col("opened_at", _("Opened")),
        Col("assignee", _("Assignee"), drop=3), Col("text", _("Complaint"), max_width=40),
        Col("resolution", _("Resolution"), max_width=30, drop=2),
    ]  # narrow terminals: assignee, then resolution, then category are left out  # fmt: skip
    _output.emit(rows, cols, fmt, title=_("Complaints"), empty=_("No complaints."))


@app.command(rich_help_panel=N_("Daily"))
def resolve(
    complaint_id: Annotated[int, typer.Argument(help=N_("Complaint id."), show_default=False)],
    resolution: Annotated[str, typer.Option("--resolution", "-m", help=N_("How it was resolved."))],
    fmt: WriteFormatOpt = "table",
) -> None:
    """Mark a complaint resolved (its open follow-ups are closed too).

    Example: custtrack resolve 3 --resolution "sent a replacement"
    """
    from .. import db
    from ..services import records
    from . import _output

    with db.session(write=True) as s:
        item = records.resolve_complaint(s, complaint_id, resolution)
    if _output.written(fmt, item):
        return
    _output.success(_("Resolved complaint #{id}").format(id=item.id))
