"""A stand-in for Amazon Managed Grafana, for tests/unit/test_grafana.c: the AWS
grafana API's CreateWorkspaceApiKey / DeleteWorkspaceApiKey (REST-JSON, SigV4)
and one workspace's Grafana HTTP API (data sources, dashboard import with
Grafana's own __inputs evaluation, get, delete, search), on one port, told
apart by the Host header as the emulator does.

Strict where Grafana and AWS are: the workspace API answers only with Host =
the workspace endpoint and "Authorization: Bearer <a live key>"; the AWS API
only for a SigV4 header scoped to grafana, with the required members.

Test control (Host 127.0.0.1): GET /_stub/log (calls, keys made and deleted),
POST /_stub/fail {"path", "method", "status", "message", "times", "code"}
(inject an answer; "path" "*apikey" matches any key deletion), POST /_stub/reject_keys {"count": N} (the next N keys made are
rejected with 401, as an expired key is; -1: all).

Prints "PORT <n>" on stdout once listening.
"""
import json
import re
import secrets
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORKSPACE = "g-abc0123456"
ENDPOINT = WORKSPACE + ".grafana-workspace.us-west-2.amazonaws.com"
VAR = re.compile(r"\$\{.+?\}")

lock = threading.Lock()
state = {
    "calls": [],          # {"host", "method", "path", "auth"}
    "keys_created": [],   # names
    "keys_deleted": [],
    "key_values": [],     # every key handed out (tests check none leaks)
    "live": {},           # key value -> name
    "rejected": set(),    # key values that answer 401
    "reject_next": 0,
    "fails": [],
    "datasources": {},    # uid -> ds
    "dashboards": {},     # uid -> {"dashboard", "version"}
    "next_id": 1,
}


