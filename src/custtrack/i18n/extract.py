"""Babel extraction for custtrack's Python files: what Babel's own Python extractor finds (`_`,
`ngettext`, `pgettext`, `N_`, `C_`), plus the docstrings of Typer commands, which Typer shows as
their help and `cli/_localize.py` translates. Babel has no docstring option, hence this wrapper
(named in babel.cfg; used only by `pybabel extract` and the catalogue test, never at run time).
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any, cast

# the decorator attribute names that make a function a command whose docstring is its help
COMMAND_DECORATORS = ("command", "callback")
KEYWORDS: dict[str, Any] = {
    "_": None,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "C_": ((1, "c"), 2),
}

_STANDARD = {"N_": "gettext", "C_": "pgettext"}


def extract(
    fileobj: IO[bytes],
    keywords: Collection[str] | Mapping[str, Any],
    comment_tags: Collection[str],
    options: dict[str, Any],
) -> Iterator[tuple[int, str, Any, list[str]]]:
    from babel.messages.extract import extract_python

    source = fileobj.read()
    fileobj.seek(0)
    # pybabel passes its own keywords (the defaults and -k ones); ours are always added
    specs = dict(keywords) if isinstance(keywords, Mapping) else dict.fromkeys(keywords)
    # (options: pybabel's plain dict, which Babel's annotation narrows to a TypedDict)
    found = extract_python(fileobj, {**specs, **KEYWORDS}, comment_tags, cast(Any, options))
    # Babel annotates these as (line, message, comments, context); its extract_python yields
    # (line, funcname, messages, comments), as its docstring says and pybabel reads them
    for lineno, funcname, messages, comments in cast(
        Iterator[tuple[int, str, Any, list[str]]], found
    ):
        # Babel reads each result by its caller's name in pybabel's keywords, which lack ours
        yield lineno, _STANDARD.get(funcname, funcname), messages, comments
    yield from command_docstrings(source.decode("utf-8"))


def command_docstrings(source: str) -> Iterator[tuple[int, str, str, list[str]]]:
    """(line, "", help, []) for each function decorated with `@<app>.command(...)` or
    `@<app>.callback(...)`: the help Typer makes of its docstring (inspect.getdoc)."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if not any(_is_command(d) for d in node.decorator_list):
            continue
        doc = ast.get_docstring(node, clean=False)
        if doc:
            yield node.body[0].lineno, "", inspect.cleandoc(doc), []


def _is_command(decorator: ast.expr) -> bool:
    func = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(func, ast.Attribute) and func.attr in COMMAND_DECORATORS
