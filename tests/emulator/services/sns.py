"""Amazon SNS: topics (attributes, tags) and subscriptions.

What AWS does and berth must cope with:
- CreateTopic is idempotent: the same name returns the same ARN, unless the
  attributes or tags differ, which is InvalidParameter.
- DeleteTopic of a topic that does not exist succeeds; deleting a topic
  removes its subscriptions.
- Email (and http/https) subscriptions stay pending until confirmed:
  Subscribe answers "pending confirmation" (the real ARN only with
  ReturnSubscriptionArn), and listings show "PendingConfirmation". The
  confirmation token is in GET /_emulator/resources (`info.token`), so a
  test can call ConfirmSubscription.
- Subscriptions cannot be tagged; they are found through their topic."""

import json
import re
import uuid

from awsemu import AwsError, op, service_options

service_options('sns', validation_error='InvalidParameter')

MAX_TAGS = 50
_NAME_RE = re.compile(r'^[A-Za-z0-9_-]{1,256}$')
_FIFO_NAME_RE = re.compile(r'^[A-Za-z0-9_-]{1,251}\.fifo$')
_TOPIC_ARN_RE = re.compile(r'^arn:aws:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]{1,256})$')

TOPIC_CREATE_ATTRIBUTES = {
    'DeliveryPolicy', 'DisplayName', 'FifoTopic', 'Policy', 'SignatureVersion',
    'TracingConfig', 'KmsMasterKeyId', 'ContentBasedDeduplication', 'ArchivePolicy',
    'FifoThroughputScope', 'DataProtectionPolicy'}
TOPIC_SETTABLE_ATTRIBUTES = (TOPIC_CREATE_ATTRIBUTES - {'FifoTopic'}) | {
    f'{protocol}{kind}' for protocol in ('HTTP', 'Firehose', 'Lambda', 'Application', 'SQS')
    for kind in ('SuccessFeedbackRoleArn', 'SuccessFeedbackSampleRate', 'FailureFeedbackRoleArn')}
SUBSCRIPTION_ATTRIBUTES = {'DeliveryPolicy', 'FilterPolicy', 'FilterPolicyScope',
                           'RawMessageDelivery', 'RedrivePolicy', 'SubscriptionRoleArn',
                           'ReplayPolicy'}
PROTOCOLS = {'http', 'https', 'email', 'email-json', 'sms', 'sqs', 'application',
             'lambda', 'firehose'}
NEEDS_CONFIRMATION = {'http', 'https', 'email', 'email-json'}
RAW_DELIVERY_PROTOCOLS = {'http', 'https', 'sqs', 'firehose'}
JSON_ATTRIBUTES = {'Policy', 'DeliveryPolicy', 'FilterPolicy', 'RedrivePolicy',
                   'ArchivePolicy', 'DataProtectionPolicy', 'ReplayPolicy'}

EFFECTIVE_DELIVERY_POLICY = json.dumps({'http': {
    'defaultHealthyRetryPolicy': {
        'minDelayTarget': 20, 'maxDelayTarget': 20, 'numRetries': 3,
        'numMaxDelayRetries': 0, 'numNoDelayRetries': 0, 'numMinDelayRetries': 0,
        'backoffFunction': 'linear'},
    'disableSubscriptionOverrides': False,
    'defaultRequestPolicy': {'headerContentType': 'text/plain; charset=UTF-8'}}},
    separators=(',', ':'))


def _invalid(what):
    return AwsError('InvalidParameter', f'Invalid parameter: {what}')


def _default_policy(arn, account):
    return json.dumps({
        'Version': '2008-10-17', 'Id': '__default_policy_ID',
        'Statement': [{
            'Sid': '__default_statement_ID', 'Effect': 'Allow',
            'Principal': {'AWS': '*'},
            'Action': ['SNS:GetTopicAttributes', 'SNS:SetTopicAttributes',
                       'SNS:AddPermission', 'SNS:RemovePermission', 'SNS:DeleteTopic',
                       'SNS:Subscribe', 'SNS:ListSubscriptionsByTopic', 'SNS:Publish'],
            'Resource': arn,
            'Condition': {'StringEquals': {'AWS:SourceOwner': account}}}]},
        separators=(',', ':'))


