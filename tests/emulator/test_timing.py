"""`start --aws-timing SCALE` (awsemu/timing.py): AWS's behaviour in time,
every duration times SCALE. Here SCALE 0.05, so the table's seconds are
twentieths: reads lag creations and listings show deletions, a new execution
role cannot be assumed at once, a Fargate task's ENI outlives the task, an
Elastic IP cannot be released while its NAT gateway is deleting, an image
on .invalid is never pulled; each draw is the seed's."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore.exceptions import ClientError  # noqa: E402

from awsemu import timing  # noqa: E402
from emutest import EmulatorTestCase  # noqa: E402

SCALE = 0.05


def code(err):
    return err.exception.response['Error']['Code']


def wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except (ClientError, IndexError):
            pass  # not readable yet: AWS's eventual consistency
        time.sleep(0.1)
    return False


class TimingTable(unittest.TestCase):
    def test_draws_follow_the_seed_and_the_key(self):
        try:
            timing.configure(0.5, seed=7)
            a = timing.seconds('NAT', 'nat-1')
            self.assertEqual(a, timing.seconds('NAT', 'nat-1'))
            self.assertNotEqual(a, timing.seconds('NAT', 'nat-2'))
            low, high = timing.TABLE['NAT']
            self.assertTrue(low * 0.5 <= a <= high * 0.5)
            timing.configure(0.5, seed=8)
            self.assertNotEqual(a, timing.seconds('NAT', 'nat-1'))
            with self.assertRaises(ValueError):
                timing.configure(0)
        finally:
            timing.configure(None)
        self.assertIsNone(timing.seconds('NAT', 'nat-1'))


class AwsTiming(EmulatorTestCase):
    emulator_options = {'aws_timing': SCALE, 'seed': 3, 'page_size': 100}

    @staticmethod
    def retried(call, **params):
        """call(**params), again while EC2 does not know a new id yet (its
        eventual consistency covers writes naming one: the EC2 API
        reference advises retrying)."""
        deadline = time.monotonic() + timing.TABLE['VISIBLE'][1] * SCALE + 1
        while True:
            try:
                return call(**params)
            except ClientError as err:
                if not err.response['Error']['Code'].endswith('.NotFound') or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def vpc(self, ec2, cidr='10.9.0.0/24'):
        vpc = ec2.create_vpc(CidrBlock=cidr)['Vpc']['VpcId']
        subnet = self.retried(ec2.create_subnet, VpcId=vpc, CidrBlock=cidr.replace('/24', '/26'),
                              AvailabilityZone='us-west-2a')['Subnet']['SubnetId']
        return vpc, subnet

    def test_writes_naming_a_new_id_lag_like_reads(self):
        """EC2: "if you run a command to modify or describe the resource
        that you just created, its ID might not have propagated throughout
        the system, and you will get an error responding that the resource
        does not exist" (EC2 API reference, Eventual consistency)."""
        ec2 = self.client('ec2')
        vpcs, refused = [], 0
        for i in range(8):
            vpc = ec2.create_vpc(CidrBlock=f'10.{20 + i}.0.0/24')['Vpc']['VpcId']
            vpcs.append(vpc)
            try:
                ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={'Value': True})
            except ClientError as err:
                self.assertEqual(err.response['Error']['Code'], 'InvalidVpcID.NotFound')
                self.assertIn(vpc, str(err))
                refused += 1
        self.assertGreater(refused, 0, 'every new VPC was known to writes at once')
        # The same draw as its reads: once a VPC reads back, writes know it.
        time.sleep(timing.TABLE['VISIBLE'][1] * SCALE + 0.1)
        for vpc in vpcs:
            ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={'Value': True})
            self.assertEqual(ec2.describe_vpcs(VpcIds=[vpc])['Vpcs'][0]['VpcId'], vpc)

    def test_reads_lag_and_listings_show_deletions(self):
        logs = self.client('logs')
        tagging = self.client('resourcegroupstaggingapi')
        names = [f'/lag/{i}' for i in range(8)]
        missed = 0
        for name in names:
            logs.create_log_group(logGroupName=name, tags={'t': 'lag'})
            missed += not logs.describe_log_groups(logGroupNamePrefix=name)['logGroups']
        self.assertGreater(missed, 0, 'every new group was readable at once')
        # VISIBLE lasts at most 5 s x SCALE; the tagging API's up to 60 s.
        time.sleep(timing.TABLE['VISIBLE'][1] * SCALE + 0.1)
        seen = [g['logGroupName'] for g in
                logs.describe_log_groups(logGroupNamePrefix='/lag/')['logGroups']]
        self.assertEqual(sorted(seen), names)
        tagged = tagging.get_resources(TagFilters=[{'Key': 't', 'Values': ['lag']}])
        self.assertLess(len(tagged['ResourceTagMappingList']), len(names))
        time.sleep(timing.TABLE['VISIBLE_TAGGING'][1] * SCALE + 0.1)
        tagged = tagging.get_resources(TagFilters=[{'Key': 't', 'Values': ['lag']}])
        self.assertEqual(len(tagged['ResourceTagMappingList']), len(names))
        for name in names:
            logs.delete_log_group(logGroupName=name)
        # Gone for writes at once (a second delete is NotFound)...
        with self.assertRaises(ClientError) as err:
            logs.delete_log_group(logGroupName=names[0])
        self.assertEqual(code(err), 'ResourceNotFoundException')
        # ...while listings still show them for a while.
        tagged = tagging.get_resources(TagFilters=[{'Key': 't', 'Values': ['lag']}])
        self.assertGreater(len(tagged['ResourceTagMappingList']), 0,
                           'the tagging API forgot every deletion at once')
        time.sleep(timing.TABLE['GHOST_TAGGING'][1] * SCALE + 0.2)
        tagged = tagging.get_resources(TagFilters=[{'Key': 't', 'Values': ['lag']}])
        self.assertEqual(tagged['ResourceTagMappingList'], [])

    def fargate_service(self, name, image, role=None, cidr='10.9.0.0/24'):
        ec2, ecs = self.client('ec2'), self.client('ecs')
        vpc, subnet = self.vpc(ec2, cidr)
        group = self.retried(ec2.create_security_group, GroupName=name, Description=name,
                             VpcId=vpc)['GroupId']
        ecs.create_cluster(clusterName=name)
        definition = {'family': name, 'networkMode': 'awsvpc', 'cpu': '256', 'memory': '512',
                      'requiresCompatibilities': ['FARGATE'],
                      'containerDefinitions': [{'name': 'app', 'image': image}]}
        if role:
            definition['executionRoleArn'] = role
        arn = ecs.register_task_definition(**definition)['taskDefinition']['taskDefinitionArn']
        ecs.create_service(cluster=name, serviceName=name, taskDefinition=arn, desiredCount=1,
                           launchType='FARGATE', networkConfiguration={'awsvpcConfiguration': {
                               'subnets': [subnet], 'securityGroups': [group]}})
        return ec2, ecs, subnet, group

    def events(self, ecs, name):
        try:
            found = ecs.describe_services(cluster=name, services=[name])['services']
        except ClientError:
            return ''
        return ' '.join(e['message'] for e in found[0]['events']) if found else ''

    def test_unpullable_image_never_runs_and_events_say_why(self):
        _, ecs, _, _ = self.fargate_service('pull', 'registry.invalid/app:1', cidr='10.9.1.0/24')
        # A task start takes at most 90 s x SCALE.
        self.assertTrue(wait_for(lambda: 'CannotPullContainerError' in
                                      self.events(ecs, 'pull'), 30), self.events(ecs, 'pull'))
        self.assertIn('lookup registry.invalid: no such host', self.events(ecs, 'pull'))
        service = ecs.describe_services(cluster='pull', services=['pull'])['services'][0]
        self.assertEqual(service['runningCount'], 0)

    def test_new_service_role_is_not_assumed_at_once(self):
        iam, ecs = self.client('iam'), self.client('ecs')
        role = iam.create_role(RoleName='fresh', AssumeRolePolicyDocument=(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
            '{"Service":"ecs.amazonaws.com"},"Action":"sts:AssumeRole"}]}'))['Role']['Arn']
        ecs.create_cluster(clusterName='role')
        arn = ecs.register_task_definition(family='role', networkMode='bridge', containerDefinitions=[
            {'name': 'app', 'image': 'public.ecr.aws/x/app:1', 'memory': 128}])[
            'taskDefinition']['taskDefinitionArn']
        create = lambda: ecs.create_service(  # noqa: E731
            cluster='role', serviceName='role', taskDefinition=arn, desiredCount=0,
            launchType='EC2', role=role)
        with self.assertRaises(ClientError) as err:
            create()
        self.assertEqual(code(err), 'InvalidParameterException')
        self.assertIn('Unable to assume role and validate the specified targetGroupArn',
                      str(err.exception))
        time.sleep(timing.TABLE['IAM'][1] * SCALE + 0.1)
        create()

    def test_new_roles_are_refused_by_cloudformation_and_grafana(self):
        iam, cfn, grafana = self.client('iam'), self.client('cloudformation'), \
            self.client('grafana')

        def role(name, service):
            return iam.create_role(RoleName=name, AssumeRolePolicyDocument=(
                '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
                f'{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}'))['Role']['Arn']
        stack_role = role('cfn-fresh', 'cloudformation.amazonaws.com')
        workspace_role = role('grafana-fresh', 'grafana.amazonaws.com')
        body = '{"Resources": {"G": {"Type": "AWS::Logs::LogGroup"}}}'
        with self.assertRaises(ClientError) as err:
            cfn.create_stack(StackName='fresh', TemplateBody=body, RoleARN=stack_role)
        self.assertEqual(code(err), 'ValidationError')
        self.assertEqual(err.exception.response['Error']['Message'],
                         f'Role {stack_role} is invalid or cannot be assumed')
        workspace = dict(accountAccessType='CURRENT_ACCOUNT', authenticationProviders=['AWS_SSO'],
                         permissionType='CUSTOMER_MANAGED', workspaceRoleArn=workspace_role)
        with self.assertRaises(ClientError) as err:
            grafana.create_workspace(**workspace)
        self.assertEqual(code(err), 'ValidationException')
        self.assertIn('cannot be assumed by grafana.amazonaws.com', str(err.exception))
        # A role that does not exist is not "not yet": Grafana takes it
        # (and the workspace fails later).
        grafana.create_workspace(**dict(workspace, workspaceRoleArn=(
            'arn:aws:iam::123456789012:role/no-such-role')))
        time.sleep(timing.TABLE['IAM'][1] * SCALE + 0.1)
        cfn.create_stack(StackName='fresh', TemplateBody=body, RoleARN=stack_role)
        grafana.create_workspace(**workspace)

    def test_task_eni_lingers_after_the_service(self):
        ec2, ecs, subnet, group = self.fargate_service('linger', 'public.ecr.aws/x/app:1',
                                                       cidr='10.9.3.0/24')
        self.assertTrue(wait_for(lambda: ecs.describe_services(
            cluster='linger', services=['linger'])['services'][0]['runningCount'] == 1, 60))
        ecs.delete_service(cluster='linger', service='linger', force=True)
        self.assertTrue(wait_for(lambda: self.events(ecs, 'linger') == '' or
                                      ecs.describe_services(cluster='linger',
                                                            services=['linger'])
                                      ['services'][0]['status'] == 'INACTIVE', 60))
        # The task is stopped, its ENI is not gone yet.
        with self.assertRaises(ClientError) as err:
            ec2.delete_security_group(GroupId=group)
        self.assertEqual(code(err), 'DependencyViolation')
        with self.assertRaises(ClientError) as err:
            ec2.delete_subnet(SubnetId=subnet)
        self.assertEqual(code(err), 'DependencyViolation')
        longest = timing.TABLE['ENI_ECS'][1] * SCALE
        self.assertTrue(wait_for(lambda: not ec2.describe_network_interfaces(
            Filters=[{'Name': 'subnet-id', 'Values': [subnet]}])['NetworkInterfaces'],
            longest + 5))
        ec2.delete_security_group(GroupId=group)
        # What was drawn is on record, with whose it was: the task's start
        # and stop under its service, its ENI's lingering under the task,
        # with what the ENI held.
        service = ecs.describe_services(cluster='linger', services=['linger'])['services']
        drawn = self.emu.timing()
        self.assertEqual((drawn['scale'], drawn['seed']), (SCALE, 3))
        by_kind = {}
        for d in drawn['draws']:
            by_kind.setdefault(d['kind'], []).append(d)
        owner = service[0]['serviceArn'] if service else by_kind['ECS'][0]['owner']
        self.assertTrue(owner.startswith('arn:aws:ecs:') and owner.endswith('/linger'), owner)
        task = by_kind['ECS'][0]['key']
        self.assertEqual(by_kind['ECS_STOP'][0]['key'], task)
        self.assertEqual([d['owner'] for d in by_kind['ENI_ECS']], [task])
        for kind in ('ECS', 'ECS_STOP', 'ENI_ECS'):
            self.assertEqual(len(by_kind[kind]), 1, kind)
            if kind != 'ENI_ECS':
                self.assertEqual(by_kind[kind][0]['owner'], owner, kind)
            low, high = timing.TABLE[kind]
            self.assertTrue(low * SCALE <= by_kind[kind][0]['seconds'] <= high * SCALE, kind)
        self.assertEqual(by_kind['ENI_ECS'][0]['holds'], sorted([subnet, group]))

    def test_eip_release_while_its_nat_gateway_is_deleting(self):
        ec2 = self.client('ec2')
        vpc, subnet = self.vpc(ec2, '10.9.4.0/24')
        igw = ec2.create_internet_gateway()['InternetGateway']['InternetGatewayId']
        self.retried(ec2.attach_internet_gateway, InternetGatewayId=igw, VpcId=vpc)
        eip = ec2.allocate_address(Domain='vpc')['AllocationId']
        nat = self.retried(ec2.create_nat_gateway, SubnetId=subnet,
                           AllocationId=eip)['NatGateway']['NatGatewayId']
        state = lambda: ec2.describe_nat_gateways(  # noqa: E731
            NatGatewayIds=[nat])['NatGateways'][0]['State']
        self.assertTrue(wait_for(lambda: state() in ('pending', 'available'), 5))
        self.assertTrue(wait_for(lambda: state() == 'available', 20))
        ec2.delete_nat_gateway(NatGatewayId=nat)
        with self.assertRaises(ClientError) as err:
            ec2.release_address(AllocationId=eip)
        self.assertEqual(code(err), 'AuthFailure')
        self.assertTrue(wait_for(lambda: state() == 'deleted', 20))
        self.assertTrue(wait_for(lambda: self._released(ec2, eip), 20))

    def _released(self, ec2, eip):
        try:
            ec2.release_address(AllocationId=eip)
            return True
        except ClientError as err:
            self.assertEqual(err.response['Error']['Code'],
                             'InvalidNetworkInterfaceID.NotFound')
            return False

    def test_error_answers_are_counted_by_code(self):
        logs = self.client('logs')
        with self.assertRaises(ClientError):
            logs.delete_log_group(logGroupName='/never/made')
        calls = self.emu.calls()
        self.assertGreaterEqual(calls['rejected_by_code'].get('ResourceNotFoundException', 0), 1)


