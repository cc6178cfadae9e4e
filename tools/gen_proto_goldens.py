#!/usr/bin/env python3
"""Writes tests/data/proto/*.json: what botocore's own serializers and parsers
make of berth's requests and of realistic AWS answers, for tests/unit/
test_proto.c to check berth against.

Each file holds one case: service, operation, protocol, and any of
  request:  params and the exact bytes botocore sends for them (its
            serializer, then its own request preparation and SigV4 signer at a
            fixed time with fixed keys): method, path, raw query string, raw
            body, every signed header with its value, the canonical request
            and the signature;
  response: a raw answer written by hand in the shape AWS documents, and what
            botocore.parsers turns it into (ResponseMetadata dropped,
            datetimes as ISO-8601 UTC strings with the fraction only when
            non-zero, blobs as base64 text: berth's conventions);
  error:    a raw error answer and the code, message and request id botocore
            reads from it.

Run:  python3 tools/gen_proto_goldens.py [-o tests/data/proto]
Works with pyenv's botocore 1.43 or Debian's 1.29 (botocore.loaders.Loader);
the output is committed so the tests run without botocore.
"""
import argparse
import base64
import datetime
import json
import os
import sys
import urllib.parse

from unittest import mock

import botocore.auth
from botocore import parsers, serialize
from botocore.auth import SigV4Auth
from botocore.awsrequest import HeadersDict, create_request_object, prepare_request_dict
from botocore.credentials import Credentials
from botocore.loaders import Loader
from botocore.model import ServiceModel

# CloudWatch's newest model prefers CBOR; berth speaks its query protocol.
PROTOCOL = {"cloudwatch": "query"}
TOKEN = "00000000-0000-4000-8000-000000000000"
_models = {}


def model(svc):
    if svc not in _models:
        _models[svc] = ServiceModel(Loader().load_service_model(svc, "service-2"), svc)
    return _models[svc]


def protocol(svc):
    return PROTOCOL.get(svc, model(svc).metadata["protocol"])


def iso(dt):
    dt = dt.astimezone(datetime.timezone.utc)
    s = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if dt.microsecond:
        s += (".%06d" % dt.microsecond).rstrip("0")
    return s + "Z"


def normalise(v):
    if isinstance(v, datetime.datetime):
        return iso(v)
    if isinstance(v, (bytes, bytearray)):
        return base64.b64encode(v).decode()
    if isinstance(v, dict):
        return {k: normalise(x) for k, x in v.items()}
    if isinstance(v, list):
        return [normalise(x) for x in v]
    return v


# Fixed signing inputs: with them botocore's canonical request and signature
# are deterministic, so berth's must equal them byte for byte.
SIGN_TIME = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
SIGN_KEY = ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
SIGN_REGION = "us-east-1"


class CapturingSigner(SigV4Auth):
    """botocore's own SigV4 signer, keeping the canonical request."""
    canonical = None

    def canonical_request(self, request):
        self.canonical = super().canonical_request(request)
        return self.canonical


def sign(m, r):
    """The serialized request r as botocore puts it on the wire and signs it:
    method, path, raw query string, raw body, every header it signs (name as
    the serializer wrote it, value exact; X-Amz-Date aside, it is fixed), the
    canonical request and the signature. Headers a botocore client adds
    beyond the protocol (User-Agent, which is not signed, and the retry
    bookkeeping amz-sdk-invocation-id / amz-sdk-request) are not part of the
    protocol and not here."""
    host = "%s.%s.amazonaws.com" % (m.metadata["endpointPrefix"], SIGN_REGION)
    prepare_request_dict(r, "https://" + host)
    req = create_request_object(r)
    signer = CapturingSigner(Credentials(*SIGN_KEY),
                             m.metadata.get("signingName", m.metadata["endpointPrefix"]),
                             SIGN_REGION)
    if hasattr(botocore.auth, "get_current_datetime"):
        clock = mock.patch("botocore.auth.get_current_datetime", return_value=SIGN_TIME)
    else:  # older botocore (Debian's 1.29) reads datetime.datetime.utcnow()
        clock = mock.patch("botocore.auth.datetime.datetime",
                           **{"utcnow.return_value": SIGN_TIME.replace(tzinfo=None)})
    with clock:
        signer.add_auth(req)
    url = urllib.parse.urlsplit(req.url)
    body = req.body or b""
    if isinstance(body, str):
        body = body.encode()
    signed = req.headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    headers = {}
    for name in signed:
        if name in ("x-amz-date", "host"):
            continue
        for k, v in req.headers.items():
            if k.lower() == name:
                headers[k] = v if isinstance(v, str) else v.decode()
    return {"method": req.method, "path": url.path, "query": url.query,
            "host": host, "headers": headers, "body": body.decode(),
            "signed_headers": ";".join(signed),
            "canonical_request": signer.canonical,
            "signature": req.headers["Authorization"].rsplit("Signature=", 1)[1]}


def unsigned(m, r):
    """The serialized request r as botocore sends it for an operation with
    no auth (AssumeRoleWithWebIdentity: the token is the proof): no
    Authorization, no X-Amz-Date; the protocol's headers as they are."""
    host = "%s.%s.amazonaws.com" % (m.metadata["endpointPrefix"], SIGN_REGION)
    prepare_request_dict(r, "https://" + host)
    req = create_request_object(r)
    url = urllib.parse.urlsplit(req.url)
    body = req.body or b""
    if isinstance(body, str):
        body = body.encode()
    headers = {k: v if isinstance(v, str) else v.decode() for k, v in req.headers.items()}
    return {"method": req.method, "path": url.path, "query": url.query, "host": host,
            "headers": headers, "body": body.decode(), "signed": False}


def request(svc, op_name, params):
    op = model(svc).operation_model(op_name)
    params = dict(params)
    # botocore fills idempotency tokens in a client handler, not the
    # serializer: fix them so the golden is deterministic.
    if op.input_shape is not None:
        for name, m in op.input_shape.members.items():
            if m.metadata.get("idempotencyToken") and name not in params:
                params[name] = TOKEN
    ser = serialize.create_serializer(protocol(svc), include_validation=True)
    r = ser.serialize_to_request(params, op)
    if op.auth_type == "none":
        return params, unsigned(model(svc), r)
    return params, sign(model(svc), r)


def wire_headers(headers):
    # Real answers carry case-insensitive headers (botocore looks up
    # "x-amzn-requestid"); a plain dict would hide that.
    h = HeadersDict()
    for k, v in (headers or {}).items():
        h[k] = v
    return h


def response(svc, op_name, body, status=200, headers=None):
    op = model(svc).operation_model(op_name)
    p = parsers.create_parser(protocol(svc))
    parsed = p.parse({"body": body.encode(), "headers": wire_headers(headers),
                      "status_code": status}, op.output_shape)
    parsed.pop("ResponseMetadata", None)
    return {"status": status, "headers": headers or {}, "body": body,
            "parsed": normalise(parsed)}


def error(svc, op_name, body, status, headers=None):
    op = model(svc).operation_model(op_name)
    p = parsers.create_parser(protocol(svc))
    parsed = p.parse({"body": body.encode(), "headers": wire_headers(headers),
                      "status_code": status}, op.output_shape)
    e = parsed.get("Error", {})
    code = e.get("Code") or None
    out = {}
    if code == str(status):
        # botocore's JSON parser falls back to the HTTP status when the body
        # has no __type; berth reads the x-amzn-ErrorType header first (a
        # real code beats "400") and otherwise leaves the code unset.
        out["botocore_code"] = code
        hdr = wire_headers(headers).get("x-amzn-errortype")
        code = hdr.split(":", 1)[0].rsplit("#", 1)[-1] if hdr else None
    return dict(out, **{"status": status, "headers": headers or {}, "body": body,
            "code": code, "message": e.get("Message") or None,
            "request_id": parsed.get("ResponseMetadata", {}).get("RequestId") or None})


CASES = []


def case(name, svc, op, params=None, resp=None, err=None):
    CASES.append((name, svc, op, params, resp, err))


POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
    "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}]})

# ---------------------------------------------------------------- query
case("iam_create_role", "iam", "CreateRole", {
    "RoleName": "berth-web-task", "Path": "/berth/", "AssumeRolePolicyDocument": POLICY,
    "Description": "Task role (web) & more: 100% ü", "MaxSessionDuration": 3600,
    "Tags": [{"Key": "berth:stack", "Value": "demo"}, {"Key": "berth:id", "Value": "iam_role.web"}]})
case("iam_put_role_policy", "iam", "PutRolePolicy", {
    "RoleName": "r", "PolicyName": "inline", "PolicyDocument": POLICY})
case("iam_untag_role", "iam", "UntagRole", {"RoleName": "r", "TagKeys": ["a", "b c"]})
case("iam_create_service_linked_role", "iam", "CreateServiceLinkedRole", {
    "AWSServiceName": "ecs.amazonaws.com"})
