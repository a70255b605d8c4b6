"""A timestamp counts only if its authority leads to a root the reader trusts, was made for
timestamping and was valid at the time it states; and a pack cannot quietly lose one."""

import datetime
import shutil
from pathlib import Path

import pytest

from reclaim.cli import main
from reclaim.packs import FAIL, PASS, WARN, export_pack, verify_pack
from reclaim.signing.timestamps import TimestampError, load_roots, request_token, verify_token

from ..lockers import SHARED_PASSPHRASE, copy_locker
from .conftest import Authority
from .home_made_tsa import UTC, make_authority, make_token
from .test_timestamps import closed_port_url, make_pack

BACKDATED = datetime.datetime(2019, 3, 1, 9, 30, tzinfo=UTC)  # before any custody entry
TOKEN = "timestamp timestamps/tsa-1.tsr"


def statuses(pack: Path, roots: tuple[Path, ...] = ()) -> dict[str, str]:
    return {check.name: check.status for check in verify_pack(pack, roots)}


def test_home_made_digicert_fails_unless_its_root_is_named() -> None:
    forger = make_authority("DigiCert Timestamp 2025")
    token = make_token(forger, b"tag manifest", BACKDATED)
    with pytest.raises(TimestampError, match=r"DigiCert Timestamp 2025.* is not trusted"):
        verify_token(token, b"tag manifest", load_roots())
    result = verify_token(token, b"tag manifest", [forger.root, *load_roots()])
    assert result.time == BACKDATED and result.authority.startswith("DigiCert Timestamp 2025")


def test_forged_pack_timestamp_fails_verify_and_passes_only_with_its_root_named(
    authority: Authority, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = make_pack(tmp_path, (authority.url,))
    forger = make_authority("DigiCert Timestamp 2025")
    manifest = (pack / "tagmanifest-sha256.txt").read_bytes()
    (pack / "timestamps/tsa-1.tsr").write_bytes(make_token(forger, manifest, BACKDATED))
    assert main(["verify", str(pack)]) == 1
    assert f"FAIL  {TOKEN}: the authority DigiCert Timestamp 2025" in capsys.readouterr().out
    root = tmp_path / "forger-root.pem"
    root.write_bytes(forger.root_pem())
    assert main(["verify", str(pack), "--tsa-root", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"PASS  {TOKEN}: the tag manifest existed no later than 2019-03-01 09:30:00" in out
    assert "says DigiCert Timestamp 2025 (DigiCert, Inc.)" in out and "a root you named" in out


def test_real_authority_is_named_and_trusted_through_its_root(authority: Authority) -> None:
    token = request_token(authority.url, b"some data")
    with pytest.raises(TimestampError, match="not trusted"):
        verify_token(token.response, b"some data", load_roots())
    result = verify_token(token.response, b"some data", load_roots([authority.root]))
    assert result.authority == "Reclaim test timestamp authority"
    assert result.root == "Reclaim test root" and result.policy == "1.3.6.1.4.1.4146.2.3"


def test_certificate_not_made_for_timestamping_fails() -> None:
    signer = make_authority("Code Signing CA", timestamping=False)
    token = make_token(signer, b"data", BACKDATED)
    with pytest.raises(TimestampError, match="not for timestamping"):
        verify_token(token, b"data", [signer.root])


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime.datetime(2024, 1, 1, tzinfo=UTC), datetime.datetime(2030, 1, 1, tzinfo=UTC)),
        (datetime.datetime(2015, 1, 1, tzinfo=UTC), datetime.datetime(2019, 1, 1, tzinfo=UTC)),
    ],
)
def test_time_outside_the_certificates_validity_fails(
    start: datetime.datetime, end: datetime.datetime
) -> None:
    signer = make_authority(valid_from=start, valid_until=end)
    token = make_token(signer, b"data", BACKDATED)
    with pytest.raises(TimestampError, match="outside the validity"):
        verify_token(token, b"data", [signer.root])


def test_an_issuer_that_is_not_a_certificate_authority_fails() -> None:
    signer = make_authority(issuer_is_ca=False)
    with pytest.raises(TimestampError, match="not a certificate authority"):
        verify_token(make_token(signer, b"data", BACKDATED), b"data", [signer.root])


