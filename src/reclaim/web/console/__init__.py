"""The helpline console: a helpline's caseworkers, supervisors and administrators (service mode).

Every read or change of case data goes through one door, ``cases.open_case`` (and its
siblings there), which checks the permission matrix (``permissions``) and appends an entry to
the hash-chained audit log (``audit``) in one transaction. Case content (what happened, the
contact) is sealed with the helpline's data key (``keys``), never stored in plaintext.
"""
