"""Fault injection: latency, throttling, 5xx errors and dropped connections,
drawn from one seeded random.Random so that a run can be repeated.

Every AWS request draws the same five numbers in the same order whatever
is enabled (jitter, drop, throttle, error, which error), so changing one
rate does not shift the others' sequence. Deterministic counters
(`throttle_next: 2` = the next two requests are throttled) make retry tests
exact without probabilities. `operations` limits faults to some operations
("sns:CreateTopic") or services ("logs").

`visibility_delay_ms` is eventual consistency, as AWS has it: a resource
created less than that long ago is not yet seen by read operations
(Describe*, List*, Get*, the tagging API's GetResources), though writes and
"already exists" checks see it at once. Applied in context.Context.

`throttle_first: K` throttles the first K times each distinct request (same
operation, same body) arrives, so that every call of a run needs exactly K
retries: a storm whose outcome does not depend on how berth's workers
interleave.

`ignore_filters: true` is a server that ignores the filters of listings
(EC2 Filters, the tagging API's TagFilters and ResourceTypeFilters, Logs'
queryDefinitionNamePrefix, logGroupNamePrefix and logGroupIdentifiers,
Cloud Map's ListNamespaces/ListServices Filters, ELBv2's Names, CloudWatch's
AlarmNames and AlarmNamePrefix, ECS's DescribeClusters and DescribeServices
lists): it answers with everything of the kind asked
for, as some AWS-compatible servers do. Handlers read it with
`ignores_filters(ctx)`. Off by default.

`lose_answer_next` is the failure that makes duplicates: the next N matching
requests are carried out (state changes) and then the connection drops
before the answer, so the client cannot know whether its create happened."""

import random
import threading

SETTINGS = ('latency_ms', 'jitter_ms', 'throttle_rate', 'error_rate', 'drop_rate',
            'seed', 'throttle_next', 'error_next', 'drop_next', 'operations',
            'visibility_delay_ms', 'lose_answer_next', 'throttle_first', 'ignore_filters')


class Faults:
    def __init__(self, latency_ms=0, jitter_ms=0, throttle_rate=0.0, error_rate=0.0,
                 drop_rate=0.0, seed=None, visibility_delay_ms=0):
        self._lock = threading.Lock()
        self._settings = {'latency_ms': 0, 'jitter_ms': 0, 'throttle_rate': 0.0,
                          'error_rate': 0.0, 'drop_rate': 0.0, 'seed': None,
                          'throttle_next': 0, 'error_next': 0, 'drop_next': 0,
                          'operations': None, 'visibility_delay_ms': 0,
                          'lose_answer_next': 0, 'throttle_first': 0,
                          'ignore_filters': False}
        self._seen = {}
        self._random = random.Random()
        self.update({'latency_ms': latency_ms, 'jitter_ms': jitter_ms,
                     'throttle_rate': throttle_rate, 'error_rate': error_rate,
                     'drop_rate': drop_rate, 'seed': seed,
                     'visibility_delay_ms': visibility_delay_ms})

    def settings(self):
        with self._lock:
            return dict(self._settings)

    def update(self, changes):
        """Apply a partial settings dict (the body of POST /_emulator/faults).
        Raises ValueError naming the first bad entry; nothing changes then.
        Giving `seed` (even the same one) restarts the random sequence."""
        new = self.settings()
        for key, value in changes.items():
            if key not in SETTINGS:
                raise ValueError(f'unknown fault setting {key!r} (known: {", ".join(SETTINGS)})')
            if key.endswith('_rate'):
                if isinstance(value, bool) or not isinstance(value, (int, float)) \
                        or not 0 <= value <= 1:
                    raise ValueError(f'{key} must be a number from 0 to 1')
                value = float(value)
            elif key == 'ignore_filters':
                if not isinstance(value, bool):
                    raise ValueError('ignore_filters must be true or false')
            elif key in ('latency_ms', 'jitter_ms', 'throttle_next', 'error_next', 'drop_next',
                         'visibility_delay_ms', 'lose_answer_next', 'throttle_first'):
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValueError(f'{key} must be a non-negative integer')
            elif key == 'seed':
                if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                    raise ValueError('seed must be an integer or null')
            elif key == 'operations':
                if value is not None and (not isinstance(value, list) or
                                          not all(isinstance(v, str) for v in value)):
                    raise ValueError('operations must be a list of "service" or '
                                     '"service:Operation" strings, or null')
            new[key] = value
        with self._lock:
            self._settings = new
            if 'seed' in changes:
                self._random = random.Random(new['seed'])
            if 'throttle_first' in changes:
                self._seen = {}

    def draw(self):
        """The random part of the decision, taken when a request arrives.
        Returns (latency seconds, a function deciding the action for a given
        "service:Operation" once the request has been parsed)."""
        with self._lock:
            s = self._settings
            jitter, drop, throttle, error, which = (self._random.random() for _ in range(5))
            latency = (s['latency_ms'] + jitter * s['jitter_ms']) / 1000.0
            rates = (s['drop_rate'], s['throttle_rate'], s['error_rate'])

        def decide(operation_key, body=b''):
            with self._lock:
                s = self._settings
                if not _selected(s['operations'], operation_key):
                    return None
                # Counters first: they are the deterministic way to ask.
                for counter, action in (('drop_next', 'drop'), ('throttle_next', 'throttle'),
                                        ('error_next', 'error'),
                                        ('lose_answer_next', 'lose_answer')):
                    if s[counter] > 0:
                        s[counter] -= 1
                        return _error_kind(action, which)
                if s['throttle_first']:
                    key = (operation_key, bytes(body or b''))
                    seen = self._seen.get(key, 0)
                    if seen < s['throttle_first']:
                        self._seen[key] = seen + 1
                        return 'throttle'
            if drop < rates[0]:
                return 'drop'
            if throttle < rates[1]:
                return 'throttle'
            if error < rates[2]:
                return _error_kind('error', which)
            return None

        return latency, decide


def _error_kind(action, which):
    if action != 'error':
        return action
    return 'internal' if which < 0.5 else 'unavailable'


def _selected(operations, operation_key):
    if not operations:
        return True
    service = operation_key.split(':', 1)[0]
    return operation_key in operations or service in operations


def ignores_filters(ctx):
    """Whether the emulator plays a server that ignores listing filters."""
    return bool(ctx.app.faults.settings().get('ignore_filters'))
