"""The customer and record commands in Chinese (add … resolve, show, list), and their English
machine formats unchanged."""

from __future__ import annotations

import csv
import io

import pytest

from custtrack import config
from custtrack.cli import records as records_cli
from custtrack.vocab import CHANNELS, COMPLAINT_CATEGORIES, PRIORITIES


@pytest.fixture
def zh(cli, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    config.set_value("currency", "CNY")
    cli("add", "王芳", "-p", "13800138000", "--city", "杭州", "--gender", "女")
    return cli


def test_option_help_lists_the_vocabularies() -> None:
    # written out for the catalogue: they must name the values vocab has
    assert ", ".join(CHANNELS) + "." == records_cli._CHANNELS
    assert "Where: " + ", ".join(CHANNELS) == records_cli._WHERE
    assert ", ".join(COMPLAINT_CATEGORIES) + "." == records_cli._CATEGORIES
    assert ", ".join(PRIORITIES) + "." == records_cli._PRIORITIES


def test_add_and_duplicate_phone_in_chinese(zh) -> None:
    assert "已添加 #2 王小明" in zh("add", "王小明", "--city", "上海").stdout
    err = zh("add", "王芳芳", "-p", "13800138000", code=1).stderr
    assert "电话 +8613800138000 已属于 #1 王芳 (+8613800138000)" in err
    assert "--force" in err
    err = zh("add", "李四", "-p", "12ab", code=2).stderr
    assert "--phone '12ab'" in err and "不是电话号码" in err


def test_log_buy_feedback_complain_resolve_in_chinese(zh) -> None:
    out = zh("log", "王芳", "-c", "微信", "-m", "问了新茶", "--next", "明天").stdout
    assert "已记录与 #1 王芳 (+8613800138000) 的微信联系 #1" in out
    assert "已安排下次联系：F1，2026-11-21" in out
    out = zh("buy", "王芳", "1288", "--product", "龙井", "--order-ref", "T-1").stdout
    assert "已记录购买 #1：¥1,288.00，客户 #1 王芳" in out
    err = zh("buy", "王芳", "abc", code=2).stderr
    assert "错误：金额 'abc'：不是有效的金额" in err and "129.90" in err
    assert "已经记录过" in zh("buy", "王芳", "5", "--order-ref", "T-1", code=1).stderr
    out = zh("feedback", "王芳", "--csat", "5").stdout
    assert "已记录 #1 王芳 (+8613800138000) 的反馈 #1" in out
    err = zh("feedback", "王芳", "--nps", "3", "--csat", "9", code=2).stderr
    assert "--csat 9" in err and "must be" not in err
    out = zh("complain", "王芳", "--category", "物流", "--priority", "高", "-m", "盒子湿了").stdout
    assert "已为 #1 王芳 (+8613800138000) 登记投诉 #1（物流，优先级：高）" in out
    table = zh("complaints").stdout
    assert "投诉内容" in table and "物流" in table and "未解决" in table
    assert zh.json("complaints")[0]["category"] == "delivery"  # JSON keeps the stored values
    assert "投诉 #1 已解决" in zh("resolve", "1", "-m", "换了新的").stdout
    assert "投诉 #1 已经解决" in zh("resolve", "1", "-m", "再来", code=1).stderr


def test_show_in_chinese_json_in_english(zh) -> None:
    zh("log", "王芳", "-c", "wechat", "-m", "hi", "--at", "2026-11-01 10:00", "--next", "+3d")
    zh("buy", "王芳", "268", "--product", "龙井", "--order-ref", "A-1", "--at", "2026-11-02")
    zh("complain", "王芳", "--category", "delivery", "-m", "wet", "--at", "2026-11-03")
    out = zh("show", "王芳").stdout
    for text in (
        "电话", "性别", "女", "下次跟进", "1 笔，共 ¥268.00", "#1 物流/普通：wet",
        "时间线", "联系", "微信", "购买", "订单 A-1", "投诉", "物流（普通）未解决",
    ):  # fmt: skip
        assert text in out, text
    for english in ("Timeline", "contact", "purchase", "order A-1", "delivery", "Phone"):
        assert english not in out, english
    data = zh.json("show", "王芳")
    items = [(i["kind"], i["what"], i["detail"]) for i in data["timeline"]]
    assert items == [
        ("complaint", "delivery (normal) open", "wet"),
        ("purchase", "268.00 CNY", "龙井 order A-1"),
        ("contact", "wechat", "hi"),
    ]
    assert set(data["timeline"][0]) == {"at", "kind", "id", "what", "detail", "by"}


def test_list_edit_tag_archive_delete_in_chinese(zh) -> None:
    zh("add", "李雷")
    out = zh("list").stdout
    assert "2 位客户" in out and "姓名" in out and "消费" in out
    rows = list(csv.DictReader(io.StringIO(zh("list", "-f", "csv").stdout)))
    assert list(rows[0])[:3] == ["id", "name", "phone"]
    assert "没有符合条件的客户。" in zh("list", "--city", "巴黎").stdout
    out = zh("edit", "王芳", "--city", "上海", "--gender", "男").stdout
    assert "城市：杭州 → 上海" in out and "性别：女 → 男" in out and "已更新 #1 王芳" in out
    out = zh("tag", "王芳", "vip", "老客").stdout
    assert "+vip +老客；现有标签：vip、老客" in out
    assert "无变化" in zh("tag", "王芳", "vip").stdout
    assert "现有标签：无" in zh("untag", "王芳", "vip", "老客").stdout
    assert "已归档 #1 王芳" in zh("archive", "王芳").stdout
    assert "已经归档" in zh("archive", "王芳").stdout
    assert "已取消归档 #1 王芳" in zh("archive", "王芳", "--undo").stdout
    zh("buy", "王芳", "10")
    zh("buy", "王芳", "20")
    out = zh("delete", "王芳", input="y\n").stdout
    assert "删除 #1 王芳" in out and "已删除 #1 王芳 (+8613800138000)（2 笔购买）" in out
    assert "没有与 '王芳' 匹配的客户" in zh("show", "王芳", code=1).stderr


def test_dates_and_values_in_chinese(zh) -> None:
    err = zh("log", "王芳", "--next", "某天", code=2).stderr
    assert "--next '某天'" in err and "无法识别这个日期" in err and "明天" in err
    assert "是将来的时间" in zh("log", "王芳", "--at", "2026-12-01", code=2).stderr
    err = zh("add", "张三", "--email", "anna@@example", code=2).stderr
    assert "@ 后面的部分含有无效字符" in err


def test_delete_counts_say_one_in_the_singular(cli) -> None:
    cli("add", "Ann")
    cli("log", "Ann", "-m", "hi", "--next", "+3d")
    cli("buy", "Ann", "10")
    cli("buy", "Ann", "12")
    out = cli("delete", "Ann", "--yes").stdout
    assert "Deleted #1 Ann (1 interaction, 2 purchases, 1 followup)" in out
