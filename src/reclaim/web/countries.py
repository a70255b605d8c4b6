"""Country names for display, in the page's language, for the codes content files use.

Which countries there are is content: the helplines directory's (content/helplines) and the
legal profiles' (content/removals/profiles.toml). Only their names live here, as interface
words translated in locale/; a test fails if content names a country this table does not.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# ISO 3166-1 alpha-2 codes, lower case, as the content files write them.
COUNTRY_NAMES: dict[str, Promise] = {
    "at": _("Austria"),
    "au": _("Australia"),
    "be": _("Belgium"),
    "bg": _("Bulgaria"),
    "ca": _("Canada"),
    "cy": _("Cyprus"),
    "cz": _("Czechia"),
    "de": _("Germany"),
    "dk": _("Denmark"),
    "ee": _("Estonia"),
    "es": _("Spain"),
    "fi": _("Finland"),
    "fr": _("France"),
    "gb": _("United Kingdom"),
    "gr": _("Greece"),
    "hr": _("Croatia"),
    "hu": _("Hungary"),
    "ie": _("Ireland"),
    "it": _("Italy"),
    "lt": _("Lithuania"),
    "lu": _("Luxembourg"),
    "lv": _("Latvia"),
    "mt": _("Malta"),
    "nl": _("Netherlands"),
    "nz": _("New Zealand"),
    "pl": _("Poland"),
    "pt": _("Portugal"),
    "ro": _("Romania"),
    "se": _("Sweden"),
    "si": _("Slovenia"),
    "sk": _("Slovakia"),
    "us": _("United States"),
}


def country_name(code: str) -> str:
    """Return the country's name in the active language (the code itself if unknown)."""
    return str(COUNTRY_NAMES.get(code, code.upper()))
