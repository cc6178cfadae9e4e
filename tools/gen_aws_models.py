#!/usr/bin/env python3
"""Generates src/aws/models_gen.c from botocore's service models.

berth speaks to AWS from facts in botocore's JSON models (service-2 and
paginators-1): the service metadata, and for a curated list of operations the
shapes of their input and output, with every wire detail the four protocols
need. Only shapes reachable from those operations are emitted, so the file
stays small; adding an operation is one line in OPERATIONS below.

Run:  python3 tools/gen_aws_models.py [-o src/aws/models_gen.c]
Works with any botocore that has these models (pyenv's 1.43 or Debian's 1.29);
the output is committed so berth builds without botocore.
"""
import argparse
import sys

from botocore.loaders import Loader

# botocore service name -> operations berth calls, sorted. Every operation
# named in tools/cfn-schemas/SUMMARY.md's handler columns for the
# supported types (for the services here; iam:PassRole and logs' *LogDelivery
# permissions are not API operations of these services), plus what berth
# needs besides (identity, tagging sweeps, waits, destroy).
OPERATIONS = {
    "ec2": """
        AcceptAddressTransfer AllocateAddress AssignPrivateNatGatewayAddress
        AssociateAddress AssociateIamInstanceProfile AssociateNatGatewayAddress
        AssociateRouteTable AssociateSubnetCidrBlock AttachInternetGateway AttachVolume
        AttachVpnGateway AuthorizeSecurityGroupEgress AuthorizeSecurityGroupIngress
        CreateInternetGateway CreateNatGateway CreateRoute CreateRouteTable
        CreateSecurityGroup CreateSubnet CreateTags CreateVpc CreateVpcEncryptionControl
        DeleteInternetGateway DeleteNatGateway DeleteRoute DeleteRouteTable
        DeleteSecurityGroup DeleteSubnet DeleteTags DeleteVpc DescribeAccountAttributes
        DescribeAddresses DescribeAvailabilityZones DescribeDhcpOptions
        DescribeIamInstanceProfileAssociations DescribeImages DescribeInstanceAttribute
        DescribeInstanceCreditSpecifications DescribeInstances DescribeInternetGateways
        DescribeIpamPools DescribeKeyPairs DescribeLaunchTemplateVersions
        DescribeLaunchTemplates DescribeNatGateways DescribeNetworkAcls
        DescribeNetworkInterfaces DescribeRegions DescribeRouteTables
        DescribeSecurityGroupRules DescribeSecurityGroups DescribeSubnets DescribeTags
        DescribeVolumes DescribeVpcAttribute DescribeVpcEncryptionControls DescribeVpcs
        DescribeVpnGateways DetachInternetGateway DetachVolume DetachVpnGateway
        DisassociateAddress DisassociateIamInstanceProfile DisassociateNatGatewayAddress
        DisassociateRouteTable DisassociateSubnetCidrBlock GetManagedPrefixListEntries
        ModifyInstanceAttribute ModifyInstanceCreditSpecification
        ModifyInstanceMaintenanceOptions ModifyInstanceMetadataOptions
        ModifyInstancePlacement ModifyPrivateDnsNameOptions ModifySubnetAttribute
        ModifyVpcAttribute ModifyVpcTenancy MonitorInstances ReleaseAddress
        ReplaceIamInstanceProfileAssociation ReplaceRoute ReplaceRouteTableAssociation
        RevokeSecurityGroupEgress RevokeSecurityGroupIngress RunInstances StartInstances
        StopInstances TerminateInstances UnassignPrivateNatGatewayAddress
        UnmonitorInstances UpdateSecurityGroupRuleDescriptionsEgress
        UpdateSecurityGroupRuleDescriptionsIngress
    """,
    "iam": """
        AddRoleToInstanceProfile AttachRolePolicy CreateInstanceProfile CreatePolicy
        CreatePolicyVersion CreateRole CreateServiceLinkedRole DeleteGroupPolicy
        DeleteInstanceProfile DeletePolicy DeletePolicyVersion DeleteRole
        DeleteRolePermissionsBoundary DeleteRolePolicy DeleteServiceLinkedRole
        DeleteUserPolicy DetachRolePolicy GetGroupPolicy GetInstanceProfile GetPolicy
        GetPolicyVersion GetRole GetRolePolicy GetServiceLinkedRoleDeletionStatus
        GetUserPolicy ListAttachedRolePolicies ListEntitiesForPolicy
        ListInstanceProfiles ListInstanceProfilesForRole ListPolicies ListPolicyVersions
        ListRolePolicies ListRoleTags ListRoles PutGroupPolicy
        PutRolePermissionsBoundary PutRolePolicy PutUserPolicy
        RemoveRoleFromInstanceProfile TagInstanceProfile TagPolicy TagRole
        UntagInstanceProfile UntagPolicy UntagRole UpdateAssumeRolePolicy UpdateRole
        UpdateRoleDescription
    """,
    "sts": "AssumeRole AssumeRoleWithWebIdentity GetCallerIdentity",
    "elbv2": """
        AddTags CreateListener CreateLoadBalancer CreateRule CreateTargetGroup
        DeleteListener DeleteLoadBalancer DeleteRule DeleteTargetGroup DeregisterTargets
        DescribeCapacityReservation DescribeListenerAttributes DescribeListeners
        DescribeLoadBalancerAttributes DescribeLoadBalancers DescribeRules DescribeTags
        DescribeTargetGroupAttributes DescribeTargetGroups DescribeTargetHealth
        ModifyCapacityReservation ModifyIpPools ModifyListener ModifyListenerAttributes
        ModifyLoadBalancerAttributes ModifyRule ModifyTargetGroup
        ModifyTargetGroupAttributes RegisterTargets RemoveTags SetIpAddressType
        SetSecurityGroups SetSubnets
    """,
    "cloudformation": """
        ContinueUpdateRollback CreateStack DeleteStack DescribeStackEvents
        DescribeStackResource DescribeStackResources DescribeStacks GetStackPolicy
        GetTemplate ListExports ListStackResources ListStacks SetStackPolicy UpdateStack
        UpdateTerminationProtection ValidateTemplate
    """,
    "cloudwatch": """
        DeleteAlarms DescribeAlarms ListTagsForResource PutMetricAlarm TagResource
        UntagResource
    """,
    "sns": """
        CreateTopic DeleteTopic GetDataProtectionPolicy GetSubscriptionAttributes
        GetTopicAttributes ListSubscriptions ListSubscriptionsByTopic
        ListTagsForResource ListTopics PutDataProtectionPolicy SetSubscriptionAttributes
        SetTopicAttributes Subscribe TagResource Unsubscribe UntagResource
    """,
    "ecr": """
        CreateRepository DeleteLifecyclePolicy DeleteRepository DeleteRepositoryPolicy
        DescribeRepositories GetLifecyclePolicy GetRepositoryPolicy ListTagsForResource
        PutImageScanningConfiguration PutImageTagMutability PutLifecyclePolicy
        SetRepositoryPolicy TagResource UntagResource
    """,
    "ecs": """
        CreateCluster CreateService DeleteCluster DeleteService DeleteTaskDefinitions
        DeregisterTaskDefinition
        DescribeCapacityProviders DescribeClusters DescribeServiceDeployments
        DescribeServices DescribeTaskDefinition DescribeTasks ListAccountSettings
        ListClusters ListServiceDeployments ListServices ListTagsForResource
        ListTaskDefinitions ListTasks PutAccountSetting PutAccountSettingDefault
        PutClusterCapacityProviders RegisterTaskDefinition StopServiceDeployment
        StopTask TagResource UntagResource UpdateCluster UpdateClusterSettings
        UpdateService
    """,
    "logs": """
        AssociateKmsKey CreateLogGroup DeleteDataProtectionPolicy DeleteIndexPolicy
        DeleteLogGroup DeleteQueryDefinition DeleteResourcePolicy DeleteRetentionPolicy
        DescribeIndexPolicies DescribeLogGroups DescribeLogStreams
        DescribeQueryDefinitions DescribeResourcePolicies DisassociateKmsKey
        GetDataProtectionPolicy ListTagsForResource ListTagsLogGroup
        PutBearerTokenAuthentication PutDataProtectionPolicy PutIndexPolicy
        PutLogGroupDeletionProtection PutQueryDefinition PutResourcePolicy
        PutRetentionPolicy TagResource UntagResource
    """,
    "servicediscovery": """
        CreateHttpNamespace CreatePrivateDnsNamespace CreatePublicDnsNamespace
        CreateService DeleteNamespace DeleteService DeleteServiceAttributes
        DeregisterInstance GetNamespace GetOperation GetService GetServiceAttributes
        ListInstances ListNamespaces ListOperations ListServices ListTagsForResource
        TagResource UntagResource UpdatePrivateDnsNamespace UpdateService
        UpdateServiceAttributes
    """,
    "resourcegroupstaggingapi": "GetResources TagResources UntagResources",
    # The S3 backend's lock and state cache (restXml, proto_restxml.c).
    "s3": "DeleteObject GetObject HeadBucket HeadObject PutObject",
    "amp": """
        CreateAlertManagerDefinition CreateLoggingConfiguration
        CreateQueryLoggingConfiguration CreateWorkspace DeleteAlertManagerDefinition
        DeleteLoggingConfiguration DeleteQueryLoggingConfiguration DeleteWorkspace
        DescribeAlertManagerDefinition DescribeLoggingConfiguration
        DescribeQueryLoggingConfiguration DescribeWorkspace
        DescribeWorkspaceConfiguration ListTagsForResource ListWorkspaces
        PutAlertManagerDefinition TagResource UntagResource UpdateLoggingConfiguration
        UpdateQueryLoggingConfiguration UpdateWorkspaceAlias
        UpdateWorkspaceConfiguration
    """,
    "grafana": """
        CreateWorkspace CreateWorkspaceApiKey CreateWorkspaceServiceAccount
        CreateWorkspaceServiceAccountToken DeleteWorkspace DeleteWorkspaceApiKey
        DeleteWorkspaceServiceAccount DeleteWorkspaceServiceAccountToken
        DescribeWorkspace DescribeWorkspaceAuthentication
        DescribeWorkspaceConfiguration ListPermissions ListTagsForResource
        ListWorkspaceServiceAccountTokens ListWorkspaceServiceAccounts ListWorkspaces
        TagResource UntagResource UpdatePermissions UpdateWorkspace
        UpdateWorkspaceAuthentication UpdateWorkspaceConfiguration
    """,
    # The ssm_parameter data source (public /aws/service/... parameters such
    # as the latest Amazon Linux AMI, or the account's own).
    "ssm": "GetParameter",
}

