"""Chapter 2's monitoring types against the emulator: an AMP workspace, a
Grafana workspace with one SSO admin, a Prometheus data source pointing at
the AMP workspace, and the workshop's dashboard imported with its input
mapped. apply -> no-change plan -> the alias and the dashboard's title
change -> exactly those two updates (the dashboard re-imported once) ->
destroy leaves nothing, and every credential berth made was deleted and
never printed: tokens of the workspace's service account "berth" on Grafana
10.4 (GrafanaVersionTest8 repeats it on 8.4, which has no service accounts,
where berth falls back to API keys)."""
import json
import os
import textwrap
import urllib.request

import botocore.session

from berthtest import SOURCE_DIR, main
from enginetest import EngineCase
from fixture import ACCESS_KEY, REGION, SECRET_KEY

DASHBOARD = os.path.join(SOURCE_DIR, "specs", "files", "AMP_ECS_Task_Monitoring.json")
INPUT = "DS_PROMETHEUS_WS-647C2794-32A4-4DED-95E1-59BC7ECD633C"
ADMIN = "906775f5a1-0f2a9d3c-7c1e-4b1a-9d8e-1a2b3c4d5e6f"

SPEC = """\
    berth: 1
    stack: demo
    resources:
      amp:
        type: AWS::APS::Workspace
        properties:
          Alias: ALIAS
          Tags: [{ Key: team, Value: observability }]
      grafana:
        type: AWS::Grafana::Workspace
        properties:
          Name: ecs-workshop
          GrafanaVersion: "VERSION"
          AccountAccessType: CURRENT_ACCOUNT
          AuthenticationProviders: [AWS_SSO]
          PermissionType: SERVICE_MANAGED
          DataSources: [PROMETHEUS]
      admins:
        type: Berth::Grafana::Permissions
        properties:
          WorkspaceId: ${grafana.Id}
          Admins: [{ Id: ADMIN_ID, Type: SSO_USER }]
      prometheus:
        type: Berth::Grafana::DataSource
        properties:
          WorkspaceId: ${grafana.Id}
          Name: AMP
          Type: prometheus
          Url: ${amp.PrometheusEndpoint}
          SigV4Region: ${region}
          IsDefault: true
      dashboard:
        type: Berth::Grafana::Dashboard
        properties:
          WorkspaceId: ${grafana.Id}
          DashboardJson: '${file("dashboard.json")}'
          Inputs:
            INPUT_NAME: ${prometheus.Uid}
    outputs:
      grafana_url: { value: "https://${grafana.Endpoint}" }
      remote_write: { value: "${amp.RemoteWriteUrl}" }
      dashboard_uid: { value: "${dashboard.Uid}" }
    """


