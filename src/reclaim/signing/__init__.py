"""Signatures and trusted timestamps, for the locker and for the packs it exports.

- ``reclaim.signing.sshsig``: SSH signatures (OpenSSH's PROTOCOL.sshsig) with Ed25519, and
  key fingerprints, so anyone can check a pack with `ssh-keygen -Y verify`.
- ``reclaim.signing.timestamps``: RFC 3161 timestamps: asking an authority, checking a token.
- ``reclaim.signing.merkle``: the RFC 6962 Merkle tree that lets one token cover many items.

Each module is public: its names are short (``sign``, ``verify``) and read best qualified.
"""
