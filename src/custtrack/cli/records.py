"""What happens with a customer: log (contacts), buy, feedback, complain, complaints, resolve."""

from __future__ import annotations

from typing import Annotated

import typer

from ..vocab import CHANNELS, COMPLAINT_CATEGORIES, PRIORITIES
from ._app import app
from ._options import CustomerArg, FormatOpt, LimitOpt, check_format

AtOpt = Annotated[
    str | None,
    typer.Option("--at", help="When it happened: now (default), yesterday, 2026-11-20 15:00 …"),
]


@app.command(rich_help_panel="Daily")
def log(
    customer: CustomerArg,
    channel: Annotated[
        str, typer.Option("--channel", "-c", help=", ".join(CHANNELS) + ".")
    ] = "phone",
    summary: Annotated[
        str | None, typer.Option("--summary", "-m", help="What was said or done.")
    ] = None,
    outcome: Annotated[
        str | None, typer.Option(help="Result: ordered, call back, no answer …")
    ] = None,
    at: AtOpt = None,
    next_: Annotated[
        str | None,
        typer.Option("--next", help="Plan the next contact: +3d, next friday, 明天 15:00 …"),
    ] = None,
    next_note: Annotated[
        str | None, typer.Option("--next-note", help="A note for the next contact.")
    ] = None,
    keep_open: Annotated[
        bool,
        typer.Option("--keep-open", help="Do not close follow-ups this contact would settle."),
    ] = False,
) -> None:
    """Record a contact (call, visit, message …) and plan the next one.

    Logging a contact closes the customer's open follow-ups due on or before
    its day; --keep-open leaves them open.

    Examples:
      custtrack log "Wang Fang" -c wechat -m "asked about tea" --next friday
      custtrack log 12 -c visit --at yesterday --outcome ordered
      custtrack log 王芳 --next "明天下午3点" --next-note "send the price list"
    """
    from .. import db
    from ..dates import parse_moment, parse_when
    from ..errors import UsageError
    from ..services import customers, followups, records
    from . import _output

    if next_note and not next_:
        raise UsageError("--next-note needs --next WHEN")
    when = parse_moment(at)
    planned = parse_when(next_, "--next") if next_ else None
    with db.session(write=True) as s:
        c = customers.resolve(s, customer)
        contact = records.log_contact(
            s, c, channel=channel, at=when, summary=summary, outcome=outcome
        )
        closed = []
        if not keep_open:
            closed = followups.close_due_on_contact(s, c.id, when.date(), contact.id)
        fu = None
        if planned:
            fu = followups.plan(s, c, planned[0], planned[1], channel=channel, note=next_note)
        label = customers.describe(c)
        closed_ids = [f"#{f.id}" for f in closed]
        fu_text = f"#{fu.id} on {_output.due_text(fu.due_date, fu.due_time)}" if fu else ""
    _output.success(f"Logged {contact.channel} contact #{contact.id} with {label}")
    if closed_ids:
        _output.info(f"  closed follow-up{'s' * (len(closed_ids) > 1)} {', '.join(closed_ids)}")
    if fu_text:
        _output.info(f"  next contact planned: {fu_text}")


