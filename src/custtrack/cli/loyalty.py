"""Keeping customers loyal (issue 15): points, tiers, referrals, a company's contact
persons, their imports; and the lines they add to `show`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..i18n import C_, N_, _, ngettext, pgettext
from . import data as _data
from ._app import _Group, app, sub_app
from ._options import AsOfOpt, CustomerArg, FormatOpt, LimitOpt, WriteFormatOpt, apply_as_of

if TYPE_CHECKING:
    from typing import TypeAlias

PANEL = N_("Loyalty")
# the import kinds and the tables issue 15 adds, as messages name them
_LABELS = (
    C_("import_kind", "persons"), C_("import_kind", "points"),
    C_("field", "kind"), C_("field", "referred_by_id"), C_("field", "contact_person"),
    C_("field", "contact_role"), C_("field", "referrer"),
)  # fmt: skip


# --- the profile card (`show`) -------------------------------------------------------------------


def _points(n: int) -> str:
    return ngettext("{n} point", "{n} points", abs(n)).format(n=f"{n:,}")


def _amount(value: int, basis: str, currency: str | None) -> str:
    """A tier's measure: money (spend) or points."""
    from ..validate import money_text

    return money_text(value, currency or "") if basis == "spend" else _points(value)


def tier_text(t: dict[str, Any]) -> str:
    """'Silver (1,280.00 CNY in 365 days); 3,720.00 CNY more for Gold; drops to Standard on
    2027-10-01 unless they buy again'."""
    from ..services.loyalty import tier_label

    basis, cur = t["basis"], t["currency"]
    parts = [
        ngettext("{tier} ({value} in {days} day)", "{tier} ({value} in {days} days)",
                 t["window_days"]).format(
            tier=tier_label(t["tier"]), value=_amount(t["value"], basis, cur), days=t["window_days"]
        )
    ]  # fmt: skip
    if t["next"]:
        parts.append(
            _("{amount} more for {tier}").format(
                amount=_amount(t["needed"], basis, cur), tier=tier_label(t["next"])
            )
        )
    if t["drops_on"]:
        parts.append(
            _("drops to {tier} on {day} unless they buy again").format(
                tier=tier_label(t["drops_to"]), day=t["drops_on"]
            )
        )
    return pgettext("separator", "; ").join(parts)


def _person_text(p: dict[str, Any]) -> str:
    from ..validate import format_phone

    bits = [x for x in (p["role"], format_phone(p["phone"]) if p["phone"] else None) if x]
    if p["wechat"]:
        bits.append(_("WeChat {id}").format(id=p["wechat"]))
    name = f"#{p['id']} {p['name']}"
    return _("{name} ({details})").format(name=name, details=pgettext("separator", ", ").join(
        bits)) if bits else name  # fmt: skip


def card_lines(p: dict[str, Any]) -> list[tuple[str, str]]:
    """The profile card's lines of issue 15 (empty values are left out by the card)."""
    from ..validate import money_text
    from ..vocab import label

    lines: list[tuple[str, str]] = []
    if p.get("kind") == "company":
        lines.append((_("Account"), label("customer_kind", "company")))
    if p.get("persons"):
        people = pgettext("separator", "; ").join(map(_person_text, p["persons"]))
        lines.append((_("People"), people))
    ref = p.get("referred_by")
    if ref:
        lines.append((_("Referred by"), f"#{ref['id']} {ref['name']}"))
    brought = p.get("brought") or []
    if brought:
        from .. import config

        cur = str(config.get("currency") or "USD").upper()
        names = pgettext("separator", ", ").join(f"#{b['id']} {b['name']}" for b in brought[:5])
        if len(brought) > 5:
            names += " …"
        spent = money_text(sum(b["spend_minor"] for b in brought), cur)
        lines.append((_("Brought"), ngettext(
            "{n} customer ({names}), who spent {spent}",
            "{n} customers ({names}), who spent {spent}", len(brought),
        ).format(n=len(brought), names=names, spent=spent)))  # fmt: skip
    pts = p.get("points")
    if pts is not None:
        text = _points(pts["balance"])
        if pts["expiring"]:
            text = _("{points}; {n} expire on {day}").format(
                points=text, n=f"{pts['expiring']:,}", day=_day(pts["expiring_at"])
            )
        lines.append((_("Points"), text))
    if p.get("tier"):
        lines.append((_("Tier"), tier_text(p["tier"])))
    if p.get("health") is not None:
        lines.append((_("Health"), _("{score}/100 (see show --explain)").format(score=p["health"])))
    return lines


