"""Cloud Map namespaces, services, instances and asynchronous operations."""

import json
import os
import subprocess
import time
import unittest

os.environ.setdefault('BERTH_EMU_DELAY', '0.3')

from emutest import EmulatorTestCase  # noqa: E402


class ServiceDiscoveryTest(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.sd = self.client('servicediscovery')
        self.vpc_id = self.client('ec2').create_vpc(CidrBlock='10.0.0.0/24')['Vpc']['VpcId']

    def wait_operation(self, operation_id):
        seen = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            operation = self.sd.get_operation(OperationId=operation_id)['Operation']
            if not seen or seen[-1] != operation['Status']:
                seen.append(operation['Status'])
            if operation['Status'] in ('SUCCESS', 'FAIL'):
                return operation, seen
            time.sleep(0.05)
        self.fail(f'operation {operation_id} stuck: {seen}')

    def namespace(self, name='service.local'):
        operation_id = self.sd.create_private_dns_namespace(
            Name=name, Vpc=self.vpc_id, CreatorRequestId=f'req-{name}',
            Tags=[{'Key': 'berth:stack', 'Value': 'demo'}])['OperationId']
        operation, _ = self.wait_operation(operation_id)
        return operation['Targets']['NAMESPACE']

    def test_namespace_lifecycle_is_asynchronous(self):
        sd = self.sd
        operation_id = sd.create_private_dns_namespace(
            Name='service.local', Vpc=self.vpc_id, CreatorRequestId='req-1',
            Tags=[{'Key': 'berth:stack', 'Value': 'demo'}])['OperationId']
        # The same request again is the same operation.
        self.assertEqual(sd.create_private_dns_namespace(
            Name='service.local', Vpc=self.vpc_id, CreatorRequestId='req-1')['OperationId'],
            operation_id)
        first = sd.get_operation(OperationId=operation_id)['Operation']
        self.assertEqual(first['Status'], 'SUBMITTED')
        self.assertEqual(first['Type'], 'CREATE_NAMESPACE')
        namespace_id = first['Targets']['NAMESPACE']
        self.assertEqual(sd.list_namespaces()['Namespaces'], [])  # not yet
        self.assertAwsError('NamespaceNotFound', sd.get_namespace, Id=namespace_id)
        operation, seen = self.wait_operation(operation_id)
        self.assertEqual(seen[-1], 'SUCCESS')
        self.assertIn('PENDING', seen)
        namespace = sd.get_namespace(Id=namespace_id)['Namespace']
        self.assertEqual((namespace['Name'], namespace['Type']), ('service.local', 'DNS_PRIVATE'))
        self.assertRegex(namespace['Id'], r'^ns-[a-z0-9]{16}$')
        self.assertIn('HostedZoneId', namespace['Properties']['DnsProperties'])
        self.assertEqual(sd.list_tags_for_resource(ResourceARN=namespace['Arn'])['Tags'],
                         [{'Key': 'berth:stack', 'Value': 'demo'}])
        error = self.assertAwsError('NamespaceAlreadyExists', sd.create_private_dns_namespace,
                                    Name='service.local', Vpc=self.vpc_id)
        self.assertEqual(error['NamespaceId'], namespace_id)
        self.assertAwsError('InvalidInput', sd.create_private_dns_namespace, Name='x.local',
                            Vpc='vpc-0123456789abcdef0')
        listed = sd.list_namespaces(Filters=[{'Name': 'TYPE', 'Values': ['DNS_PRIVATE']}])
        self.assertEqual([n['Id'] for n in listed['Namespaces']], [namespace_id])
        # Services keep it alive.
        service = sd.create_service(
            Name='ecsdemo-nodejs', NamespaceId=namespace_id,
            DnsConfig={'DnsRecords': [{'Type': 'A', 'TTL': 60}]},
            HealthCheckCustomConfig={'FailureThreshold': 1})['Service']
        self.assertEqual(service['DnsConfig']['RoutingPolicy'], 'MULTIVALUE')
        self.assertEqual(service['Type'], 'DNS_HTTP')
        error = self.assertAwsError('ServiceAlreadyExists', sd.create_service,
                                    Name='ecsdemo-nodejs', NamespaceId=namespace_id)
        self.assertEqual(error['ServiceId'], service['Id'])
        self.assertAwsError('ResourceInUse', sd.delete_namespace, Id=namespace_id)
        sd.register_instance(ServiceId=service['Id'], InstanceId='task-1',
                             Attributes={'AWS_INSTANCE_IPV4': '10.0.0.5'})
        self.assertEqual(sd.get_service(Id=service['Id'])['Service']['InstanceCount'], 1)
        self.assertAwsError('ResourceInUse', sd.delete_service, Id=service['Id'])
        sd.deregister_instance(ServiceId=service['Id'], InstanceId='task-1')
        update = sd.update_service(Id=service['Id'], Service={'Description': 'nodejs'})
        self.assertEqual(self.wait_operation(update['OperationId'])[0]['Type'], 'UPDATE_SERVICE')
        sd.delete_service(Id=service['Id'])
        self.assertAwsError('ServiceNotFound', sd.get_service, Id=service['Id'])
        delete_id = sd.delete_namespace(Id=namespace_id)['OperationId']
        self.assertEqual(sd.get_namespace(Id=namespace_id)['Namespace']['Id'], namespace_id)
        self.wait_operation(delete_id)
        self.assertAwsError('NamespaceNotFound', sd.get_namespace, Id=namespace_id)
        self.assertAwsError('OperationNotFound', sd.get_operation, OperationId='nope')
        self.assertEqual(self.emu.resources(stack='demo'), [])

    def test_services_pagination_and_tags(self):
        sd = self.sd
        namespace_id = self.namespace()
        ids = [sd.create_service(Name=f'svc-{i}', NamespaceId=namespace_id,
                                 DnsConfig={'DnsRecords': [{'Type': 'A', 'TTL': 10}]},
                                 Tags=[{'Key': 'berth:stack', 'Value': 'demo'}])['Service']['Id']
               for i in range(7)]
        pages = list(sd.get_paginator('list_services').paginate(
            Filters=[{'Name': 'NAMESPACE_ID', 'Values': [namespace_id], 'Condition': 'EQ'}],
            PaginationConfig={'PageSize': 3}))
        self.assertEqual(len(pages), 3)
        self.assertEqual(sorted(s['Id'] for p in pages for s in p['Services']), sorted(ids))
        arn = sd.get_service(Id=ids[0])['Service']['Arn']
        sd.tag_resource(ResourceARN=arn, Tags=[{'Key': 'team', 'Value': 'a'}])
        sd.untag_resource(ResourceARN=arn, TagKeys=['berth:stack'])
        self.assertEqual(sd.list_tags_for_resource(ResourceARN=arn)['Tags'],
                         [{'Key': 'team', 'Value': 'a'}])
        self.assertAwsError('ResourceNotFoundException', sd.list_tags_for_resource,
                            ResourceARN=arn.replace(ids[0], 'srv-0000000000000000'))
        self.assertEqual(sd.get_namespace(Id=namespace_id)['Namespace']['ServiceCount'], 7)

    def test_aws_cli(self):
        namespace_id = self.namespace()
        result = subprocess.run(['aws', 'servicediscovery', 'get-namespace', '--id', namespace_id],
                                env=self.emu.env(), capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)['Namespace']['Name'], 'service.local')


if __name__ == '__main__':
    unittest.main()
