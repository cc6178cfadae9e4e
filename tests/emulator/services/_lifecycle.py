"""Shared helper of the monitoring services (amp, grafana, cloudformation):
delayed state transitions.

AWS resources such as AMP and Grafana workspaces and CloudFormation stacks
move through states on their own (CREATING -> ACTIVE, DELETING -> gone)
after the call that started them has returned. `later(store, seconds, fn)`
runs `fn()` once, `seconds` from now, on one background thread, under the
store's lock (as handlers run), so a transition happens whoever looks and
whenever: a client polling another service, the tagging API and the control
API all see it. `fn` must check that what it changes still exists: a
`reset?state=1` may have cleared the store meanwhile.

The delay of every transition is DELAY seconds, from the environment
variable BERTH_EMULATOR_DELAY (default 0.5): short so that tests are fast,
yet long enough that a client must really wait (botocore waiters, berth's
own polling).

This file starts with `_`, so the service loader does not load it as a
service; the service files load it by path (see `load` at their top)."""

import heapq
import itertools
import os
import sys
import threading
import time
import traceback

DELAY = float(os.environ.get('BERTH_EMULATOR_DELAY', '0.5'))


def delay(kind, key=None):
    """Seconds a transition of `kind` (a row of awsemu.timing.TABLE) takes
    for the resource `key`: AWS's duration, scaled, under --aws-timing;
    else DELAY (a CloudFormation step: a quarter of it)."""
    from awsemu import timing
    if timing.on():
        return timing.seconds(kind, key)
    return DELAY / 4 if kind == 'CFN_STEP' else DELAY

_queue = []  # (due, sequence, store, fn)
_sequence = itertools.count()
_cond = threading.Condition()
_thread = None


def later(store, seconds, fn):
    """Run fn() under store.lock after `seconds`."""
    global _thread
    with _cond:
        heapq.heappush(_queue, (time.monotonic() + seconds, next(_sequence), store, fn))
        if _thread is None:
            _thread = threading.Thread(target=_run, name='berth-emulator-transitions',
                                       daemon=True)
            _thread.start()
        _cond.notify()


def _run():
    while True:
        with _cond:
            while not _queue or _queue[0][0] > time.monotonic():
                _cond.wait(None if not _queue else max(0.0, _queue[0][0] - time.monotonic()))
            _, _, store, fn = heapq.heappop(_queue)
        try:
            with store.lock:
                fn()
        except Exception:  # a bug in a transition: say so, keep the thread alive
            traceback.print_exc(file=sys.stderr)
