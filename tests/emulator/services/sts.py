"""AWS STS: who am I, and temporary credentials that the emulator then
accepts (until they expire), for tests of berth's credential chain.

Roles are not checked against IAM while the emulator has no IAM handlers;
once services/iam.py implements CreateRole, assuming a role that does not
exist is AccessDenied, as in AWS."""

import base64
import hashlib
import json
import re

from awsemu import AwsError, op, service_options
from awsemu.credentials import Identity
from awsemu import registry

# STS reports model violations as ValidationError (query default).
service_options('sts')

_ROLE_ARN_RE = re.compile(r'^arn:aws:iam::(\d{12}):role/((?:[\w+=,.@-]+/)*)([\w+=,.@-]{1,64})$')


def _role(ctx, role_arn):
    """(account, role name) of a role ARN, or the error AWS gives."""
    match = _ROLE_ARN_RE.match(role_arn)
    if not match:
        raise AwsError('ValidationError', f'{role_arn} is invalid', 400)
    account, _, name = match.groups()
    if registry.handler_for('iam', 'CreateRole') is not None:
        role = ctx.store.get(role_arn)
        if role is None:
            caller = ctx.identity.arn if ctx.identity else 'anonymous'
            raise AwsError('AccessDenied', f'User: {caller} is not authorized to perform: '
                           f'sts:AssumeRole on resource: {role_arn}', 403)
    return account, name


def _role_id(role_arn):
    digest = hashlib.sha256(role_arn.encode()).hexdigest().upper()
    return 'AROA' + ''.join(c for c in digest if c.isalnum())[:17]


def _issue(ctx, params, role_arn):
    account, role_name = _role(ctx, role_arn)
    session = params['RoleSessionName']
    assumed_id = f'{_role_id(role_arn)}:{session}'
    assumed_arn = f'arn:aws:sts::{account}:assumed-role/{role_name}/{session}'
    credential = ctx.credentials.mint(Identity(account, assumed_arn, assumed_id),
                                      params.get('DurationSeconds', 3600), ctx.now())
    result = {
        'Credentials': {'AccessKeyId': credential.access_key,
                        'SecretAccessKey': credential.secret_key,
                        'SessionToken': credential.session_token,
                        'Expiration': credential.expires},
        'AssumedRoleUser': {'AssumedRoleId': assumed_id, 'Arn': assumed_arn},
    }
    if 'Policy' in params or 'PolicyArns' in params or 'Tags' in params:
        result['PackedPolicySize'] = 6
    return result


@op('sts', 'GetCallerIdentity')
def get_caller_identity(ctx, params):
    return {'UserId': ctx.identity.user_id, 'Account': ctx.identity.account,
            'Arn': ctx.identity.arn}


@op('sts', 'AssumeRole')
def assume_role(ctx, params):
    result = _issue(ctx, params, params['RoleArn'])
    if 'SourceIdentity' in params:
        result['SourceIdentity'] = params['SourceIdentity']
    return result


def _jwt_claims(token):
    """The claims of a JWT, checked only for shape (no issuer to ask)."""
    parts = token.split('.')
    if len(parts) != 3:
        raise ValueError('not three dot-separated parts')
    decoded = []
    for part in parts[:2]:
        padded = part + '=' * (-len(part) % 4)
        decoded.append(json.loads(base64.urlsafe_b64decode(padded.encode()).decode()))
    header, claims = decoded
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ValueError('header and payload must be JSON objects')
    return claims


@op('sts', 'AssumeRoleWithWebIdentity')
def assume_role_with_web_identity(ctx, params):
    try:
        claims = _jwt_claims(params['WebIdentityToken'])
    except (ValueError, UnicodeDecodeError) as err:
        raise AwsError('InvalidIdentityToken', f"Couldn't parse the web identity token: {err}")
    for claim in ('iss', 'sub', 'aud'):
        if claim not in claims:
            raise AwsError('InvalidIdentityToken', f"The web identity token has no '{claim}' claim")
    expires = claims.get('exp')
    if isinstance(expires, (int, float)) and expires <= ctx.now().timestamp():
        raise AwsError('ExpiredTokenException', 'Token expired: current date/time must be '
                       'before the expiration date/time of the token')
    result = _issue(ctx, params, params['RoleArn'])
    audience = claims['aud'][0] if isinstance(claims['aud'], list) else claims['aud']
    issuer = str(claims['iss'])
    result.update({'SubjectFromWebIdentityToken': str(claims['sub']),
                   'Audience': str(audience),
                   'Provider': issuer.split('://', 1)[-1]})
    return result
