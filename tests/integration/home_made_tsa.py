"""A timestamp authority anyone can make at home: its own root, any name, any stated time.

Tokens are built field by field (asn1crypto) and signed (cryptography), so a test can backdate
one or sign with a certificate that is not for timestamping, as a forger would.
"""

import datetime
import hashlib
from dataclasses import dataclass

from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

UTC = datetime.UTC


@dataclass(frozen=True)
class HomeMadeAuthority:
    root: x509.Certificate
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    intermediates: tuple[x509.Certificate, ...] = ()

    def root_pem(self) -> bytes:
        return self.root.public_bytes(Encoding.PEM)


def _name(common: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )


def make_authority(
    name: str = "DigiCert Timestamp 2025",
    organisation: str = "DigiCert, Inc.",
    valid_from: datetime.datetime = datetime.datetime(2015, 1, 1, tzinfo=UTC),
    valid_until: datetime.datetime = datetime.datetime(2035, 1, 1, tzinfo=UTC),
    timestamping: bool = True,
    issuer_is_ca: bool = True,
    intermediate: bool = False,
) -> HomeMadeAuthority:
    """Return a root, an intermediate if asked, and a signing certificate, named as asked."""
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name("DigiCert Assured ID Root CA", organisation)
    root = _ca(root_name, root_name, root_key, root_key, issuer_is_ca)
    issuer_key, issuer_name, intermediates = root_key, root_name, ()
    if intermediate:
        issuer_key = ec.generate_private_key(ec.SECP256R1())
        issuer_name = _name("DigiCert Timestamping CA", organisation)
        intermediates = (_ca(issuer_name, root_name, issuer_key, root_key, True),)
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(name, organisation))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from)
        .not_valid_after(valid_until)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    usage = ExtendedKeyUsageOID.TIME_STAMPING if timestamping else ExtendedKeyUsageOID.CODE_SIGNING
    builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=True)
    certificate = builder.sign(issuer_key, hashes.SHA256())
    return HomeMadeAuthority(root, certificate, key, intermediates)


def _ca(
    subject: x509.Name,
    issuer: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer_key: ec.EllipticCurvePrivateKey,
    is_ca: bool,
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.datetime(2010, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime.datetime(2040, 1, 1, tzinfo=UTC))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


def make_token(
    authority: HomeMadeAuthority,
    data: bytes,
    time: datetime.datetime,
    carry: tuple[x509.Certificate, ...] = (),
) -> bytes:
    """Return a TimeStampResp stating that ``data`` existed at ``time``, as the authority says;
    it carries the signer's certificate and ``carry``."""
    info = tsp.TSTInfo(
        {
            "version": "v1",
            "policy": "1.2.3.4.1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": hashlib.sha256(data).digest(),
            },
            "serial_number": 7,
            "gen_time": time,
        }
    )
    attributes = cms.CMSAttributes(
        [
            {"type": "content_type", "values": ["tst_info"]},
            {"type": "message_digest", "values": [hashlib.sha256(info.dump()).digest()]},
        ]
    )
    signature = authority.key.sign(attributes.dump(), ec.ECDSA(hashes.SHA256()))
    certificate = asn1_x509.Certificate.load(authority.certificate.public_bytes(Encoding.DER))
    signer = {
        "version": "v1",
        "sid": {
            "issuer_and_serial_number": {
                "issuer": certificate.issuer,
                "serial_number": certificate.serial_number,
            }
        },
        "digest_algorithm": {"algorithm": "sha256"},
        "signed_attrs": attributes,
        "signature_algorithm": {"algorithm": "sha256_ecdsa"},
        "signature": signature,
    }
    signed = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [{"algorithm": "sha256"}],
            "encap_content_info": {"content_type": "tst_info", "content": info},
            "certificates": [
                certificate,
                *(asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in carry),
            ],
            "signer_infos": [signer],
        }
    )
    token = cms.ContentInfo({"content_type": "signed_data", "content": signed})
    return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()
