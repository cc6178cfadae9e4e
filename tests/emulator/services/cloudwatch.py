"""CloudWatch: metric alarms (PutMetricAlarm, DescribeAlarms, DeleteAlarms)
and the resource tag API.

Both wire forms reach these handlers: the query protocol (Debian's botocore
1.29, the `aws` CLI v1 of old) and the JSON protocol that newer botocore
prefers (`GraniteServiceVersion20100801.*`, awsQueryCompatible, so error
codes are the query ones in `x-amzn-query-error`).

Semantics kept from AWS:
- PutMetricAlarm creates or replaces an alarm by name. Tags are applied only
  when the alarm is created (AWS ignores them on update). A new alarm starts
  in INSUFFICIENT_DATA with "Unchecked: Initial alarm creation"; an update
  keeps the state.
- Validation beyond the model, with AWS's codes: exactly one of Statistic /
  ExtendedStatistic / Metrics; Period 10, 30 or a multiple of 60;
  EvaluationPeriods * Period <= 7 days; DatapointsToAlarm <= EvaluationPeriods;
  ComparisonOperator and EvaluationPeriods present; Threshold present for
  static comparisons and ThresholdMetricId for anomaly-band ones;
  TreatMissingData in breaching|notBreaching|ignore|missing; ExtendedStatistic
  percentile syntax; action ARNs must be ARNs in the alarm's own region.
- DescribeAlarms: names sorted, AlarmNames / AlarmNamePrefix / StateValue /
  ActionPrefix filters, AlarmTypes defaulting to metric alarms, MaxRecords
  (default and maximum 100; the emulator's --page-size when smaller),
  InvalidNextToken for a foreign token.
- DeleteAlarms is all-or-nothing: any unknown name -> ResourceNotFound (404)
  and nothing is deleted.

- SetAlarmState sets the state (and StateTransitionedTimestamp when it
  changes); StateReasonData must be JSON (InvalidFormat).
  Enable/DisableAlarmActions ignore unknown names, as AWS does.
  DescribeAlarmsForMetric matches namespace, metric, exact dimension set
  and the optional statistic/period/unit.

Simplifications: alarms are never evaluated (no metric data exists), so the
state stays INSUFFICIENT_DATA unless SetAlarmState changes it, and no action
is ever run; composite alarms, alarm history, metric streams, dashboards,
PutMetricData and GetMetricData are not implemented (501)."""

import json
import re

from awsemu import AwsError, op, service_options
from awsemu.faults import ignores_filters

# CloudWatch is awsQueryCompatible: over JSON too, model violations carry the
# query code ValidationError (the framework's JSON default would be
# ValidationException).
service_options('cloudwatch', validation_error='ValidationError')

MAX_TAGS = 50
TREAT_MISSING = ('breaching', 'notBreaching', 'ignore', 'missing')
ANOMALY_OPERATORS = ('LessThanLowerOrGreaterThanUpperThreshold', 'LessThanLowerThreshold',
                     'GreaterThanUpperThreshold')
_PERCENTILE_RE = re.compile(r'^(p|tm|wm|tc|ts|pr)(\d{1,2}(\.\d{1,10})?|100)$|'
                            r'^(TM|WM|TC|TS|PR)\(.+\)$|^IQM$')
_ALARM_ACTION_RE = re.compile(
    r'^arn:aws[-a-z]*:(sns|autoscaling|automate|ssm|ssm-incidents|lambda|swf|ec2):')


def _alarm_arn(ctx, name):
    # The ARN names the service "cloudwatch", not its signing name "monitoring".
    return ctx.arn(f'alarm:{name}', service='cloudwatch')


def _invalid(message):
    return AwsError('InvalidParameterValue', message, 400)


def _validation(message):
    return AwsError('ValidationError', message, 400)


def _check_actions(ctx, params):
    for key in ('AlarmActions', 'OKActions', 'InsufficientDataActions'):
        for action in params.get(key, []):
            if not _ALARM_ACTION_RE.match(action):
                raise _validation(f'Invalid arn syntax: {action}')
            region = action.split(':')[3]
            if region and region != ctx.region:
                raise _validation(f'Invalid region {region} specified. '
                                  f'Only {ctx.region} is supported.')


