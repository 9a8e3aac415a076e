"""Keeps hypothesis-jsonschema working with current Hypothesis.

hypothesis-jsonschema 0.23.1 (the latest release) drives Hypothesis' internal ``cu.many`` with the
old ``while elements.more(): … elements.reject()`` protocol; Hypothesis 6.17x replaced it with a
context manager that is iterated. Every object schema then fails with ``'many' object has no
attribute 'more'``. :func:`install` gives hypothesis-jsonschema — and only it — an adapter that
speaks the old protocol on top of the new one. Remove it once hypothesis-jsonschema catches up.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any

from hypothesis.internal.conjecture import utils as conjecture_utils


class LegacyMany:
    """``more()`` / ``reject()`` over the context-managed ``many`` (or the old one, if present)."""

    def __init__(self, data: Any, **kwargs: Any) -> None:
        # Any: the old ``many`` (with ``more()``) or the new context-managed one, decided at run time.
        self._inner: Any = conjecture_utils.many(data, **kwargs)
        self._iterator: Iterator[None] | None = None
        self._legacy = hasattr(self._inner, "more")

    def more(self) -> bool:
        if self._legacy:
            return bool(self._inner.more())
        if self._iterator is None:
            self._inner.__enter__()
            self._iterator = iter(self._inner)
        try:
            next(self._iterator)
        except StopIteration:
            self._inner.__exit__(None, None, None)
            return False
        return True

    def reject(self, why: str | None = None) -> None:
        self._inner.reject(why) if not self._legacy else self._inner.reject()


def install() -> None:
    from hypothesis_jsonschema import _from_schema

    if hasattr(conjecture_utils.many, "more") or getattr(_from_schema.cu, "is_contract_adapter", False):
        return
    adapted = types.ModuleType("hypothesis_conjecture_utils_adapted")
    adapted.__dict__.update(vars(conjecture_utils))
    adapted.many = LegacyMany  # type: ignore[attr-defined]
    adapted.is_contract_adapter = True  # type: ignore[attr-defined]
    _from_schema.cu = adapted
