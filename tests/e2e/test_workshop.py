"""The workshop's specs (specs/container-insights.yaml, specs/amp-amg.yaml)
against the emulator, as an attendee runs them: validate -> plan -> apply ->
a plan with no changes -> the outputs -> destroy -> nothing of the stack left
(the account-wide service-linked roles stay, as they should).

The CloudWatch agent's template is served from 127.0.0.1 (the shared copy of
the public file) and given with --var cwagent_template_url; the spec's
default sha256 must match it."""
import base64
import functools
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import threading

# Short emulator delays (deployments, load balancers, stacks, workspaces)
# keep the test quick while berth still has to wait.
os.environ.setdefault("BERTH_EMU_DELAY", "0.3")
os.environ.setdefault("BERTH_EMULATOR_DELAY", "0.3")

import botocore.session  # noqa: E402  (the emulator's own dependency)

from berthtest import SOURCE_DIR, main  # noqa: E402
from enginetest import EngineCase  # noqa: E402

TEMPLATE_NAME = "cwagent-ecs-instance-metric-cfn.json"
TEMPLATE = os.path.join(SOURCE_DIR, "specs", "files", TEMPLATE_NAME)
DASHBOARD_INPUT = "DS_PROMETHEUS_WS-647C2794-32A4-4DED-95E1-59BC7ECD633C"


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class WorkshopCase(EngineCase):
    emulator_options = {"page_size": 100}

    def setUp(self):
        super().setUp()
        # The specs refer to ../modules and files/: copy both folders into a
        # git work tree of the test's own (berth's project folder, which
        # modules must be inside), so the state cache stays there too.
        subprocess.run(["git", "init", "-q", self.dir], check=True)
        for folder in ("specs", "modules"):
            shutil.copytree(os.path.join(SOURCE_DIR, folder), os.path.join(self.dir, folder))
        self.specs = os.path.join(self.dir, "specs")

    def client(self, service):
        session = botocore.session.get_session()
        c = session.create_client(
            service, region_name="us-west-2", endpoint_url=self.emu.url,
            aws_access_key_id="AKIDEMULATOR", aws_secret_access_key="emulator-secret")
        self.addCleanup(c.close)
        return c

    def run_lifecycle(self, spec, stack, args):
        """validate, plan, apply, no-change plan; returns the outputs."""
        f = ["-f", spec]
        r = self.berth("validate", *f, *args, cwd=self.specs)
        self.assertIn("valid", r.stdout)
        r = self.berth("plan", "--detailed-exitcode", *f, *args, ok=2, cwd=self.specs)
        self.assertIn("to add, 0 to change, 0 to destroy", r.stdout)
        r = self.berth("apply", "--auto-approve", *f, *args, cwd=self.specs)
        self.assertIn("Apply complete", r.stdout)
        r = self.berth("plan", "--detailed-exitcode", *f, *args, ok=False, cwd=self.specs)
        self.assertEqual(r.returncode, 0,
                         f"the plan after apply is not empty:\n{r.stdout}\n{r.stderr}")
        self.assertIn("No changes.", r.stdout)
        r = self.berth("output", "--json", *f, *args, cwd=self.specs)
        out = json.loads(r.stdout)
        return {k: (v["value"] if isinstance(v, dict) and "value" in v else v)
                for k, v in out.items()}

    def destroy(self, spec, stack, args):
        r = self.berth("destroy", "--auto-approve", "-f", spec, *args, cwd=self.specs)
        self.assertIn(f"Nothing of stack {stack} is left.", r.stdout)
        self.assertEqual(self.emu.resources(stack=stack), [])
        return r


