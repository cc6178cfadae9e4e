"""Ghost listings under the emulator's `--aws-timing` (issue 15): a resource
deleted a moment ago is still listed for a while (by the service's own
Describe*/List* and, longest, by the tagging API's GetResources), though
reading it by id says it is gone. Every delete path of every family leaves
one, whichever handler or background transition removed it. berth must
neither plan a ghost as something to delete (false drift) nor count one as
left after destroy.

SCALE 0.01 with the GHOST rows of the timing table lengthened (6-8 s for
listings and the tagging API, instead of AWS's 0-5 s and 10-60 s) so
that every read berth makes right after its deletions meets the ghosts.
(An EC2 resource described by id may still be returned too, so berth's
confirmation of an EC2 deletion waits its ghost out: the EC2 resources
stay until the final destroy.)"""
import os

from berthtest import main
from enginetest import EngineCase

SCALE = float(os.environ.get("BERTH_TIMING_SCALE", "0.01"))
SEED = int(os.environ.get("BERTH_TIMING_SEED", "1"))

TRUST = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
         '"Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}')

# Every family the workshop uses, one or two of each; EXTRA are the ones
# the second apply removes.
SPEC = f"""\
    berth: 1
    stack: ghosts
    resources:
      group:
        type: AWS::Logs::LogGroup
        properties: {{ LogGroupName: ghosts }}
      topic:
        type: AWS::SNS::Topic
        properties: {{ TopicName: ghosts }}
      vpc:
        type: AWS::EC2::VPC
        properties: {{ CidrBlock: 10.2.0.0/24 }}
      cluster:
        type: AWS::ECS::Cluster
        properties: {{ ClusterName: ghosts }}
      subnet:
        type: AWS::EC2::Subnet
        properties: {{ VpcId: "${{vpc.VpcId}}", CidrBlock: 10.2.0.0/26, AvailabilityZone: us-west-2a }}
      sg:
        type: AWS::EC2::SecurityGroup
        properties: {{ GroupDescription: ghosts, VpcId: "${{vpc.VpcId}}" }}
EXTRA"""

EXTRA = f"""\
      extra-group:
        type: AWS::Logs::LogGroup
        properties: {{ LogGroupName: ghosts-extra }}
      extra-topic:
        type: AWS::SNS::Topic
        properties: {{ TopicName: ghosts-extra }}
      subscription:
        type: AWS::SNS::Subscription
        properties: {{ TopicArn: "${{topic}}", Protocol: sqs, Endpoint: "arn:aws:sqs:us-west-2:123456789012:q" }}
      role:
        type: AWS::IAM::Role
        properties:
          RoleName: ghosts
          AssumeRolePolicyDocument: '{TRUST}'
      task:
        type: AWS::ECS::TaskDefinition
        properties:
          Family: ghosts
          NetworkMode: bridge
          ContainerDefinitions:
            - {{ Name: app, Image: "public.ecr.aws/example/app:1", Memory: 128 }}
      alarm:
        type: AWS::CloudWatch::Alarm
        properties:
          AlarmName: ghosts
          Namespace: AWS/ECS
          MetricName: CPUUtilization
          Statistic: Average
          Period: 60
          EvaluationPeriods: 1
          Threshold: 80
          ComparisonOperator: GreaterThanThreshold
      amp:
        type: AWS::APS::Workspace
        properties: {{ Alias: ghosts }}
"""


class Ghosts(EngineCase):
    emulator_options = {"page_size": 100, "aws_timing": SCALE, "seed": SEED,
                        "aws_timing_rows": {"GHOST": (600, 800), "GHOST_TAGGING": (600, 800)}}

    def run_once(self, *args, ok=0):
        r = self.berth(*args, ok=False)
        self.assertEqual(r.returncode, ok, f"berth {' '.join(args)} under --aws-timing "
                         f"{SCALE} (seed {SEED}):\n{r.stdout}\n{r.stderr}")
        return r

    def test_deleted_resources_still_listed(self):
        self.write_spec(SPEC.replace("EXTRA", EXTRA))
        self.run_once("apply", "--auto-approve")
        # What the spec no longer has is deleted; right after, listings
        # still show it, yet the plan has nothing to do.
        self.write_spec(SPEC.replace("EXTRA", ""))
        self.run_once("apply", "--auto-approve")
        # The ghosts are there to meet: the log group and the topic are
        # still listed.
        groups = self.aws("logs").describe_log_groups()["logGroups"]
        self.assertIn("ghosts-extra", [g["logGroupName"] for g in groups])
        topics = self.aws("sns").list_topics()["Topics"]
        self.assertIn("arn:aws:sns:us-west-2:123456789012:ghosts-extra",
                      [t["TopicArn"] for t in topics])
        r = self.run_once("plan", "--detailed-exitcode")
        self.assertIn("No changes.", r.stdout)
        # Destroy: its sweep meets the ghosts of everything it deleted
        # and still finds nothing left.
        r = self.run_once("destroy", "--auto-approve")
        self.assertIn("Nothing of stack ghosts is left.", r.stdout)
        self.assertEqual(self.live("ghosts"), [])
        # And the ghosts were there to meet: the tagging API still lists
        # what destroy deleted.
        tagged = self.aws("resourcegroupstaggingapi").get_resources(
            TagFilters=[{"Key": "berth:stack", "Values": ["ghosts"]}])["ResourceTagMappingList"]
        self.assertTrue(tagged)

    def aws(self, service):
        import botocore.session
        return botocore.session.get_session().create_client(
            service, region_name="us-west-2", endpoint_url=self.emu.url,
            aws_access_key_id="AKIDEMULATOR", aws_secret_access_key="emulator-secret")


if __name__ == "__main__":
    main()
