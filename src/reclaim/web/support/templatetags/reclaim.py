"""Template filters that turn content text into safe HTML and label facts in the language."""

from django import template
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from reclaim.content import to_html
from reclaim.web.support.content import library, url_of

register = template.Library()


@register.filter
def markup(text: str) -> SafeString:
    """Return content text as HTML: escaped, with its links and emphasis."""
    return mark_safe(to_html(text, url_of))  # noqa: S308  # to_html escapes every character of input


# Django's own catalogue translates these units ("%s MB" and so on) into every language.
_WHOLE_UNITS = ((1024**3, "%s GB"), (1024**2, "%s MB"), (1024, "%s KB"))


@register.filter
def whole_filesize(size: int) -> str:
    """Return a size limit as people write it: "500 MB", not filesizeformat's "500.0 MB"."""
    unit, words = next(((u, w) for u, w in _WHOLE_UNITS if size >= u), (1, ""))
    if words and size % unit == 0:
        return gettext(words) % number_format(size // unit)
    return str(filesizeformat(size))


@register.inclusion_tag("support/_under18_services.html")
def under_18_services() -> dict[str, object]:
    """Return the under-18 services (content/under18.toml) to list, in the page's language."""
    language = get_language()
    services = [
        {
            "name": service.name_in(language),
            "area": service.area_in(language),
            "description": service.description(language),
            "website": service.website,
        }
        for service in library().under_18.services
    ]
    return {"services": services}
