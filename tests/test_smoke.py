import pytest

# the first steps on SQLite and on PostgreSQL
pytestmark = pytest.mark.both_engines


def test_add_then_show(cli):
    cli("add", "Wang Fang", "--phone", "+86 138 0013 8000", "--city", "杭州")
    data = cli.json("show", "Wang")
    assert data["customer"]["phone"] == "+8613800138000"
    assert data["customer"]["city"] == "杭州"
