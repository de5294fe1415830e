"""``--format csv``: a document's records, a header line and one line per record."""

from __future__ import annotations

import csv
import io

from effcli.render.document import Document


class CsvWriter:
    def write(self, document: Document) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(document.records.columns)
        writer.writerows(document.records.rows)
        return buffer.getvalue()
