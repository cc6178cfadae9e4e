"""AWS CloudFormation (query): stacks that really create their resources
through the emulator's own service handlers.

What happens, as in AWS:
- CreateStack checks synchronously what AWS checks synchronously: the
  template (JSON, or YAML with short-form tags when PyYAML is importable;
  "Template format error: ..." ValidationErrors for structure, unknown
  types, unresolved references, cycles), the parameters (unknown ones,
  missing values, AllowedValues/AllowedPattern/Min/Max, Number, and that
  AWS::EC2::VPC::Id / Subnet::Id / SecurityGroup::Id values exist), the
  capabilities (InsufficientCapabilitiesException "Requires capabilities :
  [CAPABILITY_NAMED_IAM]" for IAM resources with explicit names,
  [CAPABILITY_IAM] for unnamed ones, judged on every IAM resource of the
  template whatever its condition), an existing stack of that name
  (AlreadyExistsException). TemplateURL is fetched only from http(s)://
  127.0.0.1 or localhost (anything else: ValidationError); at most 51,200
  bytes of TemplateBody, 1 MB from a URL.
- Then the stack is CREATE_IN_PROGRESS and the work goes on in the
  background (see _lifecycle.py; one step every BERTH_EMULATOR_DELAY/4
  seconds): resources whose Condition holds are created one at a time in
  dependency order (Ref, Fn::GetAtt, Fn::Sub, DependsOn; only the taken
  branch of Fn::If counts), each through the emulator's handlers (e.g.
  AWS::IAM::Role -> iam:CreateRole, AttachRolePolicy, PutRolePolicy;
  AWS::ECS::Service -> ecs:CreateService), with events
  CREATE_IN_PROGRESS / "Resource creation Initiated" / CREATE_COMPLETE.
  AMP and Grafana workspaces are waited for until ACTIVE, ECS services
  until stable (primary deployment COMPLETED; a circuit-breaker failure fails the
  resource; the emulator gives up after 60 s where AWS would wait hours). Stack tags propagate to every
  resource created (the resource's own Tags win), and the
  aws:cloudformation:stack-name/-id/logical-id tags are added where the
  type's schema says CloudFormation adds them (not IAM roles, ECS services).
- A failing resource (an API error, with CloudFormation's "Resource handler
  returned message: ..." reason; a type the emulator cannot provision, which
  the reason names) is CREATE_FAILED; then, per OnFailure/DisableRollback,
  ROLLBACK_IN_PROGRESS -> everything created is deleted -> ROLLBACK_COMPLETE
  (or CREATE_FAILED for DO_NOTHING, or DELETE_COMPLETE for DELETE). A stack
  in ROLLBACK_COMPLETE can only be deleted.
- UpdateStack: "No updates are to be performed." (ValidationError) when the
  template, parameter values, tags, notification ARNs and role are all
  unchanged; otherwise UPDATE_IN_PROGRESS: new resources are created,
  changed ones updated in place where the type allows (IAM role policies,
  ECS service, alarm, log group retention, AMP alias) or replaced (a
  replacement of a custom-named resource fails as in AWS), removed ones
  deleted during UPDATE_COMPLETE_CLEANUP_IN_PROGRESS, then UPDATE_COMPLETE.
  On failure (UPDATE_ROLLBACK_IN_PROGRESS, "The following resource(s) failed
  to update: [X]. ") the previous template, parameters and tags are
  restored, the resources changed in place (and the one whose in-place
  change failed) are changed back to their previous properties, replaced
  ones get their previous physical resource back, then the new resources
  are deleted during UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS:
  UPDATE_ROLLBACK_COMPLETE.
- A rollback that cannot change a resource back ends UPDATE_ROLLBACK_FAILED
  (the resource UPDATE_FAILED with the handler's reason; the stack's reason
  "The following resource(s) failed to update: [X]. "). Deterministic way to
  get there, AWS's own example of it: delete a resource of the stack outside
  CloudFormation (e.g. logs:DeleteLogGroup on its log group), then update a
  property it changes in place (RetentionInDays): the update fails
  (ResourceNotFoundException), and so does changing it back. In that state
  UpdateStack is the ValidationError "Stack:ID is in UPDATE_ROLLBACK_FAILED
  state and can not be updated."; DeleteStack works; ContinueUpdateRollback
  (UPDATE_ROLLBACK_IN_PROGRESS, "User Initiated") tries what failed again:
  UPDATE_ROLLBACK_FAILED again while the cause is there (recreate the log
  group to fix it), else UPDATE_ROLLBACK_COMPLETE. Its ResourcesToSkip may
  name only resources whose rollback failed; they are marked UPDATE_COMPLETE
  and left as they are. Its ValidationErrors for a stack in another state
  or a resource that cannot be skipped are worded by the emulator (AWS
  publishes no text).
- DeleteStack deletes the resources in reverse order (DeletionPolicy
  Retain and RetainResources are skipped: DELETE_SKIPPED); a failure makes
  the stack DELETE_FAILED. A stack still CREATE_IN_PROGRESS may be deleted
  (creation stops, what exists is deleted); other *_IN_PROGRESS states
  refuse with ValidationError. A DELETE_COMPLETE stack is gone by name
  (DescribeStacks: "Stack with id NAME does not exist") but still found by
  its stack id and listed by ListStacks. Deleting an unknown stack succeeds.
- DescribeStacks (Outputs with ExportName, Parameters with NoEcho as
  '****', Tags, Capabilities, StackStatusReason), DescribeStackEvents
  (newest first), ListStackResources, DescribeStackResources,
  DescribeStackResource, GetTemplate (the body as sent), ValidateTemplate
  (Parameters, Capabilities, CapabilitiesReason), ListStacks (with
  StackStatusFilter), UpdateTerminationProtection; all paginated where AWS
  paginates.

Supported resource types: AWS::IAM::Role, AWS::ECS::Cluster,
AWS::ECS::TaskDefinition, AWS::ECS::Service, AWS::Logs::LogGroup,
AWS::SNS::Topic, AWS::CloudWatch::Alarm, AWS::APS::Workspace,
AWS::Grafana::Workspace (see _cfn_providers.py). Intrinsics: Ref, Fn::GetAtt, Fn::Sub (both forms),
Fn::Join, Fn::Select, Fn::Split, Fn::GetAZs, Fn::If, Fn::Equals, Fn::Not,
Fn::And, Fn::Or, Condition, Fn::Base64, Fn::FindInMap, Fn::ImportValue
(exports of this account's stacks), Fn::Length; pseudo parameters
AWS::AccountId, Region, StackName, StackId, Partition, URLSuffix,
NotificationARNs, NoValue.

Simplifications: no change sets, stack sets, nested stacks, transforms,
drift detection, stack policies, rollback triggers or timeouts; resources
are created one at a time (AWS creates independent ones in parallel);
deleted stacks are kept in memory
(not in the store) until a state reset."""

