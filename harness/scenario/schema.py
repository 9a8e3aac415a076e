"""``python -m harness.scenario.schema [FILE]``: write the scenario JSON Schema (scenarios/schema.json).

Editors use it for completion and checking (``# yaml-language-server: $schema=schema.json``); a test
keeps the committed file equal to what the model generates.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from harness.scenario.model import scenario_schema

DEFAULT_PATH = Path("scenarios/schema.json")


def schema_text() -> str:
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_PATH
    path.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
