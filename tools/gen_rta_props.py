#!/usr/bin/env python3
"""Generates src/resources/props_gen.c: the API <-> CloudFormation property
maps of the types described as data (src/resources/generic.h).

    python3 tools/gen_rta_props.py [-o src/resources/props_gen.c]

For each type in TYPES it reads the CloudFormation registry schema
(tools/cfn-schemas) and botocore's service model and derives, per
CloudFormation property:
- its API member: the create request's or the described item's member of the
  same name, compared without case (VpcId/VpcId, RepositoryName/
  repositoryName); failing that, the name with the item's shape name before
  it (Arn/repositoryArn) or taken off its front (ClusterSettings/settings);
- RTA_CREATE when the create operation's input has that member, RTA_READ when
  the described item has it, RTA_ID for the primary identifier;
- RTA_BOOL for a schema boolean; RTA_RECASE when the API member is a
  structure (or list of them) whose members are written camelCase where
  CloudFormation writes them PascalCase (scanOnPush/ScanOnPush).
What cannot be derived (update operations, the defaults AWS applies, CIDR
normalisation, ...) is in OVERRIDES below. Properties src/schema/support.c
refuses (its `unsupported` table, read from that file: the one list validate
checks) are left out: berth neither sends nor reads what it does not set.
Tags never appear: generic.c sends and reads them in the type's tag style.

Generic code (generic.c) takes a description's own rta_prop entries first and
these for every property the description does not list. The output is
committed so berth builds without botocore; e2e.schema checks it is current.
"""
import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# type -> (botocore service, create operation, describe operation, the
# describe answer's list member, the item's id member or None for the
# primary identifier's). Sorted by type; adding a type is one line here.
TYPES = {
    "AWS::EC2::EIP": ("ec2", "AllocateAddress", "DescribeAddresses", "Addresses", "AllocationId"),
    "AWS::EC2::InternetGateway": ("ec2", "CreateInternetGateway", "DescribeInternetGateways",
                                  "InternetGateways", None),
    "AWS::EC2::NatGateway": ("ec2", "CreateNatGateway", "DescribeNatGateways", "NatGateways", None),
    "AWS::EC2::RouteTable": ("ec2", "CreateRouteTable", "DescribeRouteTables", "RouteTables", None),
    "AWS::EC2::Subnet": ("ec2", "CreateSubnet", "DescribeSubnets", "Subnets", None),
    "AWS::EC2::VPC": ("ec2", "CreateVpc", "DescribeVpcs", "Vpcs", None),
    "AWS::ECR::Repository": ("ecr", "CreateRepository", "DescribeRepositories", "repositories",
                             None),
    "AWS::ECS::Cluster": ("ecs", "CreateCluster", "DescribeClusters", "clusters", None),
    "AWS::Logs::LogGroup": ("logs", "CreateLogGroup", "DescribeLogGroups", "logGroups", None),
}

# What the models cannot say, per (type, property): flags to add ("add"),
# flags instead of the derived ones ("flags"), the update operation
# ("update", called {id member: id, api member: value}) and the JSON text of
# the value AWS takes when the spec drops the property ("dflt").
OVERRIDES = {
    # CloudFormation makes a CIDR canonical (10.0.0.5/24 is 10.0.0.0/24).
    ("AWS::EC2::Subnet", "CidrBlock"): {"add": ["RTA_CIDR"]},
    ("AWS::EC2::VPC", "CidrBlock"): {"add": ["RTA_CIDR"]},
    # CreateSubnet does not take it: ModifySubnetAttribute {"Value": v} right
    # after the create, and for a change.
    ("AWS::EC2::Subnet", "MapPublicIpOnLaunch"): {
        "add": ["RTA_AFTER", "RTA_WRAP"], "update": "ModifySubnetAttribute", "dflt": "false"},
    # A NAT gateway's VPC is its subnet's: CreateNatGateway's VpcId is for
    # regional gateways, which berth does not make.
    ("AWS::EC2::NatGateway", "VpcId"): {"flags": ["RTA_READ"]},
    # Refused (support.c), but read back so that the plan shows what holds
    # the address.
    ("AWS::EC2::EIP", "InstanceId"): {"flags": ["RTA_READ"]},
    ("AWS::EC2::Subnet", "AssignIpv6AddressOnCreation"): {"flags": ["RTA_READ", "RTA_BOOL"]},
    ("AWS::EC2::Subnet", "EnableDns64"): {"flags": ["RTA_READ", "RTA_BOOL"]},
    ("AWS::ECR::Repository", "ImageTagMutability"): {
        "update": "PutImageTagMutability", "dflt": '"MUTABLE"'},
    ("AWS::ECR::Repository", "ImageScanningConfiguration"): {
        "update": "PutImageScanningConfiguration", "dflt": '{"scanOnPush": false}'},
    # ECS answers [] for none; CloudFormation's absent.
    ("AWS::ECS::Cluster", "CapacityProviders"): {"add": ["RTA_NONEMPTY"]},
    ("AWS::ECS::Cluster", "ClusterSettings"): {"add": ["RTA_NONEMPTY"]},
    ("AWS::ECS::Cluster", "DefaultCapacityProviderStrategy"): {"add": ["RTA_NONEMPTY"]},
}

# Attributes the item carries that berth does not read back (yet): listed so
# that a generated map reads exactly what the hand-written one did.
NOT_READ = {
    ("AWS::EC2::NatGateway", "AutoProvisionZones"),
    ("AWS::EC2::NatGateway", "AutoScalingIps"),
    ("AWS::EC2::NatGateway", "RouteTableId"),
    ("AWS::EC2::Subnet", "BlockPublicAccessStates"),
}