import importlib.util
import json
import os
import sys
import traceback
import types
import urllib.parse
import urllib.request
import uuid

from awsemu import AwsError, models, op

_HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name, filename):
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, os.path.join(_HERE, filename))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


lifecycle = _load('berth_emulator_services_lifecycle', '_lifecycle.py')
cfn = _load('berth_emulator_services_cfn_template', '_cfn_template.py')
providers = _load('berth_emulator_services_cfn_providers', '_cfn_providers.py')
nc = _load('berth_emu_netcommon', '_netcommon.py')

POLL = 0.05
MAX_BODY = 51200
MAX_URL_BODY = 1024 * 1024
UPDATABLE = ('CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE',
             'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE')
IN_PROGRESS_SUFFIX = '_IN_PROGRESS'

_EVENT_STATUSES = set(models.service_model('cloudformation').shape_for('ResourceStatus')
                      .metadata.get('enum', []))

# Deleted stacks, per store (so per emulator): AWS keeps them visible by id
# and in ListStacks for 90 days. Not in the store, which holds what is live.
_DELETED = {}


def _install_reset_hook():
    from awsemu import app as app_module
    App = app_module.App
    if getattr(App.reset_state, '_berth_cfn', False):
        return
    original = App.reset_state

    def reset_state(self):
        original(self)
        _DELETED.pop(id(self.store), None)

    reset_state._berth_cfn = True
    App.reset_state = reset_state


_install_reset_hook()


def _validation(message):
    return AwsError('ValidationError', message, 400)


def _deleted(ctx):
    return [s for s in _DELETED.get(id(ctx.store), [])
            if s['account'] == ctx.account and s['region'] == ctx.region]


def _live_stacks(ctx):
    # Not the store's ghosts: CloudFormation keeps its deleted stacks
    # itself (_DELETED), DELETE_COMPLETE by id and in ListStacks, never by
    # name.
    return sorted((s for s in ctx.resources('stack') if ctx.store.get(s.arn) is s),
                  key=lambda s: s.data['created'])


def _find_live(ctx, name_or_id):
    for stack in _live_stacks(ctx):
        if name_or_id in (stack.data['name'], stack.arn):
            return stack
    return None


def _find_any(ctx, name_or_id):
    """A live stack by name or id, else a deleted one by id: its data dict."""
    stack = _find_live(ctx, name_or_id)
    if stack is not None:
        return stack.data
    for data in _deleted(ctx):
        if data['id'] == name_or_id:
            return data
    raise _validation(f'Stack with id {name_or_id} does not exist')


def _now(ctx):
    return ctx.now()


# ---- template intake ------------------------------------------------------------

def _template_body(params, required=True):
    body, url = params.get('TemplateBody'), params.get('TemplateURL')
    if body is not None and url is not None:
        raise _validation('Specify exactly one of TemplateBody or TemplateUrl.')
    if body is None and url is None:
        if required:
            raise _validation('Either Template URL or Template Body must be specified.')
        return None
    if body is not None:
        if len(body.encode('utf-8')) > MAX_BODY:
            raise _validation(f"1 validation error detected: Value at 'templateBody' failed to "
                              f'satisfy constraint: Member must have length less than or '
                              f'equal to {MAX_BODY}')
        return body
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme not in ('http', 'https') or parsed.hostname not in ('127.0.0.1',
                                                                         'localhost'):
        raise _validation('TemplateURL must reference a valid S3 object to which you have '
                          'access. (berth-emulator fetches templates from http(s)://127.0.0.1 '
                          'only.)')
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            data = response.read(MAX_URL_BODY + 1)
    except (OSError, ValueError):
        raise _validation('TemplateURL must reference a valid S3 object to which you have '
                          'access.')
    if len(data) > MAX_URL_BODY:
        raise _validation('Template may not exceed 1048576 bytes in size.')
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError:
        raise _validation('Template format error: unsupported structure.')


def _load_template(body):
    try:
        template = cfn.parse(body)
        cfn.validate(template)
    except cfn.TemplateError as err:
        raise _validation(str(err))
    return template


def _check_capabilities(template, given):
    needed, kinds = cfn.capabilities_needed(template)
    given = set(given or [])
    if needed == 'CAPABILITY_NAMED_IAM' and 'CAPABILITY_NAMED_IAM' not in given:
        raise AwsError('InsufficientCapabilitiesException',
                       'Requires capabilities : [CAPABILITY_NAMED_IAM]', 400)
    if needed == 'CAPABILITY_IAM' and not given & {'CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'}:
        raise AwsError('InsufficientCapabilitiesException',
                       'Requires capabilities : [CAPABILITY_IAM]', 400)


# AWS-specific parameter types whose values CloudFormation checks exist.
_AWS_PARAMETER_CHECKS = {
    'AWS::EC2::VPC::Id': ('DescribeVpcs', 'VpcIds'),
    'AWS::EC2::Subnet::Id': ('DescribeSubnets', 'SubnetIds'),
    'AWS::EC2::SecurityGroup::Id': ('DescribeSecurityGroups', 'GroupIds'),
}


def _check_aws_parameters(ctx, template, parameters):
    """Values of AWS::EC2::VPC::Id, Subnet::Id, SecurityGroup::Id (and their
    List<> forms) must exist, as CloudFormation checks before starting."""
    declared = template.get('Parameters') or {}
    api = _api(ctx)
    for name, value in parameters.items():
        kind = str(declared.get(name, {}).get('Type', ''))
        base = kind[5:-1] if kind.startswith('List<') else kind
        check = _AWS_PARAMETER_CHECKS.get(base)
        if check is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            try:
                api.call('ec2', check[0], {check[1]: [item]})
            except providers.ProviderError as err:
                if 'no handler' in err.reason:
                    return  # no EC2 in this emulator: nothing to check against
                raise _validation(f'Parameter validation failed: parameter value {item} for '
                                  f'parameter name {name} does not exist. Rollback requested '
                                  'by user.')


def _pseudo(ctx, name, stack_id, notification_arns):
    return {'AWS::AccountId': ctx.account, 'AWS::Region': ctx.region,
            'AWS::StackName': name, 'AWS::StackId': stack_id, 'AWS::Partition': 'aws',
            'AWS::URLSuffix': 'amazonaws.com', 'AWS::NotificationARNs': list(notification_arns)}


