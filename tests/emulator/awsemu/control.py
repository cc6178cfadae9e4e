"""The control API under /_emulator/: unsigned JSON for tests to count
calls, reset, set faults and list live resources. Never subject to faults.

  GET  /_emulator/health            {"ok": true}
  GET  /_emulator/calls             counters (see Calls.snapshot)
  POST /_emulator/reset[?state=1]   zero the counters; state=1 also drops
                                    every resource and temporary credential
                                    and the record of timing draws
  GET  /_emulator/faults            current fault settings
  POST /_emulator/faults            change some settings (JSON object)
  GET  /_emulator/resources[?stack=NAME]
                                    live resources, optionally only those
                                    tagged berth:stack=NAME
  GET  /_emulator/clock             {"now": ISO time, "offset_seconds": N}
  POST /_emulator/clock             {"advance_seconds": N} moves the
                                    emulator's clock (credential expiry,
                                    creation times) forward; reset?state=1
                                    puts it back
  GET  /_emulator/timing            under --aws-timing, the durations drawn
                                    so far, each with its kind, key (ARN or
                                    id) and owner (awsemu.timing.drawn)
"""

import json
import threading
import urllib.parse

from . import timing
from .wire import Response

STACK_TAG = 'berth:stack'


class Calls:
    """Counts of AWS requests since start or the last reset.

    total / by_operation: every AWS request, whatever its outcome, keyed
        "service:Operation" ("?" where routing could not tell).
    rejected / rejected_by_operation / rejected_by_code: the subset answered
        with an error (authentication, validation, injected fault, or the
        service's own error such as NotFound) or dropped ("(dropped)").
    """

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self._total = 0
            self._by_operation = {}
            self._rejected = 0
            self._rejected_by_operation = {}
            self._rejected_by_code = {}

    def record(self, operation_key, error_code=None):
        with self._lock:
            self._total += 1
            self._by_operation[operation_key] = self._by_operation.get(operation_key, 0) + 1
            if error_code is not None:
                self._rejected += 1
                self._rejected_by_operation[operation_key] = \
                    self._rejected_by_operation.get(operation_key, 0) + 1
                self._rejected_by_code[error_code] = \
                    self._rejected_by_code.get(error_code, 0) + 1

    def snapshot(self):
        with self._lock:
            return {'total': self._total,
                    'by_operation': dict(sorted(self._by_operation.items())),
                    'rejected': self._rejected,
                    'rejected_by_operation': dict(sorted(self._rejected_by_operation.items())),
                    'rejected_by_code': dict(sorted(self._rejected_by_code.items()))}


def _json(status, document):
    return Response(status, [('Content-Type', 'application/json')],
                    json.dumps(document, indent=1, sort_keys=True))


def handle(app, request):
    path = request.raw_path.rstrip('/')
    query = dict(urllib.parse.parse_qsl(request.query))
    method = request.method
    if path == '/_emulator/health' and method == 'GET':
        return _json(200, {'ok': True})
    if path == '/_emulator/calls' and method == 'GET':
        return _json(200, app.calls.snapshot())
    if path == '/_emulator/reset' and method == 'POST':
        app.calls.reset()
        cleared = query.get('state') in ('1', 'true')
        if cleared:
            app.reset_state()
            timing.forget()
        return _json(200, {'ok': True, 'state_cleared': cleared})
    if path == '/_emulator/faults' and method == 'GET':
        return _json(200, app.faults.settings())
    if path == '/_emulator/faults' and method == 'POST':
        try:
            changes = json.loads(request.body.decode('utf-8') or '{}')
            if not isinstance(changes, dict):
                raise ValueError('body must be a JSON object')
            app.faults.update(changes)
        except ValueError as err:
            return _json(400, {'error': str(err)})
        return _json(200, app.faults.settings())
    if path == '/_emulator/clock' and method in ('GET', 'POST'):
        if method == 'POST':
            try:
                change = json.loads(request.body.decode('utf-8') or '{}')
                seconds = change['advance_seconds']
                if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
                    raise ValueError('advance_seconds must be a number')
            except (ValueError, KeyError, TypeError) as err:
                return _json(400, {'error': f'expected {{"advance_seconds": N}}: {err}'})
            app.clock_offset += seconds
        return _json(200, {'now': app.now().isoformat().replace('+00:00', 'Z'),
                           'offset_seconds': app.clock_offset})
    if path == '/_emulator/timing' and method == 'GET':
        # Under --aws-timing, every duration drawn so far, with the
        # resource it was drawn for (awsemu.timing.drawn).
        return _json(200, timing.drawn())
    if path == '/_emulator/resources' and method == 'GET':
        stack = query.get('stack')
        with app.store.lock:
            resources = [r.describe() for r in app.store.all()
                         if stack is None or r.tags.get(STACK_TAG) == stack]
        resources.sort(key=lambda r: (r['service'], r['type'], r['arn']))
        return _json(200, {'resources': resources})
    return _json(404, {'error': f'no control endpoint {method} {request.raw_path}',
                       'endpoints': ['GET /_emulator/health', 'GET /_emulator/calls',
                                     'POST /_emulator/reset[?state=1]',
                                     'GET|POST /_emulator/faults',
                                     'GET /_emulator/resources[?stack=NAME]',
                                     'GET /_emulator/timing',
                                     'GET|POST /_emulator/clock']})
