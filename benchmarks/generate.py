"""Build a benchmark database of a tea & gift shop at scale S, M or L (fixed seed, real shapes).

    python benchmarks/generate.py --scale M --db /tmp/bench-M.db [--import-csv /tmp/bench-M.csv] \
        [--import-xlsx /tmp/bench-M-sheet.xlsx]

The schema comes from custtrack itself (`db.engine()` runs the migrations) and every row goes in
through custtrack's bulk path (`services.bulk.insert_rows`: Core executemany), one transaction per
table. Shapes: most customers buy once and a Pareto tail buys often; contacts cluster around
purchases; feedback for ~12% of purchases; complaints for ~0.4%; open follow-ups overdue, today and
upcoming; tags; one `vip` cadence. Data end on REFERENCE_DATE (2026-11-20, Asia/Shanghai), which
`run.py` passes to custtrack as CUSTTRACK_TODAY so that every run sees the same "today".
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

SCALES = {  # customers, purchases, interactions, rows of the import CSV
    "S": (1_000, 10_000, 10_000, 10_000),
    "M": (100_000, 1_000_000, 1_000_000, 1_000_000),
    "L": (1_000_000, 10_000_000, 10_000_000, 1_000_000),
}
SHEET_ROWS = {"S": 2_000, "M": 100_000, "L": 100_000}  # customers in the tracking sheet (.xlsx)
REFERENCE_DATE = date(2026, 11, 20)
TIMEZONE = "Asia/Shanghai"
UTC_OFFSET_S = 8 * 3600  # Asia/Shanghai has no DST, so a fixed offset is exact
DAY = 86_400
YEARS = 3  # history before the reference date
CHUNK = 100_000  # rows turned into Python objects at a time (keeps L within a few GB)

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉玲丹建文斌宇浩凯晨欣怡婷雪琳"
)
WESTERN = ["Anna", "Ben", "Clara", "David", "Emma", "Felix", "Grace", "Henry", "Iris", "Jack"]
WEST_LAST = ["Berg", "Smith", "Müller", "Rossi", "Dubois", "Kim", "Tanaka", "Novak", "Silva"]
CITIES = ["杭州", "上海", "北京", "苏州", "南京", "宁波", "广州", "深圳", "成都", "武汉", "厦门"]
CITY_W = [30, 20, 8, 8, 6, 6, 5, 5, 4, 4, 4]
SOURCES = ["walk-in", "referral", "wechat-ad", "market-fair", "website"]
SOURCE_W = [40, 25, 15, 10, 10]
OWNERS = ["lei", "mei", "chen", "sam"]
TAGS = {  # tag: share of customers
    "vip": 0.05, "wholesale": 0.03, "corporate": 0.04, "newsletter": 0.15, "online": 0.10,
    "tea-club": 0.06, "gift-buyer": 0.08,
}  # fmt: skip
PRODUCTS = [  # product, category, median price in CNY
    ("Longjing 250g", "tea", 268), ("Tieguanyin 200g", "tea", 158),
    ("Pu-erh cake 357g", "tea", 398), ("Jasmine pearls 100g", "tea", 98),
    ("Dianhong 200g", "tea", 128), ("Baimudan 150g", "tea", 138),
    ("Yixing teapot", "teaware", 680), ("Gaiwan set", "teaware", 168),
    ("Tea tray", "teaware", 320), ("Travel tea set", "teaware", 198),
    ("Gift box small", "gifts", 188), ("Gift box large", "gifts", 588),
    ("Mooncake box", "gifts", 238), ("Osmanthus cookies", "snacks", 38),
    ("Dried plums", "snacks", 28), ("Sesame brittle", "snacks", 32),
]  # fmt: skip
CHANNELS = ["phone", "wechat", "visit", "email", "sms", "meeting", "video", "social", "other"]
CHANNEL_W = [30, 35, 15, 8, 5, 3, 2, 1, 1]
SUMMARIES = [
    "asked about the new tea", "order follow-up", "birthday greeting", "complaint follow-up",
    "invited to tasting", "sent price list", "discussed wholesale terms", "checked delivery",
    "thank-you note", "recommended teaware", None,
]  # fmt: skip
OUTCOMES = ["ordered", "call back", "no answer", "interested", "not now", None, None]
FEEDBACK_TEXT = [
    "很好喝",
    "包装精美",
    "delivery was slow",
    "great service",
    "a bit pricey",
    "会再来",
]
COMPLAINT_CATS = ["price", "quality", "service", "delivery", "other"]
COMPLAINT_W = [15, 30, 20, 30, 5]
PRIORITIES = ["low", "normal", "high", "urgent"]
PRIORITY_W = [15, 60, 20, 5]
# the tracking sheet (客户追踪表) is kept in Chinese, as the shop keeps it
SHEET_TITLE = "某某茶庄 客户追踪表（2026年）"
SHEET_HEADER = ["序号", "姓名", "手机", "城市", "跟进日期", "跟进方式", "跟进内容", "下次跟进日期",
                "购买日期", "产品", "金额"]  # fmt: skip
PRODUCTS_ZH = [  # PRODUCTS, in the same order
    "西湖龙井250g", "安溪铁观音200g", "普洱茶饼357g", "茉莉龙珠100g", "滇红200g", "白牡丹150g",
    "宜兴紫砂壶", "盖碗套装", "茶盘", "旅行茶具", "小礼盒", "大礼盒", "月饼礼盒", "桂花糕", "话梅",
    "芝麻糖",
]  # fmt: skip
SHEET_CHANNELS = ["微信", "电话", "拜访", "短信"]
SHEET_CHANNEL_W = [40, 35, 15, 10]
SHEET_SUMMARIES = [
    "介绍新到的明前龙井", "询问订单进度", "生日祝福", "邀请参加品茶会", "发送价目表",
    "商谈批发价格", "确认已收货", "推荐紫砂壶", "中秋礼盒预订", "回访满意度", None,
]  # fmt: skip


def _utc_strings(seconds: np.ndarray) -> list[str]:
    """Epoch seconds (UTC) as SQLAlchemy's SQLite DATETIME text, as UTCDateTime stores them."""
    text = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="us")
    return [s.replace("T", " ", 1) for s in text.tolist()]


