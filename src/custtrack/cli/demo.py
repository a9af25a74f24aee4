"""demo: load the bundled example shop into a throw-away database and show it."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..i18n import N_, _, ngettext, pgettext
from ._app import app

# What the demo database is set up as: the example shop is in Hangzhou and counts in yuan.
DEMO_SETTINGS = {
    "currency": "CNY",
    "phone_region": "CN",
    "timezone": "Asia/Shanghai",
    "user": "Lin Hui",
}


@app.command(rich_help_panel=N_("Getting started"))
def demo(
    keep: Annotated[
        str | None,
        typer.Option(
            "--keep",
            metavar="PATH",
            help=N_("Keep the demo database in this new file (and its settings in PATH.toml)."),
            show_default=False,
        ),
    ] = None,
) -> None:
    """Try custtrack on the bundled example shop, without touching your own data.

    Loads examples/ (a tea & gift shop in Hangzhou: 200 customers over
    18 months, with contacts, purchases, feedback, complaints, follow-ups)
    into a throw-away database and shows one customer's profile, the due
    list and a KPI summary. The examples are dated relative to 2026-11-20,
    so the demo's clock is fixed to that day.

    Examples:
      custtrack demo
      custtrack demo --keep shop.db    then: custtrack --db shop.db show 3
    """
    import os
    import tempfile
    import time
    from pathlib import Path

    from .. import clock, config, db
    from ..errors import Conflict
    from ..services import demo as service
    from . import _output

    folder = service.find_examples()
    target: Path | None = None
    settings: Path | None = None
    if keep:
        target = Path(keep).expanduser().resolve()
        settings = target.with_name(target.name + ".toml")
        for path in (target, settings):
            if path.exists():
                raise Conflict(
                    _(
                        "{path} already exists; --keep needs a new file name "
                        "(the demo never writes into an existing database)"
                    ).format(path=path)
                )
    saved_env = os.environ.get("CUSTTRACK_CONFIG")
    saved_db = db.override()  # restored at the end, for in-process callers (tests)
    with tempfile.TemporaryDirectory(prefix="custtrack-demo-") as tmp:
        path = target or Path(tmp) / "demo.db"
        settings = settings or Path(tmp) / "config.toml"
        # Point everything at the demo before anything opens a database or reads settings.
        db.dispose()
        db.set_db(str(path))
        os.environ["CUSTTRACK_CONFIG"] = str(settings)
        clock.set_today(service.DEMO_DATE)
        ok = False
        try:
            for key, value in DEMO_SETTINGS.items():
                config.set_value(key, value)
            started = time.perf_counter()
            with db.session(write=True, create=True) as s:
                counts = service.load_examples(s, folder)
            elapsed = time.perf_counter() - started
            main = [_loaded(k, n) for k, n in counts.items() if k != "campaigns"]
            _output.info(
                _("Example shop loaded: {counts}.").format(counts=pgettext("list", ", ").join(main))
            )
            line = [_("[bold]demo date: {date}[/]").format(date=service.DEMO_DATE)]
            if counts.get("campaigns"):
                n = counts["campaigns"]
                line.append(ngettext("{n} campaign", "{n} campaigns", n).format(n=n))
            seconds = f"{elapsed:.1f}"
            if target is None:
                line.append(
                    _("from {folder} into a temporary database in {seconds} s").format(
                        folder=folder, seconds=seconds
                    )
                )
            else:
                line.append(
                    _("from {folder} into {where} in {seconds} s").format(
                        folder=folder, where=target, seconds=seconds
                    )
                )
            _output.info(" · ".join(line))
            customer_id = _show_customer()
            _output.heading(_("Due list (custtrack due)"))
            if not _run("due", {"days": 7, "fmt": "table"}):
                _fallback_due()
            _output.heading(_("KPI summary (custtrack report)"))
            if not _run("report", {"period": "month", "fmt": "table"}):
                _fallback_summary()
            _output.info("")
            if target is not None:
                _output.info(
                    _(
                        "Kept: {target} (its settings: {settings}). Open it yourself with:\n"
                        "  custtrack --db {target} show {id}\n"
                        "For this very view (yuan, Hangzhou time, the demo date):\n"
                        "  CUSTTRACK_CONFIG={settings} CUSTTRACK_TODAY={date} "
                        "custtrack --db {target} due"
                    ).format(
                        target=target, settings=settings, id=customer_id, date=service.DEMO_DATE
                    )
                )
            else:
                _output.info(
                    _(
                        "This demo database was temporary and is now deleted; your own data were "
                        "not touched.\nTo keep one: custtrack demo --keep shop.db, then "
                        "custtrack --db shop.db show {id}"
                    ).format(id=customer_id)
                )
            ok = True
        finally:
            db.dispose()
            db.set_db(saved_db)
            clock.set_today(None)
            if saved_env is None:
                os.environ.pop("CUSTTRACK_CONFIG", None)
            else:
                os.environ["CUSTTRACK_CONFIG"] = saved_env
            if not ok and target is not None:
                # a failed --keep leaves nothing behind
                for leftover in (target, settings, *_sidecars(target)):
                    leftover.unlink(missing_ok=True)


def _loaded(kind: str, n: int) -> str:
    """'1,678 contacts': how many rows of one example file were loaded."""
    if kind == "customers":
        text = ngettext("{n} customer", "{n} customers", n)
    elif kind == "interactions":
        text = ngettext("{n} contact", "{n} contacts", n)
    elif kind == "purchases":
        text = ngettext("{n} purchase", "{n} purchases", n)
    elif kind == "feedback":
        text = ngettext("{n} feedback", "{n} feedback", n)
    elif kind == "complaints":
        text = ngettext("{n} complaint", "{n} complaints", n)
    elif kind == "followups":
        text = ngettext("{n} follow-up", "{n} follow-ups", n)
    else:
        return f"{n:,} {kind}"
    return text.format(n=f"{n:,}")


def _sidecars(path: Any) -> list[Any]:
    """SQLite's -wal and -shm files next to a database file."""
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def _show_customer() -> int:
    """One customer's profile card, rendered as `show` renders it (a shorter timeline)."""
    from .. import db
    from ..services import demo as service
    from ..services import records
    from . import _output, _render

    with db.session() as s:
        c = service.showcase(s)
        assert c is not None and c.id is not None  # the example shop was just loaded
        customer_id = int(c.id)
        prof = records.profile(s, c, timeline_limit=8)
    _output.heading(_("One customer (custtrack show {id})").format(id=customer_id))
    _render.profile(prof, "table")
    return customer_id


