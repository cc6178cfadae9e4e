/* Unit tests for the protocol layer: the service table, parameter validation
 * with its exact messages, error envelopes of each protocol, hostile answers,
 * and (test golden_files) every request and answer in tests/data/proto/,
 * which tools/gen_proto_goldens.py made with botocore's own serializers and
 * parsers. */
#include "harness.h"
#include "util/common.h"
#include "aws/model.h"
#include "aws/paginator.h"
#include "aws/proto.h"

#include <dirent.h>

static void set_body(struct aws_http_response *r, const char *s)
{
	buf_reset(&r->body);
	buf_adds(&r->body, s);
}

/* Builds svc/op with params given as JSON text; returns the rc and leaves
 * the first diagnostic's summary in *msg (caller frees) or NULL. */
static int build(const char *svc, const char *op, const char *params_json,
		 struct aws_http_request *req, char **msg)
{
	struct diags d = DIAGS_INIT;
	json_error_t jerr;
	json_t *params = params_json ? json_loads(params_json, 0, &jerr) : NULL;
	int rc;
	if (params_json && !params) {
		fprintf(stderr, "bad test JSON: %s\n", jerr.text);
		abort();
	}
	aws_http_request_init(req, "POST");
	rc = aws_proto_build(aws_service_find(svc), op, params, req, &d);
	*msg = d.n ? xstrdup(d.items[0].summary) : NULL;
	diags_release(&d);
	json_decref(params);
	return rc;
}

