"""Referrals (issue 15): who brought whom, the ranking, advocates in segments and suggestions."""

from __future__ import annotations

import pytest


def _shop(cli) -> None:
    cli("config", "set", "currency", "CNY")
    cli("config", "set", "phone_region", "CN")
    cli("add", "王芳", "-p", "13800138000")
    cli("add", "李雷", "--referred-by", "王芳")
    cli("add", "韩梅", "--referred-by", "13800138000")  # by phone
    cli("add", "Ann", "--referred-by", "#2")
    cli("buy", "李雷", "300", "--at", "2026-11-01")
    cli("buy", "韩梅", "200", "--at", "2026-11-02")
    cli("buy", "韩梅", "100", "--at", "2026-11-03")
    cli("buy", "Ann", "50", "--at", "2026-11-04")


@pytest.mark.both_engines
def test_who_brought_whom_in_show_and_the_ranking(cli) -> None:
    _shop(cli)
    wang = cli.json("show", "王芳")
    assert [(b["id"], b["name"], b["spend_minor"]) for b in wang["brought"]] == [
        (2, "李雷", 30000), (3, "韩梅", 30000)
    ]  # fmt: skip
    assert cli.json("show", "Ann")["referred_by"] == {"id": 2, "name": "李雷"}
    assert "2 customers (#2 李雷, #3 韩梅), who spent 600.00 CNY" in cli("show", "王芳").stdout
    rows = cli.json("referrals")
    assert [(r["name"], r["brought"], r["buyers"], r["revenue"], r["advocate"]) for r in rows] == [
        ("王芳", 2, 2, "600.00", True), ("李雷", 1, 1, "50.00", False)
    ]  # fmt: skip
    assert "Referrals" in cli("referrals").stdout
    # a customer cannot have brought themselves; "" clears who brought them
    err = cli("edit", "Ann", "--referred-by", "Ann", code=2).stderr
    assert "cannot have brought themselves" in err
    cli("edit", "Ann", "--referred-by", "")
    assert cli.json("show", "Ann")["referred_by"] is None
    trail = cli.json("history", "Ann")
    assert ("referred_by_id", "2", None) in [(r["field"], r["old"], r["new"]) for r in trail]


@pytest.mark.both_engines
def test_a_deleted_or_merged_referrer(cli) -> None:
    _shop(cli)
    cli("add", "Wang F", "-e", "wf@example.com")
    cli("merge", "王芳", "Wang F", "--yes")  # the one merged away brought nobody: nothing moves
    assert len(cli.json("show", "王芳")["brought"]) == 2
    cli("add", "Fang Wang", "--referred-by", "王芳")
    cli("merge", "Fang Wang", "王芳", "--yes")  # keep Fang Wang: the people 王芳 brought move
    assert [b["name"] for b in cli.json("show", "Fang Wang")["brought"]] == ["李雷", "韩梅"]
    cli("delete", "Fang Wang", "--yes")
    assert cli.json("show", "李雷")["referred_by"] is None  # cleared, not dangling


@pytest.mark.both_engines
def test_advocates_are_a_segment_an_action_and_a_suggestion(cli) -> None:
    _shop(cli)
    assert [c["name"] for c in cli.json("list", "--segment", "advocates")] == ["王芳"]
    grid = cli.json("segments", "--explain")
    assert grid[-1] == {
        "segment": "Advocates", "cells": [],
        "action": "thank them and reward each referral; ask them to bring a friend again",
    }  # fmt: skip
    assert "brought at least 2 customers" in cli("segments", "--explain").stdout
    assert "1 advocate" in cli("segments").stdout
    first = cli.json("suggest", "王芳")[0]
    assert (first["source"], first["score"], first["product"]) == ("referral", 2, None)
    assert first["reason"].startswith("an advocate: brought 2 customers, who spent 600.00 CNY")
    assert cli.json("suggest", "李雷")[0]["reason"] == (
        "brought 1 customer (50.00 CNY) so far: ask for another referral"
    )
    cli("config", "set", "referrals.advocate_min", "1")
    assert sorted(c["name"] for c in cli.json("list", "--segment", "advocates")) == ["李雷", "王芳"]
    cli("cadence", "set", "--segment", "advocates", "--every", "30d")
    assert cli.json("cadence", "list")[0]["target"] == "Advocates"


def test_an_import_names_who_brought_them(cli, tmp_path) -> None:
    cli("config", "set", "phone_region", "CN")
    cli("add", "王芳", "-p", "13800138000")
    f = tmp_path / "c.csv"
    f.write_text(
        "姓名,手机,介绍人\n李雷,13900139000,13800138000\n韩梅,13700137000,李雷\n"
        "赵六,13600136000,没这个人\n",
        encoding="utf-8",
    )
    report = cli.json("import", "customers", f)
    assert "介绍人 → referrer" in report["mapping"]
    assert [(r["line"], r["value"]) for r in report["flagged_rows"]] == [(4, "没这个人")]
    assert cli.json("show", "李雷")["referred_by"]["name"] == "王芳"
    assert cli.json("show", "韩梅")["referred_by"]["name"] == "李雷"  # one added above it
    cli("--lang", "zh-CN", "referrals")  # renders
    zh = cli("--lang", "zh-CN", "show", "王芳").stdout
    assert "介绍客户" in zh and "1 位（#2 李雷）" in zh
