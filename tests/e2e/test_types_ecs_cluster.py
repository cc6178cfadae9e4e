"""An ECS cluster alone, changed in place against the emulator: Container
Insights and the capacity providers set, changed and dropped, with the calls
each step makes. The cluster's create and changes come from its description
(src/resources/ecs_cluster.c, generic.h's update_whole): the settings are
always sent ("insights off" when the spec leaves them out), and the providers
and the default strategy travel together in one PutClusterCapacityProviders,
whichever of them changed, since that call replaces both."""
from berthtest import main
from enginetest import EngineCase

SPEC = """\
    berth: 1
    stack: demo
    resources:
      cluster:
        type: AWS::ECS::Cluster
        properties:
          ClusterName: demo-cluster
%s
    """


class EcsClusterTypeTest(EngineCase):
    def aws(self, service):
        import botocore.session
        from fixture import ACCESS_KEY, REGION, SECRET_KEY
        return botocore.session.get_session().create_client(
            service, region_name=REGION, endpoint_url=self.emu.url,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def spec(self, *props):
        self.write_spec(SPEC % "\n".join(" " * 10 + p for p in props))

    def apply(self):
        """Applies; the calls it made, by operation."""
        self.emu.reset()
        r = self.berth("apply", "--auto-approve")
        return r, self.emu.calls()["by_operation"]

    def converged(self):
        self.emu.reset()
        r = self.berth("plan", "--detailed-exitcode", ok=0)
        self.assertIn("No changes.", r.stdout)

    def cluster(self):
        cl = self.aws("ecs").describe_clusters(clusters=["demo-cluster"],
                                               include=["SETTINGS"])["clusters"]
        self.assertEqual(len(cl), 1)
        return cl[0]

    def test_settings_and_capacity_set_changed_and_dropped(self):
        self.spec("ClusterSettings: [{ Name: containerInsights, Value: enabled }]",
                  "CapacityProviders: [FARGATE, FARGATE_SPOT]",
                  "DefaultCapacityProviderStrategy:",
                  "  - { CapacityProvider: FARGATE, Base: 1, Weight: 1 }")
        r, ops = self.apply()
        self.assertIn("1 added", r.stdout)
        self.assertEqual(ops.get("ecs:CreateCluster"), 1, ops)
        self.assertNotIn("ecs:PutClusterCapacityProviders", ops)
        self.assertNotIn("ecs:UpdateClusterSettings", ops)
        cl = self.cluster()
        self.assertEqual(cl["settings"], [{"name": "containerInsights", "value": "enabled"}])
        self.assertEqual(cl["capacityProviders"], ["FARGATE", "FARGATE_SPOT"])
        self.assertEqual(cl["defaultCapacityProviderStrategy"],
                         [{"capacityProvider": "FARGATE", "base": 1, "weight": 1}])
        self.converged()

        # Only the strategy changes: the one call still carries the
        # providers (the emulator, like ECS, replaces both).
        self.spec("ClusterSettings: [{ Name: containerInsights, Value: enabled }]",
                  "CapacityProviders: [FARGATE, FARGATE_SPOT]",
                  "DefaultCapacityProviderStrategy:",
                  "  - { CapacityProvider: FARGATE_SPOT, Base: 0, Weight: 2 }")
        r, ops = self.apply()
        self.assertIn("1 changed", r.stdout)
        self.assertEqual(ops.get("ecs:PutClusterCapacityProviders"), 1, ops)
        self.assertNotIn("ecs:UpdateClusterSettings", ops)
        cl = self.cluster()
        self.assertEqual(cl["capacityProviders"], ["FARGATE", "FARGATE_SPOT"])
        self.assertEqual(cl["defaultCapacityProviderStrategy"],
                         [{"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": 2}])
        self.converged()

        # Everything dropped: insights back off, providers and strategy
        # emptied, one call each.
        self.spec()
        r, ops = self.apply()
        self.assertIn("1 changed", r.stdout)
        self.assertEqual(ops.get("ecs:PutClusterCapacityProviders"), 1, ops)
        self.assertEqual(ops.get("ecs:UpdateClusterSettings"), 1, ops)
        self.assertNotIn("ecs:CreateCluster", ops)
        cl = self.cluster()
        self.assertEqual(cl["settings"], [{"name": "containerInsights", "value": "disabled"}])
        self.assertEqual(cl["capacityProviders"], [])
        self.assertEqual(cl["defaultCapacityProviderStrategy"], [])
        self.converged()

        self.berth("destroy", "--auto-approve")
        self.assertEqual(self.live(), [])

    def test_settings_left_out_are_sent_as_insights_off(self):
        self.spec()
        r, ops = self.apply()
        self.assertEqual(ops.get("ecs:CreateCluster"), 1, ops)
        self.assertEqual(self.cluster()["settings"],
                         [{"name": "containerInsights", "value": "disabled"}])
        self.converged()
        # Turned on later: UpdateClusterSettings alone.
        self.spec("ClusterSettings: [{ Name: containerInsights, Value: enhanced }]")
        r, ops = self.apply()
        self.assertEqual(ops.get("ecs:UpdateClusterSettings"), 1, ops)
        self.assertNotIn("ecs:PutClusterCapacityProviders", ops)
        self.assertEqual(self.cluster()["settings"],
                         [{"name": "containerInsights", "value": "enhanced"}])
        self.converged()


if __name__ == "__main__":
    main()