class GrafanaTypesTest(EngineCase):
    VERSION = "10.4"

    def spec(self, alias="ecs-workshop"):
        return (SPEC.replace("ALIAS", alias).replace("ADMIN_ID", ADMIN)
                .replace("INPUT_NAME", INPUT).replace("VERSION", self.VERSION))

    def write_dashboard(self, title=None):
        with open(DASHBOARD) as f:
            model = json.load(f)
        if title:
            model["title"] = title
        with open(os.path.join(self.dir, "dashboard.json"), "w") as f:
            json.dump(model, f, indent=2)

    def read_spec(self):
        with open(os.path.join(self.dir, "berth.yaml")) as f:
            return f.read()

    def ops(self):
        return self.emu.calls()["by_operation"]

    def api_keys_balanced(self):
        """How many credentials berth made since the last reset, after
        checking that it deleted each and used only the kind the workspace's
        version calls for (the test's own "person" key aside)."""
        ops = self.ops()
        tokens = self.VERSION != "8.4"
        create, delete = (("CreateWorkspaceServiceAccountToken", "DeleteWorkspaceServiceAccountToken")
                          if tokens else ("CreateWorkspaceApiKey", "DeleteWorkspaceApiKey"))
        created = ops.get("grafana:" + create, 0)
        self.assertEqual(created, ops.get("grafana:" + delete, 0), ops)
        if tokens:
            self.assertEqual(ops.get("grafana:CreateWorkspaceApiKey", 0),
                             ops.get("grafana:DeleteWorkspaceApiKey", 0), ops)
            self.assertLessEqual(ops.get("grafana:CreateWorkspaceApiKey", 0),
                                 self.person_keys, ops)
        else:
            self.assertNotIn("grafana:CreateWorkspaceServiceAccount", ops)
            self.assertNotIn("grafana:" + "CreateWorkspaceServiceAccountToken", ops)
            created -= self.person_keys
        self.person_keys = 0
        return created

    person_keys = 0

    def reset_calls(self):
        self.emu.reset()
        self.person_keys = 0

    def grafana_http(self, ws, method, path, body=None):
        """The workspace's Grafana API as a person would use it, with a key
        of the test's own (deleted again, so berth's keys still balance)."""
        client = botocore.session.get_session().create_client(
            "grafana", region_name=REGION, endpoint_url=self.emu.url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
        key = client.create_workspace_api_key(keyName="person", keyRole="ADMIN",
                                              secondsToLive=600, workspaceId=ws)["key"]
        self.person_keys += 1
        try:
            req = urllib.request.Request(
                f"{self.emu.url}/_grafana/{ws}{path}", method=method,
                data=json.dumps(body).encode() if body is not None else None,
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
            with urllib.request.urlopen(req) as r:
                return json.loads(r.read() or b"null")
        finally:
            client.delete_workspace_api_key(keyName="person", workspaceId=ws)
            client.close()

    def test_workshop_monitoring(self):
        if not os.path.exists(DASHBOARD):
            self.skipTest("the workshop's dashboard is not there")
        self.write_dashboard()
        self.write_spec(self.spec())
        first = self.plan_json(code=0)
        self.assertEqual(first["summary"], {"add": 5, "change": 0, "destroy": 0})
        # A plan of a stack with no workspace opens no Grafana session.
        self.assertEqual(self.api_keys_balanced(), 0)

        outputs = []
        r = self.berth("apply", "--auto-approve", "--debug")
        outputs.append(r.stdout + r.stderr)
        self.assertIn("Apply complete! Resources: 5 added,", r.stdout)
        self.assertGreaterEqual(self.api_keys_balanced(), 1)
        if self.VERSION != "8.4":
            # One service account, made once, kept for the next run (it
            # holds no token), found again by every later session.
            self.assertEqual(self.ops().get("grafana:CreateWorkspaceServiceAccount"), 1)
        amp = [x for x in self.all_of("workspace") if x["arn"].startswith("arn:aws:aps:")]
        graf = [x for x in self.all_of("workspace") if x["arn"].startswith("arn:aws:grafana:")]
        self.assertEqual(len(amp), 1)
        self.assertEqual(len(graf), 1)
        self.assertEqual(amp[0]["tags"]["berth:stack"], "demo")
        self.assertEqual(amp[0]["tags"]["team"], "observability")
        ws = graf[0]["id"]
        endpoint = f"{ws}.grafana-workspace.us-west-2.amazonaws.com"
        self.assertIn(f'grafana_url = "https://{endpoint}"', r.stdout)
        self.assertRegex(r.stdout, r'remote_write = "https://aps-workspaces\.us-west-2\.'
                         r'amazonaws\.com/workspaces/ws-[0-9a-f-]+/api/v1/remote_write"')
        self.assertIn('dashboard_uid = "DnWHgZ3Gk"', r.stdout)
        self.assertEqual(self.ops().get("grafana-http:POST /api/dashboards/import"), 1)
        self.assertEqual(self.ops().get("grafana:UpdatePermissions"), 1)

        # What Grafana holds: the data source points at the AMP workspace
        # with SigV4, and the dashboard's input is mapped to it.
        amp_endpoint = (f"https://aps-workspaces.us-west-2.amazonaws.com/workspaces/"
                        f"{amp[0]['id']}/")
        r = self.berth("state", "show", "prometheus")
        self.assertIn(amp_endpoint, r.stdout)

        # Converged: nothing to do, and the refresh opened one session for
        # the workspace (data sources and dashboards share it), and closed it.
        self.reset_calls()
        r = self.berth("plan", "--detailed-exitcode", "--debug", ok=0)
        outputs.append(r.stdout + r.stderr)
        self.assertIn("No changes.", r.stdout)
        self.assertEqual(self.api_keys_balanced(), 1)
        self.assertNotIn("grafana:CreateWorkspaceServiceAccount", self.ops())

        # The state cache is only a cache: the untaggable children are found
        # again through their workspace, by identity.
        os.remove(os.path.join(self.dir, ".berth", "demo.state.json"))
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)

        # An edit saved in Grafana drops berth's content hash: drift, and
        # apply imports the spec's dashboard again.
        live = self.grafana_http(ws, "GET", "/api/dashboards/uid/DnWHgZ3Gk")["dashboard"]
        self.assertIn("berthContentHash", live)
        live.pop("berthContentHash")
        live["title"] = "Edited by a person"
        self.grafana_http(ws, "POST", "/api/dashboards/db", {"dashboard": live, "overwrite": True})
        p = self.plan_json("--detailed-exitcode", code=2)
        self.assertEqual(sorted(self.changes(p)), ["dashboard"])
        self.berth("apply", "--auto-approve")
        live = self.grafana_http(ws, "GET", "/api/dashboards/uid/DnWHgZ3Gk")["dashboard"]
        self.assertEqual(live["title"], "ECS Task Monitoring")
        # The data source it uses is the AMP one, with SigV4.
        ds = self.grafana_http(ws, "GET", "/api/datasources/uid/demo-prometheus")
        self.assertEqual(ds["url"], amp_endpoint)
        self.assertTrue(ds["jsonData"]["sigV4Auth"])
        self.assertIn("demo-prometheus", json.dumps(live["panels"][0]["datasource"]))

        # The alias and the dashboard's title: exactly these two updates.
        self.write_dashboard(title="ECS Task Monitoring (berth)")
        self.write_spec(self.spec(alias="ecs-workshop-2"))
        p = self.plan_json("--detailed-exitcode", code=2)
        ch = self.changes(p)
        self.assertEqual(sorted(ch), ["amp", "dashboard"])
        self.assertEqual(ch["amp"]["action"], "update")
        self.assertEqual(ch["amp"]["changed"], ["Alias"])
        self.assertEqual(ch["dashboard"]["action"], "update")
        self.assertEqual(ch["dashboard"]["changed"], ["ContentHash"])
        self.assertEqual(p["summary"], {"add": 0, "change": 2, "destroy": 0})
        self.reset_calls()
        r = self.berth("apply", "--auto-approve", "--debug")
        outputs.append(r.stdout + r.stderr)
        self.assertIn("2 changed", r.stdout)
        ops = self.ops()
        self.assertEqual(ops.get("grafana-http:POST /api/dashboards/import"), 1, ops)
        self.assertEqual(ops.get("amp:UpdateWorkspaceAlias"), 1, ops)
        self.assertNotIn("grafana:UpdateWorkspace", ops)
        self.assertNotIn("grafana:UpdatePermissions", ops)
        self.api_keys_balanced()
        self.berth("plan", "--detailed-exitcode", ok=0)

        self.reset_calls()
        # Destroy with no spec at all: the children are found through their
        # workspace and go first.
        empty = os.path.join(self.dir, "elsewhere")
        os.mkdir(empty)
        r = self.berth("destroy", "--stack", "demo", "--auto-approve", "--debug", cwd=empty)
        outputs.append(r.stdout + r.stderr)
        self.assertEqual([x for x in self.emu.resources() if x["type"] == "workspace"], [])
        self.assertEqual(self.live(), [])
        self.api_keys_balanced()
        self.assertEqual(self.ops().get("grafana-http:DELETE /api/dashboards/uid/:uid"), 1)
        self.assertEqual(self.ops().get("grafana-http:DELETE /api/datasources/uid/:uid"), 1)

        # No API key or token value in anything berth printed, even with
        # --debug: the emulator's keys are base64 of {"k": ..., "n": ...,
        # "id": 1}, its tokens glsa_SECRET_CRC.
        for text in outputs:
            self.assertNotRegex(text, r"eyJr[A-Za-z0-9+/=]{20,}")
            self.assertNotRegex(text, r"glsa_[A-Za-z0-9]{8,}")
            self.assertNotRegex(text, r'"key":\s*"(?!<redacted>)')


    def test_no_session_without_children(self):
        """A Grafana workspace alone: refreshes never make an API key."""
        self.write_spec("""\
            berth: 1
            stack: demo
            resources:
              grafana:
                type: AWS::Grafana::Workspace
                properties:
                  AccountAccessType: CURRENT_ACCOUNT
                  AuthenticationProviders: [SAML]
                  PermissionType: CUSTOMER_MANAGED
                  Description: just the workspace
            """)
        self.berth("apply", "--auto-approve")
        self.berth("plan", "--detailed-exitcode", ok=0)
        self.write_spec(self.read_spec().replace("just the workspace", "still just the workspace"))
        p = self.plan_json("--detailed-exitcode", code=2)
        self.assertEqual(self.changes(p)["grafana"]["changed"], ["Description"])
        self.berth("apply", "--auto-approve")
        self.berth("plan", "--detailed-exitcode", ok=0)
        ops = self.ops()
        self.assertEqual(ops.get("grafana:UpdateWorkspace"), 1)
        self.assertEqual(self.api_keys_balanced(), 0)
        self.assertNotIn("grafana:ListWorkspaceServiceAccounts", ops)
        self.assertNotIn("grafana:ListPermissions", ops)

        # A failed import still deletes its key, and says what is wrong.
        with open(os.path.join(self.dir, "dashboard.json"), "w") as f:
            json.dump({"title": "t", "uid": "t1", "panels": [],
                       "__inputs": [{"name": "DS_X", "type": "datasource",
                                     "pluginId": "prometheus"}]}, f)
        self.write_spec(self.read_spec() + textwrap.indent(
            textwrap.dedent("""\
                dashboard:
                  type: Berth::Grafana::Dashboard
                  properties:
                    WorkspaceId: ${grafana.Id}
                    DashboardJson: '${file("dashboard.json")}'
                    Inputs: { DS_Y: some-uid }
                """), "  "))
        # Inputs that do not match the model's __inputs: refused by plan.
        r = self.berth("plan", ok=1)
        self.assertIn("the dashboard's input DS_X has no value in Inputs", r.stderr)
        self.assertIn("Inputs.DS_Y is not one of the dashboard's __inputs", r.stderr)
        self.assertNotIn("grafana-http:POST /api/dashboards/import", self.ops())
        # A uid Grafana refuses fails the import itself: its key is deleted
        # all the same.
        with open(os.path.join(self.dir, "dashboard.json"), "w") as f:
            json.dump({"title": "t", "uid": "not a uid!", "panels": [],
                       "__inputs": [{"name": "DS_Y", "type": "datasource",
                                     "pluginId": "prometheus"}]}, f)
        r = self.berth("apply", "--auto-approve", ok=1)
        self.assertIn("uid contains illegal characters", r.stdout + r.stderr)
        self.assertGreaterEqual(self.api_keys_balanced(), 1)
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live(), [])
        self.api_keys_balanced()


class GrafanaVersionTest8(GrafanaTypesTest):
    """The same on a Grafana 8.4 workspace: API keys, no service account."""
    VERSION = "8.4"

    test_no_session_without_children = None


if __name__ == "__main__":
    main()