def _date_strings(days: np.ndarray) -> list[str]:
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D").tolist()


def _col(values: np.ndarray, kind: str = "plain") -> Callable[[slice], list[Any]]:
    """A column: turns a slice of a numpy array into Python values (None where masked)."""

    def take(part: slice) -> list[Any]:
        chunk = values[part]
        if kind == "ts":
            out = _utc_strings(np.where(chunk < 0, 0, chunk))
            return [None if v < 0 else s for v, s in zip(chunk.tolist(), out, strict=True)]
        if kind == "date":
            return _date_strings(chunk)
        if kind == "obj":
            return list(chunk)
        return chunk.tolist()

    return take


def _rows(n: int, columns: dict[str, Callable[[slice], list[Any]]]) -> Iterator[dict[str, Any]]:
    """Dicts for insert_rows, built CHUNK rows at a time so memory stays flat at scale L."""
    names = list(columns)
    for start in range(0, n, CHUNK):
        part = slice(start, min(n, start + CHUNK))
        lists = [columns[c](part) for c in names]
        for values in zip(*lists, strict=True):
            yield dict(zip(names, values, strict=True))


def _pick(rng: np.random.Generator, items: list[Any], weights: list[float] | None, n: int) -> Any:
    """n weighted choices as an object array (None allowed among the items)."""
    p = None if weights is None else np.asarray(weights, float) / np.sum(weights)
    idx = rng.choice(len(items), size=n, p=p)
    arr = np.empty(len(items), dtype=object)
    arr[:] = items
    return arr[idx]


