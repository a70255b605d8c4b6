"""The console's rows: case numbers per helpline, one address per case, sealed content,
deactivation keeping history, and the audit chain that notices a changed or removed entry."""

import itertools

import pytest
from django.db import IntegrityError, connection, transaction

from reclaim.locker import SealError
from reclaim.web.console import audit, keys
from reclaim.web.console.models import AppendOnlyError, AuditEntry, Helpline

from .fixtures import HELPLINE_SECRET, address, case, helpline, member


def test_a_case_number_is_unique_within_a_helpline_only() -> None:
    one, two = helpline("one"), helpline("two")
    case(one, "2026-000001")
    case(two, "2026-000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        case(one, "2026-000001")


def test_an_address_is_kept_once_per_case() -> None:
    line = helpline()
    first, second = case(line, "2026-000001"), case(line, "2026-000002")
    address(first, "https://example.com/a")
    address(second, "https://example.com/a")
    with pytest.raises(IntegrityError), transaction.atomic():
        address(first, "https://example.com/a")


def test_the_database_holds_no_plaintext_of_a_summary_or_contact() -> None:
    line = helpline()
    summary = "Shared by an ex-partner on 3 March, on two sites"
    made = case(line, "2026-000001", sealed_summary=keys.seal_text(line, summary))
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM console_case")
        rows = repr(cursor.fetchall())
        cursor.execute("SELECT * FROM console_helpline")
        rows += repr(cursor.fetchall())
    assert "ex-partner" not in rows and "07700" not in rows
    assert summary.encode().hex() not in rows
    made.refresh_from_db()
    assert keys.unseal_text(line, made.sealed_summary) == summary


def test_one_helpline_cannot_open_anothers_content() -> None:
    one, two = helpline("one"), helpline("two")
    sealed = keys.seal_text(one, "what happened")
    with pytest.raises(SealError):
        keys.unseal_text(two, sealed)
    two.sealed_key = one.sealed_key  # one's wrapped key pasted into two's row does not open
    with pytest.raises(SealError):
        keys.unseal_text(two, sealed)


def test_a_changed_server_secret_opens_nothing(settings: object) -> None:
    line = helpline()
    sealed = keys.seal_text(line, "what happened")
    settings.HELPLINE_SECRET = HELPLINE_SECRET[::-1]  # type: ignore[attr-defined]
    with pytest.raises(SealError):
        keys.unseal_text(line, sealed)


def test_each_helpline_has_an_age_identity_matching_its_public_recipient() -> None:
    import pyrage

    line = helpline()
    sealed = pyrage.encrypt(b"a referral", [pyrage.x25519.Recipient.from_str(line.recipient)])
    assert pyrage.decrypt(sealed, [keys.identity(line)]) == b"a referral"
    assert b"AGE-SECRET-KEY" not in bytes(Helpline.objects.get().sealed_identity)


def test_a_deactivated_member_holds_no_role_and_keeps_their_history() -> None:
    line = helpline()
    person = member(line, "sam", "caseworker", "supervisor")
    assert person.roles == {"caseworker", "supervisor"}
    audit.append(line, person, "case.view", case_id=1)
    person.active = False
    person.save()
    assert person.roles == frozenset()
    assert AuditEntry.objects.get().member == person


# The audit chain ---------------------------------------------------------------------------


def chain(n: int = 4) -> Helpline:
    line = helpline()
    person = member(line, "sam", "caseworker")
    for number in range(n):
        audit.append(line, person, "case.view", case_id=number, detail={"n": str(number)})
    return line


def test_a_whole_chain_verifies_and_entries_are_numbered_in_order() -> None:
    line = chain()
    assert audit.verify(line) == []
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert entries[0].prev == audit.GENESIS
    assert all(b.prev == a.digest for a, b in itertools.pairwise(entries))


def test_audit_entries_cannot_be_changed_or_deleted_through_the_models() -> None:
    chain(1)
    entry = AuditEntry.objects.get()
    entry.action = "nothing happened"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(seq=1).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def _sql(statement: str, *params: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_a_changed_entry_is_found() -> None:
    line = chain()
    _sql("UPDATE console_auditentry SET action = %s WHERE seq = 2", "case.edit")
    assert [b.seq for b in audit.verify(line)] == [2]


def test_a_removed_entry_is_found() -> None:
    line = chain()
    _sql("DELETE FROM console_auditentry WHERE seq = 2")
    assert audit.verify(line)[0].seq == 2


def test_a_removed_last_entry_is_found() -> None:
    line = chain()
    _sql("DELETE FROM console_auditentry WHERE seq = 4")
    assert [b.reason for b in audit.verify(line)] == ["the last entries are missing"]


def test_a_rewritten_entry_with_a_fresh_digest_breaks_the_next_link() -> None:
    line = chain()
    entry = AuditEntry.objects.get(seq=2)
    entry.detail = {"n": "forged"}
    _sql(
        "UPDATE console_auditentry SET detail = %s, digest = %s WHERE seq = 2",
        '{"n": "forged"}',
        audit.digest_of(entry),
    )
    assert [b.seq for b in audit.verify(line)] == [3]
