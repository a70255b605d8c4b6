"""A small content tree, written fresh for each test, that tests can break one rule at a time."""

from pathlib import Path

import pytest

from reclaim.languages import LANGUAGE_CODES

ORIGINAL = """
title = "Keeping evidence"
summary = "What to keep. See [the plan](plan:shared)."
last_reviewed = 2026-11-23
evidence_advice = true

[[sources]]
title = "Victim Support"
url = "https://www.victimsupport.org.uk/"

[[sections]]
id = "screenshots"
heading = "Screenshots"

[[sections.blocks]]
type = "paragraph"
text = "Show the **web address**. Call [0800 1111](tel:+448001111)."

[[sections.blocks]]
type = "list"
items = ["The date.", "The time."]
"""

TRANSLATION = """
title = "Dowody"
summary = "Co zachować. Zobacz [plan](plan:shared)."

[translation]
from_reviewed = 2026-11-23
native_review = "needed"

[[sections]]
id = "screenshots"
heading = "Zrzuty ekranu"

[[sections.blocks]]
type = "paragraph"
text = "Pokaż **adres**. Zadzwoń [0800 1111](tel:+448001111)."

[[sections.blocks]]
type = "list"
items = ["Datę.", "Godzinę."]
"""

PLAN = """
title = "Shared"
summary = "A plan."
last_reviewed = 2026-11-23

[[sources]]
title = "Revenge Porn Helpline"
url = "https://revengepornhelpline.org.uk/"

[[sections]]
id = "breathe"
heading = "Breathe"

[[sections.blocks]]
type = "note"
text = "Read [the guide](guide:keeping-evidence) and [who to call](helplines:gb)."
"""

PLAN_TRANSLATION = """
title = "Plan"
summary = "Plan."

[translation]
from_reviewed = 2026-11-23
native_review = "needed"

[[sections]]
id = "breathe"
heading = "Oddychaj"

[[sections.blocks]]
type = "note"
text = "Przeczytaj [poradnik](guide:keeping-evidence) i [telefony](helplines:gb)."
"""

DIRECTORY = """
[[helpline]]
id = "childline"
country = "gb"
area = "UK"
name = "Childline"
audience = "under-18"
phone = "0800 1111"
dial = "+448001111"
website = "https://www.childline.org.uk/"
source = "https://www.childline.org.uk/"
last_checked = 2026-11-01
verified = false

[[helpline]]
id = "police-gb"
country = "gb"
area = "UK"
name = "Police"
audience = "everyone"
phone = "999"
dial = "999"
emergency = true
always_open = true
source = "https://www.police.uk/"
last_checked = 2026-11-01
verified = false
"""

UNDER_18 = """
last_reviewed = 2026-12-02
services = ["childline"]

[[sources]]
title = "Childline"
url = "https://www.childline.org.uk/"
"""


def write_tree(root: Path) -> Path:
    """Write a complete, valid content tree under root and return root."""
    root.mkdir(parents=True)
    (root / "index.toml").write_text(
        'guides = ["keeping-evidence"]\nplans = ["shared"]\nwalkthroughs = []\nexercises = []\n'
    )
    for folder, text, translated in (
        ("guides/keeping-evidence", ORIGINAL, TRANSLATION),
        ("plans/shared", PLAN, PLAN_TRANSLATION),
    ):
        (root / folder).mkdir(parents=True)
        for code in LANGUAGE_CODES:
            (root / folder / f"{code}.toml").write_text(text if code == "en" else translated)
    (root / "walkthroughs").mkdir()
    (root / "exercises").mkdir()
    helplines = root / "helplines"
    helplines.mkdir()
    (helplines / "directory.toml").write_text(DIRECTORY)
    (root / "under18.toml").write_text(UNDER_18)
    for code in LANGUAGE_CODES:
        meta = (
            ""
            if code == "en"
            else '[translation]\nfrom_reviewed = 2026-11-23\nnative_review = "needed"\n'
        )
        # A translation names the areas, and a name that describes the service, in its words.
        words = "" if code == "en" else f'name = "Police ({code})"\n[areas]\n"UK" = "UK ({code})"\n'
        (helplines / f"{code}.toml").write_text(
            meta + f'[childline]\ndescription = "For children ({code})."\n'
            f'[police-gb]\ndescription = "Emergencies ({code})."\n' + words
        )
    return root


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "content")
