"""A failed capture carries a stable reason, and its message never holds Playwright's call log."""

import pytest
from playwright.sync_api import Error as PlaywrightError

from reclaim.capture import CaptureError, CaptureReason, CaptureRefusedError
from reclaim.capture._capture import _browser_failure
from reclaim.capture._errors import reason_of_browser_error
from reclaim.capture._gate import AddressGate, check_url

CALL_LOG = '\nCall log:\n  - navigating to "https://example.org/", waiting until "networkidle"\n'


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("Timeout 30000ms exceeded.", CaptureReason.TIMEOUT),
        ("net::ERR_TIMED_OUT at https://example.org/", CaptureReason.TIMEOUT),
        ("net::ERR_NAME_NOT_RESOLVED at https://example.org/", CaptureReason.NOT_FOUND),
        ("net::ERR_CERT_AUTHORITY_INVALID at https://example.org/", CaptureReason.CERTIFICATE),
        ("net::ERR_CONNECTION_REFUSED at https://example.org/", CaptureReason.UNREACHABLE),
        ("Target page, context or browser has been closed", CaptureReason.FAILED),
    ],
)
def test_a_browser_failure_keeps_its_first_line_and_a_reason(
    message: str, reason: CaptureReason
) -> None:
    assert reason_of_browser_error(message + CALL_LOG) == reason
    failure = _browser_failure(PlaywrightError("Page.goto: " + message + CALL_LOG))
    assert failure.reason == reason
    assert "Call log" not in str(failure) and "navigating" not in str(failure)
    assert str(failure).endswith(message)


def test_the_gate_gives_a_reason_for_each_refusal() -> None:
    with pytest.raises(CaptureError) as bad:
        check_url("file:///etc/passwd")
    assert bad.value.reason == CaptureReason.BAD_ADDRESS
    with pytest.raises(CaptureRefusedError) as private:
        AddressGate().resolve("127.0.0.1", 80)
    assert private.value.reason == CaptureReason.PRIVATE
    with pytest.raises(CaptureError) as unknown:
        AddressGate(resolver=lambda host, port: []).resolve("nowhere.example", 443)
    assert unknown.value.reason == CaptureReason.NOT_FOUND
