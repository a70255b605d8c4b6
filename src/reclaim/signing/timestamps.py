"""RFC 3161 trusted timestamps: an authority signs that a digest existed at a time.

Only the SHA-256 digest is sent, never content. `check_token` checks a token just received
(status, the digest it covers, the nonce, and the authority's signature). `verify_token` checks
a token someone hands us, as `reclaim verify` does: the same, plus the authority's certificate
chain up to a trusted root (the system's trust store or roots the person names), the
timeStamping extended key usage, and that the stated time lies within every certificate's
validity. A token is only as good as the root it leads to, so the result names the authority.
"""

import datetime
import functools
import hashlib
import re
import secrets
import urllib.error
import urllib.request
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import algos, cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from reclaim.errors import ReclaimError

TIMEOUT_SECONDS = 15
MAX_RESPONSE_BYTES = 1024 * 1024
MAX_CHAIN_CERTIFICATES = 8
# Debian/Ubuntu, Fedora/RHEL, Alpine/openSUSE, macOS (Homebrew) bundle locations, in that order.
SYSTEM_TRUST_STORES = (
    Path("/etc/ssl/certs/ca-certificates.crt"),
    Path("/etc/pki/tls/certs/ca-bundle.crt"),
    Path("/etc/ssl/ca-bundle.pem"),
    Path("/etc/ssl/cert.pem"),
)
_PEM_CERTIFICATE = re.compile(
    rb"-----BEGIN CERTIFICATE-----\r?\n.+?-----END CERTIFICATE-----", re.DOTALL
)
_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}
# What asn1crypto and cryptography raise on malformed DER, some of it only when a field is
# first read: all of it means "not a valid token", and the reason names the exception.
MALFORMED = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    StopIteration,
    UnsupportedAlgorithm,
    x509.InvalidVersion,
    CryptographyDeprecationWarning,
)


class TimestampError(ReclaimError):
    """A timestamp token is invalid, untrusted, or covers other data than it should."""


class TimestampUnavailableError(TimestampError):
    """The authority could not be reached: the request waits ("timestamp pending")."""


@dataclass(frozen=True)
class Timestamp:
    """A checked token: who issued it, for which digest, and the time it states."""

    authority: str
    digest: str
    time: str
    response: bytes


@dataclass(frozen=True)
class TokenResult:
    """A token checked up to a trusted root: when, by whom, under which policy."""

    time: datetime.datetime
    authority: str
    root: str
    root_sha256: str
    policy: str
    serial: int
    digest_algorithm: str


@dataclass(frozen=True)
class _Token:
    signed: cms.SignedData
    info: tsp.TSTInfo
    signer: cms.SignerInfo
    certificate: x509.Certificate
    carried: list[x509.Certificate]


