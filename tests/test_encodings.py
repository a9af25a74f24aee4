"""Text files that are not UTF-8: read in the encoding they are in, or refused with a clear line,
never misread ("Renée" must not become "Ren閑")."""

from __future__ import annotations

from pathlib import Path

import pytest

from custtrack.io.formats import detect_encoding


def _file(tmp_path: Path, text: str, encoding: str, name: str = "c.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("text", "encoding", "found"),
    [
        ("name\nRenée\n", "cp1252", "cp1252"),
        ("name,note\nJosé Müller,“great” – 5€\n", "cp1252", "cp1252"),
        ("nom,ville\nRenée,Besançon\nAndré,Orléans\n", "latin-1", "cp1252"),
        ("姓名,手机\n张三,13800138001\n", "gbk", "gb18030"),
        ("姓名,备注\n王芳,喜欢龍井\n", "gb18030", "gb18030"),
        ("姓名,城市\n王芳,台北\n陳大文,香港\n", "big5", "big5"),
        ("name\nRenée\n", "utf-8", "utf-8"),
    ],
)
def test_the_encoding_found(tmp_path, text, encoding, found) -> None:
    assert detect_encoding(_file(tmp_path, text, encoding)) == found


def test_western_text_imports_as_written(cli, tmp_path) -> None:
    path = _file(tmp_path, "name,city\nRenée Dupont,Besançon\n", "cp1252")
    r = cli("import", "customers", path)
    assert "(CSV, cp1252," in r.stdout  # the encoding used is said
    assert [c["name"] for c in cli.json("list")] == ["Renée Dupont"]


def test_an_encoding_it_cannot_tell_is_refused_and_nothing_written(cli, tmp_path, snapshot) -> None:
    path = _file(tmp_path, "名前,都市\n山田太郎,東京\n佐藤花子,大阪\n", "shift_jis", "jp.csv")
    cli("add", "Ann")
    before = snapshot()
    r = cli("import", "customers", path, code=1)
    assert r.stderr.startswith("Error: cannot tell the encoding of jp.csv: it reads differently")
    assert "--encoding" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert snapshot() == before
    cli("import", "customers", path, "--encoding", "shift_jis", "--map", "名前=name")
    assert "山田太郎" in [c["name"] for c in cli.json("list")]