def _business_time(rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
    """UTC epoch seconds at a local (Shanghai) shop hour, 09:00–21:00, on each local day."""
    seconds = rng.integers(9 * 3600, 21 * 3600, size=len(day))
    return day * DAY + seconds - UTC_OFFSET_S


class Generator:
    def __init__(self, scale: str, seed: int) -> None:
        self.n_cust, self.n_purch, self.n_inter, self.n_import = SCALES[scale]
        self.rng = np.random.default_rng(seed)
        ref = np.datetime64(REFERENCE_DATE.isoformat(), "D").astype(np.int64)
        self.ref_day = int(ref)  # local day number of the reference date
        self.end_s = self.ref_day * DAY - UTC_OFFSET_S - 60  # just before local midnight
        self.start_day = self.ref_day - 365 * YEARS

    # ---------------------------------------------------------------- customers
    def customers(self) -> dict[str, Any]:
        rng, n = self.rng, self.n_cust
        ids = np.arange(1, n + 1)
        # a growing shop: more customers joined recently
        span = self.ref_day - 1 - self.start_day
        first_day = self.start_day + (span * np.sqrt(rng.random(n))).astype(np.int64)
        created = _business_time(rng, first_day)
        churned = rng.random(n) < 0.45
        lapse = ((self.ref_day - 1 - first_day) * rng.random(n)).astype(np.int64)
        last_day = np.where(churned, first_day + lapse, self.ref_day - 1)
        buyer = rng.random(n) < 0.88
        western = rng.random(n) < 0.08
        sur = np.array(SURNAMES, dtype=object)[rng.integers(0, len(SURNAMES), n)]
        g1 = np.array(GIVEN, dtype=object)[rng.integers(0, len(GIVEN), n)]
        g2 = np.array(GIVEN + [""] * 20, dtype=object)[rng.integers(0, len(GIVEN) + 20, n)]
        wf = np.array(WESTERN, dtype=object)[rng.integers(0, len(WESTERN), n)]
        wl = np.array(WEST_LAST, dtype=object)[rng.integers(0, len(WEST_LAST), n)]
        names = np.where(western, wf + " " + wl, sur + g1 + g2)
        # unique valid Chinese mobiles +86 13x xxxx xxxx: a bijection of the id (odd multiplier)
        phone_digits = (ids * 7_919_773 + 12_345_678) % 1_000_000_000
        has_phone = rng.random(n) < 0.9
        phones = np.array([f"+8613{d:09d}" for d in phone_digits.tolist()], dtype=object)
        phones[~has_phone] = None
        emails = np.array([f"c{i}@example.com" for i in ids.tolist()], dtype=object)
        emails[rng.random(n) >= 0.55] = None
        wechat = np.array([f"wx_{i:07d}" for i in ids.tolist()], dtype=object)
        wechat[rng.random(n) >= 0.5] = None
        birthday = rng.integers(
            int(np.datetime64("1950-01-01", "D").astype(int)),
            int(np.datetime64("2005-12-31", "D").astype(int)),
            n,
        )
        has_bday = rng.random(n) < 0.4
        status = np.where(rng.random(n) < 0.02, "archived", "active").astype(object)
        return {
            "ids": ids, "first_day": first_day, "last_day": last_day, "created": created,
            "buyer": buyer, "names": names, "phones": phones, "emails": emails, "wechat": wechat,
            "birthday": birthday, "has_bday": has_bday, "status": status,
            "city": _pick(rng, CITIES, CITY_W, n), "source": _pick(rng, SOURCES, SOURCE_W, n),
            "owner": _pick(rng, OWNERS, None, n),
            "gender": _pick(rng, ["female", "male", None], [45, 40, 15], n),
            "price": _pick(rng, ["low", "medium", "high", None], [20, 40, 15, 25], n),
        }  # fmt: skip

    def orders_per_customer(self, buyer: np.ndarray) -> np.ndarray:
        """Most buyers buy once; the rest share the remaining orders by a capped Pareto weight."""
        rng = self.rng
        k = buyer.astype(np.int64)
        buyers = np.flatnonzero(buyer)
        extra = self.n_purch - len(buyers)
        if extra <= 0:  # more buyers than orders: only the first ones buy
            k[buyers[self.n_purch :]] = 0
            return k
        repeat = buyers[rng.random(len(buyers)) < 0.45]
        weight = np.minimum(rng.pareto(1.3, len(repeat)) + 0.2, 150.0)
        k[repeat] += rng.multinomial(extra, weight / weight.sum())
        return k

    # ---------------------------------------------------------------- purchases
    def purchases(self, cust: dict[str, Any]) -> dict[str, Any]:
        rng = self.rng
        k = self.orders_per_customer(cust["buyer"])
        owner = np.repeat(np.arange(self.n_cust), k)
        n = len(owner)
        lo, hi = cust["first_day"][owner], cust["last_day"][owner]
        day = lo + ((hi - lo + 1) * rng.random(n)).astype(np.int64)
        # every buyer's first order is on the day they became a customer
        first = np.r_[True, owner[1:] != owner[:-1]]
        day[first] = lo[first]
        at = _business_time(rng, day)
        at[first] = np.maximum(at[first], cust["created"][owner[first]])
        order = np.argsort(at, kind="stable")  # ids grow with time, as in a real shop
        owner, at = owner[order], np.minimum(at[order], self.end_s)
        prod = rng.choice(len(PRODUCTS), size=n, p=_zipf(len(PRODUCTS)))
        qty = np.minimum(rng.geometric(0.75, n), 12)
        median = np.array([p[2] for p in PRODUCTS], float)[prod]
        amount = np.round(median * qty * rng.lognormal(0.0, 0.25, n) * 100).astype(np.int64)
        ref = np.array([f"S{i:09d}" for i in range(1, n + 1)], dtype=object)
        ref[rng.random(n) < 0.3] = None  # not every sale has a receipt number
        return {"owner": owner, "at": at, "prod": prod, "qty": qty, "amount": amount, "ref": ref}

    # ------------------------------------------------------------- interactions
    def interactions(self, cust: dict[str, Any], purch: dict[str, Any]) -> dict[str, Any]:
        rng, n = self.rng, self.n_inter
        near = int(n * 0.75) if len(purch["at"]) else 0
        pick = rng.integers(0, max(1, len(purch["at"])), near)
        owner_near = purch["owner"][pick] if near else np.empty(0, np.int64)
        at_near = purch["at"][pick] + rng.normal(-1.0, 3.0, near) * DAY if near else np.empty(0)
        owner_any = rng.integers(0, self.n_cust, n - near)
        lo = cust["created"][owner_any]
        at_any = lo + (self.end_s - lo) * rng.random(n - near)
        owner = np.r_[owner_near, owner_any]
        at = np.r_[at_near, at_any].astype(np.int64)
        at = np.clip(at, cust["created"][owner], self.end_s)
        order = np.argsort(at, kind="stable")
        owner, at = owner[order], at[order]
        last = np.full(self.n_cust, -1, np.int64)
        np.maximum.at(last, owner, at)
        return {
            "owner": owner, "at": at, "last": last,
            "channel": _pick(rng, CHANNELS, CHANNEL_W, n),
            "summary": _pick(rng, SUMMARIES, None, n),
            "outcome": _pick(rng, OUTCOMES, None, n), "staff": _pick(rng, OWNERS, None, n),
        }  # fmt: skip


def _zipf(n: int) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1)
    return w / w.sum()


