"""Every resource the emulator holds, in one store keyed by ARN.

Services keep their resources here rather than in private dicts so that
three things stay true by construction: tags live in one index (the
Resource Groups Tagging API, each service's own tag calls and the control
API's `berth:stack` filter all see the same tags), `/_emulator/resources`
lists everything that is live, and `reset?state=1` clears it all.

Resources belong to an account and a region (region '' for global ones such
as IAM). Handlers run one at a time under `Store.lock` (see server.py), so
they read and change resources without further locking."""

import threading

from . import timing


class Resource:
    """One live resource.

    service:  botocore service name ("logs", "sns").
    type:     the resource type as the tagging API names it ("log-group",
              "topic", "subscription"); `service:type` is what
              GetResources' ResourceTypeFilters match.
    id:       the name or id the service's own API uses to find it.
    arn:      its ARN; the store's key.
    data:     the service's attributes for it (free-form dict).
    tags:     dict of tag key -> value (empty for untaggable resources).
    taggable: False for things AWS cannot tag (SNS subscriptions).
    ever_tagged: GetResources returns only resources that are or were tagged.
    info_keys: keys of `data` the control API shows (for tests: an SNS
              subscription's confirmation token).
    """

    def __init__(self, service, type, id, arn, account, region, data, tags,
                 taggable, created, info_keys=()):
        self.service = service
        self.type = type
        self.id = id
        self.arn = arn
        self.account = account
        self.region = region
        self.data = data
        self.tags = dict(tags or {})
        self.taggable = taggable
        self.ever_tagged = bool(self.tags)
        self.created = created
        self.info_keys = tuple(info_keys)

    def set_tags(self, tags):
        self.tags.update(tags)
        if tags:
            self.ever_tagged = True

    def remove_tags(self, keys):
        for key in keys:
            self.tags.pop(key, None)

    def describe(self):
        """The control API's view of the resource."""
        return {'service': self.service, 'type': self.type, 'id': self.id,
                'arn': self.arn, 'account': self.account, 'region': self.region,
                'tags': dict(self.tags),
                'created': self.created.isoformat().replace('+00:00', 'Z'),
                'info': {k: self.data[k] for k in self.info_keys if k in self.data}}


class Store:
    def __init__(self):
        # Re-entrant so a handler may call helpers that lock again.
        self.lock = threading.RLock()
        self._by_arn = {}
        # Deleted resources listings may still show (AWS timing's
        # eventual consistency): arn -> (resource, when it was deleted).
        # Every removal is recorded, whichever handler or background
        # transition made it (see Context.ghosts for who sees them).
        self.ghosts = {}
        # The emulator's clock (App.now, which tests can move forward);
        # set by the App.
        self.clock = None

    def add(self, resource):
        with self.lock:
            if resource.arn in self._by_arn:
                raise KeyError(f'resource {resource.arn} already exists')
            self._by_arn[resource.arn] = resource
            return resource

    def get(self, arn):
        with self.lock:
            return self._by_arn.get(arn)

    def remove(self, arn):
        with self.lock:
            resource = self._by_arn.pop(arn, None)
            if resource is not None and timing.on() and self.clock is not None:
                self.ghosts[arn] = (resource, self.clock())
            return resource

    def find(self, account, region, service, type, id):
        with self.lock:
            for resource in self._by_arn.values():
                if (resource.account, resource.region, resource.service,
                        resource.type, resource.id) == (account, region, service, type, id):
                    return resource
            return None

    def select(self, account=None, region=None, service=None, type=None):
        """Resources matching every given criterion, in creation order."""
        with self.lock:
            return [r for r in self._by_arn.values()
                    if (account is None or r.account == account)
                    and (region is None or r.region == region)
                    and (service is None or r.service == service)
                    and (type is None or r.type == type)]

    def all(self):
        with self.lock:
            return list(self._by_arn.values())

    def clear(self):
        with self.lock:
            self._by_arn.clear()
            self.ghosts.clear()
