"""The audit page verifies only the entries since its sealed checkpoint; "Verify the whole
chain" walks them all. A change before the checkpoint is found by the whole verification, a
change after it by the page, and a moved or rewritten checkpoint by either."""

from django.db import connection
from django.test import Client

from reclaim.web.console import audit, checkpoints
from reclaim.web.console.models import AuditEntry, Helpline, StaffMember

from .fixtures import case, helpline, member, signed_in


def _sql(statement: str, *params: object) -> None:
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:  # bypassing the append-only model, as an attacker would
        cursor.execute(statement.format(table=table), params)


def _entries(line: Helpline, by: StaffMember, n: int) -> None:
    item = case(line, f"2026-{AuditEntry.objects.count():06d}")
    for _ in range(n):
        audit.append(line, by, "view case", item.pk)


def _page(client: Client) -> str:
    return client.get("/console/audit/").content.decode()


def test_a_change_before_the_checkpoint_is_found_by_the_whole_chain_only() -> None:
    line = helpline()
    sam = member(line, "sam", "supervisor")
    _entries(line, sam, 5)
    client = signed_in(sam)
    assert "The chain verifies" in _page(client)  # entries 1 to 6 (its own) verified
    assert checkpoints.read(line) == checkpoints.Checkpoint(6, line_head(line))

    _sql("UPDATE {table} SET action = %s WHERE seq = %s", "read notes", 2)
    text = _page(client)
    assert "The chain verifies: entries 7 to 7 were checked now" in text, "before: not re-read"
    whole = client.post("/console/audit/verify/").content.decode()
    assert "The chain does not verify" in whole
    assert "Entry 2: changed after it was written" in whole
    assert checkpoints.read(line) == checkpoints.Checkpoint(7, audit_digest(7))


def test_a_change_after_the_checkpoint_is_found_by_the_page() -> None:
    line = helpline()
    sam = member(line, "sam", "supervisor")
    _entries(line, sam, 3)
    client = signed_in(sam)
    _page(client)  # checkpoint at 4
    _entries(line, sam, 3)  # 5 to 7
    _sql("UPDATE {table} SET target = %s WHERE seq = %s", "elsewhere", 6)
    text = _page(client)
    assert "Entry 6: changed after it was written" in text
    assert checkpoints.read(line) == checkpoints.Checkpoint(4, audit_digest(4)), "not moved on"
    assert "Entry 6: changed" in _page(client), "found again on the next visit"


def test_a_changed_checkpoint_or_its_entry_is_found_and_the_whole_chain_walked() -> None:
    line = helpline()
    sam = member(line, "sam", "supervisor")
    _entries(line, sam, 3)
    checkpoints.verify_recent(line)
    forged = checkpoints.read(line)
    assert forged is not None
    Helpline.objects.filter(pk=line.pk).update(audit_checkpoint=b"moved on by someone")
    found = checkpoints.verify_recent(line)
    assert [b.reason for b in found.breaks] == ["the verified checkpoint was changed"]
    assert found.after == 0, "the whole chain was walked"

    checkpoints.keep(line, forged)
    # Entry 3 rewritten with a fresh digest, and the head moved to match: the chain after it
    # holds, but the checkpoint's sealed digest names the entry as it was.
    _sql("UPDATE {table} SET action = %s WHERE seq = %s", "read notes", 3)
    entry = AuditEntry.objects.get(helpline=line, seq=3)
    _sql("UPDATE {table} SET digest = %s WHERE seq = %s", audit.digest_of(entry), 3)
    Helpline.objects.filter(pk=line.pk).update(audit_head=audit.digest_of(entry))
    found = checkpoints.verify_recent(line)
    assert found.breaks[0].reason == "the entry of the verified checkpoint was changed or removed"


def test_only_supervisors_verify_the_whole_chain() -> None:
    line = helpline()
    for roles in (("caseworker",), ("administrator",)):
        person = member(line, "-".join(roles), *roles)
        assert signed_in(person).post("/console/audit/verify/").status_code == 403
    assert (
        signed_in(member(line, "sam", "supervisor")).get("/console/audit/verify/").status_code
        == 405
    )


def line_head(line: Helpline) -> str:
    return Helpline.objects.get(pk=line.pk).audit_head


def audit_digest(seq: int) -> str:
    return AuditEntry.objects.get(seq=seq).digest