def test_an_intermediate_is_found_in_the_token_or_in_a_chain_file_the_reader_gives() -> None:
    signer = make_authority(intermediate=True)
    (intermediate,) = signer.intermediates
    carrying = make_token(signer, b"data", BACKDATED, carry=(intermediate,))
    assert verify_token(carrying, b"data", [signer.root]).root.startswith("DigiCert Assured")
    bare = make_token(signer, b"data", BACKDATED)
    with pytest.raises(TimestampError, match="not trusted"):
        verify_token(bare, b"data", [signer.root])
    assert verify_token(bare, b"data", [signer.root], [intermediate]).time == BACKDATED


def test_a_spare_certificate_must_be_vouched_for() -> None:
    signer = make_authority()
    spare = make_authority(intermediate=True).intermediates[0]  # issued by an unknown root
    token = make_token(signer, b"data", BACKDATED, carry=(spare,))
    with pytest.raises(TimestampError, match="nothing vouches for"):
        verify_token(token, b"data", [signer.root])
    assert verify_token(
        make_token(signer, b"data", BACKDATED, carry=(signer.root,)), b"data", [signer.root]
    )


def test_an_unreadable_root_file_is_a_fail_line(authority: Authority, tmp_path: Path) -> None:
    pack = make_pack(tmp_path, (authority.url,))
    checks = {c.name: c for c in verify_pack(pack, [tmp_path / "missing.pem"])}
    assert checks[TOKEN].status == FAIL and "missing.pem" in checks[TOKEN].detail


@pytest.mark.parametrize("removed", ["timestamps/tsa-1.tsr", "timestamps"])
def test_removing_a_pack_timestamp_is_a_fail(
    authority: Authority, tmp_path: Path, removed: str
) -> None:
    pack = make_pack(tmp_path, (authority.url,))
    assert statuses(pack, (authority.root,))[TOKEN] == PASS
    target = pack / removed
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    checks = {c.name: c for c in verify_pack(pack, [authority.root])}
    failed = [c for c in checks.values() if c.status == FAIL and c.name.startswith("timestamp")]
    assert failed, checks
    assert "removed" in failed[0].detail


def test_a_file_in_timestamps_that_nothing_accounts_for_fails(
    authority: Authority, tmp_path: Path
) -> None:
    pack = make_pack(tmp_path, (authority.url,))
    (pack / "timestamps/tsa-1.url").write_text("https://freetsa.example/tsr\n")
    assert statuses(pack, (authority.root,))["timestamps folder"] == FAIL


def test_a_pending_timestamp_is_completed_later_without_changing_anything_signed(
    authority: Authority, tmp_path: Path
) -> None:
    pack = make_pack(tmp_path, (closed_port_url(),))
    signed = {
        n: (pack / n).read_bytes() for n in ("tagmanifest-sha256.txt", "tagmanifest-sha256.txt.sig")
    }
    assert statuses(pack, (authority.root,))[TOKEN] == WARN
    assert main(["timestamp", str(pack)]) == 1  # the listed authority is still offline
    assert (pack / "timestamps/pending.txt").exists()
    assert main(["timestamp", str(pack), "--timestamp-authority", authority.url]) == 0
    assert not (pack / "timestamps/pending.txt").exists()
    assert {n: (pack / n).read_bytes() for n in signed} == signed
    checks = statuses(pack, (authority.root,))
    assert checks[TOKEN] == PASS and FAIL not in checks.values()


def test_custody_log_timestamps_travel_in_the_pack_and_cannot_be_dropped(
    authority: Authority, tmp_path: Path
) -> None:
    box, _ = copy_locker(tmp_path / "locker", SHARED_PASSPHRASE)  # the session's template
    box.add(b"evidence", "a.txt", "text/plain")
    box.timestamp_log_head((authority.url,))
    recorded = box.custody()[-1].seq
    pack = export_pack(box, tmp_path / "pack", "JS", "Log stamped")
    name = f"timestamp timestamps/custody-{recorded}.tsr"
    checks = {c.name: c for c in verify_pack(pack, [authority.root])}
    assert checks[name].status == PASS, checks[name]
    assert checks[name].detail.startswith(f"the custody log up to entry {recorded - 1} existed")
    (pack / f"timestamps/custody-{recorded}.tsr").unlink()
    assert statuses(pack, (authority.root,))[name] == FAIL
