"""PDQ throughput beside the path platforms use today, in the same run, on one core.

The reference path is the one Meta's Hasher-Matcher-Actioner takes (threatexchange's
pdq_from_bytes): decode the whole image with Pillow, then the pdqhash bindings of Meta's C++
PDQ on the full-resolution array. Reclaim's path is reclaim.hashing.pdq_from_image. Both hash
the same JPEGs (public sample photographs from scikit-image, enlarged to 1080p and 12 MP,
quality 90), from bytes in memory, in one process; BLAS is held to one thread.
"""

import io
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core, like the reference

SIZES = {"1080p": (1920, 1080), "12MP": (4000, 3000)}
PHOTOS = ("astronaut", "coffee", "rocket", "chelsea", "hubble_deep_field", "immunohistochemistry")
SECONDS_PER_SIDE = 4.0
AIM_RATIO = 10.0


def run() -> dict[str, object]:
    import numpy as np
    from PIL import Image

    results: dict[str, object] = {"benchmark": "PDQ throughput, one core", "aim_ratio": AIM_RATIO}
    for label, size in SIZES.items():
        files = [_jpeg(name, size) for name in PHOTOS]
        ours = _rate(files, _ours)
        reference = _rate(files, _reference)
        distances = [_ours(data).hash.distance(_reference(data)[0]) for data in files]
        results[label] = {
            "images_per_second_reclaim": round(ours, 2),
            "images_per_second_reference": round(reference, 2),
            "ratio": round(ours / reference, 1),
            "distance_to_reference": sorted(distances),
            "bytes_per_image_mean": int(np.mean([len(data) for data in files])),
        }
    del Image
    return results


def _jpeg(name: str, size: tuple[int, int]) -> bytes:
    import numpy as np
    from PIL import Image
    from skimage import data

    pixels = np.asarray(getattr(data, name)())[:, :, :3]
    out = io.BytesIO()
    Image.fromarray(pixels).resize(size, Image.Resampling.BICUBIC).save(out, "JPEG", quality=90)
    return out.getvalue()


def _ours(data: bytes):  # type: ignore[no-untyped-def]
    from reclaim.hashing import pdq_from_image

    return pdq_from_image(io.BytesIO(data))


def _reference(data: bytes):  # type: ignore[no-untyped-def]
    import numpy as np
    import pdqhash
    from PIL import Image

    from reclaim.hashing import PdqHash

    pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    vector, quality = pdqhash.compute(pixels)
    return PdqHash.from_int(int("".join(str(int(b)) for b in vector), 2)), quality


def _rate(files: list[bytes], hasher) -> float:  # type: ignore[no-untyped-def]
    hasher(files[0])  # warm up: imports, caches
    started, count = time.perf_counter(), 0
    while time.perf_counter() - started < SECONDS_PER_SIDE:
        for data in files:
            hasher(data)
            count += 1
    return count / (time.perf_counter() - started)


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
