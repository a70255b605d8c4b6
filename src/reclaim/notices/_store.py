"""Where removal requests are kept: in the locker (sealed), or in memory (the reference)."""

from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from reclaim.locker import Locker
from reclaim.notices._compose import NoticeError
from reclaim.notices._tracking import RemovalRequest


class DuplicateRequestError(NoticeError):
    """There is already an open request for this address and platform."""

    def __init__(self, existing: RemovalRequest) -> None:
        self.existing = existing
        super().__init__(
            "There is already an open request for this address on this platform (it is "
            f"{existing.status}). Sending the same report again tends to slow things down: "
            "follow that one up instead."
        )


class RequestStore(Protocol):
    """Keeps a case's removal requests."""

    def all(self) -> list[RemovalRequest]:
        """Return every request, oldest first."""

    def save(self, request: RemovalRequest, action: str) -> None:
        """Store a new or changed request; ``action`` says in a word what changed."""


def get(store: RequestStore, request_id: str) -> RemovalRequest:
    """Return the request with this id; raise NoticeError if there is none."""
    for request in store.all():
        if request.id == request_id:
            return request
    raise NoticeError(f"there is no removal request {request_id}")


def add(store: RequestStore, request: RemovalRequest) -> None:
    """Store a new request; raise DuplicateRequestError if one is open for its URL and platform."""
    for other in store.all():
        if other.is_open and _same_target(other, request):
            raise DuplicateRequestError(other)
    store.save(request, "written")


def _same_target(one: RemovalRequest, other: RemovalRequest) -> bool:
    where = (one.platform_id or one.recipient) == (other.platform_id or other.recipient)
    return where and _normal(one.url) == _normal(other.url)


def _normal(url: str) -> str:
    # The same page written differently (http or https, www. or not, a trailing slash, an
    # upper-case host, a #fragment) is one page.
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    return urlunsplit(("", host, parts.path.rstrip("/") or "/", parts.query, ""))


class MemoryRequestStore:
    """Requests in a dict: the reference the locker store is tested against."""

    def __init__(self) -> None:
        self._requests: dict[str, RemovalRequest] = {}

    def all(self) -> list[RemovalRequest]:
        """Return every request, oldest first."""
        return list(self._requests.values())

    def save(self, request: RemovalRequest, action: str) -> None:
        """Store a new or changed request."""
        self._requests[request.id] = request


class LockerRequestStore:
    """Requests sealed in the person's locker, each change in its custody log."""

    def __init__(self, box: Locker) -> None:
        self._box = box

    def all(self) -> list[RemovalRequest]:
        """Return every request, oldest first."""
        return [RemovalRequest.from_record(r) for r in self._box.request_records()]

    def save(self, request: RemovalRequest, action: str) -> None:
        """Store a new or changed request; its custody entry says the status and who acted."""
        last = request.events[-1] if request.events else None
        details = {"action": action, "status": request.status, "by": last.by if last else ""}
        self._box.save_request(request.id, request.to_record(), details)
