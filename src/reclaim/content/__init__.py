"""Content: guides, plans, walk-throughs, exercises, helplines and under-18 services.

The files are data reviewed by people (see docs/content.md). ``load_library`` reads and checks
them all at once, so a broken file stops start-up instead of breaking one page later.
"""

from reclaim.content._documents import (
    Block,
    Document,
    Kind,
    Section,
    Source,
    Translation,
    document_kinds,
    read_translation_meta,
)
from reclaim.content._fields import ContentError, Table
from reclaim.content._helplines import Helpline, OpeningHours, ReferralPoint, load_helpline_file
from reclaim.content._library import Library, load_library
from reclaim.content._markup import LinkTarget, MarkupError, parse_target, to_html
from reclaim.content._under18 import (
    DEFAULT_CONTENT_DIR,
    Under18,
    under_18_listing,
    under_18_services,
)

__all__ = [
    "DEFAULT_CONTENT_DIR",
    "Block",
    "ContentError",
    "Document",
    "Helpline",
    "Kind",
    "Library",
    "LinkTarget",
    "MarkupError",
    "OpeningHours",
    "ReferralPoint",
    "Section",
    "Source",
    "Table",
    "Translation",
    "Under18",
    "document_kinds",
    "load_helpline_file",
    "load_library",
    "parse_target",
    "read_translation_meta",
    "to_html",
    "under_18_listing",
    "under_18_services",
]