class ContainerInsights(WorkshopCase):
    def serve_template(self):
        handler = functools.partial(Quiet, directory=os.path.dirname(TEMPLATE))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return f"http://127.0.0.1:{server.server_address[1]}/{TEMPLATE_NAME}"

    def test_chapter_1(self):
        url = self.serve_template()
        # The spec's default hash is the template's.
        with open(TEMPLATE, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        with open(os.path.join(self.specs, "container-insights.yaml")) as f:
            self.assertIn(f"default: {sha}", f.read())
        args = ["--var", "alarm_email=attendee@example.com",
                "--var", f"cwagent_template_url={url}"]
        out = self.run_lifecycle("container-insights.yaml", "ecs-workshop", args)
        self.assertRegex(out["alb_url"], r"^http://[a-z0-9-]+\.us-west-2\.elb\.amazonaws\.com$")
        self.assertEqual(out["cluster_name"], "container-demo")

        ecs = self.client("ecs")
        cl = ecs.describe_clusters(clusters=["container-demo"], include=["SETTINGS"])["clusters"][0]
        self.assertIn({"name": "containerInsights", "value": "enabled"}, cl["settings"])
        services = ecs.describe_services(
            cluster="container-demo",
            services=["ecsdemo-frontend", "ecsdemo-nodejs", "ecsdemo-crystal",
                      "cwagent-daemon-service"])["services"]
        self.assertEqual(sorted(s["serviceName"] for s in services if s["status"] == "ACTIVE"),
                         ["cwagent-daemon-service", "ecsdemo-crystal", "ecsdemo-frontend",
                          "ecsdemo-nodejs"])
        for s in services:
            if s["serviceName"].startswith("ecsdemo-"):
                self.assertEqual(s["desiredCount"], 1)
                td = ecs.describe_task_definition(taskDefinition=s["taskDefinition"])["taskDefinition"]
                self.assertEqual((td["cpu"], td["memory"]), ("256", "512"))
                self.assertTrue(td["containerDefinitions"][0]["image"].startswith(
                    "public.ecr.aws/aws-containers/ecsdemo-"))
        fe = [s for s in services if s["serviceName"] == "ecsdemo-frontend"][0]
        # The backends share the platform's FrontendToBackend group, which
        # admits itself and the frontend's group on 3000.
        ec2 = self.client("ec2")
        fe_groups = fe["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"]
        for s in services:
            if s["serviceName"] in ("ecsdemo-nodejs", "ecsdemo-crystal"):
                groups = s["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"]
                self.assertEqual(len(groups), 1)
                g = ec2.describe_security_groups(GroupIds=groups)["SecurityGroups"][0]
                self.assertEqual(g["Description"], "FrontendToBackend")
                sources = sorted(p["GroupId"] for r in g["IpPermissions"]
                                 if (r["IpProtocol"], r.get("FromPort"), r.get("ToPort")) ==
                                 ("tcp", 3000, 3000) for p in r["UserIdGroupPairs"])
                self.assertEqual(sources, sorted([g["GroupId"], fe_groups[0]]))
        self.assertEqual(fe["loadBalancers"][0]["containerPort"], 3000)
        td = ecs.describe_task_definition(taskDefinition=fe["taskDefinition"])["taskDefinition"]
        env = {e["name"]: e["value"] for e in td["containerDefinitions"][0]["environment"]}
        self.assertEqual(env, {"CRYSTAL_URL": "http://ecsdemo-crystal.service.local:3000/crystal",
                               "NODEJS_URL": "http://ecsdemo-nodejs.service.local:3000",
                               "REGION": "us-west-2"})

        # The agent's stack, from the served template.
        cfn = self.client("cloudformation")
        st = cfn.describe_stacks(StackName="CWAgentECS-container-demo-us-west-2")["Stacks"][0]
        self.assertEqual(st["StackStatus"], "CREATE_COMPLETE")
        self.assertEqual({p["ParameterKey"]: p["ParameterValue"] for p in st["Parameters"]
                          if p["ParameterKey"] in ("ClusterName", "CreateIAMRoles")},
                         {"ClusterName": "container-demo", "CreateIAMRoles": "True"})
        self.assertIn("CAPABILITY_NAMED_IAM", st["Capabilities"])

        # The alarm at the console's defaults, mailing through the topic.
        cw = self.client("cloudwatch")
        alarm = cw.describe_alarms(AlarmNames=["ecsdemo-frontend-cpu-above-50"])["MetricAlarms"][0]
        self.assertEqual((alarm["Namespace"], alarm["MetricName"], alarm["Statistic"],
                          alarm["Period"], alarm["EvaluationPeriods"], alarm["Threshold"],
                          alarm["ComparisonOperator"]),
                         ("AWS/ECS", "CPUUtilization", "Average", 300, 1, 50.0,
                          "GreaterThanThreshold"))
        self.assertEqual(sorted((d["Name"], d["Value"]) for d in alarm["Dimensions"]),
                         [("ClusterName", "container-demo"), ("ServiceName", "ecsdemo-frontend")])
        sns = self.client("sns")
        subs = sns.list_subscriptions_by_topic(TopicArn=alarm["AlarmActions"][0])["Subscriptions"]
        self.assertEqual([(s["Protocol"], s["Endpoint"]) for s in subs],
                         [("email", "attendee@example.com")])

        logs = self.client("logs")
        qs = logs.describe_query_definitions()["queryDefinitions"]
        self.assertEqual(sorted(q["name"] for q in qs),
                         ["ecs-workshop/avg-task-memory-and-cpu",
                          "ecs-workshop/number-of-tasks-by-service"])
        # The workshop's queries, verbatim.
        self.assertEqual(sorted(q["queryString"].strip() for q in qs), [
            'stats avg(MemoryUtilized) as Avg_Memory, avg(CpuUtilized) as Avg_CPU '
            'by bin(5m) | filter Type="Task"',
            "stats count_distinct(TaskId) as Number_of_Tasks by ServiceName"])
        for q in qs:
            self.assertEqual(q["logGroupNames"],
                             ["/aws/ecs/containerinsights/container-demo/performance"])

        # The workshop's "disable Container Insights" step is a one-line
        # change: the cluster is updated in place, nothing else moves.
        off = args + ["--var", "container_insights=disabled"]
        r = self.berth("plan", "--json", "-f", "container-insights.yaml", *off, cwd=self.specs)
        ch = self.changes(json.loads(r.stdout))
        self.assertEqual({a: c["action"] for a, c in ch.items()}, {"cluster": "update"})
        self.berth("apply", "--auto-approve", "-f", "container-insights.yaml", *off,
                   cwd=self.specs)
        cl = ecs.describe_clusters(clusters=["container-demo"], include=["SETTINGS"])["clusters"][0]
        self.assertIn({"name": "containerInsights", "value": "disabled"}, cl["settings"])

        # The optional siege host, its AMI read from Ubuntu's public SSM
        # parameter: added beside everything else, nothing else moving.
        on = off + ["--var", "siege_instance=1", "--var", "siege_minutes=5"]
        r = self.berth("plan", "--json", "-f", "container-insights.yaml", *on, cwd=self.specs)
        ch = self.changes(json.loads(r.stdout))
        self.assertEqual({a: c["action"] for a, c in ch.items()},
                         {"siege-sg[0]": "create", "siege[0]": "create"})
        ubuntu = self.client("ssm").get_parameter(
            Name="/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/"
                 "ebs-gp3/ami-id")["Parameter"]["Value"]
        self.assertEqual(ch["siege[0]"]["after"]["ImageId"], ubuntu)
        self.berth("apply", "--auto-approve", "-f", "container-insights.yaml", *on,
                   cwd=self.specs)
        found = ec2.describe_instances(Filters=[
            {"Name": "tag:berth:stack", "Values": ["ecs-workshop"]},
            {"Name": "tag:Name", "Values": ["siege"]},
            {"Name": "instance-state-name", "Values": ["running"]}])["Reservations"]
        self.assertEqual(len(found), 1)
        inst = found[0]["Instances"][0]
        self.assertEqual((inst["ImageId"], inst["InstanceType"]),
                         (ubuntu, "t3.medium"))
        private = ec2.describe_subnets(SubnetIds=[inst["SubnetId"]])["Subnets"][0]
        self.assertFalse(private["MapPublicIpOnLaunch"])
        ud = ec2.describe_instance_attribute(InstanceId=inst["InstanceId"], Attribute="userData")
        script = base64.b64decode(ud["UserData"]["Value"]).decode()
        self.assertIn("apt-get install -y siege\n", script)
        self.assertIn("yum install -y siege\n", script)
        self.assertIn(f"siege -c 200 -i -t 5M {out['alb_url']} > /var/log/siege.log", script)
        # The README's way of passing the variables, through a file.
        vars_file = os.path.join(self.dir, "workshop.vars.yaml")
        with open(vars_file, "w") as f:
            f.write("".join(f"{a.split('=', 1)[0]}: {a.split('=', 1)[1]}\n"
                            for a in on if a != "--var"))
        r = self.berth("state", "show", "siege[0]", "-f", "container-insights.yaml",
                       "--var-file", vars_file, cwd=self.specs)
        self.assertIn(f'InstanceId = "{inst["InstanceId"]}"', r.stdout)
        r = self.berth("plan", "--detailed-exitcode", "-f", "container-insights.yaml", *on,
                       ok=False, cwd=self.specs)
        self.assertEqual(r.returncode, 0,
                         f"the plan after adding the siege host is not empty:\n{r.stdout}")

        # On a container instance, the ECS agent creates the CloudWatch
        # agent's awslogs group (its template says awslogs-create-group
        # "True"), untagged; the emulator's cluster has no instances, so the
        # test does what the agent would. Destroy says it removes it, with
        # Container Insights' group.
        logs.create_log_group(logGroupName="/ecs/ecs-cwagent-daemon-service")
        r = self.berth("destroy", "--dry-run", "-f", "container-insights.yaml", *on,
                       cwd=self.specs)
        self.assertIn("log group /ecs/ecs-cwagent-daemon-service (AWS made it for cwagent) "
                      "will be destroyed", r.stdout)
        self.assertIn("log group /aws/ecs/containerinsights/container-demo/performance "
                      "(AWS made it for cluster) will be destroyed", r.stdout)
        r = self.destroy("container-insights.yaml", "ecs-workshop", on)
        self.assertIn("ecs-role", r.stdout)  # retained, and said so
        self.assertEqual([i["State"]["Name"] for res in ec2.describe_instances()["Reservations"]
                          for i in res["Instances"] if i["State"]["Name"] != "terminated"], [])
        self.assertEqual(cfn.describe_stacks()["Stacks"], [])
        self.assertEqual(cw.describe_alarms()["MetricAlarms"], [])
        # Nothing left in CloudWatch Logs either: the services' groups, the
        # side effects, the saved queries.
        groups = [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]]
        self.assertEqual(groups, [])
        self.assertEqual(logs.describe_query_definitions()["queryDefinitions"], [])