def _azs(ctx):
    """Fn::GetAZs: the zones EC2 reports (the emulator's ec2 handler when it
    has one), else REGION a-c."""
    try:
        zones = _api(ctx).call('ec2', 'DescribeAvailabilityZones', {})['AvailabilityZones']
        names = [z['ZoneName'] for z in zones if z.get('State', 'available') == 'available']
        if names:
            return sorted(names)
    except (providers.ProviderError, KeyError, TypeError):
        pass
    return [f'{ctx.region}{letter}' for letter in 'abc']


def _exports(store, account, region, exclude=None):
    exports = {}
    for stack in store.select(account, region, 'cloudformation', 'stack'):
        if stack.arn == exclude:
            continue
        for output in stack.data.get('outputs', []):
            if 'ExportName' in output:
                exports[output['ExportName']] = output['OutputValue']
    return exports


def _evaluator(store, data, template=None, parameters=None):
    resources = {lid: {'ref': rec['record']['ref'], 'attrs': rec['record']['attrs']}
                 for lid, rec in data['resources'].items() if rec.get('record')}
    return cfn.Evaluator(template or data['template'],
                         data['parameters'] if parameters is None else parameters,
                         data['pseudo'], resources, data['azs'],
                         _exports(store, data['account'], data['region'], data['id']))


def _plan(template, parameters, pseudo, azs):
    """Evaluate conditions and the creation order now, so template errors
    are the request's ValidationError."""
    evaluator = cfn.Evaluator(template, parameters, pseudo, {}, azs)
    try:
        evaluator.all_conditions()
        order, _ = cfn.creation_order(template, evaluator)
    except (cfn.TemplateError, cfn.ResolveError) as err:
        raise _validation(str(err))
    return order


# ---- events ------------------------------------------------------------------------

def _event(ctx_now, data, logical_id, status, resource_type, physical_id='', reason=None,
           properties=None):
    event = {'StackId': data['id'], 'StackName': data['name'],
             'LogicalResourceId': logical_id, 'PhysicalResourceId': physical_id,
             'ResourceType': resource_type, 'Timestamp': ctx_now(),
             'ResourceStatus': status}
    if logical_id == data['name'] and resource_type == 'AWS::CloudFormation::Stack':
        event['EventId'] = str(uuid.uuid4())
    else:
        event['EventId'] = f"{logical_id}-{status}-{event['Timestamp'].strftime('%Y-%m-%dT%H:%M:%S.%fZ')}"
    if reason:
        event['ResourceStatusReason'] = reason
    if properties is not None:
        event['ResourceProperties'] = json.dumps(properties)
    if data.get('client_token'):
        event['ClientRequestToken'] = data['client_token']
    data['events'].append(event)


def _stack_status(now, data, status, reason=None, keep_reason=False):
    data['status'] = status
    if reason:
        data['reason'] = reason
    elif not keep_reason:
        data.pop('reason', None)
    if status in _EVENT_STATUSES:
        # The model's ResourceStatus lacks the *_CLEANUP_IN_PROGRESS stack
        # statuses; AWS's events show them, botocore's shape cannot.
        _event(now, data, data['name'], status, 'AWS::CloudFormation::Stack', data['id'],
               reason)


def _set_resource(now, data, logical_id, status, reason=None):
    rec = data['resources'][logical_id]
    rec['ResourceStatus'] = status
    rec['Timestamp'] = now()
    if reason:
        rec['ResourceStatusReason'] = reason
    else:
        rec.pop('ResourceStatusReason', None)
    _event(now, data, logical_id, status, rec['ResourceType'], rec.get('PhysicalResourceId', ''),
           reason)


# ---- the background work -----------------------------------------------------------

def _run(store, stack, flow, now):
    """Drive a generator of delays on the transition thread while the stack
    is still in the store. A DeleteStack that arrived while the stack was
    CREATE_IN_PROGRESS (`data['delete_after']`) takes over between steps:
    what exists so far is deleted."""
    current = [flow]

    def tick():
        if store.get(stack.arn) is not stack:
            return
        pending = stack.data.pop('delete_after', None)
        if pending is not None:
            api, now = pending
            current[0].close()
            _stack_status(now, stack.data, 'DELETE_IN_PROGRESS', 'User Initiated')
            current[0] = _delete_flow(api, now, stack, set())
        try:
            delay = next(current[0])
        except StopIteration:
            return
        except Exception as err:  # a bug here: fail the stack loudly, never hang
            traceback.print_exc(file=sys.stderr)
            status = stack.data['status']
            failed = {'CREATE': 'CREATE_FAILED', 'ROLLBACK': 'ROLLBACK_FAILED',
                      'DELETE': 'DELETE_FAILED', 'UPDATE': 'UPDATE_ROLLBACK_FAILED'}
            _stack_status(now, stack.data,
                          failed.get(status.split('_')[0], 'UPDATE_ROLLBACK_FAILED'),
                          f'berth-emulator bug: {type(err).__name__}: {err}')
            return
        lifecycle.later(store, delay, tick)

    lifecycle.later(store, lifecycle.delay('CFN_STEP'), tick)


def _stack_info(data):
    return types.SimpleNamespace(name=data['name'], tags=dict(data['tags']), id=data['id'])


def _system_tags(api, data, logical_id, provider, record):
    if not provider.system_tags or not record.get('arn'):
        return
    resource = api.resource(record['arn'])
    if resource is not None and resource.taggable:
        resource.set_tags({'aws:cloudformation:stack-name': data['name'],
                           'aws:cloudformation:stack-id': data['id'],
                           'aws:cloudformation:logical-id': logical_id})


def _create_resource(api, now, data, evaluator, logical_id):
    """Generator: create one resource; returns True when it exists, False
    when it failed (its status says why)."""
    definition = data['template']['Resources'][logical_id]
    kind = definition['Type']
    data['resources'][logical_id] = {'LogicalResourceId': logical_id, 'ResourceType': kind,
                                     'PhysicalResourceId': '', 'Timestamp': now(),
                                     'ResourceStatus': 'CREATE_IN_PROGRESS',
                                     'DeletionPolicy': definition.get('DeletionPolicy')}
    _event(now, data, logical_id, 'CREATE_IN_PROGRESS', kind)
    provider = providers.PROVIDERS.get(kind)
    try:
        if provider is None:
            raise providers.ProviderError(f'Resource type {kind} is not supported by '
                                          'berth-emulator (no provider for this type)')
        props = evaluator.resolve(definition.get('Properties', {}))
        record = provider.create(api, logical_id, props, _stack_info(data))
    except (providers.ProviderError, cfn.ResolveError, cfn.TemplateError) as err:
        _set_resource(now, data, logical_id, 'CREATE_FAILED',
                      getattr(err, 'reason', None) or str(err))
        return False
    rec = data['resources'][logical_id]
    rec.update(record=record, props=props, PhysicalResourceId=record['physical_id'])
    _system_tags(api, data, logical_id, provider, record)
    evaluator.resources[logical_id] = {'ref': record['ref'], 'attrs': record['attrs']}
    _event(now, data, logical_id, 'CREATE_IN_PROGRESS', kind, record['physical_id'],
           'Resource creation Initiated')
    try:
        while not provider.ready(api, record):
            yield POLL
    except providers.ProviderError as err:
        _set_resource(now, data, logical_id, 'CREATE_FAILED', err.reason)
        return False
    yield lifecycle.delay('CFN_STEP')
    _set_resource(now, data, logical_id, 'CREATE_COMPLETE')
    return True


