#!/usr/bin/env python3
"""Writes a berth spec of N resources of mixed types with dependency depth,
for bench/run.

The spec is a sequence of "units": small groups of resources that refer to
each other the way a real stack does. Each unit is a template in UNITS below;
the generator cycles through them (weighted) until N resources exist. Units
also chain across each other (a unit may refer to a resource of the previous
unit of the same kind), so the longest dependency chain is CHAIN_DEPTH units
deep, not one, as in a real stack where VPC -> subnet -> security group ->
load balancer -> listener -> service -> alarm.

Extending the mix when a type lands (EC2, ECS, IAM, CloudWatch alarms): add a
unit to UNITS with the resources it makes. `{u}` is the unit's number,
`{prev}` the number of the previous unit of the same template in the same
chain (or None for the first one: use `prev_ref` to write a reference that is
only there when a previous unit exists). Only types `berth types` lists are
used: a unit whose types the engine does not implement is skipped (with
--src, the types are read from src/resources/registry.c; `berth types` lists
every schema type, implemented or not, so it cannot tell).

    gen_spec.py N [--stack NAME] [--src SRCDIR] [--mix workshop] > spec.yaml

--mix workshop writes the workshop's mix instead (generate_workshop below).
"""
import argparse
import re
import sys

# How many units of one template chain together through references (the
# chain depth in units). Resources per unit x CHAIN_DEPTH ~ longest path.
CHAIN_DEPTH = 4


def unit_alerting(u, prev):
    """A topic; two subscriptions to it; the topic's display name refers to
    the previous unit's log group (so topic waits for it): depth 2 per unit
    plus the chain."""
    after = f'    depends_on: [app-logs-{prev}]\n' if prev is not None else ''
    return [
        ("AWS::SNS::Topic", f"alarms-{u}",
         f"    properties:\n      TopicName: \"${{stack}}-alarms-{u}\"\n"
         f"      DisplayName: Alarms {u}\n"
         f"      Tags: [{{ Key: team, Value: t{u % 7} }}]\n" + after),
        ("AWS::SNS::Subscription", f"oncall-{u}",
         f"    properties:\n      TopicArn: \"${{alarms-{u}.TopicArn}}\"\n"
         f"      Protocol: email\n      Endpoint: oncall-{u}@example.com\n"),
        ("AWS::SNS::Subscription", f"pager-{u}",
         f"    properties:\n      TopicArn: \"${{alarms-{u}.TopicArn}}\"\n"
         f"      Protocol: email\n      Endpoint: \"${{var.pager}}\"\n"),
    ]


def unit_logging(u, prev):
    """A log group named after a topic (a reference: the group waits for the
    topic), and a second group that waits for the first."""
    return [
        ("AWS::SNS::Topic", f"log-events-{u}",
         f"    properties:\n      TopicName: \"${{stack}}-log-events-{u}\"\n"
         + (f"    depends_on: [app-logs-{prev}]\n" if prev is not None else '')),
        ("AWS::Logs::LogGroup", f"app-logs-{u}",
         f"    properties:\n      LogGroupName: \"/${{stack}}/${{log-events-{u}.TopicName}}/app\"\n"
         f"      RetentionInDays: \"${{var.retention}}\"\n"
         f"      Tags: [{{ Key: team, Value: t{u % 7} }}]\n"),
        ("AWS::Logs::LogGroup", f"audit-logs-{u}",
         f"    depends_on: [app-logs-{u}]\n"
         f"    properties:\n      LogGroupName: \"/${{stack}}/audit/{u}\"\n"
         f"      RetentionInDays: 30\n"),
        ("AWS::SNS::Subscription", f"log-sub-{u}",
         f"    properties:\n      TopicArn: \"${{log-events-{u}.TopicArn}}\"\n"
         f"      Protocol: email\n      Endpoint: logs-{u}@example.com\n"),
    ]


def unit_plain(u, prev):
    """Independent log groups (services' own logs): breadth, no depth."""
    return [("AWS::Logs::LogGroup", f"svc-logs-{u}",
             f"    properties:\n      LogGroupName: \"/${{stack}}/svc/{u}\"\n"
             f"      RetentionInDays: 14\n")]


# (template, weight). A round takes `weight` units of each template in
# order; chains link units of the same round index across templates through
# `prev` (the logging unit before). Add a line here per new unit template.
UNITS = [
    (unit_logging, 1),
    (unit_alerting, 1),
    (unit_plain, 2),
]


