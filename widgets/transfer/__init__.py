"""Export and import a session: tidy CSV and XLSX, and a JSON full backup.

The tidy format (one row per participant x item of the *current* revision) is
documented in ``facilitator-guide/export-format.md``:

- **CSV**: one file, UTF-8, the columns of :data:`TIDY_COLUMNS`; values as text
  (``true``/``false``, whole numbers, text). Every cell that a spreadsheet could take for a
  formula (it begins with ``= + - @``, a tab or a carriage return) gets a leading apostrophe,
  as OWASP recommends against CSV injection; so does a cell that already begins with an
  apostrophe, so that import takes exactly one apostrophe off again and a round trip is
  lossless (:func:`neutralize_cell`, :func:`restore_cell`). ``item_text`` and ``value_label``
  carry the item's wording and the answer's label, so the file reads without the data files.
- **XLSX**: a ``README`` sheet describing the columns, a ``participants`` sheet
  (everyone, with or without answers) and one sheet per instrument in the tidy
  format (whole numbers are written as numbers, everything else as text cells, never formulas),
  and a ``codebook`` sheet: every item of the exported exercises with its text and options.
- **JSON**: a full backup: the session (with its passcode hash), participants,
  pairs, every revision of every response, and the pair notes.

Import reads the same files. Everything is validated first (known instrument and
item, a value allowed by the item's scale, valid role, required columns, UTF-8,
consistent rows) and every problem is collected with its file, row and column;
when there is any problem nothing is written, otherwise the session is written in
one transaction (:meth:`peerkit.store.Store.restore_session`).

The package's modules, by responsibility:

- :mod:`~peerkit.transfer.formats`: the columns, the cells and values, problems and errors;
- :mod:`~peerkit.transfer.export`: writing CSV, XLSX and JSON;
- :mod:`~peerkit.transfer.purge`: deleting a session with the files written for it;
- :mod:`~peerkit.transfer.tidy_import`: reading and checking CSV and XLSX files;
- :mod:`~peerkit.transfer.json_import`: reading and checking a JSON backup;
- :mod:`~peerkit.transfer.importing`: :func:`check_file` and :func:`import_file`, over both.
"""

from __future__ import annotations

from .export import export_csv, export_json, export_session, export_xlsx, tidy_rows
from .formats import (
    CODEBOOK_COLUMNS,
    COLUMN_HELP,
    FORMATS,
    FORMULA_STARTS,
    JSON_FORMAT,
    JSON_FORMAT_VERSION,
    PAIR_ROLES,
    PARTICIPANT_COLUMNS,
    REQUIRED_PARTICIPANT,
    REQUIRED_TIDY,
    TIDY_COLUMNS,
    ImportResult,
    Problem,
    TransferError,
    coerce_value,
    neutralize_cell,
    restore_cell,
    value_text,
)
from .importing import check_file, import_file
from .purge import exports_folder, purge_session, session_files

__all__ = [
    "FORMATS",
    "ImportResult",
    "JSON_FORMAT",
    "PARTICIPANT_COLUMNS",
    "Problem",
    "TIDY_COLUMNS",
    "TransferError",
    "check_file",
    "coerce_value",
    "export_csv",
    "export_json",
    "export_session",
    "export_xlsx",
    "exports_folder",
    "import_file",
    "neutralize_cell",
    "purge_session",
    "restore_cell",
    "session_files",
    "tidy_rows",
    "value_text",
]