class Ghosts(EmulatorTestCase):
    """Every removal leaves a ghost, whoever made it. The GHOST row is fixed
    at 20 s (1 s at SCALE): the table's 0-5 s draws a few milliseconds for
    some ARNs, shorter than a test's step from deletion to listing. AMP's
    CREATING and DELETING are cut to 1-2 s (a tenth of a second here)."""
    emulator_options = {'aws_timing': SCALE, 'seed': 3,
                        'aws_timing_rows': {'GHOST': (20.0, 20.0), 'AMP': (1.0, 2.0)}}

    def test_deletions_outside_a_request_leave_ghosts_too(self):
        # An AMP workspace goes when its DELETING ends, on a background
        # thread; ListWorkspaces still shows it a while, DescribeWorkspace
        # does not. IAM's listings show a deleted role likewise.
        amp, iam = self.client('amp'), self.client('iam')
        ws = amp.create_workspace(alias='ghost')['workspaceId']
        self.assertTrue(wait_for(lambda: amp.describe_workspace(workspaceId=ws)[
            'workspace']['status']['statusCode'] == 'ACTIVE', 20))
        amp.delete_workspace(workspaceId=ws)

        def gone():
            try:
                amp.describe_workspace(workspaceId=ws)
                return False
            except ClientError:
                return True
        self.assertTrue(wait_for(gone, 20))
        listed = [w['workspaceId'] for w in amp.list_workspaces()['workspaces']]
        iam.create_role(RoleName='ghost', AssumeRolePolicyDocument=(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
            '{"Service":"ecs.amazonaws.com"},"Action":"sts:AssumeRole"}]}'))
        iam.delete_role(RoleName='ghost')
        roles = [r['RoleName'] for r in iam.list_roles()['Roles']]
        with self.assertRaises(ClientError):
            iam.get_role(RoleName='ghost')
        # The GHOST row is 20 s here (1 s at SCALE): both still listed.
        self.assertIn(ws, listed)
        self.assertIn('ghost', roles)


if __name__ == '__main__':
    unittest.main()