def generate(n, stack, types=None):
    out = ["berth: 1\n", f"stack: {stack}\n", "region: us-west-2\n",
           "variables:\n",
           "  retention: { type: number, default: 7 }\n",
           "  pager: { type: string, default: pager@example.com }\n",
           "resources:\n"]
    count = 0
    u = 0
    prev_logging = None   # unit number of the last logging unit in the chain
    depth = 0
    usable = [(t, w) for t, w in UNITS
              if types is None or all(r[0] in types for r in t(0, None))]
    if not usable:
        sys.exit("gen_spec: no unit template has only registered types")
    while count < n:
        for template, weight in usable:
            for _ in range(weight):
                if count >= n:
                    break
                prev = prev_logging if template is not unit_plain else None
                res = template(u, prev)
                for typ, rid, body in res[: n - count]:
                    out.append(f"  {rid}:\n    type: {typ}\n{body}")
                    count += 1
                if template is unit_logging:
                    depth += 1
                    prev_logging = u if depth < CHAIN_DEPTH else None
                    if depth >= CHAIN_DEPTH:
                        depth = 0
                u += 1
    return "".join(out)


# ---- the workshop's mix (--mix workshop) ----
# specs/container-insights.yaml at scale: per "platform" a VPC with an
# internet gateway, public and private subnets in two zones, their route
# tables and associations, an ECS cluster, an execution role, an alarm topic;
# and SERVICES_PER_PLATFORM Fargate services, each with its log group, task
# definition, security groups, load balancer, target group, listener,
# ingress rule, service and CPU alarm (modules/vpc.yaml and
# modules/fargate-service.yaml are the shapes). The longest chain is the
# workshop's: VPC -> attachment -> subnet -> ALB -> listener -> service ->
# alarm. NAT gateways and EIPs are left out: they cost money per hour and a
# region allows 5 EIPs; nothing in the refresh is specific to them.
SERVICES_PER_PLATFORM = 8


def workshop_platform(p):
    """The network and the cluster of platform p (14 + 3 resources)."""
    v = f"vpc-{p}"
    r = [
        ("AWS::EC2::VPC", v,
         f"    properties:\n      CidrBlock: 10.{p}.0.0/16\n      EnableDnsSupport: true\n"
         f"      EnableDnsHostnames: true\n      Tags: [{{ Key: Name, Value: platform-{p} }}]\n"),
        ("AWS::EC2::InternetGateway", f"igw-{p}",
         f"    properties:\n      Tags: [{{ Key: Name, Value: platform-{p} }}]\n"),
        ("AWS::EC2::VPCGatewayAttachment", f"igw-attachment-{p}",
         f"    properties:\n      VpcId: \"${{{v}.VpcId}}\"\n"
         f"      InternetGatewayId: \"${{igw-{p}.InternetGatewayId}}\"\n"),
        ("AWS::EC2::RouteTable", f"public-routes-{p}",
         f"    properties:\n      VpcId: \"${{{v}.VpcId}}\"\n"
         f"      Tags: [{{ Key: Name, Value: platform-{p}-public }}]\n"),
        ("AWS::EC2::Route", f"public-default-route-{p}",
         f"    depends_on: [igw-attachment-{p}]\n"
         f"    properties:\n      RouteTableId: \"${{public-routes-{p}.RouteTableId}}\"\n"
         f"      DestinationCidrBlock: 0.0.0.0/0\n      GatewayId: \"${{igw-{p}.InternetGatewayId}}\"\n"),
        ("AWS::EC2::RouteTable", f"private-routes-{p}",
         f"    properties:\n      VpcId: \"${{{v}.VpcId}}\"\n"
         f"      Tags: [{{ Key: Name, Value: platform-{p}-private }}]\n"),
    ]
    for i, az in enumerate("ab"):
        r += [
            ("AWS::EC2::Subnet", f"public-{p}-{i}",
             f"    depends_on: [igw-attachment-{p}]\n"
             f"    properties:\n      VpcId: \"${{{v}.VpcId}}\"\n      CidrBlock: 10.{p}.{i}.0/24\n"
             f"      AvailabilityZone: us-west-2{az}\n      MapPublicIpOnLaunch: true\n"
             f"      Tags: [{{ Key: Name, Value: platform-{p}-public-{i} }}]\n"),
            ("AWS::EC2::Subnet", f"private-{p}-{i}",
             f"    properties:\n      VpcId: \"${{{v}.VpcId}}\"\n      CidrBlock: 10.{p}.{10 + i}.0/24\n"
             f"      AvailabilityZone: us-west-2{az}\n"
             f"      Tags: [{{ Key: Name, Value: platform-{p}-private-{i} }}]\n"),
            ("AWS::EC2::SubnetRouteTableAssociation", f"public-assoc-{p}-{i}",
             f"    properties:\n      SubnetId: \"${{public-{p}-{i}.SubnetId}}\"\n"
             f"      RouteTableId: \"${{public-routes-{p}.RouteTableId}}\"\n"),
            ("AWS::EC2::SubnetRouteTableAssociation", f"private-assoc-{p}-{i}",
             f"    properties:\n      SubnetId: \"${{private-{p}-{i}.SubnetId}}\"\n"
             f"      RouteTableId: \"${{private-routes-{p}.RouteTableId}}\"\n"),
        ]
    r += [
        ("AWS::ECS::Cluster", f"cluster-{p}",
         f"    properties:\n      ClusterName: \"${{stack}}-{p}\"\n"
         f"      ClusterSettings: [{{ Name: containerInsights, Value: enabled }}]\n"),
        ("AWS::IAM::Role", f"execution-role-{p}",
         f"    properties:\n      RoleName: \"${{stack}}-exec-{p}\"\n"
         f"      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:\n"
         f"          - {{ Effect: Allow, Principal: {{ Service: ecs-tasks.amazonaws.com }}, Action: \"sts:AssumeRole\" }}\n"
         f"      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]\n"),
        ("AWS::SNS::Topic", f"alarm-topic-{p}",
         f"    properties:\n      TopicName: \"${{stack}}-alarms-{p}\"\n"),
    ]
    return r