def request_token(authority: str, data: bytes) -> Timestamp:
    """Ask ``authority`` (an http(s) URL) to timestamp the SHA-256 of ``data``."""
    digest = hashlib.sha256(data).digest()
    nonce = secrets.randbits(63)
    request = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )
    http = urllib.request.Request(  # noqa: S310  # the authority URL is configured, http(s) only
        authority,
        data=request.dump(),
        headers={"Content-Type": "application/timestamp-query"},
    )
    if not authority.startswith(("https://", "http://")):
        raise TimestampError(f"{authority!r} is not an http(s) address")
    try:
        with urllib.request.urlopen(http, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            response = answer.read(MAX_RESPONSE_BYTES + 1)
    except (urllib.error.URLError, OSError) as error:
        raise TimestampUnavailableError(f"{authority} could not be reached: {error}") from None
    if len(response) > MAX_RESPONSE_BYTES:
        raise TimestampError(f"{authority} sent an answer too large to be a timestamp")
    return Timestamp(authority, digest.hex(), check_token(response, data, nonce), response)


def check_token(response: bytes, data: bytes, nonce: int | None = None) -> str:
    """Return the time a just-received TimeStampResp states for ``data``; raise TimestampError.

    The authority's certificate is not checked against a root here: the authority is the
    one the locker was configured to ask. `verify_token` checks tokens from elsewhere.
    """
    try:
        token = _parse(response)
        _check_imprint(token.info, data)
        if nonce is not None and token.info["nonce"].native != nonce:
            raise TimestampError("the token answers another request")
        _check_signature(token)
        return _gen_time(token.info).isoformat()
    except MALFORMED as error:
        raise TimestampError(f"malformed token ({type(error).__name__}: {error})") from None


def verify_token(
    response: bytes,
    data: bytes,
    roots: Sequence[x509.Certificate],
    chain: Sequence[x509.Certificate] = (),
) -> TokenResult:
    """Return what a token proves about ``data``, checked up to one of ``roots``.

    ``chain`` adds intermediate certificates the token does not carry. Raise TimestampError
    with the reason if the token is malformed, covers other data, is badly signed, or its
    authority is not trusted, lacks the timeStamping usage, or was not valid at the time.
    """
    try:
        with warnings.catch_warnings():
            # cryptography warns, then reads on, where a certificate breaks RFC 5280 (a
            # serial number below one): in a token offered as proof, that is a failure.
            warnings.simplefilter("error", CryptographyDeprecationWarning)
            return _verify_token(response, data, roots, chain)
    except MALFORMED as error:  # cryptography reads some certificate fields only when asked
        raise TimestampError(f"malformed token ({type(error).__name__}: {error})") from None


def _verify_token(
    response: bytes,
    data: bytes,
    roots: Sequence[x509.Certificate],
    chain: Sequence[x509.Certificate],
) -> TokenResult:
    token = _parse(response)
    _check_imprint(token.info, data)
    _check_signature(token)
    time = _gen_time(token.info)
    authority = _name(token.certificate)
    _check_timestamping_usage(token.certificate, authority)
    path = _trusted_path(token.certificate, [*token.carried, *chain], roots, time)
    _check_carried(token.carried, path, roots)
    root, info = path[-1], token.info
    policy, serial = info["policy"].dotted, int(info["serial_number"].native)
    algorithm = str(info["message_imprint"]["hash_algorithm"]["algorithm"].native)
    fingerprint = root.fingerprint(hashes.SHA256()).hex()
    return TokenResult(time, authority, _name(root), fingerprint, policy, serial, algorithm)


def load_roots(paths: Sequence[Path] = (), system: bool = True) -> list[x509.Certificate]:
    """Return the certificates in the PEM files ``paths``, plus the system's trust store.

    Raise TimestampError naming a file that cannot be read or holds no certificate.
    """
    roots = []
    for path in paths:
        roots.extend(_read_certificates(path))
    store = next((p for p in SYSTEM_TRUST_STORES if p.is_file()), None)
    if system and store is None:
        store = _certifi_store()
    if system and store is not None:
        roots.extend(_system_store(store, store.stat().st_mtime_ns))
    return roots


@functools.lru_cache(maxsize=2)
def _system_store(path: Path, modified: int) -> tuple[x509.Certificate, ...]:
    """Return the system's roots, read once while the file is unchanged (~150 certificates)."""
    return tuple(_read_certificates(path))


def load_chain(paths: Sequence[Path]) -> list[x509.Certificate]:
    """Return the intermediate certificates in the PEM files ``paths``."""
    return [certificate for path in paths for certificate in _read_certificates(path)]


def _read_certificates(path: Path) -> list[x509.Certificate]:
    """Return every certificate of a PEM file that can be read; raise if there is none."""
    try:
        text = path.read_bytes()
    except OSError as error:
        raise TimestampError(f"cannot read {path}: {error.strerror or error}") from None
    certificates = []
    for block in _PEM_CERTIFICATE.findall(text):
        with warnings.catch_warnings():
            # A system store may hold an old root that bends RFC 5280 (a negative serial):
            # it is still a root the system trusts, so it is read, quietly.
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            try:
                certificates.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                continue
    if not certificates:
        raise TimestampError(f"{path} holds no PEM certificate that can be read")
    return certificates


def _certifi_store() -> Path | None:
    try:
        import certifi  # optional: only where the system has no store
    except ImportError:
        return None
    return Path(certifi.where())


def _parse(response: bytes) -> _Token:
    """Return the parts of a TimeStampResp whose form is checked here (status, CMS versions,
    content types, digest algorithms); the rest is checked where it is used."""
    try:
        parsed = tsp.TimeStampResp.load(response, strict=True)
        status = parsed["status"]["status"]
        if status.native not in ("granted", "granted_with_mods"):
            raise TimestampError("the authority refused the request")
        if status.dump() != tsp.PKIStatus(status.native).dump(force=True):
            raise TimestampError("the token's status is not in DER form")
        content = parsed["time_stamp_token"]
        if content["content_type"].native != "signed_data":
            raise TimestampError("the token is not a signed timestamp")
        signed = content["content"]
        return _token_parts(signed)
    except MALFORMED as error:
        raise TimestampError(
            f"not a valid timestamp token ({type(error).__name__}: {error})"
        ) from None


def _token_parts(signed: cms.SignedData) -> _Token:
    encapsulated = signed["encap_content_info"]
    if encapsulated["content_type"].native != "tst_info" or not _is_version(signed, "v3"):
        raise TimestampError("the signed content is not a timestamp (TSTInfo, CMS version 3)")
    if len(signed["signer_infos"]) != 1:
        raise TimestampError("a timestamp token has exactly one signer")
    signer = signed["signer_infos"][0]
    by_name = signer["sid"].name == "issuer_and_serial_number"
    if not _is_version(signer, "v1" if by_name else "v3"):
        raise TimestampError("the signer's version does not match how it names its certificate")
    if not all(_plain_algorithm(a) for a in signed["digest_algorithms"]):
        raise TimestampError("the token's digest algorithms carry unexpected parameters")
    carried = [
        choice.chosen
        for choice in signed["certificates"] or []
        if isinstance(choice.chosen, asn1_x509.Certificate)
    ]
    # A signature is whole bytes; cryptography reads past a BIT STRING's unused-bits count,
    # so a count bent to 1-7 over trailing zero bits would otherwise pass unnoticed.
    if any(c["signature_value"].contents[:1] != b"\x00" for c in carried):
        raise TimestampError("a certificate's signature is not a whole number of bytes")
    certificate = x509.load_der_x509_certificate(signer_certificate(signer, carried).dump())
    others = [x509.load_der_x509_certificate(c.dump()) for c in carried]
    return _Token(signed, encapsulated["content"].parsed, signer, certificate, others)


def signer_certificate(
    signer: cms.SignerInfo, carried: list[asn1_x509.Certificate]
) -> asn1_x509.Certificate:
    wanted = signer["sid"]
    for certificate in carried:
        if wanted.name == "issuer_and_serial_number":
            sid = wanted.chosen
            if (
                certificate.issuer.dump() == sid["issuer"].dump()
                and certificate.serial_number == sid["serial_number"].native
            ):
                return certificate
        elif certificate.key_identifier == wanted.chosen.native:
            return certificate
    raise TimestampError("the token does not carry the authority's certificate")


def _check_imprint(info: tsp.TSTInfo, data: bytes) -> None:
    imprint = info["message_imprint"]
    algorithm = imprint["hash_algorithm"]["algorithm"].native
    if algorithm not in _HASHES:
        raise TimestampError(f"the token uses a digest not accepted here ({algorithm})")
    if imprint["hashed_message"].native != hashlib.new(algorithm, data).digest():
        raise TimestampError("the token covers other data")


def _check_signature(token: _Token) -> None:
    """Check the signer's digest of the TSTInfo, then its signature over the attributes."""
    signer = token.signer
    algorithm = _check_signed_digest(token)
    attributes = signer["signed_attrs"]
    message = b"\x31" + attributes.dump()[1:]  # signed over as a SET OF, not the [0] tag
    scheme = signer["signature_algorithm"]
    _verify(token.certificate, scheme, _HASHES[algorithm], signer["signature"].native, message)


def _check_signed_digest(token: _Token) -> str:
    """Return the signer's digest algorithm, once its digest of the TSTInfo is checked."""
    signer = token.signer
    algorithm = signer["digest_algorithm"]["algorithm"].native
    listed = [a["algorithm"].native for a in token.signed["digest_algorithms"]]
    if algorithm not in _HASHES or algorithm not in listed:
        raise TimestampError(f"the token's digest algorithm is not accepted ({algorithm})")
    if not _plain_algorithm(signer["digest_algorithm"]):
        raise TimestampError("the token's digest algorithm carries unexpected parameters")
    attributes = signer["signed_attrs"]
    if _attribute(attributes, "content_type") != "tst_info":
        raise TimestampError("the signed attributes name another kind of content")
    content = token.signed["encap_content_info"]["content"].contents
    if _attribute(attributes, "message_digest") != hashlib.new(algorithm, content).digest():
        raise TimestampError("the token's signed digest does not match its content")
    return str(algorithm)


def _is_version(value: cms.SignedData | cms.SignerInfo, version: str) -> bool:
    """The version field holds ``version``, in DER (a tag or length bent by one bit is not)."""
    return bool(value["version"].dump() == cms.CMSVersion(version).dump(force=True))


def _plain_algorithm(algorithm: algos.DigestAlgorithm) -> bool:
    """A digest algorithm is its OID with absent or NULL parameters (RFC 5754), nothing else."""
    name = algorithm["algorithm"].native
    bare = algos.DigestAlgorithm({"algorithm": name})
    return algorithm.dump() in (bare.dump(force=True), _without_null(bare))


def _without_null(algorithm: algos.DigestAlgorithm) -> bytes:
    oid = bytes(algorithm["algorithm"].dump())
    return b"\x30" + bytes([len(oid)]) + oid


def _attribute(attributes: cms.CMSAttributes, name: str) -> object:
    values = [a["values"] for a in attributes if a["type"].native == name]
    if len(values) != 1 or len(values[0]) != 1:
        raise TimestampError(f"the token's signed attributes need exactly one {name}")
    return values[0][0].native


def _verify(
    certificate: x509.Certificate,
    scheme: object,
    digest: hashes.HashAlgorithm,
    signature: bytes,
    message: bytes,
) -> None:
    key = certificate.public_key()
    try:
        kind = scheme.signature_algo  # type: ignore[attr-defined]  # asn1crypto is untyped
        if _named_hash(scheme, digest.name) != digest.name:
            raise TimestampError("the signature algorithm names another digest")
        if isinstance(key, rsa.RSAPublicKey) and kind == "rsassa_pkcs1v15":
            key.verify(signature, message, padding.PKCS1v15(), digest)
        elif isinstance(key, ec.EllipticCurvePublicKey) and kind == "ecdsa":
            key.verify(signature, message, ec.ECDSA(digest))
        else:
            raise TimestampError("the authority's key and signature type are not supported")
    except InvalidSignature:
        raise TimestampError("the authority's signature does not match") from None
    except MALFORMED as error:
        raise TimestampError(f"malformed signature ({type(error).__name__}: {error})") from None


def _named_hash(scheme: object, default: str) -> str:
    """Return the digest a signature algorithm names (sha256 in ecdsa-with-SHA256), if any."""
    try:
        return str(scheme.hash_algo)  # type: ignore[attr-defined]  # asn1crypto is untyped
    except ValueError:  # rsaEncryption names no digest: the signer's digest algorithm applies
        return default


def _gen_time(info: tsp.TSTInfo) -> datetime.datetime:
    time = info["gen_time"].native
    if not isinstance(time, datetime.datetime) or time.tzinfo is None:
        raise TimestampError("the token states no time in UTC")
    return time.astimezone(datetime.UTC)


def _name(certificate: x509.Certificate) -> str:
    """Return "common name (organisation)" of a certificate's subject, as far as it has them."""
    subject = certificate.subject
    parts = [
        str(a.value)
        for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME)
        for a in subject.get_attributes_for_oid(oid)[:1]
    ]
    if len(parts) == 2 and parts[1] not in parts[0]:
        return f"{parts[0]} ({parts[1]})"
    return parts[0] if parts else subject.rfc4514_string()


