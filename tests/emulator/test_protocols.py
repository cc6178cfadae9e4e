"""Parsing, validation and envelopes on the wire: misspelled, ill-typed and
missing parameters in every protocol, unknown operations, error envelopes,
request ids, GET query requests and keep-alive."""

import http.client
import json
import os
import unittest
import xml.etree.ElementTree as ET

from botocore.exceptions import ClientError

from emutest import EmulatorTestCase, HERE, json_request, query_request, send, sign

SNS_VERSION = '2010-03-31'
EC2_VERSION = '2016-11-15'


def xml_code(text):
    """The <Code> of an XML error, whatever its namespace."""
    for element in ET.fromstring(text).iter():
        if element.tag.split('}')[-1] == 'Code':
            return element.text
    return None


class ProtocolTest(EmulatorTestCase):
    emulator_options = {'services_dirs': [os.path.join(HERE, 'testdata', 'services')]}

    # ---- query (SNS, STS) ------------------------------------------------

    def test_query_misspelled_parameter(self):
        response = query_request(self.emu, 'sns', {'Action': 'CreateTopic',
                                                    'Version': SNS_VERSION, 'Nmae': 'x'})
        self.assertEqual(response.status, 400)
        root = ET.fromstring(response.text)
        ns = {'sns': 'http://sns.amazonaws.com/doc/2010-03-31/'}
        self.assertEqual(root.tag, '{http://sns.amazonaws.com/doc/2010-03-31/}ErrorResponse')
        self.assertEqual(root.find('sns:Error/sns:Type', ns).text, 'Sender')
        self.assertEqual(root.find('sns:Error/sns:Code', ns).text, 'InvalidParameter')
        message = root.find('sns:Error/sns:Message', ns).text
        self.assertIn("Parameter 'Nmae' is not recognized", message)
        self.assertIn("Value null at 'name' failed to satisfy constraint: Member must not be null",
                      message)
        self.assertTrue(message.startswith('2 validation errors detected: '), message)
        self.assertEqual(root.find('sns:RequestId', ns).text, response.headers['x-amzn-requestid'])
        self.assertEqual(self.emu.resources(), [])

    def test_query_nested_misspelling_and_bad_index(self):
        for key in ('Tags.member.1.Kye', 'Tags.member.x.Key', 'Attributes.entry.1.name'):
            with self.subTest(key=key):
                response = query_request(self.emu, 'sns', {
                    'Action': 'CreateTopic', 'Version': SNS_VERSION, 'Name': 't', key: 'v'})
                self.assertEqual(response.status, 400, response.text)
                self.assertIn(f"Parameter '{key}' is not recognized", response.text)

    def test_query_wrong_type(self):
        sns = self.client('sns')
        topic = sns.create_topic(Name='typed')['TopicArn']
        response = query_request(self.emu, 'sns', {
            'Action': 'Subscribe', 'Version': SNS_VERSION, 'TopicArn': topic,
            'Protocol': 'email', 'Endpoint': 'a@example.com', 'ReturnSubscriptionArn': 'yes'})
        self.assertEqual(response.status, 400)
        self.assertEqual(xml_code(response.text), 'InvalidParameter')
        self.assertIn("'yes' is not a valid boolean", response.text)
        sts = query_request(self.emu, 'sts', {
            'Action': 'AssumeRole', 'Version': '2011-06-15', 'RoleSessionName': 'ab',
            'RoleArn': 'arn:aws:iam::123456789012:role/r', 'DurationSeconds': 'soon'})
        self.assertEqual(xml_code(sts.text), 'ValidationError')

    def test_query_missing_required_and_constraints(self):
        sns = self.client('sns', parameter_validation=False)
        response = self.assertAwsError('InvalidParameter', sns.create_topic)
        self.assertIn("Value null at 'name'", response['Error']['Message'])
        sts = self.client('sts', parameter_validation=False)
        response = self.assertAwsError(
            'ValidationError', sts.assume_role, RoleArn='arn:aws:iam::123456789012:role/r',
            RoleSessionName='x', DurationSeconds=60)
        message = response['Error']['Message']
        self.assertIn('2 validation errors detected', message)
        self.assertIn("Value 'x' at 'roleSessionName' failed to satisfy constraint: "
                      'Member must have length greater than or equal to 2', message)
        self.assertIn("at 'durationSeconds' failed to satisfy constraint: Member must have "
                      'value greater than or equal to 900', message)

    def test_query_unknown_action_and_version(self):
        response = query_request(self.emu, 'sns', {'Action': 'CreateTopc', 'Version': SNS_VERSION})
        self.assertEqual((response.status, xml_code(response.text)), (400, 'InvalidAction'))
        response = query_request(self.emu, 'sns', {'Action': 'CreateTopic', 'Version': '2009-01-01',
                                                    'Name': 'x'})
        self.assertEqual(xml_code(response.text), 'InvalidAction')
        self.assertIn('Could not find operation CreateTopic for version 2009-01-01', response.text)

    def test_query_get_request(self):
        path = '/?Action=GetCallerIdentity&Version=2011-06-15'
        headers = sign('GET', self.emu.url + path, 'sts')
        response = send(self.emu, 'GET', path, b'', headers)
        self.assertEqual(response.status, 200, response.text)
        self.assertIn('<GetCallerIdentityResult>', response.text)

    def test_query_success_envelope(self):
        response = query_request(self.emu, 'sns', {'Action': 'CreateTopic',
                                                    'Version': SNS_VERSION, 'Name': 'env'})
        self.assertEqual(response.status, 200)
        self.assertEqual(response.headers['content-type'], 'text/xml')
        root = ET.fromstring(response.text)
        ns = '{http://sns.amazonaws.com/doc/2010-03-31/}'
        self.assertEqual(root.tag, ns + 'CreateTopicResponse')
        self.assertEqual(root.find(f'{ns}CreateTopicResult/{ns}TopicArn').text,
                         'arn:aws:sns:us-west-2:123456789012:env')
        self.assertEqual(root.find(f'{ns}ResponseMetadata/{ns}RequestId').text,
                         response.headers['x-amzn-requestid'])

    # ---- JSON (Logs) -----------------------------------------------------

    def test_json_misspelled_parameter(self):
        response = json_request(self.emu, 'logs', 'Logs_20140328.CreateLogGroup',
                                {'logGroupNam': '/x'})
        self.assertEqual(response.status, 400)
        self.assertEqual(response.headers['content-type'], 'application/x-amz-json-1.1')
        self.assertEqual(response.headers['x-amzn-errortype'], 'InvalidParameterException')
        body = json.loads(response.text)
        self.assertEqual(body['__type'], 'InvalidParameterException')
        self.assertIn("Unknown parameter 'logGroupNam'", body['message'])
        self.assertIn("Value null at 'logGroupName'", body['message'])

    def test_json_wrong_type(self):
        logs = self.client('logs', parameter_validation=False)
        logs.create_log_group(logGroupName='/typed')
        response = self.assertAwsError('SerializationException', logs.put_retention_policy,
                                       logGroupName='/typed', retentionInDays='7')
        self.assertIn('STRING_VALUE can not be converted to an Integer', response['Error']['Message'])
        response = json_request(self.emu, 'logs', 'Logs_20140328.CreateLogGroup',
                                {'logGroupName': '/t2', 'tags': ['not', 'a', 'map']})
        self.assertEqual(json.loads(response.text)['__type'], 'SerializationException')
        self.assertIn("START_ARRAY can not be converted to a Map (at 'tags')", response.text)

    def test_json_missing_required_pattern_enum_length(self):
        logs = self.client('logs', parameter_validation=False)
        response = self.assertAwsError('InvalidParameterException', logs.create_log_group)
        self.assertIn("Value null at 'logGroupName' failed to satisfy constraint: Member must "
                      'not be null', response['Error']['Message'])
        response = self.assertAwsError('InvalidParameterException', logs.create_log_group,
                                       logGroupName='bad name!')
        self.assertIn("Value 'bad name!' at 'logGroupName' failed to satisfy constraint: "
                      r'Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+',
                      response['Error']['Message'])
        # Validation runs before the handler, so even an operation the
        # emulator does not implement rejects a bad enum.
        response = self.assertAwsError('InvalidParameterException', logs.describe_log_streams,
                                       logGroupName='/ok', orderBy='Sideways')
        self.assertIn("Value 'Sideways' at 'orderBy' failed to satisfy constraint: Member must "
                      'satisfy enum value set: [LogStreamName, LastEventTime]',
                      response['Error']['Message'])
        tags = {f'k{i}': 'v' for i in range(51)}
        response = self.assertAwsError('InvalidParameterException', logs.create_log_group,
                                       logGroupName='/ok', tags=tags)
        self.assertIn("at 'tags' failed to satisfy constraint: Member must have length less "
                      'than or equal to 50', response['Error']['Message'])
        self.assertEqual(self.emu.resources(), [])

    def test_json_unknown_operation_and_bad_body(self):
        response = json_request(self.emu, 'logs', 'Logs_20140328.CreateLogGroups', {})
        self.assertEqual(json.loads(response.text)['__type'], 'UnknownOperationException')
        response = json_request(self.emu, 'logs', 'Nobody_20990101.DoIt', {})
        self.assertEqual(json.loads(response.text)['__type'], 'UnknownOperationException')
        response = json_request(self.emu, 'logs', 'Logs_20140328.DescribeLogGroups', b'{not json')
        self.assertEqual(json.loads(response.text)['__type'], 'SerializationException')

    # ---- EC2 -------------------------------------------------------------

    def test_ec2_validation_codes(self):
        cases = [({'Action': 'DescribeVpcs', 'Filter.1.Nme': 'x'}, 'UnknownParameter',
                  'The parameter Filter.1.Nme is not recognized'),
                 ({'Action': 'DeleteVpc'}, 'MissingParameter',
                  'The request must contain the parameter VpcId'),
                 ({'Action': 'DescribeVpcs', 'MaxResults': 'many'}, 'InvalidParameterValue',
                  "'many' is not a valid integer")]
        for params, code, message in cases:
            with self.subTest(code=code):
                response = query_request(self.emu, 'ec2', dict(params, Version=EC2_VERSION))
                self.assertEqual(response.status, 400)
                root = ET.fromstring(response.text)
                self.assertEqual(root.tag, 'Response')
                self.assertEqual(root.find('Errors/Error/Code').text, code)
                self.assertIn(message, root.find('Errors/Error/Message').text)
                self.assertEqual(root.find('RequestID').text, response.headers['x-amzn-requestid'])

    def test_ec2_through_botocore(self):
        ec2 = self.client('ec2')
        vpcs = ec2.describe_vpcs(Filters=[{'Name': 'tag:berth:stack', 'Values': ['demo']}])['Vpcs']
        self.assertEqual(vpcs[0]['VpcId'], 'vpc-0123456789abcdef0')
        self.assertEqual(vpcs[0]['Tags'][1], {'Key': 'Name', 'Value': 'a&b'})
        self.assertEqual(ec2.describe_vpcs(Filters=[{'Name': 'tag:berth:stack',
                                                     'Values': ['other']}])['Vpcs'], [])
        # A valid request for an operation nobody implemented yet: 501.
        response = self.assertAwsError('NotImplemented', ec2.create_vpn_gateway, Type='ipsec.1')
        self.assertEqual(response['ResponseMetadata']['HTTPStatusCode'], 501)

    # ---- REST-JSON (AMP toy handlers) ----------------------------------------

    def test_rest_json(self):
        amp = self.client('amp')
        created = amp.create_workspace(alias='demo', tags={'berth:stack': 'demo', 'x': 'y'})
        self.assertEqual(created['ResponseMetadata']['HTTPStatusCode'], 202)
        workspace = amp.describe_workspace(workspaceId=created['workspaceId'])['workspace']
        self.assertEqual(workspace['alias'], 'demo')
        self.assertEqual(workspace['arn'], f"arn:aws:aps:us-west-2:123456789012:workspace/"
                                           f"{created['workspaceId']}")
        amp.untag_resource(resourceArn=created['arn'], tagKeys=['x'])
        self.assertEqual(self.emu.resources(stack='demo')[0]['tags'], {'berth:stack': 'demo'})
        with self.assertRaises(ClientError) as caught:
            amp.describe_workspace(workspaceId='ws-missing')
        error = caught.exception.response
        self.assertEqual(error['Error']['Code'], 'ResourceNotFoundException')
        self.assertEqual(error['ResponseMetadata']['HTTPStatusCode'], 404)
        self.assertEqual(caught.exception.response.get('resourceId'), 'ws-missing')
        # Validation: botocore would refuse an over-long alias, so send it raw.
        body = json.dumps({'alias': 'a' * 101}).encode()
        headers = sign('POST', self.emu.url + '/workspaces', 'aps', body,
                       {'Content-Type': 'application/json'})
        response = send(self.emu, 'POST', '/workspaces', body, headers)
        self.assertEqual(response.status, 400)
        self.assertEqual(response.headers['x-amzn-errortype'], 'ValidationException')
        # Unknown route and unknown query parameter.
        headers = sign('GET', self.emu.url + '/workspacez', 'aps')
        self.assertEqual(send(self.emu, 'GET', '/workspacez', b'', headers).status, 404)
        path = f"/workspaces/{created['workspaceId']}?verbose=1"
        headers = sign('GET', self.emu.url + path, 'aps')
        response = send(self.emu, 'GET', path, b'', headers)
        self.assertEqual(response.status, 400)
        self.assertIn("Unknown query parameter 'verbose'", response.text)

    # ---- HTTP ------------------------------------------------------------

    def test_keep_alive(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.emu.port, timeout=10)
        try:
            body = b'Action=GetCallerIdentity&Version=2011-06-15'
            form = {'Content-Type': 'application/x-www-form-urlencoded'}
            first = send(self.emu, 'POST', '/', body, sign('POST', self.emu.url + '/', 'sts',
                                                           body, form), connection=conn)
            sock = conn.sock
            self.assertIsNotNone(sock)
            # An error response keeps the connection open too.
            bad = send(self.emu, 'POST', '/', body, sign('POST', self.emu.url + '/', 'sts', body,
                                                         form, secret_key='x'), connection=conn)
            third = send(self.emu, 'POST', '/', body, sign('POST', self.emu.url + '/', 'sts',
                                                           body, form), connection=conn)
            self.assertIs(conn.sock, sock)
            self.assertEqual((first.status, bad.status, third.status), (200, 403, 200))
            self.assertNotEqual(first.headers.get('connection'), 'close')
        finally:
            conn.close()
        self.assertEqual(self.emu.calls()['by_operation']['sts:GetCallerIdentity'], 3)

    def test_every_response_has_a_request_id(self):
        responses = [query_request(self.emu, 'sts', {'Action': 'GetCallerIdentity',
                                                      'Version': '2011-06-15'}),
                     query_request(self.emu, 'sns', {'Action': 'Nope', 'Version': SNS_VERSION}),
                     json_request(self.emu, 'logs', 'Logs_20140328.DescribeLogGroups', {}),
                     json_request(self.emu, 'logs', 'Logs_20140328.DescribeLogGroups', {},
                                  signed=False)]
        ids = [r.headers.get('x-amzn-requestid') for r in responses]
        self.assertTrue(all(ids), ids)
        self.assertEqual(len(set(ids)), len(ids))


if __name__ == '__main__':
    unittest.main()