def _check_json_attribute(name, value):
    if name in JSON_ATTRIBUTES and value:
        try:
            json.loads(value)
        except ValueError:
            raise _invalid(f'{name}: failed to parse JSON.')


def _tags_dict(tag_list):
    tags = {}
    for tag in tag_list:
        if tag['Key'].lower().startswith('aws:'):
            raise _invalid("Tags Reason: Keys can't start with 'aws:'")
        tags[tag['Key']] = tag['Value']
    if len(tags) > MAX_TAGS:
        raise AwsError('TagLimitExceeded',
                       'Could not complete request: tag quota of per resource exceeded')
    return tags


def _topic_arn_parts(arn):
    match = _TOPIC_ARN_RE.match(arn)
    if not match:
        raise _invalid('TopicArn')
    return match.groups()


def _topic(ctx, arn):
    """The topic for a TopicArn parameter, or NotFound as AWS says it."""
    _topic_arn_parts(arn)
    topic = ctx.resource_by_arn(arn)
    if topic is None or topic.type != 'topic':
        raise AwsError('NotFound', 'Topic does not exist')
    return topic


# ---- topics -------------------------------------------------------------

@op('sns', 'CreateTopic')
def create_topic(ctx, params):
    name = params['Name']
    attributes = dict(params.get('Attributes', {}))
    if 'DataProtectionPolicy' in params:
        attributes['DataProtectionPolicy'] = params['DataProtectionPolicy']
    for key, value in attributes.items():
        if key not in TOPIC_CREATE_ATTRIBUTES:
            raise _invalid(f'Attributes Reason: Unknown attribute {key}')
        _check_json_attribute(key, value)
    fifo = attributes.get('FifoTopic', 'false').lower() == 'true'
    if fifo and not _FIFO_NAME_RE.match(name) or not fifo and name.endswith('.fifo'):
        raise _invalid('Fifo Topic names must end with .fifo and must be made up of only '
                       'uppercase and lowercase ASCII letters, numbers, underscores, and '
                       'hyphens, and must be between 1 and 256 characters long.')
    if not fifo and not _NAME_RE.match(name):
        raise _invalid('Topic Name')
    tags = _tags_dict(params.get('Tags', []))
    arn = ctx.arn(name)
    existing = ctx.resource_by_arn(arn)
    if existing is not None:
        # Idempotent only for the same definition.
        if attributes and any(existing.data['attributes'].get(k) != v
                              for k, v in attributes.items()):
            raise _invalid('Attributes Reason: Topic already exists with different attributes')
        if tags and tags != existing.tags:
            raise _invalid('Tags Reason: Topic already exists with different tags')
        return {'TopicArn': arn}
    ctx.add_resource('topic', name, arn, {'attributes': attributes}, tags)
    return {'TopicArn': arn}


@op('sns', 'ListTopics')
def list_topics(ctx, params):
    topics = sorted(ctx.resources('topic'), key=lambda t: t.arn)
    page, token = ctx.paginate(topics, params.get('NextToken'), ctx.page_limit(None, 100),
                               key=lambda t: t.arn, invalid_token=_invalid('NextToken'))
    result = {'Topics': [{'TopicArn': t.arn} for t in page]}
    if token:
        result['NextToken'] = token
    return result


def _subscriptions_of(ctx, topic_arn):
    return [s for s in ctx.resources('subscription') if s.data['TopicArn'] == topic_arn]


@op('sns', 'GetTopicAttributes')
def get_topic_attributes(ctx, params):
    topic = _topic(ctx, params['TopicArn'])
    subscriptions = _subscriptions_of(ctx, topic.arn)
    pending = sum(1 for s in subscriptions if s.data['pending'])
    attributes = {
        'TopicArn': topic.arn, 'Owner': topic.account,
        'Policy': _default_policy(topic.arn, topic.account),
        'DisplayName': '',
        'SubscriptionsPending': str(pending),
        'SubscriptionsConfirmed': str(len(subscriptions) - pending),
        'SubscriptionsDeleted': '0',
        'EffectiveDeliveryPolicy': EFFECTIVE_DELIVERY_POLICY,
    }
    attributes.update(topic.data['attributes'])
    if attributes.get('FifoTopic', 'false').lower() == 'true':
        attributes.setdefault('ContentBasedDeduplication', 'false')
    return {'Attributes': attributes}


