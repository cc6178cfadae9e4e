"""The emulator accepts what AWS accepts: every valid encoding of the same
request (a space as '+' or '%20', upper- or lower-case percent escapes, any
header-name case, any parameter order, any JSON spacing) is read as the same
parameters and its signature verifies; and its answers carry AWS's content
types. botocore sends '+'; berth used to send '%20': both must work, or a
test passes only because the emulator and its client agree."""

import json
import urllib.parse

from emutest import EmulatorTestCase, send, sign

SNS_VERSION = '2010-03-31'
DISPLAY = "Alerts & more: a+b=c, 100% d\u00e9j\u00e0 \u65e5\u672c"
TAG = 'a b+c*d~e/f=g&h'


def form(pairs, space):
    """pairs form-encoded with a space written as `space` ('+' or '%20')."""
    quote = urllib.parse.quote_plus if space == '+' else urllib.parse.quote
    return '&'.join('%s=%s' % (quote(k, safe=''), quote(v, safe='')) for k, v in pairs)


def lower_escapes(text):
    """The same form with lower-case hex in its percent escapes."""
    out, i = [], 0
    while i < len(text):
        if text[i] == '%':
            out.append(text[i:i + 3].lower())
            i += 3
        else:
            out.append(text[i])
            i += 1
    return ''.join(out)


class EncodingTest(EmulatorTestCase):
    def send_signed(self, service, body, headers, lower_names=False):
        signed = sign('POST', self.emu.url + '/', service, body, headers)
        if lower_names:
            signed = {k.lower(): v for k, v in signed.items()}
        return send(self.emu, 'POST', '/', body, signed)

    def test_query_form_in_every_valid_encoding(self):
        pairs = [('Action', 'CreateTopic'), ('Version', SNS_VERSION), ('Name', 'enc'),
                 ('Attributes.entry.1.key', 'DisplayName'),
                 ('Attributes.entry.1.value', DISPLAY),
                 ('Tags.member.1.Key', 'k 1'), ('Tags.member.1.Value', TAG)]
        variants = {
            'plus (botocore)': (form(pairs, '+'), False),
            'percent-20': (form(pairs, '%20'), False),
            'lower-case escapes': (lower_escapes(form(pairs, '%20')), False),
            'reordered, lower-case header names': (form(list(reversed(pairs)), '+'), True),
        }
        arns = set()
        for name, (body, lower_names) in variants.items():
            with self.subTest(variant=name):
                response = self.send_signed(
                    'sns', body.encode(),
                    {'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'},
                    lower_names)
                self.assertEqual(response.status, 200, response.text)
                self.assertTrue(response.headers['content-type'].startswith('text/xml'))
                arns.add(response.text.split('<TopicArn>')[1].split('</TopicArn>')[0])
        # The same request each time: one topic, with the values as sent.
        self.assertEqual(len(arns), 1, arns)
        sns = self.client('sns')
        arn = arns.pop()
        self.assertEqual(sns.get_topic_attributes(TopicArn=arn)['Attributes']['DisplayName'],
                         DISPLAY)
        self.assertEqual(sns.list_tags_for_resource(ResourceArn=arn)['Tags'],
                         [{'Key': 'k 1', 'Value': TAG}])

    def test_ec2_form_plus_and_percent_20(self):
        vpc = self.client('ec2').create_vpc(CidrBlock='10.0.0.0/16')['Vpc']['VpcId']
        for space in ('+', '%20'):
            with self.subTest(space=space):
                body = form([('Action', 'CreateSecurityGroup'), ('Version', '2016-11-15'),
                             ('GroupName', 'sg ' + space), ('VpcId', vpc),
                             ('GroupDescription', 'web and db: 80+443')], space)
                response = self.send_signed(
                    'ec2', body.encode(),
                    {'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'})
                self.assertEqual(response.status, 200, response.text)
        groups = self.client('ec2').describe_security_groups(
            Filters=[{'Name': 'group-name', 'Values': ['sg +', 'sg %20']}])['SecurityGroups']
        self.assertEqual(sorted(g['Description'] for g in groups),
                         ['web and db: 80+443'] * 2)

    def test_json_in_any_spacing_order_and_header_case(self):
        # Log group names allow no space or '+'; tag values do.
        doc = {'logGroupName': '/enc/a.b-c', 'tags': {'k 1': 'a b+c=d/e:f @\u00e9'}}
        bodies = {
            'json.dumps (botocore)': json.dumps(doc),
            'compact': json.dumps(doc, separators=(',', ':')),
            'reordered, escaped': json.dumps(dict(reversed(list(doc.items()))), ensure_ascii=True,
                                             indent=2),
        }
        for n, (name, body) in enumerate(bodies.items()):
            with self.subTest(variant=name):
                doc_n = json.loads(body)
                doc_n['logGroupName'] += str(n)
                text = body.replace(doc['logGroupName'], doc_n['logGroupName'])
                response = self.send_signed(
                    'logs', text.encode(),
                    {'Content-Type': 'application/x-amz-json-1.1',
                     'X-Amz-Target': 'Logs_20140328.CreateLogGroup'}, lower_names=(n == 2))
                self.assertEqual(response.status, 200, response.text)
                self.assertEqual(response.headers['content-type'], 'application/x-amz-json-1.1')
        groups = self.client('logs').describe_log_groups(logGroupNamePrefix='/enc/')['logGroups']
        self.assertEqual([g['logGroupName'] for g in groups],
                         ['/enc/a.b-c0', '/enc/a.b-c1', '/enc/a.b-c2'])
        tags = self.client('logs').list_tags_for_resource(
            resourceArn=groups[0]['arn'].rstrip('*').rstrip(':'))['tags']
        self.assertEqual(tags, doc['tags'])

    def test_answers_carry_aws_content_types(self):
        cases = [
            ('ecs', 'application/x-amz-json-1.1', {'X-Amz-Target':
             'AmazonEC2ContainerServiceV20141113.ListClusters',
             'Content-Type': 'application/x-amz-json-1.1'}, b'{}', '/', 'POST'),
            ('servicediscovery', 'application/x-amz-json-1.1', {'X-Amz-Target':
             'Route53AutoNaming_v20170314.ListNamespaces',
             'Content-Type': 'application/x-amz-json-1.1'}, b'{}', '/', 'POST'),
            ('aps', 'application/json', {}, b'', '/workspaces', 'GET'),
        ]
        for service, want, headers, body, path, method in cases:
            with self.subTest(service=service):
                signed = sign(method, self.emu.url + path, service, body, headers)
                response = send(self.emu, method, path, body, signed)
                self.assertEqual(response.status, 200, response.text)
                self.assertEqual(response.headers['content-type'], want)
