"""The audit log page: supervisors only, filters, whether the chain verifies, CSV export."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase

from reclaim.web.console import audit
from reclaim.web.console.models import AuditEntry, CaseDeletion, Helpline, StaffMember
from reclaim.web.console.tasks import delete_expired_cases

from .fixtures import case, days, helpline, member, signed_in


def _csv(response: HttpResponseBase) -> list[dict[str, str]]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode()  # type: ignore[arg-type]
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def line() -> Helpline:
    return helpline("a", "Helpline A")


def _log(line: Helpline, kim: StaffMember, lee: StaffMember) -> None:
    one, two = case(line, "2026-000001"), case(line, "2026-000002")
    audit.append(line, kim, "open case", one.pk, detail={"addresses": "1"})
    audit.append(line, lee, "view case", two.pk)
    audit.append(line, kim, "write notes", two.pk, detail={"event": "=HYPERLINK(1)"})


@pytest.mark.parametrize(
    ("roles", "status"),
    [(("supervisor",), 200), (("caseworker",), 403), (("administrator",), 403)],
)
def test_only_supervisors_read_the_audit_log(
    line: Helpline, roles: tuple[str, ...], status: int
) -> None:
    client = signed_in(member(line, "someone", *roles))
    assert client.get("/console/audit/").status_code == status
    assert client.get("/console/audit/export/").status_code == status


def test_the_page_shows_the_helplines_entries_and_that_the_chain_verifies(line: Helpline) -> None:
    kim, lee = member(line, "kim", "caseworker"), member(line, "lee", "caseworker")
    _log(line, kim, lee)
    other = helpline("b", "Helpline B")
    audit.append(other, member(other, "bob", "caseworker"), "secret other action")
    page = signed_in(member(line, "sam", "supervisor")).get("/console/audit/")
    text = page.content.decode()
    assert "The chain verifies" in text
    assert "2026-000001" in text and "2026-000002" in text
    assert "secret other action" not in text  # another helpline's log is not shown


def test_a_changed_entry_shows_the_chain_does_not_verify(line: Helpline) -> None:
    kim, lee = member(line, "kim", "caseworker"), member(line, "lee", "caseworker")
    _log(line, kim, lee)
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:  # bypassing the append-only model, as an attacker would
        change = f"UPDATE {table} SET action = %s WHERE seq = %s"  # noqa: S608  # our table name
        cursor.execute(change, ["read notes", 3])
    text = signed_in(member(line, "sam", "supervisor")).get("/console/audit/").content.decode()
    assert "The chain does not verify" in text
    assert "Entry 3: changed after it was written" in text


def test_filters_by_member_case_action_and_date(line: Helpline) -> None:
    kim, lee = member(line, "kim", "caseworker"), member(line, "lee", "caseworker")
    _log(line, kim, lee)
    client = signed_in(member(line, "sam", "supervisor"))

    def actions(query: str) -> list[str]:
        rows = _csv(client.get(f"/console/audit/export/?{query}"))
        return [row["action"] for row in rows if row["action"] != "read audit log"]

    assert actions(f"member={kim.pk}") == ["open case", "write notes"]
    assert actions("case=2026-000002") == ["view case", "write notes"]
    assert actions("action=view+case") == ["view case"]
    today = datetime.date.today().isoformat()
    assert actions(f"since={today}&until={today}") == ["open case", "view case", "write notes"]
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    assert actions(f"since={tomorrow}") == []
    page = client.get(f"/console/audit/?member={lee.pk}").content.decode()
    assert "<td>view a case</td>" in page and "<td>open a case</td>" not in page  # in words


def test_a_deleted_cases_entries_are_found_by_its_number(line: Helpline) -> None:
    kim = member(line, "kim", "caseworker")
    gone = case(
        line, "2025-000009", status="closed", closed_at=days(-400), retention_until=days(-1)
    )
    audit.append(line, kim, "open case", gone.pk)
    assert delete_expired_cases.call() == 1
    assert CaseDeletion.objects.filter(number="2025-000009").exists()
    client = signed_in(member(line, "sam", "supervisor"))
    rows = _csv(client.get("/console/audit/export/?case=2025-000009"))
    assert [(r["action"], r["case"]) for r in rows] == [
        ("open case", "2025-000009"),
        ("delete case", "2025-000009"),
    ]
    assert rows[1]["member"] == ""


def test_the_export_is_csv_safe_for_spreadsheets_and_is_itself_logged(line: Helpline) -> None:
    kim, lee = member(line, "kim", "caseworker"), member(line, "lee", "caseworker")
    _log(line, kim, lee)
    sam = member(line, "sam", "supervisor")
    response = signed_in(sam).get("/console/audit/export/")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "no-store"
    rows = _csv(response)
    assert [row["seq"] for row in rows] == ["1", "2", "3", "4"]  # the export's own entry is 4
    assert rows[3]["action"] == "read audit log" and rows[3]["member"] == "sam"
    assert rows[2]["detail"].startswith('{"event"')  # JSON, which no spreadsheet runs
    assert all(not cell.startswith("=") for row in rows for cell in row.values())
    assert audit.verify(line) == []