def workshop_service(p, s):
    """One Fargate service of platform p behind its own ALB (11 resources)."""
    n = f"{p}-{s}"
    v = f"${{vpc-{p}.VpcId}}"
    return [
        ("AWS::Logs::LogGroup", f"logs-{n}",
         f"    properties:\n      LogGroupName: \"/${{stack}}/svc-{n}\"\n      RetentionInDays: 7\n"),
        ("AWS::ECS::TaskDefinition", f"task-{n}",
         f"    properties:\n      Family: \"${{stack}}-svc-{n}\"\n      Cpu: \"256\"\n      Memory: \"512\"\n"
         f"      NetworkMode: awsvpc\n      RequiresCompatibilities: [FARGATE]\n"
         f"      ExecutionRoleArn: \"${{execution-role-{p}.Arn}}\"\n"
         f"      ContainerDefinitions:\n        - Name: web\n"
         f"          Image: public.ecr.aws/aws-containers/ecsdemo-frontend\n"
         f"          MemoryReservation: 128\n          PortMappings: [{{ ContainerPort: 3000 }}]\n"
         f"          LogConfiguration:\n            LogDriver: awslogs\n            Options:\n"
         f"              awslogs-group: \"${{logs-{n}.LogGroupName}}\"\n"
         f"              awslogs-region: \"${{region}}\"\n              awslogs-stream-prefix: web\n"),
        ("AWS::EC2::SecurityGroup", f"task-sg-{n}",
         f"    properties:\n      GroupDescription: svc-{n} tasks\n      VpcId: \"{v}\"\n"),
        ("AWS::EC2::SecurityGroup", f"alb-sg-{n}",
         f"    properties:\n      GroupDescription: svc-{n} load balancer\n      VpcId: \"{v}\"\n"
         f"      SecurityGroupIngress:\n"
         f"        - {{ IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 0.0.0.0/0 }}\n"),
        ("AWS::EC2::SecurityGroupIngress", f"from-alb-{n}",
         f"    properties:\n      GroupId: \"${{task-sg-{n}.GroupId}}\"\n      IpProtocol: tcp\n"
         f"      FromPort: 3000\n      ToPort: 3000\n"
         f"      SourceSecurityGroupId: \"${{alb-sg-{n}.GroupId}}\"\n"),
        ("AWS::ElasticLoadBalancingV2::LoadBalancer", f"alb-{n}",
         f"    properties:\n      Name: \"svc-{n}\"\n      Type: application\n"
         f"      Scheme: internet-facing\n"
         f"      Subnets: [\"${{public-{p}-0.SubnetId}}\", \"${{public-{p}-1.SubnetId}}\"]\n"
         f"      SecurityGroups: [\"${{alb-sg-{n}.GroupId}}\"]\n"),
        ("AWS::ElasticLoadBalancingV2::TargetGroup", f"tg-{n}",
         f"    properties:\n      Name: \"svc-{n}\"\n      Port: 3000\n      Protocol: HTTP\n"
         f"      TargetType: ip\n      VpcId: \"{v}\"\n      HealthCheckPath: /\n"),
        ("AWS::ElasticLoadBalancingV2::Listener", f"listener-{n}",
         f"    properties:\n      LoadBalancerArn: \"${{alb-{n}.LoadBalancerArn}}\"\n"
         f"      Port: 80\n      Protocol: HTTP\n"
         f"      DefaultActions: [{{ Type: forward, TargetGroupArn: \"${{tg-{n}.TargetGroupArn}}\" }}]\n"),
        ("AWS::ECS::Service", f"service-{n}",
         f"    properties:\n      ServiceName: svc-{n}\n      Cluster: \"${{cluster-{p}.ClusterName}}\"\n"
         f"      TaskDefinition: \"${{task-{n}.TaskDefinitionArn}}\"\n      DesiredCount: 1\n"
         f"      LaunchType: FARGATE\n      NetworkConfiguration:\n        AwsvpcConfiguration:\n"
         f"          AssignPublicIp: DISABLED\n"
         f"          Subnets: [\"${{private-{p}-0.SubnetId}}\", \"${{private-{p}-1.SubnetId}}\"]\n"
         f"          SecurityGroups: [\"${{task-sg-{n}.GroupId}}\"]\n"
         f"      LoadBalancers:\n        - ContainerName: web\n          ContainerPort: 3000\n"
         f"          TargetGroupArn: \"${{listener-{n}.DefaultActions[0].TargetGroupArn}}\"\n"),
        ("AWS::CloudWatch::Alarm", f"cpu-{n}",
         f"    properties:\n      AlarmName: \"${{stack}}-svc-{n}-cpu\"\n      Namespace: AWS/ECS\n"
         f"      MetricName: CPUUtilization\n      Dimensions:\n"
         f"        - {{ Name: ClusterName, Value: \"${{cluster-{p}.ClusterName}}\" }}\n"
         f"        - {{ Name: ServiceName, Value: \"${{service-{n}.Name}}\" }}\n"
         f"      Statistic: Average\n      Period: 300\n      EvaluationPeriods: 1\n"
         f"      Threshold: 50\n      ComparisonOperator: GreaterThanThreshold\n"
         f"      AlarmActions: [\"${{alarm-topic-{p}.TopicArn}}\"]\n"),
    ]


