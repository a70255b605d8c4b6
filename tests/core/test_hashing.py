"""Hash values typed where they enter, exact digests, vPDQ, and bad files refused cleanly."""

import hashlib
import io
import re
import struct
import time
import zlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from reclaim.hashing import (
    Digests,
    HashError,
    PdqHash,
    VpdqFrame,
    digests,
    pdq_from_image,
    pdq_from_pixels,
    vpdq_from_video,
)

from ..hashing_corpus import encode, photo

ZERO = "0" * 64


def test_a_pdq_hash_is_64_hex_characters_and_normalised() -> None:
    assert PdqHash("AB" * 32).hex == "ab" * 32
    for bad in ("ab" * 31, "ab" * 33, "zz" * 32, "", "0x" + "a" * 62):
        with pytest.raises(HashError, match="64 hexadecimal characters"):
            PdqHash(bad)


def test_distance_counts_differing_bits() -> None:
    assert PdqHash(ZERO).distance(PdqHash("f" + "0" * 63)) == 4
    assert PdqHash.from_int(1).hex == "0" * 63 + "1"


def test_a_digest_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(HashError, match="MD5"):
        Digests("abc", "0" * 64)


def test_vpdq_frames_read_and_write_metas_text_form() -> None:
    frame = VpdqFrame.parse(f"{'a' * 64},87,2.000")
    assert (frame.quality, frame.timestamp) == (87, 2.0)
    assert str(frame) == f"{'a' * 64},87,2.000"
    for bad in ("a,b", f"{'a' * 64},101,1.0", f"{'a' * 64},50,-1", f"{'a' * 64},x,1"):
        with pytest.raises(HashError):
            VpdqFrame.parse(bad)


def test_digests_are_md5_and_sha256_of_the_bytes(tmp_path: Path) -> None:
    content = bytes(range(256)) * 5000
    (tmp_path / "clip.mp4").write_bytes(content)
    found = digests(tmp_path / "clip.mp4")
    assert found.md5 == hashlib.md5(content).hexdigest()  # noqa: S324  (what StopNCII uses)
    assert found.sha256 == hashlib.sha256(content).hexdigest()


def test_a_tiny_image_gets_the_zero_hash_and_quality_zero() -> None:
    signal = pdq_from_pixels(np.zeros((4, 100, 3), dtype=np.uint8))
    assert (signal.hash.hex, signal.quality, signal.reliable) == (ZERO, 0, False)


def test_a_flat_image_has_low_quality() -> None:
    assert pdq_from_pixels(np.full((200, 200, 3), 128, dtype=np.uint8)).quality < 50


def png_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = chunk(b"IDAT", zlib.compress(b"\0" * 64))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + idat + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not an image"),
        (b"just some text, not a picture", "not an image"),
        (png_claiming(100_000, 100_000), "impossible size"),
        (png_claiming(2**31 - 1, 1), "impossible size"),
    ],
)
def test_bad_files_get_a_clear_error_quickly(content: bytes, message: str) -> None:
    started = time.perf_counter()
    with pytest.raises(HashError, match=message):
        pdq_from_image(io.BytesIO(content))
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_a_truncated_image_is_a_clear_error_not_a_crash(kind: str) -> None:
    whole = encode(Image.fromarray(photo("coffee")), kind)
    with pytest.raises(HashError, match="damaged or cut short"):
        pdq_from_image(io.BytesIO(whole[: len(whole) // 2]))


def write_video(path: Path, names: tuple[str, ...], fps: int = 10) -> None:
    """Write one second of each sample photograph, as MPEG-4, with PyAV."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        stream.bit_rate = 2_000_000
        for name in names:
            still = np.asarray(Image.fromarray(photo(name)).resize((320, 240)))
            for _ in range(fps):
                frame = av.VideoFrame.from_ndarray(still, format="rgb24")
                for packet in stream.encode(frame):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def test_vpdq_hashes_one_frame_a_second_with_quality_and_time(tmp_path: Path) -> None:
    names = ("coffee", "rocket", "astronaut")
    write_video(tmp_path / "clip.mp4", names)
    frames = vpdq_from_video(tmp_path / "clip.mp4")
    assert [frame.timestamp for frame in frames] == [0.0, 1.0, 2.0]
    for frame, name in zip(frames, names, strict=True):
        still = np.asarray(Image.fromarray(photo(name)).resize((320, 240)))
        assert frame.hash.distance(pdq_from_pixels(still).hash) <= 16, name
        assert re.fullmatch(r"[0-9a-f]{64},\d{1,3},\d+\.\d{3}", str(frame))


def test_a_file_that_is_not_a_video_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "clip.mp4").write_bytes(b"not a video at all" * 100)
    with pytest.raises(HashError, match="video"):
        vpdq_from_video(tmp_path / "clip.mp4")


def test_frame_rate_sets_which_frames_are_sampled(tmp_path: Path) -> None:
    write_video(tmp_path / "clip.mp4", ("coffee", "rocket"), fps=5)
    frames = vpdq_from_video(tmp_path / "clip.mp4", seconds_per_frame=0.4)
    # int(0.4 * 5) = 2: frames 0, 2, 4, ... at 0.0, 0.4, 0.8 ... seconds
    assert [round(frame.timestamp, 3) for frame in frames][:3] == [0.0, 0.4, 0.8]
    assert Fraction(2, 5) == Fraction(frames[1].timestamp).limit_denominator(100)
