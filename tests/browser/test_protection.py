"""Protection in a real Chromium: pictures hashed in the page, only hashes sent, a case number
and PIN shown once; the pages accessible (axe) in English and Arabic."""

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, Request, expect

from .test_accessibility import AXE_OPTIONS
from .test_locker import axe


def test_only_hashes_leave_the_browser(page: Page, site: str, tmp_path: Path) -> None:
    folder = tmp_path
    noise = np.random.default_rng(8).integers(0, 255, (48, 48, 3), dtype=np.uint8)
    picture = folder / "generated-picture.png"
    Image.fromarray(noise).resize((256, 256), Image.Resampling.BICUBIC).save(picture)
    sent: list[bytes] = []

    def note(request: Request) -> None:
        assert request.url.startswith(site), "nothing goes to another site"
        if request.post_data_buffer:
            sent.append(request.post_data_buffer)

    page.on("request", note)
    page.goto(site + "/en/protect/")
    for name in ("is_subject", "is_intimate", "was_adult"):
        page.locator(f"input[name={name}][value=yes]").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Choose pictures or videos").set_input_files(str(picture))
    hashes = page.get_by_label("The hashes that will be sent")
    expect(hashes).to_have_value(re.compile(r"^ImagePDQ [0-9a-f]{64} \d+$"))
    page.get_by_role("button", name="Review what will be sent").click()
    expect(page.get_by_role("heading", name="Check what will be sent")).to_be_visible()
    page.get_by_role("button", name="Send the hashes").click()
    expect(page.get_by_role("heading", name="Your case number and PIN")).to_be_visible()
    image = picture.read_bytes()
    assert sent and all(
        image[:64] not in body and b"generated-picture" not in body for body in sent
    )


@pytest.mark.parametrize("code", ["en", "ar"])
def test_protection_pages_have_no_accessibility_violations(
    page: Page, site: str, code: str
) -> None:
    for path in ("/protect/", "/protect/case/"):
        page.goto(f"{site}/{code}{path}")
        results = axe.run(page, options=AXE_OPTIONS)
        assert results.violations_count == 0, path + "\n" + results.generate_report()
    page.goto(f"{site}/{code}/protect/")
    for name in ("is_subject", "is_intimate", "was_adult"):
        page.locator(f"input[name={name}][value=yes]").check()
    page.locator("main form button[type=submit]").click()
    page.locator("[data-hasher]:not([hidden])").wait_for()
    results = axe.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, "hash page\n" + results.generate_report()
