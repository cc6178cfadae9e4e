"""CloudFormation templates for the emulator's cloudformation service:
parsing (JSON; YAML with the short-form tags when PyYAML is importable),
static validation with CloudFormation's "Template format error" messages,
parameters, conditions, intrinsic functions and the dependency graph.

Loaded by path from cloudformation.py (files starting with `_` are not
service files)."""

import base64
import json
import re

PSEUDO = ('AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition',
          'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix')
TOP_LEVEL = ('AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Rules',
             'Mappings', 'Conditions', 'Transform', 'Resources', 'Outputs')
RESOURCE_KEYS = ('Type', 'Properties', 'DependsOn', 'Condition', 'DeletionPolicy',
                 'UpdateReplacePolicy', 'Metadata', 'CreationPolicy', 'UpdatePolicy')
PARAMETER_TYPES = ('String', 'Number', 'List<Number>', 'CommaDelimitedList')
_AWS_PARAMETER_RE = re.compile(r'^(List<)?AWS::[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+>?$|'
                               r'^AWS::SSM::Parameter::(Name|Value<.+>)$')
_TYPE_RE = re.compile(r'^(AWS|Alexa)::[A-Za-z0-9]+::[A-Za-z0-9]+$|^Custom::[A-Za-z0-9_@-]+$|'
                      r'^AWS::CloudFormation::CustomResource$')
_LOGICAL_RE = re.compile(r'^[A-Za-z0-9]+$')
_SUB_RE = re.compile(r'\$\{([^}]*)\}')
IAM_TYPES = {'AWS::IAM::Role': 'RoleName', 'AWS::IAM::User': 'UserName',
             'AWS::IAM::Group': 'GroupName', 'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
             'AWS::IAM::InstanceProfile': 'InstanceProfileName', 'AWS::IAM::Policy': None,
             'AWS::IAM::AccessKey': None, 'AWS::IAM::UserToGroupAddition': None}
NO_VALUE = object()


class TemplateError(Exception):
    """A CloudFormation ValidationError (the message is AWS's)."""


class ResolveError(Exception):
    """An intrinsic function that cannot be evaluated while provisioning
    (fails the resource, as CloudFormation does)."""


# ---- parsing -----------------------------------------------------------------------

def parse(body):
    text = body.strip()
    if text.startswith('{'):
        try:
            document = json.loads(text)
        except ValueError as err:
            line = getattr(err, 'lineno', 1)
            column = getattr(err, 'colno', 1)
            raise TemplateError(f'Template format error: JSON not well-formed. '
                                f'(line {line}, column {column})')
    else:
        document = _parse_yaml(body)
    if not isinstance(document, dict):
        raise TemplateError('Template format error: unsupported structure.')
    return document


