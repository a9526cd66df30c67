"""A real Valkey (or Redis) server on 127.0.0.1, for tests and, later, the local stack.

``ValkeyServer`` starts ``valkey-server`` (or ``redis-server``: the same protocol) found on
``PATH`` on a free port, with no persistence, in a temporary directory, waits until it answers
``PING`` and stops it. ``cluster=True`` starts a one-node cluster holding every slot: it
refuses a command whose keys span two hash slots, as a cluster-mode endpoint does.
``tls=True`` serves TLS only, with a self-signed certificate (``certificate``) for 127.0.0.1.

The Valkey tests and ``tap local up --rank-index valkey`` start it alike. Standard library only
(a TLS server's certificate needs ``cryptography``, imported then).
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

BINARIES: Final = ("valkey-server", "redis-server")
INSTALL: Final = "apt-get install -y redis-server"
STARTUP_SECONDS: Final = 10.0


class ServerMissing(RuntimeError):
    """Neither binary is on PATH."""


def find_binary(path: str | None = None) -> str:
    """The first of `BINARIES` on ``path`` (None: ``PATH``); ServerMissing otherwise."""
    for name in BINARIES:
        found = shutil.which(name, path=path)
        if found is not None:
            return found
    raise ServerMissing(
        f"neither {' nor '.join(BINARIES)} is on PATH: install one ({INSTALL}; CI does)"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _send(port: int, command: bytes) -> bytes:
    """One inline command, its reply's first line (no client library needed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=1.0) as connection:
        connection.sendall(command + b"\r\n")
        return connection.recv(4096)


class ValkeyServer:
    """A server process on 127.0.0.1: `start`, `url`, `stop`."""

    def __init__(
        self, *, cluster: bool = False, tls: bool = False, binary: str | None = None
    ) -> None:
        self.cluster = cluster
        self.tls = tls
        self.binary = binary
        self.port = 0
        self.log = Path()
        self._process: subprocess.Popen[bytes] | None = None
        self._directory: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        return f"{'rediss' if self.tls else 'redis'}://127.0.0.1:{self.port}"

    @property
    def certificate(self) -> str:
        """With ``tls``: the server's self-signed certificate (the CA a client must trust)."""
        if self._directory is None:
            raise RuntimeError("the server is not started: no certificate yet")
        return str(Path(self._directory.name) / "server.crt")

    def start(self) -> None:
        """Start the server; return once it answers PING (and, a cluster, holds every slot)."""
        binary = self.binary or find_binary()
        self._directory = tempfile.TemporaryDirectory(prefix="tap-valkey-")
        self.port = free_port()
        arguments = [binary, "--bind", "127.0.0.1", "--port", str(self.port)]
        if self.tls:  # TLS only, as ElastiCache's encryption in transit
            key = Path(self._directory.name) / "server.key"
            _self_signed(key, Path(self.certificate))
            arguments = [binary, "--bind", "127.0.0.1", "--port", "0", "--tls-port", str(self.port)]
            arguments += ["--tls-cert-file", self.certificate, "--tls-key-file", str(key)]
            arguments += ["--tls-ca-cert-file", self.certificate, "--tls-auth-clients", "no"]
        arguments += ["--save", "", "--appendonly", "no", "--dir", self._directory.name]
        if self.cluster:
            config = str(Path(self._directory.name) / "nodes.conf")
            arguments += ["--cluster-enabled", "yes", "--cluster-config-file", config]
            # the bus port defaults to port + 10000: past 65535 for a high free port
            arguments += ["--cluster-port", str(free_port())]
        self.log = Path(self._directory.name) / "server.log"
        arguments += ["--logfile", str(self.log)]
        self._process = subprocess.Popen(  # noqa: S603 - a binary found on PATH, fixed flags
            arguments, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if self.tls:
            self._wait_tls()
        else:
            self._wait(b"PING", b"+PONG")
        if self.cluster:
            _send(self.port, b"CLUSTER ADDSLOTSRANGE 0 16383")
            self._wait(b"CLUSTER INFO", b"cluster_state:ok")

    def _wait(self, command: bytes, answer: bytes) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        process = self._process
        if process is None:
            raise RuntimeError("the server is not started")
        while True:
            if process.poll() is not None:
                log = self.log.read_text(errors="replace")[-2000:] if self.log.is_file() else ""
                self.stop()
                raise RuntimeError(f"the server on port {self.port} exited:\n{log}")
            try:
                if answer in _send(self.port, command):
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"no {answer!r} on port {self.port} in {STARTUP_SECONDS}s")
            time.sleep(0.02)

    def _wait_tls(self) -> None:
        context = ssl.create_default_context(cafile=self.certificate)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                with (
                    socket.create_connection(("127.0.0.1", self.port), timeout=1.0) as raw,
                    context.wrap_socket(raw, server_hostname="127.0.0.1") as connection,
                ):
                    connection.sendall(b"PING\r\n")
                    if b"+PONG" in connection.recv(64):
                        return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"no TLS PONG on port {self.port} in {STARTUP_SECONDS}s")

    def stop(self) -> None:
        """Stop the server (and wait for it) and remove its directory; safe to call twice."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._directory is not None:
            self._directory.cleanup()
            self._directory = None


def _self_signed(key_path: Path, certificate_path: Path) -> None:
    """A key and a self-signed certificate for 127.0.0.1, valid for a day (needs the
    ``cryptography`` package: a dependency of moto, which the tests have)."""
    from cryptography import x509  # noqa: PLC0415 - only a TLS server needs it
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
