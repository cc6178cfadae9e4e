"""The Grafana HTTP API of each Amazon Managed Grafana workspace.

How a request reaches it (both on the emulator's one port; README.md):
- by Host header: `Host: g-0123456789.grafana-workspace.us-west-2.amazonaws.com`
  (e.g. `curl --connect-to ::127.0.0.1:PORT https://...` minus TLS, or any
  client that connects to 127.0.0.1 and sends the workspace endpoint as Host);
- by path prefix: `http://127.0.0.1:PORT/_grafana/g-0123456789/api/...`.

The workspace must exist and be ACTIVE (else 404 / 503). Every /api call but
GET /api/health needs `Authorization: Bearer KEY` with a key from
CreateWorkspaceApiKey or a service account token that is neither deleted nor
expired: 401 `{"message": "Unauthorized"}` without one, 401
`{"message": "Invalid API key"}` for an unknown or deleted key, 401
`{"message": "Expired API key"}` after its time to live (by the emulator's
clock, which POST /_emulator/clock can advance). Roles as Grafana
applies them: data sources need Admin, saving and deleting dashboards need
Editor, reading needs Viewer; 403 `{"message": "Permission denied"}`.

Endpoints, with Grafana's JSON shapes and status codes:
  GET    /api/health
  GET    /api/datasources                 POST /api/datasources
  GET|PUT|DELETE /api/datasources/uid/:uid
  GET    /api/datasources/name/:name
  POST   /api/dashboards/db               POST /api/dashboards/import
  GET|DELETE /api/dashboards/uid/:uid
  GET    /api/search
Dashboards follow Grafana's save rules: `id` and `uid` identify an existing
dashboard, a stale `version` is a 412 version-mismatch unless `overwrite`,
the same title in the same folder is a 412 name-exists unless `overwrite`,
each save increments `version`. Import replaces `${INPUT}` references with
the values of `inputs` (matched by name and type) and refuses (400) a
dashboard whose `__inputs` are not all given. Only the General folder exists.

Each call is counted by the control API as `grafana-http:METHOD TEMPLATE`
(e.g. `grafana-http:GET /api/datasources/uid/:uid`)."""

import datetime
import json
import re
import secrets
import string
import sys
import time
import traceback
import urllib.parse

GRAFANA_VERSION = '10.4.1'
_HOST_RE = re.compile(r'^(g-[0-9a-f]{10})\.grafana-workspace\.([a-z0-9-]+)\.amazonaws\.com'
                      r'(:\d+)?$')
_PREFIX_RE = re.compile(r'^/_grafana/(g-[0-9a-f]{10})(/.*)?$')
_UID_RE = re.compile(r'^[a-zA-Z0-9\-_]*$')
_VAR_RE = re.compile(r'\$\{([^}]+)\}')

ADMIN, EDITOR, VIEWER = 'Admin', 'Editor', 'Viewer'
_RANK = {VIEWER: 1, EDITOR: 2, ADMIN: 3}
_AWS_ROLE = {'ADMIN': ADMIN, 'EDITOR': EDITOR, 'VIEWER': VIEWER}

_TYPE_NAMES = {'prometheus': 'Prometheus', 'cloudwatch': 'CloudWatch',
               'grafana-amazonprometheus-datasource': 'Amazon Managed Service for Prometheus',
               'loki': 'Loki', 'xray': 'X-Ray', 'grafana-x-ray-datasource': 'X-Ray'}


def new_instance():
    """The Grafana state of a new workspace (kept in the workspace's data)."""
    return {'datasources': {}, 'dashboards': {}, 'next_datasource_id': 0,
            'next_dashboard_id': 0, 'next_user_id': 1, 'next_token_id': 0}


class HttpError(Exception):
    """A Grafana error answer; `extra` adds members such as Grafana's
    `status` ("version-mismatch") to the JSON body."""

    def __init__(self, http_status, message, **extra):
        super().__init__(message)
        self.http_status = http_status
        self.body = dict(extra, message=message)


# ---- hooking into the emulator ----------------------------------------------

