"""The browser hasher in a real Chromium: the JavaScript PDQ gives exactly the Python hash on
the same pixels; on image files it stays within Meta's tolerance of the C++ reference; the
MD5 of a video is exact; and not one byte of a file crosses the network."""

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page

from reclaim.hashing import pdq_from_pixels

from ..core.test_hashing import write_video
from ..hashing_corpus import PHOTOS, encode, photo, reference, variants
from .conftest import requests_made

META_FILE_TOLERANCE_BITS = 10
HIGH_QUALITY = 80


@pytest.fixture(scope="session")
def _hashing_tab(optimizing_browser: Browser) -> Iterator[Page]:
    context = optimizing_browser.new_context()
    yield context.new_page()
    context.close()


@pytest.fixture
def hasher(_hashing_tab: Page, site: str) -> Iterator[Page]:
    """The hashing page, freshly loaded in the worker's tab for hashing: one page in a browser
    with all of V8's compilers, whose PDQ is a long computation (see conftest.py)."""
    _hashing_tab.goto(site + "/en/hashing/")
    _hashing_tab.locator("[data-hasher]:not([hidden])").wait_for()  # the scripts have run
    yield _hashing_tab
    _hashing_tab.context.clear_cookies()  # the hashing page's scripts store nothing else


PIXELS_INPUT = "test-pixels"  # a file input of the test's own, beside the hasher's


def js_hash(page: Page, pixels: np.ndarray, path: Path) -> dict[str, object]:
    """Hash H x W x 3 pixels with the page's PDQ, given them as the canvas gives them (RGBA).

    The RGB bytes reach the browser as the file ``path``, chosen in a file input the test adds
    (the browser reads it from disk; sent as text through Playwright's pipes, they took most
    of the time), and the page adds the opaque alpha a canvas of a photo has.
    """
    height, width = pixels.shape[:2]
    path.write_bytes(np.ascontiguousarray(pixels).tobytes())
    page.evaluate(
        """id => document.getElementById(id) || document.body.append(
            Object.assign(document.createElement("input"), {type: "file", id, hidden: true}))""",
        PIXELS_INPUT,
    )
    page.set_input_files(f"#{PIXELS_INPUT}", path)
    return dict(
        page.evaluate(
            """async ([id, width, height]) => {
                const file = document.getElementById(id).files[0];
                const rgb = new Uint8Array(await file.arrayBuffer());
                const bytes = new Uint8ClampedArray(width * height * 4);
                for (let pixel = 0; pixel < width * height; pixel++) {
                    bytes[pixel * 4] = rgb[pixel * 3];
                    bytes[pixel * 4 + 1] = rgb[pixel * 3 + 1];
                    bytes[pixel * 4 + 2] = rgb[pixel * 3 + 2];
                    bytes[pixel * 4 + 3] = 255;
                }
                return window.ReclaimPdq.hashPixels(bytes, width, height);
            }""",
            [PIXELS_INPUT, width, height],
        )
    )


@pytest.mark.parametrize("name", PHOTOS[:8])
def test_javascript_pdq_is_exactly_the_python_hash_on_the_same_pixels(
    hasher: Page, name: str, tmp_path: Path
) -> None:
    for variant, pixels in variants(name).items():
        expected = pdq_from_pixels(pixels)
        found = js_hash(hasher, pixels, tmp_path / f"{variant}.rgb")
        assert found == {"hash": expected.hash.hex, "quality": expected.quality}, variant


def test_javascript_pdq_of_a_tiny_image_is_zero(hasher: Page, tmp_path: Path) -> None:
    tiny = np.zeros((4, 40, 3), dtype=np.uint8)
    assert js_hash(hasher, tiny, tmp_path / "tiny.rgb") == {"hash": "0" * 64, "quality": 0}


def hash_files(page: Page, paths: list[Path]) -> dict[str, dict[str, str]]:
    page.get_by_label("Choose pictures or videos").set_input_files([str(p) for p in paths])
    page.locator(f"[data-hasher-results][data-done='{len(paths)}']").wait_for(timeout=60_000)
    items = page.locator(".hasher-results li")
    return {
        paths[n].name: dict(items.nth(n).evaluate("item => Object.assign({}, item.dataset)"))
        for n in range(len(paths))
    }


