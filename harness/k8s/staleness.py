"""Which generated manifests differ from what ``k8s generate`` would write now (hand edits, or code
that changed without regenerating)."""

from __future__ import annotations

from pathlib import Path

from harness.k8s.generate import generated_files


def stale_files(root: Path) -> list[Path]:
    stale = []
    for relative, text in sorted(generated_files().items()):
        path = root / relative
        if not path.is_file() or path.read_text() != text:
            stale.append(path)
    return stale
