"""Removal requests: from a web address to content verifiably gone, against the legal clock.

- The platform directory and the legal profiles are data (content/removals/), loaded and
  checked by ``load_catalogue``; ``Catalogue.plan`` recognises the platform from an address and
  picks the route and the profile. ``Catalogue.in_language`` gives the same catalogue with the
  words a person reads in another language (content/removals/<lang>.toml); requests are
  always composed from the original, in English.
- A helpline's own routes file (the trusted-flagger routes a platform gave it on enrolment)
  is merged over the public directory by ``load_catalogue(..., extra=path)`` (or
  ``load_directory``/``merge_routes``); ``Catalogue.plan(url, country, organisation)`` puts
  that organisation's enrolled routes first and offers them to nobody else.
- ``compose`` turns a request's facts into an email or a form pack, refusing one that lacks
  any element of its profile (``MissingElementsError``) or where someone was under 18.
- ``recognise_addresses`` reads a pasted list of addresses (hundreds or thousands, one a line
  or inside text): each normalised (``normalise_address``), repeats folded, each planned, and
  the lines that hold no address given back.
- ``compose_batch`` makes one request to a platform listing many addresses (a helpline's
  batch), element-checked for the whole and for each address; ``batch_requests`` and
  ``mark_sent`` track each address as a request of its own (status, deadline, re-checks).
- ``move`` takes a request through its statuses (reclaim.notices._tracking explains them);
  ``revise`` changes what a request not yet sent says;
  ``deadline`` and ``next_steps`` say when time runs out and what to do then.
- ``recheck_many`` revisits open addresses (through one address-pinned fetcher, under the
  public-address policy of reclaim.addresses); ``first_look`` and ``as_check`` say what a
  re-check means for a request, ``record_check`` applies it; ``case_hashes`` gives the case's
  picture hashes a re-check compares images with.
- ``look_up`` finds the host, registrar and CDN by RDAP; ``HostingReport.record`` and
  ``from_record`` keep its answer with a request.
"""

from reclaim.notices._batch import (
    PER_ADDRESS_FACTS,
    BatchAddress,
    BatchFacts,
    BatchMissingElementsError,
    BatchNotice,
    batch_requests,
    compose_batch,
    mark_sent,
    missing_in_batch,
    split_batch,
)
from reclaim.notices._case import MAX_HASHED_BYTES, case_hashes
from reclaim.notices._catalogue import Catalogue, Plan, load_catalogue, rank_routes
from reclaim.notices._compose import (
    MissingElementsError,
    Notice,
    NoticeError,
    RequestFacts,
    Under18RequestError,
    compose,
    missing_elements,
)
from reclaim.notices._directory import (
    Directory,
    FormField,
    Platform,
    Route,
    load_directory,
    merge_routes,
)
from reclaim.notices._next import Step, next_steps
from reclaim.notices._paste import (
    AddressList,
    PastedAddress,
    PastedLine,
    find_addresses,
    normalise_address,
    recognise_addresses,
)
from reclaim.notices._profiles import FACTS, Element, Escalation, Profile, Profiles, load_profiles
from reclaim.notices._rdap import (
    AbuseContact,
    HostingReport,
    RdapBootstrap,
    RdapError,
    fetch_bootstrap,
    look_up,
)
from reclaim.notices._recheck import (
    Recheck,
    RecheckError,
    RecheckTarget,
    as_check,
    first_look,
    recheck,
    recheck_many,
)
from reclaim.notices._store import (
    DuplicateRequestError,
    LockerRequestStore,
    MemoryRequestStore,
    RequestStore,
    add,
    get,
)
from reclaim.notices._tracking import (
    DRAFT,
    EDITABLE,
    ENDED,
    ESCALATION_TARGETS,
    MOVES,
    READY,
    RECHECK,
    STATUSES,
    SUBMITTED,
    WITHDRAWN,
    Check,
    Event,
    RemovalRequest,
    TrackingError,
    deadline,
    is_overdue,
    move,
    new_request,
    record_check,
    revise,
)

__all__ = [
    "DRAFT",
    "EDITABLE",
    "ENDED",
    "ESCALATION_TARGETS",
    "FACTS",
    "MAX_HASHED_BYTES",
    "MOVES",
    "PER_ADDRESS_FACTS",
    "READY",
    "RECHECK",
    "STATUSES",
    "SUBMITTED",
    "WITHDRAWN",
    "AbuseContact",
    "AddressList",
    "BatchAddress",
    "BatchFacts",
    "BatchMissingElementsError",
    "BatchNotice",
    "Catalogue",
    "Check",
    "Directory",
    "DuplicateRequestError",
    "Element",
    "Escalation",
    "Event",
    "FormField",
    "HostingReport",
    "LockerRequestStore",
    "MemoryRequestStore",
    "MissingElementsError",
    "Notice",
    "NoticeError",
    "PastedAddress",
    "PastedLine",
    "Plan",
    "Platform",
    "Profile",
    "Profiles",
    "RdapBootstrap",
    "RdapError",
    "Recheck",
    "RecheckError",
    "RecheckTarget",
    "RemovalRequest",
    "RequestFacts",
    "RequestStore",
    "Route",
    "Step",
    "TrackingError",
    "Under18RequestError",
    "add",
    "as_check",
    "batch_requests",
    "case_hashes",
    "compose",
    "compose_batch",
    "deadline",
    "fetch_bootstrap",
    "find_addresses",
    "first_look",
    "get",
    "is_overdue",
    "load_catalogue",
    "load_directory",
    "load_profiles",
    "look_up",
    "mark_sent",
    "merge_routes",
    "missing_elements",
    "missing_in_batch",
    "move",
    "new_request",
    "next_steps",
    "normalise_address",
    "rank_routes",
    "recheck",
    "recheck_many",
    "recognise_addresses",
    "record_check",
    "revise",
    "split_batch",
]
