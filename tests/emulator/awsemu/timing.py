"""AWS in time (`start --aws-timing SCALE`): how long AWS takes, and what it
answers meanwhile, with every duration multiplied by SCALE (1 = real time;
tests use 0.01-0.05).

TABLE holds the real durations, (shortest, longest) in seconds, one row per
kind; tests/emulator/README.md lists the same rows with the AWS
documentation or public issue each comes from. A resource's duration of a
kind is drawn once from its own key (ARN or id) and the seed, so the same
seed gives the same run whatever order requests arrive in.

Off (SCALE not given), every function here answers None and the services
keep their fixed test delays (BERTH_EMU_DELAY, BERTH_EMULATOR_DELAY).

One emulator is one process, configured once at start: the setting is this
module's, like the registry of handlers."""

import hashlib
import random
import threading

# kind: (shortest, longest) seconds in AWS.
TABLE = {
    # Eventual consistency: how long after its creation a resource is
    # missing from reads (Describe*/List*/Get*), and how long after its
    # deletion listings still show it. The tagging API lags longest.
    'VISIBLE': (0.0, 5.0),
    'VISIBLE_TAGGING': (10.0, 60.0),
    'GHOST': (0.0, 5.0),
    'GHOST_TAGGING': (10.0, 60.0),
    # A new IAM role cannot be assumed (or passed) until it has propagated.
    'IAM': (5.0, 15.0),
    # Long creations and deletions.
    'NAT': (60.0, 120.0),            # pending -> available
    'NAT_DELETE': (30.0, 60.0),      # deleting -> deleted
    'ELB': (120.0, 180.0),           # provisioning -> active
    'ELB_HEALTH': (30.0, 60.0),      # initial -> healthy (2 checks x 30 s)
    'ENI_ELB': (60.0, 300.0),        # ENIs after DeleteLoadBalancer
    'ENI_ECS': (30.0, 120.0),        # a stopped Fargate task's ENI
    'ENI_NAT': (10.0, 60.0),         # a deleted NAT gateway's ENI
    'ECS': (30.0, 90.0),             # task PROVISIONING -> RUNNING (image pull)
    'ECS_STOP': (30.0, 35.0),        # STOPPING -> STOPPED (stopTimeout 30 s)
    'DEREGISTRATION': (300.0, 300.0),  # target group's default deregistration delay
    'INSTANCE': (30.0, 60.0),
    'SD': (30.0, 60.0),              # Cloud Map namespace operation
    'CFN_STEP': (5.0, 30.0),         # one resource of a stack
    'AMP': (30.0, 90.0),             # AMP workspace CREATING / DELETING
    'GRAFANA': (480.0, 720.0),       # Grafana workspace CREATING (about ten minutes)
    'GRAFANA_DELETE': (60.0, 180.0),
    'GRAFANA_UPDATE': (60.0, 180.0),
    'IAM_SLR': (5.0, 15.0),          # service-linked role deletion task
}

_lock = threading.Lock()
_scale = None
_seed = 0
_random = random.Random(0)
# What was drawn: (kind, key) -> {'seconds', 'owner'}, so that a bench
# computes the bound of this very run (GET /_emulator/timing).
_drawn = {}


def configure(scale, seed=None):
    """Turn AWS timing on (scale > 0) or off (None)."""
    global _scale, _seed, _random
    if scale is not None and not scale > 0:
        raise ValueError('--aws-timing SCALE must be greater than 0')
    with _lock:
        _scale = scale
        _seed = seed or 0
        _random = random.Random(_seed)
        _drawn.clear()


def on():
    return _scale is not None


def scale():
    return _scale


def fraction(kind, key=None):
    """A number in [0, 1) fixed by (seed, kind, key); from the seeded
    sequence when there is no key."""
    if key is None:
        with _lock:
            return _random.random()
    digest = hashlib.sha256(f'{_seed}\0{kind}\0{key}'.encode()).digest()
    return int.from_bytes(digest[:8], 'big') / 2 ** 64


def seconds(kind, key=None, owner=None, holds=None):
    """How long `kind` takes for the resource `key`, scaled; None when AWS
    timing is off. Recorded with the draw: `owner`, the id or ARN of what
    the key belongs to when that is another resource (a task's service, an
    ENI's load balancer), and `holds`, the ids a lingering key keeps from
    being deleted (an ENI's subnet and security groups)."""
    if _scale is None:
        return None
    low, high = TABLE[kind]
    value = (low + (high - low) * fraction(kind, key)) * _scale
    if key is not None:
        with _lock:
            entry = _drawn.setdefault((kind, key), {'seconds': value})
            if owner is not None:
                entry['owner'] = owner
            if holds is not None:
                entry['holds'] = sorted(holds)
    return value


def forget():
    """Drop the record of draws (the emulator's state was reset); the draws
    themselves stay what the seed makes them."""
    with _lock:
        _drawn.clear()


def drawn():
    """The durations drawn so far: {'scale', 'seed', 'draws': [{'kind',
    'key', 'seconds'[, 'owner'][, 'holds']}]}, sorted by kind and key."""
    with _lock:
        draws = [dict(kind=kind, key=key, **entry)
                 for (kind, key), entry in sorted(_drawn.items())]
    return {'scale': _scale, 'seed': _seed, 'draws': draws}


def scaled(real_seconds):
    """A duration AWS states exactly (a target group's deregistration
    delay attribute), scaled; None when off."""
    if _scale is None:
        return None
    return real_seconds * _scale


def override(kind, low, high):
    """Replace one row's durations (real seconds, still multiplied by
    SCALE): `start --aws-timing-row KIND=LOW:HIGH`, for a test that needs one
    behaviour to outlast the client's step across it (an IAM role that takes
    longer to propagate than berth takes from creating it to naming it)
    while everything else keeps AWS's durations at a small SCALE."""
    if kind not in TABLE:
        raise ValueError(f'no row {kind} in the AWS timing table')
    if not 0 <= low <= high:
        raise ValueError(f'{kind}: need 0 <= LOW <= HIGH')
    with _lock:
        TABLE[kind] = (float(low), float(high))