def _delete_resource(api, now, data, logical_id, retain=()):
    """Generator: delete one resource; returns True unless it failed."""
    rec = data['resources'][logical_id]
    if rec.get('record') is None:
        if rec['ResourceStatus'] == 'CREATE_FAILED' or \
                rec['ResourceStatus'].endswith('IN_PROGRESS'):
            _set_resource(now, data, logical_id, 'DELETE_COMPLETE')
        return True
    provider = providers.PROVIDERS[rec['ResourceType']]
    if rec['ResourceStatus'] == 'CREATE_IN_PROGRESS':
        # A create cut short by DeleteStack: CloudFormation lets the
        # in-flight operation finish before deleting.
        try:
            while not provider.ready(api, rec['record']):
                yield POLL
            _set_resource(now, data, logical_id, 'CREATE_COMPLETE')
        except providers.ProviderError as err:
            _set_resource(now, data, logical_id, 'CREATE_FAILED', err.reason)
    if rec.get('DeletionPolicy') == 'Retain' or logical_id in retain:
        _set_resource(now, data, logical_id, 'DELETE_SKIPPED')
        return True
    _set_resource(now, data, logical_id, 'DELETE_IN_PROGRESS')
    try:
        provider.delete(api, rec['record'])
    except providers.ProviderError as err:
        _set_resource(now, data, logical_id, 'DELETE_FAILED', err.reason)
        return False
    gone = getattr(provider, 'gone', None)
    try:
        while gone is not None and not gone(api, rec['record']):
            yield POLL
    except providers.ProviderError as err:
        _set_resource(now, data, logical_id, 'DELETE_FAILED', err.reason)
        return False
    yield lifecycle.delay('CFN_STEP')
    rec['record'] = None
    _set_resource(now, data, logical_id, 'DELETE_COMPLETE')
    return True


def _outputs(data, evaluator):
    outputs = []
    for key, output in (data['template'].get('Outputs') or {}).items():
        condition = output.get('Condition')
        if condition is not None and not evaluator.condition(condition):
            continue
        value = evaluator.resolve(output['Value'])
        item = {'OutputKey': key,
                'OutputValue': ','.join(map(str, value)) if isinstance(value, list)
                else str(value)}
        if 'Description' in output:
            item['Description'] = str(output['Description'])
        if isinstance(output.get('Export'), dict) and 'Name' in output['Export']:
            item['ExportName'] = str(evaluator.resolve(output['Export']['Name']))
        outputs.append(item)
    return outputs


def _create_flow(api, now, stack, order):
    data = stack.data
    yield lifecycle.delay('CFN_STEP')
    evaluator = _evaluator(api.store, data)
    failed = None
    for logical_id in order:
        ok = yield from _create_resource(api, now, data, evaluator, logical_id)
        if not ok:
            failed = logical_id
            break
    if failed is None:
        try:
            data['outputs'] = _outputs(data, evaluator)
        except (cfn.ResolveError, cfn.TemplateError) as err:
            failed = 'Outputs'
            data['reason_detail'] = str(err)
    if failed is None:
        _stack_status(now, data, 'CREATE_COMPLETE')
        return
    reason = f'The following resource(s) failed to create: [{failed}]. '
    if data['on_failure'] == 'DO_NOTHING':
        _stack_status(now, data, 'CREATE_FAILED', reason)
        return
    if data['on_failure'] == 'DELETE':
        _stack_status(now, data, 'DELETE_IN_PROGRESS', reason + 'Delete requested by user.')
    else:
        _stack_status(now, data, 'ROLLBACK_IN_PROGRESS', reason + 'Rollback requested by user.')
    yield lifecycle.delay('CFN_STEP')
    ok = True
    for logical_id in reversed(list(data['resources'])):
        ok = (yield from _delete_resource(api, now, data, logical_id)) and ok
    if data['on_failure'] == 'DELETE' and ok:
        _finish_delete(api, now, stack)
        return
    # The stack keeps saying why it rolled back.
    _stack_status(now, data, 'ROLLBACK_COMPLETE' if ok else 'ROLLBACK_FAILED', keep_reason=True)


def _finish_delete(api, now, stack):
    data = stack.data
    _stack_status(now, data, 'DELETE_COMPLETE')
    data['deleted'] = now()
    data['resources'] = {}
    api.store.remove(stack.arn)
    _DELETED.setdefault(id(api.store), []).append(data)


def _delete_flow(api, now, stack, retain):
    data = stack.data
    yield lifecycle.delay('CFN_STEP')
    failed = []
    for logical_id in reversed(list(data['resources'])):
        ok = yield from _delete_resource(api, now, data, logical_id, retain)
        if not ok:
            failed.append(logical_id)
    if failed:
        _stack_status(now, data, 'DELETE_FAILED', 'The following resource(s) failed to delete: '
                      f'[{", ".join(failed)}]. ')
        return
    _finish_delete(api, now, stack)


def _needs_replacement(provider, old_props, props):
    if '*' in provider.replace_on:
        return old_props != props
    return any(old_props.get(k) != props.get(k) for k in provider.replace_on)