def _day(value: Any) -> str:
    from .. import clock

    return clock.to_local(value).date().isoformat() if value is not None else ""


def with_person(item: dict[str, Any]) -> str:
    """A timeline entry's details, with the company's contact person it was with."""
    detail = item["_detail"]
    if not item.get("person"):
        return detail
    if not detail:
        return _("with {person}").format(person=item["person"])
    return _("{detail} (with {person})").format(detail=detail, person=item["person"])


def explain_health(data: dict[str, Any], fmt: str) -> None:
    """`show --explain`: each term of the health score, its facts, weight and points."""
    from ..vocab import label
    from . import _output
    from ._output import Col

    if fmt == "json":
        return  # in the JSON of show, under "health_terms"
    rows = []
    for t in data["terms"]:
        rows.append(
            {"term": label("health_term", t["term"]), "facts": _health_facts(t),
             "factor": f"{t['factor']:.2f}", "weight": f"{t['weight']:g}",
             "points": f"{t['points']:.1f}"}
        )  # fmt: skip
    cols = [
        Col("term", _("Term")), Col("facts", _("From"), flex=True),
        Col("factor", _("Factor"), "right"), Col("weight", _("Weight"), "right"),
        Col("points", pgettext("health", "Points"), "right", "bold"),
    ]  # fmt: skip
    title = _("Health {score}/100 on {day}").format(score=data["score"], day=data["as_of"])
    if fmt == "csv":
        return  # in the CSV of show, as health_terms.* rows
    _output.table(rows, cols, title=title)
    _output.info(
        _(
            "score = 100 × Σ weight × factor / Σ weights. Weights: `custtrack config set "
            "health.weight.purchase 25` (also contact, trend, satisfaction, complaints, loyalty); "
            "scales: health.contact_days, health.purchase_days, health.trend_days."
        )
    )


def _health_facts(t: dict[str, Any]) -> str:
    from .. import config
    from ..validate import money_text

    f, term = t["facts"], t["term"]
    if term in ("contact", "purchase"):
        if f["days_since"] is None:
            return _("never") if term == "purchase" else pgettext("last_contact", "never")
        return ngettext(
            "{n} day ago (0 from {scale})", "{n} days ago (0 from {scale})", f["days_since"]
        ).format(n=f["days_since"], scale=f["scale_days"])
    if term == "trend":
        cur = str(config.get("currency") or "USD").upper()
        return ngettext(
            "last {days} day {recent}, before {before}",
            "last {days} days {recent}, before {before}",
            f["days"],
        ).format(
            days=f["days"],
            recent=money_text(f["recent_minor"], cur),
            before=money_text(f["before_minor"], cur),
        )
    if term == "satisfaction":
        if not f["answers"]:
            return _("no answers in a year: neutral")
        return ngettext(
            "{n} answer in a year, mean {mean}", "{n} answers in a year, mean {mean}", f["answers"]
        ).format(n=f["answers"], mean=f"{f['mean']:.2f}")
    if term == "complaints":
        return ngettext("{n} open", "{n} open", f["open"]).format(n=f["open"])
    said = []
    if f["redeemed"]:
        said.append(_("redeemed points"))
    if f["brought"]:
        said.append(
            ngettext("brought {n} customer", "brought {n} customers", f["brought"]).format(
                n=f["brought"]
            )
        )
    if f["earned"] and not said:
        said.append(_("earned points"))
    return pgettext("separator", ", ").join(said) or _("no points or referrals in a year")


# --- points --------------------------------------------------------------------------------------


