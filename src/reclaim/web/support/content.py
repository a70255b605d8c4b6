"""The content library as the web layer sees it: loaded once, with links resolved to URLs."""

from functools import cache

from django.conf import settings
from django.urls import reverse
from django.utils.translation import override

from reclaim.content import Library, LinkTarget, load_library


@cache
def library() -> Library:
    """Return the content library, read and checked on first use."""
    return load_library(settings.CONTENT_DIR)


def url_of(target: LinkTarget) -> str:
    """Return the URL of an internal link target, in the active language."""
    if target.kind == "helplines":
        if target.value:
            return reverse("support:helplines_country", args=[target.value])
        return reverse("support:helplines")
    return reverse(f"support:{target.kind}", args=[target.value])


def page_paths(language: str) -> list[str]:
    """Return the path of every page of the support site in ``language``."""
    with override(language):
        paths = [reverse("support:start"), reverse("support:age") + "?situation=shared"]
        paths += [reverse("support:guides"), reverse("support:helplines")]
        paths.append(reverse("support:hasher"))
        for (kind, slug), documents in library().documents.items():
            if kind == "walkthrough":
                steps = range(1, len(documents[language].sections) + 1)
                paths += [reverse("support:walkthrough_step", args=[slug, n]) for n in steps]
            else:
                paths.append(reverse(f"support:{kind}", args=[slug]))
        paths += [
            reverse("support:helplines_country", args=[country])
            for country in library().countries()
        ]
    return paths