def install():
    """Put the Grafana HTTP API in front of the AWS pipeline. The framework
    has no hook for non-AWS HTTP endpoints, so App.handle is wrapped (once):
    requests for a Grafana workspace host or /_grafana/ go here, everything
    else goes on to the AWS pipeline unchanged."""
    from awsemu import app as app_module
    App = app_module.App
    if getattr(App.handle, '_berth_grafana', False):
        return
    original = App.handle

    def handle(self, request):
        target = _target(request)
        if target is None:
            return original(self, request)
        return serve(self, request, *target)

    handle._berth_grafana = True
    App.handle = handle


def _target(request):
    """(workspace_id, region or None, api_path) when the request is for a
    workspace's Grafana, else None."""
    host = (request.header('Host') or '').lower()
    found = _HOST_RE.match(host)
    if found:
        return found.group(1), found.group(2), request.raw_path
    found = _PREFIX_RE.match(request.raw_path)
    if found:
        return found.group(1), None, found.group(2) or '/'
    return None


def _response(status, document):
    from awsemu.wire import Response
    return Response(status, [('Content-Type', 'application/json')],
                    json.dumps(document).encode('utf-8'))


def serve(app, request, workspace_id, region, path):
    started = time.monotonic()
    template = path
    try:
        template, handler, args = _route(request.method, path)
        with app.store.lock:
            workspace = _find_workspace(app, workspace_id, region)
            if handler is not _health:
                role = _authenticate(app, workspace, request)
            else:
                role = None
            status, document = handler(workspace, role, request, *args)
    except HttpError as err:
        status, document = err.http_status, err.body
    except Exception as err:  # a bug here: answer 500 and say so, keep serving
        traceback.print_exc(file=sys.stderr)
        status, document = 500, {'message': f'berth-emulator bug: {type(err).__name__}: {err}'}
    key = f'grafana-http:{request.method} {template}'
    app.calls.record(key, None if status < 400 else f'HTTP{status}')
    if app.log:
        print(f'berth-emulator: {key} {status} {(time.monotonic() - started) * 1000:.0f}ms',
              file=sys.stderr, flush=True)
    return _response(status, document)


def _find_workspace(app, workspace_id, region):
    for workspace in app.store.select(service='grafana', type='workspace'):
        if workspace.id == workspace_id and (region is None or workspace.region == region):
            if workspace.data['status'] in ('CREATING', 'DELETING'):
                raise HttpError(503, 'Workspace is not available')
            return workspace
    raise HttpError(404, f'Workspace {workspace_id} not found')


def _authenticate(app, workspace, request):
    header = request.header('Authorization') or ''
    scheme, _, token = header.partition(' ')
    if scheme.lower() != 'bearer' or not token.strip():
        raise HttpError(401, 'Unauthorized')
    token = token.strip()
    now = app.now().timestamp()  # the emulator's clock (POST /_emulator/clock)
    for key in workspace.data['api_keys'].values():
        if secrets.compare_digest(key['key'], token):
            if now >= key['expires']:
                raise HttpError(401, 'Expired API key')
            return _AWS_ROLE[key['role']]
    for account in workspace.data['service_accounts'].values():
        for item in account['tokens'].values():
            if secrets.compare_digest(item['key'], token):
                if now >= item['expires']:
                    raise HttpError(401, 'Expired API key')
                return _AWS_ROLE[account['grafanaRole']]
    raise HttpError(401, 'Invalid API key')


def _need(role, wanted):
    if _RANK[role] < _RANK[wanted]:
        raise HttpError(403, 'Permission denied')


def _body(request):
    try:
        document = json.loads(request.body.decode('utf-8') or 'null')
    except (ValueError, UnicodeDecodeError):
        raise HttpError(400, 'bad request data')
    if not isinstance(document, dict):
        raise HttpError(400, 'bad request data')
    return document


# ---- routing ----------------------------------------------------------------

def _route(method, path):
    path = path.split('?')[0]
    if len(path) > 1:
        path = path.rstrip('/')
    for route_method, template, handler in _ROUTES:
        pattern = '^' + re.sub(r':(\w+)', r'(?P<\1>[^/]+)', template) + '$'
        found = re.match(pattern, path)
        if found and route_method == method:
            return template, handler, [urllib.parse.unquote(v) for v in found.groups()]
    raise HttpError(404, 'Not found')