def _insert(conn: Any, name: str, n: int, columns: dict[str, Callable[[slice], list[Any]]]) -> None:
    """One table, one transaction: drop its secondary indexes, bulk insert, rebuild them.

    Rebuilding an index is one sort; maintaining it row by row is a random B-tree write per row.
    """
    import sqlalchemy as sa

    from custtrack.services.bulk import insert_rows

    table = sa.table(name, *(sa.column(c) for c in columns))
    t0 = time.perf_counter()
    with conn.begin():
        indexes = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL",
            (name,),
        ).fetchall()
        for index, _ in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{index}"')
        insert_rows(conn, table, _rows(n, columns), chunk=50_000)
        for _, sql in indexes:
            conn.exec_driver_sql(sql)
    print(f"  {name:<14} {n:>11,} rows  {time.perf_counter() - t0:6.1f} s", file=sys.stderr)


def build(scale: str, path: Path, seed: int = 2026) -> dict[str, int]:
    """Create the database at `path` (must not exist) and fill it; returns row counts."""
    from custtrack import db

    g = Generator(scale, seed)
    rng = g.rng
    t0 = time.perf_counter()
    cust = g.customers()
    purch = g.purchases(cust)
    inter = g.interactions(cust, purch)
    print(f"  generated in memory in {time.perf_counter() - t0:.1f} s", file=sys.stderr)

    db.set_db(str(path))
    engine = db.engine()  # creates the file and runs custtrack's migrations
    counts: dict[str, int] = {}
    with engine.execution_options(custtrack_write=True).connect() as conn:
        conn.exec_driver_sql("PRAGMA cache_size = -400000")  # 400 MB page cache while loading
        conn.commit()
        nc = g.n_cust
        created = cust["created"]
        ts = lambda a: _col(a, "ts")  # noqa: E731
        obj = lambda a: _col(a, "obj")  # noqa: E731
        bday = np.where(cust["has_bday"], cust["birthday"], -1)
        bday_text = np.array(
            [None if d < 0 else s for d, s in zip(bday.tolist(), _date_strings(bday), strict=True)],
            dtype=object,
        )
        _insert(conn, "customers", nc, {
            "id": _col(cust["ids"]), "name": obj(cust["names"]), "phone": obj(cust["phones"]),
            "email": obj(cust["emails"]), "wechat": obj(cust["wechat"]),
            "city": obj(cust["city"]), "birthday": obj(bday_text), "gender": obj(cust["gender"]),
            "source": obj(cust["source"]), "owner": obj(cust["owner"]),
            "price_sensitivity": obj(cust["price"]), "status": obj(cust["status"]),
            "external_id": obj(np.array([f"C{i:07d}" for i in range(1, nc + 1)], dtype=object)),
            "last_contact_at": ts(inter["last"]), "created_at": ts(created),
            "updated_at": ts(created),
        })  # fmt: skip
        counts["customers"] = nc

        names = sorted(TAGS)
        tag_rows = [{"id": i + 1, "name": t} for i, t in enumerate(names)]
        members = [
            (np.flatnonzero(rng.random(nc) < TAGS[t]) + 1, i + 1) for i, t in enumerate(names)
        ]
        cust_ids = np.concatenate([m for m, _ in members])
        tag_ids = np.concatenate([np.full(len(m), t) for m, t in members])
        _insert(conn, "tags", len(tag_rows), {
            "id": lambda p: [r["id"] for r in tag_rows[p]],
            "name": lambda p: [r["name"] for r in tag_rows[p]],
        })  # fmt: skip
        _insert(conn, "customer_tags", len(cust_ids), {
            "customer_id": _col(cust_ids), "tag_id": _col(tag_ids),
        })  # fmt: skip
        counts["customer_tags"] = len(cust_ids)

        np_ = len(purch["at"])
        products = np.array([p[0] for p in PRODUCTS], dtype=object)[purch["prod"]]
        categories = np.array([p[1] for p in PRODUCTS], dtype=object)[purch["prod"]]
        _insert(conn, "purchases", np_, {
            "customer_id": _col(purch["owner"] + 1), "at": ts(purch["at"]),
            "product": obj(products), "category": obj(categories), "qty": _col(purch["qty"]),
            "amount_minor": _col(purch["amount"]),
            "currency": lambda p: ["CNY"] * len(range(np_)[p]),
            "order_ref": obj(purch["ref"]), "created_at": ts(purch["at"]),
        })  # fmt: skip
        counts["purchases"] = np_

        ni = len(inter["at"])
        _insert(conn, "interactions", ni, {
            "customer_id": _col(inter["owner"] + 1), "at": ts(inter["at"]),
            "channel": obj(inter["channel"]), "summary": obj(inter["summary"]),
            "outcome": obj(inter["outcome"]), "owner": obj(inter["staff"]),
            "created_at": ts(inter["at"]),
        })  # fmt: skip
        counts["interactions"] = ni

        # feedback for ~12% of purchases, a day or three later
        fb = np.flatnonzero(rng.random(np_) < 0.12)
        fb_at = np.minimum(purch["at"][fb] + rng.integers(DAY, 3 * DAY, len(fb)), g.end_s)
        csat = rng.choice(np.arange(1, 6), len(fb), p=[0.03, 0.05, 0.12, 0.35, 0.45])
        nps = np.clip(np.round(csat * 2 + rng.normal(0, 1.2, len(fb))), 0, 10).astype(np.int64)
        fb_text = _pick(rng, FEEDBACK_TEXT + [None] * 14, None, len(fb))
        _insert(conn, "feedback", len(fb), {
            "customer_id": _col(purch["owner"][fb] + 1), "at": ts(fb_at), "csat": _col(csat),
            "nps": _col(nps), "text": obj(fb_text),
            "channel": obj(_pick(rng, ["wechat", "sms"], None, len(fb))),
            "created_at": ts(fb_at),
        })  # fmt: skip
        counts["feedback"] = len(fb)

        # complaints for ~0.4% of purchases; nearly all old ones resolved
        cp = np.flatnonzero(rng.random(np_) < 0.004)
        opened = np.minimum(purch["at"][cp] + rng.integers(0, 5 * DAY, len(cp)), g.end_s)
        recent = opened > g.end_s - 10 * DAY
        resolved = rng.random(len(cp)) < np.where(recent, 0.5, 0.95)
        res_at = np.minimum(opened + rng.exponential(48 * 3600, len(cp)).astype(np.int64), g.end_s)
        res_at = np.where(resolved, res_at, -1)
        _insert(conn, "complaints", len(cp), {
            "customer_id": _col(purch["owner"][cp] + 1),
            "category": obj(_pick(rng, COMPLAINT_CATS, COMPLAINT_W, len(cp))),
            "priority": obj(_pick(rng, PRIORITIES, PRIORITY_W, len(cp))),
            "text": obj(_pick(rng, ["tea was stale", "box arrived damaged", "rude on the phone",
                                    "late delivery", "wrong item"], None, len(cp))),
            "assignee": obj(_pick(rng, OWNERS, None, len(cp))),
            "status": obj(np.where(resolved, "resolved", "open").astype(object)),
            "resolution": obj(np.where(resolved, "refunded or replaced", None)),
            "opened_at": ts(opened), "resolved_at": ts(res_at),
            "updated_at": ts(np.where(resolved, res_at, opened)),
        })  # fmt: skip
        counts["complaints"] = len(cp)

        # follow-ups: 2% of active customers open (overdue, today, upcoming); 6.5% closed
        active = np.flatnonzero(cust["status"] == "active")
        fu_open = rng.choice(active, int(len(active) * 0.02), replace=False)
        fu_old = rng.choice(nc, int(nc * 0.065), replace=False)
        fu_c = np.r_[fu_open, fu_old]
        nf = len(fu_c)
        is_open = np.arange(nf) < len(fu_open)
        due = np.where(
            is_open,
            g.ref_day + rng.integers(-30, 15, nf),
            g.ref_day - rng.integers(31, 365 * YEARS, nf),
        )
        due = np.maximum(due, cust["first_day"][fu_c])
        has_time = rng.random(nf) < 0.3
        fu_time = np.array([f"{h:02d}:{m:02d}:00.000000" for h, m in zip(
            rng.integers(9, 18, nf).tolist(), rng.choice([0, 30], nf).tolist(), strict=True
        )], dtype=object)  # fmt: skip
        fu_time[~has_time] = None
        status = np.where(is_open, "open", np.where(rng.random(nf) < 0.92, "done", "cancelled"))
        made = np.minimum(
            np.maximum(due * DAY - UTC_OFFSET_S - rng.integers(1, 30, nf) * DAY, created[fu_c]),
            g.end_s,
        )
        closed = np.where(is_open, -1, np.minimum(due * DAY - UTC_OFFSET_S + 12 * 3600, g.end_s))
        _insert(conn, "followups", nf, {
            "customer_id": _col(fu_c + 1), "due_date": _col(due, "date"), "due_time": obj(fu_time),
            "channel": obj(_pick(rng, CHANNELS[:4], [40, 40, 10, 10], nf)),
            "note": obj(_pick(rng, ["new harvest arrived", "ask about the gift order", "check "
                                    "satisfaction", None], None, nf)),
            "owner": obj(_pick(rng, OWNERS, None, nf)), "status": obj(status.astype(object)),
            "origin": lambda p: ["manual"] * len(range(nf)[p]),
            "priority": obj(_pick(rng, PRIORITIES, PRIORITY_W, nf)), "created_at": ts(made),
            "closed_at": ts(closed),
        })  # fmt: skip
        counts["followups"] = nf

        start = np.datetime64(REFERENCE_DATE.isoformat(), "D") - np.timedelta64(300, "D")
        campaigns = [
            (name, source, channel, cost, str(start + np.timedelta64(off, "D")))
            for name, source, channel, cost, off in [
                ("Spring WeChat ads", "wechat-ad", "wechat", 1_500_000, 0),
                ("Autumn market fair", "market-fair", "visit", 800_000, 150),
                ("Website relaunch", "website", "email", 500_000, 200),
            ]
        ]
        _insert(conn, "campaigns", len(campaigns), {
            "name": lambda p: [c[0] for c in campaigns[p]],
            "source": lambda p: [c[1] for c in campaigns[p]],
            "channel": lambda p: [c[2] for c in campaigns[p]],
            "cost_minor": lambda p: [c[3] for c in campaigns[p]],
            "currency": lambda p: ["CNY"] * len(campaigns[p]),
            "start": lambda p: [c[4] for c in campaigns[p]],
            "created_at": lambda p: _utc_strings(np.full(len(campaigns[p]), g.end_s)),
        })  # fmt: skip
        _insert(conn, "cadences", 1, {
            "scope": lambda p: ["tag"], "target": lambda p: ["vip"], "every_days": lambda p: [30],
            "created_at": lambda p: _utc_strings(np.array([g.end_s - 400 * DAY])),
        })  # fmt: skip
    db.dispose()
    # no ANALYZE: the planner must do as well as on a user's own database, which has none
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return counts