def generate_workshop(n, stack):
    """n resources of the workshop's mix (at least one platform with one
    service): whole platforms while they fit, then whole services, then
    independent log groups to make n."""
    out = ["berth: 1\n", f"stack: {stack}\n", "region: us-west-2\n", "resources:\n"]
    res = []
    p = 0
    per_platform = len(workshop_platform(0)) + SERVICES_PER_PLATFORM * len(workshop_service(0, 0))
    while len(res) + per_platform <= n or p == 0:
        res += workshop_platform(p)
        for s in range(SERVICES_PER_PLATFORM):
            if s and len(res) + len(workshop_service(p, s)) > n:
                break
            res += workshop_service(p, s)
        p += 1
    i = 0
    while len(res) < n:
        res.append(("AWS::Logs::LogGroup", f"extra-logs-{i}",
                    f"    properties:\n      LogGroupName: \"/${{stack}}/extra/{i}\"\n"
                    f"      RetentionInDays: 14\n"))
        i += 1
    for typ, rid, body in res:
        out.append(f"  {rid}:\n    type: {typ}\n{body}")
    return "".join(out)


def engine_types(src):
    """The type names registered in src/resources/registry.c."""
    import glob
    import os
    with open(os.path.join(src, "resources", "registry.c")) as f:
        names = set(re.findall(r"&(rtype_\w+)", f.read()))
    types = set()
    for path in glob.glob(os.path.join(src, "resources", "*.c")):
        with open(path) as f:
            for var, tname in re.findall(
                    r"const struct rtype (rtype_\w+)\s*=\s*\{.*?\.type_name\s*=\s*\"([^\"]+)\"",
                    f.read(), re.S):
                if var in names:
                    types.add(tname)
    return types


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--stack", default="bench")
    ap.add_argument("--src", help="berth's src/ (use only the types it registers)")
    ap.add_argument("--mix", choices=["logs", "workshop"], default="logs",
                    help="logs: log groups, topics, subscriptions; workshop: VPCs, ECS services "
                         "behind load balancers, alarms, log groups (the workshop's mix)")
    a = ap.parse_args()
    if a.mix == "workshop":
        sys.stdout.write(generate_workshop(a.n, a.stack))
        return
    types = engine_types(a.src) if a.src else None
    sys.stdout.write(generate(a.n, a.stack, types))


if __name__ == "__main__":
    main()