case("iam_get_role", "iam", "GetRole", {"RoleName": "berth-web-task"}, resp="""<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetRoleResult>
    <Role>
      <Path>/berth/</Path>
      <AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D</AssumeRolePolicyDocument>
      <MaxSessionDuration>3600</MaxSessionDuration>
      <RoleId>AROA1234567890EXAMPLE</RoleId>
      <RoleName>berth-web-task</RoleName>
      <Arn>arn:aws:iam::123456789012:role/berth/berth-web-task</Arn>
      <CreateDate>2024-03-01T12:34:56Z</CreateDate>
      <Tags>
        <member><Key>berth:stack</Key><Value>demo</Value></member>
      </Tags>
      <PermissionsBoundary>
        <PermissionsBoundaryType>Policy</PermissionsBoundaryType>
        <PermissionsBoundaryArn>arn:aws:iam::123456789012:policy/boundary</PermissionsBoundaryArn>
      </PermissionsBoundary>
      <RoleLastUsed>
        <LastUsedDate>2024-03-02T01:02:03.456Z</LastUsedDate>
        <Region>eu-west-1</Region>
      </RoleLastUsed>
    </Role>
  </GetRoleResult>
  <ResponseMetadata><RequestId>df37e965-9967-11e1-a4c3-270EXAMPLE04</RequestId></ResponseMetadata>
</GetRoleResponse>""")
case("iam_list_roles", "iam", "ListRoles", {"PathPrefix": "/berth/", "MaxItems": 2}, resp="""<ListRolesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <ListRolesResult>
    <IsTruncated>true</IsTruncated>
    <Marker>AAEAAQ==</Marker>
    <Roles>
      <member>
        <Path>/berth/</Path><RoleName>a</RoleName><RoleId>AROA1</RoleId>
        <Arn>arn:aws:iam::123456789012:role/berth/a</Arn>
        <CreateDate>2024-01-01T00:00:00Z</CreateDate>
        <AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument>
        <Tags/>
      </member>
      <member>
        <Path>/berth/</Path><RoleName>b</RoleName><RoleId>AROA2</RoleId>
        <Arn>arn:aws:iam::123456789012:role/berth/b</Arn>
        <CreateDate>2024-01-02T00:00:00.5+01:00</CreateDate>
        <Description></Description>
        <MaxSessionDuration>43200</MaxSessionDuration>
      </member>
    </Roles>
  </ListRolesResult>
  <ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata>
</ListRolesResponse>""")
case("iam_list_attached_role_policies_empty", "iam", "ListAttachedRolePolicies",
     {"RoleName": "r"}, resp="""<ListAttachedRolePoliciesResponse>
  <ListAttachedRolePoliciesResult><AttachedPolicies/><IsTruncated>false</IsTruncated></ListAttachedRolePoliciesResult>
  <ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata>
</ListAttachedRolePoliciesResponse>""")
case("iam_slr_deletion_status", "iam", "GetServiceLinkedRoleDeletionStatus",
     {"DeletionTaskId": "task/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS/1"},
     resp="""<GetServiceLinkedRoleDeletionStatusResponse><GetServiceLinkedRoleDeletionStatusResult>
  <Status>FAILED</Status>
  <Reason><Reason>in use</Reason><RoleUsageList><member><Region>us-east-1</Region>
  <Resources><member>arn:aws:ecs:us-east-1:1:cluster/x</member></Resources></member></RoleUsageList></Reason>
</GetServiceLinkedRoleDeletionStatusResult></GetServiceLinkedRoleDeletionStatusResponse>""")
case("iam_error_no_such_entity", "iam", "GetRole", err=("""<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name x cannot be found.</Message></Error>
  <RequestId>4a3b-44</RequestId>
</ErrorResponse>""", 404))
case("sts_get_caller_identity", "sts", "GetCallerIdentity", {}, resp="""<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::123456789012:assumed-role/ci/session</Arn>
    <UserId>AROA:session</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>""")
case("sts_assume_role", "sts", "AssumeRole", {
    "RoleArn": "arn:aws:iam::123456789012:role/deploy", "RoleSessionName": "berth",
    "DurationSeconds": 900, "Tags": [{"Key": "k", "Value": "v"}], "TransitiveTagKeys": ["k"]},
    resp="""<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/deploy/berth</Arn><AssumedRoleId>AROA3:berth</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>
      <SecretAccessKey>secret/with+chars</SecretAccessKey>
      <SessionToken>token==</SessionToken>
      <Expiration>2024-05-06T07:08:09Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>""")
case("sts_assume_role_with_web_identity", "sts", "AssumeRoleWithWebIdentity", {
    "RoleArn": "arn:aws:iam::123456789012:role/ci", "RoleSessionName": "gh",
    "WebIdentityToken": "eyJhbGciOi.xx.yy"})