def write_import_csv(path: Path, rows: int, seed: int = 2026) -> None:
    """A point-of-sale export of `rows` purchase lines (customers by external id), local times."""
    import pandas as pd

    rng = np.random.default_rng(seed + 1)
    n_cust = max(10, rows // 10)
    ref_day = int(np.datetime64(REFERENCE_DATE.isoformat(), "D").astype(np.int64))
    day = ref_day - 1 - rng.integers(0, 365 * 2, rows)
    local = np.sort(day * DAY + rng.integers(9 * 3600, 21 * 3600, rows))
    prod = rng.choice(len(PRODUCTS), size=rows, p=_zipf(len(PRODUCTS)))
    qty = np.minimum(rng.geometric(0.75, rows), 12)
    median = np.array([p[2] for p in PRODUCTS], float)[prod]
    cents = np.round(median * qty * rng.lognormal(0.0, 0.25, rows) * 100).astype(np.int64)
    frame = pd.DataFrame({
        "customer_id": [f"X{i:07d}" for i in rng.zipf(1.6, rows) % n_cust],
        "date": np.datetime_as_string(local.astype("datetime64[s]"), unit="s"),
        "product": np.array([p[0] for p in PRODUCTS], dtype=object)[prod],
        "category": np.array([p[1] for p in PRODUCTS], dtype=object)[prod],
        "quantity": qty,
        "amount": [f"{c // 100}.{c % 100:02d}" for c in cents.tolist()],
        "currency": "CNY",
        "order_ref": [f"POS{i:08d}" for i in range(1, rows + 1)],
    })  # fmt: skip
    frame["date"] = frame["date"].str.replace("T", " ", regex=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)


def write_import_xlsx(path: Path, rows: int, seed: int = 2026) -> None:
    """A shop's tracking sheet (客户追踪表) of `rows` customers: a title row above the header,
    one distinct customer a row (phones 13800000000 + i, stored as numbers), ~70% with their
    latest contact (a date, or a date and time for 40% of them), ~40% with the next follow-up
    planned (a date: mostly within the next 30 days, some overdue, always after that row's
    contact), ~50% with a purchase (a date, a product, an amount with 2 decimals), and a 合计
    row at the end. Dates are real Excel date/datetime cells; contacts and purchases are never
    after REFERENCE_DATE."""
    from datetime import datetime, timedelta

    from openpyxl import Workbook

    rng = np.random.default_rng(seed + 2)
    ref_day = int(np.datetime64(REFERENCE_DATE.isoformat(), "D").astype(np.int64))
    names = (
        np.array(SURNAMES, dtype=object)[rng.integers(0, len(SURNAMES), rows)]
        + np.array(GIVEN, dtype=object)[rng.integers(0, len(GIVEN), rows)]
        + np.array(GIVEN + [""] * 20, dtype=object)[rng.integers(0, len(GIVEN) + 20, rows)]
    )
    city = _pick(rng, CITIES, CITY_W, rows)
    planned = rng.random(rows) < 0.40
    contacted = planned | (rng.random(rows) < 0.5)  # ~70%: a plan comes from a contact
    bought = rng.random(rows) < 0.50
    due = np.where(rng.random(rows) < 0.85, ref_day + rng.integers(0, 31, rows),
                   ref_day - rng.integers(1, 60, rows))  # fmt: skip
    contact_day = np.where(
        planned,
        np.minimum(due - rng.integers(1, 46, rows), ref_day - 1),
        ref_day - 1 - rng.integers(0, 365 * 2, rows),
    )
    with_time = rng.random(rows) < 0.40
    contact_s = rng.integers(9 * 3600, 21 * 3600, rows) // 60 * 60  # shop hours, whole minutes
    channel = _pick(rng, SHEET_CHANNELS, SHEET_CHANNEL_W, rows)
    summary = _pick(rng, SHEET_SUMMARIES, None, rows)
    buy_day = ref_day - 1 - rng.integers(0, 365 * 2, rows)
    prod = rng.choice(len(PRODUCTS), size=rows, p=_zipf(len(PRODUCTS)))
    median = np.array([p[2] for p in PRODUCTS], float)[prod]
    cents = np.round(median * rng.lognormal(0.0, 0.25, rows) * 100).astype(np.int64)
    product = np.array(PRODUCTS_ZH, dtype=object)[prod]

    epoch = date(1970, 1, 1)
    days = [epoch + timedelta(days=d) for d in range(ref_day - 365 * 3, ref_day + 32)]
    first = ref_day - 365 * 3

    def day(d: int) -> date:
        return days[d - first]

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("客户追踪表")
    ws.append([SHEET_TITLE])
    ws.append(SHEET_HEADER)
    total = 0
    for i, (nm, ct, pl, co, by, dd, cd, wt, cs, ch, su, bd, pr, ce) in enumerate(zip(
        names.tolist(), city.tolist(), planned.tolist(), contacted.tolist(), bought.tolist(),
        due.tolist(), contact_day.tolist(), with_time.tolist(), contact_s.tolist(),
        channel.tolist(), summary.tolist(), buy_day.tolist(), product.tolist(), cents.tolist(),
        strict=True,
    )):  # fmt: skip
        row: list[Any] = [i + 1, nm, 13_800_000_000 + i, ct]
        if co:
            at = day(cd)
            if wt:
                at = datetime(at.year, at.month, at.day, cs // 3600, cs // 60 % 60)
            row += [at, ch, su]
        else:
            row += [None, None, None]
        row.append(day(dd) if pl else None)
        if by:
            total += ce
            row += [day(bd), pr, ce / 100]
        else:
            row += [None, None, None]
        ws.append(row)
    ws.append(["合计", None, None, None, None, None, None, None, None, None, total / 100])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def sheet_rows(path: Path) -> int:
    """Customers in a sheet written by write_import_xlsx (its rows less title, header and 合计)."""
    from python_calamine import CalamineWorkbook

    return len(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()) - 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), required=True)
    parser.add_argument("--db", type=Path, required=True, help="database file to create")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--import-csv", type=Path, help="also write the import benchmark's CSV")
    parser.add_argument("--import-rows", type=int, help="rows in that CSV (default by scale)")
    parser.add_argument(
        "--import-xlsx", type=Path, help="also write the sheet import's tracking sheet (.xlsx)"
    )
    parser.add_argument(
        "--xlsx-rows", type=int, help="customers in that sheet (default by scale: SHEET_ROWS)"
    )
    parser.add_argument("--force", action="store_true", help="replace an existing database")
    args = parser.parse_args(argv)

    if args.db.exists():
        if not args.force:
            parser.error(f"{args.db} exists; use --force to replace it")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    os.environ.setdefault("TZ", TIMEZONE)
    t0 = time.perf_counter()
    print(f"scale {args.scale} → {args.db}", file=sys.stderr)
    counts = build(args.scale, args.db, args.seed)
    if args.import_csv:
        rows = args.import_rows or SCALES[args.scale][3]
        t1 = time.perf_counter()
        write_import_csv(args.import_csv, rows, args.seed)
        print(
            f"  import CSV     {rows:>11,} rows  {time.perf_counter() - t1:6.1f} s", file=sys.stderr
        )
    if args.import_xlsx:
        rows = args.xlsx_rows or SHEET_ROWS[args.scale]
        t1 = time.perf_counter()
        write_import_xlsx(args.import_xlsx, rows, args.seed)
        print(
            f"  import sheet   {rows:>11,} rows  {time.perf_counter() - t1:6.1f} s", file=sys.stderr
        )
    size = args.db.stat().st_size / 1e6
    print(
        f"done in {time.perf_counter() - t0:.1f} s, {size:.0f} MB: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items()),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
