"""The access keys the emulator accepts and who each one is.

Static keys come from `start --credentials AKID:SECRET[:TOKEN]` (default
AKIDEMULATOR / emulator-secret); temporary ones are minted by STS
AssumeRole* and expire. A key registered with a session token is only
accepted with that token, and a key without one rejects any token, as AWS
does."""

import datetime
import hashlib
import secrets
import string
import threading

DEFAULT_ACCESS_KEY = 'AKIDEMULATOR'
DEFAULT_SECRET_KEY = 'emulator-secret'
DEFAULT_ACCOUNT = '123456789012'

_ALNUM_UPPER = string.ascii_uppercase + string.digits


def _stable_suffix(seed, length):
    """A deterministic AWS-looking id suffix, so a key's user id is stable."""
    digest = hashlib.sha256(seed.encode()).digest()
    return ''.join(_ALNUM_UPPER[b % len(_ALNUM_UPPER)] for b in digest[:length])


class Identity:
    """Who a key belongs to, as STS GetCallerIdentity reports it."""

    def __init__(self, account, arn, user_id):
        self.account = account
        self.arn = arn
        self.user_id = user_id


class Credential:
    def __init__(self, access_key, secret_key, identity, session_token=None,
                 expires=None, temporary=False):
        self.access_key = access_key
        self.secret_key = secret_key
        self.identity = identity
        self.session_token = session_token
        self.expires = expires
        self.temporary = temporary


class CredentialStore:
    def __init__(self, default_account=DEFAULT_ACCOUNT):
        self._lock = threading.Lock()
        self._keys = {}
        self.default_account = default_account

    def add_static(self, spec):
        """Register `AKID:SECRET` or `AKID:SECRET:TOKEN` as an IAM user of the
        default account."""
        parts = spec.split(':', 2)
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise ValueError(f'credentials must be AKID:SECRET or AKID:SECRET:TOKEN, not {spec!r}')
        access_key, secret_key = parts[0], parts[1]
        token = parts[2] if len(parts) == 3 else None
        account = self.default_account
        identity = Identity(account, f'arn:aws:iam::{account}:user/berth-emulator',
                            'AIDA' + _stable_suffix(access_key, 17))
        with self._lock:
            self._keys[access_key] = Credential(access_key, secret_key, identity, token)

    def mint(self, identity, duration_seconds, now):
        """New temporary credentials (ASIA... key, secret, session token)
        for `identity`, valid for `duration_seconds`."""
        access_key = 'ASIA' + ''.join(secrets.choice(_ALNUM_UPPER) for _ in range(16))
        secret_key = secrets.token_urlsafe(30)[:40]
        token = 'FwoGZXIvYXdzE' + secrets.token_urlsafe(96)
        expires = now + datetime.timedelta(seconds=duration_seconds)
        credential = Credential(access_key, secret_key, identity, token, expires,
                                temporary=True)
        with self._lock:
            self._keys[access_key] = credential
        return credential

    def lookup(self, access_key):
        with self._lock:
            return self._keys.get(access_key)

    def clear_temporary(self):
        with self._lock:
            for key in [k for k, c in self._keys.items() if c.temporary]:
                del self._keys[key]
