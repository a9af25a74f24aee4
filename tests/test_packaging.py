"""What the wheel ships: pyproject.toml lists its packages by hand (the example shop is mapped in
from examples/), so a new package must be listed too. .ci/wheel-demo builds the wheel, installs
it into a fresh environment and runs `custtrack demo` with it."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]


def test_every_package_is_in_the_wheel() -> None:
    src = ROOT / "src"
    found = {".".join(init.parent.relative_to(src).parts) for init in src.rglob("__init__.py")} | {
        "custtrack.migrations.versions",
        "custtrack.examples",
    }
    assert set(_setuptools()["packages"]) == found


def test_the_example_shop_ships_inside_the_package() -> None:
    setup = _setuptools()
    assert setup["package-dir"]["custtrack.examples"] == "examples"
    assert (ROOT / "examples" / "__init__.py").is_file()
    data = setup["package-data"]["custtrack.examples"]
    shipped = {p.name for pattern in data for p in (ROOT / "examples").glob(pattern)}
    assert {"customers.csv", "purchases.csv", "interactions.csv", "tracking-sheet.xlsx"} <= shipped
    from custtrack.services.demo import find_examples

    assert (find_examples() / "customers.csv").is_file()


def test_constraints_pin_every_dependency_within_its_range() -> None:
    """constraints.txt (what CI installs) pins each runtime and test dependency to one version
    that pyproject.toml allows; refreshed with .ci/refresh-constraints."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    for spec in map(Requirement, wanted):
        name = canonicalize_name(spec.name)
        assert name in pins, f"constraints.txt lacks {spec.name}: run .ci/refresh-constraints"
        assert spec.specifier.contains(pins[name]), f"{spec.name}=={pins[name]} is not {spec}"
