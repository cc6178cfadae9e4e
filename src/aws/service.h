/* The AWS services berth talks to, as facts from botocore's models (generated
 * into models_gen.c by tools/gen_aws_models.py): how to reach, sign and speak
 * to each. */
#ifndef BERTH_AWS_SERVICE_H
#define BERTH_AWS_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

enum aws_protocol {
	AWS_PROTO_EC2,      /* EC2's query dialect, XML answers */
	AWS_PROTO_QUERY,    /* IAM, STS, ELBv2, CloudFormation, CloudWatch, SNS */
	AWS_PROTO_JSON,     /* ECS, Logs, Cloud Map, Resource Groups Tagging */
	AWS_PROTO_REST_JSON, /* AMP (aps), Grafana */
	AWS_PROTO_REST_XML   /* S3 (the backend's lock and state cache) */
};

struct aws_op; /* one operation's shapes; private to the protocol layer */
struct aws_paginator; /* see paginator.h */

struct aws_service {
	const char *name;            /* botocore's service name: "ec2", "elbv2", "logs", "amp" */
	const char *sdk_id;          /* metadata.serviceId: "Elastic Load Balancing v2" */
	const char *env_suffix;      /* AWS_ENDPOINT_URL_<this>: "ELASTIC_LOAD_BALANCING_V2" */
	const char *signing_name;    /* SigV4 service: "elasticloadbalancing", "aps" */
	const char *endpoint_prefix; /* host label: "elasticloadbalancing", "aps" */
	enum aws_protocol protocol;
	const char *api_version;     /* "2015-12-01" (query Version=) */
	const char *json_version;    /* "1.1" for JSON protocols, else NULL */
	const char *target_prefix;   /* X-Amz-Target prefix for JSON, else NULL */
	bool global;                 /* one endpoint for all regions (IAM), signed in us-east-1 */
	const struct aws_op *const *ops; /* sorted by name */
	size_t nops;
	const struct aws_paginator *paginators; /* sorted by operation */
	size_t npaginators;
};

/* Looks up a service by botocore name ("amp"; its endpoint prefix "aps" is
 * accepted too); NULL if berth does not know it. */
const struct aws_service *aws_service_find(const char *name);
/* An operation of svc by name; NULL when berth's models do not have it. */
const struct aws_op *aws_service_op(const struct aws_service *svc, const char *operation);

#endif