def _health(workspace, role, request):
    return 200, {'commit': '0000000', 'database': 'ok', 'version': GRAFANA_VERSION}


# ---- data sources ---------------------------------------------------------------

def _new_uid():
    return ''.join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(14))


def _datasource_view(ds):
    view = {k: ds[k] for k in ('id', 'uid', 'orgId', 'name', 'type', 'typeLogoUrl', 'access',
                               'url', 'user', 'database', 'basicAuth', 'basicAuthUser',
                               'withCredentials', 'isDefault', 'jsonData', 'version',
                               'readOnly')}
    view['secureJsonFields'] = {k: True for k in ds['secureJsonData']}
    return view


def _datasource_list_item(ds):
    item = {k: ds[k] for k in ('id', 'uid', 'orgId', 'name', 'type', 'typeLogoUrl', 'access',
                               'url', 'user', 'database', 'basicAuth', 'isDefault', 'jsonData',
                               'readOnly')}
    item['typeName'] = _TYPE_NAMES.get(ds['type'], ds['type'])
    return item


def _list_datasources(workspace, role, request):
    _need(role, ADMIN)
    sources = sorted(workspace.data['grafana']['datasources'].values(),
                     key=lambda d: d['name'].lower())
    return 200, [_datasource_list_item(d) for d in sources]


def _datasource_by(workspace, field, value):
    for ds in workspace.data['grafana']['datasources'].values():
        if ds[field] == value:
            return ds
    raise HttpError(404, 'Data source not found')


def _apply_datasource(ds, body):
    for key, default in (('access', 'proxy'), ('url', ''), ('user', ''), ('database', ''),
                         ('basicAuth', False), ('basicAuthUser', ''),
                         ('withCredentials', False), ('isDefault', False), ('jsonData', {})):
        ds[key] = body.get(key, default)
    if not isinstance(ds['jsonData'], dict):
        raise HttpError(400, 'bad request data')
    if 'secureJsonData' in body:
        if not isinstance(body['secureJsonData'], dict):
            raise HttpError(400, 'bad request data')
        ds['secureJsonData'] = dict(body['secureJsonData'])


def _check_datasource_body(body):
    name, kind = body.get('name'), body.get('type')
    if not isinstance(name, str) or not name:
        raise HttpError(400, 'Missing required field: name')
    if not isinstance(kind, str) or not kind:
        raise HttpError(400, 'Missing required field: type')
    if body.get('access', 'proxy') not in ('proxy', 'direct'):
        raise HttpError(400, 'Invalid access mode, must be proxy or direct')
    url = body.get('url', '')
    if url and not re.match(r'^[a-zA-Z][a-zA-Z0-9+.-]*://', url) and not url.startswith('/'):
        raise HttpError(400, 'Validation error, invalid URL', status='invalid-url')


def _unset_other_defaults(workspace, ds):
    if ds['isDefault']:
        for other in workspace.data['grafana']['datasources'].values():
            if other is not ds:
                other['isDefault'] = False


def _add_datasource(workspace, role, request):
    _need(role, ADMIN)
    body = _body(request)
    _check_datasource_body(body)
    instance = workspace.data['grafana']
    sources = instance['datasources']
    if any(d['name'] == body['name'] for d in sources.values()):
        raise HttpError(409, 'data source with the same name already exists')
    uid = body.get('uid') or _new_uid()
    if not isinstance(uid, str) or not _UID_RE.match(uid) or len(uid) > 40:
        raise HttpError(400, 'Failed to add datasource: invalid UID for datasource')
    if any(d['uid'] == uid for d in sources.values()):
        raise HttpError(409, 'data source with the same uid already exists')
    instance['next_datasource_id'] += 1
    ds = {'id': instance['next_datasource_id'], 'uid': uid, 'orgId': 1,
          'name': body['name'], 'type': body['type'],
          'typeLogoUrl': f"public/app/plugins/datasource/{body['type']}/img/logo.svg",
          'version': 1, 'readOnly': False, 'secureJsonData': {}}
    _apply_datasource(ds, body)
    sources[ds['id']] = ds
    _unset_other_defaults(workspace, ds)
    return 200, {'datasource': _datasource_view(ds), 'id': ds['id'],
                 'message': 'Datasource added', 'name': ds['name']}