# The order create requests send properties in, where it is not the
# schema's: the order the hand-written maps had, so the bytes on the wire
# stay the same.
FIRST = {
    "AWS::EC2::NatGateway": ["SubnetId", "ConnectivityType", "AllocationId"],
    "AWS::EC2::Subnet": ["VpcId", "CidrBlock"],
}


def unsupported_props(path):
    """(type, property) pairs of support.c's `unsupported` table."""
    with open(path) as f:
        text = f.read()
    m = re.search(r"static const struct unsupported unsupported\[\] = \{(.*?)\n\};", text, re.S)
    if not m:
        sys.exit("gen_rta_props: no unsupported[] table in " + path)
    return set(re.findall(r'\{\s*"([^"]+)",\s*"([^"]+)"', m.group(1)))


def schema_file(type_name):
    return os.path.join(ROOT, "tools", "cfn-schemas",
                        "aws-" + "-".join(type_name.split("::")[1:]).lower() + ".json")


def member_of(shape, cfn, prefix):
    """The member of `shape` that is CloudFormation's `cfn`, or None."""
    names = {m.lower(): m for m in shape.members}
    for cand in (cfn, prefix + cfn,
                 cfn[len(prefix):] if cfn.startswith(prefix) and cfn != prefix else None):
        if cand and cand.lower() in names:
            return names[cand.lower()]
    return None


def needs_recase(shape):
    """Whether the API writes this value's keys camelCase."""
    if shape.type_name == "list":
        shape = shape.member
    if shape.type_name != "structure":
        return False
    return any(m[:1].islower() for m in shape.members)


def derive(loader_models, type_name, skip):
    svc, create_op, describe_op, list_member, id_member = TYPES[type_name]
    model = loader_models(svc)
    create_in = model.operation_model(create_op).input_shape
    item = model.operation_model(describe_op).output_shape.members[list_member].member
    with open(schema_file(type_name)) as f:
        schema = json.load(f)
    ident = [p.split("/")[-1] for p in schema.get("primaryIdentifier", [])]
    if id_member is None:
        if len(ident) != 1:
            sys.exit("gen_rta_props: %s: give the id member" % type_name)
        id_member = member_of(item, ident[0], item.name)
    props = []
    for cfn, spec in schema["properties"].items():
        if cfn == "Tags" or (type_name, cfn) in skip:
            continue
        flags = []
        api = None
        cm = member_of(create_in, cfn, item.name)
        im = member_of(item, cfn, item.name)
        if cm:
            flags.append("RTA_CREATE")
            api = cm
        if im and (type_name, cfn) not in NOT_READ:
            flags.append("RTA_READ")
            api = api or im
        if im and im == id_member:
            flags.append("RTA_ID")
        if not flags:
            continue
        if spec.get("type") == "boolean":
            flags.append("RTA_BOOL")
        shape = (create_in.members.get(cm) if cm else None) or item.members.get(im)
        if shape is not None and needs_recase(shape):
            flags.append("RTA_RECASE")
        o = OVERRIDES.get((type_name, cfn), {})
        if "flags" in o:
            flags = list(o["flags"])
        flags += o.get("add", [])
        props.append((cfn, api, flags, o.get("update"), o.get("dflt")))
    for key in OVERRIDES:
        if key[0] == type_name and key[1] not in {p[0] for p in props}:
            sys.exit("gen_rta_props: override for %s %s matches nothing" % key)
    first = FIRST.get(type_name, [])
    props.sort(key=lambda p: first.index(p[0]) if p[0] in first else len(first))
    return svc, create_op, describe_op, id_member, props


def c_str(s):
    return "NULL" if s is None else json.dumps(s)


def emit(rows, version):
    out = ["/* GENERATED by tools/gen_rta_props.py from tools/cfn-schemas and botocore %s's"
           % version,
           " * models: do not edit; change TYPES, OVERRIDES, NOT_READ or FIRST in the",
           " * generator and rerun it. The property maps of described types (generic.h). */",
           '#include "util/common.h"', '#include "resources/generic.h"', ""]
    table = []
    for type_name, (svc, create_op, describe_op, id_member, props) in sorted(rows.items()):
        cid = "P_" + re.sub(r"\W", "_", type_name.replace("::", "_"))
        out.append("static const struct rta_prop %s[] = {" % cid)
        for cfn, api, flags, update, dflt in props:
            out.append("\t{ %s, %s, %s, %s, %s }," % (c_str(cfn), c_str(api),
                                                   " | ".join(flags) or "0", c_str(update),
                                                   c_str(dflt)))
        out.append("\t{ 0 } };")
        table.append("\t{ %s, %s, %s, %s, %s, %s }," % (c_str(type_name), c_str(svc),
                                                       c_str(create_op), c_str(describe_op),
                                                       c_str(id_member), cid))
    out.append("")
    out.append("/* Sorted by type for rta_gen_find's binary search. */")
    out.append("const struct rta_gen_type rta_gen_types[] = {")
    out += table
    out.append("};")
    out.append("const size_t rta_gen_ntypes = %d;" % len(rows))
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=os.path.join(ROOT, "src", "resources",
                                                           "props_gen.c"))
    args = ap.parse_args()
    import botocore
    from botocore.loaders import Loader
    from botocore.model import ServiceModel
    loader = Loader()
    cache = {}

    def models(svc):
        if svc not in cache:
            cache[svc] = ServiceModel(loader.load_service_model(svc, "service-2"), svc)
        return cache[svc]

    skip = unsupported_props(os.path.join(ROOT, "src", "schema", "support.c"))
    skip -= {k for k, o in OVERRIDES.items() if "flags" in o}
    rows = {t: derive(models, t, skip) for t in TYPES}
    text = emit(rows, botocore.__version__)
    with open(args.output, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
