"""CloudFormation through botocore (stack_create_complete,
stack_update_complete and stack_delete_complete waiters) and the aws CLI:
the workshop's CloudWatch agent template against real IAM and ECS handlers
(success, and the rollback when the cluster is missing), capabilities,
parameters, conditions and intrinsics, updates (including the no-op
error), deletes, unsupported types, template errors, TemplateURL."""

import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import unittest

os.environ.setdefault('BERTH_EMULATOR_DELAY', '0.5')

from botocore.exceptions import ClientError  # noqa: E402

from emutest import EmulatorTestCase  # noqa: E402
from test_cli import cli_candidates  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
WORKSHOP = os.path.normpath(os.path.join(HERE, '..', '..', 'specs', 'files',
                                         'cwagent-ecs-instance-metric-cfn.json'))
FAST = {'Delay': 0.2, 'MaxAttempts': 100}
ACCOUNT = '123456789012'
WORKSHOP_PARAMETERS = [{'ParameterKey': 'ClusterName', 'ParameterValue': 'container-demo'},
                       {'ParameterKey': 'CreateIAMRoles', 'ParameterValue': 'True'}]

MONITORING = {
    'AWSTemplateFormatVersion': '2010-09-09',
    'Description': 'monitoring pieces',
    'Parameters': {
        'Env': {'Type': 'String', 'Default': 'dev', 'AllowedValues': ['dev', 'prod']},
        'Retention': {'Type': 'Number', 'Default': '7', 'MinValue': 1},
        'Zones': {'Type': 'CommaDelimitedList', 'Default': 'a,b,c'},
        'Secret': {'Type': 'String', 'Default': 'hidden', 'NoEcho': 'true'},
    },
    'Conditions': {
        'IsProd': {'Fn::Equals': [{'Ref': 'Env'}, 'prod']},
        'IsDev': {'Fn::Not': [{'Condition': 'IsProd'}]},
        'Both': {'Fn::And': [{'Condition': 'IsProd'}, {'Fn::Equals': ['1', '1']}]},
        'Either': {'Fn::Or': [{'Condition': 'IsProd'}, {'Condition': 'IsDev'}]},
    },
    'Resources': {
        'Topic': {'Type': 'AWS::SNS::Topic',
                  'Properties': {'TopicName': {'Fn::Sub': '${AWS::StackName}-alerts'},
                                 'Tags': [{'Key': 'own', 'Value': 'topic'}]}},
        'Logs': {'Type': 'AWS::Logs::LogGroup',
                 'Properties': {'LogGroupName': {'Fn::Join': ['/', ['', 'ecs', {'Ref': 'Env'}]]},
                                'RetentionInDays': {'Ref': 'Retention'}}},
        'Alarm': {'Type': 'AWS::CloudWatch::Alarm', 'DependsOn': 'Logs',
                  'Properties': {
                      'AlarmName': {'Fn::Sub': ['${Stack}-cpu', {'Stack': {'Ref': 'AWS::StackName'}}]},
                      'Namespace': 'AWS/ECS', 'MetricName': 'CPUUtilization',
                      'Dimensions': [{'Name': 'ClusterName', 'Value': 'container-demo'}],
                      'Statistic': 'Average', 'Period': 300, 'EvaluationPeriods': 1,
                      'Threshold': {'Fn::If': ['IsProd', 50, 80]},
                      'ComparisonOperator': 'GreaterThanThreshold',
                      'AlarmActions': [{'Ref': 'Topic'}],
                      'OKActions': {'Fn::If': ['IsProd', [{'Ref': 'Topic'}],
                                               {'Ref': 'AWS::NoValue'}]}}},
        'Prometheus': {'Type': 'AWS::APS::Workspace', 'Condition': 'Both',
                       'Properties': {'Alias': {'Fn::Sub': '${AWS::StackName}-amp'}}},
    },
    'Outputs': {
        'TopicArn': {'Value': {'Ref': 'Topic'},
                     'Export': {'Name': {'Fn::Sub': '${AWS::StackName}-topic'}}},
        'LogGroupArn': {'Value': {'Fn::GetAtt': ['Logs', 'Arn']}},
        'TopicName': {'Value': {'Fn::GetAtt': 'Topic.TopicName'}},
        'FirstZone': {'Value': {'Fn::Select': [0, {'Fn::GetAZs': ''}]}},
        'SecondLetter': {'Value': {'Fn::Select': [1, {'Ref': 'Zones'}]}},
        'Split': {'Value': {'Fn::Select': [2, {'Fn::Split': ['/', {'Ref': 'Logs'}]}]}},
        'Where': {'Value': {'Fn::Sub': '${AWS::Region}/${AWS::AccountId}/${AWS::Partition}'}},
        'Mode': {'Value': {'Fn::If': ['Either', 'either', 'neither']}},
        'Endpoint': {'Condition': 'IsProd',
                     'Value': {'Fn::GetAtt': ['Prometheus', 'PrometheusEndpoint']}},
    },
}


