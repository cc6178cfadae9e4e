"""Amazon Managed Service for Prometheus through botocore (with its
workspace_active / workspace_deleted waiters) and the aws CLI: workspace
lifecycle with real state transitions, idempotency, aliases, pagination,
tags and errors."""

import json
import os
import subprocess
import unittest

os.environ.setdefault('BERTH_EMULATOR_DELAY', '0.5')

from emutest import EmulatorTestCase  # noqa: E402
from test_cli import cli_candidates  # noqa: E402

FAST = {'Delay': 0.2, 'MaxAttempts': 50}


class AmpTest(EmulatorTestCase):
    emulator_options = {'page_size': 2}

    def setUp(self):
        super().setUp()
        self.amp = self.client('amp')

    def test_lifecycle(self):
        created = self.amp.create_workspace(alias='ecs-workshop',
                                            tags={'berth:stack': 'mon'})
        self.assertEqual(created['ResponseMetadata']['HTTPStatusCode'], 202)
        workspace_id = created['workspaceId']
        self.assertRegex(workspace_id, r'^ws-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-'
                                       r'[0-9a-f]{12}$')
        self.assertEqual(created['arn'],
                         f'arn:aws:aps:us-west-2:123456789012:workspace/{workspace_id}')
        self.assertEqual(created['status'], {'statusCode': 'CREATING'})
        # Not usable until ACTIVE: AWS refuses to change a CREATING workspace.
        self.assertAwsError('ConflictException', self.amp.update_workspace_alias,
                            workspaceId=workspace_id, alias='x')
        self.amp.get_waiter('workspace_active').wait(workspaceId=workspace_id,
                                                     WaiterConfig=FAST)
        workspace = self.amp.describe_workspace(workspaceId=workspace_id)['workspace']
        self.assertEqual(workspace['status']['statusCode'], 'ACTIVE')
        self.assertEqual(workspace['alias'], 'ecs-workshop')
        self.assertEqual(workspace['prometheusEndpoint'],
                         f'https://aps-workspaces.us-west-2.amazonaws.com/workspaces/'
                         f'{workspace_id}/')
        self.assertEqual(workspace['tags'], {'berth:stack': 'mon'})
        self.assertEqual([r['id'] for r in self.emu.resources(stack='mon')], [workspace_id])

        response = self.amp.update_workspace_alias(workspaceId=workspace_id, alias='renamed')
        self.assertEqual(response['ResponseMetadata']['HTTPStatusCode'], 204)
        self.assertEqual(self.amp.describe_workspace(workspaceId=workspace_id)
                         ['workspace']['status']['statusCode'], 'UPDATING')
        self.amp.get_waiter('workspace_active').wait(workspaceId=workspace_id,
                                                     WaiterConfig=FAST)
        self.assertEqual(self.amp.describe_workspace(workspaceId=workspace_id)
                         ['workspace']['alias'], 'renamed')

        response = self.amp.delete_workspace(workspaceId=workspace_id)
        self.assertEqual(response['ResponseMetadata']['HTTPStatusCode'], 202)
        self.assertEqual(self.amp.describe_workspace(workspaceId=workspace_id)
                         ['workspace']['status']['statusCode'], 'DELETING')
        self.assertAwsError('ConflictException', self.amp.delete_workspace,
                            workspaceId=workspace_id)
        self.amp.get_waiter('workspace_deleted').wait(workspaceId=workspace_id,
                                                      WaiterConfig=FAST)
        error = self.assertAwsError('ResourceNotFoundException', self.amp.describe_workspace,
                                    workspaceId=workspace_id)
        self.assertEqual(error['ResponseMetadata']['HTTPStatusCode'], 404)
        self.assertEqual(self.emu.resources(), [])

    def test_client_token_idempotency(self):
        first = self.amp.create_workspace(alias='a', clientToken='token-1')
        again = self.amp.create_workspace(alias='a', clientToken='token-1')
        self.assertEqual(again['workspaceId'], first['workspaceId'])
        self.assertAwsError('ConflictException', self.amp.create_workspace, alias='b',
                            clientToken='token-1')
        # botocore fills clientToken itself: two plain calls are two workspaces.
        self.amp.create_workspace(alias='a')
        self.assertEqual(len(self.emu.resources()), 2)

    def test_list_filter_and_pagination(self):
        ids = [self.amp.create_workspace(alias=alias)['workspaceId']
               for alias in ('prod-a', 'dev', 'prod-b', 'prod-c')]
        page = self.amp.list_workspaces()
        self.assertEqual(len(page['workspaces']), 2)
        self.assertIn('nextToken', page)
        listed = [w['workspaceId'] for p in self.amp.get_paginator('list_workspaces').paginate()
                  for w in p['workspaces']]
        self.assertEqual(listed, ids)
        prod = [w['alias'] for p in self.amp.get_paginator('list_workspaces').paginate(
            alias='prod') for w in p['workspaces']]
        self.assertEqual(prod, ['prod-a', 'prod-b', 'prod-c'])
        self.assertAwsError('ValidationException', self.amp.list_workspaces, nextToken='bad')

    def test_tags_and_errors(self):
        created = self.amp.create_workspace(alias='t', tags={'a': '1'})
        arn = created['arn']
        self.amp.tag_resource(resourceArn=arn, tags={'b': '2'})
        self.amp.untag_resource(resourceArn=arn, tagKeys=['a'])
        self.assertEqual(self.amp.list_tags_for_resource(resourceArn=arn)['tags'], {'b': '2'})
        self.assertAwsError('ValidationException', self.amp.tag_resource, resourceArn=arn,
                            tags={'aws:reserved': 'x'})
        missing = arn.replace(created['workspaceId'], 'ws-00000000-0000-0000-0000-000000000000')
        self.assertAwsError('ResourceNotFoundException', self.amp.list_tags_for_resource,
                            resourceArn=missing)
        error = self.assertAwsError('ResourceNotFoundException', self.amp.describe_workspace,
                                    workspaceId='ws-nope')
        self.assertEqual(error.get('resourceId'), 'ws-nope')
        self.assertAwsError('ResourceNotFoundException', self.amp.delete_workspace,
                            workspaceId='ws-nope')
        # Model validation from the front end.
        unchecked = self.client('amp', parameter_validation=False)
        self.assertAwsError('ValidationException', unchecked.create_workspace, alias='')

    def test_cli(self):
        clis = cli_candidates()
        if not clis:
            self.skipTest('no aws CLI installed')
        for cli in clis:
            with self.subTest(cli=cli):
                self.emu.reset(state=True)
                run = subprocess.run([cli, '--endpoint-url', self.emu.url, '--output', 'json',
                                      'amp', 'create-workspace', '--alias', 'cli'],
                                     env=self.emu.env(AWS_PAGER=''), capture_output=True,
                                     text=True, timeout=60)
                self.assertEqual(run.returncode, 0, run.stderr)
                workspace_id = json.loads(run.stdout)['workspaceId']
                run = subprocess.run([cli, '--endpoint-url', self.emu.url, '--output', 'json',
                                      'amp', 'list-workspaces', '--alias', 'cli'],
                                     env=self.emu.env(AWS_PAGER=''), capture_output=True,
                                     text=True, timeout=60)
                self.assertEqual(run.returncode, 0, run.stderr)
                self.assertEqual([w['workspaceId'] for w in json.loads(run.stdout)['workspaces']],
                                 [workspace_id])


if __name__ == '__main__':
    unittest.main()
