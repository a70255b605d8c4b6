"""Looking up who hosts a request's page, who registered its domain and any CDN (RDAP)."""

import time
from dataclasses import replace

from django.conf import settings

from reclaim.notices import (
    HostingReport,
    NoticeError,
    RdapBootstrap,
    RdapError,
    RemovalRequest,
    fetch_bootstrap,
    look_up,
)
from reclaim.web.access.session import OpenLocker
from reclaim.web.removals.services.requests import change

BOOTSTRAP_SECONDS = 24 * 3600  # IANA's files change a few times a year; a day is plenty
_iana: tuple[float, RdapBootstrap] | None = None


class HostUnknownError(NoticeError):
    """No registry could be asked or none answered: often, no connection to the internet."""


def find_host(opened: OpenLocker, request: RemovalRequest) -> RemovalRequest:
    """Look up the host, registrar and CDN by RDAP and keep the answer with the request.

    Raises HostUnknownError, keeping nothing, when no registry answered at all (offline, or
    the registries are down): the person can simply try again later.
    """
    try:
        report = look_up(request.url, _bootstrap(), allow_private=settings.CAPTURE_ALLOW_PRIVATE)
    except RdapError as error:
        raise HostUnknownError(str(error)) from None
    if report.registrar is None and not report.networks:
        raise HostUnknownError("; ".join(report.problems))
    return change(opened, replace(request, hosting=report.record()), "host looked up")


def hosting_of(request: RemovalRequest) -> HostingReport | None:
    """Return the RDAP answer kept with the request, or None if nobody looked yet."""
    return HostingReport.from_record(dict(request.hosting)) if request.hosting else None


def _bootstrap() -> RdapBootstrap:
    global _iana
    if settings.RDAP_SERVER:
        return RdapBootstrap.single(settings.RDAP_SERVER)
    if _iana is None or time.monotonic() - _iana[0] > BOOTSTRAP_SECONDS:
        _iana = (time.monotonic(), fetch_bootstrap())
    return _iana[1]
