"""A security key in software, for the server-side WebAuthn tests: a P-256 key pair that
answers the console's challenges as an authenticator would (attestation "none")."""

import hashlib
import json
import os
from base64 import urlsafe_b64encode
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP_UV = 0x01 | 0x04  # user present, user verified
ATTESTED = 0x40  # attested credential data follows


def b64(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftKey:
    def __init__(self, counts: bool = True) -> None:
        self.counts = counts  # many passkeys keep their counter at 0
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.count = 0

    def _cose(self) -> bytes:
        numbers = self.private.public_key().public_numbers()
        x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: x, -3: y})

    def create(self, options: dict[str, Any], origin: str) -> str:
        """Answer registration ``options`` as made for ``origin``."""
        client = _client_data("webauthn.create", options["challenge"], origin)
        data = hashlib.sha256(options["rp"]["id"].encode()).digest()
        data += bytes([UP_UV | ATTESTED]) + self.count.to_bytes(4, "big") + bytes(16)
        data += len(self.credential_id).to_bytes(2, "big") + self.credential_id + self._cose()
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": data})
        response = {"clientDataJSON": b64(client), "attestationObject": b64(attestation)}
        return self._answer(response)

    def get(self, options: dict[str, Any], origin: str) -> str:
        """Answer sign-in ``options`` as made for ``origin``, the counter moved on by one."""
        self.count += 1 if self.counts else 0
        client = _client_data("webauthn.get", options["challenge"], origin)
        data = hashlib.sha256(options["rpId"].encode()).digest()
        data += bytes([UP_UV]) + self.count.to_bytes(4, "big")
        signature = self.private.sign(
            data + hashlib.sha256(client).digest(), ec.ECDSA(hashes.SHA256())
        )
        response = {
            "clientDataJSON": b64(client),
            "authenticatorData": b64(data),
            "signature": b64(signature),
        }
        return self._answer(response)

    def _answer(self, response: dict[str, str]) -> str:
        credential = b64(self.credential_id)
        return json.dumps(
            {
                "id": credential,
                "rawId": credential,
                "type": "public-key",
                "response": response,
                "clientExtensionResults": {},
            }
        )


def _client_data(kind: str, challenge: str, origin: str) -> bytes:
    return json.dumps({"type": kind, "challenge": challenge, "origin": origin}).encode()
