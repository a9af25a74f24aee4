"""Settings in one TOML file: show, get, set (validated), defaults, CUSTTRACK_USER."""

import tomllib

import pytest

from custtrack import config


def test_show_lists_every_key_with_its_default_flag(cli) -> None:
    rows = cli.json("config", "show")
    assert [r["key"] for r in rows] == list(config.DEFAULTS)
    assert all(r["source"] == "default" and r["value"] == r["default"] for r in rows)
    out = cli("config", "show").stdout
    assert "followups.birthday_lead_days" in out and "complaints.deadline_hours.urgent" in out


def test_set_writes_toml_and_get_reads_it(cli, isolated) -> None:
    assert (
        "followups.birthday_lead_days = 10"
        in cli("config", "set", "followups.birthday_lead_days", "10").stdout
    )
    cli("config", "set", "followups.post_purchase_enabled", "no")
    cli("config", "set", "currency", "cny")
    cli("config", "set", "phone_region", "cn")
    cli("config", "set", "timezone", "Europe/Berlin")
    data = tomllib.loads((isolated.parent / "config.toml").read_text(encoding="utf-8"))
    assert data["followups"]["birthday_lead_days"] == 10
    assert data["followups"]["post_purchase_enabled"] is False
    assert (data["currency"], data["phone_region"], data["timezone"]) == (
        "CNY", "CN", "Europe/Berlin",
    )  # fmt: skip
    assert cli("config", "get", "followups.birthday_lead_days").stdout == "10\n"
    assert cli("config", "get", "followups.post_purchase_enabled").stdout == "false\n"
    assert cli("config", "get", "user").stdout == "(empty)\n"
    row = next(r for r in cli.json("config", "show") if r["key"] == "currency")
    assert (row["value"], row["default"], row["source"]) == ("CNY", "USD", "file")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("nope", "1", "unknown setting"),
        ("followups.due_days", "soon", "expected a whole number"),
        ("followups.post_purchase_enabled", "maybe", "expected true or false"),
        ("complaints.deadline_hours.high", "0", "at least 1 hour"),
        ("timezone", "Mars/Olympus", "unknown time zone"),
        ("phone_region", "XX", "unknown region code"),
        ("currency", "dollars", "not an ISO 4217 currency code"),
        ("urgency.due", "high", "expected a number"),
    ],
)
def test_set_refuses_bad_values_and_writes_nothing(cli, isolated, key, value, message) -> None:
    out = cli("config", "set", key, value, code=2)
    assert message in out.stderr and out.stderr.startswith("Error:")
    assert not (isolated.parent / "config.toml").exists()


def test_a_negative_number_is_refused(cli) -> None:
    out = cli("config", "set", "--", "followups.due_days", "-3", code=2)
    assert "must not be negative" in out.stderr


def test_get_of_an_unknown_key(cli) -> None:
    assert "unknown setting" in cli("config", "get", "colour", code=2).stderr


def test_user_from_the_environment_wins(cli, monkeypatch) -> None:
    cli("config", "set", "user", "li")
    assert cli("config", "get", "user").stdout == "li\n"
    monkeypatch.setenv("CUSTTRACK_USER", "wang")
    assert cli("config", "get", "user").stdout == "wang\n"
    row = next(r for r in cli.json("config", "show") if r["key"] == "user")
    assert (row["value"], row["source"]) == ("wang", "env")


def test_a_broken_config_file_is_a_clear_error(cli, isolated) -> None:
    (isolated.parent / "config.toml").write_text("followups = [", encoding="utf-8")
    out = cli("config", "show", code=1)
    assert "is not valid TOML" in out.stderr
