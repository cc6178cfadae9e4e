"""The monitoring types against the emulator: a CloudFormation stack (the
workshop's CloudWatch agent template, by fetch() and by TemplateURL, a
rollback and its replacement), a CloudWatch alarm with an SNS action, and
Logs Insights query definitions. Each: apply -> no-change plan -> one change
-> that update in place -> destroy leaves nothing."""
import functools
import hashlib
import http.server
import os
import threading

from berthtest import main
from enginetest import EngineCase

TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "specs",
                        "files", "cwagent-ecs-instance-metric-cfn.json")

STACK_SPEC = """\
    berth: 1
    stack: demo
    variables:
      url: { type: string }
      sha: { type: string }
      task_role: { type: string, default: Default }
    resources:
      cwagent:
        type: AWS::CloudFormation::Stack
        properties:
          TemplateBody: ${fetch(var.url, var.sha)}
          Capabilities: [CAPABILITY_NAMED_IAM]
          Parameters:
            ClusterName: container-demo
            CreateIAMRoles: "True"
            TaskRoleArn: ${var.task_role}
          Tags: [{ Key: team, Value: ops }]
      byurl:
        type: AWS::CloudFormation::Stack
        properties:
          StackName: cwagent-by-url
          TemplateURL: ${var.url}
          Capabilities: [CAPABILITY_NAMED_IAM]
          Parameters:
            ClusterName: by-url
    outputs:
      stack_id: { value: "${cwagent.StackId}" }
    """

INLINE_SPEC = """\
    berth: 1
    stack: demo
    variables:
      retention: { type: number, default: 7 }
      team: { type: string, default: ops }
    resources:
      inline:
        type: AWS::CloudFormation::Stack
        properties:
          TemplateBody:
            Parameters:
              Retention: { Type: Number }
              Token: { Type: String, NoEcho: true }
            Resources:
              Group:
                Type: AWS::Logs::LogGroup
                Properties: { RetentionInDays: { Ref: Retention } }
            Outputs:
              GroupName: { Value: { Ref: Group } }
          Parameters: { Retention: "${var.retention}", Token: s3cret }
          Tags: [{ Key: team, Value: "${var.team}" }]
      errors:
        type: AWS::Logs::QueryDefinition
        properties:
          Name: errors
          QueryString: fields @message | filter @message like /ERROR/
          LogGroupNames: ["${inline.Outputs.GroupName}"]
    outputs:
      group: { value: "${inline.Outputs.GroupName}" }
    """

ALARM_SPEC = """\
    berth: 1
    stack: demo
    variables:
      threshold: { type: number, default: 50 }
    resources:
      alarm-topic:
        type: AWS::SNS::Topic
        properties:
          TopicName: demo-alarms
      alarm-mail:
        type: AWS::SNS::Subscription
        properties:
          TopicArn: ${alarm-topic.TopicArn}
          Protocol: email
          Endpoint: ops@example.com
      cpu-alarm:
        type: AWS::CloudWatch::Alarm
        properties:
          AlarmDescription: Frontend CPU above the threshold
          Namespace: AWS/ECS
          MetricName: CPUUtilization
          Dimensions:
            - { Name: ServiceName, Value: ecsdemo-frontend }
            - { Name: ClusterName, Value: container-demo }
          Statistic: Average
          Period: 300
          EvaluationPeriods: 1
          DatapointsToAlarm: 1
          Threshold: ${var.threshold}
          ComparisonOperator: GreaterThanThreshold
          TreatMissingData: missing
          AlarmActions: ["${alarm-topic.TopicArn}"]
    """