# Services whose model lists several protocols (CloudWatch now prefers
# smithy-rpc-v2-cbor): the one berth speaks.
PROTOCOL = {"cloudwatch": "query"}
# Services with one endpoint for every region (signed in us-east-1). STS's
# model names a global endpoint too, but the SDKs now default to regional STS
# endpoints (which also work with VPC endpoints and opt-in regions).
GLOBAL = {"iam"}
PROTO_ENUM = {"ec2": "AWS_PROTO_EC2", "query": "AWS_PROTO_QUERY",
              "json": "AWS_PROTO_JSON", "rest-json": "AWS_PROTO_REST_JSON",
              "rest-xml": "AWS_PROTO_REST_XML"}
TYPE_ENUM = {t: "AWS_T_" + t.upper() for t in (
    "structure", "list", "map", "string", "integer", "long", "double", "float",
    "boolean", "timestamp", "blob")}
LOC_ENUM = {None: "AWS_LOC_BODY", "uri": "AWS_LOC_URI",
            "querystring": "AWS_LOC_QUERYSTRING", "header": "AWS_LOC_HEADER",
            "headers": "AWS_LOC_HEADERS", "statusCode": "AWS_LOC_STATUS"}


def c_str(s):
    if s is None:
        return "NULL"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def ident(svc, name):
    return (svc + "_" + name).replace("-", "_").replace(".", "_")