# What src/aws/credentials_sts.c sends for the credential chain (its own
# form, not aws_call's: "sender"), compared byte for byte with botocore's,
# signature included; AssumeRoleWithWebIdentity goes unsigned, as botocore
# sends it. The values use every character STS allows in them.
CRED_CASES = [
    ("sts_credentials_assume_role", "AssumeRole", {
        "RoleArn": "arn:aws:iam::123456789012:role/team+ops/deploy=role,x.y@z-w",
        "RoleSessionName": "berth+ci=1,a.b@c-d_e", "ExternalId": "ext/id:42+=,.@-_x",
        "DurationSeconds": 3600}),
    ("sts_credentials_web_identity", "AssumeRoleWithWebIdentity", {
        "RoleArn": "arn:aws:iam::123456789012:role/ci", "RoleSessionName": "gh+run=7",
        "DurationSeconds": 900,
        "WebIdentityToken": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vcjoqIn0+/=.c2ln_-~"}),
]
for name, op, params in CRED_CASES:
    case(name, "sts", op, params)

case("sns_create_topic", "sns", "CreateTopic", {
    "Name": "alerts.fifo", "Attributes": {"FifoTopic": "true", "DisplayName": "Alerts & more",
                                          "Policy": POLICY},
    "Tags": [{"Key": "berth:stack", "Value": "demo"}]},
    resp="""<CreateTopicResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <CreateTopicResult><TopicArn>arn:aws:sns:us-east-1:123456789012:alerts.fifo</TopicArn></CreateTopicResult>
  <ResponseMetadata><RequestId>a8dec8b3</RequestId></ResponseMetadata>
</CreateTopicResponse>""")
case("sns_subscribe", "sns", "Subscribe", {
    "TopicArn": "arn:aws:sns:us-east-1:123456789012:alerts", "Protocol": "email",
    "Endpoint": "ops@example.com", "Attributes": {"FilterPolicy": "{\"a\":[1]}"},
    "ReturnSubscriptionArn": True})
case("sns_get_topic_attributes", "sns", "GetTopicAttributes",
     {"TopicArn": "arn:aws:sns:us-east-1:123456789012:alerts"}, resp="""<GetTopicAttributesResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <GetTopicAttributesResult>
    <Attributes>
      <entry><key>Owner</key><value>123456789012</value></entry>
      <entry><key>Policy</key><value>{"Version":"2008-10-17"}</value></entry>
      <entry><key>DisplayName</key><value></value></entry>
      <entry><key>SubscriptionsConfirmed</key><value>1</value></entry>
    </Attributes>
  </GetTopicAttributesResult>
  <ResponseMetadata><RequestId>057f074c</RequestId></ResponseMetadata>
</GetTopicAttributesResponse>""")
case("sns_list_subscriptions_by_topic", "sns", "ListSubscriptionsByTopic",
     {"TopicArn": "arn:aws:sns:us-east-1:1:t"}, resp="""<ListSubscriptionsByTopicResponse>
  <ListSubscriptionsByTopicResult>
    <Subscriptions>
      <member><TopicArn>arn:aws:sns:us-east-1:1:t</TopicArn><Protocol>email</Protocol>
        <SubscriptionArn>PendingConfirmation</SubscriptionArn><Owner>1</Owner><Endpoint>a@b.c</Endpoint></member>
    </Subscriptions>
  </ListSubscriptionsByTopicResult>
</ListSubscriptionsByTopicResponse>""")
case("sns_error_not_found", "sns", "GetTopicAttributes", err=("""<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error>
  <RequestId>9dd01905-5012-5f99-8663-4b3ecd0dfaef</RequestId>
</ErrorResponse>""", 404))
case("cloudwatch_put_metric_alarm", "cloudwatch", "PutMetricAlarm", {
    "AlarmName": "web-cpu-high", "AlarmDescription": "CPU > 70%", "ActionsEnabled": True,
    "AlarmActions": ["arn:aws:sns:us-east-1:1:alerts"], "OKActions": [],
    "MetricName": "CPUUtilization", "Namespace": "AWS/ECS", "Statistic": "Average",
    "Dimensions": [{"Name": "ClusterName", "Value": "demo"}, {"Name": "ServiceName", "Value": "web"}],
    "Period": 60, "EvaluationPeriods": 3, "DatapointsToAlarm": 2, "Threshold": 70.0,
    "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
    "Tags": [{"Key": "berth:stack", "Value": "demo"}]})
case("cloudwatch_put_metric_alarm_fractional", "cloudwatch", "PutMetricAlarm", {
    "AlarmName": "lat", "EvaluationPeriods": 1, "ComparisonOperator": "LessThanThreshold",
    "Threshold": 0.25, "ExtendedStatistic": "p99", "MetricName": "TargetResponseTime",
    "Namespace": "AWS/ApplicationELB", "Period": 300, "Unit": "Seconds"})
case("cloudwatch_describe_alarms", "cloudwatch", "DescribeAlarms", {
    "AlarmNamePrefix": "web-", "AlarmTypes": ["MetricAlarm"], "MaxRecords": 100},
    resp="""<DescribeAlarmsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <DescribeAlarmsResult>
    <MetricAlarms>
      <member>
        <AlarmName>web-cpu-high</AlarmName>
        <AlarmArn>arn:aws:cloudwatch:us-east-1:1:alarm:web-cpu-high</AlarmArn>
        <ActionsEnabled>true</ActionsEnabled>
        <AlarmActions><member>arn:aws:sns:us-east-1:1:alerts</member></AlarmActions>
        <OKActions/>
        <InsufficientDataActions/>
        <StateValue>OK</StateValue>
        <StateUpdatedTimestamp>2024-02-03T04:05:06.789Z</StateUpdatedTimestamp>
        <AlarmConfigurationUpdatedTimestamp>2024-02-03T04:05:06.000Z</AlarmConfigurationUpdatedTimestamp>
        <MetricName>CPUUtilization</MetricName>
        <Namespace>AWS/ECS</Namespace>
        <Statistic>Average</Statistic>
        <Dimensions><member><Name>ClusterName</Name><Value>demo</Value></member></Dimensions>
        <Period>60</Period>
        <EvaluationPeriods>3</EvaluationPeriods>
        <Threshold>70.0</Threshold>
        <ComparisonOperator>GreaterThanThreshold</ComparisonOperator>
      </member>
    </MetricAlarms>
    <CompositeAlarms/>
  </DescribeAlarmsResult>
  <ResponseMetadata><RequestId>f1</RequestId></ResponseMetadata>
</DescribeAlarmsResponse>""")
case("cloudwatch_list_tags", "cloudwatch", "ListTagsForResource",
     {"ResourceARN": "arn:aws:cloudwatch:us-east-1:1:alarm:a"}, resp="""<ListTagsForResourceResponse>
  <ListTagsForResourceResult><Tags><member><Key>berth:stack</Key><Value>demo</Value></member></Tags></ListTagsForResourceResult>
</ListTagsForResourceResponse>""")
case("elbv2_create_load_balancer", "elbv2", "CreateLoadBalancer", {
    "Name": "demo-alb", "Subnets": ["subnet-1", "subnet-2"], "SecurityGroups": ["sg-1"],
    "Scheme": "internet-facing", "Type": "application", "IpAddressType": "ipv4",
    "Tags": [{"Key": "berth:stack", "Value": "demo"}]})
case("elbv2_create_listener", "elbv2", "CreateListener", {
    "LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/demo/abc",
    "Protocol": "HTTPS", "Port": 443, "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "Certificates": [{"CertificateArn": "arn:aws:acm:us-east-1:1:certificate/x"}],
    "DefaultActions": [
        {"Type": "forward", "Order": 1, "ForwardConfig": {
            "TargetGroups": [{"TargetGroupArn": "arn:tg/a", "Weight": 80},
                             {"TargetGroupArn": "arn:tg/b", "Weight": 20}],
            "TargetGroupStickinessConfig": {"Enabled": False}}},
        {"Type": "fixed-response", "FixedResponseConfig": {
            "StatusCode": "404", "ContentType": "text/plain", "MessageBody": "not here"}}],
    "Tags": [{"Key": "k", "Value": "v"}]})
case("elbv2_set_security_groups_empty", "elbv2", "SetSecurityGroups", {
    "LoadBalancerArn": "arn:lb", "SecurityGroups": []})
case("elbv2_modify_target_group_attributes", "elbv2", "ModifyTargetGroupAttributes", {
    "TargetGroupArn": "arn:tg", "Attributes": [
        {"Key": "deregistration_delay.timeout_seconds", "Value": "30"},
        {"Key": "stickiness.enabled", "Value": "false"}]})
case("elbv2_describe_load_balancers", "elbv2", "DescribeLoadBalancers", {"Names": ["demo-alb"]},
     resp="""<DescribeLoadBalancersResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
  <DescribeLoadBalancersResult>
    <LoadBalancers>
      <member>
        <LoadBalancerArn>arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/demo-alb/50dc6c495c0c9188</LoadBalancerArn>
        <Scheme>internet-facing</Scheme>
        <LoadBalancerName>demo-alb</LoadBalancerName>
        <VpcId>vpc-3ac0fb5f</VpcId>
        <CanonicalHostedZoneId>Z2P70J7EXAMPLE</CanonicalHostedZoneId>
        <CreatedTime>2016-03-25T21:26:12.920Z</CreatedTime>
        <AvailabilityZones>
          <member><SubnetId>subnet-8360a9e7</SubnetId><ZoneName>us-west-2a</ZoneName><LoadBalancerAddresses/></member>
          <member><SubnetId>subnet-b7d581c0</SubnetId><ZoneName>us-west-2b</ZoneName></member>
        </AvailabilityZones>
        <SecurityGroups><member>sg-5943793c</member></SecurityGroups>
        <DNSName>demo-alb-424835706.us-west-2.elb.amazonaws.com</DNSName>
        <State><Code>provisioning</Code></State>
        <Type>application</Type>
        <IpAddressType>ipv4</IpAddressType>
      </member>
    </LoadBalancers>
  </DescribeLoadBalancersResult>
  <ResponseMetadata><RequestId>6581c0ac</RequestId></ResponseMetadata>
</DescribeLoadBalancersResponse>""")
case("elbv2_describe_target_health", "elbv2", "DescribeTargetHealth", {"TargetGroupArn": "arn:tg"},
     resp="""<DescribeTargetHealthResponse><DescribeTargetHealthResult>
  <TargetHealthDescriptions>
    <member><Target><Id>10.0.1.5</Id><Port>8080</Port><AvailabilityZone>us-east-1a</AvailabilityZone></Target>
      <HealthCheckPort>8080</HealthCheckPort>
      <TargetHealth><State>unhealthy</State><Reason>Target.Timeout</Reason><Description>Request timed out</Description></TargetHealth></member>
  </TargetHealthDescriptions>
</DescribeTargetHealthResult></DescribeTargetHealthResponse>""")
case("elbv2_describe_target_groups_whitespace", "elbv2", "DescribeTargetGroups", {"Names": ["tg"]},
     resp="""<DescribeTargetGroupsResponse><DescribeTargetGroupsResult><TargetGroups><member>
  <TargetGroupName>tg</TargetGroupName>
  <Port>
    8080
  </Port>
  <HealthCheckEnabled>true</HealthCheckEnabled>
  <HealthCheckIntervalSeconds> 30 </HealthCheckIntervalSeconds>
  <Matcher><HttpCode>200-399</HttpCode></Matcher>
  <LoadBalancerArns><member>arn:lb</member></LoadBalancerArns>
</member></TargetGroups></DescribeTargetGroupsResult></DescribeTargetGroupsResponse>""")
case("ecs_describe_clusters_loose_scalars", "ecs", "DescribeClusters", {"clusters": ["demo"]},
     resp=json.dumps({"clusters": [{"clusterName": "demo", "status": "ACTIVE",
                                    "registeredContainerInstancesCount": 0,
                                    "runningTasksCount": "3",
                                    "statistics": [{"name": "runningEC2TasksCount", "value": "0"}],
                                    "settings": [{"name": "containerInsights", "value": "enabled"}],
                                    "capacityProviders": [], "tags": []}], "failures": []}))
case("elbv2_describe_tags", "elbv2", "DescribeTags", {"ResourceArns": ["arn:lb"]},
     resp="""<DescribeTagsResponse><DescribeTagsResult><TagDescriptions>
  <member><ResourceArn>arn:lb</ResourceArn><Tags><member><Key>berth:stack</Key><Value>demo</Value></member><member><Key>empty</Key><Value/></member></Tags></member>
</TagDescriptions></DescribeTagsResult></DescribeTagsResponse>""")
case("elbv2_error_not_found", "elbv2", "DescribeLoadBalancers", err=("""<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
  <Error><Type>Sender</Type><Code>LoadBalancerNotFound</Code><Message>One or more load balancers not found</Message></Error>
  <RequestId>9f4b</RequestId>
</ErrorResponse>""", 400))
case("cloudformation_create_stack", "cloudformation", "CreateStack", {
    "StackName": "demo-extra", "TemplateBody": "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n",
    "Parameters": [{"ParameterKey": "Env", "ParameterValue": "prod"},
                   {"ParameterKey": "Old", "UsePreviousValue": True}],
    "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"], "TimeoutInMinutes": 30,
    "OnFailure": "DELETE", "Tags": [{"Key": "berth:stack", "Value": "demo"}],
    "EnableTerminationProtection": False})
case("cloudformation_describe_stacks", "cloudformation", "DescribeStacks", {"StackName": "demo-extra"},
     resp="""<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <DescribeStacksResult>
    <Stacks>
      <member>
        <StackName>demo-extra</StackName>
        <StackId>arn:aws:cloudformation:us-east-1:1:stack/demo-extra/aaf549a0-a413-11df-adb3-5081b3858e83</StackId>
        <CreationTime>2024-06-07T08:09:10.123Z</CreationTime>
        <StackStatus>CREATE_COMPLETE</StackStatus>
        <DisableRollback>false</DisableRollback>
        <EnableTerminationProtection>true</EnableTerminationProtection>
        <Parameters><member><ParameterKey>Env</ParameterKey><ParameterValue>prod</ParameterValue></member></Parameters>
        <Capabilities><member>CAPABILITY_IAM</member></Capabilities>
        <Outputs>
          <member><OutputKey>QueueUrl</OutputKey><OutputValue>https://sqs/1/q</OutputValue><Description>url</Description><ExportName>demo-q</ExportName></member>
        </Outputs>
        <Tags/>
        <DriftInformation><StackDriftStatus>NOT_CHECKED</StackDriftStatus></DriftInformation>
      </member>
    </Stacks>
  </DescribeStacksResult>
  <ResponseMetadata><RequestId>b9b4b068-3a41-11e5-94eb-example</RequestId></ResponseMetadata>
</DescribeStacksResponse>""")
case("cloudformation_describe_stack_events", "cloudformation", "DescribeStackEvents", {"StackName": "s"},
     resp="""<DescribeStackEventsResponse><DescribeStackEventsResult><StackEvents>
  <member><StackId>id</StackId><EventId>e1</EventId><StackName>s</StackName><LogicalResourceId>Q</LogicalResourceId>
  <ResourceType>AWS::SQS::Queue</ResourceType><Timestamp>2024-06-07T08:09:11Z</Timestamp>
  <ResourceStatus>CREATE_FAILED</ResourceStatus><ResourceStatusReason>Resource creation cancelled</ResourceStatusReason></member>
</StackEvents><NextToken>nt</NextToken></DescribeStackEventsResult></DescribeStackEventsResponse>""")
case("cloudformation_validate_template", "cloudformation", "ValidateTemplate", {"TemplateBody": "{}"},
     resp="""<ValidateTemplateResponse><ValidateTemplateResult>
  <Parameters><member><ParameterKey>Env</ParameterKey><DefaultValue>dev</DefaultValue><NoEcho>false</NoEcho></member></Parameters>
  <Capabilities/><DeclaredTransforms/>
</ValidateTemplateResult></ValidateTemplateResponse>""")
case("cloudformation_error_validation", "cloudformation", "DescribeStacks", err=("""<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id s does not exist</Message></Error>
  <RequestId>42</RequestId>
</ErrorResponse>""", 400))

# ---------------------------------------------------------------- ec2
TAGSPEC = [{"ResourceType": "vpc", "Tags": [{"Key": "berth:stack", "Value": "demo"},
                                             {"Key": "Name", "Value": "demo vpc"}]}]
case("ec2_create_vpc", "ec2", "CreateVpc", {
    "CidrBlock": "10.0.0.0/16", "AmazonProvidedIpv6CidrBlock": False,
    "InstanceTenancy": "default", "TagSpecifications": TAGSPEC},
    resp="""<CreateVpcResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>
  <vpc>
    <vpcId>vpc-1a2b3c4d</vpcId>
    <state>pending</state>
    <cidrBlock>10.0.0.0/16</cidrBlock>
    <cidrBlockAssociationSet>
      <item><cidrBlock>10.0.0.0/16</cidrBlock><associationId>vpc-cidr-assoc-1</associationId>
        <cidrBlockState><state>associated</state></cidrBlockState></item>
    </cidrBlockAssociationSet>
    <ipv6CidrBlockAssociationSet/>
    <dhcpOptionsId>dopt-1a2b3c4d2</dhcpOptionsId>
    <instanceTenancy>default</instanceTenancy>
    <isDefault>false</isDefault>
    <tagSet><item><key>berth:stack</key><value>demo</value></item></tagSet>
  </vpc>
</CreateVpcResponse>""")
case("ec2_describe_subnets_filters", "ec2", "DescribeSubnets", {
    "Filters": [{"Name": "tag:berth:stack", "Values": ["demo"]},
                {"Name": "vpc-id", "Values": ["vpc-1", "vpc-2"]}], "MaxResults": 100},
    resp="""<DescribeSubnetsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <subnetSet>
    <item>
      <subnetId>subnet-9d4a7b6c</subnetId>
      <subnetArn>arn:aws:ec2:us-east-1:1:subnet/subnet-9d4a7b6c</subnetArn>
      <state>available</state>
      <vpcId>vpc-1a2b3c4d</vpcId>
      <cidrBlock>10.0.1.0/24</cidrBlock>
      <ipv6CidrBlockAssociationSet/>
      <availableIpAddressCount>251</availableIpAddressCount>
      <availabilityZone>us-east-1a</availabilityZone>
      <availabilityZoneId>use1-az1</availabilityZoneId>
      <defaultForAz>false</defaultForAz>
      <mapPublicIpOnLaunch>true</mapPublicIpOnLaunch>
      <assignIpv6AddressOnCreation>false</assignIpv6AddressOnCreation>
      <tagSet>
        <item><key>berth:stack</key><value>demo</value></item>
        <item><key>berth:id</key><value>subnet.public[0]</value></item>
      </tagSet>
    </item>
  </subnetSet>
  <nextToken>abc</nextToken>
</DescribeSubnetsResponse>""")
case("ec2_authorize_ingress", "ec2", "AuthorizeSecurityGroupIngress", {
    "GroupId": "sg-1", "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https from anywhere"}],
         "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-2", "Description": "alb"}]}],
    "TagSpecifications": [{"ResourceType": "security-group-rule", "Tags": [{"Key": "k", "Value": "v"}]}]})
