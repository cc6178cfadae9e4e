"""ECS clusters, task definitions, services and tasks, with their effects
on EC2 (ENIs), ELBv2 (targets), Cloud Map (instances) and Logs."""

import json
import os
import subprocess
import time
import unittest

os.environ.setdefault('BERTH_EMU_DELAY', '0.3')

from emutest import EmulatorTestCase  # noqa: E402

STACK = [{'key': 'berth:stack', 'value': 'demo'}]
EXEC_ROLE = 'arn:aws:iam::123456789012:role/exec'


def fast(waiter_name, client):
    waiter = client.get_waiter(waiter_name)
    waiter.config.delay = 0.2
    waiter.config.max_attempts = 75
    return waiter


def container(name='web', port=3000, log_group=None, create_group=False):
    definition = {'name': name, 'image': f'public.ecr.aws/aws-containers/ecsdemo-{name}',
                  'portMappings': [{'containerPort': port}], 'essential': True,
                  'environment': [{'name': 'REGION', 'value': 'us-west-2'}]}
    if log_group:
        options = {'awslogs-group': log_group, 'awslogs-region': 'us-west-2',
                   'awslogs-stream-prefix': name}
        if create_group:
            options['awslogs-create-group'] = 'true'
        definition['logConfiguration'] = {'logDriver': 'awslogs', 'options': options}
    return definition


