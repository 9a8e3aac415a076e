"""Safe by default (destructive tools left alone, filters, sandbox copies, known-good examples) and
able to reach any server (headers with ${ENV}, never printed; TLS with a client certificate)."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest
import trustme
from typer.testing import CliRunner

from harness.cli import build_app
from harness.contract.argument_examples import schema_examples
from harness.contract.options import build_target, parse_examples, parse_headers
from harness.contract.outcomes import Verdict
from harness.contract.runner import run_contract
from harness.contract.settings import ContractSettings
from harness.contract.target import Target, TargetError, TargetUnreachable
from servers.common.settings import TlsSettings
from tests.contract_targets.breakages import break_input_schema, on_method
from tests.contract_targets.breakages_robustness import close_mid_answer
from tests.contract_targets.processes import ROOT, stdio_argv
from tests.contract_targets.serving import serve_fixture
from tests.contract_targets.tamper import Answer, Exchange, Rule, json_answer

LEGACY = "2025-11-25"
SECRET = "s3cret-value-never-shown"


def quick(**changes: object) -> ContractSettings:
    base = {"fuzz_valid_examples": 2, "fuzz_invalid_examples": 3, "call_timeout_s": 2.0}
    skip = ("wait", "slow_report", "linger", *changes.pop("skip_tools", ()))  # type: ignore[misc]
    return ContractSettings.model_validate({**base, **changes, "skip_tools": skip})


@pytest.mark.anyio
async def test_destructive_tool_is_not_called_unless_allowed_and_sandbox_keeps_the_directory(
    tmp_path: Path,
) -> None:
    work = tmp_path / "repo"
    work.mkdir()
    target = Target.stdio(stdio_argv(), cwd=str(work), env={"PYTHONPATH": str(ROOT)})
    with anyio.fail_after(60):
        default = await run_contract(target, [LEGACY], quick(), only=["fuzz.valid-arguments"])
        assert default.passed and not (work / "WIPED").exists()
        sandboxed = await run_contract(
            target, [LEGACY], quick(allow_destructive=True, sandbox_dir=work), only=["fuzz.valid-arguments"]
        )
        assert sandboxed.passed and not (work / "WIPED").exists()  # written in the throw-away copy
        allowed = await run_contract(
            target, [LEGACY], quick(allow_destructive=True), only=["fuzz.valid-arguments"]
        )
    assert allowed.passed and (work / "WIPED").exists()  # the control: the tool really is called when allowed


@pytest.mark.anyio
async def test_read_only_only_and_tool_filters() -> None:
    target = Target.stdio(stdio_argv(), cwd=str(ROOT))
    with anyio.fail_after(60):
        only_read = await run_contract(
            target, [LEGACY], quick(read_only_only=True), only=["tools.content-present"]
        )
        none_left = await run_contract(
            target,
            [LEGACY],
            quick(only_tools=("ech*",), skip_tools=("echo",)),
            only=["tools.content-present"],
        )
    why = only_read.result("tools.content-present", LEGACY).why
    assert "no tool may be called" in why and "readOnlyHint" in why  # slow_report is skipped by name
    skipped = none_left.result("tools.content-present", LEGACY)
    assert (
        skipped.verdict == Verdict.SKIP
        and "echo: --skip-tool" in skipped.why
        and "add: not selected" in skipped.why
    )


@pytest.mark.anyio
async def test_known_good_example_is_what_structured_content_checks() -> None:
    def refuse_generated(exchange: Exchange) -> Answer | None:
        arguments = exchange.params.get("arguments")
        if exchange.method == "tools/call" and arguments != {"a": 2, "b": 3}:
            rid = exchange.message.get("id")
            result = {"content": [{"type": "text", "text": "need a real time zone"}], "isError": True}
            return json_answer(200, {"jsonrpc": "2.0", "id": rid, "result": result})
        return None

    rule = Rule("picky", "", on_request=refuse_generated)
    with anyio.fail_after(30):
        async with serve_fixture(rule) as url:
            without = await run_contract(
                Target.http(url), [LEGACY], quick(), only=["tools.structured-content"]
            )
            given = quick(known_good=parse_examples(['add={"a": 2, "b": 3}']))
            with_example = await run_contract(
                Target.http(url), [LEGACY], given, only=["tools.structured-content"]
            )
    assert without.result("tools.structured-content", LEGACY).verdict == Verdict.SKIP
    assert "--example" in without.result("tools.structured-content", LEGACY).why
    assert with_example.result("tools.structured-content", LEGACY).verdict == Verdict.PASS


def test_examples_from_a_file_and_bad_examples(tmp_path: Path) -> None:
    (tmp_path / "calls.json").write_text('{"add": [{"a": 1, "b": 2}], "echo": {"text": "hi"}}')
    (tmp_path / "calls.txt").write_text('add={"a": 5, "b": 6}\n')
    assert parse_examples([f"@{tmp_path / 'calls.json'}"]) == {
        "add": [{"a": 1, "b": 2}],
        "echo": [{"text": "hi"}],
    }
    assert parse_examples([f"@{tmp_path / 'calls.txt'}"]) == {"add": [{"a": 5, "b": 6}]}
    with pytest.raises(TargetError, match="not JSON"):
        parse_examples(["add={oops"])
    with pytest.raises(TargetError, match="JSON object"):
        parse_examples(["add=[1]"])


def test_headers_expand_env_and_errors_never_show_values() -> None:
    assert parse_headers(["Authorization: Bearer ${TOKEN}"], {"TOKEN": SECRET}) == {
        "Authorization": f"Bearer {SECRET}"
    }
    with pytest.raises(TargetError, match="TOKEN is not set"):
        parse_headers(["Authorization: Bearer ${TOKEN}"], {})
    with pytest.raises(TargetError) as bad:
        parse_headers([f"no colon {SECRET}"], {})
    assert SECRET not in str(bad.value)
    assert SECRET not in repr(build_target("http://x/mcp", headers=[f"X-Key: {SECRET}"]))


def needs_token_and_drops_hostile_calls(exchange: Exchange) -> Answer | None:
    if exchange.headers.get("authorization") != f"Bearer {SECRET}":
        return Answer(401, {"www-authenticate": 'Bearer realm="mcp"'}, b"")
    return close_mid_answer(exchange)


def test_header_reaches_a_protected_server_and_is_never_printed_or_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTRACT_TOKEN", SECRET)
    rule = Rule("needs-token", "", on_request=needs_token_and_drops_hostile_calls)

    async def run() -> tuple[int, str]:
        async with serve_fixture(rule) as url:
            args = [
                "contract",
                url,
                "--header",
                "Authorization: Bearer ${CONTRACT_TOKEN}",
                "--protocol",
                LEGACY,
            ]
            args += ["--check", "lifecycle", "--check", "fuzz.invalid-arguments", "--examples", "20"]
            args += [
                "--skip-tool",
                "wait",
                "--json",
                str(tmp_path / "r.json"),
                "--junit",
                str(tmp_path / "r.xml"),
            ]
            result = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(build_app(), args))
        return result.exit_code, result.output

    code, output = anyio.run(run)
    document = json.loads((tmp_path / "r.json").read_text())
    results = {r["name"]: r for r in document["results"]}
    assert results[f"lifecycle.initialize[{LEGACY}]"]["verdict"] == "pass"  # the header got us in
    finding = results[f"fuzz.invalid-arguments[{LEGACY}]"]
    assert code == 1 and finding["verdict"] == "fail"
    assert "Authorization: <redacted>" in finding["details"][0]["reproduction"]
    for text in (output, (tmp_path / "r.json").read_text(), (tmp_path / "r.xml").read_text()):
        assert SECRET not in text


@pytest.mark.anyio
async def test_mtls_with_ca_cert_and_key(tmp_path: Path) -> None:
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1")
    client_cert = ca.issue_cert("contract-client")
    files = {"ca": tmp_path / "ca.pem", "server": tmp_path / "server.pem", "client": tmp_path / "client.pem"}
    ca.cert_pem.write_to_path(str(files["ca"]))
    server_cert.private_key_and_cert_chain_pem.write_to_path(str(files["server"]))
    client_cert.private_key_and_cert_chain_pem.write_to_path(str(files["client"]))
    tls = TlsSettings(cert_file=str(files["server"]), key_file=str(files["server"]), ca_file=str(files["ca"]))
    with anyio.fail_after(30):
        async with serve_fixture(None, tls=tls) as url:
            good = build_target(url, ca=str(files["ca"]), cert=str(files["client"]), key=str(files["client"]))
            report = await run_contract(good, [LEGACY], quick(), only=["lifecycle.ping"])
            assert report.result("lifecycle.ping", LEGACY).verdict == Verdict.PASS
            with pytest.raises(TargetUnreachable):  # no client certificate: the server refuses us
                await run_contract(
                    build_target(url, ca=str(files["ca"])), [LEGACY], quick(), only=["lifecycle.ping"]
                )
    with pytest.raises(TargetError, match="no such file"):
        build_target("https://x/mcp", ca=str(tmp_path / "missing.pem"))


@pytest.mark.anyio
async def test_an_unusable_input_schema_is_noted_and_the_other_tools_are_still_fuzzed() -> None:
    rule = Rule(
        "broken-add-schema-and-drops",
        "",
        on_request=close_mid_answer,
        on_response=on_method("tools/list", break_input_schema),
    )
    with anyio.fail_after(60):
        async with serve_fixture(rule) as url:
            report = await run_contract(
                Target.http(url),
                [LEGACY],
                quick(fuzz_invalid_examples=20),
                only=["tools.input-schema", "fuzz"],
            )
    schema = report.result("tools.input-schema", LEGACY)
    assert schema.verdict == Verdict.FAIL and "add" in schema.why and "integr" in schema.why
    for check_id in ("fuzz.valid-arguments", "fuzz.invalid-arguments"):
        result = report.result(check_id, LEGACY)
        note = "add: not fuzzed (cannot generate arguments from inputSchema: AssertionError: the generator"
        assert note in result.why
    invalid = report.result("fuzz.invalid-arguments", LEGACY)
    assert invalid.verdict == Verdict.FAIL and "echo [2025-11-25]" in invalid.why  # echo was fuzzed


def test_schema_examples_and_defaults_are_known_good_calls() -> None:
    listed = {"type": "object", "examples": [{"tz": "UTC"}], "properties": {"tz": {"type": "string"}}}
    assert schema_examples(listed) == [{"tz": "UTC"}]
    per_property = {
        "type": "object",
        "required": ["tz"],
        "properties": {
            "tz": {"type": "string", "examples": ["Europe/Berlin"]},
            "n": {"type": "integer", "default": 3},
        },
    }
    assert schema_examples(per_property) == [{"tz": "Europe/Berlin", "n": 3}]
    assert (
        schema_examples({"type": "object", "required": ["tz"], "properties": {"tz": {"type": "string"}}})
        == []
    )
