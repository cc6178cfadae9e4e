"""The `ctx` every handler receives: who is calling, where, and the helpers
handlers share (ARNs, resources scoped to the caller's account and region,
pagination)."""

import base64
import json

from . import timing
from .errors import AwsError
from .state import Resource


# Operations that read, and so may not see a resource created a moment ago
# (fault setting visibility_delay_ms). STS has no resources to lag.
_READ_PREFIXES = ('Describe', 'List', 'Get')


class Context:
    """service, operation: what was called ("sns", "CreateTopic").
    account, region:       the caller's account (from its key) and the region
                           of its credential scope.
    identity:              credentials.Identity of the caller (None for
                           unsigned operations).
    access_key:            the key that signed the request.
    request_id:            the id sent back in x-amzn-RequestId.
    page_size:             the emulator's default page size (--page-size).
    store, credentials:    the app's state.Store and CredentialStore.
    """

    def __init__(self, app, service, operation, account, region, identity,
                 access_key, request_id):
        self.app = app
        self.service = service
        self.operation = operation
        self.account = account
        self.region = region
        self.identity = identity
        self.access_key = access_key
        self.request_id = request_id
        self.page_size = app.page_size
        self.store = app.store
        self.credentials = app.credentials
        # True for the emulator's own calls that AWS makes strongly
        # consistent (CloudFormation's handlers): no lag, no ghosts.
        self.consistent = False

    def now(self):
        """The emulator's current time (real time plus any offset a test set
        with POST /_emulator/clock)."""
        return self.app.now()

    def arn(self, resource, service=None, region=None, account=None):
        """arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE, defaulting to the caller's
        service (its signing name), region and account."""
        return (f'arn:aws:{service or self.app.arn_service(self.service)}:'
                f'{self.region if region is None else region}:'
                f'{account or self.account}:{resource}')

    # ---- resources in the caller's account and region --------------------

    def add_resource(self, type, id, arn, data=None, tags=None, taggable=True,
                     region=None, info_keys=()):
        """Store a new resource of the caller's service, account and region
        (region='' for a global one) and return it. See state.Resource."""
        return self.store.add(Resource(
            self.service, type, id, arn, self.account,
            self.region if region is None else region,
            data if data is not None else {}, tags, taggable, self.now(), info_keys))

    def visible(self, resource):
        """Whether this call sees the resource yet: read operations do not
        see one created less than visibility_delay_ms ago (AWS's eventual
        consistency); writes always do, as AWS's "already exists" checks do."""
        if resource is None or not self.operation.startswith(_READ_PREFIXES) \
                or self.consistent \
                or self.service in ('sts', 's3'):  # S3 reads are strongly consistent
            return True
        if timing.on():
            # Each resource its own lag, drawn from the seed; the tagging
            # API's index lags longest.
            kind = 'VISIBLE_TAGGING' if self.service == 'resourcegroupstaggingapi' \
                else 'VISIBLE'
            return (self.now() - resource.created).total_seconds() >= \
                timing.seconds(kind, resource.arn)
        delay = self.app.faults.settings().get('visibility_delay_ms') or 0
        if not delay:
            return True
        return (self.now() - resource.created).total_seconds() * 1000 >= delay

    def propagated(self, resource):
        """Whether a write naming this resource by its id finds it: under
        AWS timing, not before its reads do (the same draw). EC2 documents
        it: "if you run a command to modify or describe the resource that
        you just created, its ID might not have propagated throughout the
        system, and you will get an error responding that the resource does
        not exist" (EC2 API reference, Eventual consistency). Only the EC2
        handlers ask: other services document no such lag for writes."""
        if resource is None or not timing.on() or self.consistent \
                or self.operation.startswith(_READ_PREFIXES):
            return True
        return (self.now() - resource.created).total_seconds() >= \
            timing.seconds('VISIBLE', resource.arn)

    def find_resource(self, type, id, service=None):
        resource = self.store.find(self.account, self.region, service or self.service, type, id)
        return resource if self.visible(resource) else None

    def resource_by_arn(self, arn):
        """The resource with this ARN if the caller's account and region own
        it (AWS never shows another account's resources)."""
        resource = self.store.get(arn)
        if resource is None or resource.account != self.account \
                or resource.region not in (self.region, ''):
            return None
        return resource if self.visible(resource) else None

    def resources(self, type=None, service=None, region=None):
        """The caller's resources of `type` in its region (region='' for a
        global service's: IAM) as a read sees them: those created a moment
        ago missing, those deleted a moment ago still there (AWS timing)."""
        region = self.region if region is None else region
        live = [r for r in self.store.select(self.account, region, service or self.service,
                                             type) if self.visible(r)]
        return live + [r for r in self.ghosts() if r.service == (service or self.service)
                       and (type is None or r.type == type) and r.region == region]

    def ghosts(self):
        """Under AWS timing, resources deleted a moment ago that a listing
        (a read operation) still shows; each lingers its own while, drawn
        from the seed, longest in the tagging API. [] for writes."""
        if not timing.on() or not self.operation.startswith(_READ_PREFIXES) or self.consistent:
            return []
        kind = 'GHOST_TAGGING' if self.service == 'resourcegroupstaggingapi' else 'GHOST'
        now = self.now()
        seen = []
        for arn, (resource, removed) in list(self.store.ghosts.items()):
            if (now - removed).total_seconds() >= timing.seconds(kind, arn) and \
                    (now - removed).total_seconds() >= timing.TABLE['GHOST_TAGGING'][1] * \
                    timing.scale():
                del self.store.ghosts[arn]
            elif resource.account == self.account and self.store.get(arn) is None and \
                    (now - removed).total_seconds() < timing.seconds(kind, arn):
                seen.append(resource)
        return seen

    def remove_resource(self, arn):
        # The store records the ghost, as for removals made outside a
        # request (a workspace's DELETING ending, a drained service).
        return self.store.remove(arn)

    # ---- pagination -------------------------------------------------------

    def page_limit(self, requested=None, aws_default=None):
        """How many items a page holds: what the client asked for, else the
        emulator's small page size (never more than AWS's own default)."""
        if requested:
            return requested
        if aws_default:
            return min(self.page_size, aws_default)
        return self.page_size

    def paginate(self, items, token, limit, key, invalid_token):
        """One page of `items` (already in the order AWS returns them) after
        the opaque `token`; returns (page, next_token or None).

        The token names the last item's key rather than an offset, so a
        resource deleted between pages does not make the next page skip one.
        `invalid_token` is the AwsError to raise for a token this emulator
        did not issue."""
        start = 0
        if token:
            try:
                state = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
                after = state['after']
                if state.get('op') != self.operation:
                    raise ValueError('token from another operation')
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                raise invalid_token
            start = _first_after([key(item) for item in items], after)
        page = items[start:start + limit]
        next_token = None
        if start + limit < len(items):
            state = {'op': self.operation, 'after': key(page[-1])}
            next_token = base64.urlsafe_b64encode(json.dumps(state).encode()).decode()
        return page, next_token

    def error(self, code, message, status=None):
        return AwsError(code, message, status)


def _first_after(keys, after):
    """Index of the first item after the one keyed `after`. When that item is
    gone, the first whose key sorts after it (lists are in key order)."""
    for index, key in enumerate(keys):
        if key == after:
            return index + 1
    for index, key in enumerate(keys):
        if key > after:
            return index
    return len(keys)
