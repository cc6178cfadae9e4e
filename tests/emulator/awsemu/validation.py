"""Validation of parsed parameters against the operation's input shape
(required members, length and value ranges, patterns, enums, unions), and
the turning of every problem found, by the parser or here, into the error
AWS returns for that protocol and service.

Messages follow AWS's own ("1 validation error detected: Value null at
'logGroupName' failed to satisfy constraint: Member must not be null"), so
tests can pin them the way berth's users will see them."""

import re
import sys

from . import models, registry
from .errors import AwsError
from .protocols.common import Problem, coral_path

# Java's Unicode classes, which Python's `re` lacks. ASCII is exact;
# beyond ASCII these are close approximations (they only widen or narrow
# acceptance for non-Latin letters, which berth never sends).
_UNICODE_CLASSES = {
    r'\p{L}': r'a-zA-Z\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02c1'
              r'\u0370-\u03ff\u0400-\u052f\u0590-\u06ff\u0900-\u0dff\u0e00-\u0eff'
              r'\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af',
    r'\p{N}': r'0-9\u00b2\u00b3\u00b9\u00bc-\u00be\u0660-\u0669\u06f0-\u06f9'
              r'\u0966-\u096f\uff10-\uff19',
    r'\p{Z}': r' \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000',
    r'\p{Alnum}': r'a-zA-Z0-9',
    r'\p{Alpha}': r'a-zA-Z',
    r'\p{Digit}': r'0-9',
    r'\p{Punct}': r'!-/:-@\[-`{-~',
}

_compiled = {}


def _compile(pattern):
    """The model's (Java) regular expression as a Python one, or None when it
    uses something Python cannot express; those patterns are skipped, once,
    with a warning, rather than rejecting valid requests."""
    if pattern in _compiled:
        return _compiled[pattern]
    text = pattern.replace(r'\z', r'\Z')
    for java, ranges in _UNICODE_CLASSES.items():
        # Inside a character class the ranges slot in; outside, they need
        # brackets of their own. Inside is by far the common case.
        text = re.sub(r'(\[[^\]]*?)' + re.escape(java),
                      lambda m: m.group(1) + ranges, text)
        text = text.replace(java, f'[{ranges}]')
    try:
        regex = re.compile(text, re.DOTALL)
    except re.error as err:
        print(f'berth-emulator: warning: model pattern {pattern!r} not checked ({err})',
              file=sys.stderr)
        regex = None
    _compiled[pattern] = regex
    return regex


def _fmt(value):
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (list, tuple)):
        return '[' + ', '.join(_fmt(v) for v in value) + ']'
    if isinstance(value, dict):
        return '{' + ', '.join(f'{k}={_fmt(v)}' for k, v in value.items()) + '}'
    return f"'{value}'"


def _constraint(problems, value, path, rule):
    problems.append(Problem(
        'constraint', path,
        f"Value {_fmt(value)} at '{path}' failed to satisfy constraint: {rule}"))


def check(value, shape, path='', problems=None):
    """Append a Problem for each way `value` breaks `shape`'s constraints.
    Types were already checked by the protocol's parser."""
    if problems is None:
        problems = []
    if shape.metadata.get('document'):
        return problems
    meta = shape.metadata
    kind = shape.type_name
    if kind == 'structure':
        for name in shape.required_members:
            if name not in value:
                member_path = coral_path(path, name)
                problems.append(Problem(
                    'missing', member_path,
                    f"Value null at '{member_path}' failed to satisfy constraint: "
                    'Member must not be null',
                    wire=shape.members[name].serialization.get('name', name)))
        if meta.get('union') and len(value) != 1:
            problems.append(Problem(
                'constraint', path or shape.name,
                f'{shape.name} must have exactly one member set, not {len(value)}'))
        for name, item in value.items():
            check(item, shape.members[name], coral_path(path, name), problems)
    elif kind == 'list':
        _size(value, len(value), meta, path, problems)
        for index, item in enumerate(value, 1):
            check(item, shape.member, f'{path}.{index}.member', problems)
    elif kind == 'map':
        _size(value, len(value), meta, path, problems)
        for key, item in value.items():
            check(key, shape.key, f'{path}.{key}.key', problems)
            check(item, shape.value, f'{path}.{key}.value', problems)
    elif kind in ('string', 'character'):
        _size(value, len(value), meta, path, problems)
        enum = meta.get('enum')
        if enum and value not in enum:
            _constraint(problems, value, path,
                        f"Member must satisfy enum value set: [{', '.join(enum)}]")
        pattern = meta.get('pattern')
        if pattern:
            regex = _compile(pattern)
            if regex is not None and not regex.fullmatch(value):
                _constraint(problems, value, path,
                            f'Member must satisfy regular expression pattern: {pattern}')
    elif kind == 'blob':
        _size(value, len(value), meta, path, problems)
    elif kind in ('integer', 'long', 'short', 'byte', 'float', 'double'):
        if 'min' in meta and value < meta['min']:
            _constraint(problems, value, path,
                        f"Member must have value greater than or equal to {meta['min']}")
        if 'max' in meta and value > meta['max']:
            _constraint(problems, value, path,
                        f"Member must have value less than or equal to {meta['max']}")
    return problems


def _size(value, size, meta, path, problems):
    if 'min' in meta and size < meta['min']:
        _constraint(problems, value, path,
                    f"Member must have length greater than or equal to {meta['min']}")
    if 'max' in meta and size > meta['max']:
        _constraint(problems, value, path,
                    f"Member must have length less than or equal to {meta['max']}")


def to_error(problems, protocol, service, operation_model):
    """One AwsError for everything wrong with a request, as `protocol` and
    `service` report it."""
    if protocol == 'ec2':
        # EC2 reports the first problem, by wire parameter name, with codes of
        # its own.
        first = problems[0]
        if first.kind == 'unknown':
            return AwsError('UnknownParameter',
                            f'The parameter {first.wire} is not recognized', 400)
        if first.kind == 'missing':
            return AwsError('MissingParameter',
                            f'The request must contain the parameter {first.wire}', 400)
        return AwsError('InvalidParameterValue', first.message, 400)

    malformed = [p for p in problems if p.kind == 'malformed']
    if malformed:
        return AwsError('SerializationException', malformed[0].message, 400)
    if protocol in ('json', 'rest-json'):
        # The JSON front end fails to deserialize ill-typed values before any
        # model validation runs.
        typed = [p for p in problems if p.kind == 'type']
        if typed:
            return AwsError('SerializationException', typed[0].message, 400)

    code = registry.options_for(service).validation_error or \
        ('ValidationError' if protocol == 'query' else 'ValidationException')
    count = len(problems)
    plural = 'error' if count == 1 else 'errors'
    message = f"{count} validation {plural} detected: " + \
        '; '.join(p.message for p in problems)
    shape = models.find_error(operation_model.service_model, code, operation_model)
    status = models.error_status(shape) if shape is not None else 400
    return AwsError(code, message, status)
