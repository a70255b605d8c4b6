"""What can go wrong with a referral, each with its own class so callers can say it plainly.

ReferralError (ReclaimError)       a referral cannot be made, read or sent as asked
 ├── ReferralFormatError           not a referral, or a format version this code does not read
 │    └── TruncatedReferralError   cut short: fewer bytes than its framing says
 ├── WrongReferralKeyError         not sealed to this helpline's key
 ├── TamperedReferralError         changed after sealing: a digest or size does not match
 ├── ReferralExpiredError          its time to be read has passed
 └── ReferralServiceError          the helpline's service refused or could not be reached
"""

from reclaim.errors import ReclaimError


class ReferralError(ReclaimError):
    """A referral cannot be made, read or sent as asked; the message says why."""


class ReferralFormatError(ReferralError):
    """The bytes are not a referral, or one of a format version this code does not read."""


class TruncatedReferralError(ReferralFormatError):
    """The referral ends before its framing says it does: it was cut short."""


class WrongReferralKeyError(ReferralError):
    """The referral is not sealed to this key: it was meant for another helpline."""


class TamperedReferralError(ReferralError):
    """The referral was changed after it was sealed: a digest or a size does not match."""


class ReferralExpiredError(ReferralError):
    """The referral's time to be read, chosen by the survivor, has passed."""


class ReferralServiceError(ReferralError):
    """The helpline's service refused a request or could not be reached.

    ``status`` is the HTTP status when there was an answer (0 when there was none).
    """

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status
