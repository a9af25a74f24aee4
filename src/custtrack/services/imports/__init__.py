"""Imports: every row checked with the CLI's own rules, matched against what is stored, and written
in one transaction, or not at all.

Rows are validated and inserted chunk by chunk inside the caller's write transaction; a bad row, a
dry run or a kill half-way means the transaction is rolled back, so the database is never left
half-imported. Inserts go straight to the driver's executemany: on a million purchases that is
about 2.5x faster than Core `insert()` (the type processing per value dominates), so times are
converted to the stored UTC text here, once per distinct value. Purchases are checked a column
at a time (numpy and pandas for times and amounts); a row that any column check does not vouch
for goes through the row-by-row rules, which word every error.

Matching ("importing the same file twice changes nothing"):
- customers: external id, then normalised phone, then e-mail (also the ids, phones and e-mails of
  customers merged away, which lead to the customer they were merged into);
- purchases with an order reference: the reference;
- purchases without one, interactions and feedback: their natural key (customer, time, amount,
  product / channel, summary / scores, text) counted as a multiset: a file line is new unless a
  stored row with the same key is still unclaimed. So two identical lines in one file are two
  purchases, and importing that file again finds both stored and adds nothing.

The parts, each with one job: report.py (what an import did), base.py (reading cells), people.py
(whose row it is), customers.py, purchases.py and records.py (each kind), batches.py (running one
import as a batch, listing and undoing batches). Reading files and finding the table in a sheet
are in custtrack.io.
"""

from .batches import (
    KINDS,
    check_mapping,
    file_sha256,
    import_rows,
    list_batches,
    undo,
)
from .report import BadRow, DryRun, ImportFailed, Report

__all__ = [
    "KINDS",
    "BadRow",
    "DryRun",
    "ImportFailed",
    "Report",
    "check_mapping",
    "file_sha256",
    "import_rows",
    "list_batches",
    "undo",
]