def _check_timestamping_usage(certificate: x509.Certificate, authority: str) -> None:
    """RFC 3161 2.3: the signer's certificate has a critical extended key usage of
    timeStamping, so a certificate issued for anything else cannot sign timestamps."""
    try:
        usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        usage = None
    except MALFORMED as error:
        raise TimestampError(f"malformed certificate ({type(error).__name__}: {error})") from None
    if usage is None or ExtendedKeyUsageOID.TIME_STAMPING not in usage.value or not usage.critical:
        raise TimestampError(
            f"the certificate of {authority} is not for timestamping "
            "(no critical timeStamping extended key usage)"
        )


def _trusted_path(
    signer: x509.Certificate,
    carried: list[x509.Certificate],
    roots: Sequence[x509.Certificate],
    time: datetime.datetime,
) -> list[x509.Certificate]:
    """Return the chain from the signer to a trusted root (last), each valid at ``time``."""
    current, path = signer, [signer]
    for _ in range(MAX_CHAIN_CERTIFICATES):
        _check_valid_at(current, time)
        if current in roots:
            return path
        root = _issuer_among(current, roots)
        if root is not None:
            _check_can_issue(root, required=False)
            _check_valid_at(root, time)
            return [*path, root]
        issuer = _issuer_among(current, [c for c in carried if c != current])
        if issuer is None:
            raise TimestampError(
                f"the authority {_name(signer)} is not trusted: its certificate does not lead "
                "to a trusted root (name its root with --tsa-root if you trust it)"
            )
        _check_can_issue(issuer, required=True)
        current = issuer
        path.append(issuer)
    raise TimestampError("the authority's certificate chain is too long")