def _update_flow(api, now, stack, order, previous):
    data = stack.data
    yield lifecycle.delay('CFN_STEP')
    evaluator = _evaluator(api.store, data)
    # touched: resources changed in place (or whose in-place change failed),
    # which the rollback changes back: (logical id, mode, new props, old props).
    created, replaced_old, touched, failed = [], [], [], None
    reason = None
    for logical_id in order:
        definition = data['template']['Resources'][logical_id]
        rec = data['resources'].get(logical_id)
        if rec is not None and rec.get('record') is not None \
                and rec['ResourceType'] == definition['Type']:
            provider = providers.PROVIDERS[rec['ResourceType']]
            try:
                props = evaluator.resolve(definition.get('Properties', {}))
            except (cfn.ResolveError, cfn.TemplateError) as err:
                failed, reason = logical_id, str(err)
                break
            rec['DeletionPolicy'] = definition.get('DeletionPolicy')
            old_props = rec['props']
            if props == old_props and data['tags'] == previous['tags']:
                continue
            _set_resource(now, data, logical_id, 'UPDATE_IN_PROGRESS')
            record, mode = None, None
            changed = {k for k in set(props) | set(old_props) if props.get(k) != old_props.get(k)}
            try:
                if changed <= {'Tags'}:
                    # Tags alone (the resource's or the stack's): retag in place.
                    mode, record = 'retag', rec['record']
                    _retag(api, data, logical_id, provider, record, old_props, props,
                           previous['tags'])
                elif not _needs_replacement(provider, old_props, props):
                    mode = 'update'
                    record = provider.update(api, rec['record'], old_props, props,
                                             _stack_info(data))
                if record is None:
                    mode = 'replace'
                    if provider.name_property and props.get(provider.name_property):
                        raise providers.ProviderError(
                            'CloudFormation cannot update a stack when a custom-named resource '
                            f'requires replacing. Rename {props[provider.name_property]} and '
                            'update the stack again.')
                    replaced_old.append(dict(rec))
                    new = provider.create(api, logical_id, props, _stack_info(data))
                    rec.update(record=new, PhysicalResourceId=new['physical_id'])
                    _system_tags(api, data, logical_id, provider, new)
                    _event(now, data, logical_id, 'UPDATE_IN_PROGRESS', rec['ResourceType'],
                           new['physical_id'], 'Requested update requires the creation of a '
                           'new physical resource; hence creating one.')
                elif mode == 'update':
                    rec['record'] = record
                    _retag(api, data, logical_id, provider, record, old_props, props,
                           previous['tags'])
            except providers.ProviderError as err:
                _set_resource(now, data, logical_id, 'UPDATE_FAILED', err.reason)
                if mode in ('retag', 'update'):
                    # It may be half changed: the rollback changes it back.
                    touched.append((logical_id, mode, props, old_props))
                failed = logical_id
                break
            if mode in ('retag', 'update'):
                touched.append((logical_id, mode, props, old_props))
            rec['props'] = props
            evaluator.resources[logical_id] = {'ref': rec['record']['ref'],
                                               'attrs': rec['record']['attrs']}
            yield lifecycle.delay('CFN_STEP')
            _set_resource(now, data, logical_id, 'UPDATE_COMPLETE')
            continue
        if rec is not None and rec.get('record') is not None:
            replaced_old.append(dict(rec))  # the type changed: a new resource
        ok = yield from _create_resource(api, now, data, evaluator, logical_id)
        if not ok:
            failed = logical_id
            break
        created.append(logical_id)
    if failed is None:
        try:
            outputs = _outputs(data, evaluator)
        except (cfn.ResolveError, cfn.TemplateError) as err:
            failed, reason = 'Outputs', str(err)
    if failed is not None:
        _stack_status(now, data, 'UPDATE_ROLLBACK_IN_PROGRESS',
                      reason or f'The following resource(s) failed to update: [{failed}]. ')
        # The stack is back on its previous template, parameters and tags
        # from here on; what is left to undo is data['rollback'], which
        # ContinueUpdateRollback resumes when this rollback fails.
        new_tags = data['tags']
        for key in ('template', 'body', 'parameters', 'tags', 'capabilities'):
            data[key] = previous[key]
        data['rollback'] = {'pending': list(reversed(touched)), 'created': created,
                            'replaced_old': replaced_old, 'new_tags': new_tags}
        yield lifecycle.delay('CFN_STEP')
        yield from _roll_back(api, now, stack)
        return
    data['outputs'] = outputs
    _stack_status(now, data, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS')
    yield lifecycle.delay('CFN_STEP')
    for logical_id in reversed(list(data['resources'])):
        if logical_id not in order:
            yield from _delete_resource(api, now, data, logical_id)
            del data['resources'][logical_id]
    for old in replaced_old:
        provider = providers.PROVIDERS.get(old['ResourceType'])
        if provider is not None and old.get('record'):
            try:
                provider.delete(api, old['record'])
            except providers.ProviderError:
                pass
        yield lifecycle.delay('CFN_STEP')
    _stack_status(now, data, 'UPDATE_COMPLETE')


def _roll_back(api, now, stack, skip=()):
    """Generator: the rollback of a failed update, from data['rollback'].
    Resources changed in place are changed back to their previous
    properties (those in `skip`, from ContinueUpdateRollback's
    ResourcesToSkip, are only marked UPDATE_COMPLETE, as AWS does: their
    real state is then the user's business); replaced resources get their
    previous physical resource back. If any cannot be changed back (a
    resource deleted or changed outside CloudFormation), the stack stops in
    UPDATE_ROLLBACK_FAILED, with those still pending. Otherwise the cleanup
    deletes what the update created, and the stack is
    UPDATE_ROLLBACK_COMPLETE."""
    data = stack.data
    rb = data['rollback']
    pending, failed = [], []
    for logical_id, mode, new_props, old_props in rb['pending']:
        rec = data['resources'][logical_id]
        if logical_id in skip:
            rec['props'] = old_props  # what CloudFormation believes from now on
            _set_resource(now, data, logical_id, 'UPDATE_COMPLETE')
            continue
        provider = providers.PROVIDERS[rec['ResourceType']]
        _set_resource(now, data, logical_id, 'UPDATE_IN_PROGRESS')
        try:
            record = rec['record']
            if mode == 'update':
                record = provider.update(api, record, new_props, old_props,
                                         _stack_info(data)) or record
                rec['record'] = record
            _retag(api, data, logical_id, provider, record, new_props, old_props,
                   rb['new_tags'])
        except providers.ProviderError as err:
            _set_resource(now, data, logical_id, 'UPDATE_FAILED', err.reason)
            pending.append((logical_id, mode, new_props, old_props))
            failed.append(logical_id)
            continue
        rec['props'] = old_props
        yield lifecycle.delay('CFN_STEP')
        _set_resource(now, data, logical_id, 'UPDATE_COMPLETE')
    if failed:
        rb['pending'] = pending
        _stack_status(now, data, 'UPDATE_ROLLBACK_FAILED',
                      f'The following resource(s) failed to update: [{", ".join(failed)}]. ')
        return
    for old in rb['replaced_old']:
        lid = old['LogicalResourceId']
        new = data['resources'].get(lid)
        data['resources'][lid] = old
        if new is not None and new.get('record') is not old.get('record') and new.get('record'):
            rb.setdefault('replacements', []).append(new)
    for logical_id, rec in data['resources'].items():
        if rec['ResourceStatus'] in ('UPDATE_FAILED', 'UPDATE_IN_PROGRESS') \
                and rec.get('record'):
            _set_resource(now, data, logical_id, 'UPDATE_COMPLETE')
    _stack_status(now, data, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS')
    yield lifecycle.delay('CFN_STEP')
    for logical_id in reversed(rb['created']):
        yield from _delete_resource(api, now, data, logical_id)
        del data['resources'][logical_id]
    for new in rb.get('replacements', []):
        provider = providers.PROVIDERS.get(new['ResourceType'])
        if provider is not None:
            try:
                provider.delete(api, new['record'])
            except providers.ProviderError:
                pass
    del data['rollback']
    _stack_status(now, data, 'UPDATE_ROLLBACK_COMPLETE')


def _continue_flow(api, now, stack, skip):
    yield lifecycle.delay('CFN_STEP')
    yield from _roll_back(api, now, stack, skip)


def _drop_rollback(api, stack):
    """DeleteStack of a stack in UPDATE_ROLLBACK_FAILED: the previous
    physical resources of replacements are in no resource record any more;
    deleted with the stack."""
    rb = stack.data.pop('rollback', None)
    if not rb:
        return
    current = {id(r.get('record')) for r in stack.data['resources'].values()}
    for old in rb['replaced_old']:
        provider = providers.PROVIDERS.get(old['ResourceType'])
        if provider is not None and old.get('record') and id(old['record']) not in current:
            try:
                provider.delete(api, old['record'])
            except providers.ProviderError:
                pass


def _retag(api, data, logical_id, provider, record, old_props, props, old_stack_tags):
    """Bring a resource's tags to the stack's tags plus its own Tags."""
    resource = api.resource(record.get('arn') or '')
    if resource is None or not resource.taggable:
        return
    old = providers._merged_tags(old_props, old_stack_tags)
    new = providers._merged_tags(props, data['tags'])
    resource.remove_tags([k for k in old if k not in new])
    resource.set_tags(new)


def _api(ctx):
    return providers.Api(ctx.app, ctx.account, ctx.region, ctx.identity, ctx.access_key)


# ---- operations ----------------------------------------------------------------------

def _check_role(ctx, role_arn):
    """A RoleARN CloudFormation cannot assume yet (under AWS timing, a
    role created a moment ago that has not propagated) is refused in
    CloudFormation's words; terraform-provider-aws retries CreateStack and
    UpdateStack on exactly this text."""
    if role_arn and not nc.role_propagated(ctx.store, ctx.account, role_arn, ctx.now()):
        raise _validation(f'Role {role_arn} is invalid or cannot be assumed')


def _parameters_list(data):
    declared = data['template'].get('Parameters') or {}
    result = []
    for name, value in data['parameters'].items():
        shown = ','.join(value) if isinstance(value, list) else value
        if str(declared.get(name, {}).get('NoEcho', 'false')).lower() == 'true':
            shown = '****'
        result.append({'ParameterKey': name, 'ParameterValue': shown})
    return result


@op('cloudformation', 'CreateStack')
def create_stack(ctx, params):
    name = params['StackName']
    import re
    if not re.fullmatch(r'[a-zA-Z][-a-zA-Z0-9]*', name) or len(name) > 128:
        raise _validation(f"1 validation error detected: Value '{name}' at 'stackName' failed "
                          'to satisfy constraint: Member must satisfy regular expression '
                          'pattern: [a-zA-Z][-a-zA-Z0-9]*')
    existing = _find_live(ctx, name)
    if existing is not None:
        token = params.get('ClientRequestToken')
        if token and existing.data.get('client_token') == token:
            return {'StackId': existing.arn}
        raise AwsError('AlreadyExistsException', f'Stack [{name}] already exists', 400)
    body = _template_body(params)
    template = _load_template(body)
    try:
        parameters = cfn.resolve_parameters(template, params.get('Parameters', []))
    except cfn.TemplateError as err:
        raise _validation(str(err))
    _check_capabilities(template, params.get('Capabilities'))
    _check_aws_parameters(ctx, template, parameters)
    _check_role(ctx, params.get('RoleARN'))
    if params.get('DisableRollback') and 'OnFailure' in params:
        raise _validation('You can specify either DisableRollback or OnFailure, but not both.')
    on_failure = params.get('OnFailure') or ('DO_NOTHING' if params.get('DisableRollback')
                                              else 'ROLLBACK')
    stack_id = ctx.arn(f'stack/{name}/{uuid.uuid4()}')
    notification_arns = params.get('NotificationARNs', [])
    pseudo = _pseudo(ctx, name, stack_id, notification_arns)
    azs = _azs(ctx)
    order = _plan(template, parameters, pseudo, azs)
    tags = {t['Key']: t['Value'] for t in params.get('Tags', [])}
    data = {'name': name, 'id': stack_id, 'account': ctx.account, 'region': ctx.region,
            'template': template, 'body': body, 'parameters': parameters, 'pseudo': pseudo,
            'azs': azs, 'status': 'CREATE_IN_PROGRESS', 'created': ctx.now(), 'tags': tags,
            'capabilities': list(params.get('Capabilities', [])),
            'notification_arns': notification_arns, 'on_failure': on_failure,
            'disable_rollback': on_failure == 'DO_NOTHING',
            'termination_protection': params.get('EnableTerminationProtection', False),
            'role_arn': params.get('RoleARN'), 'timeout': params.get('TimeoutInMinutes'),
            'client_token': params.get('ClientRequestToken'), 'resources': {},
            'events': [], 'outputs': []}
    stack = ctx.add_resource('stack', stack_id, stack_id, data, tags,
                             info_keys=('name', 'status'))
    _stack_status(ctx.now, data, 'CREATE_IN_PROGRESS', 'User Initiated')
    _run(ctx.store, stack, _create_flow(_api(ctx), ctx.now, stack, order), ctx.now)
    return {'StackId': stack_id}


@op('cloudformation', 'UpdateStack')
def update_stack(ctx, params):
    name = params['StackName']
    stack = _find_live(ctx, name)
    if stack is None:
        raise _validation(f'Stack [{name}] does not exist')
    data = stack.data
    if data['status'] not in UPDATABLE:
        raise _validation(f"Stack:{data['id']} is in {data['status']} state and can not be "
                          'updated.')
    if params.get('UsePreviousTemplate'):
        if 'TemplateBody' in params or 'TemplateURL' in params:
            raise _validation('You cannot specify both usePreviousTemplate and Template Body/'
                              'Template URL')
        body, template = data['body'], data['template']
    else:
        body = _template_body(params)
        template = _load_template(body)
    previous_values = data['parameters']
    try:
        parameters = cfn.resolve_parameters(template, params.get('Parameters', []),
                                            previous_values)
    except cfn.TemplateError as err:
        raise _validation(str(err))
    _check_capabilities(template, params.get('Capabilities'))
    _check_aws_parameters(ctx, template, parameters)
    tags = {t['Key']: t['Value'] for t in params['Tags']} if 'Tags' in params \
        else dict(data['tags'])
    notification_arns = params.get('NotificationARNs', data['notification_arns'])
    role_arn = params.get('RoleARN', data['role_arn'])
    if template == data['template'] and parameters == data['parameters'] \
            and tags == data['tags'] and notification_arns == data['notification_arns'] \
            and role_arn == data['role_arn']:
        raise _validation('No updates are to be performed.')
    _check_role(ctx, role_arn)
    pseudo = _pseudo(ctx, name, data['id'], notification_arns)
    order = _plan(template, parameters, pseudo, data['azs'])
    previous = {k: data[k] for k in ('template', 'body', 'parameters', 'tags', 'capabilities')}
    data.update(template=template, body=body, parameters=parameters, tags=tags,
                pseudo=pseudo, notification_arns=notification_arns, role_arn=role_arn,
                capabilities=list(params.get('Capabilities', [])), updated=ctx.now(),
                client_token=params.get('ClientRequestToken'))
    stack.remove_tags([k for k in stack.tags if k not in tags])
    stack.set_tags(tags)
    _stack_status(ctx.now, data, 'UPDATE_IN_PROGRESS', 'User Initiated')
    _run(ctx.store, stack, _update_flow(_api(ctx), ctx.now, stack, order, previous),
         ctx.now)
    return {'StackId': data['id']}


@op('cloudformation', 'ContinueUpdateRollback')
def continue_update_rollback(ctx, params):
    """Resumes the rollback of a stack in UPDATE_ROLLBACK_FAILED: what
    failed to change back is tried again, except ResourcesToSkip (only
    resources whose rollback failed may be named)."""
    name = params['StackName']
    stack = _find_live(ctx, name)
    if stack is None:
        raise _validation(f'Stack [{name}] does not exist')
    data = stack.data
    if data['status'] != 'UPDATE_ROLLBACK_FAILED':
        # AWS publishes no text for this; modelled on UpdateStack's.
        raise _validation(f"Stack:{data['id']} is in {data['status']} state and can not "
                          'continue update rollback.')
    skip = params.get('ResourcesToSkip', [])
    rollback_failed = {entry[0] for entry in data['rollback']['pending']}
    for logical_id in skip:
        if logical_id not in rollback_failed:
            raise _validation(f'Resource [{logical_id}] cannot be skipped: only resources in '
                              'UPDATE_FAILED state because the rollback failed can be '
                              'specified.')
    _check_role(ctx, params.get('RoleARN') or data['role_arn'])
    if params.get('RoleARN'):
        data['role_arn'] = params['RoleARN']
    data['client_token'] = params.get('ClientRequestToken')
    _stack_status(ctx.now, data, 'UPDATE_ROLLBACK_IN_PROGRESS', 'User Initiated')
    _run(ctx.store, stack, _continue_flow(_api(ctx), ctx.now, stack, set(skip)), ctx.now)
    return {}


@op('cloudformation', 'DeleteStack')
def delete_stack(ctx, params):
    stack = _find_live(ctx, params['StackName'])
    if stack is None:
        return None  # AWS: deleting a stack that does not exist succeeds
    data = stack.data
    retain = params.get('RetainResources', [])
    if retain and data['status'] != 'DELETE_FAILED':
        raise _validation('Invalid operation on stack: RetainResources may only be specified '
                          'for a stack in the DELETE_FAILED state')
    if data['termination_protection']:
        raise _validation(f"Stack [{data['name']}] cannot be deleted while "
                          'TerminationProtection is enabled')
    if data['status'] == 'DELETE_IN_PROGRESS' or 'delete_after' in data:
        return None
    if data['status'] == 'CREATE_IN_PROGRESS':
        # AWS accepts this: creation stops and what exists is deleted.
        data['client_token'] = params.get('ClientRequestToken')
        data['delete_after'] = (_api(ctx), ctx.now)
        return None
    if data['status'].endswith(IN_PROGRESS_SUFFIX):
        raise _validation(f"Stack [{data['name']}] cannot be deleted while in status "
                          f"{data['status']}")
    data['client_token'] = params.get('ClientRequestToken')
    _drop_rollback(_api(ctx), stack)
    _stack_status(ctx.now, data, 'DELETE_IN_PROGRESS', 'User Initiated')
    _run(ctx.store, stack, _delete_flow(_api(ctx), ctx.now, stack, set(retain)), ctx.now)
    return None


def _describe_stack(data, tags):
    item = {'StackId': data['id'], 'StackName': data['name'],
            'Parameters': _parameters_list(data), 'CreationTime': data['created'],
            'StackStatus': data['status'], 'DisableRollback': data['disable_rollback'],
            'NotificationARNs': list(data['notification_arns']),
            'Capabilities': list(data['capabilities']), 'Outputs': list(data['outputs']),
            'Tags': [{'Key': k, 'Value': v} for k, v in tags.items()],
            'EnableTerminationProtection': data['termination_protection'],
            'RollbackConfiguration': {},
            'DriftInformation': {'StackDriftStatus': 'NOT_CHECKED'}}
    if 'Description' in data['template']:
        item['Description'] = data['template']['Description']
    for key, member in (('reason', 'StackStatusReason'), ('updated', 'LastUpdatedTime'),
                        ('deleted', 'DeletionTime'), ('role_arn', 'RoleARN'),
                        ('timeout', 'TimeoutInMinutes')):
        if data.get(key) is not None:
            item[member] = data[key]
    return item


@op('cloudformation', 'DescribeStacks')
def describe_stacks(ctx, params):
    name = params.get('StackName')
    if name is not None:
        stack = _find_live(ctx, name)
        if stack is not None:
            return {'Stacks': [_describe_stack(stack.data, stack.tags)]}
        data = _find_any(ctx, name)
        return {'Stacks': [_describe_stack(data, data['tags'])]}
    stacks = _live_stacks(ctx)
    page, token = ctx.paginate(
        stacks, params.get('NextToken'), ctx.page_limit(None, 100),
        key=lambda s: f"{s.data['created'].isoformat()} {s.arn}",
        invalid_token=_validation('Invalid NextToken'))
    result = {'Stacks': [_describe_stack(s.data, s.tags) for s in page]}
    if token:
        result['NextToken'] = token
    return result


@op('cloudformation', 'DescribeStackEvents')
def describe_stack_events(ctx, params):
    data = _find_any(ctx, params['StackName'])
    events = list(reversed(data['events']))
    page, token = ctx.paginate(
        events, params.get('NextToken'), ctx.page_limit(None, 100),
        key=lambda e: f"{e['Timestamp'].isoformat()} {e['EventId']}",
        invalid_token=_validation('Invalid NextToken'))
    # Events are newest first; the key order is reversed too, so page by index.
    result = {'StackEvents': [dict(e) for e in page]}
    if token:
        result['NextToken'] = token
    return result


def _resource_items(data):
    return [rec for rec in data['resources'].values()]


@op('cloudformation', 'ListStackResources')
def list_stack_resources(ctx, params):
    data = _find_any(ctx, params['StackName'])
    items = sorted(_resource_items(data), key=lambda r: r['LogicalResourceId'])
    page, token = ctx.paginate(
        items, params.get('NextToken'), ctx.page_limit(None, 100),
        key=lambda r: r['LogicalResourceId'],
        invalid_token=_validation('Invalid NextToken'))
    summaries = []
    for rec in page:
        item = {'LogicalResourceId': rec['LogicalResourceId'],
                'PhysicalResourceId': rec['PhysicalResourceId'] or None,
                'ResourceType': rec['ResourceType'],
                'LastUpdatedTimestamp': rec['Timestamp'],
                'ResourceStatus': rec['ResourceStatus'],
                'DriftInformation': {'StackResourceDriftStatus': 'NOT_CHECKED'}}
        if rec.get('ResourceStatusReason'):
            item['ResourceStatusReason'] = rec['ResourceStatusReason']
        summaries.append(item)
    result = {'StackResourceSummaries': summaries}
    if token:
        result['NextToken'] = token
    return result


def _stack_resource(data, rec):
    item = {'StackName': data['name'], 'StackId': data['id'],
            'LogicalResourceId': rec['LogicalResourceId'],
            'PhysicalResourceId': rec['PhysicalResourceId'] or None,
            'ResourceType': rec['ResourceType'], 'Timestamp': rec['Timestamp'],
            'ResourceStatus': rec['ResourceStatus'],
            'DriftInformation': {'StackResourceDriftStatus': 'NOT_CHECKED'}}
    if rec.get('ResourceStatusReason'):
        item['ResourceStatusReason'] = rec['ResourceStatusReason']
    return item


@op('cloudformation', 'DescribeStackResources')
def describe_stack_resources(ctx, params):
    name, physical = params.get('StackName'), params.get('PhysicalResourceId')
    if name is None and physical is None:
        raise _validation('Either StackName or PhysicalResourceId must be specified.')
    if name is not None and physical is not None:
        raise _validation('Only one of StackName or PhysicalResourceId can be specified.')
    if name is not None:
        data = _find_any(ctx, name)
    else:
        data = None
        for stack in _live_stacks(ctx):
            if any(r['PhysicalResourceId'] == physical for r in stack.data['resources'].values()):
                data = stack.data
                break
        if data is None:
            raise _validation(f'Stack for {physical} does not exist')
    items = [_stack_resource(data, rec) for rec in _resource_items(data)
             if params.get('LogicalResourceId') in (None, rec['LogicalResourceId'])]
    return {'StackResources': items}


@op('cloudformation', 'DescribeStackResource')
def describe_stack_resource(ctx, params):
    data = _find_any(ctx, params['StackName'])
    rec = data['resources'].get(params['LogicalResourceId'])
    if rec is None:
        raise _validation(f"Resource {params['LogicalResourceId']} does not exist for stack "
                          f"{params['StackName']}")
    item = _stack_resource(data, rec)
    item['LastUpdatedTimestamp'] = item.pop('Timestamp')
    return {'StackResourceDetail': item}


@op('cloudformation', 'GetTemplate')
def get_template(ctx, params):
    data = _find_any(ctx, params['StackName'])
    return {'TemplateBody': data['body'], 'StagesAvailable': ['Original', 'Processed']}


@op('cloudformation', 'ValidateTemplate')
def validate_template(ctx, params):
    body = _template_body(params)
    template = _load_template(body)
    parameters = []
    for name, definition in (template.get('Parameters') or {}).items():
        item = {'ParameterKey': name,
                'NoEcho': str(definition.get('NoEcho', 'false')).lower() == 'true'}
        if 'Default' in definition:
            item['DefaultValue'] = cfn._text(definition['Default'])
        if 'Description' in definition:
            item['Description'] = str(definition['Description'])
        parameters.append(item)
    result = {'Parameters': parameters, 'DeclaredTransforms': []}
    if 'Description' in template:
        result['Description'] = template['Description']
    needed, kinds = cfn.capabilities_needed(template)
    if needed:
        result['Capabilities'] = [needed]
        result['CapabilitiesReason'] = ('The following resource(s) require capabilities: '
                                        f'[{", ".join(kinds)}]')
    return result


@op('cloudformation', 'ListStacks')
def list_stacks(ctx, params):
    entries = [(s.data, s.data['created']) for s in _live_stacks(ctx)] + \
        [(d, d['created']) for d in _deleted(ctx)]
    entries.sort(key=lambda e: e[1], reverse=True)
    wanted = params.get('StackStatusFilter')
    if wanted:
        entries = [e for e in entries if e[0]['status'] in wanted]
    page, token = ctx.paginate(
        entries, params.get('NextToken'), ctx.page_limit(None, 100),
        key=lambda e: e[0]['id'],
        invalid_token=_validation('Invalid NextToken'))
    summaries = []
    for data, _ in page:
        item = {'StackId': data['id'], 'StackName': data['name'],
                'CreationTime': data['created'], 'StackStatus': data['status'],
                'DriftInformation': {'StackDriftStatus': 'NOT_CHECKED'}}
        if 'Description' in data['template']:
            item['TemplateDescription'] = data['template']['Description']
        for key, member in (('reason', 'StackStatusReason'), ('updated', 'LastUpdatedTime'),
                            ('deleted', 'DeletionTime')):
            if data.get(key) is not None:
                item[member] = data[key]
        summaries.append(item)
    result = {'StackSummaries': summaries}
    if token:
        result['NextToken'] = token
    return result


@op('cloudformation', 'UpdateTerminationProtection')
def update_termination_protection(ctx, params):
    stack = _find_live(ctx, params['StackName'])
    if stack is None:
        raise _validation(f"Stack [{params['StackName']}] does not exist")
    stack.data['termination_protection'] = params['EnableTerminationProtection']
    return {'StackId': stack.arn}