# Pillow's fastest settings: the files decode the same way, and writing 45 of them at the
# default settings took longer than hashing them all in the browser.
FILE_KINDS = (
    ("JPEG", "jpg", {"quality": 90}),
    ("PNG", "png", {"compress_level": 1}),
    ("WEBP", "webp", {"quality": 90, "method": 0}),
)


def test_image_files_hashed_in_the_browser_are_within_metas_tolerance(
    hasher: Page, site: str, tmp_path: Path
) -> None:
    files, expected = [], {}
    for name in PHOTOS:
        for kind, suffix, options in FILE_KINDS:
            path = tmp_path / f"{name}.{suffix}"
            path.write_bytes(encode(Image.fromarray(photo(name)), kind, **options))
            decoded = np.asarray(Image.open(path).convert("RGB"))
            expected[path.name] = reference(decoded)
            files.append(path)
    with requests_made(hasher) as sent:
        found = hash_files(hasher, files)
    for file_name, (reference_hash, quality) in expected.items():
        item = found[file_name]
        assert item["kind"] == "image", file_name
        if quality >= HIGH_QUALITY:
            distance = reference_hash.distance(type(reference_hash)(item["pdq"]))
            assert distance <= META_FILE_TOLERANCE_BITS, (file_name, distance)
    assert sent == [], "hashing made no request at all: nothing left the browser"


def test_a_photo_turned_by_its_exif_is_hashed_as_seen(hasher: Page, tmp_path: Path) -> None:
    upright = photo("coffee")
    exif = Image.Exif()
    exif[0x0112] = 6
    stored = Image.fromarray(np.ascontiguousarray(np.rot90(upright)))
    path = tmp_path / "turned.jpg"
    path.write_bytes(encode(stored, "JPEG", quality=92, exif=exif))
    expected, _ = reference(upright)
    item = hash_files(hasher, [path])["turned.jpg"]
    assert expected.distance(type(expected)(item["pdq"])) <= META_FILE_TOLERANCE_BITS


def test_a_video_gets_its_exact_md5_and_nothing_is_sent(hasher: Page, tmp_path: Path) -> None:
    write_video(tmp_path / "clip.mp4", ("coffee", "rocket", "astronaut"))
    (tmp_path / "notes.txt").write_text("not a picture")
    with requests_made(hasher) as sent:
        found = hash_files(hasher, [tmp_path / "clip.mp4", tmp_path / "notes.txt"])
    expected = hashlib.md5((tmp_path / "clip.mp4").read_bytes()).hexdigest()  # noqa: S324
    assert found["clip.mp4"] == {"kind": "video", "md5": expected}
    assert found["notes.txt"]["kind"] == "other"
    assert sent == []


def test_md5_in_javascript_matches_on_awkward_lengths(hasher: Page) -> None:
    for length in (0, 1, 55, 56, 63, 64, 65, 1000, 70_000):
        data = bytes((n * 7 + 3) % 256 for n in range(length))
        found = hasher.evaluate(
            """data => { const d = new window.ReclaimMd5.Md5();
                 d.update(Uint8Array.from(atob(data), c => c.charCodeAt(0))); return d.hex(); }""",
            base64.b64encode(data).decode(),
        )
        assert found == hashlib.md5(data).hexdigest(), length  # noqa: S324


def test_a_picture_the_browser_cannot_open_says_so(hasher: Page, tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 not really a picture")
    item = hash_files(hasher, [path])["photo.jpg"]
    assert item["kind"] == "unreadable"
    assert "cannot open this picture" in hasher.locator(".hasher-results li").inner_text()


def test_without_javascript_the_page_explains_the_alternative(browser, site: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/en/hashing/")
    assert "needs JavaScript" in page.content()
    assert page.locator("[data-hasher]").is_hidden()
    context.close()
