"""Purchases: order references, and the column-at-a-time checks that make a million-line till
export fast; rows the column checks cannot vouch for take the row-by-row rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from itertools import repeat
from typing import TYPE_CHECKING, Any

from ... import dialect
from ...currencies import code as currency_code
from ...errors import InvalidValue
from ...i18n import _
from ...validate import currency_exponent, money_text, parse_money
from .base import IDENTITY, LINK_FIELDS, cell, same_time
from .records import RecordImporter
from .report import RowErrors

if TYPE_CHECKING:
    from ...io.formats import Block

# 'YYYY-MM-DD HH:MM:SS', what a till exports: positions of its digits and separators
_SECONDS_FMT = "%Y-%m-%d %H:%M:%S"
_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
_SEPARATORS = [4, 7, 10, 13, 16]
_SEPARATOR_CODES = [ord(c) for c in "-- ::"]


class PurchaseImporter(RecordImporter):
    required = (("amount",), ("at",))
    table = "purchases"
    columns = (
        "customer_id",
        "at",
        "product",
        "category",
        "qty",
        "amount_minor",
        "currency",
        "order_ref",
        "batch_id",
        "created_at",
        "cost_minor",
        "person_id",  # the company's contact person (issue 15): custtrack export's person_id
        "note",
        "refund_of",  # issue 17.7: stored in finish(), once the purchases they name are in
    )

    # the fields the column checks read
    FAST = (*LINK_FIELDS, "at", "amount", "qty", "product", "category", "order_ref", "currency",
            "cost", "unit_cost")  # fmt: skip
    LIMITS = (("product", 200), ("category", 100), ("order_ref", 100))

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.refs: dict[str, int] = {}  # order reference -> line in this file
        self.stored_refs: dict[str, int] = {}
        where = {f: i for i, f in self.pairs}  # a later column wins, as in values()
        self._where = {f: where[f] for f in self.FAST if f in where}
        self._width = max(where.values()) + 1
        # only references stored before this import can clash with the file (its own repeats
        # are caught line by line): none at all, as on a first import, means no look-ups
        self.refs_stored = (
            dialect.execute(
                self.conn, "SELECT 1 FROM purchases WHERE order_ref IS NOT NULL LIMIT 1"
            ).first()
            is not None
        )
        # refunds (issue 17.7): held back until every purchase of the file is in
        self.refunds: list[tuple[int, list[Any], int, dict[str, Any]]] = []
        self.lines_by_id: dict[str, tuple[int, dict[str, Any]]] = {}  # the file's own ids

    def run(
        self, rows: Iterator[tuple[int, list[Any]]], progress: Callable[[], None] | None
    ) -> None:
        from ...io.formats import Block, Records

        if not isinstance(rows, Records):
            super().run(rows, progress)
            return
        # a CSV reader hands on blocks of lines as columns: no Python list per row
        for part in rows.parts():
            self.report.rows += len(part)
            if isinstance(part, Block):
                self.block(part)
            else:
                self.chunk(part)
            if progress:
                progress()
        self.finish()

    def chunk(self, chunk: list[tuple[int, list[Any]]]) -> None:
        lines, rows = zip(*chunk, strict=True)
        widths = set(map(len, rows))
        if len(widths) > 1 or not self._fits(widths.pop()):
            self.store([r for line, values in chunk if (r := self.check_row(line, values))])
        else:
            self.checked(lines, list(zip(*rows, strict=True)), rows)

    def block(self, block: Block) -> None:
        if self._fits(len(block.columns)):
            self.checked(range(block.first, block.first + len(block)), block.columns, None)
        else:
            self.chunk(list(block.rows()))

    def _fits(self, width: int) -> bool:
        # row by row: each person is checked against the customer; a refund names a purchase
        if {"person_id", "refund_of", "note"} & self.column.keys():
            return False
        return width >= self._width and (not self.strict_width or width == len(self.headers))

    def checked(
        self, lines: Sequence[int], table: Sequence[Sequence], rows: Sequence | None
    ) -> None:
        """Each check is run on a whole column at once; a row that fails one (or that the
        column checks do not cover) goes through `check_row`, so every error is found and
        worded as before. A chunk of good rows is stored column by column too."""
        cols = self._columns(lines, table, rows)
        if cols.ok.all() and self._store_columns(cols):
            return
        good = []
        for k, line in enumerate(lines):
            row = cols.row(k) if cols.ok[k] else self.check_row(line, cols.values(k))
            if row is not None:
                good.append(row)
        self.store(good)

    def _column(self, table: Sequence[Sequence], field: str, plain: bool) -> list[Any] | None:
        """A field's cells as `values` cleans them (None if the file has no such column);
        plain: every cell is known to be text."""
        i = self._where.get(field)
        if i is None:
            return None
        cells = table[i]
        if not plain and set(map(type, cells)) != {str}:
            return list(map(cell, cells))  # JSON or XLSX values
        out = list(map(str.strip, cells))
        return [v or None for v in out] if "" in out else out

    def _columns(
        self, lines: Sequence[int], table: Sequence[Sequence], rows: Sequence | None
    ) -> PurchaseColumns:
        import numpy as np

        n = len(lines)
        c = PurchaseColumns(self, lines, table, rows, np.ones(n, dtype=bool))
        people = self.people
        plain = rows is None  # columns of a CSV block: all text

        # the customer: each distinct identity is checked once
        idents = [self._column(table, f, plain) for f in IDENTITY]
        given = [j for j, cells in enumerate(idents) if cells is not None]
        if len(given) == 1:  # one identity column: its cells are the keys (no tuple per row)
            cells = idents[given[0]]
            assert cells is not None  # given: the columns present
            c.keys = cells
            raw: list[Any] = [None] * len(IDENTITY)
        else:
            c.keys = list(zip(*(repeat(None, n) if x is None else x for x in idents), strict=True))
        distinct = dict.fromkeys(c.keys)
        for key in distinct:
            if len(given) == 1:
                raw[given[0]] = key
                key_tuple = tuple(raw)
            else:
                key_tuple = key
            link = people._links.get(key_tuple)
            errs = RowErrors()
            if link is None:
                link = people.link(dict(zip(IDENTITY, key_tuple, strict=True)), errs)
            cid = None if errs else people.check_known(link, errs)
            if not errs:
                c.links[key], c.cid_of[key] = link, cid
        if len(c.links) < len(distinct):
            c.ok &= np.fromiter(map(c.links.__contains__, c.keys), dtype=bool, count=n)

        # when: the till's 'YYYY-MM-DD HH:MM:SS' for the whole column, other shapes one by one
        at_raw = self._column(table, "at", plain)
        assert at_raw is not None  # a required column (`required`)
        c.at_raw = at_raw
        c.at = self._moments(c.at_raw)
        if None in c.at:
            failed = set()
            for k in [k for k, t in enumerate(c.at) if t is None]:
                value = c.at_raw[k]
                got = self._times.get(value)
                if got is None and value not in failed:
                    got = self.moment(value, "at", RowErrors())
                if got is None:
                    failed.add(value)
                    c.ok[k] = False
                else:
                    c.at[k] = got[0]

        # currency and amount
        exp: int | np.ndarray  # one exponent, or one per row when the currencies differ
        cells = self._column(table, "currency", plain)
        if cells is None:
            exp = currency_exponent(self.currency)
        else:
            codes = {}
            for cell in set(cells):
                codes[cell] = currency_code(self.currency if cell is None else str(cell))
            c.currency = list(map(codes.get, cells))
            if None in c.currency:
                c.ok &= np.array([x is not None for x in c.currency])
            exps: dict[str | None, int] = {x: currency_exponent(x) for x in codes.values() if x}
            exp = next(iter(exps.values()), 0)
            if len(set(exps.values())) > 1:
                exp = np.array([exps.get(x, 0) for x in c.currency])
        amounts = self._column(table, "amount", plain)
        assert amounts is not None  # a required column (`required`)
        c.minor, fine = _amounts(amounts, exp)
        c.ok &= fine

        qty = self._column(table, "qty", plain)
        if qty is not None:
            qtys = self._qty
            c.qty = [1 if x is None else qtys.get(x) for x in qty]
            if None in c.qty:
                c.ok &= np.array([x is not None for x in c.qty])
        for name in ("cost", "unit_cost"):  # what the line cost the shop (issue 16)
            cells = self._column(table, name, plain)
            if cells is not None:
                minor, fine = _amounts(cells, exp)
                blank = np.array([v is None for v in cells], dtype=bool)
                c.ok &= fine | blank
                costs = [None if b else m for b, m in zip(blank, minor.tolist(), strict=True)]
                setattr(c, name, costs)
        for name, limit in self.LIMITS:
            cells = self._column(table, name, plain)
            setattr(c, name, cells)
            if cells is None:
                continue
            try:
                fine = max(map(len, filter(None, cells)), default=0) <= limit
            except TypeError:  # a date or time from Excel
                fine = False
            if not fine:
                c.ok &= np.array(
                    [x is None or (x.__class__ is str and len(x) <= limit) for x in cells]
                )
        return c

    def _store_columns(self, c: PurchaseColumns) -> bool:
        """Store a chunk of good rows without a Python object per row; False (nothing done) if
        a row needs the row-by-row rules: a repeated or stored order reference, a natural key
        that may match a stored row, a forgotten person."""
        people = self.people
        self._load_stored(c.cid_of.values())
        refs, lines = c.order_ref, c.lines
        if refs is not None:
            if None in refs:
                lines = [line for line, r in zip(lines, refs, strict=True) if r is not None]
                refs = [r for r in refs if r is not None]
            mine = dict(zip(refs, lines, strict=True))
            if len(mine) != len(refs) or not self.refs.keys().isdisjoint(mine):
                return False
            if self.refs_stored:
                self._load_refs(refs)
                if not self.stored_refs.keys().isdisjoint(mine):
                    return False
        if self.stored and (c.order_ref is None or None in c.order_ref):
            return False
        new = [key for key, cid in c.cid_of.items() if cid is None]
        if new and self._erased is not None:
            return False
        if new:
            first = dict(zip(reversed(c.keys), reversed(c.lines), strict=True))
            for key in new:  # in the order they first appear, as row by row
                c.cid_of[key] = people.find_or_create(c.links[key], first[key])
        if refs is not None:
            self.refs.update(mine)
        out = list(
            zip(
                map(c.cid_of.get, c.keys), c.at,
                c.product or repeat(None), c.category or repeat(None), c.qty or repeat(1),
                c.minor.tolist(), c.currency or repeat(self.currency), c.order_ref or repeat(None),
                repeat(self.batch_id), repeat(self.now), c.costs(), repeat(None),
            )
        )  # fmt: skip
        people.flush()
        self.insert(self.table, self.columns[:-2], out)  # no note, no refund: _fits
        self.report.added += len(out)
        return True

    def _moments(self, cells: list[Any]) -> list[str | None]:
        """The stored UTC text for each cell that is a plain local 'YYYY-MM-DD HH:MM:SS' that is
        unambiguous, valid and not in the future; else None.

        pandas converts the whole column in C; the same answer as `moment` row by row."""
        import numpy as np
        import pandas as pd

        texts = _texts(cells)
        # the exact shape, checked on the code points in C (pandas alone accepts '2024-1-2 …')
        chars = np.array(texts, dtype="U20").view(np.uint32).reshape(len(texts), 20)
        digits = chars[:, _DIGITS]
        shaped = (
            ((digits >= 48) & (digits <= 57)).all(axis=1)
            & (chars[:, _SEPARATORS] == _SEPARATOR_CODES).all(axis=1)
            & (chars[:, 19] == 0)
        )
        if not shaped.any():
            return [None] * len(texts)
        naive = pd.to_datetime(
            # numpy's stubs take no None for np.where's `y`; numpy takes it as an object scalar
            pd.Series(np.where(shaped, np.array(texts, dtype=object), None)),  # type: ignore[call-overload]
            format=_SECONDS_FMT,
            errors="coerce",
        )
        local = naive.dt.tz_localize(self.zone, ambiguous="NaT", nonexistent="NaT")
        utc = local.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
        day = naive.to_numpy(dtype="datetime64[s]").astype("datetime64[D]")
        ok = (
            shaped
            & ~np.isnat(utc)
            & (day >= np.datetime64("1900-01-01"))
            & (day <= np.datetime64(self.today.isoformat()))
        )
        # 'YYYY-MM-DDTHH:MM:SS.ffffff' with a space for the T: what `db_time` writes
        stored = np.datetime_as_string(utc, unit="us")
        stored.view(np.uint32).reshape(len(texts), -1)[:, 10] = ord(" ")
        out = stored.tolist()
        for k in np.flatnonzero(~ok).tolist():
            out[k] = None
        return out

    def parse(self, vals: dict[str, Any], errs: RowErrors) -> dict[str, Any]:
        # the hot path of a big import: plain values are taken as they are, the rest is checked
        get = vals.get
        currency = self.currency
        if get("currency") is not None:
            currency = currency_code(str(vals["currency"])) or str(vals["currency"])
            if currency_code(currency) is None:
                errs.add(
                    self.column["currency"], vals["currency"], _("not a currency code (e.g. CNY)")
                )
        at = get("at")
        when = self._times.get(at) or self.moment(at, "at", errs)
        amount = get("amount")
        refund_of = get("refund_of")
        if refund_of is not None:  # a refund: its amount is given back (either sign written)
            amount = str(amount if amount is not None else "").strip().lstrip("-−－").strip()
        minor = self._money.get((amount, currency))
        if minor is None:
            minor = self.money(amount, currency, errs)
        qty = get("qty")
        qty = 1 if qty is None else self._qty.get(qty) or self.integer(qty, "qty", 1, None, errs)
        rec = {"at": when, "amount": minor, "currency": currency, "qty": qty}
        if refund_of is not None and get("cost") is not None:  # its cost comes back: signed
            vals = {**vals, "cost": str(get("cost")).strip().lstrip("-−－").strip()}
        rec["cost"] = self._cost(vals, currency, qty, errs)
        rec["person"] = get("person_id")
        rec["note"] = self.text(get("note"), "note", 200, errs) if get("note") is not None else None
        rec["id"] = str(get("purchase_id")).strip() if get("purchase_id") is not None else None
        rec["refund_of"] = None
        if refund_of is not None:
            text = str(refund_of).strip()
            if not text.isdigit():
                errs.add(self.column["refund_of"], refund_of, _("not a purchase id"))
            elif minor == 0:
                errs.add(self.column.get("amount", "amount"), get("amount"), _("must not be 0"))
            else:
                rec["refund_of"] = text
                if minor is not None:
                    rec["amount"] = -minor
                cost: Any = rec["cost"]
                if cost is not None:  # the goods' cost comes back
                    rec["cost"] = -abs(cost)
        for key, limit in (("product", 200), ("category", 100), ("ref", 100)):
            value = get("order_ref" if key == "ref" else key)
            if value is not None and (value.__class__ is not str or len(value) > limit):
                value = self.text(value, "order_ref" if key == "ref" else key, limit, errs)
            rec[key] = value
        return rec

    def _cost(self, vals: dict[str, Any], currency: str, qty: int | None, errs: RowErrors) -> Any:
        """What the line cost the shop (issue 16): its own cost, or one unit's × quantity."""
        for field, times in (("cost", 1), ("unit_cost", qty or 1)):
            value = vals.get(field)
            if value is None:
                continue
            col = self.column.get(field, field)
            try:
                text = value if isinstance(value, str) else str(value)
                return parse_money(text, currency, col) * times
            except InvalidValue as exc:
                errs.invalid(col, value, exc)
                return None
        return None

    def before_insert(self, good: list[tuple]) -> None:
        super().before_insert(good)
        self._load_refs([rec["ref"] for *_, rec, _cid in good if rec["ref"]])

    def _load_refs(self, refs: list[str]) -> None:
        if not self.refs_stored:
            return
        for start in range(0, len(refs), 500):
            part = refs[start : start + 500]
            marks = ", ".join("?" * len(part))
            sql = f"SELECT order_ref, customer_id FROM purchases WHERE order_ref IN ({marks})"
            self.stored_refs.update(dialect.execute(self.conn, sql, tuple(part)).all())

    def _ref_still_good(
        self, line: int, values: list[Any], rec: dict[str, Any], cid: int | None
    ) -> bool:
        ref = rec["ref"]
        if not ref:
            return True
        col = self.column["order_ref"]
        if ref in self.refs:
            errs = RowErrors()
            errs.add(col, ref, _("the same order reference is on line {line}").format(
                line=self.refs[ref]))  # fmt: skip
            self.reject(line, values, errs)
            return False
        self.refs[ref] = line
        owner = self.stored_refs.get(ref)
        if owner is None:
            return True
        if owner == cid:
            self.report.unchanged += 1
            return False
        errs = RowErrors()
        errs.add(col, ref, _("already recorded for another customer (#{id})").format(id=owner))
        self.reject(line, values, errs)
        return False

    def key(self, cid: int, rec: dict[str, Any]) -> int | None:
        if rec["ref"]:
            return None
        return hash((cid, rec["at"][0], rec["amount"], rec["currency"], rec["product"]))

    def stored_keys(self, ids: list[int]) -> Iterable[int]:
        sql = (
            "SELECT customer_id, at, amount_minor, currency, product FROM purchases "
            "WHERE order_ref IS NULL AND customer_id IN (?)"
        )
        for cid, at, amount, currency, product in self._stored(sql, ids):
            yield hash((cid, same_time(at), amount, currency, product))

    def is_stored(self, cid: int, rec: dict[str, Any]) -> bool:
        if rec["id"] is not None and rec["refund_of"] is None:
            self.lines_by_id[rec["id"]] = (cid, rec)  # a refund further on may name it
        return super().is_stored(cid, rec)

    def row(self, cid: int, rec: dict[str, Any]) -> tuple | None:
        if rec["refund_of"] is not None:
            self.refunds.append((rec.pop("_line"), rec.pop("_values"), cid, rec))
            return None
        return self._row(cid, rec)

    def _row(self, cid: int, rec: dict[str, Any], refund_of: int | None = None) -> tuple:
        return (
            cid,
            rec["at"][0],
            rec["product"],
            rec["category"],
            rec["qty"],
            rec["amount"],
            rec["currency"],
            rec["ref"],
            self.batch_id,
            self.now,
            rec.get("cost"),
            self.person_of(cid, vals_person=rec.get("person")),
            rec.get("note"),
            refund_of,
        )

    def still_good(
        self, line: int, values: list[Any], rec: dict[str, Any], cid: int | None
    ) -> bool:
        rec["_line"], rec["_values"] = line, values  # where a held-back refund came from
        return self._ref_still_good(line, values, rec, cid)

    def finish(self) -> None:
        """The refunds of the file, now that the purchases they name are stored: each linked
        to its purchase (the file's own line with that id, else the book's purchase with that
        id), of the same customer and currency, after it, and not beyond what is left of it.
        The cost comes back in proportion to the purchase's when the line gives none."""
        super().finish()
        if not self.refunds:
            return
        from ..records import refunded

        out, given = [], {}
        col = self.column["refund_of"]
        for line, values, cid, rec in self.refunds:
            errs = RowErrors()
            cells = self.values(values, RowErrors())  # as the file gave them, for the errors
            found = self._purchase_for(cid, rec["refund_of"])
            if found is None:
                errs.add(col, rec["refund_of"], _("no purchase with this id of this customer"))
                self.reject(line, values, errs)
                continue
            pid, at, whole, currency, cost = found
            if pid not in given:
                given[pid] = refunded(self.s, pid)
            back = -rec["amount"]
            if currency != rec["currency"]:
                errs.add(self.column.get("currency", "currency"), rec["currency"],
                         _("the purchase is in {currency}").format(currency=currency))  # fmt: skip
            elif back > whole - given[pid]:
                errs.add(self.column.get("amount", "amount"), cells["amount"],
                         _("is more than what is left of the purchase ({amount})").format(
                             amount=money_text(whole - given[pid], currency)))  # fmt: skip
            elif dialect.to_datetime(rec["at"][0]) < dialect.to_datetime(at):
                day = same_time(at)[:10]
                errs.add(self.column.get("at", "at"), cells["at"],
                         _("is before the purchase ({day})").format(day=day))  # fmt: skip
            if errs:
                self.reject(line, values, errs)
                continue
            given[pid] += back
            if rec.get("cost") is None and cost is not None and whole:
                rec["cost"] = -round(cost * back / whole)
            out.append(self._row(cid, rec, refund_of=pid))
        self.insert(self.table, self.columns, out)
        self.report.added += len(out)

    def _purchase_for(self, cid: int, ref: str) -> tuple | None:
        """(id, at, amount, currency, cost) of the purchase a refund of this customer names."""
        mine = "SELECT id, at, amount_minor, currency, cost_minor, product, order_ref FROM "
        mine += "purchases WHERE customer_id = ? AND refund_of IS NULL"
        if ref in self.lines_by_id:  # a line of this file: found by what it says
            owner, rec = self.lines_by_id[ref]
            if owner != cid:
                return None
            for pid, at, amount, currency, cost, product, order_ref in dialect.execute(
                self.conn, mine + " ORDER BY id DESC", (cid,)
            ):
                same = (order_ref == rec["ref"]) if rec["ref"] else (
                    order_ref is None and same_time(at) == same_time(rec["at"][0])
                    and (amount, currency, product)
                    == (rec["amount"], rec["currency"], rec["product"])
                )  # fmt: skip
                if same:
                    return pid, at, amount, currency, cost
            return None
        got = dialect.execute(self.conn, mine + " AND id = ?", (cid, int(ref))).first()
        return None if got is None else tuple(got[:5])


