"""Customer records: add, edit, tag, untag, archive, delete, show, list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ..i18n import C_, N_, _, ngettext, pgettext
from . import _contact_points as points_cli  # edit --add-phone … (issue 17.8)
from . import _corrections as fix  # edit/delete KIND ID (issue 17.7)
from ._app import app
from ._options import CustomerArg, FormatOpt, LimitOpt, WriteFormatOpt, YesOpt

if TYPE_CHECKING:
    from collections.abc import Iterable

Text = lambda help: typer.Option(help=help, show_default=False)  # noqa: E731

NameArg = Annotated[str, typer.Argument(help=N_("The customer's name."), show_default=False)]
PhoneOpt = Annotated[str | None, typer.Option("--phone", "-p", help=N_("Phone; stored as E.164."))]
EmailOpt = Annotated[str | None, typer.Option("--email", "-e", help=N_("E-mail address."))]
WechatOpt = Annotated[
    str | None, typer.Option("--wechat", "-w", help=N_("WeChat or other IM handle."))
]
CompanyOpt = Annotated[str | None, Text(N_("Company or organisation."))]
AddressOpt = Annotated[str | None, Text(N_("Street address."))]
CityOpt = Annotated[str | None, Text(N_("City."))]
BirthdayOpt = Annotated[
    str | None,
    Text(
        N_(
            "Birthday: 1985-03-12, '12 March 1985'; without the year: 11-25, 11月25日, Dec 3 "
            "(reminded, no age); 农历八月十五 is a lunar birthday."
        )
    ),
]
LunarBirthdayOpt = Annotated[
    str | None,
    Text(
        N_(
            "Lunar (农历) birthday, month and day: 八月十五, 正月初八, 闰四月十五 or 8-15; "
            "reminded on its solar day each year."
        )
    ),
]
GenderOpt = Annotated[str | None, Text(N_("female, male, other or unknown."))]
SourceOpt = Annotated[str | None, Text(N_("How they found you (walk-in, referral, a campaign …)."))]
OwnerOpt = Annotated[str | None, Text(N_("Who looks after this customer."))]
NewOwnerOpt = Annotated[
    str | None, Text(N_('Who looks after this customer (default: you; "" for no one).'))
]
PriceOpt = Annotated[
    str | None,
    typer.Option("--price-sensitivity", help=N_("low, medium or high."), show_default=False),
]
NotesOpt = Annotated[str | None, Text(N_("Free-text notes."))]
# issue 15: company accounts and referrals
KindOpt = Annotated[
    str | None, Text(N_("person (default) or company: a company has contact persons."))
]
ReferredByOpt = Annotated[
    str | None,
    typer.Option("--referred-by", help=N_("The customer who brought them (id, name, phone …)."),
                 show_default=False),
]  # fmt: skip

# a customer's fields as `edit` names what it changed (the keys are the option names)
_FIELDS = (
    C_("customer_field", "name"), C_("customer_field", "phone"), C_("customer_field", "email"),
    C_("customer_field", "wechat"), C_("customer_field", "company"),
    C_("customer_field", "address"), C_("customer_field", "city"),
    C_("customer_field", "birthday"), C_("customer_field", "lunar_birthday"),
    C_("customer_field", "gender"),
    C_("customer_field", "source"), C_("customer_field", "owner"),
    C_("customer_field", "price_sensitivity"), C_("customer_field", "notes"),
    C_("customer_field", "external_id"),
)  # fmt: skip
# the stored values some fields hold, shown through vocab.label
_FIELD_VOCABULARY = {"gender": "gender", "price_sensitivity": "price_sensitivity"}
_FIELD_VOCABULARY["kind"] = "customer_kind"  # issue 15


def _fields(**kw: str | int | None) -> dict[str, str | int | None]:
    return {k: v for k, v in kw.items() if v is not None}


@app.command(rich_help_panel=N_("Customers"))
def add(
    name: NameArg,
    phone: PhoneOpt = None,
    email: EmailOpt = None,
    wechat: WechatOpt = None,
    company: CompanyOpt = None,
    address: AddressOpt = None,
    city: CityOpt = None,
    birthday: BirthdayOpt = None,
    lunar_birthday: LunarBirthdayOpt = None,
    gender: GenderOpt = None,
    source: SourceOpt = None,
    owner: NewOwnerOpt = None,
    price_sensitivity: PriceOpt = None,
    notes: NotesOpt = None,
    kind: KindOpt = None,
    referred_by: ReferredByOpt = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", "-t", help=N_("A tag (repeatable)."))
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help=N_("Record even if the phone or e-mail is already in use.")),
    ] = False,
    fmt: WriteFormatOpt = "table",
) -> None:
    """Record a new customer.

    Phones are stored with their country code (E.164); a number without +code
    is read with the `phone_region` setting (CN, US …). A phone or e-mail that
    already belongs to a customer is refused, naming them, unless --force.
    You own the customers you add unless --owner says otherwise.

    Examples:
      custtrack add "Wang Fang" --phone 13800138000 --city 杭州 --tag vip
      custtrack add "Anna Berg" -e anna@example.com --birthday "12 March 1985"
    """
    from .. import db
    from ..services import customers
    from . import _output

    fields = _fields(
        name=name, phone=phone, email=email, wechat=wechat, company=company, address=address,
        city=city, birthday=birthday, lunar_birthday=lunar_birthday, gender=gender,
        source=source, owner=owner, price_sensitivity=price_sensitivity, notes=notes,
    )  # fmt: skip
    with db.session(write=True, create=True) as s:
        if kind is not None or referred_by:  # issue 15
            from ..services.referrals import referrer_id

            fields.update(_fields(kind=kind, referred_by_id=referrer_id(s, referred_by)))
        c = customers.add(s, fields, tags=tag or [], force=force)
        assert c.id is not None  # customers.add flushed it
        label = customers.describe(c)
        tags = customers.tags_of(s, c.id)
    if _output.written(fmt, c, tags=tags):
        return
    _output.success(_("Added {label}").format(label=label))


@app.command(rich_help_panel=N_("Customers"))
def edit(
    customer: fix.TargetArg,
    record_id: fix.IdArg = None,
    name: Annotated[str | None, typer.Option(help=N_("New name."), show_default=False)] = None,
    phone: PhoneOpt = None,
    email: EmailOpt = None,
    wechat: WechatOpt = None,
    company: CompanyOpt = None,
    address: AddressOpt = None,
    city: CityOpt = None,
    birthday: BirthdayOpt = None,
    lunar_birthday: LunarBirthdayOpt = None,
    gender: GenderOpt = None,
    source: SourceOpt = None,
    owner: OwnerOpt = None,
    price_sensitivity: PriceOpt = None,
    notes: NotesOpt = None,
    kind: KindOpt = None,
    referred_by: ReferredByOpt = None,
    add_phone: points_cli.AddPhoneOpt = None,  # issue 17.8
    add_email: points_cli.AddEmailOpt = None,
    add_wechat: points_cli.AddWechatOpt = None,
    remove_contact: points_cli.RemoveContactOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help=N_("Allow a phone/e-mail in use."))
    ] = False,
    fmt: WriteFormatOpt = "table",
    amount: fix.AmountOpt = None,
    currency: fix.CurrencyOpt = None,
    product: fix.ProductOpt = None,
    qty: fix.QtyOpt = None,
    cost: fix.CostOpt = None,
    channel: fix.ChannelOpt = None,
    outcome: fix.OutcomeOpt = None,
    csat: fix.CsatOpt = None,
    nps: fix.NpsOpt = None,
    priority: fix.PriorityOpt = None,
    at: fix.AtOpt = None,
    category: fix.CategoryOpt = None,
    text: fix.TextOpt = None,
) -> None:
    """Change a customer's details; an empty value ("") clears a field.

    Only the fields given are written. If someone else changed one of them
    since this command read it, nothing is saved and the error names the
    field, who changed it and to what; run the edit again to overwrite.

    A purchase, contact, feedback or complaint entered by mistake is
    corrected by its kind and the id `show` prints (purchase #12): only
    the options of its panel apply, checked as `buy`, `log`, `feedback`
    and `complain` check them. Every correction is in `history`. A new
    amount, currency or category re-earns the purchase's points; a moved
    contact moves the customer's last contact.

    Examples:
      custtrack edit "Wang Fang" --city 上海 --owner lei
      custtrack edit 12 --email ""
      custtrack edit purchase 12 --amount 268 --currency CNY
      custtrack edit contact 41 --channel wechat --at "2026-11-18 15:00"
      custtrack edit feedback 7 --csat 4 --text "slow delivery"
      custtrack edit 投诉 3 --priority urgent
    """
    from .. import db
    from ..errors import UsageError
    from ..services import customers
    from ..vocab import label as vocab_label
    from . import _output

    fields = _fields(
        name=name, phone=phone, email=email, wechat=wechat, company=company, address=address,
        city=city, birthday=birthday, lunar_birthday=lunar_birthday, gender=gender,
        source=source, owner=owner, price_sensitivity=price_sensitivity, notes=notes,
    )  # fmt: skip
    points = points_cli.given(add_phone, add_email, add_wechat, remove_contact)
    corrected = dict(
        amount=amount, currency=currency, product=product, qty=qty, cost=cost, channel=channel,
        outcome=outcome, csat=csat, nps=nps, priority=priority, at=at, category=category,
        text=text,
    )  # fmt: skip
    if record_id is not None:  # issue 17.7: edit KIND ID
        named = [*fields, *(["kind"] if kind is not None else [])]
        named += ["referred_by"] * (referred_by is not None) + ["force"] * force
        named += [n.removeprefix("--") for n in points_cli.option_names(points)]
        fix.edit(customer, record_id, fmt, [f"--{k.replace('_', '-')}" for k in named], **corrected)
        return
    fix.refuse_on_customer(corrected)
    if kind is not None:
        fields["kind"] = kind
    if not fields and referred_by is None and not points:
        raise UsageError(_("nothing to change: give at least one option, e.g. --city"))
    with db.session(write=True) as s:
        c = customers.resolve(s, customer)
        assert c.id is not None  # a stored customer
        if referred_by is not None:  # "" clears it (issue 15)
            from ..services.referrals import referrer_id

            fields["referred_by_id"] = str(referrer_id(s, referred_by, c.id) or "")
        changed = customers.update(s, c, fields, force=force) if fields else {}
        point_lines, points_done = points_cli.apply(s, c, points) if points else ([], 0)
        label = customers.describe(c)
        tags = customers.tags_of(s, c.id)
    if _output.written(fmt, c, tags=tags):
        return
    for line in point_lines:
        _output.info("  " + _output.esc(line))
    if not changed and not points_done:
        _output.info(_("No change to {label}.").format(label=_output.esc(label)))
        return
    for key, (old, new) in changed.items():
        vocabulary = _FIELD_VOCABULARY.get(key)
        if vocabulary:
            old, new = vocab_label(vocabulary, old), vocab_label(vocabulary, new)
        elif key in ("birthday", "lunar_birthday"):
            from ._render import birthday_shown

            old, new = birthday_shown(key, old), birthday_shown(key, new)
        was, now = _output.human(old) or "—", _output.human(new) or "—"
        field = vocab_label("customer_field", key)
        line = _("{field}: {was} → {now}").format(
            field=_output.esc(field), was=_output.esc(was), now=_output.esc(now)
        )
        _output.info("  " + line)
    _output.success(_("Updated {label}").format(label=label))


TagsArg = Annotated[list[str], typer.Argument(help=N_("One or more tags."), show_default=False)]


@app.command(rich_help_panel=N_("Customers"))
def tag(customer: CustomerArg, tags: TagsArg, fmt: WriteFormatOpt = "table") -> None:
    """Add tags to a customer.

    Example: custtrack tag 12 vip wholesale
    """
    _retag(customer, fmt, add=tags)


@app.command(rich_help_panel=N_("Customers"))
def untag(customer: CustomerArg, tags: TagsArg, fmt: WriteFormatOpt = "table") -> None:
    """Remove tags from a customer.

    Example: custtrack untag 12 wholesale
    """
    _retag(customer, fmt, remove=tags)


def _retag(ref: str, fmt: str, add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
    from .. import db
    from ..services import customers
    from . import _output

    with db.session(write=True) as s:
        c = customers.resolve(s, ref)
        assert c.id is not None  # a stored customer
        added, removed = customers.set_tags(s, c, add=add, remove=remove)
        now = customers.tags_of(s, c.id)
        label = customers.describe(c)
    if _output.written(fmt, c, tags=now):
        return
    changes = [f"+{t}" for t in added] + [f"-{t}" for t in removed]
    _output.success(
        _("{label}: {changes}; tags now: {tags}").format(
            label=label,
            changes=" ".join(changes) or _("no change"),
            tags=pgettext("separator", ", ").join(now) or pgettext("tags", "none"),
        )
    )


@app.command(rich_help_panel=N_("Customers"))
def archive(
    customer: CustomerArg,
    undo: Annotated[
        bool, typer.Option("--undo", help=N_("Make the customer active again."))
    ] = False,
    fmt: WriteFormatOpt = "table",
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
        assert c.id is not None  # a stored customer
        unchanged = c.status == ("active" if undo else "archived")
        if not unchanged:
            customers.set_archived(s, c, not undo)
        label = customers.describe(c)
        tags = customers.tags_of(s, c.id)
    if _output.written(fmt, c, tags=tags):
        return
    if unchanged:
        if undo:
            _output.info(_("{label} is already active.").format(label=_output.esc(label)))
        else:
            _output.info(_("{label} is already archived.").format(label=_output.esc(label)))
        return
    if undo:
        _output.success(_("Restored {label}").format(label=label))
    else:
        _output.success(_("Archived {label}").format(label=label))


@app.command(rich_help_panel=N_("Customers"))
def delete(
    customer: fix.TargetArg,
    record_id: fix.IdArg = None,
    yes: YesOpt = False,
    fmt: WriteFormatOpt = "table",
) -> None:
    """Delete a customer and everything recorded about them (asks first).

    Contacts, purchases, feedback, complaints and follow-ups go too.
    To keep the history, use archive instead.

    A purchase, contact, feedback or complaint entered by mistake is
    deleted alone by its kind and the id `show` prints (purchase #12);
    `history` keeps it. A purchase's points go back; the follow-ups a
    contact settled are open again; a complaint's open ones are cancelled.
    JSON: the deleted record's fields, deleted (true) and what followed.

    Examples:
      custtrack delete 12
      custtrack delete "Old Li" --yes
      custtrack delete purchase 12
      custtrack delete 联系 41 --yes
    """
    from .. import db
    from ..services import customers
    from . import _output

    if record_id is not None:  # issue 17.7: delete KIND ID
        fix.delete(customer, record_id, yes, fmt)
        return
    with db.session() as s:
        c = customers.resolve(s, customer)
        assert c.id is not None  # a stored customer
        cid, label = c.id, customers.describe(c)
    # ask outside the write transaction: it would hold the database lock while the user thinks
    if not yes and not typer.confirm(
        _("Delete {label} with all contacts, purchases, feedback and complaints?").format(
            label=label
        ),
        default=False,
    ):
        _output.info(_("Nothing deleted."))
        raise typer.Exit(1)
    with db.session(write=True) as s:
        gone = customers.resolve(s, f"#{cid}")
        data = _output.record(gone, tags=customers.tags_of(s, cid))
        counts = customers.delete(s, gone)
    if fmt == "json":  # the customer as it was, and how many of their records went with them
        _output.write_json({**data, "deleted": counts})
        return
    detail = pgettext("separator", ", ").join(_count(kind, n) for kind, n in counts.items() if n)
    if detail:
        _output.success(_("Deleted {label} ({detail})").format(label=label, detail=detail))
    else:
        _output.success(_("Deleted {label}").format(label=label))


def _count(table: str, n: int) -> str:
    """'3 interactions': how many rows of a table went."""
    forms = {
        "interactions": ngettext("{n} interaction", "{n} interactions", n),
        "purchases": ngettext("{n} purchase", "{n} purchases", n),
        "feedback": ngettext("{n} feedback", "{n} feedback", n),
        "complaints": ngettext("{n} complaint", "{n} complaints", n),
        "followups": ngettext("{n} followup", "{n} followups", n),
    }
    return forms.get(table, f"{{n}} {table}").format(n=n)


@app.command(rich_help_panel=N_("Customers"))
def show(
    customer: CustomerArg,
    all_: Annotated[bool, typer.Option("--all", "-a", help=N_("Show the whole timeline."))] = False,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help=N_("How the health score is made: each term's facts, weight and points."),
        ),
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """A customer's profile card and timeline, newest first.

    The card: contact details, tags, owner, last and next contact, purchases,
    latest feedback and open complaints. The timeline: contacts, purchases,
    feedback and complaints (the newest 30 unless --all).

    JSON fields (whole timeline): customer (every stored field), tags,
    last_contact, next_followup, latest_feedback, open_complaints,
    summary (purchases, spend_minor, currency, spend_by_currency,
    last_purchase, occasions), timeline (at, kind, id, what, detail,
    by: who recorded it), timeline_total. Times: ISO 8601, local time.
    Money: minor units (cents).

    CSV: the card as key,value rows: the JSON without the timeline,
    flattened (customer.name, tags joined with ";", last_contact,
    next_followup.due_date, summary.spend_by_currency.CNY,
    open_complaints.0.text …).

    Examples:
      custtrack show "Wang Fang"
      custtrack show 12 --all
      custtrack show anna@example.com --format json
    """
    from .. import db
    from ..services import customers, records
    from . import _render

    with db.session() as s:
        c = customers.resolve(s, customer)
        assert c.id is not None  # a stored customer
        limit = {"json": 0, "csv": 1}.get(fmt, 0 if all_ else 30)  # csv: the card alone
        prof = records.profile(s, c, timeline_limit=limit)
        if explain:  # issue 15: the health score's terms (JSON: health_terms)
            from ..services import health

            prof["health_terms"] = health.explain(s, c.id)
    _render.profile(prof, fmt)
    if explain:
        from .loyalty import explain_health

        explain_health(prof["health_terms"], fmt)


@app.command(rich_help_panel=N_("Customers"))
def history(
    customer: CustomerArg,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit", "-n", help=N_("At most this many rows (table default 50; 0 = all).")
        ),
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Who changed what about a customer, and when: the audit trail, newest first.

    Every change to the customer and to their purchases, follow-ups and
    complaints, and corrections of their contacts and feedback: who made
    it (CUSTTRACK_USER, else config `user`, else the login name), the
    field, its old and its new value; records created and deleted, merges,
    and the imports that added records. A deleted customer's trail stays
    readable by id.

    JSON/CSV fields: at (ISO 8601, local time), actor, action (create,
    update, delete, import, merge, erase, purge), entity (customer, purchase,
    followup, complaint, contact, feedback), entity_id, field, old, new (a
    created or deleted record: its fields as JSON), batch_id.

    Examples:
      custtrack history "Wang Fang"
      custtrack history 12 --limit 0 --format csv > trail.csv
    """
    from .. import db
    from ..errors import InvalidValue, NotFound
    from ..services import audit, customers
    from . import _output, _render

    if limit is None:
        limit = 50 if fmt == "table" else 0
    if limit < 0:
        raise InvalidValue("--limit", limit, _("must be 0 (all) or more"))
    with db.session() as s:
        try:
            c = customers.resolve(s, customer)
            assert c.id is not None  # a stored customer
            cid, label = c.id, customers.describe(c)
        except NotFound:
            ref = customer.strip().lstrip("#")
            if not (ref.isdigit() and audit.knows(s, int(ref))):
                raise
            cid, label = int(ref), _("deleted customer #{id}").format(id=ref)
        rows, total = audit.history(s, cid, limit)
    title = _("History of {customer}").format(customer=_output.esc(label))
    _render.history(rows, total, fmt, title)


@app.command("list", rich_help_panel=N_("Customers"))
def list_(
    tag: Annotated[
        str | None, typer.Option("--tag", "-t", help=N_("Only customers with this tag."))
    ] = None,
    owner: Annotated[str | None, typer.Option(help=N_("Only this owner's customers."))] = None,
    city: Annotated[str | None, typer.Option(help=N_("Only customers in this city."))] = None,
    source: Annotated[str | None, typer.Option(help=N_("Only customers from this source."))] = None,
    segment: Annotated[
        str | None,
        typer.Option(
            help=N_(
                "Only this segment: an RFM segment (see `custtrack segments`), one saved by "
                "`clusters --save`, or advocates."
            )
        ),
    ] = None,
    search: Annotated[
        str | None,
        typer.Option(
            "--search", "-s", help=N_("Text in name, phone, e-mail, WeChat, company or notes.")
        ),
    ] = None,
    archived: Annotated[
        bool, typer.Option("--archived", help=N_("List archived customers."))
    ] = False,
    kind: Annotated[
        str | None, typer.Option("--kind", help=N_("Only persons or only companies."))
    ] = None,
    tier: Annotated[
        str | None, typer.Option("--tier", help=N_("Only customers in this loyalty tier."))
    ] = None,
    sort: Annotated[
        str,
        typer.Option(
            help=N_(
                "name, created, last-contact, last-purchase, spend, id, or health (weakest first)."
            )
        ),
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

    with db.session() as s:
        ids = None
        if segment:
            from ..services.segments import customer_ids_in_segment

            ids = customer_ids_in_segment(s, segment)
        later = tier or sort == "health"  # issue 15: computed per customer, then sorted, cut
        rows = customers.list_customers(
            s, tag=tag, owner=owner, city=city, source=source, search=search, ids=ids,
            status="archived" if archived else "active", sort="id" if sort == "health" else sort,
            limit=0 if later else limit, kind=kind,
        )  # fmt: skip
        if later:
            from ..services.health import tiers_and_health

            rows = tiers_and_health(s, rows, tier, sort == "health", limit)
    filtered = any((tag, owner, city, source, segment, search, archived, kind, tier))
    empty = (
        _("No customers match.") if filtered else _('No customers yet: custtrack add "Name" -p …')
    )
    _render.customer_list(rows, fmt, empty)
