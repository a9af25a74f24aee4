"""Importers and exporters."""

# Text a spreadsheet could run as a formula: export writes it with a leading quote (the OWASP
# rule), and import takes that quote off again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