case("ec2_run_instances", "ec2", "RunInstances", {
    "ImageId": "ami-0abcdef", "InstanceType": "t3.micro", "MinCount": 1, "MaxCount": 1,
    "SubnetId": "subnet-1", "SecurityGroupIds": ["sg-1", "sg-2"], "UserData": "IyEvYmluL3NoCg==",
    "IamInstanceProfile": {"Name": "berth-ip"}, "ClientToken": "tok-1",
    "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {
        "VolumeSize": 20, "VolumeType": "gp3", "DeleteOnTermination": True, "Encrypted": True}}],
    "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 2},
    "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "bastion"}]}]})
case("ec2_run_instances_network_interfaces", "ec2", "RunInstances", {
    "ImageId": "ami-1", "MinCount": 1, "MaxCount": 2, "NetworkInterfaces": [{
        "DeviceIndex": 0, "SubnetId": "subnet-1", "AssociatePublicIpAddress": True,
        "Groups": ["sg-1"], "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": "10.0.0.5"}],
        "Ipv6Addresses": [{"Ipv6Address": "2001:db8::1"}]}]})
case("ec2_modify_vpc_attribute", "ec2", "ModifyVpcAttribute", {
    "VpcId": "vpc-1", "EnableDnsHostnames": {"Value": True}})
case("ec2_create_tags", "ec2", "CreateTags", {
    "Resources": ["vpc-1", "subnet-2"], "Tags": [{"Key": "berth:stack", "Value": "demo"},
                                                 {"Key": "empty", "Value": ""}]})
