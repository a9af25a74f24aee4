"""The daily loop in Chinese: due (sections, columns, computed notes, footer, --explain, ics),
plan/done/snooze/reschedule/cancel, cadence and config; json and csv stay English."""

from __future__ import annotations

import pytest

from custtrack import i18n


@pytest.fixture
def zh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")


def _seed(cli) -> None:
    cli("add", "王芳", "--phone", "+86 138 0013 8000", "--birthday", "1986-11-22")
    cli("add", "Ann", "--wechat", "ann88")
    cli("buy", "王芳", "100", "--at", "2026-11-01", "-p", "龙井")
    cli("complain", "Ann", "--category", "delivery", "--priority", "urgent", "--text", "晚了",
        "--at", "2026-11-20 08:00")  # fmt: skip
    cli("plan", "Ann", "2026-11-18", "--past", "-c", "wechat", "-m", "birthday party")


def test_due_table_in_chinese(cli, zh) -> None:
    _seed(cli)
    out = cli("due").stdout
    for text in ("已逾期（2）", "今天（1）", "未来 7 天（1）", "编号", "客户", "原因", "到期",
                 "逾期", "渠道", "备注", "联系方式", "2天", "手动", "投诉", "生日", "购后回访",
                 "微信", "生日 11-22（满 40 岁）", "购后回访：2026-11-01 买了 龙井",
                 "投诉 #1（物流，紧急）：晚了"):  # fmt: skip
        assert text in out, text
    assert "birthday party" in out  # a note someone wrote is shown as written
    for english in ("Overdue", "Today", "Next", "Why", "turns", "check in", "complaint #"):
        assert english not in out, english


def test_due_json_csv_stay_english(cli, zh) -> None:
    _seed(cli)
    rows = cli.json("due")
    notes = {r["key"]: r["note"] for r in rows}
    assert notes["b1"] == "birthday 11-22 (turns 40)"
    assert notes["k1"] == "complaint #1 (delivery, urgent): 晚了"
    assert {r["origin"] for r in rows} == {"manual", "birthday", "post-purchase", "complaint"}
    csv_text = cli("due", "-f", "csv").stdout
    assert csv_text.startswith("key,section,due_date") and "check in: bought (龙井)" in csv_text


def test_due_footer_explain_and_ics(cli, zh) -> None:
    cli("add", "Ann")
    cli("plan", "Ann", "2026-11-28")
    out = cli("due").stdout
    assert out.strip() == "到 2026-11-27 为止没有到期的跟进。下一个：Ann，2026-11-28（8天后）。"
    cli("plan", "Ann", "today", "--priority", "urgent")
    out = cli("due", "--explain").stdout
    assert "紧急度明细" in out and "到期分" in out and "紧急 8、高 6" in out and "投诉 4" in out
    from icalendar import Calendar

    cal = Calendar.from_ical(cli("due", "-f", "ics").stdout)
    assert str(cal["X-WR-CALNAME"]) == "custtrack 跟进"
    (ev,) = cal.walk("VEVENT")
    assert str(ev["SUMMARY"]) == "Ann（跟进）"
    assert "custtrack done F2" in str(ev["DESCRIPTION"])


def test_acting_on_follow_ups_in_chinese(cli, zh) -> None:
    _seed(cli)
    assert (
        "已计划与 #2 Ann 的跟进 F2，时间 2026-11-21 15:00"
        in cli("plan", "Ann", "明天下午3点").stdout
    )
    out = cli("done", "b1", "--next", "2026-12-01").stdout
    assert "已完成与 #1 王芳" in out and "（生日），已记录联系" in out
    assert "已计划下次联系：F4，时间 2026-12-01" in out
    assert "生日 11-22（满 40 岁）" in cli("show", "王芳").stdout  # the contact's summary
    assert "已暂缓与 #2 Ann" in cli("snooze", "1", "+3d").stdout
    assert "的跟进 F1（手动）改到 2026-11-30" in cli("reschedule", "1", "2026-11-30").stdout
    assert "已取消与 #2 Ann 的跟进 F1（手动）" in cli("cancel", "1").stdout
    assert "跟进 F1 的状态已是已取消" in cli("cancel", "1", code=1).stderr
    assert "不是跟进编号" in cli("done", "x", code=2).stderr


def test_cadence_and_config_in_chinese(cli, zh) -> None:
    cli("add", "Ann", "--tag", "vip")
    assert "已为标签 vip 设置定期联系：每 30 天" in cli("cadence", "set", "--tag", "vip",
                                                       "--every", "30d").stdout  # fmt: skip
    assert (
        "已把标签 vip 的定期联系改为每 1 天"
        in cli("cadence", "set", "--tag", "vip", "--every", "1d").stdout
    )
    out = cli("cadence", "list").stdout
    assert "定期联系" in out and "范围" in out and "标签" in out and "没有默认的定期联系" in out
    assert cli.json("cadence", "list")[0]["scope"] == "tag"
    assert "已删除标签 vip 的定期联系" in cli("cadence", "clear", "--tag", "vip").stdout
    out = cli("config", "show").stdout
    assert "设置项" in out and "（空）" in out and "默认" in out and "followups.due_days" in out
    assert {r["source"] for r in cli.json("config", "show")} == {"default"}


def test_plural_fixes_in_english(cli) -> None:
    cli("add", "Ann", "--tag", "vip")
    assert "every 1 day" in cli("cadence", "set", "--tag", "vip", "--every", "1d").stdout
    cli("plan", "Ann", "2026-11-21")
    assert "Next 1 day (1)" in cli("due", "--days", "1").stdout
    cli("cadence", "clear", "--tag", "vip")
    assert "(in 1 day)" in cli("due", "--days", "0").stdout


def test_note_text_reads_back_only_computed_notes() -> None:
    from custtrack.services.due import note_text

    i18n.use("zh-CN")
    assert (
        note_text("every 30d; last contact 2026-10-01", "cadence")
        == "每 30 天；上次联系 2026-10-01"
    )
    assert (
        note_text("check in: bought on 2026-11-01", "post-purchase")
        == "购后回访：2026-11-01 有购买"
    )
    assert note_text("birthday party", "birthday") == "birthday party"  # not a computed note
    assert note_text("birthday 11-22", "manual") == "birthday 11-22"  # someone wrote it
    assert note_text(None, "cadence") is None
    i18n.use("en")
    assert note_text("birthday 11-22 (turns 40)", "birthday") == "birthday 11-22 (turns 40)"
