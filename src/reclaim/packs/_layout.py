"""Names and formats inside a pack, shared by export and verification."""

EXHIBITS_FOLDER = "data/exhibits"
EXHIBITS = "exhibits.json"
INCIDENTS = "incidents.json"
CUSTODY_LOG = "custody/custody.jsonl"
PUBLIC_KEY = "custody/locker_ed25519.pub"
ALLOWED_SIGNERS = "allowed_signers"
TAG_MANIFEST = "tagmanifest-sha256.txt"
SIGNATURE = "tagmanifest-sha256.txt.sig"
SIGNER_IDENTITY = "reclaim-locker"
SIGNING_NAMESPACE = "reclaim-pack"
TIMESTAMPS_FOLDER = "timestamps"
PENDING = "pending.txt"
# Signed (listed in the tag manifest) before any pack timestamp is asked for: which token files
# the pack was made to carry, so removing one is seen. Lines: "tsa-1.tsr  URL".
REQUESTED = "timestamps/authorities.txt"
PAYLOAD_MANIFESTS = {"manifest-sha256.txt": "sha256", "manifest-sha512.txt": "sha512"}


def manifest_line(digest: str, path: str) -> str:
    """Return one manifest line in the form both BagIt and `sha256sum -c` read."""
    return f"{digest}  {path}\n"


def parse_manifest(text: str) -> list[tuple[str, str]]:
    """Return (digest, path) pairs from a manifest; raise ValueError on a malformed line."""
    pairs = []
    for line in text.splitlines():
        digest, _, path = line.partition("  ")
        if not digest or not path:
            raise ValueError(f"malformed manifest line: {line!r}")
        pairs.append((digest, path))
    return pairs


# Time anchors (see _anchors): the key's fingerprint and the items' batches, timestamped.
KEY_FINGERPRINT = "timestamps/key/fingerprint.txt"
KEY_ANCHORS_FOLDER = "timestamps/key"
ITEM_TIMESTAMPS_FOLDER = "timestamps/items"
ITEM_PROOFS = "timestamps/items/proofs.json"