case("ec2_describe_instances_empty_list", "ec2", "DescribeInstances", {"InstanceIds": [],
     "Filters": [{"Name": "instance-state-name", "Values": ["running", "pending"]}]},
     resp="""<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet>
    <item>
      <reservationId>r-1234567890abcdef0</reservationId>
      <ownerId>123456789012</ownerId>
      <groupSet/>
      <instancesSet>
        <item>
          <instanceId>i-1234567890abcdef0</instanceId>
          <imageId>ami-bff32ccc</imageId>
          <instanceState><code>16</code><name>running</name></instanceState>
          <privateDnsName>ip-192-168-1-88.eu-west-1.compute.internal</privateDnsName>
          <dnsName>ec2-54-194-252-215.eu-west-1.compute.amazonaws.com</dnsName>
          <amiLaunchIndex>0</amiLaunchIndex>
          <instanceType>t2.micro</instanceType>
          <launchTime>2018-05-08T16:46:19.000Z</launchTime>
          <placement><availabilityZone>eu-west-1c</availabilityZone><groupName/><tenancy>default</tenancy></placement>
          <monitoring><state>disabled</state></monitoring>
          <subnetId>subnet-56f5f633</subnetId>
          <vpcId>vpc-11112222</vpcId>
          <privateIpAddress>192.168.1.88</privateIpAddress>
          <ipAddress>54.194.252.215</ipAddress>
          <groupSet><item><groupId>sg-e4076980</groupId><groupName>SecurityGroup1</groupName></item></groupSet>
          <blockDeviceMapping>
            <item><deviceName>/dev/xvda</deviceName><ebs><volumeId>vol-1234567890abcdef0</volumeId><status>attached</status>
              <attachTime>2015-12-22T10:44:09.000Z</attachTime><deleteOnTermination>true</deleteOnTermination></ebs></item>
          </blockDeviceMapping>
          <ebsOptimized>false</ebsOptimized>
          <networkInterfaceSet>
            <item><networkInterfaceId>eni-551ba033</networkInterfaceId><subnetId>subnet-56f5f633</subnetId>
              <privateIpAddressesSet><item><privateIpAddress>192.168.1.88</privateIpAddress><primary>true</primary></item></privateIpAddressesSet>
              <ipv6AddressesSet/></item>
          </networkInterfaceSet>
          <tagSet><item><key>Name</key><value>Server_1</value></item></tagSet>
          <cpuOptions><coreCount>1</coreCount><threadsPerCore>1</threadsPerCore></cpuOptions>
        </item>
      </instancesSet>
    </item>
  </reservationSet>
</DescribeInstancesResponse>""")
case("ec2_describe_security_groups", "ec2", "DescribeSecurityGroups", {"GroupIds": ["sg-1"]},
     resp="""<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <securityGroupInfo>
    <item>
      <ownerId>123456789012</ownerId><groupId>sg-1</groupId><groupName>web</groupName>
      <groupDescription>web tier</groupDescription><vpcId>vpc-1</vpcId>
      <ipPermissions>
        <item><ipProtocol>tcp</ipProtocol><fromPort>80</fromPort><toPort>80</toPort>
          <groups><item><userId>123456789012</userId><groupId>sg-2</groupId><description>alb</description></item></groups>
          <ipRanges/><ipv6Ranges/><prefixListIds/></item>
      </ipPermissions>
      <ipPermissionsEgress>
        <item><ipProtocol>-1</ipProtocol><groups/><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges></item>
      </ipPermissionsEgress>
    </item>
  </securityGroupInfo>
</DescribeSecurityGroupsResponse>""")
case("ec2_describe_addresses", "ec2", "DescribeAddresses", {"AllocationIds": ["eipalloc-1"]},
     resp="""<DescribeAddressesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <addressesSet><item><publicIp>203.0.113.41</publicIp><allocationId>eipalloc-1</allocationId><domain>vpc</domain>
    <networkBorderGroup>us-east-1</networkBorderGroup><tagSet/></item></addressesSet>
</DescribeAddressesResponse>""")
case("ec2_describe_account_attributes", "ec2", "DescribeAccountAttributes", {"AttributeNames": ["supported-platforms"]},
     resp="""<DescribeAccountAttributesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <accountAttributeSet><item><attributeName>supported-platforms</attributeName>
    <attributeValueSet><item><attributeValue>VPC</attributeValue></item></attributeValueSet></item></accountAttributeSet>
</DescribeAccountAttributesResponse>""")
case("ec2_describe_vpc_attribute", "ec2", "DescribeVpcAttribute", {"VpcId": "vpc-1", "Attribute": "enableDnsSupport"},
     resp="""<DescribeVpcAttributeResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId><vpcId>vpc-1</vpcId><enableDnsSupport><value>true</value></enableDnsSupport>
</DescribeVpcAttributeResponse>""")
case("ec2_describe_nat_gateways", "ec2", "DescribeNatGateways", {"NatGatewayIds": ["nat-1"]},
     resp="""<DescribeNatGatewaysResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <natGatewaySet><item><natGatewayId>nat-1</natGatewayId><state>failed</state><failureCode>Gateway.NotAttached</failureCode>
    <createTime>2024-01-01T10:00:00.000Z</createTime><deleteTime>2024-01-01T10:05:00.000Z</deleteTime>
    <natGatewayAddressSet><item><allocationId>eipalloc-1</allocationId><publicIp>1.2.3.4</publicIp><isPrimary>true</isPrimary></item></natGatewayAddressSet>
    <subnetId>subnet-1</subnetId><vpcId>vpc-1</vpcId><connectivityType>public</connectivityType></item></natGatewaySet>
</DescribeNatGatewaysResponse>""")
case("ec2_error_dependency_violation", "ec2", "DeleteVpc", err=("""<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>DependencyViolation</Code><Message>The vpc 'vpc-1' has dependencies and cannot be deleted.</Message></Error></Errors><RequestID>5b3b3f5e-example</RequestID></Response>""", 400))
case("ec2_error_throttle", "ec2", "DescribeVpcs", err=("""<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>t1</RequestID></Response>""", 503))

# ---------------------------------------------------------------- json
case("ecs_create_service", "ecs", "CreateService", {
    "cluster": "demo", "serviceName": "web", "taskDefinition": "web:3", "desiredCount": 2,
    "launchType": "FARGATE", "platformVersion": "LATEST",
    "loadBalancers": [{"targetGroupArn": "arn:tg", "containerName": "web", "containerPort": 8080}],
    "serviceRegistries": [{"registryArn": "arn:sd"}],
    "networkConfiguration": {"awsvpcConfiguration": {
        "subnets": ["subnet-1", "subnet-2"], "securityGroups": ["sg-1"], "assignPublicIp": "DISABLED"}},
    "deploymentConfiguration": {"maximumPercent": 200, "minimumHealthyPercent": 100,
                                "deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    "healthCheckGracePeriodSeconds": 30, "enableECSManagedTags": True, "propagateTags": "SERVICE",
    "enableExecuteCommand": False, "tags": [{"key": "berth:stack", "value": "demo"}]})
case("ecs_register_task_definition", "ecs", "RegisterTaskDefinition", {
    "family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
    "cpu": "256", "memory": "512", "executionRoleArn": "arn:aws:iam::1:role/exec",
    "runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
    "containerDefinitions": [{
        "name": "web", "image": "public.ecr.aws/nginx/nginx:1.27", "essential": True,
        "portMappings": [{"containerPort": 8080, "protocol": "tcp", "name": "http"}],
        "environment": [{"name": "MODE", "value": "prod"}],
        "secrets": [{"name": "DB", "valueFrom": "arn:aws:ssm:us-east-1:1:parameter/db"}],
        "command": ["nginx", "-g", "daemon off;"],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web"}},
        "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
                        "interval": 30, "retries": 3},
        "ulimits": [{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}]}],
    "tags": [{"key": "berth:stack", "value": "demo"}]})
case("ecs_describe_services", "ecs", "DescribeServices", {
    "cluster": "demo", "services": ["web"], "include": ["TAGS"]}, resp=json.dumps({
        "services": [{
            "serviceArn": "arn:aws:ecs:us-east-1:1:service/demo/web", "serviceName": "web",
            "clusterArn": "arn:aws:ecs:us-east-1:1:cluster/demo", "status": "ACTIVE",
            "desiredCount": 2, "runningCount": 1, "pendingCount": 1, "launchType": "FARGATE",
            "loadBalancers": [{"targetGroupArn": "arn:tg", "containerName": "web", "containerPort": 8080}],
            "serviceRegistries": [],
            "createdAt": 1717747200.123, "enableECSManagedTags": True,
            "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": True, "rollback": True},
                                        "maximumPercent": 200, "minimumHealthyPercent": 100},
            "deployments": [{"id": "ecs-svc/1", "status": "PRIMARY", "desiredCount": 2,
                             "runningCount": 1, "createdAt": 1717747200, "updatedAt": 1717747260.5,
                             "rolloutState": "IN_PROGRESS"}],
            "events": [{"id": "e1", "createdAt": 1717747261.0, "message": "(service web) has started 1 tasks"}],
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": "DISABLED"}},
            "tags": [{"key": "berth:stack", "value": "demo"}],
            "unknownNewField": {"x": 1}}],
        "failures": []}))
case("ecs_describe_task_definition", "ecs", "DescribeTaskDefinition", {
    "taskDefinition": "web", "include": ["TAGS"]}, resp=json.dumps({
        "taskDefinition": {
            "taskDefinitionArn": "arn:aws:ecs:us-east-1:1:task-definition/web:3", "family": "web",
            "revision": 3, "status": "ACTIVE", "cpu": "256", "memory": "512",
            "containerDefinitions": [{"name": "web", "image": "nginx", "cpu": 0, "essential": True,
                                      "portMappings": [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}],
                                      "environment": [], "mountPoints": [], "volumesFrom": [],
                                      "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web"}}}],
            "requiresCompatibilities": ["FARGATE"], "registeredAt": 1717747000.0,
            "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"}],
            "compatibilities": ["EC2", "FARGATE"]},
        "tags": [{"key": "berth:stack", "value": "demo"}]}))
case("ecs_list_clusters", "ecs", "ListClusters", {"maxResults": 10}, resp=json.dumps({
    "clusterArns": ["arn:aws:ecs:us-east-1:1:cluster/demo"], "nextToken": None}))