class CloudFormationTest(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.cfn = self.client('cloudformation')

    # ---- helpers -----------------------------------------------------------------

    def wait(self, waiter, name):
        self.cfn.get_waiter(waiter).wait(StackName=name, WaiterConfig=FAST)

    def events(self, name):
        pages = self.cfn.get_paginator('describe_stack_events').paginate(StackName=name)
        return [e for page in pages for e in page['StackEvents']][::-1]  # oldest first

    def outputs(self, name):
        stack = self.cfn.describe_stacks(StackName=name)['Stacks'][0]
        return {o['OutputKey']: o['OutputValue'] for o in stack.get('Outputs', [])}

    def workshop_body(self):
        with open(WORKSHOP) as f:
            return f.read()

    def live(self):
        """Types of the live resources, leaving out ECS task definitions
        (deregistered ones stay, INACTIVE, as in AWS)."""
        return [r['type'] for r in self.emu.resources()
                if not (r['service'] == 'ecs' and r['type'].startswith('task-definition'))]

    def require_ecs(self):
        ecs = self.client('ecs')
        try:
            ecs.list_clusters()
        except ClientError as err:
            if err.response['Error']['Code'] == 'NotImplemented':
                self.skipTest('the emulator has no ECS handlers yet (branch emunet)')
            raise
        return ecs

    # ---- the workshop template ---------------------------------------------------

    def test_workshop_agent_stack(self):
        ecs = self.require_ecs()
        iam = self.client('iam')
        ecs.create_cluster(clusterName='container-demo')
        stack_id = self.cfn.create_stack(
            StackName='CWAgentECS-container-demo-us-west-2', TemplateBody=self.workshop_body(),
            Parameters=WORKSHOP_PARAMETERS, Capabilities=['CAPABILITY_NAMED_IAM'],
            Tags=[{'Key': 'berth:stack', 'Value': 'ecs-workshop'}])['StackId']
        self.assertRegex(stack_id, r'^arn:aws:cloudformation:us-west-2:123456789012:stack/'
                                   r'CWAgentECS-container-demo-us-west-2/[0-9a-f-]{36}$')
        stack = self.cfn.describe_stacks(StackName=stack_id)['Stacks'][0]
        self.assertEqual(stack['StackStatus'], 'CREATE_IN_PROGRESS')
        self.wait('stack_create_complete', stack_id)
        stack = self.cfn.describe_stacks(StackName='CWAgentECS-container-demo-us-west-2')
        stack = stack['Stacks'][0]
        self.assertEqual(stack['StackStatus'], 'CREATE_COMPLETE')
        self.assertEqual(stack['Capabilities'], ['CAPABILITY_NAMED_IAM'])
        self.assertEqual(stack.get('Outputs', []), [])
        self.assertIn({'ParameterKey': 'TaskRoleArn', 'ParameterValue': 'Default'},
                      stack['Parameters'])
        resources = {r['LogicalResourceId']: r for r in self.cfn.list_stack_resources(
            StackName=stack_id)['StackResourceSummaries']}
        self.assertEqual(sorted(resources), ['ECSDaemonService', 'ECSExecutionRole',
                                             'ECSTaskDefinition', 'ECSTaskRole'])
        self.assertTrue(all(r['ResourceStatus'] == 'CREATE_COMPLETE'
                            for r in resources.values()))
        self.assertEqual(resources['ECSTaskRole']['PhysicalResourceId'], 'CWAgentECSTaskRole')

        role = iam.get_role(RoleName='CWAgentECSTaskRole')['Role']
        attached = iam.list_attached_role_policies(RoleName='CWAgentECSExecutionRole')
        self.assertEqual(sorted(p['PolicyArn'] for p in attached['AttachedPolicies']), [
            'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy',
            'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy'])
        definition_arn = resources['ECSTaskDefinition']['PhysicalResourceId']
        definition = ecs.describe_task_definition(taskDefinition=definition_arn)['taskDefinition']
        self.assertEqual(definition['family'], 'ecs-cwagent-daemon-service')
        self.assertEqual(definition['taskRoleArn'], role['Arn'])
        self.assertEqual(definition['networkMode'], 'bridge')
        self.assertEqual(definition['containerDefinitions'][0]['logConfiguration']['options']
                         ['awslogs-region'], 'us-west-2')
        [service] = ecs.describe_services(cluster='container-demo',
                                          services=['cwagent-daemon-service'])['services']
        self.assertEqual(service['schedulingStrategy'], 'DAEMON')
        self.assertEqual(service['taskDefinition'], definition_arn)
        self.assertEqual(resources['ECSDaemonService']['PhysicalResourceId'],
                         service['serviceArn'])
        # Stack tags reach every resource; CloudFormation's own tags only
        # those whose schema asks for them (not IAM roles, not services).
        tagged = {r['arn']: r['tags'] for r in self.emu.resources(stack='ecs-workshop')}
        self.assertIn(role['Arn'], tagged)
        self.assertNotIn('aws:cloudformation:stack-name', tagged[role['Arn']])
        self.assertEqual(tagged[definition_arn]['aws:cloudformation:logical-id'],
                         'ECSTaskDefinition')

        self.cfn.delete_stack(StackName='CWAgentECS-container-demo-us-west-2')
        self.wait('stack_delete_complete', 'CWAgentECS-container-demo-us-west-2')
        for name in ('CWAgentECSTaskRole', 'CWAgentECSExecutionRole'):
            self.assertAwsError('NoSuchEntity', iam.get_role, RoleName=name)
        services = ecs.describe_services(cluster='container-demo',
                                         services=['cwagent-daemon-service'])
        self.assertTrue(all(s['status'] != 'ACTIVE' for s in services['services']))
        self.assertEqual(ecs.describe_task_definition(taskDefinition=definition_arn)
                         ['taskDefinition']['status'], 'INACTIVE')
        self.assertEqual(ecs.list_services(cluster='container-demo')['serviceArns'], [])
        error = self.assertAwsError('ValidationError', self.cfn.describe_stacks,
                                    StackName='CWAgentECS-container-demo-us-west-2')
        self.assertEqual(error['Error']['Message'],
                         'Stack with id CWAgentECS-container-demo-us-west-2 does not exist')
        gone = self.cfn.describe_stacks(StackName=stack_id)['Stacks'][0]
        self.assertEqual(gone['StackStatus'], 'DELETE_COMPLETE')
        self.assertIn('DeletionTime', gone)

    def test_workshop_agent_stack_without_cluster_rolls_back(self):
        ecs = self.require_ecs()
        iam = self.client('iam')
        self.cfn.create_stack(StackName='agent', TemplateBody=self.workshop_body(),
                              Parameters=WORKSHOP_PARAMETERS,
                              Capabilities=['CAPABILITY_NAMED_IAM'])
        with self.assertRaises(Exception) as caught:
            self.wait('stack_create_complete', 'agent')
        self.assertIn('ROLLBACK_COMPLETE', str(caught.exception))
        stack = self.cfn.describe_stacks(StackName='agent')['Stacks'][0]
        self.assertEqual(stack['StackStatus'], 'ROLLBACK_COMPLETE')
        self.assertEqual(stack['StackStatusReason'],
                         'The following resource(s) failed to create: [ECSDaemonService]. '
                         'Rollback requested by user.')
        failed = [e for e in self.events('agent') if e['ResourceStatus'] == 'CREATE_FAILED']
        self.assertEqual([e['LogicalResourceId'] for e in failed], ['ECSDaemonService'])
        self.assertIn('ClusterNotFoundException', failed[0]['ResourceStatusReason'])
        statuses = [(e['LogicalResourceId'], e['ResourceStatus']) for e in self.events('agent')]
        self.assertIn(('ECSTaskRole', 'DELETE_COMPLETE'), statuses)
        self.assertEqual(statuses[-1], ('agent', 'ROLLBACK_COMPLETE'))
        self.assertAwsError('NoSuchEntity', iam.get_role, RoleName='CWAgentECSTaskRole')
        # Rolled back: the task definition is deregistered (INACTIVE, as
        # AWS keeps it), nothing else of the stack is left.
        definition = [e['PhysicalResourceId'] for e in self.events('agent')
                      if e['LogicalResourceId'] == 'ECSTaskDefinition'
                      and e['ResourceStatus'] == 'DELETE_COMPLETE'][0]
        self.assertEqual(ecs.describe_task_definition(taskDefinition=definition)
                         ['taskDefinition']['status'], 'INACTIVE')
        self.assertEqual(self.live(), ['stack'])
        error = self.assertAwsError('ValidationError', self.cfn.update_stack, StackName='agent',
                                    UsePreviousTemplate=True,
                                    Capabilities=['CAPABILITY_NAMED_IAM'])
        self.assertIn('ROLLBACK_COMPLETE state and can not be updated', error['Error']['Message'])
        self.cfn.delete_stack(StackName='agent')
        self.wait('stack_delete_complete', 'agent')
        self.assertEqual(self.live(), [])

    def test_fargate_service_waits_until_stable(self):
        ecs = self.require_ecs()
        ec2 = self.client('ec2')
        vpc = ec2.create_vpc(CidrBlock='10.0.0.0/24')['Vpc']['VpcId']
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock='10.0.0.0/27',
                                   AvailabilityZone='us-west-2a')['Subnet']['SubnetId']
        group = ec2.create_security_group(GroupName='svc', Description='svc',
                                          VpcId=vpc)['GroupId']
        template = {'Parameters': {'Subnets': {'Type': 'List<AWS::EC2::Subnet::Id>'},
                                   'Group': {'Type': 'AWS::EC2::SecurityGroup::Id'}},
                    'Resources': {
            'Cluster': {'Type': 'AWS::ECS::Cluster', 'Properties': {
                'ClusterName': 'cfn-demo',
                'ClusterSettings': [{'Name': 'containerInsights', 'Value': 'enabled'}]}},
            'Task': {'Type': 'AWS::ECS::TaskDefinition', 'Properties': {
                'Family': 'web', 'Cpu': '256', 'Memory': '512', 'NetworkMode': 'awsvpc',
                'RequiresCompatibilities': ['FARGATE'],
                'ContainerDefinitions': [{'Name': 'web', 'Image': 'nginx:1.25', 'Essential': True,
                                          'PortMappings': [{'ContainerPort': 80}]}]}},
            'Service': {'Type': 'AWS::ECS::Service', 'Properties': {
                'ServiceName': 'web', 'Cluster': {'Ref': 'Cluster'},
                'TaskDefinition': {'Ref': 'Task'}, 'LaunchType': 'FARGATE',
                'DesiredCount': 2, 'NetworkConfiguration': {'AwsvpcConfiguration': {
                    'Subnets': {'Ref': 'Subnets'}, 'SecurityGroups': [{'Ref': 'Group'}],
                    'AssignPublicIp': 'DISABLED'}}}}},
            'Outputs': {'ClusterArn': {'Value': {'Fn::GetAtt': ['Cluster', 'Arn']}},
                        'ServiceName': {'Value': {'Fn::GetAtt': ['Service', 'Name']}}}}
        error = self.assertAwsError('ValidationError', self.cfn.create_stack,
                                    StackName='fargate', TemplateBody=json.dumps(template),
                                    Parameters=[{'ParameterKey': 'Subnets',
                                                 'ParameterValue': f'{subnet},subnet-0bad'},
                                                {'ParameterKey': 'Group',
                                                 'ParameterValue': group}])
        self.assertEqual(error['Error']['Message'],
                         'Parameter validation failed: parameter value subnet-0bad for '
                         'parameter name Subnets does not exist. Rollback requested by user.')
        self.cfn.create_stack(StackName='fargate', TemplateBody=json.dumps(template),
                              Parameters=[{'ParameterKey': 'Subnets', 'ParameterValue': subnet},
                                          {'ParameterKey': 'Group', 'ParameterValue': group}])
        self.wait('stack_create_complete', 'fargate')
        [service] = ecs.describe_services(cluster='cfn-demo', services=['web'])['services']
        self.assertEqual(service['runningCount'], 2)
        self.assertEqual(service['deployments'][0]['rolloutState'], 'COMPLETED')
        [cluster] = ecs.describe_clusters(clusters=['cfn-demo'], include=['SETTINGS'])['clusters']
        self.assertEqual(cluster['settings'], [{'name': 'containerInsights', 'value': 'enabled'}])
        self.assertEqual(self.outputs('fargate'), {'ClusterArn': cluster['clusterArn'],
                                                   'ServiceName': 'web'})
        self.cfn.delete_stack(StackName='fargate')
        self.wait('stack_delete_complete', 'fargate')
        [cluster] = ecs.describe_clusters(clusters=['cfn-demo'])['clusters']
        self.assertEqual(cluster['status'], 'INACTIVE')

    def test_capabilities_and_parameters(self):
        body = self.workshop_body()
        error = self.assertAwsError('InsufficientCapabilitiesException', self.cfn.create_stack,
                                    StackName='caps', TemplateBody=body,
                                    Parameters=WORKSHOP_PARAMETERS)
        self.assertEqual(error['Error']['Message'],
                         'Requires capabilities : [CAPABILITY_NAMED_IAM]')
        self.assertAwsError('InsufficientCapabilitiesException', self.cfn.create_stack,
                            StackName='caps', TemplateBody=body, Parameters=WORKSHOP_PARAMETERS,
                            Capabilities=['CAPABILITY_IAM'])
        unnamed = {'Resources': {'Role': {'Type': 'AWS::IAM::Role', 'Properties': {
            'AssumeRolePolicyDocument': {'Version': '2012-10-17', 'Statement': [
                {'Effect': 'Allow', 'Principal': {'Service': 'ecs-tasks.amazonaws.com'},
                 'Action': 'sts:AssumeRole'}]}}}}}
        error = self.assertAwsError('InsufficientCapabilitiesException', self.cfn.create_stack,
                                    StackName='caps', TemplateBody=json.dumps(unnamed))
        self.assertEqual(error['Error']['Message'], 'Requires capabilities : [CAPABILITY_IAM]')
        validated = self.cfn.validate_template(TemplateBody=body)
        self.assertEqual(validated['Capabilities'], ['CAPABILITY_NAMED_IAM'])
        self.assertEqual(validated['CapabilitiesReason'],
                         'The following resource(s) require capabilities: [AWS::IAM::Role]')
        self.assertEqual(sorted(p['ParameterKey'] for p in validated['Parameters']),
                         ['ClusterName', 'CreateIAMRoles', 'ExecutionRoleArn', 'TaskRoleArn'])
        error = self.assertAwsError('ValidationError', self.cfn.create_stack, StackName='p',
                                    TemplateBody=body, Capabilities=['CAPABILITY_NAMED_IAM'],
                                    Parameters=[{'ParameterKey': 'ClusterName',
                                                 'ParameterValue': 'c'},
                                                {'ParameterKey': 'CreateIAMRoles',
                                                 'ParameterValue': 'Yes'}])
        self.assertEqual(error['Error']['Message'],
                         "Parameter 'CreateIAMRoles' must be one of AllowedValues")
        error = self.assertAwsError('ValidationError', self.cfn.create_stack, StackName='p',
                                    TemplateBody=body, Capabilities=['CAPABILITY_NAMED_IAM'])
        self.assertEqual(error['Error']['Message'], 'Parameters: [ClusterName] must have values')
        error = self.assertAwsError('ValidationError', self.cfn.create_stack, StackName='p',
                                    TemplateBody=body, Capabilities=['CAPABILITY_NAMED_IAM'],
                                    Parameters=WORKSHOP_PARAMETERS + [
                                        {'ParameterKey': 'Nope', 'ParameterValue': 'x'}])
        self.assertEqual(error['Error']['Message'],
                         'Parameters: [Nope] do not exist in the template')
        self.assertAwsError('ValidationError', self.cfn.create_stack, StackName='n',
                            TemplateBody=json.dumps(MONITORING),
                            Parameters=[{'ParameterKey': 'Retention', 'ParameterValue': 'x'}])
        self.assertEqual(self.emu.resources(), [])

    # ---- a full lifecycle on the monitoring services ------------------------------

    def test_lifecycle_update_delete(self):
        stack_id = self.cfn.create_stack(
            StackName='mon', TemplateBody=json.dumps(MONITORING),
            Tags=[{'Key': 'berth:stack', 'Value': 'mon'}])['StackId']
        self.wait('stack_create_complete', 'mon')
        stack = self.cfn.describe_stacks(StackName='mon')['Stacks'][0]
        self.assertEqual(stack['Description'], 'monitoring pieces')
        self.assertIn({'ParameterKey': 'Secret', 'ParameterValue': '****'}, stack['Parameters'])
        self.assertEqual(stack['Tags'], [{'Key': 'berth:stack', 'Value': 'mon'}])
        outputs = self.outputs('mon')
        self.assertEqual(outputs['TopicArn'], f'arn:aws:sns:us-west-2:{ACCOUNT}:mon-alerts')
        self.assertEqual(outputs['LogGroupArn'],
                         f'arn:aws:logs:us-west-2:{ACCOUNT}:log-group:/ecs/dev:*')
        self.assertEqual(outputs['TopicName'], 'mon-alerts')
        self.assertEqual(outputs['FirstZone'], 'us-west-2a')
        self.assertEqual(outputs['SecondLetter'], 'b')
        self.assertEqual(outputs['Split'], 'dev')
        self.assertEqual(outputs['Where'], f'us-west-2/{ACCOUNT}/aws')
        self.assertEqual(outputs['Mode'], 'either')
        self.assertNotIn('Endpoint', outputs)
        exported = [o for o in stack['Outputs'] if o['OutputKey'] == 'TopicArn'][0]
        self.assertEqual(exported['ExportName'], 'mon-topic')

        # The resources are real and tagged.
        alarm = self.client('cloudwatch').describe_alarms(AlarmNames=['mon-cpu'])
        [alarm] = alarm['MetricAlarms']
        self.assertEqual(alarm['Threshold'], 80.0)
        self.assertEqual(alarm['AlarmActions'], [outputs['TopicArn']])
        self.assertEqual(alarm['OKActions'], [])
        logs = self.client('logs').describe_log_groups(logGroupNamePrefix='/ecs/dev')
        self.assertEqual(logs['logGroups'][0]['retentionInDays'], 7)
        tagged = {r['id']: r['tags'] for r in self.emu.resources(stack='mon')}
        self.assertEqual(tagged['mon-alerts']['own'], 'topic')
        self.assertEqual(tagged['mon-cpu']['aws:cloudformation:stack-id'], stack_id)
        self.assertEqual(tagged['/ecs/dev']['aws:cloudformation:logical-id'], 'Logs')
        order = [e['LogicalResourceId'] for e in self.events('mon')
                 if e['ResourceStatus'] == 'CREATE_COMPLETE']
        self.assertLess(order.index('Topic'), order.index('Alarm'))
        self.assertLess(order.index('Logs'), order.index('Alarm'))
        self.assertEqual(order[-1], 'mon')

        # Nothing changed: the error berth must treat as "up to date".
        error = self.assertAwsError('ValidationError', self.cfn.update_stack, StackName='mon',
                                    UsePreviousTemplate=True)
        self.assertEqual(error['Error']['Message'], 'No updates are to be performed.')
        error = self.assertAwsError('ValidationError', self.cfn.update_stack, StackName='mon',
                                    TemplateBody=json.dumps(MONITORING),
                                    Parameters=[{'ParameterKey': 'Env',
                                                 'UsePreviousValue': True}],
                                    Tags=[{'Key': 'berth:stack', 'Value': 'mon'}])
        self.assertEqual(error['Error']['Message'], 'No updates are to be performed.')

        # An update: retention changes in place, the AMP workspace appears,
        # the threshold follows the condition.
        template = json.loads(json.dumps(MONITORING))
        template['Resources']['Logs']['Properties']['LogGroupName'] = '/ecs/dev'
        self.cfn.update_stack(StackName='mon', TemplateBody=json.dumps(template),
                              Parameters=[{'ParameterKey': 'Env', 'ParameterValue': 'prod'},
                                          {'ParameterKey': 'Retention',
                                           'ParameterValue': '14'}],
                              Tags=[{'Key': 'berth:stack', 'Value': 'mon'},
                                    {'Key': 'team', 'Value': 'obs'}])
        self.assertEqual(self.cfn.describe_stacks(StackName='mon')['Stacks'][0]['StackStatus'],
                         'UPDATE_IN_PROGRESS')
        self.wait('stack_update_complete', 'mon')
        logs = self.client('logs').describe_log_groups(logGroupNamePrefix='/ecs/dev')
        self.assertEqual(logs['logGroups'][0]['retentionInDays'], 14)
        [alarm] = self.client('cloudwatch').describe_alarms(
            AlarmNames=['mon-cpu'])['MetricAlarms']
        self.assertEqual(alarm['Threshold'], 50.0)
        self.assertEqual(alarm['OKActions'], [outputs['TopicArn']])
        outputs = self.outputs('mon')
        workspaces = self.client('amp').list_workspaces(alias='mon-amp')['workspaces']
        self.assertEqual(len(workspaces), 1)
        self.assertEqual(workspaces[0]['status']['statusCode'], 'ACTIVE')
        self.assertEqual(outputs['Endpoint'],
                         f"https://aps-workspaces.us-west-2.amazonaws.com/workspaces/"
                         f"{workspaces[0]['workspaceId']}/")
        self.assertEqual(self.client('amp').list_tags_for_resource(
            resourceArn=workspaces[0]['arn'])['tags']['team'], 'obs')

        # A custom-named resource that would need replacing fails the update.
        template['Resources']['Logs']['Properties']['LogGroupName'] = '/ecs/renamed'
        self.cfn.update_stack(StackName='mon', TemplateBody=json.dumps(template),
                              Parameters=[{'ParameterKey': 'Env', 'UsePreviousValue': True},
                                          {'ParameterKey': 'Retention',
                                           'UsePreviousValue': True}])
        with self.assertRaises(Exception):
            self.wait('stack_update_complete', 'mon')
        stack = self.cfn.describe_stacks(StackName='mon')['Stacks'][0]
        self.assertEqual(stack['StackStatus'], 'UPDATE_ROLLBACK_COMPLETE')
        failed = [e for e in self.events('mon') if e['ResourceStatus'] == 'UPDATE_FAILED']
        self.assertIn('custom-named resource requires replacing',
                      failed[-1]['ResourceStatusReason'])

        template_body = self.cfn.get_template(StackName='mon')['TemplateBody']
        self.assertEqual(json.loads(template_body) if isinstance(template_body, str)
                         else template_body,
                         json.loads(json.dumps(template).replace('/ecs/renamed', '/ecs/dev')))

        self.cfn.delete_stack(StackName='mon')
        self.assertEqual(self.cfn.describe_stacks(StackName='mon')['Stacks'][0]['StackStatus'],
                         'DELETE_IN_PROGRESS')
        self.wait('stack_delete_complete', 'mon')
        # The AMP workspace is deleted too (DELETING, then gone).
        gone = self.emu.wait_until(lambda: self.emu.resources() == [], timeout=10)
        self.assertTrue(gone, self.emu.resources())
        summaries = self.cfn.list_stacks(StackStatusFilter=['DELETE_COMPLETE'])
        self.assertEqual([s['StackId'] for s in summaries['StackSummaries']], [stack_id])
        self.cfn.delete_stack(StackName='mon')  # deleting what is gone succeeds
        # A new stack may take the name again.
        self.cfn.create_stack(StackName='mon', TemplateBody=json.dumps(MONITORING))
        self.assertEqual(len(self.cfn.list_stacks()['StackSummaries']), 2)

    def test_amp_and_grafana_workspaces(self):
        template = {'Resources': {
            'Prometheus': {'Type': 'AWS::APS::Workspace',
                           'Properties': {'Alias': 'ecs-workshop',
                                          'Tags': [{'Key': 'team', 'Value': 'obs'}]}},
            'Grafana': {'Type': 'AWS::Grafana::Workspace', 'Properties': {
                'Name': 'ecs-workshop', 'AccountAccessType': 'CURRENT_ACCOUNT',
                'AuthenticationProviders': ['AWS_SSO'], 'PermissionType': 'SERVICE_MANAGED',
                'DataSources': ['PROMETHEUS'],
                'Description': {'Fn::Sub': 'AMP ${Prometheus.WorkspaceId}'}}}},
            'Outputs': {
                'RemoteWrite': {'Value': {'Fn::Sub': '${Prometheus.PrometheusEndpoint}'
                                                     'api/v1/remote_write'}},
                'GrafanaEndpoint': {'Value': {'Fn::GetAtt': ['Grafana', 'Endpoint']}},
                'GrafanaId': {'Value': {'Ref': 'Grafana'}}}}
        self.cfn.create_stack(StackName='amg', TemplateBody=json.dumps(template),
                              Tags=[{'Key': 'berth:stack', 'Value': 'amg'}])
        self.wait('stack_create_complete', 'amg')
        outputs = self.outputs('amg')
        grafana = self.client('grafana')
        workspace = grafana.describe_workspace(workspaceId=outputs['GrafanaId'])['workspace']
        self.assertEqual(workspace['status'], 'ACTIVE')
        self.assertEqual(outputs['GrafanaEndpoint'], workspace['endpoint'])
        self.assertEqual(workspace['tags'], {'berth:stack': 'amg'})
        [amp] = self.client('amp').list_workspaces(alias='ecs-workshop')['workspaces']
        self.assertEqual(amp['status']['statusCode'], 'ACTIVE')
        self.assertEqual(amp['tags'], {'berth:stack': 'amg', 'team': 'obs', **{
            k: v for k, v in amp['tags'].items() if k.startswith('aws:cloudformation:')}})
        self.assertEqual(workspace['description'], f"AMP {amp['workspaceId']}")
        self.assertTrue(outputs['RemoteWrite'].endswith(
            f"/workspaces/{amp['workspaceId']}/api/v1/remote_write"))
        self.cfn.delete_stack(StackName='amg')
        self.wait('stack_delete_complete', 'amg')
        self.assertEqual(self.emu.resources(), [])

    def test_delete_while_creating(self):
        # The AMP workspace takes BERTH_EMULATOR_DELAY to become ACTIVE, and
        # the stack waits for it: a wide window to delete in.
        template = {'Resources': {
            'Prometheus': {'Type': 'AWS::APS::Workspace', 'Properties': {'Alias': 'hasty'}},
            'Topic': {'Type': 'AWS::SNS::Topic', 'DependsOn': 'Prometheus'}}}
        self.cfn.create_stack(StackName='hasty', TemplateBody=json.dumps(template))
        self.emu.wait_until(lambda: any(r['type'] == 'workspace' for r in self.emu.resources()),
                            timeout=10)
        self.cfn.delete_stack(StackName='hasty')
        self.wait('stack_delete_complete', 'hasty')
        self.assertEqual(self.live(), [])
        statuses = [e['ResourceStatus'] for e in self.events(
            self.cfn.list_stacks()['StackSummaries'][0]['StackId'])
            if e['LogicalResourceId'] == 'hasty']
        self.assertEqual(statuses, ['CREATE_IN_PROGRESS', 'DELETE_IN_PROGRESS',
                                    'DELETE_COMPLETE'])

    def test_unsupported_type_rolls_back(self):
        template = {'Resources': {
            'Topic': {'Type': 'AWS::SNS::Topic', 'Properties': {'TopicName': 'early'}},
            'Bucket': {'Type': 'AWS::S3::Bucket', 'DependsOn': 'Topic'}}}
        self.cfn.create_stack(StackName='s3', TemplateBody=json.dumps(template))
        with self.assertRaises(Exception):
            self.wait('stack_create_complete', 's3')
        events = self.events('s3')
        failed = [e for e in events if e['ResourceStatus'] == 'CREATE_FAILED']
        self.assertEqual(failed[0]['LogicalResourceId'], 'Bucket')
        self.assertIn('AWS::S3::Bucket', failed[0]['ResourceStatusReason'])
        self.assertIn(('Topic', 'DELETE_COMPLETE'),
                      [(e['LogicalResourceId'], e['ResourceStatus']) for e in events])
        self.assertEqual(self.cfn.describe_stacks(StackName='s3')['Stacks'][0]['StackStatus'],
                         'ROLLBACK_COMPLETE')
        self.assertEqual([r['type'] for r in self.emu.resources()], ['stack'])
        # OnFailure=DO_NOTHING keeps what was created; DELETE removes the stack.
        self.cfn.create_stack(StackName='keep', TemplateBody=json.dumps(template),
                              OnFailure='DO_NOTHING')
        self.emu.wait_until(lambda: self.cfn.describe_stacks(StackName='keep')['Stacks'][0]
                            ['StackStatus'] == 'CREATE_FAILED', timeout=10)
        self.assertIn('early', [r['id'] for r in self.emu.resources()])
        self.cfn.create_stack(StackName='drop', TemplateBody=json.dumps(
            {'Resources': {'Bucket': {'Type': 'AWS::S3::Bucket'}}}), OnFailure='DELETE')
        self.wait('stack_delete_complete', 'drop')

    def status(self, name):
        return self.cfn.describe_stacks(StackName=name)['Stacks'][0]['StackStatus']

    def settled(self, name):
        self.emu.wait_until(lambda: not self.status(name).endswith('_IN_PROGRESS'), timeout=15)
        return self.status(name)

    def test_update_rollback_failed_and_continued(self):
        # A resource deleted outside CloudFormation (AWS's own example of a
        # failed rollback): the update cannot change it, nor can the
        # rollback change it back.
        group = {'Type': 'AWS::Logs::LogGroup',
                 'Properties': {'LogGroupName': 'kept', 'RetentionInDays': 7}}
        template = {'Resources': {'Group': group}}
        logs = self.client('logs')
        self.cfn.create_stack(StackName='urf', TemplateBody=json.dumps(template))
        self.wait('stack_create_complete', 'urf')
        logs.delete_log_group(logGroupName='kept')
        group['Properties']['RetentionInDays'] = 14
        template['Resources']['Topic'] = {'Type': 'AWS::SNS::Topic',
                                          'Properties': {'TopicName': 'urf-new'}}
        self.cfn.update_stack(StackName='urf', TemplateBody=json.dumps(template))
        self.assertEqual(self.settled('urf'), 'UPDATE_ROLLBACK_FAILED')
        stack = self.cfn.describe_stacks(StackName='urf')['Stacks'][0]
        self.assertEqual(stack['StackStatusReason'],
                         'The following resource(s) failed to update: [Group]. ')
        failed = [e for e in self.events('urf') if e['ResourceStatus'] == 'UPDATE_FAILED']
        self.assertEqual([e['LogicalResourceId'] for e in failed], ['Group', 'Group'])
        self.assertIn('The specified log group does not exist.',
                      failed[-1]['ResourceStatusReason'])
        self.assertIn('Error Code: ResourceNotFoundException', failed[-1]['ResourceStatusReason'])

        # UpdateStack is refused; DescribeStackResource shows the failure.
        with self.assertRaises(ClientError) as caught:
            self.cfn.update_stack(StackName='urf', TemplateBody=json.dumps(template))
        error = caught.exception.response['Error']
        self.assertEqual(error['Code'], 'ValidationError')
        self.assertEqual(error['Message'], f"Stack:{stack['StackId']} is in "
                         'UPDATE_ROLLBACK_FAILED state and can not be updated.')
        # Only resources whose rollback failed may be skipped.
        with self.assertRaises(ClientError) as caught:
            self.cfn.continue_update_rollback(StackName='urf', ResourcesToSkip=['Topic'])
        self.assertEqual(caught.exception.response['Error']['Code'], 'ValidationError')

        # Continued with the cause still there: it fails again.
        self.cfn.continue_update_rollback(StackName='urf')
        self.assertEqual(self.status('urf'), 'UPDATE_ROLLBACK_IN_PROGRESS')
        self.assertEqual(self.settled('urf'), 'UPDATE_ROLLBACK_FAILED')
        # The cause fixed, it completes: the group has its old retention,
        # the topic the update created is gone.
        logs.create_log_group(logGroupName='kept')
        self.cfn.continue_update_rollback(StackName='urf')
        self.assertEqual(self.settled('urf'), 'UPDATE_ROLLBACK_COMPLETE')
        self.assertEqual(logs.describe_log_groups(logGroupNamePrefix='kept')['logGroups'][0]
                         ['retentionInDays'], 7)
        self.assertNotIn('urf-new', str(self.client('sns').list_topics()))
        with self.assertRaises(ClientError) as caught:
            self.cfn.continue_update_rollback(StackName='urf')
        self.assertIn('UPDATE_ROLLBACK_COMPLETE state', caught.exception.response['Error']
                      ['Message'])
        # Usable again: the same update goes through now.
        self.cfn.update_stack(StackName='urf', TemplateBody=json.dumps(template))
        self.wait('stack_update_complete', 'urf')
        self.assertEqual(logs.describe_log_groups(logGroupNamePrefix='kept')['logGroups'][0]
                         ['retentionInDays'], 14)

    def test_update_rollback_failed_skip_or_delete(self):
        template = {'Resources': {'Group': {
            'Type': 'AWS::Logs::LogGroup',
            'Properties': {'LogGroupName': 'gone', 'RetentionInDays': 7}}}}
        for name in ('skip', 'drop'):
            template['Resources']['Group']['Properties']['LogGroupName'] = name
            template['Resources']['Group']['Properties']['RetentionInDays'] = 7
            self.cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))
            self.wait('stack_create_complete', name)
            self.client('logs').delete_log_group(logGroupName=name)
            template['Resources']['Group']['Properties']['RetentionInDays'] = 14
            self.cfn.update_stack(StackName=name, TemplateBody=json.dumps(template))
            self.assertEqual(self.settled(name), 'UPDATE_ROLLBACK_FAILED')
        # ResourcesToSkip: marked UPDATE_COMPLETE, the rollback completes.
        self.cfn.continue_update_rollback(StackName='skip', ResourcesToSkip=['Group'])
        self.assertEqual(self.settled('skip'), 'UPDATE_ROLLBACK_COMPLETE')
        self.assertEqual(self.cfn.describe_stack_resource(
            StackName='skip', LogicalResourceId='Group')['StackResourceDetail']
            ['ResourceStatus'], 'UPDATE_COMPLETE')
        # DeleteStack is allowed in UPDATE_ROLLBACK_FAILED.
        self.cfn.delete_stack(StackName='drop')
        self.wait('stack_delete_complete', 'drop')
        self.assertEqual([s['StackName'] for s in self.cfn.describe_stacks()['Stacks']],
                         ['skip'])

    def test_template_errors(self):
        def error(body, **extra):
            return self.assertAwsError('ValidationError', self.cfn.create_stack, StackName='bad',
                                       TemplateBody=body, **extra)['Error']['Message']

        self.assertIn('JSON not well-formed', error('{"Resources": '))
        self.assertEqual(error('{"Resources": {}}'),
                         'Template format error: At least one Resources member must be defined.')
        self.assertEqual(error(json.dumps({'Resources': {'T': {'Type': 'AWS::SNS::Topic',
                                                               'Properties': {
                                                                   'TopicName': {'Ref': 'Nope'}}}}})),
                         'Template format error: Unresolved resource dependencies [Nope] in the '
                         'Resources block of the template')
        self.assertIn('Circular dependency between resources', error(json.dumps({'Resources': {
            'A': {'Type': 'AWS::SNS::Topic', 'DependsOn': 'B'},
            'B': {'Type': 'AWS::SNS::Topic', 'DependsOn': 'A'}}})))
        self.assertEqual(error(json.dumps({'Resources': {'A': {'Type': 'Not::A::Type!'}}})),
                         'Template format error: Unrecognized resource types: [Not::A::Type!]')
        self.assertIn('Every Resources object must contain a Type member',
                      error(json.dumps({'Resources': {'A': {}}})))
        self.assertIn('Invalid template property',
                      error(json.dumps({'Resources': {'A': {'Type': 'AWS::SNS::Topic'}},
                                        'Bogus': 1})))
        self.cfn.create_stack(StackName='once', TemplateBody=json.dumps(
            {'Resources': {'A': {'Type': 'AWS::SNS::Topic'}}}))
        self.assertAwsError('AlreadyExistsException', self.cfn.create_stack, StackName='once',
                            TemplateBody=json.dumps({'Resources': {'A': {'Type':
                                                                         'AWS::SNS::Topic'}}}))
        self.assertAwsError('ValidationError', self.cfn.describe_stacks, StackName='never')
        self.assertAwsError('ValidationError', self.cfn.create_stack, StackName='1bad',
                            TemplateBody=json.dumps(MONITORING))
        self.assertAwsError('ValidationError', self.cfn.create_stack, StackName='x',
                            TemplateURL='https://s3.amazonaws.com/bucket/t.json')
        self.assertAwsError('ValidationError', self.cfn.create_stack, StackName='x')

    def test_template_url_and_yaml(self):
        import importlib.util
        # The emulator runs on this interpreter: YAML works if PyYAML is here.
        have_yaml = importlib.util.find_spec('yaml') is not None
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory, True)
        with open(os.path.join(directory, 'topic.json'), 'w') as f:
            json.dump({'Resources': {'T': {'Type': 'AWS::SNS::Topic',
                                           'Properties': {'TopicName': 'from-url'}}}}, f)
        with open(os.path.join(directory, 'topic.yaml'), 'w') as f:
            f.write('AWSTemplateFormatVersion: 2010-09-09\n'
                    'Resources:\n'
                    '  T:\n'
                    '    Type: AWS::SNS::Topic\n'
                    '    Properties:\n'
                    '      TopicName: !Sub "${AWS::StackName}-yaml"\n'
                    'Outputs:\n'
                    '  Arn:\n'
                    '    Value: !GetAtt T.TopicArn\n'
                    '  Name:\n'
                    '    Value: !Select [1, !Split ["-", !Ref AWS::StackName]]\n')

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=directory, **kwargs)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            url = f'http://127.0.0.1:{server.server_address[1]}/'
            self.cfn.create_stack(StackName='url', TemplateURL=url + 'topic.json')
            self.wait('stack_create_complete', 'url')
            self.assertIn('from-url', [r['id'] for r in self.emu.resources()])
            self.assertAwsError('ValidationError', self.cfn.create_stack, StackName='url2',
                                TemplateURL=url + 'missing.json')
            if have_yaml:
                self.cfn.create_stack(StackName='stack-yaml', TemplateURL=url + 'topic.yaml')
                self.wait('stack_create_complete', 'stack-yaml')
                outputs = self.outputs('stack-yaml')
                self.assertEqual(outputs['Arn'],
                                 f'arn:aws:sns:us-west-2:{ACCOUNT}:stack-yaml-yaml')
                self.assertEqual(outputs['Name'], 'yaml')
        finally:
            server.shutdown()
            server.server_close()

    def test_cli(self):
        clis = cli_candidates()
        if not clis:
            self.skipTest('no aws CLI installed')
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory, True)
        path = os.path.join(directory, 'template.json')
        with open(path, 'w') as f:
            json.dump({'Resources': {'T': {'Type': 'AWS::SNS::Topic'}},
                       'Outputs': {'Arn': {'Value': {'Ref': 'T'}}}}, f)
        for cli in clis:
            with self.subTest(cli=cli):
                self.emu.reset(state=True)

                def aws(*args):
                    run = subprocess.run([cli, '--endpoint-url', self.emu.url, '--output',
                                          'json', 'cloudformation', *args],
                                         env=self.emu.env(AWS_PAGER=''), capture_output=True,
                                         text=True, timeout=60)
                    self.assertEqual(run.returncode, 0, run.stderr)
                    return json.loads(run.stdout) if run.stdout.strip() else None

                aws('create-stack', '--stack-name', 'cli', '--template-body', f'file://{path}')
                # (not `aws cloudformation wait`: its first sleep is 30 s)
                self.wait('stack_create_complete', 'cli')
                stack = aws('describe-stacks', '--stack-name', 'cli')['Stacks'][0]
                self.assertEqual(stack['StackStatus'], 'CREATE_COMPLETE')
                self.assertTrue(stack['Outputs'][0]['OutputValue'].startswith(
                    'arn:aws:sns:us-west-2:123456789012:cli-T-'))


if __name__ == '__main__':
    unittest.main()
