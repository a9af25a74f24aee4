"""`edit KIND ID` and `delete KIND ID` (issue 17.7): correcting a purchase, contact, feedback or
complaint entered by mistake. The options of `edit` that correct records, and the work of both
commands when their first argument names a kind of record (cli/customers.py calls them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..i18n import N_, _, ngettext

if TYPE_CHECKING:
    from collections.abc import Callable

PURCHASE = N_("Correct a purchase: edit purchase ID")
CONTACT = N_("Correct a contact: edit contact ID")
FEEDBACK = N_("Correct feedback: edit feedback ID")
COMPLAINT = N_("Correct a complaint: edit complaint ID")
SHARED = N_("Correct a purchase, contact, feedback or complaint")


def _opt(*names: str, help: str, panel: str) -> Any:
    return typer.Option(*names, help=help, rich_help_panel=panel, show_default=False)


TargetArg = Annotated[
    str,
    typer.Argument(
        help=N_(
            "Customer id, or a unique name, phone or e-mail; or the kind of record to correct "
            "(purchase, contact, feedback, complaint; 购买, 联系, 反馈, 投诉) followed by its ID."
        ),
        show_default=False,
    ),
]
IdArg = Annotated[
    str | None,
    typer.Argument(
        metavar="ID",
        help=N_("The record's id, as `show` prints it (purchase #12: 12)."),
        show_default=False,
    ),
]
AmountOpt = Annotated[
    str | None, _opt("--amount", help=N_("The amount paid, e.g. 268 or 1,299.00."), panel=PURCHASE)
]
CurrencyOpt = Annotated[
    str | None,
    _opt(
        "--currency",
        help=N_("Currency code (CNY, USD …); without --amount the figure stays."),
        panel=PURCHASE,
    ),
]
ProductOpt = Annotated[str | None, _opt("--product", help=N_("What was bought."), panel=PURCHASE)]
QtyOpt = Annotated[int | None, _opt("--qty", "-q", help=N_("Quantity."), panel=PURCHASE)]
CostOpt = Annotated[
    str | None,
    _opt(
        "--cost",
        help=N_('What the goods cost the shop, in the purchase\'s currency ("" clears it).'),
        panel=PURCHASE,
    ),
]
ChannelOpt = Annotated[
    str | None,
    _opt(
        "--channel",
        "-c",
        help=N_("phone, wechat, email, visit, meeting, sms, video, social, other."),
        panel=CONTACT,
    ),
]
OutcomeOpt = Annotated[
    str | None,
    _opt("--outcome", help=N_("Result: ordered, call back, no answer …"), panel=CONTACT),
]
CsatOpt = Annotated[
    int | None, _opt("--csat", help=N_("Satisfaction 1 (bad) – 5 (great)."), panel=FEEDBACK)
]
NpsOpt = Annotated[int | None, _opt("--nps", help=N_("Would recommend, 0 – 10."), panel=FEEDBACK)]
PriorityOpt = Annotated[
    str | None, _opt("--priority", help=N_("low, normal, high, urgent."), panel=COMPLAINT)
]
AtOpt = Annotated[
    str | None,
    _opt(
        "--at",
        help=N_("When it happened (a purchase, a contact): yesterday, 2026-11-20 15:00 …"),
        panel=SHARED,
    ),
]
CategoryOpt = Annotated[
    str | None,
    _opt(
        "--category",
        help=N_(
            "A purchase's product category; a complaint's: price, quality, service, delivery, "
            "other."
        ),
        panel=SHARED,
    ),
]
TextOpt = Annotated[
    str | None,
    _opt(
        "--text",
        "--summary",
        "--note",
        "-m",
        help=N_("What was said: a contact's summary, the feedback's or complaint's text."),
        panel=SHARED,
    ),
]

# which options correct which kind of record
APPLIES = {
    "purchase": ("amount", "currency", "product", "category", "qty", "at", "cost"),
    "contact": ("channel", "at", "text", "outcome"),
    "feedback": ("csat", "nps", "text"),
    "complaint": ("category", "priority", "text"),
}
OPTIONS = {
    "amount": "--amount", "currency": "--currency", "product": "--product",
    "category": "--category", "qty": "--qty", "at": "--at", "cost": "--cost",
    "channel": "--channel", "text": "--text", "outcome": "--outcome", "csat": "--csat",
    "nps": "--nps", "priority": "--priority",
}  # fmt: skip
# the stored values of a vocabulary, by kind and field (shown through vocab.label)
_VOCABULARY = {
    ("contact", "channel"): "channel", ("complaint", "category"): "complaint_category",
    ("complaint", "priority"): "priority",
}  # fmt: skip


def refuse_on_customer(options: dict[str, Any]) -> None:
    """`edit CUSTOMER` given an option that corrects a record."""
    from ..errors import UsageError

    for key, value in options.items():
        if value is not None:
            raise UsageError(
                _(
                    "{option} corrects a purchase, contact, feedback or complaint: "
                    "custtrack edit purchase|contact|feedback|complaint ID {option} …"
                ).format(option=OPTIONS[key])
            )


def _kind(word: str) -> str:
    from ..errors import InvalidValue
    from ..services.corrections import kind_of

    kind = kind_of(word)
    if kind is None:
        raise InvalidValue(
            _("KIND"),
            word,
            _("before an ID: purchase, contact, feedback or complaint (购买, 联系, 反馈, 投诉)"),
        )
    return kind


def record_name(kind: str, rid: int) -> str:
    """'purchase #12' in the interface language."""
    names = {
        "purchase": _("purchase #{id}"),
        "contact": _("contact #{id}"),
        "feedback": _("feedback #{id}"),
        "complaint": _("complaint #{id}"),
    }
    return names[kind].format(id=rid)


def _shown(kind: str, field: str, value: Any) -> str:
    from datetime import datetime

    from ..vocab import label
    from . import _output

    if value in (None, ""):
        return "—"
    vocabulary = _VOCABULARY.get((kind, field))
    if vocabulary:
        return label(vocabulary, value)
    if isinstance(value, datetime):
        return _output.human(value)
    return str(value)


def edit(word: str, ref: str, fmt: str, customer_options: list[str], **opts: Any) -> None:
    """`edit KIND ID --option …`: correct one record."""
    from .. import db
    from ..dates import parse_moment
    from ..errors import UsageError
    from ..models import Customer
    from ..services import corrections, customers
    from ..vocab import label
    from . import _output

    kind = _kind(word)
    rid = corrections.record_id(ref)
    name = record_name(kind, rid)
    given = {k: v for k, v in opts.items() if v is not None}
    wrong = customer_options + [OPTIONS[k] for k in given if k not in APPLIES[kind]]
    if wrong:
        raise UsageError(
            _("{option} does not apply to {record}").format(option=wrong[0], record=name)
        )
    if not given:
        raise UsageError(
            _("nothing to change: give at least one option, e.g. {option}").format(
                option=OPTIONS[APPLIES[kind][0]]
            )
        )
    if "at" in given:
        given["at"] = parse_moment(given["at"], "--at")
    if kind == "contact" and "text" in given:
        given["summary"] = given.pop("text")
    # each takes its own keyword options: `given` holds only those of this kind
    works: dict[str, Callable[..., tuple[Any, dict[str, tuple]]]] = {
        "purchase": corrections.edit_purchase,
        "contact": corrections.edit_contact,
        "feedback": corrections.edit_feedback,
        "complaint": corrections.edit_complaint,
    }
    work = works[kind]
    with db.session(write=True) as s:
        item, changed = work(s, rid, **given)
        customer = s.get(Customer, item.customer_id)
        assert customer is not None  # a record's customer (foreign key)
        owner = customers.describe(customer)
    if _output.written(fmt, item, kind=kind):
        return
    if not changed:
        _output.info(_("No change to {record}.").format(record=name))
        return
    for field, (old, new) in changed.items():
        line = _("{field}: {was} → {now}").format(
            field=_output.esc(label("audit_field", field)),
            was=_output.esc(_shown(kind, field, old)),
            now=_output.esc(_shown(kind, field, new)),
        )
        _output.info("  " + line)
    _output.success(_("Corrected {record} of {label}").format(record=name, label=owner))


def _summary(kind: str, item: Any) -> str:
    """A record in a few words, for the question before deleting it."""
    from ..validate import money_text
    from ..vocab import label
    from . import _output

    if kind == "purchase":
        parts = [money_text(item.amount_minor, item.currency), item.product]
        day = item.at
    elif kind == "contact":
        parts = [label("channel", item.channel), item.summary]
        day = item.at
    elif kind == "feedback":
        scores = [
            f"CSAT {item.csat}" if item.csat else "",
            f"NPS {item.nps}" if item.nps is not None else "",
        ]
        parts = [*scores, item.text]
        day = item.at
    else:
        parts = [label("complaint_category", item.category), item.text]
        day = item.opened_at
    parts.append(_output.human(day)[:10])
    return " ".join(p for p in parts if p)


def delete(word: str, ref: str, yes: bool, fmt: str) -> None:
    """`delete KIND ID`: delete one record entered by mistake (asks first unless --yes)."""
    from .. import db
    from ..models import Customer
    from ..services import corrections, customers
    from . import _output

    kind = _kind(word)
    rid = corrections.record_id(ref)
    name = record_name(kind, rid)
    with db.session() as s:
        item = corrections.get(s, kind, rid)
        what = _summary(kind, item)
        customer = s.get(Customer, item.customer_id)
        assert customer is not None  # a record's customer (foreign key)
        owner = customers.describe(customer)
    # ask outside the write transaction: it would hold the database lock while the user thinks
    if not yes and not typer.confirm(
        _("Delete {record} ({what}) of {label}?").format(record=name, what=what, label=owner),
        default=False,
    ):
        _output.info(_("Nothing deleted."))
        raise typer.Exit(1)
    with db.session(write=True) as s:
        out = corrections.delete(s, kind, rid)
    if fmt == "json":
        extra = {k: v for k, v in out.items() if k != "record"}
        model = corrections.MODELS[kind]
        _output.write_json({**_output.in_order(out["record"], model), **extra, "deleted": True})
        return
    _output.success(_("Deleted {record} of {label}").format(record=name, label=owner))
    if out.get("points"):
        n = -out["points"]
        _output.info(
            "  " + ngettext("{n} point taken back", "{n} points taken back", n).format(n=n)
        )
    if out.get("reopened"):
        ids = ", ".join(f"F{i}" for i in out["reopened"])
        text = ngettext(
            "follow-up {ids} is open again", "follow-ups {ids} are open again", len(out["reopened"])
        )
        _output.info("  " + text.format(ids=ids))
    if out.get("cancelled"):
        ids = ", ".join(f"F{i}" for i in out["cancelled"])
        text = ngettext(
            "follow-up {ids} cancelled", "follow-ups {ids} cancelled", len(out["cancelled"])
        )
        _output.info("  " + text.format(ids=ids))