def _check_alarm(ctx, params):
    statistic = params.get('Statistic')
    extended = params.get('ExtendedStatistic')
    metrics = params.get('Metrics')
    given = [k for k, v in (('Statistic', statistic), ('ExtendedStatistic', extended),
                            ('Metrics', metrics)) if v is not None]
    if 'EvaluationCriteria' in params:
        given.append('EvaluationCriteria')
    if len(given) > 1 and not (set(given) <= {'Metrics', 'EvaluationCriteria'}):
        raise AwsError('InvalidParameterCombination',
                       f'The parameters {" and ".join(given)} are mutually exclusive.', 400)
    if not given:
        raise AwsError('MissingParameter',
                       'One of the parameters Statistic, ExtendedStatistic or Metrics '
                       'must be specified.', 400)
    if metrics is not None:
        for key in ('MetricName', 'Namespace', 'Dimensions', 'Period', 'Unit'):
            if key in params:
                raise AwsError('InvalidParameterCombination',
                               f'The parameter {key} cannot be used with Metrics.', 400)
        returning = [m for m in metrics if m.get('ReturnData', True)]
        if len(returning) != 1 and 'ThresholdMetricId' not in params:
            raise _validation('Exactly one element of the metrics list should return data.')
        for query in metrics:
            if ('MetricStat' in query) == ('Expression' in query):
                raise _validation('Exactly one of MetricStat and Expression must be '
                                  f'specified for the metric data query {query["Id"]}.')
    elif 'EvaluationCriteria' not in params:
        for key in ('MetricName', 'Namespace', 'Period'):
            if key not in params:
                raise AwsError('MissingParameter', f'The parameter {key} is required.', 400)
    if extended is not None and not _PERCENTILE_RE.match(extended):
        raise _invalid(f"The value {extended} for parameter ExtendedStatistic is not supported.")
    period = params.get('Period')
    if period is not None and period not in (10, 30) and period % 60:
        raise _validation('Period must be 10, 30 or a multiple of 60')
    if 'EvaluationCriteria' not in params:
        for key in ('ComparisonOperator', 'EvaluationPeriods'):
            if key not in params:
                # Required in older models (and so reported as the front end
                # reports a missing required member), optional in newer ones
                # only because PromQL alarms do without them.
                wire = key[0].lower() + key[1:]
                raise _validation(f"1 validation error detected: Value null at '{wire}' "
                                  'failed to satisfy constraint: Member must not be null')
        evaluation = params['EvaluationPeriods']
        if period is None and metrics:
            periods = [q.get('Period') or q.get('MetricStat', {}).get('Period') for q in metrics]
            period = max([p for p in periods if p] or [60])
        if period is not None and evaluation * period > 7 * 86400:
            raise _validation('The evaluation period (EvaluationPeriods * Period) cannot '
                              'exceed 7 days (604800 seconds).')
        datapoints = params.get('DatapointsToAlarm')
        if datapoints is not None and datapoints > evaluation:
            raise _validation('DatapointsToAlarm must be less than or equal to '
                              'EvaluationPeriods.')
        operator = params['ComparisonOperator']
        if operator in ANOMALY_OPERATORS:
            if 'ThresholdMetricId' not in params:
                raise _validation(f'ComparisonOperator {operator} requires ThresholdMetricId.')
            if 'Threshold' in params:
                raise AwsError('InvalidParameterCombination', 'Threshold cannot be used with '
                               'an anomaly detection band (ThresholdMetricId).', 400)
        elif 'Threshold' not in params:
            raise AwsError('MissingParameter', 'The parameter Threshold is required.', 400)
    treat = params.get('TreatMissingData')
    if treat is not None and treat not in TREAT_MISSING:
        raise _validation(f"Invalid value for TreatMissingData: '{treat}'. Valid values are "
                          f"{', '.join(TREAT_MISSING)}.")
    _check_actions(ctx, params)


_ALARM_FIELDS = ('AlarmDescription', 'OKActions', 'AlarmActions', 'InsufficientDataActions',
                 'MetricName', 'Namespace', 'Statistic', 'ExtendedStatistic', 'Dimensions',
                 'Period', 'Unit', 'EvaluationPeriods', 'DatapointsToAlarm', 'Threshold',
                 'ComparisonOperator', 'TreatMissingData', 'EvaluateLowSampleCountPercentile',
                 'Metrics', 'ThresholdMetricId', 'EvaluationCriteria', 'EvaluationInterval')


