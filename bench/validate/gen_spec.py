#!/usr/bin/env python3
"""Writes a spec with N resources (default 10,000) for the validate benchmark:
a quarter each of SNS topics, subscriptions (each referring to its topic),
log groups and CloudWatch alarms (referring to a topic, a log group's given
name and a variable), so the run exercises parsing, schema checks, reference
resolution, edges and the cycle check at scale.

    gen_spec.py [N] > big.yaml
"""
import sys


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    q = n // 4
    out = sys.stdout
    out.write("berth: 1\nstack: bench\nregion: us-west-2\n")
    out.write("variables:\n  threshold: { type: number, default: 80 }\n"
              "  email: { type: string, default: ops@example.com }\n")
    out.write("resources:\n")
    for i in range(q):
        out.write(f"  topic-{i}:\n    type: AWS::SNS::Topic\n"
                  f"    properties:\n      TopicName: \"${{stack}}-topic-{i}\"\n"
                  f"      Tags: [{{ Key: team, Value: t{i % 17} }}]\n")
    for i in range(q):
        out.write(f"  sub-{i}:\n    type: AWS::SNS::Subscription\n"
                  f"    properties:\n      TopicArn: \"${{topic-{i}.TopicArn}}\"\n"
                  f"      Protocol: email\n      Endpoint: \"${{var.email}}\"\n")
    for i in range(q):
        out.write(f"  logs-{i}:\n    type: AWS::Logs::LogGroup\n"
                  f"    properties:\n      LogGroupName: \"/bench/${{stack}}/{i}\"\n"
                  f"      RetentionInDays: 7\n")
    for i in range(n - 3 * q):
        out.write(f"  alarm-{i}:\n    type: AWS::CloudWatch::Alarm\n"
                  f"    depends_on: [sub-{i % q}]\n"
                  f"    properties:\n      AlarmName: \"${{logs-{i % q}.LogGroupName}}-cpu\"\n"
                  f"      Namespace: AWS/ECS\n      MetricName: CPUUtilization\n"
                  f"      Threshold: \"${{var.threshold}}\"\n      EvaluationPeriods: 1\n"
                  f"      ComparisonOperator: GreaterThanThreshold\n"
                  f"      AlarmActions: [\"${{topic-{i % q}.TopicArn}}\"]\n")


if __name__ == "__main__":
    main()
