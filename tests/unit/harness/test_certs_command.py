"""``mcp-harness certs``: usable mTLS material, no silent overwrite, clear exit 2 on bad directories."""

from __future__ import annotations

import ipaddress
import os
import ssl
from pathlib import Path

import pytest
import typer
from cryptography import x509
from typer.testing import CliRunner

from harness.commands import certs
from harness.launch.certs import FILES


def cli() -> typer.Typer:
    app = typer.Typer()
    certs.register(app)

    @app.callback()
    def main() -> None:  # keeps "certs" a subcommand
        pass

    return app


def test_writes_ca_server_and_client_pems_usable_for_mtls(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli(), ["certs", str(tmp_path / "pki"), "--host", "weather.svc", "--host", "10.0.0.7"]
    )
    assert result.exit_code == 0, result.output
    pki = tmp_path / "pki"
    assert sorted(p.name for p in pki.iterdir()) == sorted(FILES)
    server = x509.load_pem_x509_certificate((pki / "server.pem").read_bytes())
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(san.get_values_for_type(x509.DNSName)) == {"localhost", "weather.svc"}
    assert set(san.get_values_for_type(x509.IPAddress)) == {
        ipaddress.ip_address(a) for a in ("127.0.0.1", "::1", "10.0.0.7")
    }
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pki / "ca.pem"))
    server_ctx.load_cert_chain(str(pki / "server.pem"), str(pki / "server-key.pem"))
    client_ctx = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    client_ctx.load_cert_chain(str(pki / "client.pem"), str(pki / "client-key.pem"))
    assert oct((pki / "ca-key.pem").stat().st_mode & 0o777) == "0o600"


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli(), ["certs", str(tmp_path)]).exit_code == 0
    before = (tmp_path / "ca.pem").read_bytes()
    refused = runner.invoke(cli(), ["certs", str(tmp_path)])
    assert refused.exit_code == 2
    assert "--force" in refused.output
    assert (tmp_path / "ca.pem").read_bytes() == before
    assert runner.invoke(cli(), ["certs", str(tmp_path), "--force"]).exit_code == 0
    assert (tmp_path / "ca.pem").read_bytes() != before


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_directory_exits_2_with_the_reason(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = CliRunner().invoke(cli(), ["certs", str(locked / "pki")])
    assert result.exit_code == 2
    assert "cannot write" in result.output


def test_a_file_in_the_way_exits_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(cli(), ["certs", str(blocker / "pki")])
    assert result.exit_code == 2
    assert "cannot write" in result.output
