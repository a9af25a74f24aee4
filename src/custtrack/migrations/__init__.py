"""Schema history, applied by `custtrack.db` when a database is opened.

HEAD must name the newest revision in versions/; a test checks it against alembic's own view, so
that opening an up-to-date database needs one cheap query and no alembic import.
"""

HEAD = "0013"