class _DefaultShow(_Group):
    """`custtrack points CUSTOMER` is `custtrack points show CUSTOMER`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["show", *args]
        return super().parse_args(ctx, args)


points_app = typer.Typer(
    name="points",
    cls=_DefaultShow,
    no_args_is_help=True,
    help=N_(
        "Loyalty points: a customer's balance and ledger, redeem, adjust, expire, recompute.\n\n"
        "Points are a ledger: earned by purchases under the rule in the settings "
        "(points.per_unit per currency unit, points.rounding, points.category_multipliers, "
        "points.signup_bonus, points.birthday_bonus), redeemed, adjusted, and expired after "
        "points.expire_days. `custtrack points CUSTOMER` shows the balance and the ledger."
    ),
)
app.add_typer(points_app, name="points", rich_help_panel=PANEL)

_KIND_NOTES = ("sign-up", "birthday", "refund", "purchase deleted")


def _note(kind: str, note: str | None) -> str:
    from ..vocab import label

    if note in _KIND_NOTES and kind in ("bonus", "reverse"):
        return label("points_note", note)
    return note or ""


@points_app.command("show")
def points_show(
    customer: CustomerArg,
    all_: Annotated[bool, typer.Option("--all", "-a", help=N_("The whole ledger."))] = False,
    fmt: FormatOpt = "table",
) -> None:
    """A customer's points: balance, earned, redeemed, what expires next, and the ledger.

    The balance is the sum of the ledger's rows, less earned points past
    points.expire_days (spent and expired oldest first); expiries not yet
    written by `points expire` are listed as pending.

    JSON fields: customer_id, customer, balance, earned, redeemed,
    next_expiry (at, points), ledger [id, at, kind (earn, bonus, redeem,
    adjust, expire, reverse), points, purchase_id, note, recorded_by,
    pending], newest first. CSV: the ledger.

    Examples:
      custtrack points "Wang Fang"
      custtrack points 12 --all --format csv
    """
    from .. import db
    from ..services import customers, loyalty
    from ..vocab import label
    from . import _output
    from ._output import Col

    with db.session() as s:
        c = customers.resolve(s, customer)
        assert c.id is not None  # a stored customer
        acc = loyalty.account(s, c.id)
        who, cid = customers.describe(c), c.id
    ledger = [{**r, "pending": False} for r in acc.rows]
    ledger += [
        {"id": None, "at": when, "kind": "expire", "points": -pts, "purchase_id": None,
         "note": None, "recorded_by": None, "batch_id": None, "pending": True}
        for when, pts in acc.pending
    ]  # fmt: skip
    ledger.sort(key=lambda r: (r["at"], r["id"] or 0), reverse=True)
    keys = ("id", "at", "kind", "points", "purchase_id", "note", "recorded_by", "pending")
    ledger = [{k: r[k] for k in keys} for r in ledger]
    if fmt == "json":
        nxt = None
        if acc.next_expiry is not None:
            nxt = {"at": acc.next_expiry[0], "points": acc.next_expiry[1]}
        _output.write_json(
            {"customer_id": cid, "customer": who, "balance": acc.balance, "earned": acc.earned,
             "redeemed": acc.redeemed, "next_expiry": nxt, "ledger": ledger}
        )  # fmt: skip
        return
    if fmt == "csv":
        _output.write_csv(ledger, keys)
        return
    fields = [
        (_("Balance"), _points(acc.balance)),
        (_("Earned"), _points(acc.earned)),
        (_("Redeemed"), _points(acc.redeemed)),
    ]
    if acc.pending:
        fields.append((_("Expired"), _("{points} (pending: `custtrack points expire` writes it)")
                       .format(points=_points(sum(p for _w, p in acc.pending)))))  # fmt: skip
    if acc.next_expiry is not None:
        fields.append((_("Next expiry"), _("{points} on {day}").format(
            points=_points(acc.next_expiry[1]), day=_day(acc.next_expiry[0]))))  # fmt: skip
    _output.card(_("Points of {customer}").format(customer=who), fields)
    shown = ledger if all_ else ledger[:30]
    rows = [
        {"at": r["at"], "kind": label("points_kind", r["kind"]), "points": f"{r['points']:+,}",
         "note": _note(r["kind"], r["note"]) + (_(" (pending)") if r["pending"] else ""),
         "purchase": f"#{r['purchase_id']}" if r["purchase_id"] else "",
         "by": r["recorded_by"] or ""}
        for r in shown
    ]  # fmt: skip
    caption = None
    if len(shown) < len(ledger):
        caption = _("newest {n} of {total}; --all shows everything").format(
            n=len(shown), total=len(ledger)
        )
    cols = [
        Col("at", _("When")), Col("kind", _("What")), Col("points", _("Points"), "right", "bold"),
        Col("purchase", _("Purchase")), Col("note", _("Note"), flex=True), Col("by", _("By")),
    ]  # fmt: skip
    _output.table(rows, cols, title=_("Ledger"), caption=caption,
                  empty=_("No points yet."))  # fmt: skip


NArg = Annotated[str, typer.Argument(help=N_("How many points."), show_default=False)]
_SIGNED = {"ignore_unknown_options": True}  # -50 is a number of points, not an option


@points_app.command("redeem")
def points_redeem(
    customer: CustomerArg,
    n: NArg,
    what: Annotated[
        str | None, typer.Option("--for", help=N_("What they were redeemed for."))
    ] = None,
    fmt: WriteFormatOpt = "table",
) -> None:
    """Redeem points: refused when the customer has fewer.

    Expiries that are due are written first, so the balance is the one
    `custtrack points CUSTOMER` shows.

    Example: custtrack points redeem "Wang Fang" 500 --for "a tin of Longjing"
    """
    from .. import db
    from ..services import customers, loyalty
    from . import _output

    with db.session(write=True) as s:
        c = customers.resolve(s, customer)
        row = loyalty.redeem(s, c, n, what)
        who = customers.describe(c)
    if _output.written(fmt, row):
        return
    text = _("Redeemed {points} of {customer}; balance now {balance}").format(
        points=_points(-row["points"]), customer=who, balance=_points(row["balance"])
    )
    if row["note"]:
        text = _("Redeemed {points} of {customer} for {what}; balance now {balance}").format(
            points=_points(-row["points"]), customer=who, what=row["note"],
            balance=_points(row["balance"]),
        )  # fmt: skip
    _output.success(text)


@points_app.command("adjust", context_settings=_SIGNED)
def points_adjust(
    customer: CustomerArg,
    n: Annotated[
        str,
        typer.Argument(help=N_("Points to add, or to take away with a minus: -50."),
                       show_default=False),
    ],
    reason: Annotated[str, typer.Option("--reason", "-r", help=N_("Why (required)."))] = "",
    fmt: WriteFormatOpt = "table",
) -> None:  # fmt: skip
    """Add or take away points by hand, saying why (kept in the ledger and the audit trail).

    Examples:
      custtrack points adjust "Wang Fang" 200 --reason "points of the paper card"
      custtrack points adjust 12 -50 --reason "counted twice"
    """
    from .. import db
    from ..services import customers, loyalty
    from . import _output

    with db.session(write=True) as s:
        c = customers.resolve(s, customer)
        row = loyalty.adjust(s, c, n, reason)
        who = customers.describe(c)
    if _output.written(fmt, row):
        return
    _output.success(
        _("Adjusted the points of {customer} by {change}; balance now {balance}").format(
            customer=who, change=f"{row['points']:+,}", balance=_points(row["balance"])
        )
    )


DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help=N_("Show what would change; write nothing."))
]


@points_app.command("expire")
def points_expire(dry_run: DryRunOpt = False, fmt: FormatOpt = "table") -> None:
    """Write the expiries that are due: points older than points.expire_days and not spent.

    Points are spent and expire oldest first; each expiry becomes an
    `expire` row at the moment the points expired.

    Balances already count them (as pending); this writes them down, which
    `points redeem` and `points adjust` also do for their customer.

    JSON/CSV fields: customer_id, customer, at (when the points expired), points.

    Example: custtrack points expire --dry-run
    """
    from .. import db
    from ..services import loyalty
    from . import _output
    from ._output import Col

    with db.session(write=not dry_run) as s:
        rows = loyalty.settle_expiry(s, None, dry_run=dry_run)
        names = loyalty._names(s.connection(), sorted({r["customer_id"] for r in rows}))
    out = [{"customer_id": r["customer_id"], "customer": names.get(r["customer_id"]),
            "at": r["at"], "points": r["points"]} for r in rows]  # fmt: skip
    if fmt != "table":
        _output.emit(out, [Col(k, k) for k in ("customer_id", "customer", "at", "points")], fmt)
        return
    total = -sum(r["points"] for r in rows)
    people = len({r["customer_id"] for r in rows})
    if rows:
        shown = [{**r, "points": f"{r['points']:,}"} for r in out]
        cols = [Col("customer_id", _("ID"), "right"), Col("customer", _("Customer")),
                Col("at", _("Expired")), Col("points", _("Points"), "right")]  # fmt: skip
        _output.table(shown, cols, title=_("Expired points"))
    if not rows:
        _output.info(_("No points to expire."))
    elif dry_run:
        _output.info(ngettext("Dry run, nothing written: {points} of {n} customer would expire.",
                              "Dry run, nothing written: {points} of {n} customers would expire.",
                              people).format(points=_points(total), n=people))  # fmt: skip
    else:
        _output.success(ngettext("Expired {points} of {n} customer",
                                 "Expired {points} of {n} customers", people)
                        .format(points=_points(total), n=people))  # fmt: skip


@points_app.command("recompute")
def points_recompute(dry_run: DryRunOpt = False, fmt: FormatOpt = "table") -> None:
    """Rebuild what purchases earned under the rule now in force (after a change of points.*).

    Every purchase's points, the birthday and sign-up bonuses, reversals and
    expiries are made again from the purchases as they are now; redemptions
    and adjustments stay. The customers whose points change are listed;
    --dry-run shows them and writes nothing.

    JSON/CSV fields: customer_id, name, earned_before, earned_after,
    balance_before, balance_after.

    Example: custtrack config set points.per_unit 2 && custtrack points recompute --dry-run
    """
    from .. import db
    from ..services import loyalty
    from . import _output
    from ._output import Col

    with db.session(write=not dry_run) as s:
        rows = loyalty.recompute(s, dry_run=dry_run)
    keys = ("customer_id", "name", "earned_before", "earned_after", "balance_before",
            "balance_after")  # fmt: skip
    if fmt != "table":
        _output.emit(rows, [Col(k, k) for k in keys], fmt)
        return
    n = len(rows)
    if not n:
        _output.info(_("Every customer's points already follow the rule: nothing to change."))
        return
    shown = [
        {
            **r,
            "earned": f"{r['earned_before']:,} → {r['earned_after']:,}",
            "balance": f"{r['balance_before']:,} → {r['balance_after']:,}",
        }
        for r in rows
    ]
    cols = [
        Col("customer_id", _("ID"), "right"),
        Col("name", _("Customer")),
        Col("earned", _("Earned"), "right"),
        Col("balance", _("Balance"), "right"),
    ]
    _output.table(shown, cols, title=_("Points recomputed"))  # fmt: skip
    if dry_run:
        _output.info(ngettext("Dry run, nothing written: {n} customer's points would change.",
                              "Dry run, nothing written: {n} customers' points would change.",
                              n).format(n=n))  # fmt: skip
    else:
        _output.success(
            ngettext(
                "Recomputed the points of {n} customer", "Recomputed the points of {n} customers", n
            ).format(n=n)
        )


# --- tiers and referrals -------------------------------------------------------------------------


@app.command(rich_help_panel=PANEL)
def tiers(as_of: AsOfOpt = None, fmt: FormatOpt = "table") -> None:
    """The loyalty tiers: what each needs, and how many customers are in it with their revenue.

    A customer's tier is computed, never typed: their spend (in the
    configured currency) or the points they earned over the last
    tiers.window_days days (tiers.basis), against tiers.thresholds (one
    ascending number per tier, in currency units or points). Names:
    tiers.names (default Standard, Silver, Gold, Diamond). `show` says a
    customer's tier and what the next one needs; `due` reminds of a tier
    reached (for tiers.reached_days) and of a drop tiers.warn_days ahead.

    JSON/CSV fields: tier, threshold (minor units or points), customers,
    revenue (in the window), currency.

    Examples:
      custtrack config set tiers.thresholds 0,2000,5000,20000
      custtrack config set tiers.names 普通,银卡,金卡,钻石
      custtrack tiers
    """
    from .. import clock, db
    from ..services import loyalty
    from ..validate import money_str, money_text
    from . import _output
    from ._output import Col

    apply_as_of(as_of)
    day = clock.today()
    t = loyalty.tiers()
    if t is None:
        _output.info(
            _(
                "No tiers are set. Set them: custtrack config set tiers.thresholds "
                "0,2000,5000,20000 (and tiers.names 普通,银卡,金卡,钻石 for their names)."
            )
        )
        return
    with db.session() as s:
        rows = loyalty.per_tier(s, day)
    assert rows is not None  # None only when no tiers are set, ruled out above
    data = [{"tier": r["tier"], "threshold": r["threshold"], "customers": r["customers"],
             "revenue": money_str(r["revenue_minor"], t.currency), "currency": t.currency}
            for r in rows]  # fmt: skip
    if fmt != "table":
        keys = ("tier", "threshold", "customers", "revenue", "currency")
        _output.emit(data, [Col(k, k) for k in keys], fmt)
        return
    shown = [{"tier": loyalty.tier_label(r["tier"]),
              "needs": _amount(r["threshold"], t.basis, t.currency),
              "customers": r["customers"], "revenue": money_text(r["revenue_minor"], t.currency)}
             for r in rows]  # fmt: skip
    what = _("spend") if t.basis == "spend" else _("points earned")
    cols = [Col("tier", _("Tier"), style="bold"), Col("needs", _("Needs"), "right"),
            Col("customers", _("Customers"), "right"),
            Col("revenue", _("Revenue in the window"), "right")]  # fmt: skip
    caption = ngettext("as of {day}; by {what} over the last {n} day",
                       "as of {day}; by {what} over the last {n} days", t.window).format(
        day=day, what=what, n=t.window)  # fmt: skip
    _output.table(shown, cols, title=_("Tiers"), caption=caption)


@app.command(rich_help_panel=PANEL)
def referrals(limit: LimitOpt = 0, as_of: AsOfOpt = None, fmt: FormatOpt = "table") -> None:
    """Advocates: who brought other customers, ranked by how many and what those customers spent.

    Record who brought a customer with `add --referred-by` (or `edit`), or a
    介绍人 / referrer column in an import. An advocate brought at least
    referrals.advocate_min customers: a segment of its own (`list --segment
    advocates`), an action in `segments --explain`, and a line in `suggest`.

    JSON/CSV fields: customer_id, name, brought, buyers (of them, who
    bought), revenue (their purchases, configured currency), currency,
    advocate.

    Example: custtrack referrals --limit 10
    """
    from .. import clock, db
    from ..services import referrals as service
    from ..validate import money_str, money_text
    from . import _output
    from ._output import Col

    apply_as_of(as_of)
    with db.session() as s:
        rows = service.ranking(s, clock.today(), limit)
    data = [{**{k: r[k] for k in ("customer_id", "name", "brought", "buyers")},
             "revenue": money_str(r["revenue_minor"], r["currency"]), "currency": r["currency"],
             "advocate": r["advocate"]} for r in rows]  # fmt: skip
    if fmt != "table":
        keys = ("customer_id", "name", "brought", "buyers", "revenue", "currency", "advocate")
        _output.emit(data, [Col(k, k) for k in keys], fmt)
        return
    shown = [{**r, "revenue": money_text(r["revenue_minor"], r["currency"]),
              "advocate": "✓" if r["advocate"] else ""} for r in rows]  # fmt: skip
    cols = [
        Col("customer_id", _("ID"), "right"),
        Col("name", _("Name"), style="bold"),
        Col("brought", _("Brought"), "right"),
        Col("buyers", _("Buyers"), "right"),
        Col("revenue", _("Their revenue"), "right"),
        Col("advocate", _("Advocate")),
    ]
    n = service.advocate_min()
    _output.emit(
        shown, cols, fmt, title=_("Referrals"),
        empty=_("Nobody has brought a customer yet (add --referred-by CUSTOMER records it)."),
        caption=ngettext("an advocate brought at least {n} customer (referrals.advocate_min)",
                         "an advocate brought at least {n} customers (referrals.advocate_min)",
                         n).format(n=n),
    )  # fmt: skip


# --- a company's contact persons -----------------------------------------------------------------

person_app = sub_app(
    "person",
    N_(
        "A company's contact persons (name, role, phone, WeChat): who buys or is called there. "
        "`log` and `buy` name one with --person; `show COMPANY` lists them."
    ),
    N_("Customers"),
)
RoleOpt = Annotated[str | None, typer.Option("--role", help=N_("Their role: 采购, owner, …"))]
PPhoneOpt = Annotated[str | None, typer.Option("--phone", "-p", help=N_("Phone; stored as E.164."))]
PWechatOpt = Annotated[str | None, typer.Option("--wechat", "-w", help=N_("WeChat handle."))]
PEmailOpt = Annotated[str | None, typer.Option("--email", "-e", help=N_("E-mail address."))]
PNotesOpt = Annotated[str | None, typer.Option("--notes", help=N_("Free-text notes."))]
PersonIdArg = Annotated[int, typer.Argument(help=N_("Contact person id (from `person list`)."),
                                            show_default=False)]  # fmt: skip


def _fields(**kw: str | None) -> dict[str, str | None]:
    return {k: v for k, v in kw.items() if v is not None}


@person_app.command("add")
def person_add(
    company: Annotated[str, typer.Argument(help=N_("The company (a customer of kind company)."),
                                           show_default=False)],
    name: Annotated[str, typer.Argument(help=N_("The person's name."), show_default=False)],
    role: RoleOpt = None, phone: PPhoneOpt = None, wechat: PWechatOpt = None,
    email: PEmailOpt = None, notes: PNotesOpt = None, fmt: WriteFormatOpt = "table",
) -> None:  # fmt: skip
    """Add a contact person to a company.

    Examples:
      custtrack add "西湖茶社" --kind company
      custtrack person add 西湖茶社 李娜 --role 采购 -p 13900139000 -w lina88
    """
    from .. import db
    from ..services import accounts, customers
    from . import _output

    fields = _fields(name=name, role=role, phone=phone, wechat=wechat, email=email, notes=notes)
    with db.session(write=True) as s:
        c = customers.resolve(s, company)
        row = accounts.add_person(s, c, fields)
        who = customers.describe(c)
    if _output.written(fmt, row):
        return
    _output.success(_("Added contact person #{id} {name} to {company}").format(
        id=row["id"], name=row["name"], company=who))  # fmt: skip


@person_app.command("list")
def person_list(
    company: Annotated[str, typer.Argument(help=N_("The company."), show_default=False)],
    fmt: FormatOpt = "table",
) -> None:
    """A company's contact persons.

    JSON/CSV fields: id, customer_id, name, role, phone (E.164), wechat,
    email, notes, created_at, updated_at.
    """
    from .. import db
    from ..services import accounts, customers
    from ..validate import format_phone
    from . import _output
    from ._output import Col

    with db.session() as s:
        c = customers.resolve(s, company)
        assert c.id is not None  # a stored customer
        rows = accounts.persons(s, c.id)
        who = customers.describe(c)
    keys = ("id", "customer_id", "name", "role", "phone", "wechat", "email", "notes",
            "created_at", "updated_at")  # fmt: skip
    rows = [{k: r[k] for k in keys} for r in rows]
    if fmt != "table":
        _output.emit(rows, [Col(k, k) for k in keys], fmt)
        return
    shown = [{**r, "phone": format_phone(r["phone"])} for r in rows]
    cols = [Col("id", _("ID"), "right"), Col("name", _("Name"), style="bold"),
            Col("role", _("Role")), Col("phone", _("Phone")), Col("wechat", _("WeChat")),
            Col("email", _("E-mail")), Col("notes", _("Notes"), flex=True)]  # fmt: skip
    _output.table(shown, cols, title=_("People of {company}").format(company=who),
                  empty=_("No contact persons yet: custtrack person add COMPANY NAME"))  # fmt: skip


@person_app.command("edit")
def person_edit(
    person: PersonIdArg,
    name: Annotated[str | None, typer.Option("--name", help=N_("New name."))] = None,
    role: RoleOpt = None, phone: PPhoneOpt = None, wechat: PWechatOpt = None,
    email: PEmailOpt = None, notes: PNotesOpt = None, fmt: WriteFormatOpt = "table",
) -> None:  # fmt: skip
    """Change a contact person's details; "" clears a field.

    Example: custtrack person edit 3 --role 经理 --phone 13900139001
    """
    from .. import db
    from ..errors import UsageError
    from ..services import accounts
    from ..vocab import label
    from . import _output

    fields = _fields(name=name, role=role, phone=phone, wechat=wechat, email=email, notes=notes)
    if not fields:
        raise UsageError(_("nothing to change: give at least one option, e.g. --role"))
    with db.session(write=True) as s:
        changed = accounts.edit_person(s, person, fields)
        row = accounts.get_person(s, person)
    if _output.written(fmt, row):
        return
    for key, (old, new) in changed.items():
        _output.info("  " + _("{field}: {was} → {now}").format(
            field=_output.esc(label("person_field", key)), was=_output.esc(old or "—"),
            now=_output.esc(new or "—")))  # fmt: skip
    if changed:
        _output.success(
            _("Updated contact person #{id} {name}").format(id=person, name=row["name"])
        )
    else:
        _output.info(_("No change to contact person #{id}.").format(id=person))


@person_app.command("remove")
def person_remove(person: PersonIdArg, fmt: WriteFormatOpt = "table") -> None:
    """Remove a contact person. The contacts and purchases that named them stay, without the name.

    Example: custtrack person remove 3
    """
    from .. import db
    from ..services import accounts
    from . import _output

    with db.session(write=True) as s:
        row = accounts.remove_person(s, person)
    if _output.written(fmt, row):
        return
    _output.success(_("Removed contact person #{id} {name}").format(id=person, name=row["name"]))


# --- imports -----------------------------------------------------------------------------------


# the options of the other `import` commands (module level: Typer reads the annotations here)
FileArg: TypeAlias = _data.FileArg
MapOpt: TypeAlias = _data.MapOpt
ImportDryRun: TypeAlias = _data.DryRunOpt
SkipBadOpt: TypeAlias = _data.SkipBadOpt
CreateOpt: TypeAlias = _data.CreateOpt
EncodingOpt: TypeAlias = _data.EncodingOpt
SheetOpt: TypeAlias = _data.SheetOpt
HeaderRowOpt: TypeAlias = _data.HeaderRowOpt
ReportFmt: TypeAlias = _data.ReportFmt


def _register_imports() -> None:
    imp, _run = _data.imp, _data._run

    @imp.command(
        "persons",
        help=N_(
            "Import a company's contact persons: each row names the company (公司, 单位, 客户, "
            "customer_id) and one person (联系人, 姓名) with their role (职务), phone, WeChat "
            "and e-mail. The companies named become company accounts; a person already known "
            "(same company, same name) is left as it is.\n\n"
            "JSON report fields: as `import customers`.\n\n"
            "Example: custtrack import persons 联系人.xlsx"
        ),
    )
    def import_persons(
        file: FileArg, map_: MapOpt = None, dry_run: ImportDryRun = False,
        skip_bad: SkipBadOpt = None, create_customers: CreateOpt = True,
        encoding: EncodingOpt = None, sheet: SheetOpt = None, header_row: HeaderRowOpt = None,
        fmt: ReportFmt = "table",
    ) -> None:  # fmt: skip
        _run("persons", file, map_, dry_run, skip_bad, fmt, (encoding, sheet, header_row),
             create_customers=create_customers)  # fmt: skip

    @imp.command(
        "points",
        help=N_(
            "Import points ledger rows (custtrack export's points, or a shop's own points list): "
            "the customer, at (日期), kind (earn, bonus, redeem, adjust, expire, reverse; 兑换, "
            "调整 …; default adjust), points (积分; redemptions, expiries and reversals are "
            "stored as negative), note. A row of a purchase is linked to the customer's purchase "
            "at the same time.\n\n"
            "JSON report fields: as `import customers`.\n\n"
            "Example: custtrack import points points.csv"
        ),
    )
    def import_points(
        file: FileArg, map_: MapOpt = None, dry_run: ImportDryRun = False,
        skip_bad: SkipBadOpt = None, create_customers: CreateOpt = True,
        encoding: EncodingOpt = None, sheet: SheetOpt = None, header_row: HeaderRowOpt = None,
        fmt: ReportFmt = "table",
    ) -> None:  # fmt: skip
        _run("points", file, map_, dry_run, skip_bad, fmt, (encoding, sheet, header_row),
             create_customers=create_customers)  # fmt: skip


_register_imports()
