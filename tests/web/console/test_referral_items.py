"""A received referral is kept in parts, so that showing one picture reads that item alone:
the manifest and one item's row, never the other items (measured in queries, in items
decrypted and in the memory the view takes); a row changed since it arrived is not shown;
the migration cuts referrals kept whole before into parts, and puts them back when reversed."""

import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from reclaim.referrals import SharedItem, join_container
from reclaim.web.console import referrals
from reclaim.web.console.models import Case, Helpline, Referral, ReferralContent, ReferralItem

from .fixtures import member, signed_in
from .referral_files import Made, make
from .test_referrals import post

FILE_BYTES = 3 * 1024 * 1024  # each of three files; the picture is about 0.5 MB
FILES = 3
ITEM_TABLE = ReferralItem._meta.db_table


@pytest.fixture
def large(tmp_path: Path, line: Helpline) -> Made:
    """A referral with a picture, a message and three 3 MB files (random: they do not shrink)."""
    random = [os.urandom(FILE_BYTES) for _ in range(FILES)]
    return make(tmp_path, line, files=random)


def _received(line: Helpline, made: Made) -> Case:
    assert post(line, made.body).status_code == 201
    return Case.objects.get(pk=Referral.objects.get(referral_id=made.shared.id).case_id)


def _item_queries(queries: list[dict[str, Any]]) -> list[str]:
    return [query["sql"] for query in queries if ITEM_TABLE in query["sql"]]


def test_a_picture_view_reads_and_decrypts_its_item_alone(
    line: Helpline, large: Made, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _received(line, large)
    assert ReferralItem.objects.filter(content__case=case).count() == 2 + FILES
    worker = signed_in(member(line, "kim", "caseworker"))
    picture = f"/console/cases/{case.number}/shared/{large.picture}/picture/"
    decrypted: list[str] = []
    real = referrals.read_sealed_item

    def counted(item: SharedItem, sealed: bytes) -> Iterator[bytes]:
        decrypted.append(item.id)
        return real(item, sealed)

    monkeypatch.setattr(referrals, "read_sealed_item", counted)
    with CaptureQueriesContext(connection) as queries:
        assert worker.get(picture).status_code == 200
    assert decrypted == [large.picture], "one item decrypted: the picture"
    [read] = _item_queries(queries.captured_queries)
    assert read.lstrip().upper().startswith("SELECT") and "position" in read
    assert "LIMIT 1" in read.upper(), "one row, by its place in the manifest"

    # Memory: the whole referral is more than 9 MB; the view takes less than one file's worth.
    assert len(large.body) > FILES * FILE_BYTES
    tracemalloc.start()
    try:
        assert worker.get(picture).status_code == 200
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < FILE_BYTES, f"the picture view took {peak} bytes"


def test_the_shared_page_and_a_reveal_read_no_item(line: Helpline, large: Made) -> None:
    case = _received(line, large)
    worker = signed_in(member(line, "kim", "caseworker"))
    base = f"/console/cases/{case.number}/shared/"
    with CaptureQueriesContext(connection) as queries:
        page = worker.get(base)
        revealed = worker.post(f"{base}{large.picture}/reveal/")
    assert page.status_code == 200 and "file-2.bin" in page.content.decode()
    assert revealed.status_code == 302
    assert _item_queries(queries.captured_queries) == [], "the manifest alone says what is there"


def test_an_item_row_changed_after_it_arrived_is_not_shown(
    line: Helpline, large: Made, caplog: pytest.LogCaptureFixture
) -> None:
    case = _received(line, large)
    row = ReferralItem.objects.get(content__case=case, position=0)  # the picture
    changed = bytearray(row.sealed)
    changed[-40] ^= 1
    ReferralItem.objects.filter(pk=row.pk).update(sealed=bytes(changed))
    worker = signed_in(member(line, "kim", "caseworker"))
    picture = f"/console/cases/{case.number}/shared/{large.picture}/picture/"
    assert worker.get(picture).status_code == 404
    assert "does not check" in caplog.text
    swapped = ReferralItem.objects.get(content__case=case, position=2).sealed
    ReferralItem.objects.filter(pk=row.pk).update(sealed=swapped)
    assert worker.get(picture).status_code == 404, "another item's blob in its place"


# The migration: containers kept whole before are cut into parts -----------------------------


def _migration_around() -> tuple[tuple[str, str], tuple[str, str]]:
    """Return the migration that keeps items apart and the one before it (names may change)."""
    loader = MigrationExecutor(connection).loader
    [key] = [key for key in loader.disk_migrations if key[1].endswith("referral_items_apart")]
    [before] = [d for d in loader.disk_migrations[key].dependencies if d[0] == "console"]
    return before, key


def _parts(content: ReferralContent) -> tuple[bytes, list[bytes]]:
    items = ReferralItem.objects.filter(content=content).order_by("position")
    return bytes(content.sealed_manifest), [
        bytes(b) for b in items.values_list("sealed", flat=True)
    ]


def test_the_migration_cuts_kept_containers_into_parts_and_back(
    tmp_path: Path, line: Helpline, transactional_db: None
) -> None:
    made = make(tmp_path / "a", line)
    case = _received(line, made)
    child = make(tmp_path / "b", line, under_18=True)  # kept whole, with no media: a message
    child_case = _received(line, child)
    before_parts = _parts(ReferralContent.objects.get(case=case))
    before, _key = _migration_around()
    try:
        MigrationExecutor(connection).migrate([before])
        with connection.cursor() as cursor:
            cursor.execute("SELECT case_id, container FROM console_referralcontent")
            whole = {case_id: bytes(data) for case_id, data in cursor.fetchall()}
        assert whole == {case.pk: made.body, child_case.pk: child.body}, "as received"
    finally:  # forward again to the newest migrations, this one and any after it
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert _parts(ReferralContent.objects.get(case=case)) == before_parts
    manifest, items = _parts(ReferralContent.objects.get(case=child_case))
    assert join_container(manifest, items) == child.body and len(items) == 1
    worker = signed_in(member(line, "kim", "caseworker"))
    picture = f"/console/cases/{case.number}/shared/{made.picture}/picture/"
    assert worker.get(picture).status_code == 200, "a migrated referral shows its picture"