def _check_tags(resource, tags):
    keys = [t['Key'] for t in tags]
    for key in keys:
        if key.startswith('aws:'):
            raise _invalid(f"Invalid tag key '{key}': tag keys cannot start with 'aws:'.")
    existing = set(resource.tags) if resource is not None else set()
    if len(existing | set(keys)) > MAX_TAGS:
        raise AwsError('LimitExceededException',
                       f'A resource can have no more than {MAX_TAGS} tags.', 400)


@op('cloudwatch', 'PutMetricAlarm')
def put_metric_alarm(ctx, params):
    _check_alarm(ctx, params)
    name = params['AlarmName']
    now = ctx.now()
    config = {key: params[key] for key in _ALARM_FIELDS if key in params}
    config['ActionsEnabled'] = params.get('ActionsEnabled', True)
    for key in ('OKActions', 'AlarmActions', 'InsufficientDataActions', 'Dimensions'):
        config.setdefault(key, [])
    if 'Threshold' in config:
        config['Threshold'] = float(config['Threshold'])
    alarm = ctx.find_resource('alarm', name)
    if alarm is None:
        tags = params.get('Tags', [])
        _check_tags(None, tags)
        config.update(StateValue='INSUFFICIENT_DATA',
                      StateReason='Unchecked: Initial alarm creation',
                      StateUpdatedTimestamp=now, StateTransitionedTimestamp=now,
                      AlarmConfigurationUpdatedTimestamp=now)
        ctx.add_resource('alarm', name, _alarm_arn(ctx, name), config,
                         {t['Key']: t['Value'] for t in tags})
        return None
    for key in ('StateValue', 'StateReason', 'StateUpdatedTimestamp',
                'StateTransitionedTimestamp'):
        config[key] = alarm.data[key]
    config['AlarmConfigurationUpdatedTimestamp'] = now
    alarm.data = config
    return None


def _describe(alarm):
    item = dict(alarm.data)
    item['AlarmName'] = alarm.id
    item['AlarmArn'] = alarm.arn
    return item


@op('cloudwatch', 'DescribeAlarms')
def describe_alarms(ctx, params):
    names = params.get('AlarmNames')
    prefix = params.get('AlarmNamePrefix')
    if names is not None and prefix is not None:
        raise AwsError('InvalidParameterCombination',
                       'AlarmNames and AlarmNamePrefix cannot be specified together.', 400)
    if ('ChildrenOfAlarmName' in params or 'ParentsOfAlarmName' in params) and \
            (names is not None or prefix is not None):
        raise AwsError('InvalidParameterCombination', 'ChildrenOfAlarmName and '
                       'ParentsOfAlarmName cannot be used with other filters.', 400)
    types = params.get('AlarmTypes') or ['MetricAlarm']
    alarms = sorted(ctx.resources('alarm'), key=lambda a: a.id)
    if 'MetricAlarm' not in types or 'ChildrenOfAlarmName' in params \
            or 'ParentsOfAlarmName' in params:
        alarms = []  # no composite alarms exist here
    if names is not None and not ignores_filters(ctx):
        wanted = set(names)
        alarms = [a for a in alarms if a.id in wanted]
    if prefix is not None and not ignores_filters(ctx):
        alarms = [a for a in alarms if a.id.startswith(prefix)]
    if 'StateValue' in params:
        alarms = [a for a in alarms if a.data['StateValue'] == params['StateValue']]
    if 'ActionPrefix' in params:
        action_prefix = params['ActionPrefix']
        alarms = [a for a in alarms if any(
            action.startswith(action_prefix) for key in
            ('AlarmActions', 'OKActions', 'InsufficientDataActions') for action in a.data[key])]
    page, token = ctx.paginate(
        alarms, params.get('NextToken'), ctx.page_limit(params.get('MaxRecords'), 100),
        key=lambda a: a.id,
        invalid_token=AwsError('InvalidNextToken', 'The service returned an invalid '
                               'NextToken.', 400))
    result = {'MetricAlarms': [_describe(a) for a in page], 'CompositeAlarms': []}
    if token:
        result['NextToken'] = token
    return result


