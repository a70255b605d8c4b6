"""Sign a WACZ as the WACZ signing specification (wacz-auth 0.1.0) describes, in its anonymous
form: ``datapackage-digest.json`` holds the SHA-256 of ``datapackage.json`` and ``signedData``
with an ECDSA signature and the public key.

Why a key of its own, made for each capture: the specification allows ECDSA only (the locker's
key is Ed25519), and the capture worker never holds the locker's key (it seals what it captured
to the locker's inbox). So the worker signs with a fresh P-256 key and forgets the private half;
the public key goes into the capture's metadata and the item's details, and the locker's signed
custody entry for the item records it when the capture is accepted: that entry is the locker's
countersignature. The anonymous form may carry no other property, so the timestamp of a capture
is the locker's (the digests of items are timestamped as they arrive), not inside the WACZ.

Signature: ECDSA P-256 with SHA-256 over the UTF-8 bytes of the ``hash`` string
("sha256:<hex>"), DER-encoded then base64; ``publicKey`` is the DER SubjectPublicKeyInfo in
base64. By hand: ``openssl dgst -sha256 -verify key.pem -signature sig.der hash.txt``.
"""

import base64
import hashlib
import json
import os
import zipfile
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from reclaim import __version__
from reclaim.capture._errors import CaptureError

DIGEST_FILE = "datapackage-digest.json"
PACKAGE_FILE = "datapackage.json"
SPEC_VERSION = "0.1.0"
ALGORITHM = "ECDSA P-256 with SHA-256 (WACZ signing 0.1.0, anonymous signature)"


class WaczSignatureError(CaptureError):
    """A WACZ's signature is missing, malformed or does not match its datapackage.json."""


def sign_wacz(path: Path) -> str:
    """Sign the WACZ at ``path`` in place with a new key; return the public key (base64 DER)."""
    with zipfile.ZipFile(path) as archive:
        package = archive.read(PACKAGE_FILE)
    digest = "sha256:" + hashlib.sha256(package).hexdigest()
    key = ec.generate_private_key(ec.SECP256R1())
    public = _b64(
        key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    signed = {
        "hash": digest,
        "created": json.loads(package)["created"],  # `wacz validate` requires the same value
        "software": f"Reclaim {__version__}",
        "version": SPEC_VERSION,
        "signature": _b64(key.sign(digest.encode(), ec.ECDSA(hashes.SHA256()))),
        "publicKey": public,
    }
    document = {"path": PACKAGE_FILE, "hash": digest, "signedData": signed}
    _replace_member(path, DIGEST_FILE, json.dumps(document, indent=2).encode())
    return public


def verify_wacz(path: Path) -> str:
    """Return the public key a WACZ is signed with; raise WaczSignatureError if it is not."""
    try:
        with zipfile.ZipFile(path) as archive:
            package = archive.read(PACKAGE_FILE)
            document = json.loads(archive.read(DIGEST_FILE))
        signed = document["signedData"]
        digest = "sha256:" + hashlib.sha256(package).hexdigest()
        if document["hash"] != digest or signed["hash"] != digest:
            raise WaczSignatureError("datapackage.json does not match its signed digest")
        key = serialization.load_der_public_key(base64.b64decode(signed["publicKey"]))
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise WaczSignatureError("the WACZ's public key is not an ECDSA key")
        key.verify(
            base64.b64decode(signed["signature"]), digest.encode(), ec.ECDSA(hashes.SHA256())
        )
    except WaczSignatureError:
        raise
    except InvalidSignature:
        raise WaczSignatureError("the WACZ's signature does not verify") from None
    except (OSError, KeyError, TypeError, ValueError, zipfile.BadZipFile) as error:
        raise WaczSignatureError(f"the WACZ's signature could not be read: {error}") from None
    return str(signed["publicKey"])


def _replace_member(path: Path, name: str, data: bytes) -> None:
    """Rewrite the zip at ``path`` with member ``name`` replaced (others copied as they are)."""
    temporary = path.with_name(f".{path.name}.tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(temporary, "w") as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info), compress_type=info.compress_type)
        target.writestr(zipfile.ZipInfo(name, date_time=_stamp(source, name)), data)
    os.replace(temporary, path)


def _stamp(source: zipfile.ZipFile, name: str) -> tuple[int, int, int, int, int, int]:
    try:
        return source.getinfo(name).date_time
    except KeyError:
        return source.getinfo(PACKAGE_FILE).date_time


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
