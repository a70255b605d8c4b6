"""The one base of every error the core raises.

ReclaimError
 ├── ContentError          a content file breaks a rule in docs/content.md
 ├── MarkupError           content text links to a target of no allowed form
 ├── ChromiumNotFoundError no Chromium on this machine
 ├── KdfError              key-derivation settings below the locker's floor
 ├── SealError             a sealed blob or record failed authentication
 ├── CustodyError          the custody log's chain or a signature is broken
 ├── IncidentError         an incident lacks what it needs
 │    └── Under18Error      media offered where someone was under 18 in the image
 ├── HashError             a file or hash value that cannot be hashed or read as one
 ├── NoticeError           a removal request cannot be made or changed as asked
 │    ├── MissingElementsError  its legal profile's elements are not all there
 │    ├── Under18RequestError   someone was under 18 in the image: no request to a platform
 │    ├── TrackingError         a status change the model does not allow
 │    └── DuplicateRequestError an open request for that address and platform exists
 ├── RecheckError          an address that cannot be re-checked (not http or https)
 ├── AddressRefusedError   an address the public-address policy refuses (reclaim.addresses)
 ├── FetchError            a fetch gave up: too many redirects, no address (notices._fetch)
 ├── RdapError             an RDAP bootstrap file that cannot be read
 ├── MatchingError         a hash index asked something it cannot answer
 ├── SignalError           a hash offered to the bank that cannot be accepted
 ├── BankServiceError      a hash bank service unreachable, or refusing a request
 ├── FiguresError          a statistic's input that cannot be counted (reclaim.figures)
 ├── ReferralError         a referral cannot be made, read or sent (reclaim.referrals)
 │    ├── ReferralFormatError     not a referral, or a version not read here
 │    │    └── TruncatedReferralError  cut short
 │    ├── WrongReferralKeyError   sealed to another helpline's key
 │    ├── TamperedReferralError   changed after sealing
 │    ├── ReferralExpiredError    its time to be read has passed
 │    └── ReferralServiceError    the helpline's service refused or was unreachable
 └── LockerError           a locker cannot be created, opened or changed
      ├── WrongKeyError       the passphrase or recovery code does not open it
      ├── NotFoundError       no item, incident or removal request with that id
      └── CorruptLockerError  part of it was changed or damaged outside Reclaim
"""


class ReclaimError(Exception):
    """Base class of every error raised on purpose by Reclaim."""