@op('cloudwatch', 'DeleteAlarms')
def delete_alarms(ctx, params):
    alarms = []
    for name in params['AlarmNames']:
        alarm = ctx.find_resource('alarm', name)
        if alarm is None:
            raise AwsError('ResourceNotFound', f'The named resource does not exist: {name}', 404)
        alarms.append(alarm)
    for alarm in alarms:
        ctx.remove_resource(alarm.arn)


@op('cloudwatch', 'SetAlarmState')
def set_alarm_state(ctx, params):
    """Sets the state until the next evaluation (which never comes here).
    Actions are not run: the emulator delivers no notifications."""
    alarm = ctx.find_resource('alarm', params['AlarmName'])
    if alarm is None:
        raise AwsError('ResourceNotFound', f"Alarm {params['AlarmName']} not found", 404)
    reason_data = params.get('StateReasonData')
    if reason_data is not None:
        try:
            json.loads(reason_data)
        except ValueError:
            raise AwsError('InvalidFormat', 'StateReasonData must be valid JSON.', 400)
    now = ctx.now()
    if alarm.data['StateValue'] != params['StateValue']:
        alarm.data['StateTransitionedTimestamp'] = now
    alarm.data.update(StateValue=params['StateValue'], StateReason=params['StateReason'],
                      StateUpdatedTimestamp=now)
    if reason_data is not None:
        alarm.data['StateReasonData'] = reason_data
    else:
        alarm.data.pop('StateReasonData', None)


def _set_actions_enabled(ctx, names, enabled):
    for name in names:
        alarm = ctx.find_resource('alarm', name)
        if alarm is not None:  # AWS ignores names that do not exist
            alarm.data['ActionsEnabled'] = enabled


@op('cloudwatch', 'EnableAlarmActions')
def enable_alarm_actions(ctx, params):
    _set_actions_enabled(ctx, params['AlarmNames'], True)


@op('cloudwatch', 'DisableAlarmActions')
def disable_alarm_actions(ctx, params):
    _set_actions_enabled(ctx, params['AlarmNames'], False)


@op('cloudwatch', 'DescribeAlarmsForMetric')
def describe_alarms_for_metric(ctx, params):
    alarms = sorted(ctx.resources('alarm'), key=lambda a: a.id)
    wanted_dimensions = sorted((d['Name'], d['Value']) for d in params.get('Dimensions', []))
    found = []
    for alarm in alarms:
        data = alarm.data
        if data.get('MetricName') != params['MetricName'] or \
                data.get('Namespace') != params['Namespace']:
            continue
        if 'Dimensions' in params and sorted(
                (d['Name'], d['Value']) for d in data.get('Dimensions', [])) != wanted_dimensions:
            continue
        if any(key in params and data.get(key) != params[key]
               for key in ('Statistic', 'ExtendedStatistic', 'Period', 'Unit')):
            continue
        found.append(_describe(alarm))
    return {'MetricAlarms': found}


def _by_arn(ctx, arn):
    if not arn.startswith('arn:'):
        raise _invalid(f'Invalid ARN: {arn}')
    resource = ctx.resource_by_arn(arn)
    if resource is None or resource.service != 'cloudwatch':
        raise AwsError('ResourceNotFoundException', 'Resource not found', 404)
    return resource


@op('cloudwatch', 'TagResource')
def tag_resource(ctx, params):
    alarm = _by_arn(ctx, params['ResourceARN'])
    _check_tags(alarm, params['Tags'])
    alarm.set_tags({t['Key']: t['Value'] for t in params['Tags']})


@op('cloudwatch', 'UntagResource')
def untag_resource(ctx, params):
    _by_arn(ctx, params['ResourceARN']).remove_tags(params['TagKeys'])


@op('cloudwatch', 'ListTagsForResource')
def list_tags_for_resource(ctx, params):
    alarm = _by_arn(ctx, params['ResourceARN'])
    return {'Tags': [{'Key': k, 'Value': v} for k, v in sorted(alarm.tags.items())]}