@op('sns', 'SetTopicAttributes')
def set_topic_attributes(ctx, params):
    topic = _topic(ctx, params['TopicArn'])
    name = params['AttributeName']
    value = params.get('AttributeValue', '')
    if name not in TOPIC_SETTABLE_ATTRIBUTES:
        raise _invalid('AttributeName')
    if name == 'ContentBasedDeduplication' and \
            topic.data['attributes'].get('FifoTopic', 'false').lower() != 'true':
        raise _invalid('ContentBasedDeduplication Reason: Content based deduplication can '
                       'only be set for FIFO topics')
    _check_json_attribute(name, value)
    topic.data['attributes'][name] = value


@op('sns', 'DeleteTopic')
def delete_topic(ctx, params):
    _topic_arn_parts(params['TopicArn'])
    topic = ctx.resource_by_arn(params['TopicArn'])
    if topic is None or topic.type != 'topic':
        return  # idempotent, as AWS documents
    for subscription in _subscriptions_of(ctx, topic.arn):
        ctx.remove_resource(subscription.arn)
    ctx.remove_resource(topic.arn)


# ---- tags ----------------------------------------------------------------

def _taggable(ctx, arn):
    resource = ctx.resource_by_arn(arn)
    if resource is None or resource.service != 'sns' or not resource.taggable:
        raise AwsError('ResourceNotFound', 'Resource does not exist')
    return resource


@op('sns', 'TagResource')
def tag_resource(ctx, params):
    topic = _taggable(ctx, params['ResourceArn'])
    tags = _tags_dict(params['Tags'])
    if len(set(topic.tags) | set(tags)) > MAX_TAGS:
        raise AwsError('TagLimitExceeded',
                       'Could not complete request: tag quota of per resource exceeded')
    topic.set_tags(tags)
    return {}


@op('sns', 'UntagResource')
def untag_resource(ctx, params):
    _taggable(ctx, params['ResourceArn']).remove_tags(params['TagKeys'])
    return {}


@op('sns', 'ListTagsForResource')
def list_tags_for_resource(ctx, params):
    topic = _taggable(ctx, params['ResourceArn'])
    return {'Tags': [{'Key': k, 'Value': v} for k, v in sorted(topic.tags.items())]}


# ---- subscriptions ---------------------------------------------------------

def _check_endpoint(protocol, endpoint):
    if endpoint is None:
        raise _invalid('Endpoint')
    if protocol in ('email', 'email-json'):
        if not re.fullmatch(r'[^@\s]+@[^@\s]+\.[^@\s]+', endpoint):
            raise _invalid('Email address')
    elif protocol in ('http', 'https'):
        if not endpoint.startswith(protocol + '://'):
            raise _invalid('Endpoint must match the specified protocol')
    elif protocol in ('sqs', 'lambda', 'firehose', 'application'):
        if not endpoint.startswith('arn:aws:'):
            raise _invalid(f'{protocol.upper()} endpoint ARN')


def _check_subscription_attribute(protocol, name, value):
    if name not in SUBSCRIPTION_ATTRIBUTES:
        raise _invalid('AttributeName')
    if name == 'RawMessageDelivery':
        if value not in ('true', 'false'):
            raise _invalid('RawMessageDelivery')
        if protocol not in RAW_DELIVERY_PROTOCOLS:
            raise _invalid(f'Delivery protocol [{protocol}] does not support raw message '
                           'delivery.')
    _check_json_attribute(name, value)


def _listed(subscription):
    data = subscription.data
    return {'SubscriptionArn': 'PendingConfirmation' if data['pending'] else subscription.arn,
            'Owner': subscription.account, 'Protocol': data['Protocol'],
            'Endpoint': data['Endpoint'], 'TopicArn': data['TopicArn']}


