"""IAM roles, policies, instance profiles and service-linked roles."""

import json
import os
import subprocess
import time
import unittest
import urllib.parse

os.environ.setdefault('BERTH_EMU_DELAY', '0.3')

from emutest import EmulatorTestCase, query_request  # noqa: E402

TRUST = json.dumps({'Version': '2012-10-17', 'Statement': [{
    'Effect': 'Allow', 'Principal': {'Service': 'ecs-tasks.amazonaws.com'},
    'Action': 'sts:AssumeRole'}]})
POLICY = json.dumps({'Version': '2012-10-17', 'Statement': [{
    'Effect': 'Allow', 'Action': 'ec2:DescribeSubnets', 'Resource': '*'}]})
SSM = 'arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM'
EXEC = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy'
CWAGENT = 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy'


class IamTest(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.iam = self.client('iam')

    def test_role_lifecycle_policies_and_conflicts(self):
        iam = self.iam
        role = iam.create_role(RoleName='frontend-task', AssumeRolePolicyDocument=TRUST,
                               Description='task role',
                               Tags=[{'Key': 'berth:stack', 'Value': 'demo'}])['Role']
        self.assertEqual(role['Arn'], 'arn:aws:iam::123456789012:role/frontend-task')
        self.assertRegex(role['RoleId'], r'^AROA[A-Z0-9]{17}$')
        self.assertEqual(role['AssumeRolePolicyDocument'], json.loads(TRUST))  # botocore decodes
        self.assertAwsError('EntityAlreadyExists', iam.create_role, RoleName='FRONTEND-TASK',
                            AssumeRolePolicyDocument=TRUST)
        self.assertAwsError('MalformedPolicyDocument', iam.create_role, RoleName='bad',
                            AssumeRolePolicyDocument='{not json')
        self.assertAwsError('MalformedPolicyDocument', iam.create_role, RoleName='bad',
                            AssumeRolePolicyDocument=POLICY)  # no Principal, has Resource
        self.assertAwsError('NoSuchEntity', iam.get_role, RoleName='nope')
        # On the wire the documents are URL-encoded, as AWS sends them.
        raw = query_request(self.emu, 'iam', {'Action': 'GetRole', 'Version': '2010-05-08',
                                              'RoleName': 'frontend-task'}, region='us-east-1')
        self.assertIn(urllib.parse.quote(TRUST, safe=''), raw.text)
        iam.put_role_policy(RoleName='frontend-task', PolicyName='subnets', PolicyDocument=POLICY)
        self.assertEqual(iam.get_role_policy(RoleName='frontend-task', PolicyName='subnets')
                         ['PolicyDocument'], json.loads(POLICY))
        self.assertEqual(iam.list_role_policies(RoleName='frontend-task')['PolicyNames'],
                         ['subnets'])
        self.assertAwsError('MalformedPolicyDocument', iam.put_role_policy,
                            RoleName='frontend-task', PolicyName='x', PolicyDocument=TRUST)
        iam.attach_role_policy(RoleName='frontend-task', PolicyArn=EXEC)
        iam.attach_role_policy(RoleName='frontend-task', PolicyArn=CWAGENT)
        attached = iam.list_attached_role_policies(RoleName='frontend-task')['AttachedPolicies']
        self.assertEqual(attached, [
            {'PolicyName': 'AmazonECSTaskExecutionRolePolicy', 'PolicyArn': EXEC},
            {'PolicyName': 'CloudWatchAgentServerPolicy', 'PolicyArn': CWAGENT}])
        self.assertAwsError('NoSuchEntity', iam.attach_role_policy, RoleName='frontend-task',
                            PolicyArn='arn:aws:iam::aws:policy/NoSuchPolicy')
        self.assertAwsError('DeleteConflict', iam.delete_role, RoleName='frontend-task')
        iam.detach_role_policy(RoleName='frontend-task', PolicyArn=EXEC)
        iam.detach_role_policy(RoleName='frontend-task', PolicyArn=CWAGENT)
        self.assertAwsError('NoSuchEntity', iam.detach_role_policy, RoleName='frontend-task',
                            PolicyArn=CWAGENT)
        error = self.assertAwsError('DeleteConflict', iam.delete_role, RoleName='frontend-task')
        self.assertIn('must delete policies first', error['Error']['Message'])
        iam.delete_role_policy(RoleName='frontend-task', PolicyName='subnets')
        # Updates and tags.
        iam.update_role(RoleName='frontend-task', Description='changed', MaxSessionDuration=7200)
        iam.update_assume_role_policy(RoleName='frontend-task', PolicyDocument=TRUST)
        self.assertEqual(iam.get_role(RoleName='frontend-task')['Role']['MaxSessionDuration'], 7200)
        iam.tag_role(RoleName='frontend-task', Tags=[{'Key': 'team', 'Value': 'a'}])
        iam.untag_role(RoleName='frontend-task', TagKeys=['berth:stack'])
        self.assertEqual(iam.list_role_tags(RoleName='frontend-task')['Tags'],
                         [{'Key': 'team', 'Value': 'a'}])
        iam.delete_role(RoleName='frontend-task')
        self.assertAwsError('NoSuchEntity', iam.delete_role, RoleName='frontend-task')

    def test_managed_policies_instance_profiles_and_pagination(self):
        iam = self.iam
        self.assertEqual(iam.get_policy(PolicyArn=SSM)['Policy']['PolicyName'], 'AmazonEC2RoleforSSM')
        policy = iam.create_policy(PolicyName='writer', PolicyDocument=POLICY)['Policy']
        self.assertEqual(policy['Arn'], 'arn:aws:iam::123456789012:policy/writer')
        self.assertAwsError('EntityAlreadyExists', iam.create_policy, PolicyName='writer',
                            PolicyDocument=POLICY)
        version = iam.get_policy_version(PolicyArn=policy['Arn'], VersionId='v1')['PolicyVersion']
        self.assertEqual(version['Document'], json.loads(POLICY))
        v2 = iam.create_policy_version(PolicyArn=policy['Arn'], PolicyDocument=POLICY,
                                       SetAsDefault=True)['PolicyVersion']
        self.assertEqual((v2['VersionId'], v2['IsDefaultVersion']), ('v2', True))
        self.assertEqual(iam.get_policy(PolicyArn=policy['Arn'])['Policy']['DefaultVersionId'],
                         'v2')
        for _ in range(3):
            iam.create_policy_version(PolicyArn=policy['Arn'], PolicyDocument=POLICY)
        self.assertAwsError('LimitExceeded', iam.create_policy_version, PolicyArn=policy['Arn'],
                            PolicyDocument=POLICY)
        self.assertAwsError('DeleteConflict', iam.delete_policy_version, PolicyArn=policy['Arn'],
                            VersionId='v2')
        self.assertEqual([v['VersionId'] for v in iam.list_policy_versions(
            PolicyArn=policy['Arn'])['Versions']], ['v5', 'v4', 'v3', 'v2', 'v1'])
        error = self.assertAwsError('DeleteConflict', iam.delete_policy, PolicyArn=policy['Arn'])
        self.assertIn('more than one version', error['Error']['Message'])
        for version in ('v1', 'v3', 'v4', 'v5'):
            iam.delete_policy_version(PolicyArn=policy['Arn'], VersionId=version)
        iam.tag_policy(PolicyArn=policy['Arn'], Tags=[{'Key': 'berth:stack', 'Value': 'demo'}])
        self.assertEqual(iam.list_policy_tags(PolicyArn=policy['Arn'])['Tags'],
                         [{'Key': 'berth:stack', 'Value': 'demo'}])
        for i in range(7):
            iam.create_role(RoleName=f'role-{i}', AssumeRolePolicyDocument=TRUST)
        iam.attach_role_policy(RoleName='role-0', PolicyArn=policy['Arn'])
        self.assertEqual(iam.get_policy(PolicyArn=policy['Arn'])['Policy']['AttachmentCount'], 1)
        self.assertAwsError('DeleteConflict', iam.delete_policy, PolicyArn=policy['Arn'])
        iam.detach_role_policy(RoleName='role-0', PolicyArn=policy['Arn'])
        iam.delete_policy(PolicyArn=policy['Arn'])
        self.assertAwsError('NoSuchEntity', iam.get_policy, PolicyArn=policy['Arn'])
        first = iam.list_roles(MaxItems=5)
        self.assertTrue(first['IsTruncated'])
        self.assertNotIn('Tags', first['Roles'][0])
        names = [r['RoleName'] for page in iam.get_paginator('list_roles').paginate(
            PaginationConfig={'PageSize': 3}) for r in page['Roles']]
        self.assertEqual(names, [f'role-{i}' for i in range(7)])
        # Instance profiles hold one role.
        profile = iam.create_instance_profile(InstanceProfileName='loadtest')['InstanceProfile']
        self.assertEqual(profile['Roles'], [])
        iam.add_role_to_instance_profile(InstanceProfileName='loadtest', RoleName='role-1')
        self.assertAwsError('LimitExceeded', iam.add_role_to_instance_profile,
                            InstanceProfileName='loadtest', RoleName='role-2')
        got = iam.get_instance_profile(InstanceProfileName='loadtest')['InstanceProfile']
        self.assertEqual([r['RoleName'] for r in got['Roles']], ['role-1'])
        self.assertAwsError('DeleteConflict', iam.delete_role, RoleName='role-1')
        self.assertAwsError('DeleteConflict', iam.delete_instance_profile,
                            InstanceProfileName='loadtest')
        iam.remove_role_from_instance_profile(InstanceProfileName='loadtest', RoleName='role-1')
        iam.delete_instance_profile(InstanceProfileName='loadtest')
        self.assertAwsError('NoSuchEntity', iam.get_instance_profile,
                            InstanceProfileName='loadtest')
        # Global: the same roles whatever region signs.
        self.assertEqual(len(self.client('iam', region='eu-west-1').list_roles(
            MaxItems=100)['Roles']), 7)

    def test_service_linked_roles(self):
        iam = self.iam
        role = iam.create_service_linked_role(AWSServiceName='ecs.amazonaws.com')['Role']
        self.assertEqual(role['RoleName'], 'AWSServiceRoleForECS')
        self.assertEqual(role['Path'], '/aws-service-role/ecs.amazonaws.com/')
        error = self.assertAwsError('InvalidInput', iam.create_service_linked_role,
                                    AWSServiceName='ecs.amazonaws.com')
        self.assertIn('has been taken', error['Error']['Message'])
        self.assertAwsError('UnmodifiableEntity', iam.delete_role, RoleName='AWSServiceRoleForECS')
        # In use by a cluster: the deletion task fails.
        ecs = self.client('ecs')
        ecs.create_cluster(clusterName='c1')
        task = iam.delete_service_linked_role(RoleName='AWSServiceRoleForECS')['DeletionTaskId']
        status = self._wait_deletion(task)
        self.assertEqual(status['Status'], 'FAILED')
        self.assertEqual(status['Reason']['RoleUsageList'][0]['Region'], 'us-west-2')
        ecs.delete_cluster(cluster='c1')
        task = iam.delete_service_linked_role(RoleName='AWSServiceRoleForECS')['DeletionTaskId']
        self.assertIn(iam.get_service_linked_role_deletion_status(DeletionTaskId=task)['Status'],
                      ('NOT_STARTED', 'IN_PROGRESS'))
        self.assertEqual(self._wait_deletion(task)['Status'], 'SUCCEEDED')
        self.assertAwsError('NoSuchEntity', iam.get_role, RoleName='AWSServiceRoleForECS')
        elb = iam.create_service_linked_role(
            AWSServiceName='elasticloadbalancing.amazonaws.com')['Role']
        self.assertEqual(elb['RoleName'], 'AWSServiceRoleForElasticLoadBalancing')

    def _wait_deletion(self, task):
        deadline = time.monotonic() + 5
        while True:
            status = self.iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
            if status['Status'] in ('SUCCEEDED', 'FAILED') or time.monotonic() > deadline:
                return status
            time.sleep(0.1)

    def test_aws_cli(self):
        self.iam.create_role(RoleName='cli-role', AssumeRolePolicyDocument=TRUST)
        result = subprocess.run(['aws', 'iam', 'get-role', '--role-name', 'cli-role'],
                                env=self.emu.env(), capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        role = json.loads(result.stdout)['Role']
        self.assertEqual(role['AssumeRolePolicyDocument'], json.loads(TRUST))


if __name__ == '__main__':
    unittest.main()
