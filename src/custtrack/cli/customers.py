"""Customer records: add, edit, tag, untag, archive, delete, show, list."""

from __future__ import annotations

from typing import Annotated

import typer

from ._app import app
from ._options import CustomerArg, FormatOpt, LimitOpt, YesOpt, check_format

Text = lambda help: typer.Option(help=help, show_default=False)  # noqa: E731

NameArg = Annotated[str, typer.Argument(help="The customer's name.", show_default=False)]
PhoneOpt = Annotated[str | None, typer.Option("--phone", "-p", help="Phone; stored as E.164.")]
EmailOpt = Annotated[str | None, typer.Option("--email", "-e", help="E-mail address.")]
WechatOpt = Annotated[str | None, typer.Option("--wechat", "-w", help="WeChat or other IM handle.")]
CompanyOpt = Annotated[str | None, Text("Company or organisation.")]
AddressOpt = Annotated[str | None, Text("Street address.")]
CityOpt = Annotated[str | None, Text("City.")]
BirthdayOpt = Annotated[str | None, Text("Birthday: 1985-03-12, '12 March 1985' …")]
GenderOpt = Annotated[str | None, Text("female, male, other or unknown.")]
SourceOpt = Annotated[str | None, Text("How they found you (walk-in, referral, a campaign …).")]
OwnerOpt = Annotated[str | None, Text("Who looks after this customer.")]
PriceOpt = Annotated[
    str | None, typer.Option("--price-sensitivity", help="low, medium or high.", show_default=False)
]
NotesOpt = Annotated[str | None, Text("Free-text notes.")]


def _fields(**kw: str | None) -> dict[str, str | None]:
    return {k: v for k, v in kw.items() if v is not None}


@app.command(rich_help_panel="Customers")
def add(
    name: NameArg,
    phone: PhoneOpt = None,
    email: EmailOpt = None,
    wechat: WechatOpt = None,
    company: CompanyOpt = None,
    address: AddressOpt = None,
    city: CityOpt = None,
    birthday: BirthdayOpt = None,
    gender: GenderOpt = None,
    source: SourceOpt = None,
    owner: OwnerOpt = None,
    price_sensitivity: PriceOpt = None,
    notes: NotesOpt = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", "-t", help="A tag (repeatable).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Record even if the phone or e-mail is already in use.")
    ] = False,
) -> None:
    """Record a new customer.

    Phones are stored with their country code (E.164); a number without +code
    is read with the `phone_region` setting (CN, US …). A phone or e-mail that
    already belongs to a customer is refused, naming them, unless --force.

    Examples:
      custtrack add "Wang Fang" --phone 13800138000 --city 杭州 --tag vip
      custtrack add "Anna Berg" -e anna@example.com --birthday "12 March 1985"
    """
    from .. import db
    from ..services import customers
    from . import _output

    fields = _fields(
        name=name, phone=phone, email=email, wechat=wechat, company=company, address=address,
        city=city, birthday=birthday, gender=gender, source=source, owner=owner,
        price_sensitivity=price_sensitivity, notes=notes,
    )  # fmt: skip
    with db.session(write=True) as s:
        c = customers.add(s, fields, tags=tag or [], force=force)
        label = customers.describe(c)
    _output.success(f"Added {label}")


@app.command(rich_help_panel="Customers")
def edit(
    customer: CustomerArg,
    name: Annotated[str | None, typer.Option(help="New name.", show_default=False)] = None,
    phone: PhoneOpt = None,
    email: EmailOpt = None,
    wechat: WechatOpt = None,
    company: CompanyOpt = None,
    address: AddressOpt = None,
    city: CityOpt = None,
    birthday: BirthdayOpt = None,
    gender: GenderOpt = None,
    source: SourceOpt = None,
    owner: OwnerOpt = None,
    price_sensitivity: PriceOpt = None,
    notes: NotesOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Allow a phone/e-mail in use.")] = False,
) -> None:
    """Change a customer's details; an empty value ("") clears a field.

    Examples:
      custtrack edit "Wang Fang" --city 上海 --owner lei
      custtrack edit 12 --email ""
    """
    from .. import db
    from ..errors import UsageError
    from ..services import customers
    from . import _output

    fields = _fields(
        name=name, phone=phone, email=email, wechat=wechat, company=company, address=address,
        city=city, birthday=birthday, gender=gender, source=source, owner=owner,
        price_sensitivity=price_sensitivity, notes=notes,
    )  # fmt: skip
    if not fields:
        raise UsageError("nothing to change: give at least one option, e.g. --city")
    with db.session(write=True) as s:
        c = customers.resolve(s, customer)
        changed = customers.update(s, c, fields, force=force)
        label = customers.describe(c)
    if not changed:
        _output.info(f"No change to {_output.esc(label)}.")
        return
    for key, (old, new) in changed.items():
        was, now = _output.human(old) or "—", _output.human(new) or "—"
        _output.info(f"  {key}: {_output.esc(was)} → {_output.esc(now)}")
    _output.success(f"Updated {label}")


TagsArg = Annotated[list[str], typer.Argument(help="One or more tags.", show_default=False)]


@app.command(rich_help_panel="Customers")
def tag(customer: CustomerArg, tags: TagsArg) -> None:
    """Add tags to a customer.

    Example: custtrack tag 12 vip wholesale
    """
    _retag(customer, add=tags)


@app.command(rich_help_panel="Customers")
def untag(customer: CustomerArg, tags: TagsArg) -> None:
    """Remove tags from a customer.

    Example: custtrack untag 12 wholesale
    """
    _retag(customer, remove=tags)


