"""Amazon Managed Grafana through botocore and the aws CLI, and each
workspace's Grafana HTTP API over plain HTTP (by /_grafana/ID/ prefix and by
Host header): the workshop's flow of workspace -> API key -> AMP data source
-> import of AMP_ECS_Task_Monitoring.json with its input mapped."""

import datetime
import http.client
import json
import os
import subprocess
import unittest

os.environ.setdefault('BERTH_EMULATOR_DELAY', '0.5')

from emutest import EmulatorTestCase  # noqa: E402
from test_cli import cli_candidates  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DASHBOARD = os.path.normpath(os.path.join(HERE, '..', '..', 'specs', 'files',
                                          'AMP_ECS_Task_Monitoring.json'))
INPUT = 'DS_PROMETHEUS_WS-647C2794-32A4-4DED-95E1-59BC7ECD633C'
AMP_URL = 'https://aps-workspaces.us-west-2.amazonaws.com/workspaces/ws-1234/'


class GrafanaTest(EmulatorTestCase):
    emulator_options = {'page_size': 2}

    def setUp(self):
        super().setUp()
        self.grafana = self.client('grafana')

    # ---- helpers ---------------------------------------------------------------------

    def create_workspace(self, **overrides):
        params = {'accountAccessType': 'CURRENT_ACCOUNT', 'authenticationProviders': ['AWS_SSO'],
                  'permissionType': 'SERVICE_MANAGED', 'workspaceName': 'ecs-workshop',
                  'workspaceDataSources': ['PROMETHEUS'],
                  'tags': {'berth:stack': 'mon'}}
        params.update(overrides)
        return self.grafana.create_workspace(**params)['workspace']

    def wait_active(self, workspace_id):
        status = self.emu.wait_until(
            lambda: self.grafana.describe_workspace(workspaceId=workspace_id)
            ['workspace']['status'] == 'ACTIVE', timeout=10)
        self.assertTrue(status, 'workspace never became ACTIVE')

    def api_key(self, workspace_id, name='admin', role='ADMIN', ttl=3600):
        return self.grafana.create_workspace_api_key(workspaceId=workspace_id, keyName=name,
                                                     keyRole=role, secondsToLive=ttl)['key']

    def http(self, method, path, body=None, key=None, workspace_id=None, host=None):
        """(status, JSON) of a Grafana HTTP API call, by /_grafana/ prefix or,
        with `host`, by Host header on the emulator's port."""
        headers = {'Content-Type': 'application/json', 'Accept': 'application/json'}
        if key is not None:
            headers['Authorization'] = f'Bearer {key}'
        if host is not None:
            headers['Host'] = host
            target = path
        else:
            target = f'/_grafana/{workspace_id}{path}'
        conn = http.client.HTTPConnection('127.0.0.1', self.emu.port, timeout=10)
        try:
            conn.request(method, target, body=None if body is None else json.dumps(body),
                         headers=headers)
            response = conn.getresponse()
            return response.status, json.loads(response.read().decode() or 'null')
        finally:
            conn.close()

    def ready_workspace(self):
        workspace = self.create_workspace()
        self.wait_active(workspace['id'])
        return workspace, self.api_key(workspace['id'])

    # ---- the AWS API -----------------------------------------------------------------

    def test_workspace_lifecycle(self):
        workspace = self.create_workspace(workspaceDescription='monitoring',
                                          workspaceNotificationDestinations=['SNS'])
        workspace_id = workspace['id']
        self.assertRegex(workspace_id, r'^g-[0-9a-f]{10}$')
        self.assertEqual(workspace['status'], 'CREATING')
        self.assertEqual(workspace['endpoint'],
                         f'{workspace_id}.grafana-workspace.us-west-2.amazonaws.com')
        self.assertEqual(workspace['authentication']['providers'], ['AWS_SSO'])
        self.assertEqual(workspace['dataSources'], ['PROMETHEUS'])
        self.assertAwsError('ConflictException', self.grafana.create_workspace_api_key,
                            workspaceId=workspace_id, keyName='k', keyRole='ADMIN',
                            secondsToLive=60)
        self.wait_active(workspace_id)
        described = self.grafana.describe_workspace(workspaceId=workspace_id)['workspace']
        self.assertEqual(described['permissionType'], 'SERVICE_MANAGED')
        self.assertEqual(described['accountAccessType'], 'CURRENT_ACCOUNT')
        self.assertEqual(described['notificationDestinations'], ['SNS'])
        self.assertEqual(described['tags'], {'berth:stack': 'mon'})
        auth = self.grafana.describe_workspace_authentication(workspaceId=workspace_id)
        self.assertEqual(auth['authentication']['providers'], ['AWS_SSO'])
        self.assertIn('ssoClientId', auth['authentication']['awsSso'])

        updated = self.grafana.update_workspace(
            workspaceId=workspace_id, workspaceDataSources=['PROMETHEUS', 'CLOUDWATCH'],
            workspaceDescription='changed')['workspace']
        self.assertEqual(updated['status'], 'UPDATING')
        self.assertAwsError('ConflictException', self.grafana.update_workspace,
                            workspaceId=workspace_id, workspaceDescription='again')
        self.wait_active(workspace_id)
        described = self.grafana.describe_workspace(workspaceId=workspace_id)['workspace']
        self.assertEqual(described['dataSources'], ['PROMETHEUS', 'CLOUDWATCH'])
        self.assertEqual(described['description'], 'changed')

        deleted = self.grafana.delete_workspace(workspaceId=workspace_id)['workspace']
        self.assertEqual(deleted['status'], 'DELETING')
        gone = self.emu.wait_until(lambda: self.emu.resources() == [], timeout=10)
        self.assertTrue(gone)
        error = self.assertAwsError('ResourceNotFoundException', self.grafana.describe_workspace,
                                    workspaceId=workspace_id)
        self.assertEqual(error['ResponseMetadata']['HTTPStatusCode'], 404)

    def test_create_validation_and_idempotency(self):
        self.assertAwsError('ValidationException', self.create_workspace,
                            accountAccessType='ORGANIZATION')
        self.assertAwsError('ValidationException', self.create_workspace,
                            accountAccessType='ORGANIZATION', workspaceOrganizationalUnits=[])
        self.create_workspace(permissionType='CUSTOMER_MANAGED',
                              workspaceRoleArn='arn:aws:iam::123456789012:role/grafana',
                              authenticationProviders=['SAML'], clientToken='tok')
        again = self.create_workspace(permissionType='CUSTOMER_MANAGED',
                                      workspaceRoleArn='arn:aws:iam::123456789012:role/grafana',
                                      authenticationProviders=['SAML'], clientToken='tok')
        self.assertEqual(len(self.emu.resources()), 1)
        self.assertAwsError('ConflictException', self.create_workspace, clientToken='tok')
        auth = self.grafana.describe_workspace_authentication(workspaceId=again['id'])
        self.assertEqual(auth['authentication']['saml']['status'], 'NOT_CONFIGURED')
        self.assertAwsError('ResourceNotFoundException', self.grafana.describe_workspace,
                            workspaceId='g-0000000000')
        # The model's pattern, checked by the front end.
        unchecked = self.client('grafana', parameter_validation=False)
        self.assertAwsError('ValidationException', unchecked.describe_workspace,
                            workspaceId='g-NOTHEX')

    def test_list_and_tags(self):
        ids = [self.create_workspace(workspaceName=f'w{i}')['id'] for i in range(3)]
        page = self.grafana.list_workspaces()
        self.assertEqual(len(page['workspaces']), 2)
        listed = [w['id'] for p in self.grafana.get_paginator('list_workspaces').paginate()
                  for w in p['workspaces']]
        self.assertEqual(listed, ids)
        arn = f'arn:aws:grafana:us-west-2:123456789012:/workspaces/{ids[0]}'
        self.grafana.tag_resource(resourceArn=arn, tags={'team': 'obs'})
        self.grafana.untag_resource(resourceArn=arn, tagKeys=['berth:stack'])
        self.assertEqual(self.grafana.list_tags_for_resource(resourceArn=arn)['tags'],
                         {'team': 'obs'})
        self.assertAwsError('ValidationException', self.grafana.tag_resource, resourceArn=arn,
                            tags={'aws:x': 'y'})

    def test_permissions(self):
        workspace = self.create_workspace()
        workspace_id = workspace['id']
        result = self.grafana.update_permissions(workspaceId=workspace_id, updateInstructionBatch=[
            {'action': 'ADD', 'role': 'ADMIN', 'users': [{'id': 'user-1', 'type': 'SSO_USER'}]},
            {'action': 'ADD', 'role': 'VIEWER', 'users': [{'id': 'group-1', 'type': 'SSO_GROUP'},
                                                          {'id': 'user-2', 'type': 'SSO_USER'}]}])
        self.assertEqual(result['errors'], [])
        permissions = [p for page in self.grafana.get_paginator('list_permissions').paginate(
            workspaceId=workspace_id) for p in page['permissions']]
        self.assertEqual(len(permissions), 3)
        admins = self.grafana.list_permissions(workspaceId=workspace_id, userId='user-1')
        self.assertEqual(admins['permissions'],
                         [{'user': {'id': 'user-1', 'type': 'SSO_USER'}, 'role': 'ADMIN'}])
        groups = self.grafana.list_permissions(workspaceId=workspace_id, userType='SSO_GROUP')
        self.assertEqual([p['user']['id'] for p in groups['permissions']], ['group-1'])
        result = self.grafana.update_permissions(workspaceId=workspace_id, updateInstructionBatch=[
            {'action': 'REVOKE', 'role': 'EDITOR', 'users': [{'id': 'user-1', 'type': 'SSO_USER'}]},
            {'action': 'REVOKE', 'role': 'VIEWER', 'users': [{'id': 'user-2', 'type': 'SSO_USER'}]}])
        self.assertEqual(len(result['errors']), 1)
        self.assertEqual(result['errors'][0]['causedBy']['role'], 'EDITOR')
        self.assertEqual(len(self.grafana.list_permissions(workspaceId=workspace_id,
                                                           maxResults=10)['permissions']), 2)
        saml = self.create_workspace(authenticationProviders=['SAML'])
        self.assertAwsError('ValidationException', self.grafana.update_permissions,
                            workspaceId=saml['id'], updateInstructionBatch=[])

    # ---- keys and the Grafana HTTP API ---------------------------------------------

    def test_workshop_dashboard_import(self):
        workspace, key = self.ready_workspace()
        workspace_id = workspace['id']
        self.assertEqual(self.http('GET', '/api/health', workspace_id=workspace_id)[0], 200)
        # The AMP data source, as the workshop adds it.
        status, added = self.http('POST', '/api/datasources', {
            'name': 'AMP ecs-workshop', 'type': 'prometheus', 'access': 'proxy',
            'url': AMP_URL, 'isDefault': True,
            'jsonData': {'httpMethod': 'POST', 'sigV4Auth': True, 'sigV4AuthType': 'default',
                         'sigV4Region': 'us-west-2'}}, key=key, workspace_id=workspace_id)
        self.assertEqual(status, 200, added)
        self.assertEqual(added['message'], 'Datasource added')
        uid = added['datasource']['uid']
        self.assertEqual(added['datasource']['url'], AMP_URL)
        self.assertEqual(added['datasource']['version'], 1)

        with open(DASHBOARD) as f:
            dashboard = json.load(f)
        # Every __inputs entry must be mapped.
        status, body = self.http('POST', '/api/dashboards/import',
                                 {'dashboard': dashboard, 'overwrite': True, 'inputs': []},
                                 key=key, workspace_id=workspace_id)
        self.assertEqual(status, 400)
        self.assertIn(INPUT, body['message'])
        status, imported = self.http('POST', '/api/dashboards/import', {
            'dashboard': dashboard, 'overwrite': True, 'folderId': 0,
            'inputs': [{'name': INPUT, 'type': 'datasource', 'pluginId': 'prometheus',
                        'value': uid}]}, key=key, workspace_id=workspace_id)
        self.assertEqual(status, 200, imported)
        self.assertTrue(imported['imported'])
        self.assertEqual(imported['uid'], 'DnWHgZ3Gk')
        self.assertEqual(imported['title'], 'ECS Task Monitoring')
        self.assertEqual(imported['importedUrl'], '/d/DnWHgZ3Gk/ecs-task-monitoring')

        status, fetched = self.http('GET', '/api/dashboards/uid/DnWHgZ3Gk', key=key,
                                    workspace_id=workspace_id)
        self.assertEqual(status, 200)
        text = json.dumps(fetched['dashboard'])
        self.assertNotIn('${DS_', text)
        self.assertIn(uid, text)
        self.assertNotIn('__inputs', fetched['dashboard'])
        self.assertEqual(fetched['dashboard']['version'], 1)
        self.assertEqual(fetched['meta']['slug'], 'ecs-task-monitoring')
        self.assertEqual(fetched['meta']['folderTitle'], 'General')

        status, found = self.http('GET', '/api/search?query=task&type=dash-db', key=key,
                                  workspace_id=workspace_id)
        self.assertEqual(status, 200)
        self.assertEqual([(d['uid'], d['type']) for d in found], [('DnWHgZ3Gk', 'dash-db')])

        calls = self.emu.calls()['by_operation']
        self.assertEqual(calls['grafana-http:POST /api/dashboards/import'], 2)
        self.assertEqual(calls['grafana-http:GET /api/dashboards/uid/:uid'], 1)

    def test_auth(self):
        workspace, key = self.ready_workspace()
        workspace_id = workspace['id']
        status, body = self.http('GET', '/api/datasources', workspace_id=workspace_id)
        self.assertEqual((status, body), (401, {'message': 'Unauthorized'}))
        status, body = self.http('GET', '/api/datasources', key='not-a-key',
                                 workspace_id=workspace_id)
        self.assertEqual((status, body), (401, {'message': 'Invalid API key'}))
        self.assertEqual(self.http('GET', '/api/datasources', key=key,
                                   workspace_id=workspace_id), (200, []))
        # A key only works on its own workspace.
        other = self.create_workspace(workspaceName='other')
        self.wait_active(other['id'])
        self.assertEqual(self.http('GET', '/api/datasources', key=key,
                                   workspace_id=other['id'])[0], 401)
        # Names are unique per workspace; deleted keys stop working.
        self.assertAwsError('ConflictException', self.grafana.create_workspace_api_key,
                            workspaceId=workspace_id, keyName='admin', keyRole='ADMIN',
                            secondsToLive=60)
        self.grafana.delete_workspace_api_key(workspaceId=workspace_id, keyName='admin')
        status, body = self.http('GET', '/api/datasources', key=key, workspace_id=workspace_id)
        self.assertEqual((status, body), (401, {'message': 'Invalid API key'}))
        self.assertAwsError('ResourceNotFoundException', self.grafana.delete_workspace_api_key,
                            workspaceId=workspace_id, keyName='admin')
        # Expiry follows the emulator's clock.
        short = self.api_key(workspace_id, name='short', ttl=60)
        self.assertEqual(self.http('GET', '/api/search', key=short,
                                   workspace_id=workspace_id)[0], 200)
        self.emu.advance_clock(61)
        status, body = self.http('GET', '/api/search', key=short, workspace_id=workspace_id)
        self.assertEqual((status, body), (401, {'message': 'Expired API key'}))
        # Roles: a viewer reads dashboards, cannot manage data sources or save.
        viewer = self.api_key(workspace_id, name='viewer', role='VIEWER')
        self.assertEqual(self.http('GET', '/api/search', key=viewer,
                                   workspace_id=workspace_id)[0], 200)
        self.assertEqual(self.http('GET', '/api/datasources', key=viewer,
                                   workspace_id=workspace_id),
                         (403, {'message': 'Permission denied'}))
        self.assertEqual(self.http('POST', '/api/dashboards/db',
                                   {'dashboard': {'title': 'x'}}, key=viewer,
                                   workspace_id=workspace_id)[0], 403)
        self.assertAwsError('ValidationException', self.grafana.create_workspace_api_key,
                            workspaceId=workspace_id, keyName='bad', keyRole='OWNER',
                            secondsToLive=60)
        self.assertEqual(self.emu.calls()['rejected_by_code'].get('HTTP401'), 5)

    def test_host_header_routing(self):
        workspace, key = self.ready_workspace()
        host = workspace['endpoint']
        self.assertEqual(self.http('GET', '/api/health', host=host)[0], 200)
        self.assertEqual(self.http('GET', '/api/datasources', host=host)[0], 401)
        self.assertEqual(self.http('GET', '/api/datasources', key=key, host=host), (200, []))
        self.assertEqual(self.http('GET', '/api/search', key=key,
                                   host=f'{host}:443')[0], 200)
        missing = 'g-0000000000.grafana-workspace.us-west-2.amazonaws.com'
        self.assertEqual(self.http('GET', '/api/search', key=key, host=missing)[0], 404)
        wrong_region = host.replace('us-west-2', 'eu-west-1')
        self.assertEqual(self.http('GET', '/api/search', key=key, host=wrong_region)[0], 404)
        self.assertEqual(self.http('GET', '/api/nothing', key=key, host=host)[0], 404)

    def test_datasource_crud(self):
        workspace, key = self.ready_workspace()
        ws = workspace['id']
        body = {'name': 'prom', 'type': 'prometheus', 'url': AMP_URL, 'access': 'proxy',
                'uid': 'amp-prom', 'secureJsonData': {'password': 's3cret'}}
        status, added = self.http('POST', '/api/datasources', body, key=key, workspace_id=ws)
        self.assertEqual(status, 200)
        self.assertEqual(added['datasource']['uid'], 'amp-prom')
        self.assertEqual(added['datasource']['secureJsonFields'], {'password': True})
        self.assertNotIn('secureJsonData', added['datasource'])
        self.assertEqual(self.http('POST', '/api/datasources', body, key=key,
                                   workspace_id=ws)[0], 409)
        self.assertEqual(self.http('POST', '/api/datasources', dict(body, name='other'),
                                   key=key, workspace_id=ws)[0], 409)
        self.assertEqual(self.http('POST', '/api/datasources', {'type': 'prometheus'},
                                   key=key, workspace_id=ws)[0], 400)
        status, by_name = self.http('GET', '/api/datasources/name/prom', key=key,
                                    workspace_id=ws)
        self.assertEqual((status, by_name['id']), (200, added['id']))
        status, updated = self.http('PUT', '/api/datasources/uid/amp-prom',
                                    dict(body, url=AMP_URL + 'v2', version=1), key=key,
                                    workspace_id=ws)
        self.assertEqual(status, 200)
        self.assertEqual(updated['message'], 'Datasource updated')
        self.assertEqual(updated['datasource']['version'], 2)
        self.assertEqual(self.http('PUT', '/api/datasources/uid/amp-prom',
                                   dict(body, version=1), key=key, workspace_id=ws)[0], 409)
        status, fetched = self.http('GET', '/api/datasources/uid/amp-prom', key=key,
                                    workspace_id=ws)
        self.assertEqual(fetched['url'], AMP_URL + 'v2')
        status, listed = self.http('GET', '/api/datasources', key=key, workspace_id=ws)
        self.assertEqual([d['uid'] for d in listed], ['amp-prom'])
        self.assertEqual(listed[0]['typeName'], 'Prometheus')
        status, deleted = self.http('DELETE', '/api/datasources/uid/amp-prom', key=key,
                                    workspace_id=ws)
        self.assertEqual((status, deleted['message']), (200, 'Data source deleted'))
        self.assertEqual(self.http('GET', '/api/datasources/uid/amp-prom', key=key,
                                   workspace_id=ws),
                         (404, {'message': 'Data source not found'}))
        self.assertEqual(self.http('DELETE', '/api/datasources/uid/amp-prom', key=key,
                                   workspace_id=ws)[0], 404)

    def test_dashboard_save_rules(self):
        workspace, key = self.ready_workspace()
        ws = workspace['id']

        def save(dashboard, overwrite=False):
            return self.http('POST', '/api/dashboards/db',
                             {'dashboard': dashboard, 'overwrite': overwrite, 'folderId': 0},
                             key=key, workspace_id=ws)

        status, first = save({'id': None, 'uid': None, 'title': 'Tasks', 'tags': ['ecs']})
        self.assertEqual(status, 200)
        self.assertEqual((first['status'], first['version'], first['slug']),
                         ('success', 1, 'tasks'))
        self.assertEqual(first['url'], f"/d/{first['uid']}/tasks")
        # Updating by uid with the current version increments it.
        status, second = save({'uid': first['uid'], 'title': 'Tasks', 'version': 1})
        self.assertEqual((status, second['version'], second['id']), (200, 2, first['id']))
        # A stale version is refused unless overwrite.
        status, body = save({'uid': first['uid'], 'title': 'Tasks', 'version': 1})
        self.assertEqual((status, body['status']), (412, 'version-mismatch'))
        self.assertEqual(save({'uid': first['uid'], 'title': 'Tasks', 'version': 1},
                              overwrite=True)[1]['version'], 3)
        # Same title in the General folder: name-exists unless overwrite.
        status, body = save({'title': 'Tasks'})
        self.assertEqual((status, body['status']), (412, 'name-exists'))
        # Unknown id, empty title, bad uid.
        self.assertEqual(save({'id': 999, 'title': 'Nope'})[0], 404)
        self.assertEqual(save({'title': ''})[0], 400)
        self.assertEqual(save({'title': 'x', 'uid': 'bad uid!'})[0], 400)
        self.assertEqual(self.http('POST', '/api/dashboards/db',
                                   {'dashboard': {'title': 'f'}, 'folderUid': 'nofolder'},
                                   key=key, workspace_id=ws)[0], 400)
        status, deleted = self.http('DELETE', f"/api/dashboards/uid/{first['uid']}", key=key,
                                    workspace_id=ws)
        self.assertEqual(status, 200)
        self.assertEqual(deleted['title'], 'Tasks')
        self.assertEqual(self.http('GET', f"/api/dashboards/uid/{first['uid']}", key=key,
                                   workspace_id=ws),
                         (404, {'message': 'Dashboard not found'}))
        self.assertEqual(self.http('GET', '/api/search', key=key, workspace_id=ws), (200, []))

    def test_service_accounts(self):
        if 'CreateWorkspaceServiceAccount' not in \
                self.grafana.meta.service_model.operation_names:
            self.skipTest('this botocore model has no Grafana service accounts')
        workspace = self.create_workspace()
        ws = workspace['id']
        self.wait_active(ws)
        account = self.grafana.create_workspace_service_account(
            workspaceId=ws, name='berth', grafanaRole='EDITOR')
        self.assertAwsError('ConflictException', self.grafana.create_workspace_service_account,
                            workspaceId=ws, name='berth', grafanaRole='ADMIN')
        token = self.grafana.create_workspace_service_account_token(
            workspaceId=ws, serviceAccountId=account['id'], name='t1', secondsToLive=600)
        key = token['serviceAccountToken']['key']
        self.assertTrue(key.startswith('glsa_'))
        status, saved = self.http('POST', '/api/dashboards/db', {'dashboard': {'title': 'SA'}},
                                  key=key, workspace_id=ws)
        self.assertEqual(status, 200)
        self.assertEqual(self.http('GET', '/api/datasources', key=key, workspace_id=ws)[0], 403)
        tokens = self.grafana.list_workspace_service_account_tokens(
            workspaceId=ws, serviceAccountId=account['id'])['serviceAccountTokens']
        self.assertEqual([t['name'] for t in tokens], ['t1'])
        self.assertGreater(tokens[0]['expiresAt'], datetime.datetime.now(datetime.timezone.utc))
        accounts = self.grafana.list_workspace_service_accounts(workspaceId=ws)
        self.assertEqual([a['name'] for a in accounts['serviceAccounts']], ['berth'])
        self.grafana.delete_workspace_service_account_token(
            workspaceId=ws, serviceAccountId=account['id'],
            tokenId=token['serviceAccountToken']['id'])
        self.assertEqual(self.http('GET', '/api/search', key=key, workspace_id=ws)[0], 401)
        self.grafana.delete_workspace_service_account(workspaceId=ws,
                                                      serviceAccountId=account['id'])
        self.assertAwsError('ResourceNotFoundException',
                            self.grafana.list_workspace_service_account_tokens,
                            workspaceId=ws, serviceAccountId=account['id'])

    def test_no_service_accounts_on_grafana_8(self):
        if 'CreateWorkspaceServiceAccount' not in \
                self.grafana.meta.service_model.operation_names:
            self.skipTest('this botocore model has no Grafana service accounts')
        ws = self.create_workspace(grafanaVersion='8.4')['id']
        self.wait_active(ws)
        for call, args in ((self.grafana.create_workspace_service_account,
                            {'name': 'berth', 'grafanaRole': 'ADMIN'}),
                           (self.grafana.list_workspace_service_accounts, {}),
                           (self.grafana.create_workspace_service_account_token,
                            {'serviceAccountId': '2', 'name': 't', 'secondsToLive': 60})):
            with self.subTest(call=call.__name__):
                self.assertAwsError('ValidationException', call, workspaceId=ws, **args)
        # The API key still works there, as before.
        key = self.grafana.create_workspace_api_key(workspaceId=ws, keyName='k', keyRole='ADMIN',
                                                    secondsToLive=60)['key']
        self.assertEqual(self.http('GET', '/api/search', key=key, workspace_id=ws)[0], 200)

    def test_cli(self):
        clis = cli_candidates()
        if not clis:
            self.skipTest('no aws CLI installed')
        for cli in clis:
            with self.subTest(cli=cli):
                self.emu.reset(state=True)
                workspace = self.create_workspace()
                run = subprocess.run([cli, '--endpoint-url', self.emu.url, '--output', 'json',
                                      'grafana', 'describe-workspace', '--workspace-id',
                                      workspace['id']],
                                     env=self.emu.env(AWS_PAGER=''), capture_output=True,
                                     text=True, timeout=60)
                self.assertEqual(run.returncode, 0, run.stderr)
                self.assertEqual(json.loads(run.stdout)['workspace']['endpoint'],
                                 workspace['endpoint'])


if __name__ == '__main__':
    unittest.main()