class PurchaseColumns:
    """A chunk of purchase rows as checked columns; `ok` marks the rows that passed them all."""

    def __init__(
        self,
        imp: PurchaseImporter,
        lines: Sequence[int],
        table: Sequence[Sequence],
        rows: Any,
        ok: Any,
    ) -> None:
        self.imp, self.lines, self.table, self.rows, self.ok = imp, lines, table, rows, ok
        self.keys: list[tuple] = []  # the raw customer identity of each row
        self.links: dict[tuple, dict[str, Any]] = {}  # identity -> link, for the good ones
        self.cid_of: dict[tuple, int | None] = {}  # identity -> customer id (None: new)
        self.at_raw: list[Any] = []
        self.at: list[str | None] = []
        self.minor: Any = None
        self.currency: list[str | None] | None = None
        self.qty: list[int | None] | None = None
        self.product: list[Any] | None = None
        self.category: list[Any] | None = None
        self.order_ref: list[Any] | None = None
        self.cost: list[int | None] | None = None  # minor units, per line
        self.unit_cost: list[int | None] | None = None  # minor units, per unit

    def costs(self) -> Any:
        """Every row's cost (a file without cost columns costs no call per row)."""
        if self.cost is None and self.unit_cost is None:
            return repeat(None)
        return map(self.cost_of, range(len(self.keys)))

    def cost_of(self, k: int) -> int | None:
        """Row k's cost: its own, else one unit's × its quantity (None if neither is given)."""
        if self.cost is not None and self.cost[k] is not None:
            return self.cost[k]
        unit = self.unit_cost[k] if self.unit_cost is not None else None
        if unit is not None:
            qty = self.qty[k] if self.qty else 1
            assert qty is not None  # costs are stored only when every quantity passed
            return unit * qty
        return None

    def row(self, k: int) -> tuple:
        """Row k as `check_row` gives it: (line, values, link, rec, customer id or None)."""
        key, imp = self.keys[k], self.imp
        raw = self.at_raw[k]
        got = imp._times.get(raw)
        day = got[1] if got else date.fromisoformat(raw[:10])  # a till time: its local day
        rec = {
            "at": (self.at[k], day),
            "amount": int(self.minor[k]),
            "currency": self.currency[k] if self.currency else imp.currency,
            "qty": self.qty[k] if self.qty else 1,
            "product": self.product[k] if self.product else None,
            "category": self.category[k] if self.category else None,
            "ref": self.order_ref[k] if self.order_ref else None,
            "cost": self.cost_of(k),
            "note": None,  # a file with notes or refunds goes row by row (PurchaseImporter._fits)
            "id": None,
            "refund_of": None,
        }
        return self.lines[k], self.values(k), self.links[key], rec, self.cid_of[key]

    def values(self, k: int) -> list[Any]:
        """The cells of row k, as the file gave them."""
        return self.rows[k] if self.rows is not None else [col[k] for col in self.table]