@op('sns', 'Subscribe')
def subscribe(ctx, params):
    topic = _topic(ctx, params['TopicArn'])
    protocol = params['Protocol']
    if protocol not in PROTOCOLS:
        raise _invalid(f'Amazon SNS does not support this protocol string: {protocol}')
    endpoint = params.get('Endpoint')
    _check_endpoint(protocol, endpoint)
    attributes = params.get('Attributes', {})
    for name, value in attributes.items():
        _check_subscription_attribute(protocol, name, value)
    for existing in _subscriptions_of(ctx, topic.arn):
        if (existing.data['Protocol'], existing.data['Endpoint']) == (protocol, endpoint):
            if attributes and any(existing.data['attributes'].get(k) != v
                                  for k, v in attributes.items()):
                raise _invalid('Attributes Reason: Subscription already exists with '
                               'different attributes')
            subscription = existing
            break
    else:
        arn = f'{topic.arn}:{uuid.uuid4()}'
        subscription = ctx.add_resource('subscription', arn, arn, {
            'TopicArn': topic.arn, 'Protocol': protocol, 'Endpoint': endpoint,
            'attributes': dict(attributes),
            'pending': protocol in NEEDS_CONFIRMATION,
            'token': uuid.uuid4().hex + uuid.uuid4().hex}, taggable=False,
            info_keys=('TopicArn', 'Protocol', 'Endpoint', 'pending', 'token'))
    if subscription.data['pending'] and not params.get('ReturnSubscriptionArn'):
        return {'SubscriptionArn': 'pending confirmation'}
    return {'SubscriptionArn': subscription.arn}


def _subscription(ctx, arn):
    subscription = ctx.resource_by_arn(arn)
    if subscription is None or subscription.type != 'subscription':
        if not re.match(r'^arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+:[0-9a-f-]{36}$', arn):
            raise _invalid('SubscriptionArn')
        raise AwsError('NotFound', 'Subscription does not exist')
    return subscription


@op('sns', 'Unsubscribe')
def unsubscribe(ctx, params):
    subscription = _subscription(ctx, params['SubscriptionArn'])
    ctx.remove_resource(subscription.arn)


@op('sns', 'ListSubscriptions')
def list_subscriptions(ctx, params):
    subscriptions = sorted(ctx.resources('subscription'), key=lambda s: s.arn)
    page, token = ctx.paginate(subscriptions, params.get('NextToken'), ctx.page_limit(None, 100),
                               key=lambda s: s.arn, invalid_token=_invalid('NextToken'))
    result = {'Subscriptions': [_listed(s) for s in page]}
    if token:
        result['NextToken'] = token
    return result


@op('sns', 'ListSubscriptionsByTopic')
def list_subscriptions_by_topic(ctx, params):
    topic = _topic(ctx, params['TopicArn'])
    subscriptions = sorted(_subscriptions_of(ctx, topic.arn), key=lambda s: s.arn)
    page, token = ctx.paginate(subscriptions, params.get('NextToken'), ctx.page_limit(None, 100),
                               key=lambda s: s.arn, invalid_token=_invalid('NextToken'))
    result = {'Subscriptions': [_listed(s) for s in page]}
    if token:
        result['NextToken'] = token
    return result


@op('sns', 'GetSubscriptionAttributes')
def get_subscription_attributes(ctx, params):
    subscription = _subscription(ctx, params['SubscriptionArn'])
    data = subscription.data
    attributes = {
        'SubscriptionArn': subscription.arn, 'TopicArn': data['TopicArn'],
        'Owner': subscription.account, 'Protocol': data['Protocol'],
        'Endpoint': data['Endpoint'],
        'ConfirmationWasAuthenticated': 'false' if data['pending'] else 'true',
        'PendingConfirmation': 'true' if data['pending'] else 'false',
        'RawMessageDelivery': 'false',
        'EffectiveDeliveryPolicy': EFFECTIVE_DELIVERY_POLICY,
    }
    attributes.update(data['attributes'])
    return {'Attributes': attributes}


@op('sns', 'SetSubscriptionAttributes')
def set_subscription_attributes(ctx, params):
    subscription = _subscription(ctx, params['SubscriptionArn'])
    name = params['AttributeName']
    value = params.get('AttributeValue', '')
    _check_subscription_attribute(subscription.data['Protocol'], name, value)
    subscription.data['attributes'][name] = value


@op('sns', 'ConfirmSubscription')
def confirm_subscription(ctx, params):
    topic = _topic(ctx, params['TopicArn'])
    for subscription in _subscriptions_of(ctx, topic.arn):
        if subscription.data['token'] == params['Token']:
            subscription.data['pending'] = False
            return {'SubscriptionArn': subscription.arn}
    raise _invalid('Token')
