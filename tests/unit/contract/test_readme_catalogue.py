"""The README's check table is the output of `mcp-harness contract --list --format markdown`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from harness.cli import build_app

README = Path(__file__).resolve().parents[3] / "README.md"
BEGIN, END = "<!-- contract-checks:begin -->\n", "<!-- contract-checks:end -->"


def test_readme_check_table_is_the_generated_one() -> None:
    text = README.read_text()
    documented = text[text.index(BEGIN) + len(BEGIN) : text.index(END)]
    listed = CliRunner().invoke(build_app(), ["contract", "--list", "--format", "markdown"])
    assert listed.exit_code == 0, listed.output
    assert documented == listed.output, (
        "README check table is stale: regenerate it with `mcp-harness contract --list --format markdown`"
    )


def test_unknown_list_format_is_a_usage_error() -> None:
    result = CliRunner().invoke(build_app(), ["contract", "--list", "--format", "html"])
    assert result.exit_code == 2 and "table or markdown" in result.output