_AMOUNT_WIDTH = 16


def _texts(cells: list[Any]) -> list[str]:
    """The cells for a numpy text array: anything but text (None, an Excel date) as ''."""
    if set(map(type, cells)) == {str}:
        return cells
    return [v if v.__class__ is str else "" for v in cells]


def _amounts(cells: list[Any], exp: Any) -> tuple[Any, Any]:
    """Plain amounts ('29.33': ASCII digits, at most one point, at most `exp` decimals, under
    13 digits before the point) in minor units, for a whole column with numpy; and which cells
    were plain. Exact integer arithmetic: the same as `Importer.money` (exp: int or per row)."""
    import numpy as np

    n = len(cells)
    texts = _texts(cells)
    size = np.fromiter(map(len, texts), dtype=np.int64, count=n)[:, None]
    chars = np.array(texts, dtype=f"U{_AMOUNT_WIDTH}").view(np.uint32).reshape(n, -1)
    pos = np.arange(chars.shape[1])
    digit = (chars >= 48) & (chars <= 57)
    dot = chars == 46
    dots = dot.sum(axis=1, keepdims=True)
    point = np.where(dots == 1, dot.argmax(axis=1)[:, None], size)
    decimals = np.where(dots == 1, size - point - 1, 0)
    exp = np.asarray(exp).reshape(-1, 1)
    ok = (
        ((digit | dot) == (pos < size)).all(axis=1, keepdims=True)
        & (size <= _AMOUNT_WIDTH)
        & (dots <= 1)
        & (point >= 1)
        & (point <= 12)
        & (decimals <= exp)
    )[:, 0]
    power = np.where(pos < point, point - 1 - pos + exp, exp - (pos - point)).clip(0, 18)
    values = np.where(digit, chars.astype(np.int64) - 48, 0) * (10 ** power.astype(np.int64))
    return values.sum(axis=1), ok
