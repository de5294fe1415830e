"""``--format markdown``: a document as GitHub Markdown (a heading per part, GitHub tables)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from effcli.render.document import Bullets, Column, Document, KeyValues, Note, Part, Table

DETAIL_MARK = "\u21b3 "  # a sub-row's first cell: GitHub drops leading spaces in a table cell


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def _github_table(columns: Sequence[Column], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(c.name for c in columns) + " |"]
    lines.append("|" + "|".join("---:" if c.align == "right" else "---" for c in columns) + "|")
    lines += ["| " + " | ".join(_escape(cell) for cell in row) + " |" for row in rows]
    return lines


class MarkdownWriter:
    """Values that describe the run rather than the network (``Field.volatile``) are left out, so the
    Markdown of a network is byte-identical across engines and runs; cells are not marked (no colour)."""

    def write(self, document: Document) -> str:
        lines = [f"## {document.title}"]
        for part in document.parts:
            block = self._part(part)
            if block:
                lines += ["", *block]
        return "\n".join(lines) + "\n"

    def _part(self, part: Part) -> list[str]:
        if isinstance(part, KeyValues):
            kept = [f for f in part.fields if not f.volatile]
            if not kept:
                return []
            heading = [f"### {part.title}", ""] if part.title else []
            return heading + _github_table((Column(""), Column("")), [(f"**{f.key}**", f.value) for f in kept])
        if isinstance(part, Table):
            rows = [
                [(DETAIL_MARK if row.detail and i == 0 else "") + cell.text for i, cell in enumerate(row.cells)]
                for row in part.rows
            ]
            return [f"### {part.title}", "", *_github_table(part.columns, rows)]
        if isinstance(part, Bullets):
            return [f"### {part.title}", "", *(f"- {item}" for item in part.items)]
        if isinstance(part, Note):
            return [f"> {part.text}"]
        raise TypeError(f"not a document part: {part!r}")