def evaluate(template, inputs):
    """Grafana's DashTemplateEvaluator: every __inputs entry must be matched
    by an input of the same type (name or "*"); ${NAME} in strings replaced;
    __inputs dropped, everything else kept."""
    variables = {}
    for decl in template.get("__inputs") or []:
        match = None
        for inp in inputs:
            if inp.get("type") == decl.get("type") and inp.get("name") in (decl.get("name"), "*"):
                match = inp
                break
        if decl.get("pluginId") == "__expr__":
            match = {"value": "__expr__"}
        if match is None:
            raise KeyError(decl.get("name"))
        variables["${" + decl["name"] + "}"] = match["value"]

    def walk(v):
        if isinstance(v, str):
            return VAR.sub(lambda m: variables.get(m.group(0), m.group(0)), v)
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items() if k != "__inputs"}
        return v
    return walk(template)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, headers=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        return json.loads(raw) if raw else None

    def handle_any(self, method):
        host = self.headers.get("Host", "")
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, urllib.parse.parse_qs(url.query)
        body = self.body()
        auth = self.headers.get("Authorization", "")
        with lock:
            if not path.startswith("/_stub/"):
                state["calls"].append({"host": host, "method": method, "path": self.path,
                                       "auth": auth.split(" ")[0]})
            if host == ENDPOINT:
                return self.workspace(method, path, query, body, auth)
            if host.startswith("127.0.0.1"):
                if path.startswith("/_stub/"):
                    return self.control(method, path, body)
                return self.aws(method, path, body, auth)
            return self.send(404, {"message": "unknown host " + host})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    # ---- test control
    # POST /_stub/drop_keys: forget every live key (someone deleted them).
    def control(self, method, path, body):
        if path == "/_stub/log":
            return self.send(200, {"calls": state["calls"], "keys_created": state["keys_created"],
                                   "keys_deleted": state["keys_deleted"],
                                   "key_values": state["key_values"],
                                   "live_keys": len(state["live"]),
                                   "datasources": list(state["datasources"].values()),
                                   "dashboards": {u: d["dashboard"] for u, d in state["dashboards"].items()}})
        if path == "/_stub/fail":
            state["fails"].append(dict(body))
            return self.send(200, {})
        if path == "/_stub/drop_keys":
            state["live"].clear()
            return self.send(200, {})
        if path == "/_stub/reject_keys":
            state["reject_next"] = body["count"]
            return self.send(200, {})
        return self.send(404, {"message": "no such control"})

    # ---- the AWS grafana API
    def aws(self, method, path, body, auth):
        if not auth.startswith("AWS4-HMAC-SHA256 Credential=") or "/us-west-2/grafana/aws4_request" not in auth:
            return self.send(403, {"message": "missing or wrong SigV4 authorization"},
                             {"x-amzn-ErrorType": "AccessDeniedException"})
        for f in state["fails"]:
            if (f["path"] == path or (f["path"] == "*apikey" and "/apikeys/" in path)) \
                    and f["method"] == method and f.get("times", 1) > 0:
                f["times"] = f.get("times", 1) - 1
                return self.send(f["status"], {"message": f["message"]},
                                 {"x-amzn-ErrorType": f.get("code", "InternalServerException")})
        m = re.fullmatch(r"/workspaces/([^/]+)/apikeys(?:/([^/]+))?", path)
        if not m:
            return self.send(404, {"message": "no route"}, {"x-amzn-ErrorType": "ResourceNotFoundException"})
        ws, name = m.group(1), m.group(2)
        if ws != WORKSPACE:
            return self.send(404, {"message": "Workspace not found", "resourceId": ws,
                                   "resourceType": "WORKSPACE"},
                             {"x-amzn-ErrorType": "ResourceNotFoundException"})
        if method == "POST" and name is None:
            body = body or {}
            missing = [k for k in ("keyName", "keyRole", "secondsToLive") if k not in body]
            extra = [k for k in body if k not in ("keyName", "keyRole", "secondsToLive")]
            if missing or extra or body.get("keyRole") not in ("ADMIN", "EDITOR", "VIEWER"):
                return self.send(400, {"message": "invalid request %s %s" % (missing, extra)},
                                 {"x-amzn-ErrorType": "ValidationException"})
            if body["keyName"] in state["live"].values():
                return self.send(409, {"message": "key exists", "resourceId": body["keyName"],
                                       "resourceType": "API_KEY"},
                                 {"x-amzn-ErrorType": "ConflictException"})
            key = "eyJrIjoi" + secrets.token_urlsafe(24)
            state["live"][key] = body["keyName"]
            state["keys_created"].append(body["keyName"])
            state["key_values"].append(key)
            if state["reject_next"]:
                state["rejected"].add(key)
                if state["reject_next"] > 0:
                    state["reject_next"] -= 1
            return self.send(200, {"key": key, "keyName": body["keyName"], "workspaceId": ws})
        if method == "DELETE" and name is not None:
            for k, v in list(state["live"].items()):
                if v == name:
                    del state["live"][k]
                    state["keys_deleted"].append(name)
                    return self.send(200, {"keyName": name, "workspaceId": ws})
            return self.send(404, {"message": "API key not found", "resourceId": name,
                                   "resourceType": "API_KEY"},
                             {"x-amzn-ErrorType": "ResourceNotFoundException"})
        return self.send(405, {"message": "method not allowed"})

    # ---- the workspace's Grafana API
    def workspace(self, method, path, query, body, auth):
        if not auth.startswith("Bearer ") or auth[7:] not in state["live"] or auth[7:] in state["rejected"]:
            return self.send(401, {"message": "Invalid API key"})
        for f in state["fails"]:
            if f["path"] == path and f["method"] == method and f.get("times", 1) > 0:
                f["times"] = f.get("times", 1) - 1
                return self.send(f["status"], {"message": f["message"]})
        dss = state["datasources"]
        m = re.fullmatch(r"/api/datasources(?:/(name|uid)/([^/]+))?", path)
        if m:
            kind, key = m.group(1), m.group(2) and urllib.parse.unquote(m.group(2))
            if kind is None and method == "POST":
                if not body or not body.get("name") or not body.get("type"):
                    return self.send(400, {"message": "Required field missing"})
                if any(d["name"] == body["name"] for d in dss.values()):
                    return self.send(409, {"message": "data source with the same name already exists"})
                ds = dict(body)
                ds["id"] = state["next_id"]
                state["next_id"] += 1
                ds["uid"] = body.get("uid") or secrets.token_hex(5)
                dss[ds["uid"]] = ds
                return self.send(200, {"datasource": ds, "id": ds["id"], "message": "Datasource added",
                                       "name": ds["name"]})
            found = None
            for d in dss.values():
                if (kind == "name" and d["name"] == key) or (kind == "uid" and d["uid"] == key):
                    found = d
            if kind and method == "GET":
                return self.send(200, found) if found else self.send(404, {"message": "Data source not found"})
            if kind == "uid" and method == "PUT":
                if not found:
                    return self.send(404, {"message": "Data source not found"})
                if not body or not body.get("name") or not body.get("type"):
                    return self.send(400, {"message": "Required field missing"})
                ds = dict(body)
                ds["id"], ds["uid"] = found["id"], found["uid"]
                dss[found["uid"]] = ds
                return self.send(200, {"datasource": ds, "id": ds["id"], "message": "Datasource updated",
                                       "name": ds["name"]})
            if kind == "uid" and method == "DELETE":
                if not found:
                    return self.send(404, {"message": "Data source not found"})
                del dss[found["uid"]]
                return self.send(200, {"message": "Data source deleted", "id": found["id"]})
            return self.send(405, {"message": "method not allowed"})
        if path == "/api/dashboards/import" and method == "POST":
            if not body or not isinstance(body.get("dashboard"), dict):
                return self.send(400, {"message": "bad request data"})
            for inp in body.get("inputs") or []:
                if set(inp) - {"name", "type", "pluginId", "value"}:
                    return self.send(400, {"message": "unknown input field"})
            try:
                dash = evaluate(body["dashboard"], body.get("inputs") or [])
            except KeyError as e:
                return self.send(400, {"message": "dashboard import failed: missing dashboard input variable " + str(e)})
            uid = dash.get("uid") or secrets.token_hex(5)
            old = state["dashboards"].get(uid)
            if old and not body.get("overwrite"):
                return self.send(412, {"message": "A dashboard with the same uid already exists",
                                       "status": "name-exists"})
            version = old["version"] + 1 if old else 1
            did = old["dashboard"]["id"] if old else state["next_id"]
            if not old:
                state["next_id"] += 1
            dash["uid"], dash["id"], dash["version"] = uid, did, version
            state["dashboards"][uid] = {"dashboard": dash, "version": version,
                                        "folderUid": body.get("folderUid", "")}
            slug = re.sub(r"[^a-z0-9]+", "-", dash.get("title", "").lower()).strip("-")
            return self.send(200, {"uid": uid, "title": dash.get("title"), "imported": True,
                                   "importedUrl": "/d/%s/%s" % (uid, slug), "dashboardId": did,
                                   "slug": slug, "folderUid": body.get("folderUid", ""),
                                   "pluginId": "", "revision": 0})
        m = re.fullmatch(r"/api/dashboards/uid/([^/]+)", path)
        if m:
            uid = urllib.parse.unquote(m.group(1))
            d = state["dashboards"].get(uid)
            if not d:
                return self.send(404, {"message": "Dashboard not found"})
            if method == "GET":
                return self.send(200, {"dashboard": d["dashboard"],
                                       "meta": {"version": d["version"], "folderUid": d["folderUid"],
                                                "slug": "x", "url": "/d/" + uid}})
            if method == "DELETE":
                del state["dashboards"][uid]
                return self.send(200, {"title": d["dashboard"].get("title"), "message": "Dashboard deleted",
                                       "id": d["dashboard"]["id"]})
        if path == "/api/search" and method == "GET":
            q = (query.get("query") or [""])[0].lower()
            t = (query.get("type") or [None])[0]
            hits = []
            if t in (None, "dash-db"):
                for uid, d in sorted(state["dashboards"].items()):
                    if q in d["dashboard"].get("title", "").lower():
                        hits.append({"uid": uid, "title": d["dashboard"].get("title"), "type": "dash-db",
                                     "id": d["dashboard"]["id"], "url": "/d/" + uid})
            return self.send(200, hits)
        return self.send(404, {"message": "Not found"})


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