class Gen:
    def __init__(self):
        self.out = []       # definitions
        self.decls = []     # forward declarations
        self.skipped = []   # operations this botocore lacks

    def service(self, loader, svc, ops):
        model = loader.load_service_model(svc, "service-2")
        md = model["metadata"]
        shapes = model["shapes"]
        protocol = PROTOCOL.get(svc, md["protocol"])
        missing = [o for o in ops if o not in model["operations"]]
        if missing:
            # Older botocores (Debian's 1.29) lack a few newer operations:
            # generate without them and say so rather than fail.
            print("%s: this botocore has no %s; skipped" % (svc, ", ".join(missing)),
                  file=sys.stderr)
            self.skipped += ["%s %s" % (svc, o) for o in missing]
            ops = [o for o in ops if o not in missing]
        # Reachable shapes, in a stable order.
        seen, order = set(), []

        def visit(name):
            if name in seen:
                return
            seen.add(name)
            sh = shapes[name]
            for m in sh.get("members", {}).values():
                visit(m["shape"])
            for part in ("member", "key", "value"):
                if part in sh:
                    visit(sh[part]["shape"])
            order.append(name)

        for o in sorted(ops):
            op = model["operations"][o]
            for io in ("input", "output"):
                if io in op:
                    visit(op[io]["shape"])
        for name in order:
            self.decls.append("static const struct aws_shape S_%s;" % ident(svc, name))
        for name in order:
            self.shape(svc, name, shapes[name])
        opnames = []
        for o in sorted(ops):
            op = model["operations"][o]
            http = op.get("http", {})
            out = op.get("output", {})
            self.out.append(
                "static const struct aws_op O_%s = { %s, %s, %s, %d, %s, %s, %s, %s };" % (
                    ident(svc, o), c_str(o), c_str(http.get("method", "POST")),
                    c_str(http.get("requestUri", "/")), http.get("responseCode", 200),
                    "&S_%s" % ident(svc, op["input"]["shape"]) if "input" in op else "NULL",
                    "&S_%s" % ident(svc, out["shape"]) if out else "NULL",
                    c_str(out.get("resultWrapper")),
                    c_str(op.get("endpoint", {}).get("hostPrefix"))))
            opnames.append("&O_%s" % ident(svc, o))
        self.out.append("static const struct aws_op *const OPS_%s[] = {\n\t%s,\n};" % (
            ident(svc, ""), ",\n\t".join(opnames)))
        # Paginators of the curated operations.
        pag = loader.load_service_model(svc, "paginators-1").get("pagination", {})
        prows = []
        for o in sorted(ops):
            if o not in pag:
                continue
            p = pag[o]

            def lst(v):
                if v is None:
                    return []
                return v if isinstance(v, list) else [v]
            it, ot, rk = lst(p.get("input_token")), lst(p.get("output_token")), lst(p.get("result_key"))
            base = ident(svc, o)
            for nm, vals in (("PI", it), ("PO", ot), ("PR", rk)):
                self.out.append("static const char *const %s_%s[] = { %s };" % (
                    nm, base, ", ".join(c_str(v) for v in vals) or "NULL"))
            prows.append("{ %s, PI_%s, %d, PO_%s, %d, PR_%s, %d, %s, %s }" % (
                c_str(o), base, len(it), base, len(ot), base, len(rk),
                c_str(p.get("limit_key")), c_str(p.get("more_results"))))
        if prows:
            self.out.append("static const struct aws_paginator PAG_%s[] = {\n\t%s,\n};" % (
                ident(svc, ""), ",\n\t".join(prows)))
        sdk_id = md["serviceId"]
        env = sdk_id.upper().replace(" ", "_").replace("-", "_")
        return ("\t{ .name = %s, .sdk_id = %s, .env_suffix = %s, .signing_name = %s,\n"
                "\t  .endpoint_prefix = %s, .protocol = %s, .api_version = %s,\n"
                "\t  .json_version = %s, .target_prefix = %s, .global = %s,\n"
                "\t  .ops = OPS_%s, .nops = %d, .paginators = %s, .npaginators = %d },") % (
            c_str(svc), c_str(sdk_id), c_str(env),
            c_str(md.get("signingName", md["endpointPrefix"])), c_str(md["endpointPrefix"]),
            PROTO_ENUM[protocol], c_str(md["apiVersion"]),
            c_str(md.get("jsonVersion", "1.0")) if protocol == "json" else "NULL",
            c_str(md.get("targetPrefix")) if protocol == "json" else "NULL",
            "true" if svc in GLOBAL else "false",
            ident(svc, ""), len(ops), ("PAG_" + ident(svc, "")) if prows else "NULL", len(prows))

    def member(self, svc, name, ref, required=False, shape_flattened=False, payload=False):
        flags = []
        if payload:
            flags.append("AWS_M_PAYLOAD")
        if required:
            flags.append("AWS_M_REQUIRED")
        if ref.get("idempotencyToken"):
            flags.append("AWS_M_IDEMPOTENCY")
        if ref.get("jsonvalue"):
            flags.append("AWS_M_JSONVALUE")
        if ref.get("flattened"):
            flags.append("AWS_M_FLATTENED")
        if ref.get("xmlAttribute"):
            flags.append("AWS_M_XMLATTR")
        if ref.get("hostLabel"):
            flags.append("AWS_M_HOSTLABEL")
        return "{ %s, %s, %s, &S_%s, %s, %s, %s, %s }" % (
            c_str(name), c_str(ref.get("locationName")), c_str(ref.get("queryName")),
            ident(svc, ref["shape"]), LOC_ENUM[ref.get("location")],
            "|".join(flags) or "0", c_str(ref.get("timestampFormat")),
            c_str(ref.get("xmlNamespace", {}).get("uri") if isinstance(ref.get("xmlNamespace"), dict) else None))

    def shape(self, svc, name, sh):
        cid = ident(svc, name)
        t = sh["type"]
        members = []
        if t == "structure":
            req = set(sh.get("required", []))
            for mn, ref in sh.get("members", {}).items():
                members.append(self.member(svc, mn, ref, mn in req,
                                           payload=sh.get("payload") == mn))
        elif t == "list":
            members.append(self.member(svc, "member", sh["member"]))
        elif t == "map":
            members.append(self.member(svc, "key", sh["key"]))
            members.append(self.member(svc, "value", sh["value"]))
        if members:
            self.out.append("static const struct aws_member M_%s[] = {\n\t%s,\n};" % (
                cid, ",\n\t".join(members)))
        flags = []
        if sh.get("flattened"):
            flags.append("AWS_S_FLATTENED")
        if sh.get("union"):
            flags.append("AWS_S_UNION")
        if sh.get("document"):
            flags.append("AWS_S_DOCUMENT")
        if sh.get("sensitive"):
            flags.append("AWS_S_SENSITIVE")
        enums = sh.get("enum", [])
        if enums:
            self.out.append("static const char *const E_%s[] = { %s };" % (
                cid, ", ".join(c_str(e) for e in enums)))
        self.out.append(
            "static const struct aws_shape S_%s = { %s, %s, %s, %s, %s, %s, %d, %s, %d };" % (
                cid, c_str(name), TYPE_ENUM[t], "|".join(flags) or "0",
                c_str(sh.get("timestampFormat")),
                c_str(sh.get("locationName")),
                ("M_" + cid) if members else "NULL", len(members),
                ("E_" + cid) if enums else "NULL", len(enums)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default="src/aws/models_gen.c")
    args = ap.parse_args()
    import botocore
    loader = Loader()
    g = Gen()
    rows = []
    for svc in sorted(OPERATIONS):
        rows.append(g.service(loader, svc, OPERATIONS[svc].split()))
    with open(args.output, "w") as f:
        f.write("/* GENERATED by tools/gen_aws_models.py from botocore %s's models: do not\n"
                " * edit; change the operation list in the generator and rerun it.\n"
                " * Shapes of the curated operations, the service table and paginators. */\n"
                % botocore.__version__)
        if g.skipped:
            f.write("/* Skipped (not in this botocore): %s */\n" % ", ".join(g.skipped))
        f.write('#include "util/common.h"\n#include "aws/model.h"\n#include "aws/paginator.h"\n\n')
        f.write("\n".join(g.decls) + "\n\n")
        f.write("\n".join(g.out) + "\n\n")
        f.write("/* Sorted by name for aws_service_find's binary search. */\n")
        f.write("const struct aws_service aws_services[] = {\n%s\n};\n" % "\n".join(rows))
        # Counted by the compiler, not written: two branches that each add a
        # service then merge into a table whose count cannot be wrong.
        f.write("const size_t aws_nservices = ARRAY_SIZE(aws_services);\n")


if __name__ == "__main__":
    main()