def _retag(ref: str, add: list[str] = (), remove: list[str] = ()) -> None:
    from .. import db
    from ..services import customers
    from . import _output

    with db.session(write=True) as s:
        c = customers.resolve(s, ref)
        added, removed = customers.set_tags(s, c, add=add, remove=remove)
        now = customers.tags_of(s, c.id)
        label = customers.describe(c)
    changes = [f"+{t}" for t in added] + [f"-{t}" for t in removed]
    _output.success(
        f"{label}: {' '.join(changes) or 'no change'}; tags now: {', '.join(now) or 'none'}"
    )


@app.command(rich_help_panel="Customers")
def archive(
    customer: CustomerArg,
    undo: Annotated[bool, typer.Option("--undo", help="Make the customer active again.")] = False,
) -> None:
    """Archive a customer: kept with all history, hidden from lists and the due view.

    Examples:
      custtrack archive "Old Li"
      custtrack archive "Old Li" --undo      (make them active again)
    """
    from .. import db
    from ..services import customers
    from . import _output

    with db.session(write=True) as s:
        c = customers.resolve(s, customer)
        unchanged = c.status == ("active" if undo else "archived")
        if not unchanged:
            customers.set_archived(s, c, not undo)
        label = customers.describe(c)
    if unchanged:
        _output.info(f"{_output.esc(label)} is already {'active' if undo else 'archived'}.")
        return
    _output.success(f"{'Restored' if undo else 'Archived'} {label}")


@app.command(rich_help_panel="Customers")
def delete(customer: CustomerArg, yes: YesOpt = False) -> None:
    """Delete a customer and everything recorded about them (asks first).

    Contacts, purchases, feedback, complaints and follow-ups go too.
    To keep the history, use archive instead.

    Examples:
      custtrack delete 12
      custtrack delete "Old Li" --yes
    """
    from .. import db
    from ..services import customers
    from . import _output

    with db.session() as s:
        c = customers.resolve(s, customer)
        cid, label = c.id, customers.describe(c)
    # ask outside the write transaction: it would hold the database lock while the user thinks
    if not yes and not typer.confirm(
        f"Delete {label} with all contacts, purchases, feedback and complaints?", default=False
    ):
        _output.info("Nothing deleted.")
        raise typer.Exit(1)
    with db.session(write=True) as s:
        counts = customers.delete(s, customers.resolve(s, f"#{cid}"))
    detail = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    _output.success(f"Deleted {label}" + (f" ({detail})" if detail else ""))


@app.command(rich_help_panel="Customers")
def show(
    customer: CustomerArg,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Show the whole timeline.")] = False,
    fmt: FormatOpt = "table",
) -> None:
    """A customer's profile card and timeline, newest first.

    The card: contact details, tags, owner, last and next contact, purchases,
    latest feedback and open complaints. The timeline: contacts, purchases,
    feedback and complaints (the newest 30 unless --all).

    JSON fields (whole timeline): customer (every stored field), tags,
    last_contact, next_followup, latest_feedback, open_complaints,
    summary (purchases, spend_minor, currency, spend_by_currency,
    last_purchase, occasions), timeline (at, kind, id, what, detail),
    timeline_total. Times: ISO 8601, local time. Money: minor units (cents).

    Examples:
      custtrack show "Wang Fang"
      custtrack show 12 --all
      custtrack show anna@example.com --format json
    """
    from .. import db
    from ..services import customers, records
    from . import _render

    fmt = check_format(fmt, ("table", "json"))
    with db.session() as s:
        c = customers.resolve(s, customer)
        prof = records.profile(s, c, timeline_limit=0 if all_ or fmt == "json" else 30)
    _render.profile(prof, fmt)


@app.command("list", rich_help_panel="Customers")
def list_(
    tag: Annotated[
        str | None, typer.Option("--tag", "-t", help="Only customers with this tag.")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Only this owner's customers.")] = None,
    city: Annotated[str | None, typer.Option(help="Only customers in this city.")] = None,
    source: Annotated[str | None, typer.Option(help="Only customers from this source.")] = None,
    segment: Annotated[
        str | None, typer.Option(help="Only this RFM segment (see `custtrack segments`).")
    ] = None,
    search: Annotated[
        str | None,
        typer.Option(
            "--search", "-s", help="Text in name, phone, e-mail, WeChat, company or notes."
        ),
    ] = None,
    archived: Annotated[bool, typer.Option("--archived", help="List archived customers.")] = False,
    sort: Annotated[
        str, typer.Option(help="name, created, last-contact, last-purchase, spend or id.")
    ] = "name",
    limit: LimitOpt = 0,
    fmt: FormatOpt = "table",
) -> None:
    """List active customers (archived ones with --archived), filtered and sorted.

    Filters combine (all must match); --owner, --city and --source ignore case.
    Spend adds the purchases in the configured currency.

    JSON/CSV fields: id, name, phone (E.164), email, wechat, city, company,
    owner, source, tags (a list; joined with ";" in CSV), orders,
    spend (exact decimal), currency, last_purchase, last_contact
    (ISO 8601, local time), status.

    Examples:
      custtrack list --tag vip --sort spend --limit 20
      custtrack list --city 杭州 --owner lei
      custtrack list -s 138 -f csv > customers.csv
    """
    from .. import db
    from ..services import customers
    from . import _render

    fmt = check_format(fmt)
    with db.session() as s:
        ids = None
        if segment:
            from ..services.segments import customer_ids_in_segment

            ids = customer_ids_in_segment(s, segment)
        rows = customers.list_customers(
            s, tag=tag, owner=owner, city=city, source=source, search=search, ids=ids,
            status="archived" if archived else "active", sort=sort, limit=limit,
        )  # fmt: skip
    filtered = any((tag, owner, city, source, segment, search, archived))
    empty = "No customers match." if filtered else 'No customers yet: custtrack add "Name" -p …'
    _render.customer_list(rows, fmt, empty)
