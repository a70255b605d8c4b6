"""A certificate authority that lives for one capture, in memory, so the recording proxy can
speak TLS to Chromium for each site. Chromium trusts it only through
``--ignore-certificate-errors-spki-list`` (the SPKI digests below), never through a trust store,
and the key is gone when the capture ends. The site itself is verified by the proxy upstream.
"""

import base64
import datetime
import hashlib
import ipaddress
import ssl
import tempfile
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LIFETIME = datetime.timedelta(days=1)


class CaptureAuthority:
    """Issues a certificate per site name; one key for every site certificate of a capture."""

    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._site_key = ec.generate_private_key(ec.SECP256R1())
        self._name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Reclaim capture proxy")])
        self._certificate = self._issue_authority()
        self._folder = tempfile.TemporaryDirectory(prefix="reclaim-proxy-")
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    def spki_digests(self) -> list[str]:
        """Return base64 SHA-256 digests of the authority's and the site certificates' keys."""
        return [_spki_digest(key.public_key()) for key in (self._key, self._site_key)]

    def certificate_pem(self) -> bytes:
        """Return the authority's own certificate (PEM)."""
        return self._certificate.public_bytes(serialization.Encoding.PEM)

    def context_for(self, host: str) -> ssl.SSLContext:
        """Return a server-side TLS context presenting a certificate for ``host``."""
        with self._lock:
            if host not in self._contexts:
                self._contexts[host] = self._server_context(host)
            return self._contexts[host]

    def close(self) -> None:
        """Remove the key files the TLS contexts were loaded from."""
        self._folder.cleanup()

    def _server_context(self, host: str) -> ssl.SSLContext:
        chain = self._issue_site(host).public_bytes(serialization.Encoding.PEM)
        chain += self._certificate.public_bytes(serialization.Encoding.PEM)
        key = self._site_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # ssl loads certificates only from files: they live in a private temporary folder.
        path = Path(self._folder.name) / f"{hashlib.sha256(host.encode()).hexdigest()}.pem"
        path.write_bytes(key + chain)
        path.chmod(0o600)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(path)
        context.set_alpn_protocols(["http/1.1"])  # Chromium then speaks HTTP/1.1 to the proxy
        return context

    def _issue_authority(self) -> x509.Certificate:
        builder = _builder(self._name, self._name, self._key.public_key())
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
        return builder.add_extension(usage, True).sign(self._key, hashes.SHA256())

    def _issue_site(self, host: str) -> x509.Certificate:
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host[:64])])
        builder = _builder(subject, self._name, self._site_key.public_key())
        builder = builder.add_extension(x509.SubjectAlternativeName([_san(host)]), False)
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        usage = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])
        return builder.add_extension(usage, False).sign(self._key, hashes.SHA256())


def _builder(
    subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePublicKey
) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + LIFETIME)
    )


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _spki_digest(key: ec.EllipticCurvePublicKey) -> str:
    spki = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")
