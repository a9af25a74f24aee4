"""Behaviour clusters: reading the features from the store, and saving clusters as segments.

The method is in custtrack.analytics.clusters; saved segments are read back by
services.segments (`list --segment`, `due --segment`, cadences).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa

from .. import clock
from ..errors import Conflict, CusttrackError, InvalidValue
from ..i18n import _

if TYPE_CHECKING:
    import pandas as pd
    from sqlmodel import Session

    from ..analytics.clusters import Clustering

EXTRA = "pip install 'custtrack[insight]'"


def require(module: str, package: str) -> None:
    """Refuse in one line, before any work, when an optional package is not installed."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise CusttrackError(
            _("{package} is not installed; install it with: {command}").format(
                package=package, command=EXTRA
            )
        )


def contacts_frame(session: Session, as_of: date) -> pd.DataFrame:
    """customer_id, channel and local day of every contact up to as_of."""
    import pandas as pd

    from ..models import Interaction
    from . import analytics
    from .segments import end_of_day_utc

    t = Interaction.__table__
    stmt = sa.select(t.c.customer_id, t.c.channel, t.c.at).where(t.c.at < end_of_day_utc(as_of))
    frame = pd.DataFrame(
        list(map(tuple, session.execute(stmt))), columns=["customer_id", "channel", "at"]
    )
    frame["day"] = analytics._local_day(frame["at"])
    return frame.drop(columns=["at"])


def features(session: Session, as_of: date) -> tuple[pd.DataFrame, pd.Series]:
    """The clustering features of every customer who bought by as_of, and their names."""
    from ..analytics.clusters import features as build
    from . import analytics

    occ = analytics.occasions(session, as_of)
    cust = analytics.customers_frame(session, as_of)
    lines = analytics.purchase_lines(session, as_of)
    feats = build(occ, cust, lines, contacts_frame(session, as_of), analytics.ts(as_of))
    return feats, cust["name"].reindex(feats.index)


def clusters(
    session: Session, as_of: date, k: int | None, seed: int
) -> tuple[Clustering, pd.Series]:
    """k-means clusters of the customers who bought (see analytics.clusters), and their names."""
    from ..analytics.clusters import MIN_CUSTOMERS, cluster

    require("sklearn", "scikit-learn")
    feats, names = features(session, as_of)
    n = len(feats)
    if n < MIN_CUSTOMERS:
        raise CusttrackError(
            _("too few customers who bought to find clusters ({n}; at least {least})").format(
                n=n, least=MIN_CUSTOMERS
            )
        )
    if k is not None and not 2 <= k <= min(20, n - 1):
        raise InvalidValue(
            "--k", k, _("must be between {low} and {high}").format(low=2, high=min(20, n - 1))
        )
    return cluster(feats, k, seed), names


def check_name(name: str) -> str:
    """The name to save clusters under, refused when empty, long, or an RFM segment's."""
    from .segments import rfm_segment_name

    group = name.strip()
    if not group or len(group) > 60 or any(c in group for c in "\r\n\t"):
        raise InvalidValue("--save", name, _("give a short name, e.g. behaviour"))
    if rfm_segment_name(group) is not None:
        raise InvalidValue("--save", name, _("is the name of an RFM segment; choose another name"))
    return group


def save(session: Session, name: str, result: Clustering, as_of: date) -> list[str]:
    """Save each cluster as the segment NAME-1, NAME-2 …, replacing an earlier save of NAME;
    returns the segment names."""
    from ..models import saved_segment_members, saved_segments

    group = check_name(name)
    t, m = saved_segments, saved_segment_members
    names = [f"{group}-{n}" for n in result.table["cluster"]]
    same = sa.func.lower(t.c.group_name) == group.lower()
    clash = session.execute(
        sa.select(t.c.name).where(sa.func.lower(t.c.name).in_([n.lower() for n in names]), ~same)
    ).first()
    if clash is not None:
        raise Conflict(
            _("a saved segment {segment} already exists; choose another name").format(
                segment=repr(clash[0])
            )
        )
    old = sa.select(t.c.id).where(same)
    session.execute(sa.delete(m).where(m.c.segment_id.in_(old)))
    session.execute(sa.delete(t).where(same))
    now = clock.utcnow()
    for row, seg in zip(result.table.to_dict("records"), names, strict=True):
        # Session.execute is annotated Result; a DML statement's is a CursorResult
        done = cast("sa.CursorResult[Any]", session.execute(
            sa.insert(t).values(
                name=seg, group_name=group, description=row["description"], as_of=as_of,
                created_at=now,
            )
        ))  # fmt: skip
        assert done.inserted_primary_key is not None  # one row inserted
        seg_id = done.inserted_primary_key[0]
        ids = result.labels.index[result.labels == row["cluster"]].tolist()
        if ids:
            session.execute(
                sa.insert(m), [{"segment_id": seg_id, "customer_id": int(c)} for c in ids]
            )
    return names


def saved(session: Session) -> list[dict[str, Any]]:
    """The saved segments with their customers."""
    from ..models import saved_segment_members as m
    from ..models import saved_segments as t

    count = sa.select(sa.func.count()).where(m.c.segment_id == t.c.id).scalar_subquery()
    stmt = sa.select(t.c.name, t.c.group_name, t.c.description, t.c.as_of, count).order_by(
        t.c.group_name, t.c.id
    )
    keys = ("segment", "group", "description", "as_of", "customers")
    return [dict(zip(keys, r, strict=True)) for r in session.execute(stmt)]