def _get_datasource_by_uid(workspace, role, request, uid):
    _need(role, ADMIN)
    return 200, _datasource_view(_datasource_by(workspace, 'uid', uid))


def _get_datasource_by_name(workspace, role, request, name):
    _need(role, ADMIN)
    return 200, _datasource_view(_datasource_by(workspace, 'name', name))


def _update_datasource(workspace, role, request, uid):
    _need(role, ADMIN)
    ds = _datasource_by(workspace, 'uid', uid)
    body = _body(request)
    _check_datasource_body(body)
    if ds['readOnly']:
        raise HttpError(403, 'Cannot update read-only data source')
    sources = workspace.data['grafana']['datasources']
    if any(d['name'] == body['name'] and d is not ds for d in sources.values()):
        raise HttpError(409, 'data source with the same name already exists')
    if 'version' in body and isinstance(body['version'], int) and body['version'] < ds['version']:
        raise HttpError(409, 'Datasource has already been updated by someone else. '
                        'Please reload and try again')
    if body.get('uid') not in (None, '', uid):
        new_uid = body['uid']
        if not isinstance(new_uid, str) or not _UID_RE.match(new_uid) or len(new_uid) > 40:
            raise HttpError(400, 'Failed to update datasource: invalid UID for datasource')
        if any(d['uid'] == new_uid for d in sources.values()):
            raise HttpError(409, 'data source with the same uid already exists')
        ds['uid'] = new_uid
    ds['name'], ds['type'] = body['name'], body['type']
    _apply_datasource(ds, body)
    ds['version'] += 1
    _unset_other_defaults(workspace, ds)
    return 200, {'datasource': _datasource_view(ds), 'id': ds['id'],
                 'message': 'Datasource updated', 'name': ds['name']}


def _delete_datasource(workspace, role, request, uid):
    _need(role, ADMIN)
    ds = _datasource_by(workspace, 'uid', uid)
    if ds['readOnly']:
        raise HttpError(403, 'Cannot delete read-only data source')
    del workspace.data['grafana']['datasources'][ds['id']]
    return 200, {'id': ds['id'], 'message': 'Data source deleted'}


# ---- dashboards ---------------------------------------------------------------------

def slugify(title):
    slug = re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-')
    return slug


def _now_text():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def _check_folder(body):
    folder_id = body.get('folderId', 0)
    folder_uid = body.get('folderUid', '')
    if folder_id not in (0, None) or folder_uid not in ('', None):
        raise HttpError(400, 'Folder not found', status='not-found')


