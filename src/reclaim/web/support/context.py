"""What every page's template needs: languages, direction and the safety links."""

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language

from reclaim.languages import LANGUAGES, language


def site(request: HttpRequest) -> dict[str, object]:
    """Return the current language and, for each language, this page's address in it."""
    current = language(get_language() or "en")
    path = request.get_full_path()
    return {
        "service": settings.SERVICE,
        "current_language": current,
        "language_links": [
            {"language": option, "url": translate_url(path, option.code)} for option in LANGUAGES
        ],
    }
