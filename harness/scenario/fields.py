"""Field types every part of the scenario model shares: durations and the strict base model."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from load.durations import parse_duration

Seconds = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema({"type": ["string", "number"], "description": "seconds, or 500ms / 2s / 1m30s"}),
]
Label = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="a name for what is recorded")
]


class Strict(BaseModel):
    """Unknown keys are errors: a misspelt key must not silently do nothing."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class OneOf(Strict):
    """A YAML item that is exactly one action (``- wait: 2s``): all fields optional, one set."""

    @model_validator(mode="before")
    @classmethod
    def exactly_one(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        kinds = [name for name in cls.action_keys() if name in data]
        if len(kinds) != 1:
            known = ", ".join(cls.action_keys())
            found = f"got {', '.join(kinds)}" if kinds else f"got {', '.join(map(str, data)) or 'nothing'}"
            raise ValueError(f"give exactly one of: {known} ({found})")
        return data

    @classmethod
    def action_keys(cls) -> list[str]:
        return [
            (field.alias or name) for name, field in cls.model_fields.items() if name not in cls.common_keys()
        ]

    @classmethod
    def common_keys(cls) -> set[str]:
        return set()

    def action(self) -> tuple[str, Any]:
        """``(key, value)`` of the one action given."""
        for name in type(self).model_fields:
            if name not in self.common_keys() and getattr(self, name) is not None:
                return name, getattr(self, name)
        raise AssertionError("validated model without an action")