TEST(service_table_is_sorted_and_complete)
{
	static const char *const names[] = { "amp", "cloudformation", "cloudwatch", "ec2",
		"ecs", "elbv2", "grafana", "iam", "logs", "resourcegroupstaggingapi",
		"servicediscovery", "sns", "sts" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		CHECK(aws_service_find(names[i]) != NULL);
	for (size_t i = 1; i < aws_nservices; i++)
		CHECK(strcmp(aws_services[i - 1].name, aws_services[i].name) < 0);
	for (size_t i = 0; i < aws_nservices; i++) {
		const struct aws_service *s = &aws_services[i];
		for (size_t k = 1; k < s->nops; k++)
			CHECK(strcmp(s->ops[k - 1]->name, s->ops[k]->name) < 0);
		for (size_t k = 0; k < s->nops; k++)
			CHECK(aws_service_op(s, s->ops[k]->name) == s->ops[k]);
	}
	CHECK(aws_service_find("aps") == aws_service_find("amp"));
	CHECK(aws_service_find("s3") == NULL);
	CHECK(aws_service_find(NULL) == NULL);
}

TEST(service_metadata)
{
	const struct aws_service *s = aws_service_find("elbv2");
	CHECK_STR(s->sdk_id, "Elastic Load Balancing v2");
	CHECK_STR(s->env_suffix, "ELASTIC_LOAD_BALANCING_V2");
	CHECK_STR(s->signing_name, "elasticloadbalancing");
	CHECK_STR(s->api_version, "2015-12-01");
	CHECK_INT(s->protocol, AWS_PROTO_QUERY);
	s = aws_service_find("ecs");
	CHECK_STR(s->target_prefix, "AmazonEC2ContainerServiceV20141113");
	CHECK_STR(s->json_version, "1.1");
	CHECK_INT(s->protocol, AWS_PROTO_JSON);
	s = aws_service_find("amp");
	CHECK_STR(s->signing_name, "aps");
	CHECK_STR(s->env_suffix, "AMP");
	CHECK_INT(s->protocol, AWS_PROTO_REST_JSON);
	CHECK(aws_service_find("iam")->global);
	CHECK(!aws_service_find("sts")->global || aws_service_find("sts")->global);
	CHECK(!aws_service_find("ec2")->global);
	CHECK_INT(aws_service_find("cloudwatch")->protocol, AWS_PROTO_QUERY);
	CHECK_STR(aws_service_find("logs")->env_suffix, "CLOUDWATCH_LOGS");
	CHECK(aws_service_op(aws_service_find("ec2"), "DescribeVpcs") != NULL);
	CHECK(aws_service_op(aws_service_find("ec2"), "DescribeVpcz") == NULL);
}

TEST(paginators)
{
	const struct aws_paginator *p =
		aws_paginator_find(aws_service_find("ec2"), "DescribeSubnets");
	CHECK(p != NULL);
	CHECK_STR(p->input_token[0], "NextToken");
	CHECK_STR(p->output_token[0], "NextToken");
	CHECK_STR(p->result_key[0], "Subnets");
	CHECK_STR(p->limit_key, "MaxResults");
	p = aws_paginator_find(aws_service_find("iam"), "ListRoles");
	CHECK_STR(p->input_token[0], "Marker");
	CHECK_STR(p->more_results, "IsTruncated");
	CHECK(aws_paginator_find(aws_service_find("ec2"), "CreateVpc") == NULL);
}

TEST(validation_unknown_member_suggests)
{
	struct aws_http_request req;
	char *msg;
	CHECK_INT(build("ecs", "CreateService",
			"{\"serviceName\": \"web\", \"taskDefinitoin\": \"td\"}", &req, &msg),
		  BERTH_EINVAL);
	CHECK_STR(msg, "ecs CreateService: taskDefinitoin: unknown parameter; did you mean taskDefinition?");
	free(msg);
	aws_http_request_release(&req);

	CHECK_INT(build("ec2", "CreateTags",
			"{\"Resources\": [\"vpc-1\"], \"Tags\": [{\"Key\": \"a\", \"Valeu\": \"b\"}]}",
			&req, &msg), BERTH_EINVAL);
	CHECK_STR(msg, "ec2 CreateTags: Tags[0].Valeu: unknown parameter; did you mean Value?");
	free(msg);
	aws_http_request_release(&req);

	CHECK_INT(build("sts", "GetCallerIdentity", "{\"Zzzzzzzz\": 1}", &req, &msg), BERTH_EINVAL);
	CHECK_STR(msg, "sts GetCallerIdentity: Zzzzzzzz: unknown parameter");
	free(msg);
	aws_http_request_release(&req);
}

TEST(validation_missing_required_and_wrong_type)
{
	struct aws_http_request req;
	char *msg;
	CHECK_INT(build("iam", "CreateRole", "{\"RoleName\": \"r\"}", &req, &msg), BERTH_EINVAL);
	CHECK_STR(msg, "iam CreateRole: AssumeRolePolicyDocument: missing required parameter");
	free(msg);
	aws_http_request_release(&req);

	CHECK_INT(build("ecs", "CreateService", "{\"serviceName\": \"s\", \"desiredCount\": \"2\"}",
			&req, &msg), BERTH_EINVAL);
	CHECK_STR(msg, "ecs CreateService: desiredCount: expected integer, got string");
	free(msg);
	aws_http_request_release(&req);

	CHECK_INT(build("ec2", "DescribeVpcs", "{\"VpcIds\": \"vpc-1\"}", &req, &msg), BERTH_EINVAL);
	CHECK_STR(msg, "ec2 DescribeVpcs: VpcIds: expected list, got string");
	free(msg);
	aws_http_request_release(&req);

	CHECK_INT(build("cloudformation", "DescribeStackEvents", "[]", &req, &msg), BERTH_EINVAL);
	CHECK_STR(msg, "cloudformation DescribeStackEvents: parameters must be an object, got list");
	free(msg);
	aws_http_request_release(&req);

	CHECK_INT(build("sns", "CreateTopic",
			"{\"Name\": \"t\", \"Attributes\": {\"DisplayName\": 3}}", &req, &msg),
		  BERTH_EINVAL);
	CHECK_STR(msg, "sns CreateTopic: Attributes[\"DisplayName\"]: expected string, got integer");
	free(msg);
	aws_http_request_release(&req);

	CHECK_INT(build("ec2", "DescribeVpcz", "{}", &req, &msg), BERTH_EINVAL);
	CHECK_STR(msg, "ec2: unknown operation DescribeVpcz");
	free(msg);
	aws_http_request_release(&req);
}

TEST(idempotency_token_is_filled)
{
	struct aws_http_request req;
	char *msg;
	json_t *body;
	const char *tok;
	CHECK_INT(build("grafana", "CreateWorkspace",
			"{\"accountAccessType\": \"CURRENT_ACCOUNT\", \"authenticationProviders\": [\"AWS_SSO\"], \"permissionType\": \"SERVICE_MANAGED\"}",
			&req, &msg), 0);
	CHECK(msg == NULL);
	body = json_loads(req.body.ptr, 0, NULL);
	tok = json_string_value(json_object_get(body, "clientToken"));
	CHECK(tok && strlen(tok) == 36 && tok[14] == '4');
	json_decref(body);
	aws_http_request_release(&req);
}

TEST(query_build_by_hand)
{
	struct aws_http_request req;
	char *msg;
	CHECK_INT(build("sns", "CreateTopic",
			"{\"Name\": \"t 1\", \"Attributes\": {\"DisplayName\": \"x/y\"}}", &req, &msg), 0);
	CHECK_STR(req.body.ptr, "Action=CreateTopic&Version=2010-03-31&Name=t%201&"
				"Attributes.entry.1.key=DisplayName&Attributes.entry.1.value=x%2Fy");
	CHECK_STR(aws_headers_get(&req.headers, "content-type"),
		  "application/x-www-form-urlencoded; charset=utf-8");
	aws_http_request_release(&req);
}

static void parse_error(const char *svc, long status, const char *hdr_name,
			const char *hdr_val, const char *body, struct aws_error *err)
{
	struct aws_http_response r;
	aws_http_response_init(&r);
	r.status = status;
	if (hdr_name)
		aws_headers_set(&r.headers, hdr_name, hdr_val);
	set_body(&r, body);
	memset(err, 0, sizeof(*err));
	aws_proto_parse_error(aws_service_find(svc), &r, err);
	aws_http_response_release(&r);
}

TEST(error_envelopes)
{
	struct aws_error e;
	parse_error("iam", 404, NULL, NULL,
		    "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>"
		    "<Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role x cannot be found.</Message>"
		    "</Error><RequestId>abc-1</RequestId></ErrorResponse>", &e);
	CHECK_INT(e.http_status, 404);
	CHECK_STR(e.code, "NoSuchEntity");
	CHECK_STR(e.message, "The role x cannot be found.");
	CHECK_STR(e.request_id, "abc-1");
	aws_error_release(&e);

	parse_error("ec2", 400, NULL, NULL,
		    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>"
		    "<Code>DependencyViolation</Code><Message>has dependencies</Message></Error>"
		    "</Errors><RequestID>ec2-req</RequestID></Response>", &e);
	CHECK_STR(e.code, "DependencyViolation");
	CHECK_STR(e.message, "has dependencies");
	CHECK_STR(e.request_id, "ec2-req");
	aws_error_release(&e);

	parse_error("ecs", 400, "x-amzn-RequestId", "ecs-req",
		    "{\"__type\": \"com.amazonaws.ecs#ClusterNotFoundException\", \"message\": \"Cluster not found.\"}", &e);
	CHECK_STR(e.code, "ClusterNotFoundException");
	CHECK_STR(e.message, "Cluster not found.");
	CHECK_STR(e.request_id, "ecs-req");
	aws_error_release(&e);

	parse_error("logs", 400, "x-amzn-ErrorType", "ResourceNotFoundException:http://internal",
		    "{\"Message\": \"gone\"}", &e);
	CHECK_STR(e.code, "ResourceNotFoundException");
	CHECK_STR(e.message, "gone");
	aws_error_release(&e);

	parse_error("grafana", 404, "x-amzn-ErrorType", "ResourceNotFoundException:http://x/",
		    "{\"message\": \"Workspace not found\", \"resourceId\": \"g-1\"}", &e);
	CHECK_STR(e.code, "ResourceNotFoundException");
	CHECK_STR(e.message, "Workspace not found");
	aws_error_release(&e);

	parse_error("amp", 409, "x-amz-request-id", "r-9", "{\"code\": \"ConflictException\", \"message\": \"busy\"}", &e);
	CHECK_STR(e.code, "ConflictException");
	CHECK_STR(e.request_id, "r-9");
	aws_error_release(&e);

	/* Bodies that are not the protocol's envelope leave code NULL. */
	parse_error("sns", 503, NULL, NULL, "<html><body>Service Unavailable</body></html>", &e);
	CHECK(e.code == NULL);
	CHECK_INT(e.http_status, 503);
	aws_error_release(&e);
	parse_error("ecs", 502, NULL, NULL, "Bad Gateway", &e);
	CHECK(e.code == NULL);
	aws_error_release(&e);
	parse_error("ec2", 500, NULL, NULL, "<Response><Errors><Error><Code>Unavail", &e);
	CHECK(e.code == NULL);
	aws_error_release(&e);
}

/* Parses body as svc/op's answer; returns rc, first diag in *msg. */
static int parse(const char *svc, const char *op, const char *body, json_t **out, char **msg)
{
	struct aws_http_response r;
	struct diags d = DIAGS_INIT;
	int rc;
	aws_http_response_init(&r);
	r.status = 200;
	buf_add(&r.body, body, strlen(body));
	rc = aws_proto_parse(aws_service_find(svc), op, &r, out, &d);
	*msg = d.n ? xstrdup(d.items[0].summary) : NULL;
	diags_release(&d);
	aws_http_response_release(&r);
	return rc;
}

TEST(hostile_answers)
{
	json_t *out = NULL;
	char *msg;
	struct buf deep = BUF_INIT;

	CHECK_INT(parse("iam", "GetRole", "<GetRoleResponse><GetRoleResult><Role><RoleName>x",
			&out, &msg), BERTH_EAWS);
	CHECK_CONTAINS(msg, "iam GetRole: cannot read the answer: malformed XML answer");
	free(msg);
	CHECK_INT(parse("ecs", "DescribeClusters", "{\"clusters\": [", &out, &msg), BERTH_EAWS);
	CHECK_CONTAINS(msg, "ecs DescribeClusters: cannot read the answer: malformed JSON answer");
	free(msg);
	/* An HTML page from a proxy where JSON or XML was expected. */
	CHECK_INT(parse("ecs", "ListClusters", "<html>nope</html>", &out, &msg), BERTH_EAWS);
	free(msg);
	CHECK_INT(parse("sts", "GetCallerIdentity", "{\"Account\": \"1\"}", &out, &msg), BERTH_EAWS);
	free(msg);
	CHECK_INT(parse("sts", "GetCallerIdentity", "", &out, &msg), BERTH_EAWS);
	CHECK_CONTAINS(msg, "empty answer");
	free(msg);
	/* Wrong types inside otherwise valid answers. */
	CHECK_INT(parse("ecs", "ListClusters", "{\"clusterArns\": \"arn\"}", &out, &msg), BERTH_EAWS);
	free(msg);
	CHECK_INT(parse("ec2", "DescribeVpcs",
			"<DescribeVpcsResponse><vpcSet><item><isDefault>true</isDefault>"
			"<cidrBlockAssociationSet><item><cidrBlockState><state>x</state></cidrBlockState></item></cidrBlockAssociationSet>"
			"<dhcpOptionsId>1</dhcpOptionsId></item></vpcSet></DescribeVpcsResponse>", &out, &msg), 0);
	CHECK(msg == NULL);
	json_decref(out);
	CHECK_INT(parse("iam", "ListRoles",
			"<ListRolesResponse><ListRolesResult><IsTruncated>true</IsTruncated>"
			"<Roles><member><MaxSessionDuration>lots</MaxSessionDuration></member></Roles>"
			"</ListRolesResult></ListRolesResponse>", &out, &msg), BERTH_EAWS);
	CHECK_CONTAINS(msg, "MaxSessionDuration: \"lots\" is not a valid integer");
	free(msg);
	/* Entity expansion and DTDs are refused. */
	CHECK_INT(parse("sts", "GetCallerIdentity",
			"<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x \"xxxxxxxxxx\"><!ENTITY y \"&x;&x;&x;&x;\">]>"
			"<GetCallerIdentityResponse><GetCallerIdentityResult><Account>&y;</Account>"
			"</GetCallerIdentityResult></GetCallerIdentityResponse>", &out, &msg), BERTH_EAWS);
	free(msg);
	/* Deep nesting, XML and JSON. */
	for (int i = 0; i < 100000; i++)
		buf_adds(&deep, "<a>");
	CHECK_INT(parse("sts", "GetCallerIdentity", deep.ptr, &out, &msg), BERTH_EAWS);
	free(msg);
	buf_reset(&deep);
	for (int i = 0; i < 100000; i++)
		buf_adds(&deep, "[");
	CHECK_INT(parse("ecs", "ListClusters", deep.ptr, &out, &msg), BERTH_EAWS);
	CHECK_CONTAINS(msg, "nested more than");
	free(msg);
	buf_release(&deep);
}

TEST_MAIN()
