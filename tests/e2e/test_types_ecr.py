"""AWS::ECR::Repository against the emulator, the first type written only as
a description (src/resources/ecr_repository.c): apply -> no-change plan ->
changes in place (tag mutability, scanning, tags) -> EmptyOnDelete, which
decides whether a destroy, even one without the spec, deletes a repository
that still holds images. Also: a default name in ECR's form, a name taken
outside the stack stopping the plan, and properties berth does not set
refused before anything is created."""
import os

import botocore.session

from berthtest import main
from enginetest import EngineCase
from fixture import ACCESS_KEY, REGION, SECRET_KEY

SPEC = """\
    berth: 1
    stack: demo
    variables:
      mutability: { type: string, default: MUTABLE }
      team: { type: string, default: ops }
      empty: { type: bool, default: false }
    resources:
      app:
        type: AWS::ECR::Repository
        properties:
          RepositoryName: demo/app
          ImageTagMutability: ${var.mutability}
          EmptyOnDelete: ${var.empty}
          Tags: [{ Key: team, Value: "${var.team}" }]
      Cache_Images:
        type: AWS::ECR::Repository
        properties:
          ImageScanningConfiguration: { ScanOnPush: true }
          EncryptionConfiguration: { EncryptionType: AES256 }
          EmptyOnDelete: true
    outputs:
      uri: { value: "${app.RepositoryUri}" }
    """


class EcrRepositoryTest(EngineCase):
    emulator_options = {"page_size": 2}

    def ecr(self):
        return botocore.session.get_session().create_client(
            "ecr", region_name=REGION, endpoint_url=self.emu.url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def repos(self):
        return {r["repositoryName"]: r for r in self.ecr().describe_repositories()["repositories"]}

    def assert_converged(self, *args):
        r = self.berth("plan", "--detailed-exitcode", *args, ok=0)
        self.assertIn("No changes.", r.stdout)

    def test_lifecycle(self):
        self.write_spec(SPEC)
        r = self.berth("apply", "--auto-approve")
        self.assertIn("Apply complete! Resources: 2 added,", r.stdout)
        self.assertIn('uri = "123456789012.dkr.ecr.us-west-2.amazonaws.com/demo/app"', r.stdout)
        repos = self.repos()
        # The unnamed one gets STACK-ADDRESS in ECR's form (lower case).
        self.assertEqual(sorted(repos), ["demo-cache_images", "demo/app"])
        self.assertEqual(repos["demo-cache_images"]["imageScanningConfiguration"],
                         {"scanOnPush": True})
        tags = {t["Key"]: t["Value"] for t in self.ecr().list_tags_for_resource(
            resourceArn=repos["demo/app"]["repositoryArn"])["tags"]}
        # berth:created and berth:owner: when and by whom berth created it.
        self.assertRegex(tags.pop("berth:created"), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertIn("@", tags.pop("berth:owner"))
        self.assertEqual(tags, {"berth:stack": "demo", "berth:id": "app", "team": "ops"})
        calls = self.emu.calls()["by_operation"]
        self.assertEqual(calls.get("ecr:CreateRepository"), 2)

        # An unchanged plan: one tagging listing, one DescribeRepositories.
        self.emu.reset()
        self.assert_converged()
        calls = self.emu.calls()["by_operation"]
        self.assertEqual(calls.get("ecr:DescribeRepositories"), 1)
        self.assertNotIn("ecr:ListTagsForResource", calls)

        # In place: mutability and tags.
        v = ["--var", "mutability=IMMUTABLE", "--var", "team=web"]
        p = self.plan_json(*v)
        self.assertEqual(self.changes(p)["app"]["action"], "update")
        self.assertEqual(self.changes(p)["app"]["changed"], ["ImageTagMutability", "Tags"])
        self.berth("apply", "--auto-approve", *v)
        self.assertEqual(self.repos()["demo/app"]["imageTagMutability"], "IMMUTABLE")
        self.assert_converged(*v)

        # Not empty and EmptyOnDelete false: the destroy stops, as
        # CloudFormation's does, and says why.
        self.ecr().put_image(repositoryName="demo/app", imageManifest="{}", imageTag="1")
        self.ecr().put_image(repositoryName="demo-cache_images", imageManifest="{}",
                             imageTag="1")
        r = self.berth("destroy", "--auto-approve", "--retry-timeout", "1", *v, ok=1)
        self.assertIn("RepositoryNotEmptyException", r.stdout + r.stderr)
        self.assertEqual(sorted(self.repos()), ["demo/app"])

        # EmptyOnDelete changed in place (a tag berth keeps), then a destroy
        # without the spec empties and deletes it.
        v.append("--var")
        v.append("empty=true")
        p = self.plan_json(*v)
        self.assertEqual(self.changes(p)["app"]["changed"], ["EmptyOnDelete"])
        self.berth("apply", "--auto-approve", *v)
        self.assert_converged(*v)
        os.remove(os.path.join(self.dir, "berth.yaml"))
        self.berth("destroy", "--stack", "demo", "--auto-approve")
        self.assertEqual(self.repos(), {})
        self.assertEqual(self.live(), [])

    def test_kms_default_key(self):
        # KMS without a KmsKey: ECR answers with its AWS-managed key's ARN,
        # which the spec never named. That is no change (CloudFormation and
        # Terraform read it as AWS's choice), and above all no replacement:
        # EncryptionConfiguration is create-only.
        self.write_spec("""\
            berth: 1
            stack: demo
            resources:
              images:
                type: AWS::ECR::Repository
                properties:
                  RepositoryName: demo/images
                  EncryptionConfiguration: { EncryptionType: KMS }
            """)
        self.berth("apply", "--auto-approve")
        enc = self.repos()["demo/images"]["encryptionConfiguration"]
        self.assertEqual(enc["encryptionType"], "KMS")
        self.assertIn(":alias/aws/ecr", enc["kmsKey"])
        self.assert_converged()

    def test_name_taken_and_unsupported(self):
        self.ecr().create_repository(repositoryName="demo/app")
        self.write_spec(SPEC)
        r = self.berth("plan", ok=1)
        self.assertIn("demo/app already exists", r.stderr)
        self.assertEqual(self.emu.calls()["by_operation"].get("ecr:CreateRepository"), 1)

        self.write_spec(SPEC.replace("          EmptyOnDelete: true\n",
                                     "          EmptyOnDelete: true\n"
                                     "          RepositoryPolicyText: { Version: '2012-10-17' }\n"))
        r = self.berth("plan", ok=1)
        self.assertIn("berth does not set RepositoryPolicyText yet", r.stderr)


if __name__ == "__main__":
    main()
