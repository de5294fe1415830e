"""``--format json``: a document's data (the JSON contract), indented, keys in the order the core gives them."""

from __future__ import annotations

import json

from effcli.render.document import Document


class JsonWriter:
    def write(self, document: Document) -> str:
        return json.dumps(document.data, indent=2) + "\n"
