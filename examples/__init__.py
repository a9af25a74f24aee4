"""The example shop's data: a tea and gift shop in Hangzhou (see generate.py, which writes it).

Installed inside the package as `custtrack.examples` (pyproject.toml maps this folder there), so
that `custtrack demo` works from a wheel as well as from the source checkout.
"""
