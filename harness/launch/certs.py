"""Certificates for mTLS, with ``cryptography``: one CA per edge, so a certificate of one edge opens nothing
on the other.

:func:`generate_certs` writes a CA (``ca.pem``, ``ca-key.pem``), a server certificate for 127.0.0.1, ::1,
localhost and any extra names/addresses (``server.pem``, ``server-key.pem``) and a client certificate
(``client.pem``, ``client-key.pem``), all signed by the CA; ``mcp-harness certs`` is a thin wrapper.
:func:`run_certificates` makes a run's two edges: client → servers (the servers serve ``server.pem`` and
require a client certificate of their CA, which only the client holds) and gateway → client
(``gateway-edge/``: the client app serves ``server.pem`` of a second CA and only the gateway holds that
CA's client certificate). :class:`CertFiles` names one edge's files as the settings need them.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from harness.launch.options import TlsPaths
from servers.common.settings import TlsSettings

FILES = ("ca.pem", "ca-key.pem", "server.pem", "server-key.pem", "client.pem", "client-key.pem")
DEFAULT_HOSTS = ("127.0.0.1", "::1", "localhost")
VALIDITY = dt.timedelta(days=365)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mcp-harness"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _issue(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool = False,
    hosts: list[str] | None = None,
    usage: x509.ObjectIdentifier | None = None,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
    if hosts:
        builder = builder.add_extension(x509.SubjectAlternativeName([_san(h) for h in hosts]), critical=False)
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def generate_certs(
    directory: Path,
    extra_hosts: list[str],
    force: bool = False,
    *,
    server_name: str = "mcp-harness server",
    client_name: str = "mcp-harness client",
) -> list[Path]:
    """Write the six PEM files; raise ``FileExistsError`` (without writing) unless ``force``.

    ``server_name``/``client_name`` are the certificates' common names (who serves, who connects)."""
    paths = [directory / name for name in FILES]
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        raise FileExistsError(", ".join(str(p) for p in existing))
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, server_key, client_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca_name = _name("mcp-harness CA")
    ca_cert = _issue("mcp-harness CA", ca_key, ca_name, ca_key, ca=True)
    hosts = list(dict.fromkeys([*DEFAULT_HOSTS, *extra_hosts]))
    server_cert = _issue(
        server_name, server_key, ca_name, ca_key, hosts=hosts, usage=ExtendedKeyUsageOID.SERVER_AUTH
    )
    client_cert = _issue(client_name, client_key, ca_name, ca_key, usage=ExtendedKeyUsageOID.CLIENT_AUTH)
    blobs = {
        "ca.pem": ca_cert.public_bytes(serialization.Encoding.PEM),
        "ca-key.pem": _key_pem(ca_key),
        "server.pem": server_cert.public_bytes(serialization.Encoding.PEM),
        "server-key.pem": _key_pem(server_key),
        "client.pem": client_cert.public_bytes(serialization.Encoding.PEM),
        "client-key.pem": _key_pem(client_key),
    }
    for path in paths:
        path.write_bytes(blobs[path.name])
        if path.name.endswith("-key.pem"):
            path.chmod(0o600)
    return paths


@dataclass(frozen=True)
class CertFiles:
    """The PEM files of one mTLS edge: a CA, a server and a client certificate."""

    directory: Path

    def server_tls(self) -> TlsSettings:
        d = self.directory
        return TlsSettings(
            cert_file=str(d / "server.pem"), key_file=str(d / "server-key.pem"), ca_file=str(d / "ca.pem")
        )

    def client_paths(self) -> TlsPaths:
        d = self.directory
        return TlsPaths(ca=str(d / "ca.pem"), cert=str(d / "client.pem"), key=str(d / "client-key.pem"))


def run_certificates(
    directory: Path, hosts: list[str], *, gateway_edge: bool
) -> tuple[CertFiles, CertFiles | None]:
    """Write the run's certificates under ``directory`` (``hosts``: extra names the servers answer to)."""
    generate_certs(directory, hosts, force=True)
    if not gateway_edge:
        return CertFiles(directory), None
    edge = directory / "gateway-edge"
    generate_certs(
        edge, hosts, force=True, server_name="mcp-harness client app", client_name="mcp-harness gateway"
    )
    return CertFiles(directory), CertFiles(edge)