case("ecs_put_capacity_providers", "ecs", "PutClusterCapacityProviders", {
    "cluster": "demo", "capacityProviders": ["FARGATE", "FARGATE_SPOT"],
    "defaultCapacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1, "base": 1}]})
case("ecs_error_cluster_not_found", "ecs", "DescribeServices", err=(json.dumps({
    "__type": "com.amazonaws.ecs#ClusterNotFoundException", "message": "Cluster not found."}), 400,
    {"x-amzn-RequestId": "ecs-req-1", "Content-Type": "application/x-amz-json-1.1"}))
case("ecs_error_header_only", "ecs", "ListClusters", err=("", 400,
    {"x-amzn-ErrorType": "ThrottlingException:http://internal.amazon.com/coral/", "x-amzn-RequestId": "r"}))
case("ecr_create_repository", "ecr", "CreateRepository", {
    "repositoryName": "prometheus-sample-app", "imageTagMutability": "MUTABLE",
    "imageScanningConfiguration": {"scanOnPush": True},
    "encryptionConfiguration": {"encryptionType": "AES256"},
    "tags": [{"Key": "berth:id", "Value": "sample-app-repo"},
             {"Key": "berth:stack", "Value": "ecs-workshop-amp"}]})
case("ecr_describe_repositories", "ecr", "DescribeRepositories",
     {"repositoryNames": ["prometheus-sample-app"]}, resp=json.dumps({"repositories": [
         {"repositoryArn": "arn:aws:ecr:us-west-2:123456789012:repository/prometheus-sample-app",
          "registryId": "123456789012", "repositoryName": "prometheus-sample-app",
          "repositoryUri": "123456789012.dkr.ecr.us-west-2.amazonaws.com/prometheus-sample-app",
          "createdAt": 1717747200.5, "imageTagMutability": "MUTABLE",
          "imageScanningConfiguration": {"scanOnPush": False},
          "encryptionConfiguration": {"encryptionType": "AES256"}}]}))
case("ecr_delete_repository_force", "ecr", "DeleteRepository", {
    "repositoryName": "prometheus-sample-app", "force": True})
case("ecr_put_image_tag_mutability", "ecr", "PutImageTagMutability", {
    "repositoryName": "prometheus-sample-app", "imageTagMutability": "IMMUTABLE"})
case("ecr_tag_resource", "ecr", "TagResource", {
    "resourceArn": "arn:aws:ecr:us-west-2:123456789012:repository/prometheus-sample-app",
    "tags": [{"Key": "team", "Value": "web"}]})
case("ecr_list_tags", "ecr", "ListTagsForResource", {
    "resourceArn": "arn:aws:ecr:us-west-2:123456789012:repository/prometheus-sample-app"},
    resp=json.dumps({"tags": [{"Key": "berth:stack", "Value": "ecs-workshop-amp"}]}))
case("ecr_error_not_empty", "ecr", "DeleteRepository", err=(json.dumps({
    "__type": "RepositoryNotEmptyException",
    "message": "The repository with name 'prometheus-sample-app' in registry with id "
               "'123456789012' cannot be deleted because it still contains images"}), 400,
    {"x-amzn-RequestId": "ecr-req-1", "Content-Type": "application/x-amz-json-1.1"}))
case("logs_create_log_group", "logs", "CreateLogGroup", {
    "logGroupName": "/ecs/web", "tags": {"berth:stack": "demo", "berth:id": "log_group.web"}})
case("logs_put_retention_policy", "logs", "PutRetentionPolicy", {
    "logGroupName": "/ecs/web", "retentionInDays": 14})
case("logs_put_query_definition", "logs", "PutQueryDefinition", {
    "name": "errors", "queryString": "fields @timestamp | filter @message like /ERROR/",
    "logGroupNames": ["/ecs/web"]})
case("logs_describe_log_groups", "logs", "DescribeLogGroups", {"logGroupNamePrefix": "/ecs/"},
     resp=json.dumps({"logGroups": [
         {"logGroupName": "/ecs/web", "creationTime": 1717747200123, "retentionInDays": 14,
          "metricFilterCount": 0, "arn": "arn:aws:logs:us-east-1:1:log-group:/ecs/web:*",
          "storedBytes": 123456789012, "logGroupClass": "STANDARD"}], "nextToken": "n"}))
case("logs_error_not_found", "logs", "DescribeLogGroups", err=(json.dumps({
    "__type": "ResourceNotFoundException", "message": "The specified log group does not exist."}), 400,
    {"x-amzn-RequestId": "lr"}))
case("servicediscovery_create_private_dns_namespace", "servicediscovery", "CreatePrivateDnsNamespace", {
    "Name": "demo.local", "Vpc": "vpc-1", "Description": "d",
    "Tags": [{"Key": "berth:stack", "Value": "demo"}],
    "Properties": {"DnsProperties": {"SOA": {"TTL": 60}}}})
case("servicediscovery_create_service", "servicediscovery", "CreateService", {
    "Name": "web", "NamespaceId": "ns-1", "CreatorRequestId": "req-1",
    "DnsConfig": {"RoutingPolicy": "MULTIVALUE", "DnsRecords": [{"Type": "A", "TTL": 10}]},
    "HealthCheckCustomConfig": {"FailureThreshold": 1}})
case("servicediscovery_get_operation", "servicediscovery", "GetOperation", {"OperationId": "op-1"},
     resp=json.dumps({"Operation": {"Id": "op-1", "Type": "CREATE_NAMESPACE", "Status": "SUCCESS",
                                    "CreateDate": 1717747200.5, "UpdateDate": 1717747210,
                                    "Targets": {"NAMESPACE": "ns-abc"}}}))
case("tagging_get_resources", "resourcegroupstaggingapi", "GetResources", {
    "TagFilters": [{"Key": "berth:stack", "Values": ["demo"]}],
    "ResourceTypeFilters": ["ec2:vpc", "ecs:service"], "ResourcesPerPage": 100},
    resp=json.dumps({"PaginationToken": "", "ResourceTagMappingList": [
        {"ResourceARN": "arn:aws:ec2:us-east-1:1:vpc/vpc-1",
         "Tags": [{"Key": "berth:stack", "Value": "demo"}]}]}))
case("tagging_untag_resources", "resourcegroupstaggingapi", "UntagResources", {
    "ResourceARNList": ["arn:a"], "TagKeys": ["berth:stack"]},
    resp=json.dumps({"FailedResourcesMap": {"arn:a": {"StatusCode": 403, "ErrorCode": "InvalidParameterException",
                                                      "ErrorMessage": "denied"}}}))

# ---------------------------------------------------------------- rest-json
case("amp_create_workspace", "amp", "CreateWorkspace", {
    "alias": "demo", "tags": {"berth:stack": "demo"}},
    resp=(json.dumps({"workspaceId": "ws-1", "arn": "arn:aws:aps:us-east-1:1:workspace/ws-1",
                      "status": {"statusCode": "CREATING"}, "tags": {"berth:stack": "demo"}}), 202))
case("amp_describe_workspace", "amp", "DescribeWorkspace", {"workspaceId": "ws-1"},
     resp=json.dumps({"workspace": {"workspaceId": "ws-1", "alias": "demo",
                                    "arn": "arn:aws:aps:us-east-1:1:workspace/ws-1",
                                    "status": {"statusCode": "ACTIVE"},
                                    "prometheusEndpoint": "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/",
                                    "createdAt": 1717747200.25, "tags": {}}}))
case("amp_list_workspaces", "amp", "ListWorkspaces", {"alias": "demo x", "maxResults": 50, "nextToken": "a/b+c="},
     resp=json.dumps({"workspaces": [{"workspaceId": "ws-1", "arn": "arn", "status": {"statusCode": "ACTIVE"},
                                      "createdAt": 1717747200}], "nextToken": None}))
case("amp_untag_resource", "amp", "UntagResource", {
    "resourceArn": "arn:aws:aps:us-east-1:123456789012:workspace/ws-1", "tagKeys": ["berth:stack", "a b"]})
case("amp_tag_resource", "amp", "TagResource", {
    "resourceArn": "arn:aws:aps:us-east-1:123456789012:workspace/ws-1", "tags": {"k": "v"}})
case("amp_delete_workspace", "amp", "DeleteWorkspace", {"workspaceId": "ws-1"}, resp=("", 202))
case("amp_update_workspace_alias", "amp", "UpdateWorkspaceAlias", {"workspaceId": "ws-1", "alias": "new"})
case("amp_list_tags", "amp", "ListTagsForResource", {"resourceArn": "arn:aws:aps:us-east-1:1:workspace/ws-1"},
     resp=json.dumps({"tags": {"berth:stack": "demo", "b": ""}}))
case("amp_error_conflict", "amp", "CreateWorkspace", err=(json.dumps({
    "message": "Workspace is busy", "resourceId": "ws-1", "resourceType": "WORKSPACE"}), 409,
    {"x-amzn-ErrorType": "ConflictException:http://internal.amazon.com/coral/com.amazon.aps/",
     "x-amzn-RequestId": "amp-r"}))
case("grafana_create_workspace", "grafana", "CreateWorkspace", {
    "accountAccessType": "CURRENT_ACCOUNT", "authenticationProviders": ["AWS_SSO", "SAML"],
    "permissionType": "SERVICE_MANAGED", "workspaceName": "demo",
    "workspaceDataSources": ["PROMETHEUS", "CLOUDWATCH"],
    "configuration": json.dumps({"unifiedAlerting": {"enabled": True}}),
    "tags": {"berth:stack": "demo"}},
    resp=(json.dumps({"workspace": {
        "id": "g-1", "name": "demo", "status": "CREATING", "accountAccessType": "CURRENT_ACCOUNT",
        "authentication": {"providers": ["AWS_SSO"], "samlConfigurationStatus": "NOT_CONFIGURED"},
        "created": 1717747200, "modified": 1717747200.75, "dataSources": ["PROMETHEUS"],
        "endpoint": "g-1.grafana-workspace.us-east-1.amazonaws.com", "grafanaVersion": "10.4",
        "permissionType": "SERVICE_MANAGED", "notificationDestinations": [], "tags": {"berth:stack": "demo"},
        "freeTrialConsumed": False, "licenseType": "ENTERPRISE_FREE_TRIAL"}}), 202))
case("grafana_update_permissions", "grafana", "UpdatePermissions", {
    "workspaceId": "g-1", "updateInstructionBatch": [
        {"action": "ADD", "role": "ADMIN", "users": [{"id": "user-1", "type": "SSO_USER"}]},
        {"action": "REVOKE", "role": "VIEWER", "users": [{"id": "grp-1", "type": "SSO_GROUP"}]}]},
    resp=json.dumps({"errors": []}))
case("grafana_list_permissions", "grafana", "ListPermissions", {
    "workspaceId": "g-1", "userType": "SSO_USER", "groupId": "grp 1", "maxResults": 20},
    resp=json.dumps({"permissions": [{"role": "ADMIN", "user": {"id": "user-1", "type": "SSO_USER"}}]}))
case("grafana_create_api_key", "grafana", "CreateWorkspaceApiKey", {
    "workspaceId": "g-1", "keyName": "berth", "keyRole": "ADMIN", "secondsToLive": 3600},
    resp=json.dumps({"key": "eyJrIjoi", "keyName": "berth", "workspaceId": "g-1"}))
case("grafana_delete_api_key", "grafana", "DeleteWorkspaceApiKey", {"workspaceId": "g-1", "keyName": "my key/1"})
case("grafana_create_service_account", "grafana", "CreateWorkspaceServiceAccount", {
    "workspaceId": "g-1", "name": "berth", "grafanaRole": "ADMIN"},
    resp=json.dumps({"id": "2", "name": "berth", "grafanaRole": "ADMIN", "workspaceId": "g-1"}))
case("grafana_list_service_accounts", "grafana", "ListWorkspaceServiceAccounts", {
    "workspaceId": "g-1", "maxResults": 50, "nextToken": "t/1+="},
    resp=json.dumps({"serviceAccounts": [{"id": "2", "name": "berth", "isDisabled": "false",
                                          "grafanaRole": "ADMIN"}],
                     "workspaceId": "g-1", "nextToken": "t2"}))
case("grafana_create_service_account_token", "grafana", "CreateWorkspaceServiceAccountToken", {
    "workspaceId": "g-1", "serviceAccountId": "2", "name": "berth-1-00", "secondsToLive": 1800},
    resp=json.dumps({"serviceAccountToken": {"id": "7", "name": "berth-1-00",
                                             "key": "glsa_abc_0123abcd"},
                     "serviceAccountId": "2", "workspaceId": "g-1"}))
case("grafana_delete_service_account_token", "grafana", "DeleteWorkspaceServiceAccountToken", {
    "workspaceId": "g-1", "serviceAccountId": "2", "tokenId": "7"},
    resp=json.dumps({"tokenId": "7", "serviceAccountId": "2", "workspaceId": "g-1"}))
case("grafana_delete_service_account", "grafana", "DeleteWorkspaceServiceAccount", {
    "workspaceId": "g-1", "serviceAccountId": "2"},
    resp=json.dumps({"serviceAccountId": "2", "workspaceId": "g-1"}))
case("grafana_error_service_accounts_on_grafana_8", "grafana", "CreateWorkspaceServiceAccount",
     err=(json.dumps({"message": "Service accounts are only supported for workspaces with "
                      "Grafana version 9 and above", "reason": "OTHER"}), 400,
          {"x-amzn-ErrorType": "ValidationException", "x-amzn-RequestId": "gv"}))
case("ssm_get_parameter", "ssm", "GetParameter", {
    "Name": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"},
    resp=json.dumps({"Parameter": {
        "Name": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        "Type": "String", "Value": "ami-0abcdef1234567890", "Version": 93,
        "LastModifiedDate": 1732060800.123, "DataType": "aws:ec2:image",
        "ARN": "arn:aws:ssm:us-west-2::parameter/aws/service/ami-amazon-linux-latest/"
               "al2023-ami-kernel-default-x86_64"}}))
case("ssm_get_parameter_secure", "ssm", "GetParameter", {
    "Name": "/berth/db-password", "WithDecryption": True},
    resp=json.dumps({"Parameter": {
        "Name": "/berth/db-password", "Type": "SecureString", "Value": "s3cr3t \u00e9",
        "Version": 1, "LastModifiedDate": 1732060800, "DataType": "text",
        "ARN": "arn:aws:ssm:us-west-2:123456789012:parameter/berth/db-password"}}))
case("ssm_error_parameter_not_found", "ssm", "GetParameter", err=(json.dumps({
    "__type": "ParameterNotFound"}), 400, {"x-amzn-RequestId": "ssm"}))
case("grafana_update_authentication", "grafana", "UpdateWorkspaceAuthentication", {
    "workspaceId": "g-1", "authenticationProviders": ["SAML"], "samlConfiguration": {
        "idpMetadata": {"url": "https://idp.example.com/metadata"},
        "assertionAttributes": {"role": "groups", "login": "mail"},
        "roleValues": {"admin": ["admins"], "editor": []}, "loginValidityDuration": 120}})
case("grafana_update_configuration", "grafana", "UpdateWorkspaceConfiguration", {
    "workspaceId": "g-1", "configuration": "{\"plugins\":{\"pluginAdminEnabled\":true}}"})
case("grafana_describe_workspace_authentication", "grafana", "DescribeWorkspaceAuthentication",
     {"workspaceId": "g-1"}, resp=json.dumps({"authentication": {
         "providers": ["SAML"], "saml": {"status": "CONFIGURED", "configuration": {
             "idpMetadata": {"xml": "<xml/>"}, "assertionAttributes": {"role": "groups"},
             "roleValues": {"admin": ["admins"]}, "loginValidityDuration": 120}}}}))
case("grafana_error_not_found", "grafana", "DescribeWorkspace", err=(json.dumps({
    "message": "Workspace g-9 not found", "resourceId": "g-9", "resourceType": "WORKSPACE"}), 404,
    {"x-amzn-ErrorType": "ResourceNotFoundException", "x-amzn-RequestId": "gr"}))


# ------------------------------------------------------------ sweep
# Beyond the hand-written cases: for every curated operation, params that set
# every input member (one element per list, recursion cut at a depth), and an
# answer setting every output member, written on the wire the way the
# protocol does. botocore must read that answer back to exactly the values
# written (which checks this writer), and berth must agree with botocore.
TS = 1704164645  # 2024-01-02T03:04:05Z
MAX_DEPTH = 7


# Strings that exercise every encoding rule: reserved and unreserved
# punctuation, quotes, newline, the empty string, non-ASCII, a long value.
# Members take them in turn (a counter reset per operation), so every
# operation's golden carries several of them.
STRINGS = [
    "a b+c*d~e/f=g&h%i'j\"k\\l<m>\nn \u00e9 \u65e5\u672c",
    "",
    "long/ " + "x+y z~%2F" * 40,
    "\u00e9t\u00e9 \u65e5\u672c\u8a9e \U0001f6a2 &=",
    "plain-value_1.2~",
]
# Header values cannot hold a newline or raw non-ASCII; URI labels cannot be
# empty (botocore would send "//", berth refuses).
HEADER_STRINGS = ["a b+c*d~e/f=g&h%i'j\"k", "plain-value_1.2~", "x y"]
_turn = [0]


def turn(n):
    _turn[0] += 1
    return _turn[0] % n


def synth(shape, name, depth, stack, purpose, where=None):
    """A value for shape, or None to leave the member out. where is the
    member's location (header, uri, querystring) when not in the body."""
    t = shape.type_name
    if t == "structure":
        if shape.name in stack or depth > MAX_DEPTH:
            return None
        if shape.is_document_type:
            return {"doc": [1, "two \u00e9", {"k": None, "b": True, "f": 0.1}]}
        out = {}
        for mn, ms in shape.members.items():
            loc = ms.serialization.get("location")
            if purpose == "output" and loc in ("header", "headers", "statusCode", "uri", "querystring"):
                continue
            if purpose == "input" and (ms.serialization.get("hostLabel") or loc == "headers"):
                continue
            v = synth(ms, mn, depth + 1, stack | {shape.name}, purpose, loc)
            if v is not None:
                out[mn] = v
                if shape.metadata.get("union"):
                    break
        return out
    if t == "list":
        n = max(2, shape.metadata.get("min", 1))
        items = [synth(shape.member, name, depth + 1, stack, purpose, where) for _ in range(n)]
        return None if items[0] is None else items
    if t == "map":
        keys = shape.key.enum[:2] if shape.key.enum else ["k " + name, "k/\u00e9=" + name]
        out = {}
        for k in keys:
            v = synth(shape.value, name, depth + 1, stack, purpose, where)
            if v is None:
                return None
            out[k] = v
        return out
    if t == "string":
        if shape.enum:
            return shape.enum[turn(len(shape.enum))] if where is None else shape.enum[0]
        if where == "header" or shape.metadata.get("jsonvalue"):
            v = HEADER_STRINGS[turn(len(HEADER_STRINGS))]
        else:
            v = STRINGS[turn(len(STRINGS))]
            if where == "uri" and not v:
                v = "uri label"
        lo, hi = shape.metadata.get("min", 0), shape.metadata.get("max", 1 << 30)
        v = (v + "x" * max(0, lo - len(v)))[:max(hi, lo, 1)]
        return v
    if t in ("integer", "long"):
        v = [7, 0, -3][turn(3)] if t == "integer" else 1234567890123
        return min(max(v, shape.metadata.get("min", v)), shape.metadata.get("max", 1 << 62))
    if t in ("double", "float"):
        v = [2.5, 0.1, 70.0][turn(3)]
        return min(max(v, shape.metadata.get("min", v)), shape.metadata.get("max", 1e300))
    if t == "boolean":
        return bool(turn(2))
    if t == "timestamp":
        return ["2024-01-02T03:04:05Z", "2024-01-02T03:04:05.250Z"][turn(2)]
    if t == "blob":
        return "bl\u00e9b +/= data"
    return None


def xml_escape(v):
    return v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_scalar(shape, v):
    t = shape.type_name
    if t == "boolean":
        return "true" if v else "false"
    if t == "timestamp":
        return "2024-01-02T03:04:05.500Z"
    if t == "blob":
        return base64.b64encode(v.encode()).decode()
    return xml_escape(str(v))


def xml_value(shape, v):
    t = shape.type_name
    if t == "structure":
        return "".join(xml_member(ms, mn, v[mn]) for mn, ms in shape.members.items() if mn in v)
    if t == "list":
        el = shape.member.serialization.get("name", "member")
        return "".join("<%s>%s</%s>" % (el, xml_value(shape.member, x), el) for x in v)
    if t == "map":
        kn = shape.key.serialization.get("name", "key")
        vn = shape.value.serialization.get("name", "value")
        return "".join("<entry><%s>%s</%s><%s>%s</%s></entry>" % (
            kn, xml_escape(k), kn, vn, xml_value(shape.value, x), vn) for k, x in v.items())
    return xml_scalar(shape, v)


def xml_member(ms, mn, v):
    name = ms.serialization.get("name", mn)
    if ms.type_name == "list" and ms.serialization.get("flattened"):
        el = ms.member.serialization.get("name", name)
        return "".join("<%s>%s</%s>" % (el, xml_value(ms.member, x), el) for x in v)
    return "<%s>%s</%s>" % (name, xml_value(ms, v), name)


def json_wire(shape, v):
    t = shape.type_name
    if t == "structure":
        if shape.is_document_type:
            return v
        return {ms.serialization.get("name", mn): json_wire(ms, v[mn])
                for mn, ms in shape.members.items() if mn in v}
    if t == "list":
        return [json_wire(shape.member, x) for x in v]
    if t == "map":
        return {k: json_wire(shape.value, x) for k, x in v.items()}
    if t == "timestamp":
        return TS + 0.5
    if t == "blob":
        return base64.b64encode(v.encode()).decode()
    return v


def expected_answer(shape, v):
    """What the answer should read back as: timestamps as written on the wire."""
    t = shape.type_name
    if t == "structure" and not shape.is_document_type:
        return {mn: expected_answer(ms, v[mn]) for mn, ms in shape.members.items() if mn in v}
    if t == "list":
        return [expected_answer(shape.member, x) for x in v]
    if t == "map":
        return {k: expected_answer(shape.value, x) for k, x in v.items()}
    if t == "timestamp":
        return "2024-01-02T03:04:05.5Z"
    if t == "blob":
        return base64.b64encode(v.encode()).decode()
    return v


def sweep(svc, ops):
    m = model(svc)
    proto = protocol(svc)
    cases = []
    for op_name in ops:
        op = m.operation_model(op_name)
        c = {"service": svc, "operation": op_name, "protocol": proto}
        _turn[0] = 0
        if op.input_shape is not None:
            params = synth(op.input_shape, "", 0, frozenset(), "input")
            c["params"], c["request"] = request(svc, op_name, params)
        if op.output_shape is not None:
            value = synth(op.output_shape, "", 0, frozenset(), "output")
            if proto in ("query", "ec2"):
                ns = ' xmlns="http://example.com/doc/"'
                inner = xml_value(op.output_shape, value)
                if proto == "query":
                    body = "<%sResponse%s><%s>%s</%s><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></%sResponse>" % (
                        op_name, ns, op.output_shape.serialization["resultWrapper"], inner,
                        op.output_shape.serialization["resultWrapper"], op_name)
                else:
                    body = "<%sResponse%s><requestId>r</requestId>%s</%sResponse>" % (
                        op_name, ns, inner, op_name)
            else:
                body = json.dumps(json_wire(op.output_shape, value))
            c["response"] = response(svc, op_name, body)
            want = expected_answer(op.output_shape, value)
            if c["response"]["parsed"] != want:
                sys.exit("%s %s: botocore reads the synthesized answer differently:\n%s\n%s" % (
                    svc, op_name, json.dumps(c["response"]["parsed"], sort_keys=True),
                    json.dumps(want, sort_keys=True)))
        cases.append(c)
    return cases


# ------------------------------------------------------------ synthetic
# Flattened XML lists and maps do not occur in berth's services, but the
# query code handles them; this tiny model (mirrored by hand in
# test_proto.c) lets botocore pin that code down too.
FLAT_MODEL = {
    "metadata": {"apiVersion": "2020-01-01", "endpointPrefix": "flat", "protocol": "query",
                 "serviceId": "Flat", "signatureVersion": "v4", "uid": "flat-2020-01-01"},
    "operations": {"Flat": {"name": "Flat", "http": {"method": "POST", "requestUri": "/"},
                            "input": {"shape": "FlatShape"},
                            "output": {"shape": "FlatShape", "resultWrapper": "FlatResult"}}},
    "shapes": {
        "FlatShape": {"type": "structure", "members": {
            "Items": {"shape": "NamedList"}, "Plain": {"shape": "PlainList"},
            "Attrs": {"shape": "FlatMap"}, "Wire": {"shape": "String", "locationName": "OnWire"}}},
        "NamedList": {"type": "list", "member": {"shape": "String", "locationName": "Item"},
                      "flattened": True},
        "PlainList": {"type": "list", "member": {"shape": "String"}, "flattened": True},
        "FlatMap": {"type": "map", "key": {"shape": "String", "locationName": "Name"},
                    "value": {"shape": "String", "locationName": "Value"}, "flattened": True},
        "String": {"type": "string"}}}


def synthetic_cases():
    m = ServiceModel(FLAT_MODEL, "flat")
    op = m.operation_model("Flat")
    params = {"Items": ["a", "b"], "Plain": ["x"], "Attrs": {"k1": "v1", "k2": "v2"}, "Wire": "w"}
    r = serialize.create_serializer("query").serialize_to_request(params, op)
    body = ("<FlatResponse><FlatResult><Item>a</Item><Item>b</Item><Plain>x</Plain>"
            "<Attrs><Name>k1</Name><Value>v1</Value></Attrs><Attrs><Name>k2</Name><Value>v2</Value></Attrs>"
            "<OnWire>w</OnWire></FlatResult></FlatResponse>")
    parsed = parsers.create_parser("query").parse(
        {"body": body.encode(), "headers": wire_headers({}), "status_code": 200}, op.output_shape)
    parsed.pop("ResponseMetadata", None)
    return {"service": "flat", "operation": "Flat", "protocol": "query", "params": params,
            "request": sign(m, r),
            "response": {"status": 200, "headers": {}, "body": body, "parsed": normalise(parsed)}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default="tests/data/proto")
    args = ap.parse_args()
    os.makedirs(args.output, exist_ok=True)
    for old in os.listdir(args.output):
        if old.endswith(".json") or old.endswith(".json.in"):
            os.remove(os.path.join(args.output, old))
    for name, svc, op, params, resp, err in CASES:
        out = {"service": svc, "operation": op, "protocol": protocol(svc)}
        if params is not None:
            out["params"], out["request"] = request(svc, op, params)
        if any(c[0] == name for c in CRED_CASES):
            out["sender"] = "credentials_sts.c"
        if resp is not None:
            body, status = resp if isinstance(resp, tuple) else (resp, 200)
            out["response"] = response(svc, op, body, status)
        if err is not None:
            out["error"] = error(svc, op, *err)
        with open(os.path.join(args.output, name + ".json"), "w") as f:
            # Keys keep their order: map entries are numbered in the
            # order given, so sorting would change the request.
            json.dump(out, f, indent=1, ensure_ascii=False)
            f.write("\n")
    with open(os.path.join(args.output, "synthetic_flat.json.in"), "w") as f:
        json.dump(synthetic_cases(), f, indent=1, ensure_ascii=False)
        f.write("\n")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from gen_aws_models import OPERATIONS
    nsweep = 0
    for svc in sorted(OPERATIONS):
        # The sweep writes query, EC2 and JSON answers only; S3's restXml
        # is covered by the hand-written s3_* cases and tests/data/restxml.
        if protocol(svc) == "rest-xml":
            continue
        ops = [o for o in OPERATIONS[svc].split() if o in model(svc).operation_names]
        cases = sweep(svc, ops)
        nsweep += len(cases)
        with open(os.path.join(args.output, "sweep_%s.json" % svc), "w") as f:
            json.dump({"cases": cases}, f, ensure_ascii=False, separators=(",", ":"))
            f.write("\n")
    print("%d cases and %d sweep cases written to %s" % (len(CASES), nsweep, args.output),
          file=sys.stderr)


if __name__ == "__main__":
    main()
