"""The removal-request rules that live in the core: the first-look rule, what a request keeps
of a re-check, the case's picture hashes, and hosting reports kept with a request."""

import io
from pathlib import Path

import numpy as np
from PIL import Image

from reclaim.locker import Incident
from reclaim.notices import (
    AbuseContact,
    Check,
    HostingReport,
    Recheck,
    as_check,
    case_hashes,
    first_look,
)

from ..lockers import SHARED_PASSPHRASE, copy_locker


def seen(outcome: str, status: int | None = 200, matched: tuple[str, ...] = ()) -> Recheck:
    return Recheck(
        "https://site.example/p/1", "2026-11-24T10:00:00Z", outcome, status,
        "https://site.example/p/1", "ab" * 32, len(matched), matched, None, "Fastly", "",
    )  # fmt: skip


def picture(seed: int) -> bytes:
    """Generated noise, enlarged so that PDQ finds detail in it (never a photo of a person)."""
    noise = np.random.default_rng(seed).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(noise).resize((256, 256), Image.Resampling.BICUBIC).save(out, "PNG")
    return out.getvalue()


def test_the_first_look_at_a_page_nobody_fingerprinted_counts_as_present() -> None:
    assert first_look(seen("changed"), previous_digest="").outcome == "present"


def test_a_changed_page_stays_changed_once_it_was_fingerprinted() -> None:
    assert first_look(seen("changed"), previous_digest="cd" * 32).outcome == "changed"


def test_the_first_look_rule_leaves_other_outcomes_alone() -> None:
    for outcome in ("gone", "unreachable", "refused", "present"):
        assert first_look(seen(outcome, 404), previous_digest="").outcome == outcome


def test_a_request_keeps_the_outcome_proof_and_cdn_of_a_recheck() -> None:
    check = as_check(seen("gone", 410))
    assert check == Check("2026-11-24T10:00:00Z", "gone", 410, "ab" * 32, 0, True, "Fastly")


def test_a_request_counts_the_matching_images_of_a_recheck() -> None:
    check = as_check(seen("present", matched=("https://site.example/a.jpg",)))
    assert check.matched_images == 1 and not check.removal_confirmed


def test_case_hashes_are_the_incidents_pictures_once_each(tmp_path: Path) -> None:
    box, _ = copy_locker(tmp_path / "l", SHARED_PASSPHRASE)
    incident = box.add_incident(Incident("shared", "posted without asking")).id
    box.add(picture(1), "a.png", "image/png", incident=incident)
    box.add(picture(1), "again.png", "image/png", incident=incident)
    box.add(picture(2), "other.png", "image/png")
    box.add(b"not a picture", "notes.txt", "text/plain", incident=incident)
    mine = case_hashes(box, incident)
    assert len(mine) == 1
    assert set(mine) < set(case_hashes(box)) and len(case_hashes(box)) == 2


def test_case_hashes_leave_out_pictures_past_the_size_limit(tmp_path: Path) -> None:
    box, _ = copy_locker(tmp_path / "l", SHARED_PASSPHRASE)
    box.add(picture(1), "a.png", "image/png")
    assert case_hashes(box, max_bytes=100) == ()


def test_a_hosting_report_kept_with_a_request_reads_back_the_same() -> None:
    registrar = AbuseContact("registrar", "Example Registrar", "abuse@r.test", "+1", "https://r/")
    network = AbuseContact("network", "NET (Holder)", "abuse@n.test", "", "https://n/")
    report = HostingReport(
        "example.org", ("192.0.2.1",), registrar, (network,), "Cloudflare", ("a problem",)
    )
    assert HostingReport.from_record(report.record()) == report
    empty = HostingReport("", ("192.0.2.1",), None, (), "", ())
    assert HostingReport.from_record(empty.record()) == empty
