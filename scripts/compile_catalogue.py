"""Regenerate the compiled preset catalogue, effcli/config/catalogue.json, from configs/ and configs/examples/.

    python scripts/compile_catalogue.py          # rewrite effcli/config/catalogue.json
    python scripts/compile_catalogue.py --check  # exit 1 if it is out of date

Run it after adding, removing or changing a YAML file in configs/ (tests/test_catalogue.py fails until then).
Every file is read and validated by effcli's loader and counted with the analytic engine (the slow path,
effcli.tools.catalog.compile_catalogue); effcli.config.compiled reads the result on every run instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WIDTH = 160  # a stage's mapping fits on one line


def render(catalogue: dict[str, Any]) -> str:
    """The file's text; refuses a value JSON would not give back as it is (a non-string key, a date, nan)."""
    text = _json(catalogue, 0) + "\n"
    if json.loads(text) != catalogue:
        raise SystemExit("a config holds a value JSON cannot keep as it is (a non-string key, a date, a tuple?)")
    return text


def _json(value: Any, depth: int) -> str:
    """JSON with a list or mapping on one line when it fits in WIDTH columns, else one item a line."""
    line = json.dumps(value, ensure_ascii=False, allow_nan=False)
    if not isinstance(value, (dict, list)) or not value or depth + len(line) <= WIDTH:
        return line
    inner = " " * (depth + 1)
    if isinstance(value, dict):
        items = [f"{json.dumps(key, ensure_ascii=False)}: {_json(item, depth + 1)}" for key, item in value.items()]
        return "{\n" + ",\n".join(inner + item for item in items) + "\n" + " " * depth + "}"
    return "[\n" + ",\n".join(inner + _json(item, depth + 1) for item in value) + "\n" + " " * depth + "]"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="Only say whether the catalogue is up to date.")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))  # this checkout's effcli, whatever else is installed
    from effcli.config.compiled import FILE
    from effcli.files import write_text_atomic
    from effcli.tools.catalog import compile_catalogue

    text = render(compile_catalogue())
    where = FILE.relative_to(ROOT)
    current = FILE.read_text(encoding="utf-8") if FILE.exists() else None
    if current == text:
        print(f"{where} is up to date")
        return 0
    if args.check:
        print(f"{where} is out of date; run: python scripts/compile_catalogue.py")
        return 1
    write_text_atomic(FILE, text, force=True, option="catalogue")
    print(f"wrote {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
