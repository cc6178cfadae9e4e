"""AWS Systems Manager Parameter Store (botocore `ssm`, JSON 1.1): the
public parameters under /aws/service/ that AWS publishes in every region
(the latest AMIs), and the account's own parameters.

- GetParameter: by name (a leading '/' or not, as stored), by ARN, or with a
  `:VERSION` selector; ParameterNotFound (HTTP 400, no message, as AWS
  answers) for anything else, ParameterVersionNotFound for a version that
  does not exist. A SecureString's Value is its plaintext only with
  WithDecryption=true; otherwise the emulator's stand-in ciphertext (AWS
  returns the KMS ciphertext, base64). DataType is `aws:ec2:image` for the
  AMI parameters, `text` otherwise.
- PutParameter (tests seed the account's parameters with it): String,
  StringList or SecureString; an existing name needs Overwrite=true
  (ParameterAlreadyExists), which raises Version by one; names under /aws/
  are AWS's (AccessDeniedException).

The public parameters are seeded below with stable made-up AMI ids (the
real ones change every few weeks); their ARNs carry no account, as AWS's
do. Simplifications: no labels, tiers, policies, GetParametersByPath or
history."""

import base64
import datetime
import hashlib

from awsemu import AwsError, op

_AMI = 'aws:ec2:image'
# What berth's specs (specs/container-insights.yaml's siege host) and tests
# read, and the common Amazon Linux ones: name -> value.
PUBLIC = {
    '/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id':
        'ami-0c1d4e5f60718293a',
    '/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id':
        'ami-0b2c3d4e5f6071829',
    '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64':
        'ami-0a1b2c3d4e5f60718',
    '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64':
        'ami-0f1e2d3c4b5a69788',
    '/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2':
        'ami-09a8b7c6d5e4f3021',
    '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id':
        'ami-0e5d4c3b2a1908f7e',
}
_PUBLIC_MODIFIED = datetime.datetime(2026, 11, 20, 8, 0, tzinfo=datetime.timezone.utc)
_TYPES = ('String', 'StringList', 'SecureString')


def _not_found():
    return AwsError('ParameterNotFound', '', 400)


def _public(ctx, name):
    value = PUBLIC.get(name)
    if value is None:
        return None
    return {'Name': name, 'Type': 'String', 'Value': value, 'Version': 1,
            'LastModifiedDate': _PUBLIC_MODIFIED, 'DataType': _AMI,
            'ARN': f'arn:aws:ssm:{ctx.region}::parameter{name}'}


def _own_arn(ctx, name):
    # AWS joins with '/' only when the name does not start with one.
    return ctx.arn('parameter' + (name if name.startswith('/') else '/' + name))


def _split(ctx, ref):
    """(name, version or None) of a name, name:VERSION or ARN."""
    if ref.startswith('arn:'):
        parts = ref.split(':', 5)
        if len(parts) < 6 or not parts[5].startswith('parameter/'):
            raise _not_found()
        ref = parts[5][len('parameter'):]
        public = parts[4] == '' and ref.startswith('/aws/')
        if not public and (parts[4] != ctx.account or parts[3] != ctx.region):
            raise _not_found()
        # The ARN of "name" is .../parameter/name: the name had no '/'.
        base = ref.rpartition(':')[0] if ':' in ref else ref
        if not public and ctx.find_resource('parameter', base) is None:
            ref = ref[1:]
    name, _, version = ref.rpartition(':') if ':' in ref else (ref, '', '')
    if version and not version.isdigit():
        raise AwsError('ValidationException', f'Invalid parameter version: {version}', 400)
    return name, int(version) if version else None


@op('ssm', 'GetParameter')
def get_parameter(ctx, params):
    name, version = _split(ctx, params['Name'])
    decrypt = params.get('WithDecryption', False)
    found = _public(ctx, name)
    if found is None:
        resource = ctx.find_resource('parameter', name)
        if resource is None:
            raise _not_found()
        history = resource.data['versions']
        current = history[-1]
        if version is not None:
            if not 1 <= version <= len(history):
                raise AwsError('ParameterVersionNotFound',
                               f'Systems Manager could not find version {version} of {name}. '
                               'Verify the version and try again.', 400)
            current = history[version - 1]
        value = current['Value']
        if current['Type'] == 'SecureString' and not decrypt:
            value = base64.b64encode(b'emulator-kms:' + hashlib.sha256(
                value.encode()).digest()).decode()
        found = {'Name': name, 'Type': current['Type'], 'Value': value,
                 'Version': current['Version'], 'LastModifiedDate': current['LastModifiedDate'],
                 'DataType': current['DataType'], 'ARN': resource.arn}
    elif version not in (None, 1):
        raise AwsError('ParameterVersionNotFound',
                       f'Systems Manager could not find version {version} of {name}. '
                       'Verify the version and try again.', 400)
    if version is not None:
        found['Selector'] = f':{version}'
    return {'Parameter': found}


@op('ssm', 'PutParameter')
def put_parameter(ctx, params):
    name = params['Name']
    if name.lstrip('/').startswith('aws/') or name.startswith('aws'):
        raise AwsError('AccessDeniedException', 'No access to reserved parameter name: '
                       f'{name}.', 400)
    if name in PUBLIC:
        raise AwsError('ParameterAlreadyExists', 'The parameter already exists. To overwrite '
                       'this value, set the overwrite option in the request to true.', 400)
    resource = ctx.find_resource('parameter', name)
    type_ = params.get('Type') or (resource.data['versions'][-1]['Type'] if resource else None)
    if type_ is None:
        raise AwsError('ValidationException', 'A parameter type is required when you create '
                       'a parameter.', 400)
    if type_ not in _TYPES:
        raise AwsError('ValidationException', f"1 validation error detected: Value '{type_}' "
                       "at 'type' failed to satisfy constraint: Member must satisfy enum value "
                       'set: [SecureString, StringList, String]', 400)
    if resource is not None and not params.get('Overwrite'):
        raise AwsError('ParameterAlreadyExists', 'The parameter already exists. To overwrite '
                       'this value, set the overwrite option in the request to true.', 400)
    if resource is None:
        resource = ctx.add_resource('parameter', name, _own_arn(ctx, name),
                                    {'versions': []}, taggable=False)
    version = len(resource.data['versions']) + 1
    resource.data['versions'].append({
        'Type': type_, 'Value': params['Value'], 'Version': version,
        'LastModifiedDate': ctx.now(), 'DataType': params.get('DataType', 'text')})
    return {'Version': version, 'Tier': 'Standard'}
