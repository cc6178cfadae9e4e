"""ELBv2 load balancers, target groups, listeners and target health."""

import json
import os
import subprocess
import time
import unittest

os.environ.setdefault('BERTH_EMU_DELAY', '0.3')

from emutest import EmulatorTestCase  # noqa: E402

STACK = [{'Key': 'berth:stack', 'Value': 'demo'}]


def fast(waiter_name, client):
    waiter = client.get_waiter(waiter_name)
    waiter.config.delay = 0.2
    waiter.config.max_attempts = 50
    return waiter


class Elbv2Test(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.ec2 = self.client('ec2')
        self.elb = self.client('elbv2')
        ec2 = self.ec2
        self.vpc_id = ec2.create_vpc(CidrBlock='10.0.0.0/24')['Vpc']['VpcId']
        self.subnets = [ec2.create_subnet(VpcId=self.vpc_id, CidrBlock=f'10.0.0.{i * 32}/27',
                                          AvailabilityZone=zone)['Subnet']['SubnetId']
                        for i, zone in enumerate(('us-west-2a', 'us-west-2b', 'us-west-2c'))]
        self.group_id = ec2.create_security_group(GroupName='alb', Description='alb',
                                                  VpcId=self.vpc_id)['GroupId']

    def attach_gateway(self):
        igw = self.ec2.create_internet_gateway()['InternetGateway']['InternetGatewayId']
        self.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=self.vpc_id)
        return igw

    def alb(self, name='frontend', subnets=None):
        return self.elb.create_load_balancer(
            Name=name, Subnets=subnets or self.subnets[:2], SecurityGroups=[self.group_id],
            Tags=STACK)['LoadBalancers'][0]

    def test_target_group_health_check_defaults(self):
        elb = self.elb
        http = elb.create_target_group(Name='web', Protocol='HTTP', Port=3000,
                                       VpcId=self.vpc_id, TargetType='ip')['TargetGroups'][0]
        expected = {'HealthCheckProtocol': 'HTTP', 'HealthCheckPort': 'traffic-port',
                    'HealthCheckEnabled': True, 'HealthCheckIntervalSeconds': 30,
                    'HealthCheckTimeoutSeconds': 5, 'HealthyThresholdCount': 5,
                    'UnhealthyThresholdCount': 2, 'HealthCheckPath': '/',
                    'Matcher': {'HttpCode': '200'}, 'ProtocolVersion': 'HTTP1',
                    'TargetType': 'ip', 'LoadBalancerArns': [], 'IpAddressType': 'ipv4'}
        self.assertEqual({k: http[k] for k in expected}, expected)
        tcp = elb.create_target_group(Name='tcp', Protocol='TCP', Port=80,
                                      VpcId=self.vpc_id)['TargetGroups'][0]
        self.assertEqual((tcp['HealthCheckProtocol'], tcp['HealthCheckTimeoutSeconds'],
                          tcp['TargetType']), ('TCP', 10, 'instance'))
        self.assertNotIn('HealthCheckPath', tcp)
        tcp_http = elb.create_target_group(Name='tcp-http', Protocol='TCP', Port=80,
                                           VpcId=self.vpc_id, HealthCheckProtocol='HTTP')
        self.assertEqual(tcp_http['TargetGroups'][0]['HealthCheckTimeoutSeconds'], 6)
        self.assertEqual(tcp_http['TargetGroups'][0]['Matcher'], {'HttpCode': '200-399'})
        # Same settings: idempotent; different: a conflict.
        again = elb.create_target_group(Name='web', Protocol='HTTP', Port=3000,
                                        VpcId=self.vpc_id, TargetType='ip')['TargetGroups'][0]
        self.assertEqual(again['TargetGroupArn'], http['TargetGroupArn'])
        self.assertAwsError('DuplicateTargetGroupName', elb.create_target_group, Name='web',
                            Protocol='HTTP', Port=80, VpcId=self.vpc_id)
        self.assertAwsError('ValidationError', elb.create_target_group, Name='-bad-', Port=80,
                            Protocol='HTTP', VpcId=self.vpc_id)
        self.assertAwsError('ValidationError', elb.create_target_group, Name='novpc',
                            Protocol='HTTP', Port=80)
        attributes = {a['Key']: a['Value'] for a in elb.describe_target_group_attributes(
            TargetGroupArn=http['TargetGroupArn'])['Attributes']}
        self.assertEqual(attributes['deregistration_delay.timeout_seconds'], '300')
        elb.modify_target_group_attributes(TargetGroupArn=http['TargetGroupArn'], Attributes=[
            {'Key': 'deregistration_delay.timeout_seconds', 'Value': '0'}])
        self.assertAwsError('InvalidConfigurationRequest', elb.modify_target_group_attributes,
                            TargetGroupArn=http['TargetGroupArn'],
                            Attributes=[{'Key': 'no.such.key', 'Value': '1'}])
        modified = elb.modify_target_group(TargetGroupArn=http['TargetGroupArn'],
                                           HealthCheckPath='/health')['TargetGroups'][0]
        self.assertEqual(modified['HealthCheckPath'], '/health')
        pages = list(elb.get_paginator('describe_target_groups').paginate(
            PaginationConfig={'PageSize': 2}))
        self.assertEqual(sum(len(p['TargetGroups']) for p in pages), 3)

    def test_load_balancer_lifecycle_listeners_and_targets(self):
        elb, ec2 = self.elb, self.ec2
        # Internet-facing needs an internet gateway; an ALB two zones.
        self.assertAwsError('InvalidSubnet', self.alb)
        self.attach_gateway()
        self.assertAwsError('ValidationError', elb.create_load_balancer, Name='one',
                            Subnets=self.subnets[:1])
        self.assertAwsError('SubnetNotFound', elb.create_load_balancer, Name='bad',
                            Subnets=['subnet-0123456789abcdef0', self.subnets[0]])
        lb = self.alb()
        self.assertEqual(lb['State'], {'Code': 'provisioning'})
        self.assertRegex(lb['DNSName'], r'^frontend-\d+\.us-west-2\.elb\.amazonaws\.com$')
        self.assertEqual(lb['CanonicalHostedZoneId'], 'Z1H1FL5HABSF5')
        self.assertRegex(lb['LoadBalancerArn'], r':loadbalancer/app/frontend/[0-9a-f]{16}$')
        self.assertEqual(self.alb()['LoadBalancerArn'], lb['LoadBalancerArn'])  # idempotent
        self.assertAwsError('DuplicateLoadBalancerName', self.alb, subnets=self.subnets[1:])
        fast('load_balancer_available', elb).wait(LoadBalancerArns=[lb['LoadBalancerArn']])
        self.assertEqual(self.client('iam').get_role(
            RoleName='AWSServiceRoleForElasticLoadBalancing')['Role']['Path'],
            '/aws-service-role/elasticloadbalancing.amazonaws.com/')
        enis = ec2.describe_network_interfaces(Filters=[
            {'Name': 'description', 'Values': ['ELB app/frontend/*']}])['NetworkInterfaces']
        self.assertEqual(sorted(e['SubnetId'] for e in enis), sorted(self.subnets[:2]))
        self.assertEqual(enis[0]['RequesterId'], 'amazon-elb')
        self.assertAwsError('DependencyViolation', ec2.delete_security_group, GroupId=self.group_id)
        # Attributes.
        attributes = {a['Key']: a['Value'] for a in elb.describe_load_balancer_attributes(
            LoadBalancerArn=lb['LoadBalancerArn'])['Attributes']}
        self.assertEqual(attributes['idle_timeout.timeout_seconds'], '60')
        elb.modify_load_balancer_attributes(LoadBalancerArn=lb['LoadBalancerArn'], Attributes=[
            {'Key': 'deletion_protection.enabled', 'Value': 'true'}])
        self.assertAwsError('OperationNotPermitted', elb.delete_load_balancer,
                            LoadBalancerArn=lb['LoadBalancerArn'])
        elb.modify_load_balancer_attributes(LoadBalancerArn=lb['LoadBalancerArn'], Attributes=[
            {'Key': 'deletion_protection.enabled', 'Value': 'false'}])
        # Targets are unused until a listener forwards to the group.
        group = elb.create_target_group(Name='web', Protocol='HTTP', Port=3000, VpcId=self.vpc_id,
                                        TargetType='ip', Tags=STACK)['TargetGroups'][0]
        arn = group['TargetGroupArn']
        elb.register_targets(TargetGroupArn=arn, Targets=[{'Id': '10.0.0.10'}])
        self.assertAwsError('InvalidTarget', elb.register_targets, TargetGroupArn=arn,
                            Targets=[{'Id': '192.168.0.1'}])
        health = elb.describe_target_health(TargetGroupArn=arn)['TargetHealthDescriptions']
        self.assertEqual(health[0]['TargetHealth']['Reason'], 'Target.NotInUse')
        listener = elb.create_listener(
            LoadBalancerArn=lb['LoadBalancerArn'], Protocol='HTTP', Port=80,
            DefaultActions=[{'Type': 'forward', 'TargetGroupArn': arn}])['Listeners'][0]
        self.assertEqual(listener['DefaultActions'][0]['TargetGroupArn'], arn)
        self.assertAwsError('DuplicateListener', elb.create_listener,
                            LoadBalancerArn=lb['LoadBalancerArn'], Protocol='HTTP', Port=80,
                            DefaultActions=[{'Type': 'fixed-response', 'FixedResponseConfig': {
                                'StatusCode': '404'}}])
        self.assertAwsError('UnsupportedProtocol', elb.create_listener,
                            LoadBalancerArn=lb['LoadBalancerArn'], Protocol='TCP', Port=81,
                            DefaultActions=[{'Type': 'forward', 'TargetGroupArn': arn}])
        self.assertEqual(elb.describe_target_groups(TargetGroupArns=[arn])['TargetGroups'][0]
                         ['LoadBalancerArns'], [lb['LoadBalancerArn']])
        if hasattr(elb, 'describe_listener_attributes'):  # newer botocore only
            attributes = elb.modify_listener_attributes(
                ListenerArn=listener['ListenerArn'],
                Attributes=[{'Key': 'routing.http.response.server.enabled', 'Value': 'false'}])
            self.assertIn({'Key': 'routing.http.response.server.enabled', 'Value': 'false'},
                          attributes['Attributes'])
        state = elb.describe_target_health(TargetGroupArn=arn)['TargetHealthDescriptions'][0]
        self.assertEqual(state['TargetHealth']['State'], 'initial')
        self.assertEqual(state['HealthCheckPort'], '3000')
        fast('target_in_service', elb).wait(TargetGroupArn=arn, Targets=[{'Id': '10.0.0.10'}])
        # A group in use by a listener cannot go.
        self.assertAwsError('ResourceInUse', elb.delete_target_group, TargetGroupArn=arn)
        elb.deregister_targets(TargetGroupArn=arn, Targets=[{'Id': '10.0.0.10'}])
        self.assertEqual(elb.describe_target_health(TargetGroupArn=arn)
                         ['TargetHealthDescriptions'][0]['TargetHealth']['State'], 'draining')
        fast('target_deregistered', elb).wait(TargetGroupArn=arn, Targets=[{'Id': '10.0.0.10'}])
        self.assertAwsError('InvalidTarget', elb.deregister_targets, TargetGroupArn=arn,
                            Targets=[{'Id': '10.0.0.10'}])
        # Security groups and subnets can change.
        other = ec2.create_security_group(GroupName='alb2', Description='alb2',
                                          VpcId=self.vpc_id)['GroupId']
        self.assertEqual(elb.set_security_groups(LoadBalancerArn=lb['LoadBalancerArn'],
                                                 SecurityGroups=[other])['SecurityGroupIds'],
                         [other])
        zones = elb.set_subnets(LoadBalancerArn=lb['LoadBalancerArn'],
                                Subnets=self.subnets[1:])['AvailabilityZones']
        self.assertEqual(sorted(z['ZoneName'] for z in zones), ['us-west-2b', 'us-west-2c'])
        # Tags.
        elb.add_tags(ResourceArns=[lb['LoadBalancerArn'], listener['ListenerArn']],
                     Tags=[{'Key': 'team', 'Value': 'a'}])
        elb.remove_tags(ResourceArns=[lb['LoadBalancerArn']], TagKeys=['berth:stack'])
        described = elb.describe_tags(ResourceArns=[lb['LoadBalancerArn'], arn])
        self.assertEqual([d['Tags'] for d in described['TagDescriptions']],
                         [[{'Key': 'team', 'Value': 'a'}], STACK])
        self.assertAwsError('DuplicateTagKeys', elb.add_tags, ResourceArns=[arn],
                            Tags=[{'Key': 'a', 'Value': '1'}, {'Key': 'a', 'Value': '2'}])
        # Teardown: the load balancer's ENIs linger a moment, like AWS's.
        elb.delete_listener(ListenerArn=listener['ListenerArn'])
        elb.delete_target_group(TargetGroupArn=arn)
        self.assertAwsError('TargetGroupNotFound', elb.describe_target_groups,
                            TargetGroupArns=[arn])
        elb.delete_load_balancer(LoadBalancerArn=lb['LoadBalancerArn'])
        elb.delete_load_balancer(LoadBalancerArn=lb['LoadBalancerArn'])  # succeeds again
        fast('load_balancers_deleted', elb).wait(LoadBalancerArns=[lb['LoadBalancerArn']])
        self.assertAwsError('DependencyViolation', ec2.delete_subnet, SubnetId=self.subnets[1])
        time.sleep(0.5)
        ec2.delete_subnet(SubnetId=self.subnets[1])
        ec2.delete_security_group(GroupId=other)

    def test_instance_targets_and_network_load_balancer(self):
        elb, ec2 = self.elb, self.ec2
        nlb = elb.create_load_balancer(Name='net', Type='network', Scheme='internal',
                                       Subnets=self.subnets[:1])['LoadBalancers'][0]
        self.assertRegex(nlb['DNSName'], r'^internal-net-[0-9a-f]{16}\.elb\.us-west-2\.amazonaws\.com$')
        self.assertEqual(nlb['CanonicalHostedZoneId'], 'Z18D5FSROUN65G')
        group = elb.create_target_group(Name='inst', Protocol='TCP', Port=80,
                                        VpcId=self.vpc_id)['TargetGroups'][0]
        instance = ec2.run_instances(ImageId='ami-0123456789abcdef0', MinCount=1, MaxCount=1,
                                     InstanceType='t3.micro',
                                     SubnetId=self.subnets[0])['Instances'][0]['InstanceId']
        self.assertAwsError('InvalidTarget', elb.register_targets,
                            TargetGroupArn=group['TargetGroupArn'], Targets=[{'Id': instance}])
        waiter = ec2.get_waiter('instance_running')
        waiter.config.delay = 0.2
        waiter.wait(InstanceIds=[instance])
        elb.register_targets(TargetGroupArn=group['TargetGroupArn'], Targets=[{'Id': instance}])
        web = elb.create_target_group(Name='web', Protocol='HTTP', Port=80,
                                      VpcId=self.vpc_id)['TargetGroups'][0]
        self.assertAwsError('IncompatibleProtocols', elb.create_listener,
                            LoadBalancerArn=nlb['LoadBalancerArn'], Protocol='TCP', Port=80,
                            DefaultActions=[{'Type': 'forward',
                                             'TargetGroupArn': web['TargetGroupArn']}])
        elb.create_listener(LoadBalancerArn=nlb['LoadBalancerArn'], Protocol='TCP', Port=80,
                            DefaultActions=[{'Type': 'forward',
                                             'TargetGroupArn': group['TargetGroupArn']}])
        fast('target_in_service', elb).wait(TargetGroupArn=group['TargetGroupArn'])
        ec2.terminate_instances(InstanceIds=[instance])
        self.assertEqual(elb.describe_target_health(TargetGroupArn=group['TargetGroupArn'])
                         ['TargetHealthDescriptions'][0]['TargetHealth']['Reason'],
                         'Target.InvalidState')

    def test_aws_cli(self):
        self.attach_gateway()
        lb = self.alb()
        result = subprocess.run(['aws', 'elbv2', 'describe-load-balancers', '--names', 'frontend'],
                                env=self.emu.env(), capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)['LoadBalancers'][0]['DNSName'], lb['DNSName'])


if __name__ == '__main__':
    unittest.main()
