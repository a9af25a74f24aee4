"""Likely duplicate customers, and merging two customers into one.

Candidates are found by blocking, never by comparing every customer with every other: exact
groups on normalised phone, e-mail and WeChat handle (a customer's own and its secondary contact
points, issue 17.8), whatever the names, and fuzzy name comparison only inside a city or a company
(large blocks are split further by the first letter of the sorted name).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from .. import clock, dialect
from ..errors import UsageError
from ..i18n import N_, _, pgettext
from ..models import Customer, Interaction, Merge, contact_points
from .customers import EDITABLE, describe

BLOCK_LIMIT = 2000  # above this many names, a block is split before the all-pairs comparison

# why a pair is listed: English in JSON and CSV, in the interface language in a table (shown)
_SAME = {"phone": N_("same phone {value}"), "e-mail": N_("same e-mail {value}")}
_SAME["wechat"] = N_("same WeChat {value}")
_SIMILAR = {
    "city": N_("similar name in the same city {place} ({score})"),
    "company": N_("similar name in the same company {place} ({score})"),
}


def _norm(text: str | None) -> str:
    return " ".join((text or "").lower().split())


_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


def _clean_name(name: str) -> str:
    """Lower case, punctuation out, and no spaces inside Chinese names ('王 芳' is '王芳')."""
    from rapidfuzz.utils import default_process

    return _CJK_GAP.sub("", default_process(name))


def _sorted_name(name: str) -> str:
    return " ".join(sorted(_clean_name(name).split()))


def _name_pairs(members: list[tuple[int, str]], cutoff: int) -> Iterable[tuple[int, int, int]]:
    """(id, id, score) for similar names within one block; splits big blocks by first letter."""
    if len(members) < 2:
        return
    if len(members) > BLOCK_LIMIT:
        sub: dict[str, list[tuple[int, str]]] = defaultdict(list)
        depth = 1
        while True:
            sub.clear()
            for cid, name in members:
                sub[_sorted_name(name)[:depth]].append((cid, name))
            if len(sub) > 1 or depth > 3:
                break
            depth += 1
        for group in sub.values():
            if len(group) < len(members):
                yield from _name_pairs(group, cutoff)
            else:  # cannot split further (all the same prefix): compare in slices
                for i in range(0, len(group), BLOCK_LIMIT):
                    yield from _name_pairs(group[i : i + BLOCK_LIMIT], cutoff)
        return
    from rapidfuzz import fuzz, process

    names = [_clean_name(n) for _, n in members]
    scores = process.cdist(
        names, names, scorer=fuzz.token_sort_ratio, score_cutoff=cutoff, dtype="uint8"
    )
    rows, cols = scores.nonzero()
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        if i < j:
            yield members[i][0], members[j][0], int(scores[i, j])


def find_dupes(
    session: Session, min_score: int = 85, limit: int = 0, shown: bool = False
) -> list[dict[str, Any]]:
    """Pairs of customers that are probably one person, best first, each with its reasons
    (in English, as JSON and CSV keep them; shown: in the interface language, for a table)."""
    if not 50 <= min_score <= 100:
        raise UsageError(_("--min-score must be between 50 and 100"))
    tr = _ if shown else str
    t = Customer.__table__
    people = {
        r.id: r
        for r in session.execute(
            sa.select(
                t.c.id, t.c.name, t.c.phone, t.c.email, t.c.wechat, t.c.city, t.c.company
            ).where(t.c.erased_at.is_(None))
        )
    }
    pairs: dict[tuple[int, int], dict[str, Any]] = {}

    def note(a: int, b: int, score: int, reason: str) -> None:
        key = (min(a, b), max(a, b))
        item = pairs.setdefault(key, {"score": 0, "reasons": []})
        item["score"] = max(item["score"], score)
        if reason not in item["reasons"]:
            item["reasons"].append(reason)

    # (kind, value) -> the customers that have it (a dict: each once, in order)
    exact: dict[tuple[str, str], dict[int, None]] = defaultdict(dict)
    blocks: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)

    def exact_key(cid: int, kind: str, value: str | None) -> None:
        if value and value.strip():
            exact[kind, value.strip().lower() if kind != "phone" else value][cid] = None

    for p in people.values():
        exact_key(p.id, "phone", p.phone)
        exact_key(p.id, "e-mail", p.email)
        exact_key(p.id, "wechat", p.wechat)
        for kind, value in (("city", p.city), ("company", p.company)):
            if _norm(value) and p.name:
                blocks[kind, _norm(value)].append((p.id, p.name))
    cp = contact_points.c  # secondary points (issue 17.8): one pass over a small table
    for cid, kind, value in session.execute(sa.select(cp.customer_id, cp.kind, cp.value)):
        if cid in people:
            exact_key(cid, "e-mail" if kind == "email" else kind, value)
    for (kind, value), members in exact.items():
        if len(members) > 50:
            continue  # a shop's own number or a shared inbox, not a person
        ids = list(members)
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                note(a, b, 100, tr(_SAME[kind]).format(value=value))
    for (kind, _value), block in blocks.items():
        for a, b, score in _name_pairs(block, min_score):
            place = people[a].city if kind == "city" else people[a].company
            note(a, b, score, tr(_SIMILAR[kind]).format(place=place, score=score))
    out = []
    sep = pgettext("list", "; ") if shown else "; "
    for (a, b), item in pairs.items():
        pa, pb = people[a], people[b]
        out.append({
            "score": item["score"], "a_id": a, "a_name": pa.name, "b_id": b, "b_name": pb.name,
            "reasons": item["reasons"], "reason": sep.join(item["reasons"]),
        })  # fmt: skip
    out.sort(key=lambda r: (-r["score"], -len(r["reasons"]), r["a_id"], r["b_id"]))
    return out[:limit] if limit else out


_MOVE = ("interactions", "purchases", "feedback", "complaints", "followups")
_MOVE_TOO = ("contact_persons", "points_ledger")  # a company's people, the points (issue 15)


def merge(
    session: Session, keep: Customer, other: Customer, reason: str | None = None
) -> dict[str, Any]:
    """Move everything of OTHER to KEEP, fill KEEP's empty fields, record the merge, drop OTHER."""
    if keep.id == other.id:
        raise UsageError(_("KEEP and OTHER are the same customer"))
    assert keep.id is not None and other.id is not None  # stored customers
    conn = session.connection()
    counts: dict[str, Any] = {}
    for table in (*_MOVE, *_MOVE_TOO):
        counts[table] = dialect.execute(
            conn, f"UPDATE {table} SET customer_id = ? WHERE customer_id = ?", (keep.id, other.id)
        ).rowcount
    tags = dialect.insert_or_ignore(
        conn,
        "INSERT INTO customer_tags (customer_id, tag_id) "
        "SELECT ?, tag_id FROM customer_tags WHERE customer_id = ?",
    )
    counts["tags"] = dialect.execute(conn, tags, (keep.id, other.id)).rowcount
    # the customers OTHER brought were brought by KEEP (before OTHER goes: a trigger would clear)
    dialect.execute(
        conn, "UPDATE customers SET referred_by_id = ? WHERE referred_by_id = ? AND id != ?",
        (keep.id, other.id, keep.id),
    )  # fmt: skip
    # earlier merges into OTHER now explain KEEP
    dialect.execute(conn, "UPDATE merges SET kept_id = ? WHERE kept_id = ?", (keep.id, other.id))
    filled = []
    snapshot = {
        k: v.isoformat() if isinstance(v, date | datetime) else v
        for k, v in other.model_dump().items()
    }
    for key in (*EDITABLE, "lost_reason", "lost_note", "lost_at"):
        if getattr(keep, key) in (None, "") and getattr(other, key) not in (None, ""):
            setattr(keep, key, getattr(other, key))
            filled.append(key)
    if other.status == "active" and keep.status != "active":
        keep.status = "active"  # the merged person is still a customer
    counts["filled"] = filled
    # every other phone, e-mail and WeChat of OTHER stays reachable (issue 17.8)
    from . import contact_points as points

    counts["contact_points"] = points.keep_merged(session, keep, other)
    other_label = describe(other)
    session.add(
        Merge(
            kept_id=keep.id, merged_id=other.id, at=clock.utcnow(),
            merged_snapshot=json.dumps(snapshot, ensure_ascii=False), reason=reason,
        )
    )  # fmt: skip
    session.delete(other)
    session.flush()
    keep.last_contact_at = session.execute(
        sa.select(sa.func.max(Interaction.at)).where(col(Interaction.customer_id) == keep.id)
    ).scalar()
    keep.updated_at = clock.utcnow()
    session.add(keep)
    session.flush()
    from . import audit

    moved = [*_MOVE, *(t for t in _MOVE_TOO if counts[t])]
    kept = ("tags", "filled", *(["contact_points"] if counts["contact_points"] else []))
    audit.merged(session, keep.id, other.id, {k: counts[k] for k in (*moved, *kept)})
    counts["merged"] = other_label
    return counts
