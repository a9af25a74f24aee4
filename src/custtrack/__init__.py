"""custtrack: a local-first customer tracker."""

__version__ = "0.1.0"