@app.command(rich_help_panel="Daily")
def buy(
    customer: CustomerArg,
    amount: Annotated[str, typer.Argument(help="Amount paid, e.g. 129.90.", show_default=False)],
    product: Annotated[str | None, typer.Option("--product", "-p", help="What was bought.")] = None,
    category: Annotated[str | None, typer.Option(help="Product category.")] = None,
    qty: Annotated[int, typer.Option("--qty", "-q", help="Quantity.")] = 1,
    at: AtOpt = None,
    order_ref: Annotated[
        str | None, typer.Option("--order-ref", help="Order or receipt number (must be unique).")
    ] = None,
    currency: Annotated[
        str | None, typer.Option(help="Currency code (CNY, USD …); default: the setting.")
    ] = None,
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
    from ..validate import format_money
    from . import _output

    when = parse_moment(at)
    with db.session(write=True) as s:
        c = customers.resolve(s, customer)
        p = records.record_purchase(
            s, c, amount=amount, at=when, product=product, category=category, qty=qty,
            order_ref=order_ref, currency=currency,
        )  # fmt: skip
        label = customers.describe(c)
    money = f"{format_money(p.amount_minor, p.currency)} {p.currency}"
    _output.success(f"Recorded purchase #{p.id}: {money} by {label}")


@app.command(rich_help_panel="Daily")
def feedback(
    customer: CustomerArg,
    csat: Annotated[int | None, typer.Option(help="Satisfaction 1 (bad) – 5 (great).")] = None,
    nps: Annotated[int | None, typer.Option(help="Would recommend, 0 – 10.")] = None,
    text: Annotated[str | None, typer.Option("--text", "-m", help="What they said.")] = None,
    channel: Annotated[str | None, typer.Option(help="Where: " + ", ".join(CHANNELS))] = None,
    at: AtOpt = None,
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
    _output.success(f"Recorded feedback #{f.id} from {label}")


@app.command(rich_help_panel="Daily")
def complain(
    customer: CustomerArg,
    category: Annotated[
        str, typer.Option("--category", help=", ".join(COMPLAINT_CATEGORIES) + ".")
    ] = "other",
    priority: Annotated[str, typer.Option(help=", ".join(PRIORITIES) + ".")] = "normal",
    text: Annotated[str | None, typer.Option("--text", "-m", help="What went wrong.")] = None,
    assignee: Annotated[str | None, typer.Option(help="Who handles it.")] = None,
    at: AtOpt = None,
) -> None:
    """Open a complaint (close it later with `custtrack resolve ID`).

    Examples:
      custtrack complain 12 --category delivery --priority high -m "box arrived wet"
      custtrack complain "Wang Fang" --category price -m "too dear" --assignee lei
    """
    from .. import db
    from ..dates import parse_moment
    from ..services import customers, records
    from . import _output

    when = parse_moment(at)
    with db.session(write=True) as s:
        c = customers.resolve(s, customer)
        item = records.open_complaint(
            s, c, category=category, priority=priority, text=text, assignee=assignee, at=when
        )
        label = customers.describe(c)
    _output.success(f"Opened complaint #{item.id} ({item.category}, {item.priority}) for {label}")


@app.command(rich_help_panel="Daily")
def complaints(
    status: Annotated[str, typer.Option(help="open, resolved or all.")] = "all",
    customer: Annotated[str | None, typer.Option(help="Only this customer's.")] = None,
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
    from . import _output
    from ._output import Col

    fmt = check_format(fmt)
    with db.session() as s:
        c = customers.resolve(s, customer) if customer else None
        rows = records.list_complaints(s, status=status, customer=c, limit=limit)
    cols = [
        Col("id", "ID", "right"), Col("customer", "Customer"), Col("category", "Category"),
        Col("priority", "Priority"), Col("status", "Status"), Col("opened_at", "Opened"),
        Col("assignee", "Assignee"), Col("text", "Complaint", max_width=40),
        Col("resolution", "Resolution", max_width=30),
    ]  # fmt: skip
    _output.emit(rows, cols, fmt, title="Complaints", empty="No complaints.")


@app.command(rich_help_panel="Daily")
def resolve(
    complaint_id: Annotated[int, typer.Argument(help="Complaint id.", show_default=False)],
    resolution: Annotated[str, typer.Option("--resolution", "-m", help="How it was resolved.")],
) -> None:
    """Mark a complaint resolved (its open follow-ups are closed too).

    Example: custtrack resolve 3 --resolution "sent a replacement"
    """
    from .. import db
    from ..services import records
    from . import _output

    with db.session(write=True) as s:
        item = records.resolve_complaint(s, complaint_id, resolution)
    _output.success(f"Resolved complaint #{item.id}")
