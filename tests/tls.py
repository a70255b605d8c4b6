"""A test certificate authority on the fly: servers on loopback speak HTTPS to clients that
trust only it (the referral client, the helpline's TLS front, a survivor's site in another
process through ``ca.pem``). Never a real authority, never written outside the test's folder."""

import datetime
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def tls(folder: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """Return a client context trusting a new test CA, and a server context with ``name``'s
    certificate signed by it. The CA's certificate is also written to ``folder``/ca.pem, for a
    client in another process to trust."""
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Reclaim test CA")])

    def certificate(
        subject: x509.Name, public: ec.EllipticCurvePublicKey
    ) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name)
            .public_key(public).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
        )  # fmt: skip

    ca = certificate(ca_name, ca_key.public_key()).add_extension(
        x509.BasicConstraints(ca=True, path_length=None), critical=True
    )
    leaf = certificate(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]), key.public_key()
    ).add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
    pem = serialization.Encoding.PEM
    (folder / "leaf.pem").write_bytes(
        leaf.sign(ca_key, hashes.SHA256()).public_bytes(pem)
        + key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    ca_pem = ca.sign(ca_key, hashes.SHA256()).public_bytes(pem)
    (folder / "ca.pem").write_bytes(ca_pem)
    client = ssl.create_default_context(cadata=ca_pem.decode())
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(folder / "leaf.pem")
    return client, server