def _save_dashboard(workspace, dashboard, overwrite, message=''):
    """Grafana's SaveDashboard rules; returns the stored dashboard record."""
    if not isinstance(dashboard, dict):
        raise HttpError(400, 'bad request data')
    title = dashboard.get('title')
    if not isinstance(title, str) or not title.strip():
        raise HttpError(400, 'Dashboard title cannot be empty', status='empty-name')
    uid = dashboard.get('uid') or ''
    if not isinstance(uid, str) or not _UID_RE.match(uid):
        raise HttpError(400, 'uid contains illegal characters', status='invalid-uid')
    if len(uid) > 40:
        raise HttpError(400, 'uid too long, max 40 characters', status='invalid-uid')
    instance = workspace.data['grafana']
    boards = instance['dashboards']
    dash_id = dashboard.get('id') or 0
    if not isinstance(dash_id, int):
        raise HttpError(400, 'bad request data')
    by_id = by_uid = None
    if dash_id:
        by_id = boards.get(dash_id)
        if by_id is None:
            raise HttpError(404, 'Dashboard not found', status='not-found')
        if not uid:
            uid = by_id['uid']
    if uid:
        by_uid = next((b for b in boards.values() if b['uid'] == uid), None)
    existing = None
    if by_id is not None or by_uid is not None:
        if by_id is not None and by_uid is not None and by_id['id'] != by_uid['id']:
            raise HttpError(400, 'A dashboard with the same uid already exists',
                            status='uid-exists')
        existing = by_id or by_uid
        version = dashboard.get('version')
        if version != existing['version'] and not overwrite:
            raise HttpError(412, 'The dashboard has been changed by someone else',
                            status='version-mismatch')
    same_title = next((b for b in boards.values()
                       if b['title'] == title
                       and (existing is None or b['id'] != existing['id'])), None)
    if same_title is not None:
        if not overwrite:
            raise HttpError(412, 'A dashboard with the same name in the folder already exists',
                            status='name-exists')
        existing = same_title
        uid = existing['uid']
    now = _now_text()
    stored = json.loads(json.dumps(dashboard))
    if existing is None:
        instance['next_dashboard_id'] += 1
        record = {'id': instance['next_dashboard_id'], 'uid': uid or _new_uid()[:9],
                  'version': 1, 'created': now}
        boards[record['id']] = record
    else:
        record = existing
        record['version'] += 1
    record.update(title=title, updated=now, slug=slugify(title), message=message)
    stored.update(id=record['id'], uid=record['uid'], version=record['version'], title=title)
    record['dashboard'] = stored
    record['tags'] = [t for t in stored.get('tags', []) if isinstance(t, str)]
    return record


def _url(record):
    return f"/d/{record['uid']}/{record['slug']}"


def _post_dashboard(workspace, role, request):
    _need(role, EDITOR)
    body = _body(request)
    _check_folder(body)
    overwrite = body.get('overwrite', False)
    if not isinstance(overwrite, bool):
        raise HttpError(400, 'bad request data')
    record = _save_dashboard(workspace, body.get('dashboard'), overwrite,
                             body.get('message', ''))
    return 200, {'id': record['id'], 'uid': record['uid'], 'url': _url(record),
                 'status': 'success', 'version': record['version'], 'slug': record['slug'],
                 'folderUid': ''}


def _evaluate(value, variables):
    if isinstance(value, dict):
        return {k: _evaluate(v, variables) for k, v in value.items() if k != '__inputs'}
    if isinstance(value, list):
        return [_evaluate(v, variables) for v in value]
    if isinstance(value, str):
        return _VAR_RE.sub(lambda m: variables.get(m.group(0), m.group(0)), value)
    return value


def _import_dashboard(workspace, role, request):
    _need(role, EDITOR)
    body = _body(request)
    _check_folder(body)
    dashboard = body.get('dashboard')
    if not isinstance(dashboard, dict):
        raise HttpError(400, 'Dashboard must be set')
    inputs = body.get('inputs') or []
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise HttpError(400, 'bad request data')
    variables = {}
    for definition in dashboard.get('__inputs') or []:
        name, kind = definition.get('name'), definition.get('type')
        given = next((i for i in inputs if i.get('type') == kind
                      and i.get('name') in (name, '*')), None)
        if given is None or not isinstance(given.get('value'), str) or not given['value']:
            raise HttpError(400, f'Dashboard input variable: {name} missing from import command')
        variables['${' + name + '}'] = given['value']
    generated = _evaluate(dashboard, variables)
    generated.pop('id', None)
    overwrite = body.get('overwrite', False)
    record = _save_dashboard(workspace, generated, bool(overwrite))
    return 200, {'pluginId': body.get('pluginId', ''), 'title': record['title'],
                 'imported': True, 'importedUri': f"db/{record['slug']}",
                 'importedUrl': _url(record), 'slug': record['slug'],
                 'dashboardId': record['id'], 'folderId': 0, 'folderUid': '',
                 'importedRevision': 1, 'revision': 1,
                 'description': generated.get('description', ''), 'path': '',
                 'removed': False, 'uid': record['uid']}


def _dashboard_by_uid(workspace, uid):
    for record in workspace.data['grafana']['dashboards'].values():
        if record['uid'] == uid:
            return record
    raise HttpError(404, 'Dashboard not found')


