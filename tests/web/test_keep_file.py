"""One way to keep a file: the upload page and `reclaim locker add` both call keep_file, so a
file is kept with the same type and details, or refused for the same reason, through either.

Each sample goes through both doors into one locker, and the two results are compared.
Generated images and a scikit-image sample photograph only.
"""

import io
import random
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from PIL import Image
from skimage import data as samples

from reclaim.cli import main
from reclaim.locker import EvidenceItem
from reclaim.web.messages import INTAKE_PROBLEMS

from .conftest import PASSPHRASE, personal_locker

pytestmark = pytest.mark.django_db


def encoded(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    image.save(out, kind)
    return out.getvalue()


def generated_png() -> bytes:
    pixels = random.Random(14).randbytes(256 * 192 * 3)
    return encoded(Image.frombytes("RGB", (256, 192), pixels), "PNG")


def truncated_png() -> bytes:
    whole = generated_png()
    return whole[: len(whole) // 2]  # the header says 256 x 192; half the pixels are missing


def bomb_png() -> bytes:
    """A PNG whose header claims 100,000 x 100,000 pixels (ten billion): a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    pixels = chunk(b"IDAT", zlib.compress(b"\0" * 4096))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + pixels + chunk(b"IEND", b"")


def sample_photo() -> bytes:
    return encoded(Image.fromarray(samples.coffee()), "JPEG")


def text() -> bytes:
    return "Zapłać do piątku, albo wszyscy to zobaczą.\n".encode()


def program() -> bytes:
    return b"\x7fELF\x02\x01\x01" + bytes(200)


# name, contents, and what both doors must do: (media type, readable) or the refusal's reason
KEPT = [
    ("generated.png", generated_png, "image/png", "yes"),
    ("coffee.jpg", sample_photo, "image/jpeg", "yes"),
    ("truncated.png", truncated_png, "image/png", "no"),  # damaged, but still evidence
    ("threat.jpg", text, "text/plain; charset=utf-8", None),  # the name says JPEG; it is text
]
REFUSED = [
    ("bomb.png", bomb_png, "oversized", "far larger than any camera makes"),
    ("program.png", program, "kind", "cannot take this kind of file"),
]


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "passphrase-file"
    path.write_text(PASSPHRASE + "\n")
    return path


def through_the_page(client: Client, name: str, contents: bytes) -> HttpResponse:
    upload = SimpleUploadedFile(name, contents)
    response: HttpResponse = client.post("/en/locker/evidence/upload/", {"file": upload})
    return response


def through_the_command(data_dir: Path, secret: Path, name: str, contents: bytes) -> int:
    path = data_dir / "from the command line" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(contents)
    locker = ["--locker", str(data_dir / "locker"), "--passphrase-file", str(secret)]
    return main(["locker", "add", str(path), *locker])


def kept(data_dir: Path) -> list[EvidenceItem]:
    return personal_locker(data_dir).items()


@pytest.mark.parametrize(("name", "make", "media_type", "readable"), KEPT)
def test_both_doors_keep_a_file_with_the_same_type_and_details(
    client: Client,
    open_locker: None,
    data_dir: Path,
    secret: Path,
    name: str,
    make: Callable[[], bytes],
    media_type: str,
    readable: str | None,
) -> None:
    contents = make()
    assert through_the_page(client, name, contents).status_code == 302
    assert through_the_command(data_dir, secret, name, contents) == 0
    from_page, from_command = kept(data_dir)
    assert from_page.media_type == from_command.media_type == media_type
    assert from_page.details == from_command.details
    assert from_page.details.get("readable") == readable
    assert from_page.sha256 == from_command.sha256, "the bytes are kept as they came"


@pytest.mark.parametrize(("name", "make", "reason", "words"), REFUSED)
def test_both_doors_refuse_a_file_for_the_same_reason_in_the_same_words(
    client: Client,
    open_locker: None,
    data_dir: Path,
    secret: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    make: Callable[[], bytes],
    reason: str,
    words: str,
) -> None:
    contents = make()
    refused = through_the_page(client, name, contents)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert str(INTAKE_PROBLEMS[reason]) in page and words in page
    assert through_the_command(data_dir, secret, name, contents) == 1
    said = capsys.readouterr().err
    assert f"{name} was not kept:" in said and words in said
    assert kept(data_dir) == []


def test_the_command_says_a_kept_picture_is_damaged(
    client: Client,
    open_locker: None,
    data_dir: Path,
    secret: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert through_the_command(data_dir, secret, "cut.png", truncated_png()) == 0
    assert "This picture seems damaged or incomplete. It is kept exactly as it came." in (
        capsys.readouterr().out
    )