def _parse_yaml(body):
    try:
        import yaml
    except ImportError:
        raise TemplateError('Template format error: YAML templates need PyYAML, which this '
                            'berth-emulator cannot import; send JSON.')

    class Loader(yaml.SafeLoader):
        pass

    # CloudFormation keeps `2010-09-09` a string: no implicit timestamps.
    Loader.yaml_implicit_resolvers = {
        key: [(tag, regexp) for tag, regexp in resolvers
              if tag != 'tag:yaml.org,2002:timestamp']
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}

    def short_form(loader, suffix, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if suffix == 'Ref':
            return {'Ref': value}
        if suffix == 'Condition':
            return {'Condition': value}
        if suffix == 'GetAtt' and isinstance(value, str):
            value = value.split('.', 1)
        return {'Fn::' + suffix: value}

    Loader.add_multi_constructor('!', short_form)
    try:
        return yaml.load(body, Loader=Loader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as err:
        mark = getattr(err, 'problem_mark', None)
        where = f' (line {mark.line + 1}, column {mark.column + 1})' if mark else ''
        raise TemplateError(f'Template format error: YAML not well-formed.{where}')


# ---- static validation ------------------------------------------------------------

def validate(template):
    """Check the template's structure and references; raise TemplateError."""
    unknown = [k for k in template if k not in TOP_LEVEL]
    if unknown:
        raise TemplateError('Template format error: Invalid template property or properties '
                            f'[{", ".join(unknown)}]')
    version = template.get('AWSTemplateFormatVersion')
    if version is not None and str(version) != '2010-09-09':
        raise TemplateError(f"Template format error: Unsupported template version: {version}")
    if 'Transform' in template:
        raise TemplateError('Template format error: berth-emulator does not support '
                            'Transform (macros, AWS::Serverless).')
    if 'Description' in template and not isinstance(template['Description'], str):
        raise TemplateError('Template format error: Every Description member must be a string.')
    resources = template.get('Resources')
    if not isinstance(resources, dict) or not resources:
        raise TemplateError('Template format error: At least one Resources member must be '
                            'defined.')
    parameters = template.get('Parameters') or {}
    if not isinstance(parameters, dict):
        raise TemplateError('Template format error: Parameters must be an object.')
    for name, definition in parameters.items():
        if not isinstance(definition, dict) or 'Type' not in definition:
            raise TemplateError('Template format error: Every Parameters object must contain '
                                'a Type member.')
        kind = definition['Type']
        if kind not in PARAMETER_TYPES and not _AWS_PARAMETER_RE.match(str(kind)):
            raise TemplateError(f'Template format error: Unrecognized parameter type: {kind}')
        if not _LOGICAL_RE.match(name):
            raise TemplateError(f'Template format error: Parameter name {name} is non '
                                'alphanumeric.')
    conditions = template.get('Conditions') or {}
    if not isinstance(conditions, dict):
        raise TemplateError('Template format error: Conditions must be an object.')
    bad_types = []
    for logical_id, resource in resources.items():
        if not _LOGICAL_RE.match(logical_id):
            raise TemplateError(f'Template format error: Resource name {logical_id} is non '
                                'alphanumeric.')
        if logical_id in parameters:
            raise TemplateError(f'Template format error: Parameter and resource names must be '
                                f'unique: {logical_id}')
        if not isinstance(resource, dict) or 'Type' not in resource:
            raise TemplateError(f'Template format error: [/Resources/{logical_id}] Every '
                                'Resources object must contain a Type member.')
        extra = [k for k in resource if k not in RESOURCE_KEYS]
        if extra:
            raise TemplateError(f'Template format error: Unrecognized resource attribute '
                                f'[{", ".join(extra)}] in [/Resources/{logical_id}]')
        if not isinstance(resource['Type'], str) or not _TYPE_RE.match(resource['Type']):
            bad_types.append(str(resource['Type']))
        if 'Properties' in resource and not isinstance(resource['Properties'], dict):
            raise TemplateError(f'Template format error: [/Resources/{logical_id}/Properties] '
                                'must be an object.')
        condition = resource.get('Condition')
        if condition is not None and condition not in conditions:
            raise TemplateError(f'Template format error: Unresolved condition dependencies '
                                f'[{condition}] in the Resources block of the template')
        depends = resource.get('DependsOn', [])
        for target in [depends] if isinstance(depends, str) else depends:
            if target not in resources:
                raise TemplateError(f'Template format error: Unresolved resource dependencies '
                                    f'[{target}] in the Resources block of the template')
    if bad_types:
        raise TemplateError(f'Template format error: Unrecognized resource types: '
                            f'[{", ".join(bad_types)}]')
    names = set(resources) | set(parameters) | set(PSEUDO)
    for logical_id, resource in resources.items():
        _check_references(resource.get('Properties', {}), names, set(resources), conditions,
                          'Resources')
    outputs = template.get('Outputs') or {}
    for name, output in outputs.items():
        if not isinstance(output, dict) or 'Value' not in output:
            raise TemplateError('Template format error: Every Outputs member must contain a '
                                'Value object')
        condition = output.get('Condition')
        if condition is not None and condition not in conditions:
            raise TemplateError(f'Template format error: Unresolved condition dependencies '
                                f'[{condition}] in the Outputs block of the template')
        _check_references(output, names, set(resources), conditions, 'Outputs')
    for name, expression in conditions.items():
        _check_references(expression, set(parameters) | set(PSEUDO), set(), conditions,
                          'Conditions')


def _check_references(value, names, resources, conditions, block):
    def missing(target):
        if block == 'Conditions':
            raise TemplateError(f'Template format error: Unresolved dependencies [{target}]. '
                                'Cannot reference resources in the Conditions block of the '
                                'template')
        raise TemplateError(f'Template format error: Unresolved resource dependencies '
                            f'[{target}] in the {block} block of the template')

    if isinstance(value, list):
        for item in value:
            _check_references(item, names, resources, conditions, block)
        return
    if not isinstance(value, dict):
        return
    if len(value) == 1:
        (key, argument), = value.items()
        if key == 'Ref':
            if not isinstance(argument, str) or argument not in names:
                missing(argument)
            return
        if key == 'Fn::GetAtt':
            target = argument[0] if isinstance(argument, list) and argument else \
                str(argument).split('.')[0]
            if target not in resources:
                missing(target)
            return
        if key == 'Fn::If':
            if not isinstance(argument, list) or len(argument) != 3:
                raise TemplateError('Template format error: Fn::If requires a list of three '
                                    'elements.')
            if argument[0] not in conditions:
                raise TemplateError(f'Template format error: Unresolved condition dependencies '
                                    f'[{argument[0]}] in the {block} block of the template')
        if key == 'Condition' and block == 'Conditions':
            if argument not in conditions:
                raise TemplateError(f'Template format error: Unresolved condition dependencies '
                                    f'[{argument}] in the Conditions block of the template')
            return
        if key == 'Fn::Sub':
            text, variables = (argument, {}) if isinstance(argument, str) else \
                (argument[0], argument[1] if len(argument) > 1 else {})
            for name in _SUB_RE.findall(text if isinstance(text, str) else ''):
                if name.startswith('!') or name in variables:
                    continue
                target = name.split('.')[0] if '.' in name and name not in names else name
                if target not in names:
                    missing(target)
            _check_references(variables, names, resources, conditions, block)
            return
    for item in value.values():
        _check_references(item, names, resources, conditions, block)


def capabilities_needed(template):
    """(capability or None, [resource types needing it]) for IAM resources."""
    named, unnamed = [], []
    for resource in template['Resources'].values():
        kind = resource.get('Type')
        if kind in IAM_TYPES:
            name_property = IAM_TYPES[kind]
            if name_property and name_property in (resource.get('Properties') or {}):
                named.append(kind)
            else:
                unnamed.append(kind)
    if named:
        return 'CAPABILITY_NAMED_IAM', sorted(set(named + unnamed))
    if unnamed:
        return 'CAPABILITY_IAM', sorted(set(unnamed))
    return None, []


# ---- parameters -----------------------------------------------------------------

def resolve_parameters(template, given, previous=None):
    """{name: value (str, or list for list types)} from the template's
    declarations and the request's Parameters; raise TemplateError."""
    declared = template.get('Parameters') or {}
    values = {}
    unknown = [p['ParameterKey'] for p in given if p.get('ParameterKey') not in declared]
    if unknown:
        raise TemplateError(f'Parameters: [{", ".join(unknown)}] do not exist in the template')
    supplied = {}
    for item in given:
        key = item['ParameterKey']
        if item.get('UsePreviousValue'):
            if previous is None or key not in previous:
                raise TemplateError(f'Invalid input for parameter key {key}. Cannot specify '
                                    'usePreviousValue as true for a parameter key not in the '
                                    'previous template')
            supplied[key] = previous[key]
        elif 'ParameterValue' in item:
            supplied[key] = item['ParameterValue']
    missing = []
    for name, definition in declared.items():
        if name in supplied:
            raw = supplied[name]
        elif 'Default' in definition:
            raw = definition['Default']
        else:
            missing.append(name)
            continue
        values[name] = _check_parameter(name, definition, raw)
    if missing:
        raise TemplateError(f'Parameters: [{", ".join(missing)}] must have values')
    return values


def _text(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, list):
        return ','.join(_text(v) for v in value)
    return str(value)


def _check_parameter(name, definition, raw):
    kind = definition['Type']
    text = _text(raw)
    is_list = kind in ('List<Number>', 'CommaDelimitedList') or kind.startswith('List<')
    items = [t.strip() if kind != 'CommaDelimitedList' else t for t in text.split(',')] \
        if is_list else [text]
    allowed = definition.get('AllowedValues')
    for item in items:
        if kind in ('Number', 'List<Number>'):
            try:
                number = float(item)
            except ValueError:
                raise TemplateError(f"Parameter '{name}' must be a number.")
            if 'MinValue' in definition and number < float(definition['MinValue']):
                raise TemplateError(definition.get('ConstraintDescription') or
                                    f"Parameter '{name}' must be a number not less than "
                                    f"{definition['MinValue']}")
            if 'MaxValue' in definition and number > float(definition['MaxValue']):
                raise TemplateError(definition.get('ConstraintDescription') or
                                    f"Parameter '{name}' must be a number not greater than "
                                    f"{definition['MaxValue']}")
        if allowed is not None and item not in [_text(a) for a in allowed]:
            raise TemplateError(f"Parameter '{name}' must be one of AllowedValues")
    if kind == 'String':
        pattern = definition.get('AllowedPattern')
        if pattern is not None and not re.fullmatch(pattern, text):
            raise TemplateError(f"Parameter '{name}' must match pattern {pattern}")
        if 'MinLength' in definition and len(text) < int(definition['MinLength']):
            raise TemplateError(f"Parameter '{name}' must contain at least "
                                f"{definition['MinLength']} characters")
        if 'MaxLength' in definition and len(text) > int(definition['MaxLength']):
            raise TemplateError(f"Parameter '{name}' must contain at most "
                                f"{definition['MaxLength']} characters")
    return items if is_list else text


# ---- evaluation -----------------------------------------------------------------

class Evaluator:
    """Evaluates conditions and intrinsic functions for one stack.

    pseudo: values of the pseudo parameters; parameters: resolved values;
    resources: logical id -> {'ref': ..., 'attrs': {...}} of what exists;
    azs: the region's availability zones."""

    def __init__(self, template, parameters, pseudo, resources=None, azs=(), exports=None):
        self.template = template
        self.parameters = parameters
        self.pseudo = pseudo
        self.resources = resources if resources is not None else {}
        self.azs = list(azs)
        self.exports = exports or {}
        self._conditions = {}

    # -- conditions
    def condition(self, name, stack=()):
        if name in self._conditions:
            return self._conditions[name]
        if name in stack:
            raise TemplateError(f'Template format error: Circular condition dependency: {name}')
        expression = (self.template.get('Conditions') or {}).get(name)
        if expression is None:
            raise TemplateError(f'Template format error: Unresolved condition dependencies '
                                f'[{name}]')
        value = self._condition_value(expression, stack + (name,))
        self._conditions[name] = value
        return value

    def all_conditions(self):
        return {name: self.condition(name) for name in (self.template.get('Conditions') or {})}

    def _condition_value(self, expression, stack):
        if not isinstance(expression, dict) or len(expression) != 1:
            raise TemplateError('Template format error: Conditions can only be boolean '
                                'operations on parameters and other conditions')
        (key, argument), = expression.items()
        if key == 'Condition':
            return self.condition(argument, stack)
        if key == 'Fn::Equals':
            if not isinstance(argument, list) or len(argument) != 2:
                raise TemplateError('Template error: Fn::Equals requires a list of two values')
            left, right = (self.resolve(a, in_condition=True) for a in argument)
            return _text(left) == _text(right)
        if key == 'Fn::Not':
            if not isinstance(argument, list) or len(argument) != 1:
                raise TemplateError('Template error: Fn::Not requires a list of one condition')
            return not self._condition_value(argument[0], stack)
        if key in ('Fn::And', 'Fn::Or'):
            if not isinstance(argument, list) or not 2 <= len(argument) <= 10:
                raise TemplateError(f'Template error: {key} requires a list of 2 to 10 '
                                    'conditions')
            values = [self._condition_value(a, stack) for a in argument]
            return all(values) if key == 'Fn::And' else any(values)
        raise TemplateError(f'Template format error: Unsupported function {key} in '
                            'Conditions')

    # -- intrinsic functions
    def resolve(self, value, in_condition=False):
        if isinstance(value, list):
            items = [self.resolve(v, in_condition) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), = value.items()
            function = _FUNCTIONS.get(key)
            if function is not None:
                return function(self, argument)
        result = {}
        for key, item in value.items():
            resolved = self.resolve(item, in_condition)
            if resolved is not NO_VALUE:
                result[key] = resolved
        return result

    def ref(self, name):
        if name == 'AWS::NoValue':
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            return self.resources[name]['ref']
        raise ResolveError(f'Template format error: Unresolved resource dependencies [{name}] '
                           'in the Resources block of the template')

    def get_att(self, name, attribute):
        resource = self.resources.get(name)
        if resource is None:
            raise ResolveError(f'Template format error: Unresolved resource dependencies '
                               f'[{name}] in the Resources block of the template')
        attrs = resource.get('attrs', {})
        if attribute not in attrs:
            raise ResolveError(f'Template error: resource {name} does not support attribute '
                               f'type {attribute} in Fn::GetAtt')
        return attrs[attribute]


def _fn_ref(ev, argument):
    return ev.ref(argument)


def _fn_get_att(ev, argument):
    if isinstance(argument, str):
        argument = argument.split('.', 1)
    if not isinstance(argument, list) or len(argument) != 2:
        raise ResolveError('Template error: every Fn::GetAtt object requires two non-empty '
                           'parameters')
    attribute = ev.resolve(argument[1])
    return ev.get_att(argument[0], attribute)


def _fn_sub(ev, argument):
    if isinstance(argument, str):
        text, variables = argument, {}
    elif isinstance(argument, list) and argument and isinstance(argument[0], str):
        text = argument[0]
        variables = ev.resolve(argument[1]) if len(argument) > 1 else {}
    else:
        raise ResolveError('Template error: One or more Fn::Sub intrinsic functions don\'t '
                           'specify expected arguments.')

    def substitute(match):
        name = match.group(1)
        if name.startswith('!'):
            return '${' + name[1:] + '}'
        if name in variables:
            return _text(variables[name])
        if name in ev.pseudo or name in ev.parameters or name in ev.resources:
            value = ev.ref(name)
            return _text(value)
        if '.' in name:
            resource, attribute = name.split('.', 1)
            return _text(ev.get_att(resource, attribute))
        return _text(ev.ref(name))

    return _SUB_RE.sub(substitute, text)


def _fn_join(ev, argument):
    if not isinstance(argument, list) or len(argument) != 2:
        raise ResolveError('Template error: every Fn::Join object requires two parameters, '
                           '(1) a string delimiter and (2) a list of strings to be joined')
    delimiter, items = argument[0], ev.resolve(argument[1])
    if not isinstance(items, list):
        raise ResolveError('Template error: Fn::Join requires a list of strings')
    return str(delimiter).join(_text(i) for i in items)


def _fn_select(ev, argument):
    if not isinstance(argument, list) or len(argument) != 2:
        raise ResolveError('Template error: Fn::Select requires a list of two elements')
    index, items = ev.resolve(argument[0]), ev.resolve(argument[1])
    try:
        index = int(index)
    except (TypeError, ValueError):
        raise ResolveError('Template error: Fn::Select index must be an integer')
    if not isinstance(items, list) or not 0 <= index < len(items):
        raise ResolveError('Template error: Fn::Select cannot select nonexistent value at '
                           f'index {index}')
    return items[index]


def _fn_split(ev, argument):
    if not isinstance(argument, list) or len(argument) != 2:
        raise ResolveError('Template error: Fn::Split requires a delimiter and a string')
    source = ev.resolve(argument[1])
    return _text(source).split(str(argument[0]))


def _fn_get_azs(ev, argument):
    region = ev.resolve(argument) if argument else ''
    if region not in ('', ev.pseudo['AWS::Region']):
        return [f'{region}{letter}' for letter in 'abc']
    return list(ev.azs)


def _fn_if(ev, argument):
    name, yes, no = argument
    return ev.resolve(yes if ev.condition(name) else no)


def _fn_base64(ev, argument):
    return base64.b64encode(_text(ev.resolve(argument)).encode()).decode()


def _fn_find_in_map(ev, argument):
    if not isinstance(argument, list) or len(argument) not in (3, 4):
        raise ResolveError('Template error: Fn::FindInMap requires three parameters')
    name, top, second = (ev.resolve(a) for a in argument[:3])
    try:
        return ev.template['Mappings'][name][top][second]
    except (KeyError, TypeError):
        if len(argument) == 4 and isinstance(argument[3], dict) \
                and 'DefaultValue' in argument[3]:
            return ev.resolve(argument[3]['DefaultValue'])
        raise ResolveError(f'Template error: Unable to get mapping for {name}::{top}::{second}')


def _fn_import_value(ev, argument):
    name = ev.resolve(argument)
    if name not in ev.exports:
        raise ResolveError(f'No export named {name} found.')
    return ev.exports[name]


def _fn_equals(ev, argument):
    left, right = (ev.resolve(a) for a in argument)
    return _text(left) == _text(right)


def _fn_condition(ev, argument):
    return ev.condition(argument)


def _fn_not(ev, argument):
    return not ev._condition_value(argument[0], ())


def _fn_length(ev, argument):
    items = ev.resolve(argument)
    return len(items) if isinstance(items, list) else 0


_FUNCTIONS = {'Ref': _fn_ref, 'Fn::GetAtt': _fn_get_att, 'Fn::Sub': _fn_sub,
              'Fn::Join': _fn_join, 'Fn::Select': _fn_select, 'Fn::Split': _fn_split,
              'Fn::GetAZs': _fn_get_azs, 'Fn::If': _fn_if, 'Fn::Base64': _fn_base64,
              'Fn::FindInMap': _fn_find_in_map, 'Fn::ImportValue': _fn_import_value,
              'Fn::Equals': _fn_equals, 'Fn::Not': _fn_not, 'Fn::Length': _fn_length}


# ---- dependencies -----------------------------------------------------------------

def dependencies(value, evaluator, resource_ids):
    """Logical ids `value` refers to (Ref, GetAtt, Sub), following only the
    taken branch of each Fn::If."""
    found = set()

    def walk(item):
        if isinstance(item, list):
            for element in item:
                walk(element)
            return
        if not isinstance(item, dict):
            return
        if len(item) == 1:
            (key, argument), = item.items()
            if key == 'Ref' and argument in resource_ids:
                found.add(argument)
                return
            if key == 'Fn::GetAtt':
                target = argument[0] if isinstance(argument, list) else \
                    str(argument).split('.')[0]
                if target in resource_ids:
                    found.add(target)
                return
            if key == 'Fn::If' and isinstance(argument, list) and len(argument) == 3:
                walk(argument[1] if evaluator.condition(argument[0]) else argument[2])
                return
            if key == 'Fn::Sub':
                text = argument if isinstance(argument, str) else argument[0]
                variables = {} if isinstance(argument, str) else \
                    (argument[1] if len(argument) > 1 else {})
                for name in _SUB_RE.findall(text):
                    if name in variables or name.startswith('!'):
                        continue
                    target = name if name in resource_ids else name.split('.')[0]
                    if target in resource_ids:
                        found.add(target)
                walk(variables)
                return
        for element in item.values():
            walk(element)

    walk(value)
    return found


def creation_order(template, evaluator):
    """The logical ids to create (conditions applied), dependencies first, and
    the dependency map; raise TemplateError for references to resources that
    are not created and for cycles."""
    resources = template['Resources']
    active = [lid for lid, r in resources.items()
              if r.get('Condition') is None or evaluator.condition(r['Condition'])]
    active_set = set(active)
    graph = {}
    for lid in active:
        resource = resources[lid]
        needs = dependencies(resource.get('Properties', {}), evaluator, set(resources))
        depends = resource.get('DependsOn', [])
        needs |= set([depends] if isinstance(depends, str) else depends)
        off = sorted(needs - active_set)
        if off:
            raise TemplateError(f'Template format error: Unresolved resource dependencies '
                                f'[{", ".join(off)}] in the Resources block of the template')
        graph[lid] = needs
    order, state = [], {}

    def visit(lid, path):
        if state.get(lid) == 'done':
            return
        if state.get(lid) == 'visiting':
            cycle = path[path.index(lid):]
            raise TemplateError(f'Circular dependency between resources: '
                                f'[{", ".join(sorted(set(cycle)))}]')
        state[lid] = 'visiting'
        for need in sorted(graph[lid]):
            visit(need, path + [need])
        state[lid] = 'done'
        order.append(lid)

    for lid in active:
        visit(lid, [lid])
    return order, graph