QUERY_SPEC = """\
    berth: 1
    stack: demo
    variables:
      tasks_query:
        type: string
        default: stats count_distinct(TaskId) as Number_of_Tasks by ServiceName
    resources:
      tasks:
        type: AWS::Logs::QueryDefinition
        properties:
          Name: Number of tasks per service
          QueryString: ${var.tasks_query}
          LogGroupNames: [/aws/ecs/containerinsights/container-demo/performance]
      usage:
        type: AWS::Logs::QueryDefinition
        properties:
          Name: Average memory and CPU
          QueryString: 'stats avg(MemoryUtilized) as Avg_Memory, avg(CpuUtilized) as Avg_CPU by bin(5m) | filter Type="Task"'
          LogGroupNames: [/aws/ecs/containerinsights/container-demo/performance]
    """


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class MonitoringTypesTest(EngineCase):
    def aws(self, service):
        import botocore.session
        from fixture import ACCESS_KEY, REGION, SECRET_KEY
        return botocore.session.get_session().create_client(
            service, region_name=REGION, endpoint_url=self.emu.url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def serve_template(self):
        handler = functools.partial(Quiet, directory=os.path.dirname(TEMPLATE))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        url = f"http://127.0.0.1:{server.server_address[1]}/{os.path.basename(TEMPLATE)}"
        with open(TEMPLATE, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        return ["--var", f"url={url}", "--var", f"sha={sha}"]

    def assert_converged(self, *args):
        r = self.berth("plan", "--detailed-exitcode", *args, ok=0)
        self.assertIn("No changes.", r.stdout)

    def stacks(self):
        cfn = self.aws("cloudformation")
        return {s["StackName"]: s for s in cfn.describe_stacks()["Stacks"]}

    def test_stack_lifecycle(self):
        self.aws("ecs").create_cluster(clusterName="container-demo")
        self.aws("ecs").create_cluster(clusterName="by-url")
        v = self.serve_template()
        self.write_spec(STACK_SPEC)
        r = self.berth("apply", "--auto-approve", *v)
        self.assertIn("Apply complete! Resources: 2 added,", r.stdout)
        stacks = self.stacks()
        self.assertEqual(stacks["cwagent-by-url"]["StackStatus"], "CREATE_COMPLETE")
        name = [n for n in stacks if n != "cwagent-by-url"][0]
        self.assertEqual(name, "demo-cwagent")
        self.assertEqual(stacks[name]["StackStatus"], "CREATE_COMPLETE")
        iam = self.aws("iam")
        roles = {x["RoleName"] for x in iam.list_roles()["Roles"]}
        self.assertIn("CWAgentECSTaskRole", roles)
        self.assertIn("cwagent-daemon-service",
                      str(self.aws("ecs").list_services(cluster="container-demo")))
        self.assertIn(f'stack_id = "{stacks[name]["StackId"]}"', r.stdout)

        # Defaults CloudFormation fills in (ExecutionRoleArn) are no drift.
        self.assert_converged(*v)

        # One parameter: an update in place, not a replacement.
        p = self.plan_json("--detailed-exitcode", "--var", "task_role=arn:aws:iam::123456789012:role/x",
                           *v, code=2)
        ch = self.changes(p)
        self.assertEqual(list(ch), ["cwagent"])
        self.assertEqual(ch["cwagent"]["action"], "update")
        self.assertEqual(ch["cwagent"]["changed"], ["Parameters"])
        r = self.berth("apply", "--auto-approve", "--var", "task_role=arn:aws:iam::123456789012:role/x", *v)
        self.assertIn("1 changed", r.stdout)
        stack = self.stacks()[name]
        self.assertEqual(stack["StackStatus"], "UPDATE_COMPLETE")
        self.assertEqual(stack["StackId"], stacks[name]["StackId"])
        self.assert_converged("--var", "task_role=arn:aws:iam::123456789012:role/x", *v)

        r = self.berth("destroy", "--auto-approve", *v)
        self.assertEqual(self.stacks(), {})
        roles = {x["RoleName"] for x in iam.list_roles()["Roles"]}
        self.assertNotIn("CWAgentECSTaskRole", roles)
        self.assertNotIn("cwagent-daemon-service",
                         str(self.aws("ecs").list_services(cluster="container-demo")))
        self.assertEqual(self.live(), [])

    def test_stack_inline_template_and_outputs(self):
        self.write_spec(INLINE_SPEC)
        r = self.berth("apply", "--auto-approve")
        self.assertIn("Apply complete! Resources: 2 added,", r.stdout)
        groups = [x for x in self.all_of("log-group")]
        self.assertEqual(len(groups), 1)
        name = groups[0]["id"]
        # The stack's log group carries the stack's tags (CloudFormation
        # passes them on) but is the stack's, not a resource of its own.
        self.assertEqual(groups[0]["tags"]["berth:id"], "inline")
        self.assertIn(f'group = "{name}"', r.stdout)
        defs = self.aws("logs").describe_query_definitions()["queryDefinitions"]
        self.assertEqual(defs[0]["logGroupNames"], [name])
        # The template is read only when it may differ from the applied one.
        self.emu.reset()
        self.assert_converged()
        calls = self.emu.calls()["by_operation"]
        self.assertNotIn("GetTemplate", str(calls))
        self.assertIn("DescribeStacks", str(calls))
        # Without the cache the template is read again, and the NoEcho
        # parameter, which CloudFormation never shows, is set again.
        os.remove(os.path.join(self.dir, ".berth", "demo.state.json"))
        self.emu.reset()
        p = self.plan_json()
        self.assertIn("GetTemplate", str(self.emu.calls()["by_operation"]))
        self.assertEqual(list(self.changes(p)), ["inline"])
        self.assertEqual(self.changes(p)["inline"]["changed"], ["Parameters"])
        self.assertEqual(self.changes(p)["inline"]["before"]["Parameters"]["Token"], "****")
        self.berth("apply", "--auto-approve")
        self.assert_converged()

        # A template change compares as a document: only a real change shows.
        p = self.plan_json("--var", "retention=14")
        ch = self.changes(p)
        self.assertEqual(list(ch), ["inline"])
        self.assertEqual(ch["inline"]["changed"], ["Parameters"])
        self.berth("apply", "--auto-approve", "--var", "retention=14")
        self.assertEqual(self.aws("logs").describe_log_groups(logGroupNamePrefix=name)
                         ["logGroups"][0]["retentionInDays"], 14)
        self.assert_converged("--var", "retention=14")

        # Tags change through UpdateStack, which passes them on.
        p = self.plan_json("--var", "retention=14", "--var", "team=web")
        self.assertEqual(self.changes(p)["inline"]["changed"], ["Tags"])
        self.berth("apply", "--auto-approve", "--var", "retention=14", "--var", "team=web")
        self.assertEqual(self.all_of("log-group")[0]["tags"]["team"], "web")
        stack = self.stacks()["demo-inline"]
        self.assertEqual({t["Key"]: t["Value"] for t in stack["Tags"]}["team"], "web")
        self.assert_converged("--var", "retention=14", "--var", "team=web")

        # Without the spec: destroy --stack finds the stack and the
        # query definition (by its folder).
        os.remove(os.path.join(self.dir, "berth.yaml"))
        self.berth("destroy", "--stack", "demo", "--auto-approve")
        self.assertEqual(self.aws("logs").describe_query_definitions()["queryDefinitions"], [])
        self.assertEqual(self.all_of("log-group"), [])
        self.assertEqual(self.stacks(), {})
        self.assertEqual(self.live(), [])

    def test_stack_rollback_then_replace(self):
        v = self.serve_template()
        self.write_spec(STACK_SPEC.split("      byurl:")[0])
        # No cluster: the service fails and the stack rolls back.
        r = self.berth("apply", "--auto-approve", *v, ok=1)
        out = r.stdout + r.stderr
        self.assertIn("stack demo-cwagent is ROLLBACK_COMPLETE, not CREATE_COMPLETE", out)
        self.assertIn("ClusterNotFoundException", out)
        self.assertIn("ECSDaemonService (AWS::ECS::Service): CREATE_FAILED", out)
        self.assertEqual(self.stacks()["demo-cwagent"]["StackStatus"], "ROLLBACK_COMPLETE")

        self.aws("ecs").create_cluster(clusterName="container-demo")
        p = self.plan_json(*v)
        ch = self.changes(p)
        self.assertEqual(ch["cwagent"]["action"], "replace")
        self.assertIn("ROLLBACK_COMPLETE", ch["cwagent"]["reason"])
        self.berth("apply", "--auto-approve", *v)
        self.assertEqual(self.stacks()["demo-cwagent"]["StackStatus"], "CREATE_COMPLETE")
        self.assert_converged(*v)

        # Taken out of the spec: deleted, with what it made.
        self.write_spec(QUERY_SPEC)
        r = self.berth("apply", "--auto-approve")
        self.assertIn("1 destroyed", r.stdout)
        self.assertEqual(self.stacks(), {})
        self.assertNotIn("cwagent-daemon-service",
                         str(self.aws("ecs").list_services(cluster="container-demo")))
        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live(), [])

    def test_alarm_lifecycle(self):
        self.write_spec(ALARM_SPEC)
        r = self.berth("apply", "--auto-approve")
        self.assertIn("Apply complete! Resources: 3 added,", r.stdout)
        cw = self.aws("cloudwatch")
        alarm = cw.describe_alarms(AlarmNames=["demo-cpu-alarm"])["MetricAlarms"][0]
        self.assertEqual(alarm["Threshold"], 50.0)
        self.assertEqual(alarm["AlarmActions"], ["arn:aws:sns:us-west-2:123456789012:demo-alarms"])
        tags = {t["Key"]: t["Value"] for t in
                cw.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]}
        self.assertEqual(tags["berth:id"], "cpu-alarm")
        self.assert_converged()
        # Dimensions are a set: the same ones in another order are no drift.
        put = {k: alarm[k] for k in ("AlarmName", "AlarmDescription", "Namespace", "MetricName",
                                     "Statistic", "Period", "EvaluationPeriods", "DatapointsToAlarm",
                                     "Threshold", "ComparisonOperator", "AlarmActions")}
        cw.put_metric_alarm(Dimensions=list(reversed(alarm["Dimensions"])), **put)
        self.assertNotEqual(cw.describe_alarms(AlarmNames=["demo-cpu-alarm"])["MetricAlarms"][0]
                            ["Dimensions"], alarm["Dimensions"])
        self.assert_converged()

        p = self.plan_json("--var", "threshold=80", code=0)
        ch = self.changes(p)
        self.assertEqual(list(ch), ["cpu-alarm"])
        self.assertEqual(ch["cpu-alarm"]["action"], "update")
        self.assertEqual(ch["cpu-alarm"]["changed"], ["Threshold"])
        r = self.berth("apply", "--auto-approve", "--var", "threshold=80")
        self.assertIn("1 changed", r.stdout)
        alarm = cw.describe_alarms(AlarmNames=["demo-cpu-alarm"])["MetricAlarms"][0]
        self.assertEqual(alarm["Threshold"], 80.0)
        self.assertEqual(len(alarm["Dimensions"]), 2)
        self.assert_converged("--var", "threshold=80")

        self.berth("destroy", "--auto-approve")
        self.assertEqual(cw.describe_alarms()["MetricAlarms"], [])
        self.assertEqual(self.live(), [])

    def test_query_definitions(self):
        self.write_spec(QUERY_SPEC)
        r = self.berth("apply", "--auto-approve")
        self.assertIn("Apply complete! Resources: 2 added,", r.stdout)
        logs = self.aws("logs")
        defs = {d["name"]: d for d in logs.describe_query_definitions()["queryDefinitions"]}
        self.assertEqual(set(defs), {"demo/Number of tasks per service", "demo/Average memory and CPU"})
        self.assertEqual(defs["demo/Average memory and CPU"]["logGroupNames"],
                         ["/aws/ecs/containerinsights/container-demo/performance"])
        self.assert_converged()

        q = "tasks_query=stats count(*) by ServiceName"
        p = self.plan_json("--var", q)
        ch = self.changes(p)
        self.assertEqual(list(ch), ["tasks"])
        self.assertEqual(ch["tasks"]["action"], "update")
        self.assertEqual(ch["tasks"]["changed"], ["QueryString"])
        self.berth("apply", "--auto-approve", "--var", q)
        after = {d["name"]: d for d in logs.describe_query_definitions()["queryDefinitions"]}
        tasks = after["demo/Number of tasks per service"]
        self.assertEqual(tasks["queryString"], "stats count(*) by ServiceName")
        self.assertEqual(tasks["queryDefinitionId"],
                         defs["demo/Number of tasks per service"]["queryDefinitionId"])
        self.assert_converged("--var", q)

        self.berth("destroy", "--auto-approve", "--var", q)
        self.assertEqual(logs.describe_query_definitions()["queryDefinitions"], [])


if __name__ == "__main__":
    main()
