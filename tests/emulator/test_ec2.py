"""EC2 networking and instances against the emulator, with botocore clients
and botocore's own waiters."""

import base64
import json
import os
import subprocess
import time
import unittest

os.environ.setdefault('BERTH_EMU_DELAY', '0.3')

from emutest import EmulatorTestCase  # noqa: E402

STACK = [{'Key': 'berth:stack', 'Value': 'demo'}]


def spec(kind, tags=STACK):
    return [{'ResourceType': kind, 'Tags': tags}]


def fast(waiter_name, client):
    waiter = client.get_waiter(waiter_name)
    waiter.config.delay = 0.2
    waiter.config.max_attempts = 50
    return waiter


class Ec2Test(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.ec2 = self.client('ec2')

    def vpc(self, cidr='10.0.0.0/24'):
        return self.ec2.create_vpc(CidrBlock=cidr, TagSpecifications=spec('vpc'))['Vpc']['VpcId']

    def test_vpc_lifecycle_defaults_and_attributes(self):
        ec2 = self.ec2
        created = ec2.create_vpc(CidrBlock='10.0.0.0/24', TagSpecifications=spec('vpc'))['Vpc']
        vpc_id = created['VpcId']
        self.assertRegex(vpc_id, r'^vpc-[0-9a-f]{17}$')
        self.assertEqual(created['State'], 'pending')
        fast('vpc_available', ec2).wait(VpcIds=[vpc_id])
        ec2.create_vpc(CidrBlock='10.1.0.0/16')  # untagged: filtered out below
        found = ec2.describe_vpcs(Filters=[{'Name': 'tag:berth:stack', 'Values': ['demo']}])
        self.assertEqual([v['VpcId'] for v in found['Vpcs']], [vpc_id])
        self.assertEqual(found['Vpcs'][0]['Tags'], STACK)
        self.assertEqual(found['Vpcs'][0]['State'], 'available')
        self.assertFalse(found['Vpcs'][0]['IsDefault'])
        # What AWS creates with a VPC.
        groups = ec2.describe_security_groups(
            Filters=[{'Name': 'vpc-id', 'Values': [vpc_id]}])['SecurityGroups']
        self.assertEqual([g['GroupName'] for g in groups], ['default'])
        default = groups[0]
        self.assertEqual(default['IpPermissions'][0]['UserIdGroupPairs'][0]['GroupId'],
                         default['GroupId'])
        self.assertEqual(default['IpPermissionsEgress'][0]['IpRanges'], [{'CidrIp': '0.0.0.0/0'}])
        tables = ec2.describe_route_tables(Filters=[{'Name': 'vpc-id', 'Values': [vpc_id]},
                                                    {'Name': 'association.main',
                                                     'Values': ['true']}])['RouteTables']
        self.assertEqual(len(tables), 1)
        self.assertEqual(tables[0]['Routes'], [{'DestinationCidrBlock': '10.0.0.0/24',
                                                'GatewayId': 'local', 'Origin': 'CreateRouteTable',
                                                'State': 'active'}])
        acls = ec2.describe_network_acls(Filters=[{'Name': 'vpc-id', 'Values': [vpc_id]}])
        self.assertTrue(acls['NetworkAcls'][0]['IsDefault'])
        # DNS attributes.
        self.assertTrue(ec2.describe_vpc_attribute(
            VpcId=vpc_id, Attribute='enableDnsSupport')['EnableDnsSupport']['Value'])
        self.assertFalse(ec2.describe_vpc_attribute(
            VpcId=vpc_id, Attribute='enableDnsHostnames')['EnableDnsHostnames']['Value'])
        ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={'Value': True})
        self.assertTrue(ec2.describe_vpc_attribute(
            VpcId=vpc_id, Attribute='enableDnsHostnames')['EnableDnsHostnames']['Value'])
        self.assertAwsError('InvalidParameterCombination', ec2.modify_vpc_attribute,
                            VpcId=vpc_id, EnableDnsHostnames={'Value': True},
                            EnableDnsSupport={'Value': True})
        # Errors.
        self.assertAwsError('InvalidVpc.Range', ec2.create_vpc, CidrBlock='10.0.0.0/8')
        self.assertAwsError('InvalidParameterValue', ec2.create_vpc, CidrBlock='10.0.0.1/24')
        self.assertAwsError('DryRunOperation', ec2.create_vpc, CidrBlock='10.0.0.0/24',
                            DryRun=True)
        self.assertAwsError('InvalidParameterValue', ec2.describe_vpcs,
                            Filters=[{'Name': 'no-such-filter', 'Values': ['x']}])
        self.assertAwsError('InvalidVpcID.NotFound', ec2.describe_vpcs,
                            VpcIds=['vpc-0123456789abcdef0'])
        # The default group cannot go on its own; the VPC takes it along.
        self.assertAwsError('CannotDelete', ec2.delete_security_group, GroupId=default['GroupId'])
        ec2.delete_vpc(VpcId=vpc_id)
        self.assertAwsError('InvalidVpcID.NotFound', ec2.delete_vpc, VpcId=vpc_id)
        self.assertEqual(ec2.describe_security_groups(
            Filters=[{'Name': 'vpc-id', 'Values': [vpc_id]}])['SecurityGroups'], [])
        self.assertEqual(self.emu.resources(stack='demo'), [])

    def test_subnets_ranges_zones_and_attributes(self):
        ec2 = self.ec2
        zones = ec2.describe_availability_zones()['AvailabilityZones']
        self.assertEqual([z['ZoneName'] for z in zones],
                         ['us-west-2a', 'us-west-2b', 'us-west-2c', 'us-west-2d'])
        vpc_id = self.vpc()
        subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock='10.0.0.0/27',
                                   AvailabilityZone='us-west-2a',
                                   TagSpecifications=spec('subnet'))['Subnet']
        self.assertEqual(subnet['AvailableIpAddressCount'], 27)
        self.assertEqual(subnet['AvailabilityZoneId'], 'usw2-az2')
        self.assertFalse(subnet['MapPublicIpOnLaunch'])
        self.assertAwsError('InvalidSubnet.Conflict', ec2.create_subnet, VpcId=vpc_id,
                            CidrBlock='10.0.0.16/28', AvailabilityZone='us-west-2b')
        self.assertAwsError('InvalidSubnet.Range', ec2.create_subnet, VpcId=vpc_id,
                            CidrBlock='10.0.1.0/27', AvailabilityZone='us-west-2b')
        self.assertAwsError('InvalidSubnet.Range', ec2.create_subnet, VpcId=vpc_id,
                            CidrBlock='10.0.0.0/29', AvailabilityZone='us-west-2b')
        error = self.assertAwsError('InvalidParameterValue', ec2.create_subnet, VpcId=vpc_id,
                                    CidrBlock='10.0.0.32/27', AvailabilityZone='us-west-2z')
        self.assertIn('us-west-2a, us-west-2b, us-west-2c, us-west-2d', error['Error']['Message'])
        self.assertAwsError('InvalidVpcID.NotFound', ec2.create_subnet,
                            VpcId='vpc-0123456789abcdef0', CidrBlock='10.0.0.32/27')
        ec2.modify_subnet_attribute(SubnetId=subnet['SubnetId'],
                                    MapPublicIpOnLaunch={'Value': True})
        found = ec2.describe_subnets(Filters=[{'Name': 'map-public-ip-on-launch',
                                               'Values': ['true']}])['Subnets']
        self.assertEqual([s['SubnetId'] for s in found], [subnet['SubnetId']])
        self.assertAwsError('DependencyViolation', ec2.delete_vpc, VpcId=vpc_id)
        ec2.delete_subnet(SubnetId=subnet['SubnetId'])
        self.assertAwsError('InvalidSubnetID.NotFound', ec2.delete_subnet,
                            SubnetId=subnet['SubnetId'])
        ec2.delete_vpc(VpcId=vpc_id)

    def test_pagination_and_tags(self):
        ec2 = self.ec2
        vpc_id = self.vpc('10.0.0.0/16')
        ids = [ec2.create_subnet(VpcId=vpc_id, CidrBlock=f'10.0.{i}.0/24')['Subnet']['SubnetId']
               for i in range(7)]
        first = ec2.describe_subnets(MaxResults=5)
        self.assertEqual(len(first['Subnets']), 5)
        self.assertIn('NextToken', first)
        pages = list(ec2.get_paginator('describe_subnets').paginate(
            PaginationConfig={'PageSize': 5}))
        self.assertEqual(sorted(s['SubnetId'] for p in pages for s in p['Subnets']), sorted(ids))
        self.assertEqual(len(pages), 2)
        self.assertEqual(len(ec2.describe_subnets()['Subnets']), 7)  # no MaxResults: one page
        self.assertAwsError('InvalidPaginationToken', ec2.describe_subnets, MaxResults=5,
                            NextToken='bogus')
        # Tags on any resource, shared with the tagging API.
        ec2.create_tags(Resources=ids[:2], Tags=[{'Key': 'tier', 'Value': 'public'}] + STACK)
        tagged = ec2.describe_subnets(Filters=[{'Name': 'tag:tier', 'Values': ['pub*']}])
        self.assertEqual(sorted(s['SubnetId'] for s in tagged['Subnets']), sorted(ids[:2]))
        self.assertEqual(len(ec2.describe_subnets(
            Filters=[{'Name': 'tag-key', 'Values': ['tier']}])['Subnets']), 2)
        tags = ec2.describe_tags(Filters=[{'Name': 'resource-id', 'Values': [ids[0]]}])['Tags']
        self.assertEqual(tags, [{'Key': 'berth:stack', 'ResourceId': ids[0],
                                 'ResourceType': 'subnet', 'Value': 'demo'},
                                {'Key': 'tier', 'ResourceId': ids[0], 'ResourceType': 'subnet',
                                 'Value': 'public'}])
        ec2.delete_tags(Resources=[ids[0]], Tags=[{'Key': 'tier', 'Value': 'other'}])
        self.assertEqual(len(ec2.describe_tags(
            Filters=[{'Name': 'key', 'Values': ['tier']}])['Tags']), 2)  # value did not match
        ec2.delete_tags(Resources=[ids[0]], Tags=[{'Key': 'tier'}])
        self.assertEqual(len(ec2.describe_tags(
            Filters=[{'Name': 'key', 'Values': ['tier']}])['Tags']), 1)
        self.assertAwsError('InvalidSubnetID.NotFound', ec2.create_tags,
                            Resources=['subnet-0123456789abcdef0'], Tags=STACK)
        self.assertAwsError('InvalidParameterValue', ec2.create_tags, Resources=[ids[0]],
                            Tags=[{'Key': 'aws:reserved', 'Value': 'x'}])
        self.assertAwsError('TagLimitExceeded', ec2.create_tags, Resources=[ids[0]],
                            Tags=[{'Key': f'k{i}', 'Value': 'v'} for i in range(50)])
        tagging = self.client('resourcegroupstaggingapi')
        mapped = tagging.get_resources(TagFilters=[{'Key': 'berth:stack', 'Values': ['demo']}],
                                       ResourceTypeFilters=['ec2:subnet'])
        self.assertEqual(len(mapped['ResourceTagMappingList']), 2)
        self.assertEqual({r['id'] for r in self.emu.resources(stack='demo')},
                         {vpc_id, ids[0], ids[1]})

    def test_internet_gateway_nat_gateway_and_routes(self):
        ec2 = self.ec2
        vpc_id = self.vpc()
        subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock='10.0.0.0/27',
                                      AvailabilityZone='us-west-2a')['Subnet']['SubnetId']
        eip = ec2.allocate_address(Domain='vpc', TagSpecifications=spec('elastic-ip'))
        self.assertRegex(eip['AllocationId'], r'^eipalloc-[0-9a-f]{17}$')
        # Without an internet gateway a public NAT gateway fails, as in AWS.
        failed = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=eip['AllocationId'])
        failed_id = failed['NatGateway']['NatGatewayId']
        self.assertEqual(failed['NatGateway']['State'], 'pending')
        time.sleep(0.5)
        gateway = ec2.describe_nat_gateways(NatGatewayIds=[failed_id])['NatGateways'][0]
        self.assertEqual((gateway['State'], gateway['FailureCode']), ('failed', 'Gateway.NotAttached'))
        igw_id = ec2.create_internet_gateway(
            TagSpecifications=spec('internet-gateway'))['InternetGateway']['InternetGatewayId']
        ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
        self.assertAwsError('Resource.AlreadyAssociated', ec2.attach_internet_gateway,
                            InternetGatewayId=igw_id, VpcId=vpc_id)
        attached = ec2.describe_internet_gateways(
            Filters=[{'Name': 'attachment.vpc-id', 'Values': [vpc_id]}])['InternetGateways']
        self.assertEqual(attached[0]['Attachments'], [{'State': 'attached', 'VpcId': vpc_id}])
        nat_id = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=eip['AllocationId'],
                                        TagSpecifications=spec('natgateway')
                                        )['NatGateway']['NatGatewayId']
        fast('nat_gateway_available', ec2).wait(NatGatewayIds=[nat_id])
        nat = ec2.describe_nat_gateways(NatGatewayIds=[nat_id])['NatGateways'][0]
        address = nat['NatGatewayAddresses'][0]
        self.assertEqual(address['PublicIp'], eip['PublicIp'])
        eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[address['NetworkInterfaceId']])
        self.assertEqual(eni['NetworkInterfaces'][0]['InterfaceType'], 'natGateway')
        self.assertEqual(ec2.describe_addresses(AllocationIds=[eip['AllocationId']])['Addresses'][0]
                         ['NetworkInterfaceId'], address['NetworkInterfaceId'])
        self.assertAwsError('InvalidIPAddress.InUse', ec2.release_address,
                            AllocationId=eip['AllocationId'])
        # Routes.
        public = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=spec('route-table'))
        public_id = public['RouteTable']['RouteTableId']
        ec2.create_route(RouteTableId=public_id, DestinationCidrBlock='0.0.0.0/0',
                         GatewayId=igw_id)
        self.assertAwsError('RouteAlreadyExists', ec2.create_route, RouteTableId=public_id,
                            DestinationCidrBlock='0.0.0.0/0', GatewayId=igw_id)
        self.assertAwsError('InvalidGatewayID.NotFound', ec2.create_route, RouteTableId=public_id,
                            DestinationCidrBlock='1.0.0.0/8', GatewayId='igw-0123456789abcdef0')
        ec2.replace_route(RouteTableId=public_id, DestinationCidrBlock='0.0.0.0/0',
                          NatGatewayId=nat_id)
        self.assertAwsError('InvalidParameterValue', ec2.replace_route, RouteTableId=public_id,
                            DestinationCidrBlock='1.0.0.0/8', NatGatewayId=nat_id)
        association = ec2.associate_route_table(RouteTableId=public_id, SubnetId=subnet_id)
        self.assertEqual(association['AssociationState'], {'State': 'associated'})
        self.assertAwsError('Resource.AlreadyAssociated', ec2.associate_route_table,
                            RouteTableId=public_id, SubnetId=subnet_id)
        self.assertAwsError('DependencyViolation', ec2.delete_route_table, RouteTableId=public_id)
        self.assertAwsError('InvalidParameterValue', ec2.delete_route, RouteTableId=public_id,
                            DestinationCidrBlock='10.0.0.0/24')
        # Teardown in the wrong order fails as AWS does.
        self.assertAwsError('DependencyViolation', ec2.delete_internet_gateway,
                            InternetGatewayId=igw_id)
        self.assertAwsError('DependencyViolation', ec2.detach_internet_gateway,
                            InternetGatewayId=igw_id, VpcId=vpc_id)
        self.assertAwsError('DependencyViolation', ec2.delete_subnet, SubnetId=subnet_id)
        ec2.delete_nat_gateway(NatGatewayId=nat_id)
        self.assertEqual(ec2.describe_nat_gateways(NatGatewayIds=[nat_id])['NatGateways'][0]
                         ['State'], 'deleting')
        fast('nat_gateway_deleted', ec2).wait(NatGatewayIds=[nat_id])
        listed = ec2.describe_nat_gateways(
            Filter=[{'Name': 'tag:berth:stack', 'Values': ['demo']}])['NatGateways']
        self.assertEqual([(n['NatGatewayId'], n['State']) for n in listed], [(nat_id, 'deleted')])
        self.assertAwsError('NatGatewayNotFound', ec2.delete_nat_gateway, NatGatewayId=nat_id)
        routes = ec2.describe_route_tables(RouteTableIds=[public_id])['RouteTables'][0]['Routes']
        self.assertEqual(routes[1]['State'], 'blackhole')
        ec2.delete_route(RouteTableId=public_id, DestinationCidrBlock='0.0.0.0/0')
        self.assertAwsError('InvalidRoute.NotFound', ec2.delete_route, RouteTableId=public_id,
                            DestinationCidrBlock='0.0.0.0/0')
        ec2.disassociate_route_table(AssociationId=association['AssociationId'])
        ec2.delete_route_table(RouteTableId=public_id)
        ec2.release_address(AllocationId=eip['AllocationId'])
        self.assertAwsError('InvalidAllocationID.NotFound', ec2.release_address,
                            AllocationId=eip['AllocationId'])
        ec2.detach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
        self.assertAwsError('Gateway.NotAttached', ec2.detach_internet_gateway,
                            InternetGatewayId=igw_id, VpcId=vpc_id)
        ec2.delete_internet_gateway(InternetGatewayId=igw_id)
        ec2.delete_subnet(SubnetId=subnet_id)
        ec2.delete_vpc(VpcId=vpc_id)
        # Only the deleted NAT gateway's record remains, and it is not live.
        self.assertEqual(self.emu.resources(stack='demo'), [])
        record = [r for r in self.emu.resources() if r['id'] == nat_id][0]
        self.assertEqual(record['info'], {'_deleted': True})

    def test_security_groups_and_rules(self):
        ec2 = self.ec2
        vpc_id = self.vpc()
        alb = ec2.create_security_group(GroupName='alb', Description='ALB', VpcId=vpc_id,
                                        TagSpecifications=spec('security-group'))
        self.assertEqual(alb['Tags'], STACK)
        svc = ec2.create_security_group(GroupName='svc', Description='service', VpcId=vpc_id)
        self.assertAwsError('InvalidGroup.Duplicate', ec2.create_security_group,
                            GroupName='alb', Description='again', VpcId=vpc_id)
        self.assertAwsError('InvalidGroup.Reserved', ec2.create_security_group,
                            GroupName='default', Description='x', VpcId=vpc_id)
        self.assertAwsError('VPCIdNotSpecified', ec2.create_security_group,
                            GroupName='novpc', Description='x')
        ec2.authorize_security_group_ingress(GroupId=alb['GroupId'], IpPermissions=[
            {'IpProtocol': 'tcp', 'FromPort': 80, 'ToPort': 80,
             'IpRanges': [{'CidrIp': '0.0.0.0/0', 'Description': 'web'}]}])
        added = ec2.authorize_security_group_ingress(GroupId=svc['GroupId'], IpPermissions=[
            {'IpProtocol': '6', 'FromPort': 3000, 'ToPort': 3000,
             'UserIdGroupPairs': [{'GroupId': alb['GroupId']}, {'GroupId': svc['GroupId']}]}])
        self.assertEqual(len(added['SecurityGroupRules']), 2)
        self.assertEqual(added['SecurityGroupRules'][0]['IpProtocol'], 'tcp')
        self.assertAwsError('InvalidPermission.Duplicate', ec2.authorize_security_group_ingress,
                            GroupId=alb['GroupId'], IpPermissions=[
                                {'IpProtocol': 'tcp', 'FromPort': 80, 'ToPort': 80,
                                 'IpRanges': [{'CidrIp': '0.0.0.0/0'}]}])
        self.assertAwsError('InvalidGroup.NotFound', ec2.authorize_security_group_ingress,
                            GroupId=alb['GroupId'], IpPermissions=[
                                {'IpProtocol': 'tcp', 'FromPort': 1, 'ToPort': 1,
                                 'UserIdGroupPairs': [{'GroupId': 'sg-0123456789abcdef0'}]}])
        group = ec2.describe_security_groups(GroupIds=[svc['GroupId']])['SecurityGroups'][0]
        self.assertEqual(group['IpPermissions'], [{
            'IpProtocol': 'tcp', 'FromPort': 3000, 'ToPort': 3000, 'IpRanges': [],
            'Ipv6Ranges': [], 'PrefixListIds': [],
            'UserIdGroupPairs': [{'GroupId': alb['GroupId'], 'UserId': '123456789012'},
                                 {'GroupId': svc['GroupId'], 'UserId': '123456789012'}]}])
        self.assertEqual(group['IpPermissionsEgress'][0]['IpProtocol'], '-1')
        rules = ec2.describe_security_group_rules(
            Filters=[{'Name': 'group-id', 'Values': [svc['GroupId']]}])['SecurityGroupRules']
        self.assertEqual(sorted(r['IsEgress'] for r in rules), [False, False, True])
        pages = list(ec2.get_paginator('describe_security_group_rules').paginate(
            PaginationConfig={'PageSize': 5}))
        self.assertEqual(sum(len(p['SecurityGroupRules']) for p in pages), 7)
        # Referenced by another group's rule: cannot go.
        self.assertAwsError('DependencyViolation', ec2.delete_security_group,
                            GroupId=alb['GroupId'])
        ec2.revoke_security_group_ingress(GroupId=svc['GroupId'], IpPermissions=[
            {'IpProtocol': 'tcp', 'FromPort': 3000, 'ToPort': 3000,
             'UserIdGroupPairs': [{'GroupId': alb['GroupId']}]}])
        self.assertAwsError('InvalidPermission.NotFound', ec2.revoke_security_group_ingress,
                            GroupId=svc['GroupId'], IpPermissions=[
                                {'IpProtocol': 'tcp', 'FromPort': 3000, 'ToPort': 3000,
                                 'UserIdGroupPairs': [{'GroupId': alb['GroupId']}]}])
        egress = [r for r in ec2.describe_security_group_rules(
            Filters=[{'Name': 'group-id', 'Values': [alb['GroupId']]}])['SecurityGroupRules']
            if r['IsEgress']]
        ec2.revoke_security_group_egress(GroupId=alb['GroupId'],
                                         SecurityGroupRuleIds=[egress[0]['SecurityGroupRuleId']])
        self.assertEqual(ec2.describe_security_groups(GroupIds=[alb['GroupId']])
                         ['SecurityGroups'][0]['IpPermissionsEgress'], [])
        ec2.delete_security_group(GroupId=alb['GroupId'])
        # A self-reference does not block deletion.
        ec2.delete_security_group(GroupId=svc['GroupId'])
        self.assertAwsError('InvalidGroup.NotFound', ec2.delete_security_group,
                            GroupId=svc['GroupId'])

    def test_instances_state_machine_and_user_data(self):
        ec2 = self.ec2
        iam = self.client('iam')
        iam.create_instance_profile(InstanceProfileName='loadtest')
        vpc_id = self.vpc()
        subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock='10.0.0.0/27')['Subnet']['SubnetId']
        group_id = ec2.create_security_group(GroupName='lt', Description='lt',
                                             VpcId=vpc_id)['GroupId']
        self.assertAwsError('VPCIdNotSpecified', ec2.run_instances, ImageId='ami-0123456789abcdef0',
                            MinCount=1, MaxCount=1)
        self.assertAwsError('InvalidParameterValue', ec2.run_instances,
                            ImageId='ami-0123456789abcdef0', MinCount=1, MaxCount=1,
                            SubnetId=subnet_id, IamInstanceProfile={'Name': 'missing'})
        script = '#!/bin/bash\nyum install -y siege\n'
        reservation = ec2.run_instances(
            ImageId='ami-0123456789abcdef0', InstanceType='t3.medium', MinCount=1, MaxCount=1,
            SubnetId=subnet_id, SecurityGroupIds=[group_id], UserData=script,
            IamInstanceProfile={'Name': 'loadtest'},
            TagSpecifications=spec('instance') + spec('network-interface'))
        instance = reservation['Instances'][0]
        instance_id = instance['InstanceId']
        self.assertEqual(instance['State'], {'Code': 0, 'Name': 'pending'})
        self.assertTrue(instance['PrivateIpAddress'].startswith('10.0.0.'))
        fast('instance_running', ec2).wait(InstanceIds=[instance_id])
        user_data = ec2.describe_instance_attribute(InstanceId=instance_id,
                                                    Attribute='userData')['UserData']['Value']
        self.assertEqual(base64.b64decode(user_data).decode(), script)
        found = ec2.describe_instances(Filters=[{'Name': 'tag:berth:stack', 'Values': ['demo']},
                                                {'Name': 'instance-state-name',
                                                 'Values': ['running']}])
        self.assertEqual(found['Reservations'][0]['Instances'][0]['IamInstanceProfile']['Arn'],
                         'arn:aws:iam::123456789012:instance-profile/loadtest')
        enis = ec2.describe_network_interfaces(
            Filters=[{'Name': 'attachment.instance-id', 'Values': [instance_id]}])
        self.assertEqual(enis['NetworkInterfaces'][0]['TagSet'], STACK)
        self.assertAwsError('DependencyViolation', ec2.delete_security_group, GroupId=group_id)
        self.assertAwsError('DependencyViolation', ec2.delete_subnet, SubnetId=subnet_id)
        stopping = ec2.stop_instances(InstanceIds=[instance_id])['StoppingInstances'][0]
        self.assertEqual(stopping['CurrentState'], {'Code': 64, 'Name': 'stopping'})
        fast('instance_stopped', ec2).wait(InstanceIds=[instance_id])
        ec2.start_instances(InstanceIds=[instance_id])
        fast('instance_running', ec2).wait(InstanceIds=[instance_id])
        terminating = ec2.terminate_instances(InstanceIds=[instance_id])['TerminatingInstances']
        self.assertEqual(terminating[0]['CurrentState']['Name'], 'shutting-down')
        fast('instance_terminated', ec2).wait(InstanceIds=[instance_id])
        self.assertAwsError('IncorrectInstanceState', ec2.start_instances,
                            InstanceIds=[instance_id])
        self.assertEqual(ec2.describe_network_interfaces(
            Filters=[{'Name': 'subnet-id', 'Values': [subnet_id]}])['NetworkInterfaces'], [])
        ec2.delete_security_group(GroupId=group_id)
        ec2.delete_subnet(SubnetId=subnet_id)
        # Terminated instances stay visible for a while; not live any more.
        self.assertEqual(len(ec2.describe_instances(InstanceIds=[instance_id])['Reservations']), 1)
        self.assertAwsError('InvalidInstanceID.NotFound', ec2.describe_instances,
                            InstanceIds=['i-0123456789abcdef0'])

    def test_aws_cli(self):
        vpc_id = self.vpc()
        result = subprocess.run(
            ['aws', 'ec2', 'describe-vpcs', '--filters', 'Name=tag:berth:stack,Values=demo',
             '--output', 'json'], env=self.emu.env(), capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual([v['VpcId'] for v in json.loads(result.stdout)['Vpcs']], [vpc_id])


if __name__ == '__main__':
    unittest.main()
