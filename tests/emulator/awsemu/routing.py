"""Which service, operation and protocol a request is for.

Everything arrives on one port, so the request itself must say:
- JSON protocols name the operation in `X-Amz-Target: Prefix.Operation`;
  the prefix names the service.
- Query and EC2 requests carry `Action` and `Version`; the SigV4 credential
  scope names the service (its signing name: "sns", "ec2",
  "elasticloadbalancing"), and Version picks between services sharing a
  signing name (elb and elbv2). Unsigned requests (STS
  AssumeRoleWithWebIdentity) are found by Action and Version alone.
- REST-JSON and restXml (S3, path-style) requests are matched by method and
  path against the URI templates of the service the credential scope names."""

from . import models
from .errors import front_end_error
from . import registry
from .protocols import ec2, json_rpc, query, rest_json, rest_xml

PROTOCOLS = {'query': query, 'ec2': ec2, 'json': json_rpc, 'rest-json': rest_json,
             'rest-xml': rest_xml}

# Services the emulator knows the models of even before they have handlers,
# so that a request to them is still parsed and validated (and then answered
# 501 until someone writes the handler). These are the services berth uses.
KNOWN_SERVICES = ('sts', 'logs', 'sns', 'resourcegroupstaggingapi', 'ec2', 'ecs',
                  'elbv2', 'iam', 'servicediscovery', 'cloudformation', 'cloudwatch',
                  'amp', 'grafana', 's3', 'ecr')


class Route:
    def __init__(self, protocol, service=None, operation_model=None, labels=None):
        self.protocol = protocol
        self.service = service
        self.operation_model = operation_model
        self.labels = labels or {}

    @property
    def service_model(self):
        return models.service_model(self.service) if self.service else None

    @property
    def operation(self):
        return self.operation_model.name if self.operation_model else None


class RouteError(Exception):
    """A request that names no operation the emulator knows; `route` carries
    as much as was found (at least the protocol, for the error envelope)."""

    def __init__(self, route, error):
        super().__init__(error.message)
        self.route = route
        self.error = error


class Router:
    def __init__(self, services):
        self.services = sorted(set(services))
        self.by_target_prefix = {}
        self.by_signing_name = {}
        for name in self.services:
            model = models.service_model(name)
            prefix = models.target_prefix(model)
            if prefix and 'json' in models.protocols(model):
                self.by_target_prefix[prefix] = name
            self.by_signing_name.setdefault(models.signing_name(model), []).append(name)

    def guess_protocol(self, request):
        """The protocol a request looks like it speaks, for errors found
        before routing succeeds."""
        if request.header('X-Amz-Target') is not None:
            return 'json'
        if request.is_form() or any(k == 'Action' for k, _ in request.query_pairs()):
            return 'query'
        return 'rest-json'

    def identify(self, request, signed):
        """The Route for a request; raises RouteError."""
        if request.header('X-Amz-Target') is not None:
            return self._json(request)
        if request.is_form() or any(k == 'Action' for k, _ in request.query_pairs()):
            return self._query(request, signed)
        return self._rest(request, signed)

    def _json(self, request):
        target = request.header('X-Amz-Target')
        prefix, _, operation = target.rpartition('.')
        service = self.by_target_prefix.get(prefix)
        route = Route('json', service)
        if service is None:
            raise RouteError(route, front_end_error(
                'json', 'unknown_operation', f'No service has X-Amz-Target prefix {prefix!r}'))
        model = models.service_model(service)
        if operation not in model.operation_names:
            raise RouteError(route, front_end_error('json', 'unknown_operation'))
        return Route('json', service, model.operation_model(operation))

    def _query(self, request, signed):
        pairs = dict(request.form_pairs())
        action, version = pairs.get('Action'), pairs.get('Version')
        if signed is not None:
            candidates = self.by_signing_name.get(signed.scope.service, [])
        else:
            candidates = [s for s in self.services
                          if action in models.service_model(s).operation_names]
        candidates = [s for s in candidates
                      if set(models.protocols(models.service_model(s))) & {'query', 'ec2'}]
        if not candidates:
            raise RouteError(Route('query'), front_end_error(
                'query', 'unknown_operation',
                f'The action {action} is not valid for this web service.'))
        protocol = 'ec2' if 'ec2' in models.protocols(models.service_model(candidates[0])) \
            else 'query'
        if not action:
            raise RouteError(Route(protocol, candidates[0]), front_end_error(
                protocol, 'missing_action', 'Could not find operation: no Action given'))
        for service in candidates:
            model = models.service_model(service)
            if model.metadata['apiVersion'] == version:
                if action not in model.operation_names:
                    raise RouteError(Route(protocol, service), front_end_error(
                        protocol, 'unknown_operation',
                        f'The action {action} is not valid for this web service.'))
                return Route(protocol, service, model.operation_model(action))
        raise RouteError(Route(protocol, candidates[0]), front_end_error(
            protocol, 'unknown_operation',
            f'Could not find operation {action} for version {version}'))

    def _rest(self, request, signed):
        if signed is not None:
            candidates = self.by_signing_name.get(signed.scope.service, [])
        else:
            candidates = list(self.services)
        candidates = [s for s in candidates
                      if {'rest-json', 'rest-xml'} & set(models.protocols(models.service_model(s)))]
        for service in candidates:
            model = models.service_model(service)
            if 'rest-xml' in models.protocols(model):
                handled = {name for name in model.operation_names
                           if registry.handler_for(service, name)}
                operation_model, labels = rest_xml.match(model, request, handled)
                if operation_model is not None:
                    return Route('rest-xml', service, operation_model, labels)
                continue
            operation_model, labels = rest_json.match(model, request)
            if operation_model is not None:
                return Route('rest-json', service, operation_model, labels)
        protocol = 'rest-xml' if len(candidates) == 1 and 'rest-xml' in models.protocols(
            models.service_model(candidates[0])) else 'rest-json'
        route = Route(protocol, candidates[0] if len(candidates) == 1 else None)
        raise RouteError(route, front_end_error(
            protocol, 'unknown_operation',
            f'No operation matches {request.method} {request.raw_path}'))
