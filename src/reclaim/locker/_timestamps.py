"""RFC 3161 trusted timestamps: an authority signs that a digest existed at a time.

Only the SHA-256 digest is sent, never content. Tokens are checked here (status, the digest
they cover, the nonce, and the authority's signature over them); checking the authority's
certificate against a trusted root is left to `openssl ts -verify` with the root the person
or court trusts, which the pack's VERIFY.md explains.
"""

import hashlib
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass

from asn1crypto import cms, tsp, x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from reclaim.errors import ReclaimError

TIMEOUT_SECONDS = 15
MAX_RESPONSE_BYTES = 1024 * 1024
_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


class TimestampError(ReclaimError):
    """A timestamp token is invalid, or covers other data than it should."""


class TimestampUnavailableError(TimestampError):
    """The authority could not be reached: the request waits ("timestamp pending")."""


@dataclass(frozen=True)
class Timestamp:
    """A checked token: who issued it, for which digest, and the time it states."""

    authority: str
    digest: str
    time: str
    response: bytes


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
    """Return the time a TimeStampResp states for ``data``; raise TimestampError if invalid."""
    try:
        parsed = tsp.TimeStampResp.load(response)
        if parsed["status"]["status"].native not in ("granted", "granted_with_mods"):
            raise TimestampError("the authority refused the request")
        signed = parsed["time_stamp_token"]["content"]
        info = signed["encap_content_info"]["content"].parsed
        imprint = info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        expected = hashlib.new(algorithm, data).digest()
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise TimestampError(f"not a timestamp token: {error}") from None
    if imprint["hashed_message"].native != expected:
        raise TimestampError("the token covers other data")
    if nonce is not None and info["nonce"].native != nonce:
        raise TimestampError("the token answers another request")
    _check_signature(signed)
    return str(info["gen_time"].native.isoformat())


def _check_signature(signed: cms.SignedData) -> None:
    signer = signed["signer_infos"][0]
    certificate = _signer_certificate(signed, signer)
    attributes = signer["signed_attrs"]
    algorithm = signer["digest_algorithm"]["algorithm"].native
    content = signed["encap_content_info"]["content"].contents
    digest = hashlib.new(algorithm, content).digest()
    stated = next(a for a in attributes if a["type"].native == "message_digest")["values"][0]
    if stated.native != digest:
        raise TimestampError("the token's signed digest does not match its content")
    message = b"\x31" + attributes.dump()[1:]  # signed over as a SET OF, not the [0] tag
    key = load_der_public_key(certificate.public_key.dump())
    signature = signer["signature"].native
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, message, padding.PKCS1v15(), _HASHES[algorithm])
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, message, ec.ECDSA(_HASHES[algorithm]))
        else:
            raise TimestampError("the authority's key type is not supported")
    except InvalidSignature:
        raise TimestampError("the authority's signature does not match") from None


def _signer_certificate(signed: cms.SignedData, signer: cms.SignerInfo) -> x509.Certificate:
    wanted = signer["sid"]
    for choice in signed["certificates"] or []:
        certificate = choice.chosen
        if wanted.name == "issuer_and_serial_number":
            sid = wanted.chosen
            if (
                certificate.issuer == sid["issuer"]
                and certificate.serial_number == sid["serial_number"].native
            ):
                return certificate
        elif certificate.key_identifier == wanted.chosen.native:
            return certificate
    raise TimestampError("the token does not carry the authority's certificate")
