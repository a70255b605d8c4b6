"""The OpenAPI 3.1 document of /api/v1/, served at /api/v1/openapi.json."""

from typing import Any

import reclaim
from reclaim.bank import MAX_MATCH_FRAMES

HEX64 = {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"}
SIGNAL_TYPE = {"type": "string", "enum": ["ImagePDQ", "VideoMD5", "VideoVPDQ"]}
STATUS = {"type": "string", "enum": ["Active", "Withdrawn", "Deleted"]}
VERDICT = {"type": "string", "enum": ["PendingReview", "Blocked", "NotBlocked"]}
# An entry's public id: random, so that ids say nothing about which hashes belong together.
ENTRY_ID_PATTERN = "^[0-9a-f]{24}$"  # models.new_public_id: 12 random bytes in hex
ENTRY_ID = {"type": "string", "pattern": ENTRY_ID_PATTERN}
# A case number: ten of bank.NUMBER_ALPHABET, written in two groups of five. The API also takes
# it in small letters or with spaces, as people copy it; the PIN may come with spaces around.
CASE_NUMBER_PATTERN = "^[2-9A-HJKMNP-Z]{5}-?[2-9A-HJKMNP-Z]{5}$"
PIN_PATTERN = "^[0-9]{8}$"
MAX_ACCESS_CHARS = 40  # the longest case number the API reads, spaces and all
CASE_NUMBER = {
    "type": "string",
    "pattern": CASE_NUMBER_PATTERN,
    "maxLength": MAX_ACCESS_CHARS,
    "description": "As given when the case was made, like 7KQ2M-X9PRT.",
}
PIN = {"type": "string", "pattern": PIN_PATTERN, "description": "The case's 8-digit PIN."}
ENTRY_IDS = {
    "type": "array",
    "maxItems": 500,
    "items": ENTRY_ID,
    "description": "The entries to withdraw; left out, all of the case's.",
}
QUALITY = "PDQ quality, a whole number from 0 to 100 (other values are refused with 422)."


PDQ_PATTERN = "^[0-9a-fA-F]{64}$"
MD5_PATTERN = "^[0-9a-fA-F]{32}$"
_FRAME = "[0-9a-fA-F]{64},([0-9]|[1-9][0-9]|100),[0-9]{1,6}([.][0-9]{1,3})?"
VPDQ_PATTERN = f"^{_FRAME}(\\n{_FRAME}){{0,99}}$"


def _signal(kind: str, pattern: str, form: str, quality: int | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "signalType": {"const": kind},
        # The format names the signal type (for tools that know it); the pattern checks the form.
        "value": {"type": "string", "format": kind, "pattern": pattern, "description": form},
    }
    required = ["signalType", "value"]
    if quality is not None:
        properties["quality"] = {
            "type": "integer",
            "minimum": quality,
            "maximum": 100,
            "description": QUALITY if not quality else f"From {quality} to 100: " + QUALITY,
        }
        if quality:  # a case's pictures need a quality good enough to match on
            required.append("quality")
    return {"type": "object", "required": required, "properties": properties}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _answer(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    if schema is None:
        return {"description": description}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


PROBLEM = {
    "description": "An error (RFC 9457 problem details)",
    "content": {"application/problem+json": {"schema": _ref("Problem")}},
}
CHALLENGE = {
    "WWW-Authenticate": {
        "required": True,
        "description": "RFC 6750: 'Bearer realm=...', with error=\"invalid_token\" when the "
        'token is unknown, revoked or expired, or error="insufficient_scope" and the scope '
        "needed on a 403.",
        "schema": {"type": "string", "pattern": "^Bearer "},
    }
}
REFUSED = {**PROBLEM, "headers": CHALLENGE}
CASE_ERRORS = {code: PROBLEM for code in ("400", "404", "405", "413", "415", "422", "429")}
ERRORS = {**CASE_ERRORS, "401": REFUSED, "403": REFUSED}

SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
        },
    },
    "ImagePDQ": _signal("ImagePDQ", PDQ_PATTERN, "64 hexadecimal characters", quality=0),
    "VideoMD5": _signal("VideoMD5", MD5_PATTERN, "32 hexadecimal characters"),
    "VideoVPDQ": _signal(
        "VideoVPDQ", VPDQ_PATTERN, "one frame per line, 'pdqhex,quality,seconds' (Meta's form)"
    ),
    "Signal": {"oneOf": [_ref("ImagePDQ"), _ref("VideoMD5"), _ref("VideoVPDQ")]},
    "CaseImagePDQ": _signal("ImagePDQ", PDQ_PATTERN, "64 hexadecimal characters", quality=50),
    "CaseSignal": {"oneOf": [_ref("CaseImagePDQ"), _ref("VideoMD5"), _ref("VideoVPDQ")]},
    "Signals": {
        "type": "array",
        "minItems": 1,
        "maxItems": 500,
        "items": _ref("Signal"),
    },
    "FeedEntry": {
        "type": "object",
        "required": ["cursor", "entryId", "signalType", "status", "changedAt"],
        "properties": {
            "cursor": {"type": "integer"},
            "entryId": ENTRY_ID,
            "signalType": SIGNAL_TYPE,
            "status": STATUS,
            "changedAt": {
                "type": "string",
                "format": "date-time",
                "description": "When the entry's batch closed: the same for every entry of it.",
            },
            "value": {
                "type": "string",
                "description": "Only for Active entries not withdrawn in a batch published since.",
            },
            "quality": {"type": "integer"},
        },
    },
    "Feed": {
        "type": "object",
        "required": ["entries", "nextCursor", "hasMore"],
        "properties": {
            "entries": {"type": "array", "items": _ref("FeedEntry")},
            "nextCursor": {"type": "integer"},
            "hasMore": {"type": "boolean"},
        },
    },
    "MatchRequest": {
        "type": "object",
        "description": f"At most {MAX_MATCH_FRAMES} VideoVPDQ frames in all, or the request is "
        "refused with 422 (send a longer video in parts).",
        "required": ["signals"],
        "properties": {
            "signals": _ref("Signals"),
            "maxDistance": {"type": "integer", "minimum": 0, "maximum": 31, "default": 31},
        },
    },
    "MatchResults": {
        "type": "object",
        "required": ["results"],
        "properties": {
            "results": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["index", "matches"],
                    "properties": {
                        "index": {"type": "integer"},
                        "matches": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["entryId", "signalType"],
                                "properties": {
                                    "entryId": ENTRY_ID,
                                    "signalType": SIGNAL_TYPE,
                                    "distance": {"type": "integer"},
                                    "matchedFraction": {"type": "number"},
                                },
                            },
                        },
                    },
                },
            }
        },
    },
    "Feedback": {
        "type": "object",
        "required": ["entryId", "verdict"],
        "properties": {"entryId": ENTRY_ID, "verdict": VERDICT},
    },
    "Eligibility": {
        "type": "object",
        "required": ["isTheSubject", "isIntimate", "wasAdultWhenTaken"],
        "properties": {
            "isTheSubject": {"const": True},
            "isIntimate": {"const": True},
            "wasAdultWhenTaken": {"const": True},
        },
    },
    "NewCase": {
        "type": "object",
        "required": ["eligibility", "signals"],
        "properties": {
            "eligibility": _ref("Eligibility"),
            "signals": {
                "type": "array",
                "minItems": 1,
                "maxItems": 500,
                "items": _ref("CaseSignal"),
            },
        },
    },
    "CaseAccess": {
        "type": "object",
        "required": ["caseNumber", "pin"],
        "properties": {"caseNumber": CASE_NUMBER, "pin": PIN},
    },
    "Withdrawal": {
        "type": "object",
        "required": ["caseNumber", "pin"],
        "properties": {"caseNumber": CASE_NUMBER, "pin": PIN, "entryIds": ENTRY_IDS},
    },
    "AddToCase": {
        "type": "object",
        "required": ["caseNumber", "pin", "eligibility", "signals"],
        "properties": {
            "caseNumber": CASE_NUMBER,
            "pin": PIN,
            "eligibility": _ref("Eligibility"),
            "signals": {
                "type": "array",
                "minItems": 1,
                "maxItems": 500,
                "items": _ref("CaseSignal"),
            },
        },
    },
    "Case": {
        "type": "object",
        "required": ["caseNumber", "entries"],
        "properties": {
            "caseNumber": {"type": "string"},
            "pin": {"type": "string", "description": "Only when the case is made: shown once."},
            "withdrawn": {"type": "integer"},
            "added": {"type": "integer"},
            "entries": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["entryId", "signalType", "status", "platformsMatched"],
                    "properties": {
                        "entryId": ENTRY_ID,
                        "signalType": SIGNAL_TYPE,
                        "status": {"type": "string"},
                        "platformsMatched": {"type": "integer"},
                        "verdicts": {"type": "object", "additionalProperties": {"type": "integer"}},
                    },
                },
            },
        },
    },
}


