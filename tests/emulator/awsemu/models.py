"""Loading the official AWS service models from botocore, and the facts about
them that routing, parsing and error handling need.

botocore's loader finds both the gzipped models of recent botocore
(`service-2.json.gz`) and the plain JSON of Debian's python3-botocore, so
nothing here depends on which interpreter runs the emulator."""

import threading

import botocore.session

_lock = threading.Lock()
_session = None
_models = {}


def service_model(name):
    """The botocore ServiceModel for a service name as boto3 spells it
    ("sns", "logs", "resourcegroupstaggingapi"). Cached; thread-safe."""
    global _session
    with _lock:
        model = _models.get(name)
        if model is None:
            if _session is None:
                _session = botocore.session.get_session()
            model = _session.get_service_model(name)
            _models[name] = model
        return model


def protocols(model):
    """The wire protocols a service accepts. Newer models list several
    (`protocols`: CloudWatch speaks rpc-v2-cbor, json and query); older ones
    name one (`protocol`)."""
    listed = model.metadata.get('protocols')
    if listed:
        return list(listed)
    return [model.metadata['protocol']]


def signing_name(model):
    """The service name in a SigV4 credential scope ("elasticloadbalancing"
    for elbv2, "monitoring" for cloudwatch, "tagging" for the tagging API)."""
    return model.metadata.get('signingName') or model.metadata['endpointPrefix']


def json_version(model):
    return model.metadata.get('jsonVersion', '1.0')


def target_prefix(model):
    return model.metadata.get('targetPrefix')


# Operations AWS serves unsigned although older models do not say so:
# botocore up to about 1.31 disables signing for them in handlers.py
# (`disable_signing`) instead of marking the model.
_UNSIGNED_BY_CUSTOMIZATION = {('sts', 'AssumeRoleWithWebIdentity'),
                              ('sts', 'AssumeRoleWithSAML')}


def needs_no_auth(operation_model):
    """True for operations AWS serves without a signature, such as STS
    AssumeRoleWithWebIdentity. Models say `authtype: none` or
    `auth: ["smithy.api#noAuth"]`; older ones rely on botocore's handlers."""
    raw = operation_model._operation_model  # the model's own dict
    if raw.get('authtype') == 'none' or 'smithy.api#noAuth' in (raw.get('auth') or []):
        return True
    return (operation_model.service_model.service_name,
            operation_model.name) in _UNSIGNED_BY_CUSTOMIZATION


def error_code(shape):
    """The wire error code for a modeled error shape: query services give it
    in `error.code` (SNS NotFoundException -> "NotFound"), the others use the
    shape's name."""
    info = shape.metadata.get('error') or {}
    return info.get('code') or shape.name


def error_status(shape, default=400):
    info = shape.metadata.get('error') or {}
    return info.get('httpStatusCode') or default


def find_error(model, code, operation_model=None):
    """The modeled error shape whose code (or name) is `code`, looking first at
    the operation's own errors, then at every error shape of the service."""
    if operation_model is not None:
        for shape in operation_model.error_shapes:
            if error_code(shape) == code or shape.name == code:
                return shape
    for name in model.shape_names:
        shape = model.shape_for(name)
        if shape.metadata.get('exception') and (
                error_code(shape) == code or shape.name == code):
            return shape
    return None
