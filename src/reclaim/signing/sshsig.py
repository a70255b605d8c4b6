"""SSH signatures (OpenSSH's PROTOCOL.sshsig) with Ed25519, so that anyone can check a pack
with `ssh-keygen -Y verify`, which ships with Linux, macOS and Windows 10 and later."""

import base64
import hashlib
import struct

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from reclaim.errors import ReclaimError

MAGIC = b"SSHSIG"
VERSION = 1
HASH = "sha512"
KEY_TYPE = b"ssh-ed25519"
ARMOUR_BEGIN = "-----BEGIN SSH SIGNATURE-----"
ARMOUR_END = "-----END SSH SIGNATURE-----"


class SignatureError(ReclaimError):
    """An SSH signature is malformed or does not match the data and key."""


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _read_string(blob: bytes, offset: int) -> tuple[bytes, int]:
    if offset + 4 > len(blob):
        raise SignatureError("the signature is cut short")
    (length,) = struct.unpack(">I", blob[offset : offset + 4])
    end = offset + 4 + length
    if end > len(blob):
        raise SignatureError("the signature is cut short")
    return blob[offset + 4 : end], end


def public_key_blob(key: Ed25519PublicKey) -> bytes:
    """Return the key in SSH wire format."""
    return _string(KEY_TYPE) + _string(key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def openssh_public_key(key: Ed25519PublicKey, comment: str) -> str:
    """Return the key as one line of an authorized_keys or allowed_signers file."""
    return f"ssh-ed25519 {base64.b64encode(public_key_blob(key)).decode()} {comment}"


def fingerprint(key: Ed25519PublicKey) -> str:
    """Return the SHA256 fingerprint `ssh-keygen -l` prints for the key."""
    digest = hashlib.sha256(public_key_blob(key)).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def spoken_fingerprint(key: Ed25519PublicKey) -> str:
    """Return the fingerprint to read aloud: the first 32 hex digits of the same SHA-256.

    Eight groups of four, digits and a-f only, so nothing depends on upper or lower case;
    128 bits, so nobody can make another key that reads the same.
    """
    digits = hashlib.sha256(public_key_blob(key)).hexdigest()[:32]
    return " ".join(digits[i : i + 4] for i in range(0, 32, 4))


def _signed_data(namespace: str, message: bytes) -> bytes:
    return (
        MAGIC
        + _string(namespace.encode())
        + _string(b"")
        + _string(HASH.encode())
        + _string(hashlib.sha512(message).digest())
    )


def sign(key: Ed25519PrivateKey, namespace: str, message: bytes) -> str:
    """Return an armoured SSH signature of ``message`` in ``namespace``."""
    signature = key.sign(_signed_data(namespace, message))
    blob = (
        MAGIC
        + struct.pack(">I", VERSION)
        + _string(public_key_blob(key.public_key()))
        + _string(namespace.encode())
        + _string(b"")
        + _string(HASH.encode())
        + _string(_string(KEY_TYPE) + _string(signature))
    )
    text = base64.b64encode(blob).decode()
    lines = [text[i : i + 70] for i in range(0, len(text), 70)]
    return "\n".join([ARMOUR_BEGIN, *lines, ARMOUR_END]) + "\n"


def verify(armoured: str, namespace: str, message: bytes) -> Ed25519PublicKey:
    """Return the key that signed ``message``; raise SignatureError if the signature fails."""
    body = armoured.strip()
    if not (body.startswith(ARMOUR_BEGIN) and body.endswith(ARMOUR_END)):
        raise SignatureError("not an SSH signature")
    try:
        blob = base64.b64decode("".join(body.splitlines()[1:-1]), validate=True)
    except ValueError:
        raise SignatureError("the signature is not valid base64") from None
    if blob[:6] != MAGIC or blob[6:10] != struct.pack(">I", VERSION):
        raise SignatureError("not an SSHSIG version 1 signature")
    key_blob, offset = _read_string(blob, 10)
    signed_namespace, offset = _read_string(blob, offset)
    _, offset = _read_string(blob, offset)
    hash_name, offset = _read_string(blob, offset)
    signature_blob, offset = _read_string(blob, offset)
    if signed_namespace.decode() != namespace or hash_name.decode() != HASH:
        raise SignatureError("the signature was made for another purpose")
    key_type, key_offset = _read_string(key_blob, 0)
    raw_key, _ = _read_string(key_blob, key_offset)
    sig_type, sig_offset = _read_string(signature_blob, 0)
    raw_signature, _ = _read_string(signature_blob, sig_offset)
    if key_type != KEY_TYPE or sig_type != KEY_TYPE:
        raise SignatureError("only Ed25519 signatures are accepted")
    public_key = Ed25519PublicKey.from_public_bytes(raw_key)
    try:
        public_key.verify(raw_signature, _signed_data(namespace, message))
    except InvalidSignature:
        raise SignatureError("the signature does not match") from None
    return public_key