FEED_DESCRIPTION = (
    "Changes are published in batches, at a fixed interval set by the service "
    "(RECLAIM_FEED_BATCH_MINUTES, 10 minutes unless it says otherwise): a batch holds every "
    "change made before it closed, additions and withdrawals of all cases together, in a "
    "shuffled order, each entry once with its latest status, and every entry of a batch has "
    "the same changedAt (when it closed). Nothing made since shows until the next batch, so "
    "that no read of the feed can tell which hashes came from one person. Apply the entries in "
    "cursor order; the interval is how late you may learn of a change. /match is not delayed: "
    "it matches a new hash once the worker makes it active (within a minute), and refuses a "
    "withdrawn one at once."
)
MATCH_DESCRIPTION = (
    "Matches against the bank as it is now: a hash matches within a minute of being added "
    "(the worker makes it active), one withdrawn moments ago no longer does. "
    f"A request holds at most {MAX_MATCH_FRAMES} VideoVPDQ frames "
    "in all (one hour at one frame a second); more is refused with 422."
)


def document(server_url: str) -> dict[str, Any]:
    """Return the OpenAPI document, with ``server_url`` as the server."""
    token: list[dict[str, list[str]]] = [{"token": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Reclaim hash bank API",
            "version": f"1 (Reclaim {reclaim.__version__})",
            "description": "Fetch the bank of hashes people submitted to protect their intimate "
            "images, match uploads against it, and report what you did. Signal types and "
            "statuses follow StopNCII's names.",
        },
        "servers": [{"url": server_url}],
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {
            "/bank": {
                "get": {
                    "summary": "Changes to the bank since a cursor (additions and withdrawals)",
                    "description": FEED_DESCRIPTION,
                    "security": token,
                    "parameters": [
                        _query("cursor", 0, 2**62, 0),
                        _query("limit", 1, 10_000, 1000),
                    ],
                    "responses": {"200": _answer("A page of changes", _ref("Feed")), **ERRORS},
                }
            },
            "/match": {
                "post": {
                    "summary": "Match hashes against the active bank",
                    "description": MATCH_DESCRIPTION,
                    "security": token,
                    "requestBody": _json_body(_ref("MatchRequest")),
                    "responses": {"200": _answer("Matches", _ref("MatchResults")), **ERRORS},
                }
            },
            "/feedback": {
                "post": {
                    "summary": "Say what you did about a matched entry",
                    "security": token,
                    "requestBody": _json_body(_ref("Feedback")),
                    "responses": {"200": _answer("Recorded", _ref("Feedback")), **ERRORS},
                }
            },
            "/cases": {
                "post": {
                    "summary": "Open a protection case with hashes made on a person's device",
                    "security": [],
                    "requestBody": _json_body(_ref("NewCase")),
                    "responses": {"201": _answer("The case", _ref("Case")), **CASE_ERRORS},
                }
            },
            "/cases/status": {
                "post": {
                    "summary": "A case's hashes and what platforms did",
                    "security": [],
                    "requestBody": _json_body(_ref("CaseAccess")),
                    "responses": {"200": _answer("The case", _ref("Case")), **CASE_ERRORS},
                }
            },
            "/cases/add": {
                "post": {
                    "summary": "Add hashes made on the person's device to their case",
                    "security": [],
                    "requestBody": _json_body(_ref("AddToCase")),
                    "responses": {"200": _answer("The case", _ref("Case")), **CASE_ERRORS},
                }
            },
            "/cases/withdraw": {
                "post": {
                    "summary": "Withdraw some or all of a case's hashes",
                    "security": [],
                    "requestBody": _json_body(_ref("Withdrawal")),
                    "responses": {"200": _answer("The case", _ref("Case")), **CASE_ERRORS},
                }
            },
        },
    }


def _query(name: str, low: int, high: int, default: int) -> dict[str, Any]:
    schema = {"type": "integer", "minimum": low, "maximum": high, "default": default}
    return {"name": name, "in": "query", "required": False, "schema": schema}