def _check_carried(
    carried: list[x509.Certificate], path: list[x509.Certificate], roots: Sequence[x509.Certificate]
) -> None:
    """Every certificate a token carries is intact: on the chain, or issued by one it carries
    or one trusted (a cross-signed root, say). A damaged spare copy is refused, not ignored."""
    for certificate in carried:
        if certificate not in path and _issuer_among(certificate, [*carried, *roots]) is None:
            raise TimestampError(
                f"the token carries a certificate ({_name(certificate)}) that nothing vouches for"
            )


def _issuer_among(
    certificate: x509.Certificate, candidates: Sequence[x509.Certificate]
) -> x509.Certificate | None:
    for candidate in candidates:
        if candidate.subject != certificate.issuer:
            continue
        try:
            certificate.verify_directly_issued_by(candidate)
        except (InvalidSignature, *MALFORMED):
            continue
        return candidate
    return None


def _check_can_issue(issuer: x509.Certificate, required: bool) -> None:
    """An issuer must be a CA allowed to sign certificates (a v1 root may say nothing)."""
    try:
        constraints = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    except MALFORMED as error:
        raise TimestampError(f"malformed certificate ({type(error).__name__}: {error})") from None
    if (constraints is None and required) or (constraints is not None and not constraints.ca):
        raise TimestampError(f"{_name(issuer)} is not a certificate authority")
    try:
        usage = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not usage.key_cert_sign:
        raise TimestampError(f"{_name(issuer)} may not sign certificates")


def _check_valid_at(certificate: x509.Certificate, time: datetime.datetime) -> None:
    start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    if not start <= time <= end:
        raise TimestampError(
            f"the token's time {time:%Y-%m-%d %H:%M:%S} UTC lies outside the validity of the "
            f"certificate of {_name(certificate)} ({start:%Y-%m-%d} to {end:%Y-%m-%d})"
        )