def _get_dashboard(workspace, role, request, uid):
    _need(role, VIEWER)
    record = _dashboard_by_uid(workspace, uid)
    can_edit = _RANK[role] >= _RANK[EDITOR]
    meta = {'type': 'db', 'canSave': can_edit, 'canEdit': can_edit,
            'canAdmin': role == ADMIN, 'canStar': True, 'canDelete': can_edit,
            'slug': record['slug'], 'url': _url(record), 'expires': '0001-01-01T00:00:00Z',
            'created': record['created'], 'updated': record['updated'],
            'updatedBy': 'api-key', 'createdBy': 'api-key', 'version': record['version'],
            'hasAcl': False, 'isFolder': False, 'folderId': 0, 'folderUid': '',
            'folderTitle': 'General', 'folderUrl': '', 'provisioned': False,
            'provisionedExternalId': '', 'annotationsPermissions': {
                'dashboard': {'canAdd': can_edit, 'canEdit': can_edit, 'canDelete': can_edit},
                'organization': {'canAdd': role == ADMIN, 'canEdit': role == ADMIN,
                                 'canDelete': role == ADMIN}}}
    return 200, {'dashboard': json.loads(json.dumps(record['dashboard'])), 'meta': meta}


def _delete_dashboard(workspace, role, request, uid):
    _need(role, EDITOR)
    record = _dashboard_by_uid(workspace, uid)
    del workspace.data['grafana']['dashboards'][record['id']]
    return 200, {'id': record['id'], 'title': record['title'],
                 'message': f"Dashboard {record['title']} deleted"}


def _search(workspace, role, request):
    _need(role, VIEWER)
    query = {}
    for key, value in urllib.parse.parse_qsl(request.query, keep_blank_values=True):
        query.setdefault(key, []).append(value)
    kind = (query.get('type') or [''])[-1]
    if kind not in ('', 'dash-db', 'dash-folder'):
        raise HttpError(400, 'type must be dash-db or dash-folder')
    records = sorted(workspace.data['grafana']['dashboards'].values(),
                     key=lambda r: r['title'].lower())
    if kind == 'dash-folder':
        records = []
    text = (query.get('query') or [''])[-1].lower()
    if text:
        records = [r for r in records if text in r['title'].lower()]
    for tag in query.get('tag', []):
        records = [r for r in records if tag in r['tags']]
    uids = [u for value in query.get('dashboardUIDs', []) for u in value.split(',') if u]
    if uids:
        records = [r for r in records if r['uid'] in uids]
    ids = [int(v) for v in query.get('dashboardIds', []) if v.isdigit()]
    if ids:
        records = [r for r in records if r['id'] in ids]
    try:
        limit = int((query.get('limit') or ['1000'])[-1])
        page = int((query.get('page') or ['1'])[-1])
    except ValueError:
        raise HttpError(400, 'bad request data')
    limit = min(max(limit, 1), 5000)
    records = records[(max(page, 1) - 1) * limit:][:limit]
    return 200, [{'id': r['id'], 'uid': r['uid'], 'title': r['title'],
                  'uri': f"db/{r['slug']}", 'url': _url(r), 'slug': '', 'type': 'dash-db',
                  'tags': list(r['tags']), 'isStarred': False, 'sortMeta': 0}
                 for r in records]


_ROUTES = [
    ('GET', '/api/health', _health),
    ('GET', '/api/datasources', _list_datasources),
    ('POST', '/api/datasources', _add_datasource),
    ('GET', '/api/datasources/uid/:uid', _get_datasource_by_uid),
    ('PUT', '/api/datasources/uid/:uid', _update_datasource),
    ('DELETE', '/api/datasources/uid/:uid', _delete_datasource),
    ('GET', '/api/datasources/name/:name', _get_datasource_by_name),
    ('POST', '/api/dashboards/db', _post_dashboard),
    ('POST', '/api/dashboards/import', _import_dashboard),
    ('GET', '/api/dashboards/uid/:uid', _get_dashboard),
    ('DELETE', '/api/dashboards/uid/:uid', _delete_dashboard),
    ('GET', '/api/search', _search),
]