def make_amp_repo(folder, files_dir):
    """A local stand-in for aws-samples/ecsdemo-amp: a bare repository with
    the two files the workshop uses, at their paths. Returns (url, commit)."""
    work = os.path.join(folder, "ecsdemo-amp-work")
    bare = os.path.join(folder, "ecsdemo-amp.git")
    for sub, name in (("cdk", "ecs-fargate-adot-config.yaml"),
                      ("grafana", "AMP_ECS_Task_Monitoring.json")):
        os.makedirs(os.path.join(work, sub), exist_ok=True)
        shutil.copy(os.path.join(files_dir, name), os.path.join(work, sub, name))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
           "-c", "init.defaultBranch=main"]
    subprocess.run(git + ["init", "-q", work], check=True)
    subprocess.run(git + ["-C", work, "add", "."], check=True)
    subprocess.run(git + ["-C", work, "commit", "-qm", "ecsdemo-amp"], check=True)
    subprocess.run(git + ["clone", "-q", "--bare", work, bare], check=True)
    commit = subprocess.run(["git", "-C", work, "rev-parse", "HEAD"], check=True,
                            capture_output=True, text=True).stdout.strip()
    return "file://" + bare, commit


class AmpAmg(WorkshopCase):
    def test_chapter_2(self):
        url, commit = make_amp_repo(self.dir, os.path.join(self.specs, "files"))
        args = ["--var", f"amp_repo_url={url}", "--var", f"amp_repo_ref={commit}"]
        # The README's order: the repository first, to push the image to.
        f = ["-f", "amp-amg.yaml"]
        self.berth("apply", "--auto-approve", "--target", "sample-app-repo", *f, *args,
                   cwd=self.specs)
        r = self.berth("output", *f, *args, "sample_app_repository", cwd=self.specs)
        self.assertEqual(r.stdout.strip(),
                         "123456789012.dkr.ecr.us-west-2.amazonaws.com/prometheus-sample-app")
        out = self.run_lifecycle("amp-amg.yaml", "ecs-workshop-amp", args)
        self.assertRegex(out["grafana_url"],
                         r"^https://g-[0-9a-f]+\.grafana-workspace\.us-west-2\.amazonaws\.com$")
        self.assertTrue(out["remote_write_url"].endswith("/api/v1/remote_write"))
        # apply cloned the repository at the pinned commit, and the files
        # below came from that clone.
        clone = os.path.join(self.dir, ".berth", "repos", "ecsdemo-amp")
        head = subprocess.run(["git", "-C", clone, "rev-parse", "HEAD"], check=True,
                              capture_output=True, text=True).stdout.strip()
        self.assertEqual(head, commit)

        # The collector's configuration: the repository's file with the
        # endpoint (quoted) and the region filled in, nothing else changed.
        ecs = self.client("ecs")
        td = ecs.describe_task_definition(taskDefinition="aws-otel-FargateTask")["taskDefinition"]
        self.assertEqual((td["cpu"], td["memory"]), ("256", "1024"))
        ct = {c["name"]: c for c in td["containerDefinitions"]}
        self.assertEqual(ct["aws-otel-collector"]["memoryReservation"], 512)
        self.assertEqual(ct["prometheus-sample-app"]["memoryReservation"], 256)
        # The sample app's image is in the spec's own repository.
        repo = "123456789012.dkr.ecr.us-west-2.amazonaws.com/prometheus-sample-app"
        self.assertEqual(ct["prometheus-sample-app"]["image"], repo + ":1")
        self.assertEqual(out["sample_app_repository"], repo)
        ecr = self.client("ecr")
        ecr.put_image(repositoryName="prometheus-sample-app", imageManifest="{}", imageTag="1")
        self.assertRegex(ct["aws-otel-collector"]["image"],
                         r"^public\.ecr\.aws/aws-observability/aws-otel-collector:v[0-9.]+$")
        env = {e["name"]: e["value"] for e in ct["aws-otel-collector"]["environment"]}
        with open(os.path.join(self.specs, "files", "ecs-fargate-adot-config.yaml")) as f:
            want = (f.read().replace("{{endpoint}}", f'"{out["remote_write_url"]}"')
                    .replace("{{region}}", "us-west-2"))
        self.assertEqual(env["AOT_CONFIG_CONTENT"], want)
        role = td["taskRoleArn"].rsplit("/", 1)[1]
        iam = self.client("iam")
        names = iam.list_role_policies(RoleName=role)["PolicyNames"]
        doc = iam.get_role_policy(RoleName=role, PolicyName=names[0])["PolicyDocument"]
        self.assertIn("aps:RemoteWrite", doc["Statement"][0]["Action"])

        grafana = self.client("grafana")
        ws = [w for w in grafana.list_workspaces()["workspaces"] if w["name"] == "ecs-workshop"]
        self.assertEqual(len(ws), 1)
        self.assertEqual(ws[0]["authentication"]["providers"], ["AWS_SSO"])
        amp = self.client("amp")
        self.assertEqual([w["alias"] for w in amp.list_workspaces()["workspaces"]],
                         ["ecs-workshop"])

        self.destroy("amp-amg.yaml", "ecs-workshop-amp", args)
        # EmptyOnDelete: the pushed image goes with the repository.
        self.assertEqual(ecr.describe_repositories()["repositories"], [])
        logs = self.client("logs")
        self.assertEqual(logs.describe_log_groups()["logGroups"], [])
        self.assertEqual(amp.list_workspaces()["workspaces"], [])
        self.assertEqual([w for w in grafana.list_workspaces()["workspaces"]
                          if w["status"] != "DELETING"], [])


if __name__ == "__main__":
    main()