class EcsTest(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.ecs = self.client('ecs')

    def register(self, family='frontend', cpu='256', memory='512', **extra):
        extra.setdefault('containerDefinitions', [container()])
        return self.ecs.register_task_definition(
            family=family, requiresCompatibilities=['FARGATE'], networkMode='awsvpc', cpu=cpu,
            memory=memory, executionRoleArn=EXEC_ROLE, **extra)['taskDefinition']

    def network(self):
        ec2 = self.client('ec2')
        vpc_id = ec2.create_vpc(CidrBlock='10.0.0.0/24')['Vpc']['VpcId']
        subnets = [ec2.create_subnet(VpcId=vpc_id, CidrBlock=f'10.0.0.{i * 32}/27',
                                     AvailabilityZone=f'us-west-2{z}')['Subnet']['SubnetId']
                   for i, z in enumerate('ab')]
        group = ec2.create_security_group(GroupName='svc', Description='svc',
                                          VpcId=vpc_id)['GroupId']
        return vpc_id, subnets, group

    def test_clusters(self):
        ecs = self.ecs
        cluster = ecs.create_cluster(clusterName='container-demo', tags=STACK)['cluster']
        self.assertEqual(cluster['clusterArn'],
                         'arn:aws:ecs:us-west-2:123456789012:cluster/container-demo')
        self.assertEqual(cluster['settings'], [{'name': 'containerInsights', 'value': 'disabled'}])
        self.assertEqual(self.client('iam').get_role(RoleName='AWSServiceRoleForECS')
                         ['Role']['Arn'], 'arn:aws:iam::123456789012:role/aws-service-role/'
                         'ecs.amazonaws.com/AWSServiceRoleForECS')
        self.assertEqual(ecs.create_cluster(clusterName='container-demo')['cluster']['clusterArn'],
                         cluster['clusterArn'])  # idempotent
        plain = ecs.describe_clusters(clusters=['container-demo'])['clusters'][0]
        self.assertNotIn('settings', plain)
        self.assertNotIn('tags', plain)
        full = ecs.describe_clusters(clusters=[cluster['clusterArn']],
                                     include=['SETTINGS', 'TAGS'])['clusters'][0]
        self.assertEqual(full['tags'], STACK)
        updated = ecs.update_cluster_settings(
            cluster='container-demo',
            settings=[{'name': 'containerInsights', 'value': 'enabled'}])['cluster']
        self.assertEqual(updated['settings'], [{'name': 'containerInsights', 'value': 'enabled'}])
        self.assertAwsError('InvalidParameterException', ecs.update_cluster_settings,
                            cluster='container-demo',
                            settings=[{'name': 'containerInsights', 'value': 'maybe'}])
        self.assertAwsError('InvalidParameterException', ecs.put_cluster_capacity_providers,
                            cluster='container-demo', capacityProviders=['NOPE'],
                            defaultCapacityProviderStrategy=[])
        providers = ecs.put_cluster_capacity_providers(
            cluster='container-demo', capacityProviders=['FARGATE', 'FARGATE_SPOT'],
            defaultCapacityProviderStrategy=[{'capacityProvider': 'FARGATE', 'weight': 1}])
        self.assertEqual(providers['cluster']['capacityProviders'], ['FARGATE', 'FARGATE_SPOT'])
        for i in range(6):
            ecs.create_cluster(clusterName=f'extra-{i}')
        arns = [a for page in ecs.get_paginator('list_clusters').paginate(
            PaginationConfig={'PageSize': 4}) for a in page['clusterArns']]
        self.assertEqual(len(arns), 7)
        missing = ecs.describe_clusters(clusters=['nope'])
        self.assertEqual(missing['failures'], [{
            'arn': 'arn:aws:ecs:us-west-2:123456789012:cluster/nope', 'reason': 'MISSING'}])
        ecs.tag_resource(resourceArn=cluster['clusterArn'], tags=[{'key': 'team', 'value': 'a'}])
        ecs.untag_resource(resourceArn=cluster['clusterArn'], tagKeys=['berth:stack'])
        self.assertEqual(ecs.list_tags_for_resource(resourceArn=cluster['clusterArn'])['tags'],
                         [{'key': 'team', 'value': 'a'}])
        deleted = ecs.delete_cluster(cluster='container-demo')['cluster']
        self.assertEqual(deleted['status'], 'INACTIVE')
        self.assertEqual(ecs.describe_clusters(clusters=['container-demo'])['clusters'][0]
                         ['status'], 'INACTIVE')
        self.assertAwsError('ClusterNotFoundException', ecs.delete_cluster,
                            cluster='container-demo')
        self.assertAwsError('ClusterNotFoundException', ecs.list_services,
                            cluster='container-demo')

    def test_task_definitions(self):
        ecs = self.ecs
        first = self.register(tags=STACK)
        self.assertEqual(first['taskDefinitionArn'],
                         'arn:aws:ecs:us-west-2:123456789012:task-definition/frontend:1')
        self.assertEqual(first['compatibilities'], ['EC2', 'FARGATE'])
        mapping = first['containerDefinitions'][0]['portMappings'][0]
        self.assertEqual(mapping, {'containerPort': 3000, 'hostPort': 3000, 'protocol': 'tcp'})
        second = self.register(cpu='1 vCPU', memory='2 GB')
        self.assertEqual((second['revision'], second['cpu'], second['memory']), (2, '1024', '2048'))
        self.assertAwsError('ClientException', self.register, family='bad', cpu='256',
                            memory='4096')
        error = self.assertAwsError('ClientException', ecs.register_task_definition,
                                    family='nolog', requiresCompatibilities=['FARGATE'],
                                    networkMode='awsvpc', cpu='256', memory='512',
                                    containerDefinitions=[container(log_group='/ecs/x')])
        self.assertIn('execution role', error['Error']['Message'])
        self.assertAwsError('ClientException', ecs.register_task_definition, family='bridge',
                            requiresCompatibilities=['FARGATE'], networkMode='bridge',
                            cpu='256', memory='512', containerDefinitions=[container()])
        self.assertAwsError('ClientException', ecs.register_task_definition, family='ec2',
                            networkMode='bridge', containerDefinitions=[container()])
        described = ecs.describe_task_definition(taskDefinition='frontend:1', include=['TAGS'])
        self.assertEqual(described['tags'], STACK)
        self.assertEqual(ecs.describe_task_definition(taskDefinition='frontend')
                         ['taskDefinition']['revision'], 2)
        ecs.deregister_task_definition(taskDefinition='frontend:2')
        self.assertEqual(ecs.describe_task_definition(taskDefinition='frontend:2')
                         ['taskDefinition']['status'], 'INACTIVE')
        self.assertEqual(ecs.describe_task_definition(taskDefinition='frontend')
                         ['taskDefinition']['revision'], 1)
        self.assertEqual(self.register()['revision'], 3)  # never reused
        self.assertAwsError('ClientException', ecs.describe_task_definition,
                            taskDefinition='frontend:9')
        active = ecs.list_task_definitions(familyPrefix='frontend', sort='DESC')
        self.assertEqual([a.rsplit(':', 1)[1] for a in active['taskDefinitionArns']], ['3', '1'])
        self.assertEqual(ecs.list_task_definitions(status='INACTIVE')['taskDefinitionArns'],
                         [second['taskDefinitionArn']])
        self.assertEqual(ecs.list_task_definition_families()['families'], ['frontend'])

    def test_delete_task_definitions(self):
        ecs, tagging = self.ecs, self.client('resourcegroupstaggingapi')
        first = self.register(tags=STACK)['taskDefinitionArn']
        second = self.register(tags=STACK)['taskDefinitionArn']

        def tagged():
            return sorted(m['ResourceARN'] for m in tagging.get_resources(
                ResourceTypeFilters=['ecs:task-definition'])['ResourceTagMappingList'])

        # Only INACTIVE revisions can be deleted; the others are failures,
        # not errors, and the deleted ones are answered DELETE_IN_PROGRESS.
        ecs.deregister_task_definition(taskDefinition=first)
        self.assertEqual(tagged(), [first, second])  # INACTIVE keeps its tags
        answer = ecs.delete_task_definitions(taskDefinitions=[first, 'frontend:2', 'frontend:7'])
        self.assertEqual([(d['taskDefinitionArn'], d['status']) for d in answer['taskDefinitions']],
                         [(first, 'DELETE_IN_PROGRESS')])
        self.assertEqual([f['arn'] for f in answer['failures']],
                         [second, second.replace(':2', ':7')])
        # Nothing uses it: gone from Describe, List and the tagging API.
        self.assertAwsError('ClientException', ecs.describe_task_definition, taskDefinition=first)
        self.assertEqual(ecs.list_task_definitions(status='INACTIVE')['taskDefinitionArns'], [])
        self.assertEqual(ecs.list_task_definitions(status='DELETE_IN_PROGRESS')
                         ['taskDefinitionArns'], [])
        self.assertEqual(tagged(), [second])
        self.assertAwsError('ClientException', ecs.delete_task_definitions,
                            taskDefinitions=['frontend'])
        self.assertAwsError('InvalidParameterException', ecs.delete_task_definitions,
                            taskDefinitions=[f'frontend:{i}' for i in range(1, 12)])
        self.assertEqual(self.register()['revision'], 3)  # never reused

    def test_fargate_service_with_load_balancer_and_cloud_map(self):
        ecs, ec2, elb = self.ecs, self.client('ec2'), self.client('elbv2')
        sd, logs = self.client('servicediscovery'), self.client('logs')
        vpc_id, subnets, group = self.network()
        igw = ec2.create_internet_gateway()['InternetGateway']['InternetGatewayId']
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
        lb = elb.create_load_balancer(Name='frontend', Subnets=subnets,
                                      SecurityGroups=[group])['LoadBalancers'][0]
        target_group = elb.create_target_group(Name='web', Protocol='HTTP', Port=3000,
                                               VpcId=vpc_id, TargetType='ip')['TargetGroups'][0]
        tg_arn = target_group['TargetGroupArn']
        operation = sd.create_private_dns_namespace(Name='service.local', Vpc=vpc_id)
        deadline = time.monotonic() + 5
        while sd.get_operation(OperationId=operation['OperationId'])['Operation']['Status'] \
                != 'SUCCESS' and time.monotonic() < deadline:
            time.sleep(0.05)
        namespace_id = sd.list_namespaces()['Namespaces'][0]['Id']
        registry = sd.create_service(Name='ecsdemo-frontend', NamespaceId=namespace_id,
                                     DnsConfig={'DnsRecords': [{'Type': 'A', 'TTL': 60}]})
        registry_arn = registry['Service']['Arn']
        ecs.create_cluster(clusterName='container-demo',
                           settings=[{'name': 'containerInsights', 'value': 'enabled'}])
        definition = self.register(containerDefinitions=[
            container(log_group='/ecs/frontend', create_group=True)])
        service_args = dict(
            cluster='container-demo', serviceName='ecsdemo-frontend',
            taskDefinition='frontend', desiredCount=2, launchType='FARGATE',
            networkConfiguration={'awsvpcConfiguration': {
                'subnets': subnets, 'securityGroups': [group], 'assignPublicIp': 'DISABLED'}},
            loadBalancers=[{'targetGroupArn': tg_arn, 'containerName': 'web',
                            'containerPort': 3000}],
            serviceRegistries=[{'registryArn': registry_arn}], tags=STACK)
        # The target group must be used by a load balancer first.
        error = self.assertAwsError('InvalidParameterException', ecs.create_service,
                                    **service_args)
        self.assertIn('does not have an associated load balancer', error['Error']['Message'])
        elb.create_listener(LoadBalancerArn=lb['LoadBalancerArn'], Protocol='HTTP', Port=80,
                            DefaultActions=[{'Type': 'forward', 'TargetGroupArn': tg_arn}])
        service = ecs.create_service(**service_args)['service']
        self.assertEqual(service['serviceArn'], 'arn:aws:ecs:us-west-2:123456789012:service/'
                         'container-demo/ecsdemo-frontend')
        self.assertEqual(service['deployments'][0]['rolloutState'], 'IN_PROGRESS')
        self.assertEqual(service['runningCount'], 0)
        self.assertEqual(service['platformVersion'], 'LATEST')
        self.assertAwsError('InvalidParameterException', ecs.create_service, **service_args)
        fast('services_stable', ecs).wait(cluster='container-demo', services=['ecsdemo-frontend'])
        stable = ecs.describe_services(cluster='container-demo',
                                       services=['ecsdemo-frontend'])['services'][0]
        self.assertEqual(stable['deployments'][0]['rolloutState'], 'COMPLETED')
        self.assertEqual(stable['runningCount'], 2)
        self.assertIn('has reached a steady state', stable['events'][0]['message'])
        # Tasks with ENIs in the subnets; targets and Cloud Map instances.
        task_arns = ecs.list_tasks(cluster='container-demo',
                                   serviceName='ecsdemo-frontend')['taskArns']
        tasks = ecs.describe_tasks(cluster='container-demo', tasks=task_arns)['tasks']
        self.assertEqual({t['lastStatus'] for t in tasks}, {'RUNNING'})
        details = {d['name']: d['value'] for d in tasks[0]['attachments'][0]['details']}
        eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[details['networkInterfaceId']])
        self.assertTrue(eni['NetworkInterfaces'][0]['RequesterManaged'])
        self.assertEqual(eni['NetworkInterfaces'][0]['Groups'][0]['GroupId'], group)
        enis = ec2.describe_network_interfaces(Filters=[
            {'Name': 'description', 'Values': ['arn:aws:ecs:*:attachment/*']}])
        self.assertEqual(len(enis['NetworkInterfaces']), 2)
        fast('target_in_service', elb).wait(TargetGroupArn=tg_arn)
        health = elb.describe_target_health(TargetGroupArn=tg_arn)['TargetHealthDescriptions']
        self.assertEqual(len(health), 2)
        self.assertEqual(sd.get_service(Id=registry['Service']['Id'])['Service']
                         ['InstanceCount'], 2)
        groups = {g['logGroupName'] for g in logs.describe_log_groups(limit=50)['logGroups']}
        self.assertEqual(groups, {'/ecs/frontend',
                                  '/aws/ecs/containerinsights/container-demo/performance'})
        tagged = self.client('resourcegroupstaggingapi').get_resources(
            TagFilters=[{'Key': 'berth:stack', 'Values': ['demo']}],
            ResourceTypeFilters=['ecs:service'])['ResourceTagMappingList']
        self.assertEqual([r['ResourceARN'] for r in tagged], [service['serviceArn']])
        # Dependencies AWS enforces meanwhile.
        self.assertAwsError('DependencyViolation', ec2.delete_subnet, SubnetId=subnets[0])
        self.assertAwsError('ClusterContainsServicesException', ecs.delete_cluster,
                            cluster='container-demo')
        self.assertAwsError('ResourceInUse', sd.delete_service, Id=registry['Service']['Id'])
        # A new task definition revision rolls out as a second deployment.
        self.register(containerDefinitions=[container(log_group='/ecs/frontend')])
        rolling = ecs.update_service(cluster='container-demo', service='ecsdemo-frontend',
                                     taskDefinition='frontend')['service']
        self.assertEqual([d['status'] for d in rolling['deployments']], ['PRIMARY', 'ACTIVE'])
        fast('services_stable', ecs).wait(cluster='container-demo', services=['ecsdemo-frontend'])
        done = ecs.describe_services(cluster='container-demo', services=['ecsdemo-frontend'],
                                     include=['TAGS'])['services'][0]
        self.assertEqual(done['taskDefinition'].rsplit(':', 1)[1], '2')
        self.assertEqual(done['tags'], STACK)
        self.assertEqual(len(done['deployments']), 1)
        stopped = ecs.list_tasks(cluster='container-demo', desiredStatus='STOPPED')['taskArns']
        self.assertEqual(sorted(stopped), sorted(task_arns))
        # Stopping a task: the scheduler replaces it.
        ecs.stop_task(cluster='container-demo', task=ecs.list_tasks(
            cluster='container-demo')['taskArns'][0], reason='test')
        fast('services_stable', ecs).wait(cluster='container-demo', services=['ecsdemo-frontend'])
        # Deleting: scale to 0 first (or force), DRAINING, then INACTIVE.
        self.assertAwsError('InvalidParameterException', ecs.delete_service,
                            cluster='container-demo', service='ecsdemo-frontend')
        ecs.update_service(cluster='container-demo', service='ecsdemo-frontend', desiredCount=0)
        draining = ecs.delete_service(cluster='container-demo',
                                      service='ecsdemo-frontend')['service']
        self.assertEqual(draining['status'], 'DRAINING')
        fast('services_inactive', ecs).wait(cluster='container-demo',
                                            services=['ecsdemo-frontend'])
        self.assertEqual(ec2.describe_network_interfaces(Filters=[
            {'Name': 'subnet-id', 'Values': subnets},
            {'Name': 'requester-id', 'Values': ['578734482556']}])['NetworkInterfaces'], [])
        self.assertEqual(sd.get_service(Id=registry['Service']['Id'])['Service']
                         ['InstanceCount'], 0)
        self.assertAwsError('ServiceNotActiveException', ecs.update_service,
                            cluster='container-demo', service='ecsdemo-frontend', desiredCount=1)
        self.assertEqual(ecs.list_services(cluster='container-demo')['serviceArns'], [])
        ecs.delete_cluster(cluster='container-demo')
        self.assertEqual([r['id'] for r in self.emu.resources(stack='demo')], [])
        del definition

    def test_service_errors_and_failed_tasks(self):
        ecs = self.ecs
        vpc_id, subnets, group = self.network()
        ecs.create_cluster(clusterName='c')
        self.register(containerDefinitions=[container(log_group='/ecs/missing')])
        network = {'awsvpcConfiguration': {'subnets': subnets, 'securityGroups': [group]}}
        self.assertAwsError('InvalidParameterException', ecs.create_service, cluster='c',
                            serviceName='s', taskDefinition='frontend', desiredCount=1,
                            launchType='FARGATE')
        self.assertAwsError('InvalidParameterException', ecs.create_service, cluster='c',
                            serviceName='s', taskDefinition='frontend', desiredCount=1,
                            launchType='FARGATE', networkConfiguration={'awsvpcConfiguration': {
                                'subnets': ['subnet-0123456789abcdef0']}})
        self.assertAwsError('ClusterNotFoundException', ecs.create_service, cluster='nope',
                            serviceName='s', taskDefinition='frontend', desiredCount=1)
        elb = self.client('elbv2')
        instance_group = elb.create_target_group(Name='inst', Protocol='HTTP', Port=3000,
                                                 VpcId=vpc_id)['TargetGroups'][0]
        self.assertAwsError('InvalidParameterException', ecs.create_service, cluster='c',
                            serviceName='s', taskDefinition='frontend', desiredCount=1,
                            launchType='FARGATE', networkConfiguration=network,
                            loadBalancers=[{'targetGroupArn': instance_group['TargetGroupArn'],
                                            'containerName': 'web', 'containerPort': 3000}])
        # The awslogs group does not exist: tasks fail to start; the circuit
        # breaker fails the rollout.
        ecs.create_service(cluster='c', serviceName='s', taskDefinition='frontend',
                           desiredCount=1, launchType='FARGATE', networkConfiguration=network,
                           deploymentConfiguration={'deploymentCircuitBreaker': {
                               'enable': True, 'rollback': False}})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            deployment = ecs.describe_services(cluster='c', services=['s'])['services'][0][
                'deployments'][0]
            if deployment['rolloutState'] == 'FAILED':
                break
            time.sleep(0.1)
        self.assertEqual(deployment['rolloutState'], 'FAILED')
        self.assertGreaterEqual(deployment['failedTasks'], 3)
        stopped = ecs.list_tasks(cluster='c', desiredStatus='STOPPED')['taskArns']
        task = ecs.describe_tasks(cluster='c', tasks=stopped[:1])['tasks'][0]
        self.assertEqual(task['stopCode'], 'TaskFailedToStart')
        self.assertIn('ResourceInitializationError', task['stoppedReason'])
        described = ecs.describe_services(cluster='c', services=['s', 'ghost'])
        self.assertEqual(described['failures'][0]['reason'], 'MISSING')
        self.assertAwsError('InvalidParameterException', ecs.describe_services, cluster='c',
                            services=[f's{i}' for i in range(11)])
        ecs.delete_service(cluster='c', service='s', force=True)
        self.assertAwsError('ServiceNotFoundException', ecs.update_service, cluster='c',
                            service='ghost', desiredCount=1)

    def test_circuit_breaker_rolls_back(self):
        ecs = self.ecs
        vpc_id, subnets, group = self.network()
        self.client('logs').create_log_group(logGroupName='/ecs/good')
        ecs.create_cluster(clusterName='c')
        good = self.register(containerDefinitions=[container(log_group='/ecs/good')])
        network = {'awsvpcConfiguration': {'subnets': subnets, 'securityGroups': [group]}}
        ecs.create_service(cluster='c', serviceName='s', taskDefinition='frontend',
                           desiredCount=1, launchType='FARGATE', networkConfiguration=network,
                           deploymentConfiguration={'deploymentCircuitBreaker': {
                               'enable': True, 'rollback': True}})
        fast('services_stable', ecs).wait(cluster='c', services=['s'])
        self.register(containerDefinitions=[container(log_group='/ecs/missing')])
        ecs.update_service(cluster='c', service='s', taskDefinition='frontend:2')
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            service = ecs.describe_services(cluster='c', services=['s'])['services'][0]
            if service['taskDefinition'] == good['taskDefinitionArn']:
                break
            time.sleep(0.1)
        self.assertEqual(service['taskDefinition'], good['taskDefinitionArn'])
        self.assertIn('rolling back', service['deployments'][0]['rolloutStateReason'])
        self.assertEqual(service['deployments'][1]['rolloutState'], 'FAILED')
        fast('services_stable', ecs).wait(cluster='c', services=['s'])
        final = ecs.describe_services(cluster='c', services=['s'])['services'][0]
        self.assertEqual([d['rolloutState'] for d in final['deployments']], ['COMPLETED'])
        del vpc_id

    def test_awslogs_create_group_spellings(self):
        # The agent creates the group when a task starts, untagged; "True"
        # (the CloudWatch agent template's spelling) counts as true, "yes"
        # does not (Go's ParseBool), so that task fails on the missing group.
        ecs, logs = self.ecs, self.client('logs')
        vpc_id, subnets, group = self.network()
        ecs.create_cluster(clusterName='c')
        network = {'awsvpcConfiguration': {'subnets': subnets, 'securityGroups': [group]}}
        for name, value in (('upper', 'True'), ('one', '1'), ('yes', 'yes')):
            web = container(log_group=f'/ecs/{name}')
            web['logConfiguration']['options']['awslogs-create-group'] = value
            self.register(family=name, containerDefinitions=[web])
            ecs.create_service(cluster='c', serviceName=name, taskDefinition=name,
                               desiredCount=1, launchType='FARGATE', networkConfiguration=network)
        fast('services_stable', ecs).wait(cluster='c', services=['upper', 'one'])
        found = logs.describe_log_groups(logGroupNamePrefix='/ecs/')['logGroups']
        self.assertEqual(sorted(g['logGroupName'] for g in found), ['/ecs/one', '/ecs/upper'])
        self.assertEqual(logs.list_tags_for_resource(
            resourceArn=found[0]['arn'].rstrip(':*'))['tags'], {})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not ecs.list_tasks(
                cluster='c', serviceName='yes', desiredStatus='STOPPED')['taskArns']:
            time.sleep(0.1)
        stopped = ecs.list_tasks(cluster='c', serviceName='yes', desiredStatus='STOPPED')
        self.assertTrue(stopped['taskArns'])
        del vpc_id

    def test_daemon_service_on_ec2_blocks_cluster_deletion(self):
        ecs = self.ecs
        ecs.create_cluster(clusterName='container-demo')
        definition = ecs.register_task_definition(
            family='ecs-cwagent-daemon-service', networkMode='bridge',
            requiresCompatibilities=['EC2'], executionRoleArn='CWAgentECSExecutionRole',
            containerDefinitions=[{'name': 'cloudwatch-agent', 'image': 'amazon/cloudwatch-agent',
                                   'memoryReservation': 50}])['taskDefinition']
        self.assertEqual(definition['executionRoleArn'],
                         'arn:aws:iam::123456789012:role/CWAgentECSExecutionRole')
        self.assertAwsError('InvalidParameterException', ecs.create_service,
                            cluster='container-demo', serviceName='d', launchType='FARGATE',
                            taskDefinition='ecs-cwagent-daemon-service',
                            schedulingStrategy='DAEMON')
        service = ecs.create_service(cluster='container-demo', serviceName='cwagent-daemon-service',
                                     taskDefinition='ecs-cwagent-daemon-service',
                                     launchType='EC2', schedulingStrategy='DAEMON')['service']
        self.assertEqual(service['deploymentConfiguration']['maximumPercent'], 100)
        fast('services_stable', ecs).wait(cluster='container-demo',
                                          services=['cwagent-daemon-service'])
        # No container instances, so no daemon task, and nothing creates
        # an awslogs group (as in AWS with an empty cluster).
        self.assertEqual(ecs.list_tasks(cluster='container-demo')['taskArns'], [])
        self.assertAwsError('ClusterContainsServicesException', ecs.delete_cluster,
                            cluster='container-demo')
        ecs.delete_service(cluster='container-demo', service='cwagent-daemon-service')
        fast('services_inactive', ecs).wait(cluster='container-demo',
                                            services=['cwagent-daemon-service'])
        ecs.delete_cluster(cluster='container-demo')

    def test_aws_cli(self):
        self.ecs.create_cluster(clusterName='container-demo')
        result = subprocess.run(
            ['aws', 'ecs', 'update-cluster-settings', '--cluster', 'container-demo',
             '--settings', 'name=containerInsights,value=enabled'],
            env=self.emu.env(), capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)['cluster']['settings'],
                         [{'name': 'containerInsights', 'value': 'enabled'}])


if __name__ == '__main__':
    unittest.main()