def _command(name: str) -> Any:
    """The callback of a registered root command, or None while it does not exist yet."""
    for info in app.registered_commands:
        callback = info.callback
        if callback is None:
            continue
        if (info.name or callback.__name__.strip("_").replace("_", "-")) == name:
            return callback
    return None


def _run(name: str, wanted: dict[str, Any]) -> bool:
    """Run another command in-process with these arguments (others at their defaults).

    Returns False when the command is missing or cannot run, so the caller shows a fallback.
    """
    import inspect
    import os

    from ..errors import CusttrackError
    from . import _output

    callback = _command(name)
    if callback is None:
        return False
    kwargs: dict[str, Any] = {}
    for param in inspect.signature(callback).parameters.values():
        if param.name in wanted:
            kwargs[param.name] = wanted[param.name]
        elif param.default is inspect.Parameter.empty:
            return False  # a required argument we cannot guess
        elif isinstance(param.default, typer.models.ParameterInfo):
            kwargs[param.name] = param.default.default  # old-style `= typer.Option(…)`
        else:
            kwargs[param.name] = param.default
    try:
        callback(**kwargs)
    except typer.Exit as exc:
        return exc.exit_code == 0
    except Exception as exc:
        if os.environ.get("CUSTTRACK_DEBUG"):
            raise
        why = exc if isinstance(exc, CusttrackError) else f"{type(exc).__name__}: {exc}"
        _output.warn(
            _("`custtrack {name}` failed in the demo ({error}); showing a simple view").format(
                name=name, error=why
            )
        )
        return False
    return True


def _fallback_due() -> None:
    """Open follow-ups due within a week, straight from the table."""
    from datetime import timedelta

    from sqlmodel import col, or_, select

    from .. import clock, db
    from ..models import Customer, FollowUp
    from ..validate import format_phone
    from ..vocab import label
    from . import _output
    from ._output import Col

    today = clock.today()
    with db.session() as s:
        found = s.exec(
            select(FollowUp, Customer)
            .join(Customer, col(Customer.id) == col(FollowUp.customer_id))
            .where(FollowUp.status == "open", col(FollowUp.due_date) <= today + timedelta(days=7))
            .where(or_(col(FollowUp.snoozed_until).is_(None), col(FollowUp.snoozed_until) <= today))
            .order_by(
                col(FollowUp.due_date), col(FollowUp.due_time).nulls_first(), col(FollowUp.id)
            )
        ).all()
        rows = [  # built inside the session: closing it expires the objects
            {
                "id": fu.id,
                "due": fu.due_date,
                "time": fu.due_time,
                "late": (today - fu.due_date).days if fu.due_date < today else None,
                "customer": c.name,
                "reach": format_phone(c.phone) or c.wechat or c.email,
                "channel": label("channel", fu.channel),
                "note": fu.note,
            }
            for fu, c in found
        ]
    _output.table(
        rows,
        [
            Col("id", _("ID"), "right"),
            Col("due", _("Due")),
            Col("time", _("At")),
            Col("late", _("Days late"), "right"),
            Col("customer", _("Customer"), style="bold"),
            Col("reach", _("Reach")),
            Col("channel", _("Channel")),
            Col("note", _("Note"), max_width=40),
        ],
        title=_("Planned follow-ups due by next week"),
        empty=_("Nothing due in the next 7 days."),
    )


def _fallback_summary() -> None:
    """Headline numbers from SQL, when `custtrack report` is not available."""
    from .. import db
    from ..services import demo as service
    from ..validate import money_text
    from . import _output

    with db.session() as s:
        kpi = service.summary(s)
    revenue = "; ".join(
        money_text(minor, cur) for cur, minor in sorted(kpi["revenue_minor"].items())
    )
    _output.card(
        _("Summary"),
        [
            (
                _("Customers"),
                _("{active} active, {buyers} have bought").format(
                    active=f"{kpi['customers']:,}", buyers=f"{kpi['buyers']:,}"
                ),
            ),
            (_("Orders"), f"{kpi['orders']:,}"),
            (_("Revenue"), revenue or _("none")),
            (_("Open complaints"), str(kpi["open_complaints"])),
            (
                _("Open follow-ups"),
                _("{open} ({overdue} overdue)").format(
                    open=kpi["open_followups"], overdue=kpi["overdue_followups"]
                ),
            ),
        ],
    )
