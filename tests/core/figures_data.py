"""Generated cases and addresses for the figures tests: fixed seeds, no person behind any of it."""

import datetime
import random

from reclaim.figures import AddressRecord, CaseRecord, Month

START = datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC)
AS_OF = datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)
# Some platforms and countries are rare on purpose, so that small counts are there to hide.
PLATFORMS = ("Pornhub", "X", "Reddit", "Telegram", "=HYPERLINK(1)", "Tiny <b>&amp; site", "")
PLATFORM_WEIGHTS = (40, 30, 20, 10, 2, 1, 3)
COUNTRIES = ("gb", "ie", "pl", "ro", "mt", "")
COUNTRY_WEIGHTS = (50, 20, 15, 8, 1, 2)


def addresses(count: int, seed: int = 15) -> list[AddressRecord]:
    """Return ``count`` reported addresses over 2023 to mid 2025 with every kind of outcome."""
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        reported = START + datetime.timedelta(minutes=rng.randrange(0, 880 * 24 * 60))
        later = reported + datetime.timedelta(minutes=rng.randrange(0, 14 * 24 * 60))
        roll = rng.random()
        made.append(
            AddressRecord(
                platform=rng.choices(PLATFORMS, PLATFORM_WEIGHTS)[0],
                country=rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0],
                reported_at=reported,
                removed_at=later if roll < 0.7 else None,
                refused_at=later if 0.6 < roll < 0.8 else None,
                still_up=roll >= 0.8 and rng.random() < 0.6,
                deadline=reported + datetime.timedelta(hours=48) if rng.random() < 0.6 else None,
                reappearances=rng.choice((0, 0, 0, 0, 0, 1, 1, 3)),
            )
        )
    return made


def cases(count: int, seed: int = 15) -> list[CaseRecord]:
    """Return ``count`` cases opened over 2023 to mid 2025, most of them closed."""
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        opened = Month(2023 + rng.randrange(3), rng.randrange(1, 13))
        if opened > Month(2025, 5):
            opened = Month(2025, rng.randrange(1, 6))
        closed = opened.next().next() if rng.random() < 0.7 else None
        made.append(CaseRecord(opened, closed, rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]))
    return made
