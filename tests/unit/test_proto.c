/* Unit tests for the protocol layer: the service table, parameter validation
 * with its exact messages, error envelopes of each protocol, hostile answers,
 * and (test golden_files) every request and answer in tests/data/proto/,
 * which tools/gen_proto_goldens.py made with botocore's own serializers and
 * parsers. */
#include "harness.h"
#include "util/common.h"
#include "aws/credentials_int.h"
#include "aws/model.h"
#include "aws/paginator.h"
#include "aws/proto.h"
#include "aws/proto_internal.h"
#include "aws/sigv4.h"

#include <dirent.h>
#include <strings.h>

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
	/* S3 only for the backend: restXml, signed as S3. */
	CHECK(aws_service_find("s3") != NULL);
	CHECK_INT(aws_service_find("s3")->protocol, AWS_PROTO_REST_XML);
	CHECK_STR(aws_service_find("s3")->env_suffix, "S3");
	CHECK(aws_service_find("sqs") == NULL);
	CHECK(aws_service_find(NULL) == NULL);
}

/* berth sends no awsQuery/ec2Query request as GET, so no form travels in a
 * URL (where a '+' would have to be %2B and a server re-encoding the query
 * string to check the signature could read it as a space): every operation
 * of those protocols it calls is modelled POST, as botocore sends it, with
 * the form in the body (whose '+' for a space the goldens check) and an
 * empty query string. GET with the form in the URL is only for presigned
 * URLs, which berth does not make. This fails if an operation berth calls
 * ever is not POST, which would then need goldens of its URL bytes. */
TEST(query_protocols_send_every_operation_as_post)
{
	size_t checked = 0;
	for (size_t i = 0; i < aws_nservices; i++) {
		const struct aws_service *s = &aws_services[i];
		if (s->protocol != AWS_PROTO_QUERY && s->protocol != AWS_PROTO_EC2)
			continue;
		for (size_t k = 0; k < s->nops; k++, checked++)
			if (strcmp(s->ops[k]->http_method, "POST"))
				CHECK_STR(s->ops[k]->name, "(an operation sent as GET)");
	}
	CHECK(checked >= 100);
	struct aws_http_request req;
	char *msg = NULL;
	CHECK_INT(build("sns", "SetTopicAttributes", "{\"TopicArn\": \"arn:aws:sns:us-east-1:1:t\", "
			"\"AttributeName\": \"DisplayName\", \"AttributeValue\": \"a+b c\"}", &req,
			&msg), 0);
	CHECK_STR(req.method, "POST");
	CHECK_INT((int)req.query.len, 0);
	CHECK(strstr(req.body.ptr, "AttributeValue=a%2Bb+c") != NULL);
	aws_http_request_release(&req);
	free(msg);
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
	CHECK(!aws_service_find("sts")->global);
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

TEST(numbers_print_like_python_str)
{
	static const struct {
		double x;
		const char *want;
	} cases[] = {
		{ 70.0, "70.0" }, { 0.25, "0.25" }, { -1.5, "-1.5" }, { 0.1, "0.1" },
		{ 1e16, "1e+16" }, { 1.5e-05, "1.5e-05" }, { 0.0001, "0.0001" },
		{ 123456789.125, "123456789.125" }, { 1e15, "1000000000000000.0" },
		{ 2.0 / 3.0, "0.6666666666666666" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct buf b = BUF_INIT;
		json_t *v = json_real(cases[i].x);
		proto_add_number(&b, v);
		CHECK_STR(b.ptr, cases[i].want);
		json_decref(v);
		buf_release(&b);
	}
	struct buf b = BUF_INIT;
	json_t *v = json_integer(-42);
	proto_add_number(&b, v);
	CHECK_STR(b.ptr, "-42");
	json_decref(v);
	buf_release(&b);
}

TEST(timestamps_parse_and_format)
{
	static const struct {
		const char *in, *iso, *epoch, *rfc822;
	} cases[] = {
		{ "2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z", "1704164645",
		  "Tue, 02 Jan 2024 03:04:05 GMT" },
		{ "2024-01-02T03:04:05.500Z", "2024-01-02T03:04:05.5Z", "1704164645", NULL },
		{ "2024-01-02T04:04:05+01:00", "2024-01-02T03:04:05Z", NULL, NULL },
		{ "2024-01-01T22:04:05-0500", "2024-01-02T03:04:05Z", NULL, NULL },
		{ "1704164645", "2024-01-02T03:04:05Z", NULL, NULL },
		{ "1704164645.123", "2024-01-02T03:04:05.123Z", NULL, NULL },
		{ "Tue, 02 Jan 2024 03:04:05 GMT", "2024-01-02T03:04:05Z", NULL, NULL },
		{ "2024-01-02", "2024-01-02T00:00:00Z", NULL, NULL },
	};
	static const char *const bad[] = { "", "yesterday", "2024-13-01T00:00:00Z",
					   "2024-01-02T03:04:05Zjunk", "2024-1-2", "nan" };
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct proto_time t;
		json_t *j;
		CHECK_INT(proto_time_parse(cases[i].in, &t), 0);
		j = proto_time_json(&t);
		CHECK_STR(json_string_value(j), cases[i].iso);
		json_decref(j);
		if (cases[i].epoch) {
			struct buf b = BUF_INIT;
			proto_time_format(&b, &t, "unixTimestamp");
			CHECK_STR(b.ptr, cases[i].epoch);
			buf_release(&b);
		}
		if (cases[i].rfc822) {
			struct buf b = BUF_INIT;
			proto_time_format(&b, &t, "rfc822");
			CHECK_STR(b.ptr, cases[i].rfc822);
			buf_release(&b);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct proto_time t;
		CHECK_INT(proto_time_parse(bad[i], &t), BERTH_EINVAL);
	}
	/* Serialized the way botocore's query serializer writes them. */
	struct proto_time t = { 1704164645, 500000 };
	struct buf b = BUF_INIT;
	proto_time_format(&b, &t, "iso8601");
	CHECK_STR(b.ptr, "2024-01-02T03:04:05.500000Z");
	buf_release(&b);
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

TEST(validation_nested_required_and_every_problem_reported)
{
	struct aws_http_request req;
	struct diags d = DIAGS_INIT;
	json_t *params = json_loads("{\"ResourceArns\": \"arn\", \"Tags\": [{\"Value\": \"v\"}],"
				    " \"Tagz\": []}", 0, NULL);
	aws_http_request_init(&req, "POST");
	CHECK_INT(aws_proto_build(aws_service_find("elbv2"), "AddTags", params, &req, &d),
		  BERTH_EINVAL);
	CHECK_INT(d.n, 3);
	CHECK_STR(d.items[0].summary, "elbv2 AddTags: ResourceArns: expected list, got string");
	CHECK_STR(d.items[1].summary, "elbv2 AddTags: Tags[0].Key: missing required parameter");
	CHECK_STR(d.items[2].summary, "elbv2 AddTags: Tagz: unknown parameter; did you mean Tags?");
	/* Nothing was built, and the caller's params are untouched. */
	CHECK_STR(req.body.ptr, "");
	CHECK_INT(json_object_size(params), 3);
	json_decref(params);
	diags_release(&d);
	aws_http_request_release(&req);
}

TEST(validation_unions_take_one_member)
{
	struct aws_http_request req;
	char *msg;
	CHECK_INT(build("grafana", "UpdateWorkspaceAuthentication",
			"{\"workspaceId\": \"g-1\", \"authenticationProviders\": [\"SAML\"],"
			" \"samlConfiguration\": {\"idpMetadata\": {\"url\": \"u\", \"xml\": \"x\"}}}",
			&req, &msg), BERTH_EINVAL);
	CHECK_STR(msg, "grafana UpdateWorkspaceAuthentication: samlConfiguration.idpMetadata: "
		       "set exactly one of url, xml");
	free(msg);
	aws_http_request_release(&req);
}

TEST(validation_timestamps_and_uri_labels)
{
	struct aws_http_request req;
	char *msg;
	CHECK_INT(build("grafana", "DescribeWorkspace", "{\"workspaceId\": \"\"}", &req, &msg),
		  BERTH_EINVAL);
	CHECK_STR(msg, "grafana DescribeWorkspace: workspaceId: must not be empty (it is part of the URI)");
	free(msg);
	aws_http_request_release(&req);
	CHECK_INT(build("grafana", "DescribeWorkspace", "{\"workspaceId\": \"g/1 2\"}", &req, &msg), 0);
	CHECK_STR(req.path.ptr, "/workspaces/g%2F1%202");
	CHECK_STR(req.method, "GET");
	CHECK_STR(req.body.ptr, "");
	CHECK(aws_headers_get(&req.headers, "Content-Type") == NULL);
	aws_http_request_release(&req);
}

TEST(paginator_tokens_are_plain_member_names)
{
	/* The pagination helper reads tokens and result keys as top-level
	 * members; a JMESPath expression would need more. */
	for (size_t i = 0; i < aws_nservices; i++) {
		const struct aws_service *s = &aws_services[i];
		for (size_t k = 0; k < s->npaginators; k++) {
			const struct aws_paginator *p = &s->paginators[k];
			const struct aws_op *op = aws_service_op(s, p->operation);
			CHECK(op != NULL);
			CHECK_INT(p->ninput, p->noutput);
			for (size_t t = 0; t < p->ninput; t++) {
				CHECK(aws_shape_member(op->input, p->input_token[t]) != NULL);
				CHECK(aws_shape_member(op->output, p->output_token[t]) != NULL);
			}
			for (size_t t = 0; t < p->nresult; t++)
				CHECK(aws_shape_member(op->output, p->result_key[t]) != NULL);
			if (p->limit_key)
				CHECK(aws_shape_member(op->input, p->limit_key) != NULL);
			if (p->more_results)
				CHECK(aws_shape_member(op->output, p->more_results) != NULL);
		}
	}
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
	CHECK_STR(req.body.ptr, "Action=CreateTopic&Version=2010-03-31&Name=t+1&"
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
	/* ... and say what they are instead. */
	CHECK_STR(e.message, "not an AWS answer (a proxy or captive portal?); it begins: "
			     "\"<html><body>Service Unavailable</body></html>\"");
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

/* Parses body, labelled ctype (NULL: no Content-Type), as svc/op's answer. */
static int parse_labelled(const char *svc, const char *op, const char *ctype, const char *body,
			  json_t **out, char **msg)
{
	struct aws_http_response r;
	struct diags d = DIAGS_INIT;
	int rc;
	aws_http_response_init(&r);
	r.status = 200;
	if (ctype)
		aws_headers_set(&r.headers, "Content-Type", ctype);
	set_body(&r, body);
	*out = NULL;
	rc = aws_proto_parse(aws_service_find(svc), op, &r, out, &d);
	*msg = d.n ? xstrdup(d.items[0].summary) : NULL;
	diags_release(&d);
	aws_http_response_release(&r);
	return rc;
}

TEST(answers_are_read_by_protocol_not_content_type)
{
	static const char *const labels[] = { "text/html; charset=utf-8", "text/plain", NULL,
					      "application/octet-stream" };
	for (size_t i = 0; i < ARRAY_SIZE(labels); i++) {
		json_t *out;
		char *msg;
		char *text;
		/* JSON 1.1, full and empty (CreateLogGroup answers nothing). */
		CHECK_INT(parse_labelled("logs", "DescribeLogGroups", labels[i],
					 "{\"logGroups\": [{\"logGroupName\": \"/a\"}]}", &out, &msg), 0);
		text = json_dumps(out, JSON_COMPACT);
		CHECK_STR(text, "{\"logGroups\":[{\"logGroupName\":\"/a\"}]}");
		free(text);
		json_decref(out);
		CHECK_INT(parse_labelled("logs", "DescribeLogGroups", labels[i], "", &out, &msg), 0);
		CHECK_INT(json_object_size(out), 0);
		json_decref(out);
		/* REST-JSON, query and EC2 XML, and their empty bodies. */
		CHECK_INT(parse_labelled("amp", "DescribeWorkspace", labels[i],
					 "{\"workspace\": {\"workspaceId\": \"w\"}}", &out, &msg), 0);
		json_decref(out);
		CHECK_INT(parse_labelled("sts", "GetCallerIdentity", labels[i],
					 "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>1</Account>"
					 "</GetCallerIdentityResult></GetCallerIdentityResponse>", &out, &msg), 0);
		CHECK_STR(json_string_value(json_object_get(out, "Account")), "1");
		json_decref(out);
		CHECK_INT(parse_labelled("ec2", "DescribeVpcs", labels[i],
					 "<DescribeVpcsResponse><vpcSet><item><vpcId>vpc-1</vpcId></item>"
					 "</vpcSet></DescribeVpcsResponse>", &out, &msg), 0);
		json_decref(out);
		CHECK_INT(parse_labelled("iam", "GetRole", labels[i], "", &out, &msg), 0);
		CHECK_INT(json_object_size(out), 0);
		json_decref(out);
		CHECK_INT(parse_labelled("ec2", "DescribeVpcs", labels[i], "", &out, &msg), 0);
		json_decref(out);
	}
}

TEST(a_page_that_is_not_aws_is_named_with_its_first_bytes)
{
	json_t *out;
	char *msg;
	/* Whatever the label: the body does not parse as the protocol's
	 * syntax, so it is not AWS; the first bytes show what it is. */
	CHECK_INT(parse_labelled("ecs", "ListClusters", "application/x-amz-json-1.1",
				 "<html>\n<body>Welcome to the \"Hotel\" Wi-Fi\x01 caf\xc3\xa9</body></html>",
				 &out, &msg), BERTH_EAWS);
	CHECK_CONTAINS(msg, "ecs ListClusters: cannot read the answer: malformed JSON answer");
	CHECK_CONTAINS(msg, "this is not an AWS answer (a proxy or captive portal?); it begins: "
			    "\"<html>\\n<body>Welcome to the \\\"Hotel\\\" Wi-Fi\\x01 caf\\xc3\\xa9</body></html>\"");
	free(msg);
	CHECK_INT(parse_labelled("sts", "GetCallerIdentity", "text/html", "Login required: <a href=x>",
				 &out, &msg), BERTH_EAWS);
	CHECK_CONTAINS(msg, "not an AWS answer");
	CHECK_CONTAINS(msg, "it begins: \"Login required: <a href=x>\"");
	free(msg);
	/* Well-formed XHTML is XML, but no AWS answer. */
	CHECK_INT(parse_labelled("sts", "GetCallerIdentity", "text/xml", "<html><body>Hi</body></html>",
				 &out, &msg), BERTH_EAWS);
	CHECK_CONTAINS(msg, "not an AWS answer");
	free(msg);
	CHECK_INT(parse_labelled("ec2", "DescribeVpcs", NULL, "<html><body>Hi</body></html>",
				 &out, &msg), BERTH_EAWS);
	CHECK_CONTAINS(msg, "not an AWS answer");
	free(msg);
	/* A long page is cut. */
	struct buf page = BUF_INIT;
	buf_adds(&page, "<!DOCTYPE html>");
	buf_addchars(&page, 'x', 500);
	CHECK_INT(parse_labelled("amp", "ListWorkspaces", NULL, page.ptr, &out, &msg), BERTH_EAWS);
	CHECK_CONTAINS(msg, "it begins: \"<!DOCTYPE html>xxx");
	CHECK_CONTAINS(msg, "xx\"...");
	CHECK(strlen(msg) < 300);
	free(msg);
	buf_release(&page);
	/* Well-formed but the wrong shape: AWS's syntax, so not called a
	 * proxy, but the bytes are still shown. */
	CHECK_INT(parse_labelled("ecs", "ListClusters", NULL, "{\"clusterArns\": \"arn\"}", &out, &msg),
		  BERTH_EAWS);
	CHECK(strstr(msg, "not an AWS answer") == NULL);
	CHECK_CONTAINS(msg, "it begins: \"{\\\"clusterArns\\\": \\\"arn\\\"}\"");
	free(msg);
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
	CHECK_INT(parse("ec2", "DescribeVpcs", "<html><body>Service Unavailable</body></html>",
			&out, &msg), BERTH_EAWS);
	CHECK_CONTAINS(msg, "root element is <html>, not <DescribeVpcsResponse>");
	free(msg);
	CHECK_INT(parse("sts", "GetCallerIdentity", "{\"Account\": \"1\"}", &out, &msg), BERTH_EAWS);
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

/* ---- golden files from botocore ---- */

static int differ(const char *file, const char *what, json_t *got, json_t *want)
{
	char *g = json_dumps(got, JSON_SORT_KEYS | JSON_ENCODE_ANY);
	char *w = json_dumps(want, JSON_SORT_KEYS | JSON_ENCODE_ANY);
	fprintf(stderr, "  %s: %s differs\n    berth:    %s\n    botocore: %s\n", file, what,
		g ? g : "(null)", w ? w : "(null)");
	free(g);
	free(w);
	return 1;
}

static int str_differ(const char *file, const char *what, const char *got, const char *want)
{
	if ((!got && !want) || (got && want && !strcmp(got, want)))
		return 0;
	fprintf(stderr, "  %s: %s differs\n    berth:    %s\n    botocore: %s\n", file, what,
		got ? got : "(null)", want ? want : "(null)");
	return 1;
}

/* The bytes berth sends for params against what botocore sends (golden
 * "request"): method, path, raw query string and body compared byte for
 * byte, the same headers with the same values, and, signed with the
 * golden's fixed keys and time, the same canonical request and signature. */
static int check_request(const char *file, const struct aws_service *svc, const char *op,
			 json_t *params, json_t *want)
{
	struct aws_http_request req;
	struct diags d = DIAGS_INIT;
	struct sigv4_trace tr;
	json_t *wh;
	const char *key;
	json_t *val;
	int fails = 0;

	sigv4_trace_init(&tr);
	aws_http_request_init(&req, "POST");
	if (aws_proto_build(svc, op, params, &req, &d)) {
		fprintf(stderr, "  %s: build failed: %s\n", file, d.n ? d.items[0].summary : "?");
		fails++;
		goto cleanup;
	}
	fails += str_differ(file, "method", req.method, json_string_value(json_object_get(want, "method")));
	fails += str_differ(file, "path", req.path.ptr, json_string_value(json_object_get(want, "path")));
	fails += str_differ(file, "query string", req.query.ptr,
			    json_string_value(json_object_get(want, "query")));
	fails += str_differ(file, "body", req.body.ptr, json_string_value(json_object_get(want, "body")));
	/* Every header botocore signs, and no other. */
	wh = json_object_get(want, "headers");
	json_object_foreach(wh, key, val)
		fails += str_differ(file, key, aws_headers_get(&req.headers, key), json_string_value(val));
	for (size_t i = 0; i < req.headers.n; i++) {
		bool known = false;
		json_object_foreach(wh, key, val)
			known |= !strcasecmp(key, req.headers.items[i].name);
		if (!known)
			fails += str_differ(file, req.headers.items[i].name, req.headers.items[i].value,
					    NULL);
	}
	if (json_is_false(json_object_get(want, "signed")))
		goto cleanup; /* botocore sends it unsigned (AssumeRoleWithWebIdentity) */
	aws_headers_set(&req.headers, "Host", json_string_value(json_object_get(want, "host")));
	struct sigv4_params sp = { "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL,
				   "us-east-1", svc->signing_name, 1704164645, true, false, false, 0 };
	if (sigv4_sign(&req, &sp, &tr)) {
		fprintf(stderr, "  %s: signing failed\n", file);
		fails++;
		goto cleanup;
	}
	fails += str_differ(file, "canonical request", tr.canonical_request.ptr,
			    json_string_value(json_object_get(want, "canonical_request")));
	fails += str_differ(file, "signature", tr.signature.ptr,
			    json_string_value(json_object_get(want, "signature")));
cleanup:
	sigv4_trace_release(&tr);
	diags_release(&d);
	aws_http_request_release(&req);
	return fails;
}

static void fill_response(struct aws_http_response *r, json_t *want)
{
	const char *key;
	json_t *val;
	aws_http_response_init(r);
	r->status = (long)json_integer_value(json_object_get(want, "status"));
	json_object_foreach(json_object_get(want, "headers"), key, val)
		aws_headers_set(&r->headers, key, json_string_value(val));
	set_body(r, json_string_value(json_object_get(want, "body")));
}

static int check_response(const char *file, const struct aws_service *svc, const char *op,
			  json_t *want)
{
	struct aws_http_response r;
	struct diags d = DIAGS_INIT;
	json_t *got = NULL;
	int fails = 0;
	fill_response(&r, want);
	if (aws_proto_parse(svc, op, &r, &got, &d)) {
		fprintf(stderr, "  %s: parse failed: %s\n", file, d.n ? d.items[0].summary : "?");
		fails++;
	} else if (!json_equal(got, json_object_get(want, "parsed"))) {
		fails += differ(file, "parsed answer", got, json_object_get(want, "parsed"));
	}
	json_decref(got);
	diags_release(&d);
	aws_http_response_release(&r);
	return fails;
}

static int check_error(const char *file, const struct aws_service *svc, json_t *want)
{
	struct aws_http_response r;
	struct aws_error e = { 0 };
	int fails = 0;
	fill_response(&r, want);
	aws_proto_parse_error(svc, &r, &e);
	fails += str_differ(file, "error code", e.code, json_string_value(json_object_get(want, "code")));
	fails += str_differ(file, "error message", e.message,
			    json_string_value(json_object_get(want, "message")));
	fails += str_differ(file, "request id", e.request_id,
			    json_string_value(json_object_get(want, "request_id")));
	if (e.http_status != r.status)
		fails++;
	aws_error_release(&e);
	aws_http_response_release(&r);
	return fails;
}

/* Every golden answer cut short at many points must fail or succeed
 * cleanly: the sanitizers catch any overrun or leak. */
static int check_truncations(const struct aws_service *svc, const char *op, json_t *want)
{
	struct aws_http_response r;
	const char *body = json_string_value(json_object_get(want, "body"));
	size_t n = strlen(body);
	fill_response(&r, want);
	for (size_t cut = 0; cut < n; cut += 1 + cut / 16) {
		struct diags d = DIAGS_INIT;
		struct aws_error e = { 0 };
		json_t *got = NULL;
		buf_reset(&r.body);
		buf_add(&r.body, body, cut);
		if (!aws_proto_parse(svc, op, &r, &got, &d))
			json_decref(got);
		aws_proto_parse_error(svc, &r, &e);
		aws_error_release(&e);
		diags_release(&d);
	}
	aws_http_response_release(&r);
	return 0;
}

/* The part of an Authorization header after `key` ("SignedHeaders=",
 * "Signature="), up to the next ',' (new string), or NULL. */
static char *auth_part(const char *auth, const char *key)
{
	const char *p = auth ? strstr(auth, key) : NULL;
	if (!p)
		return NULL;
	p += strlen(key);
	return xstrndup(p, strcspn(p, ","));
}

/* What credentials_sts.c sends for the credential chain (its own form and
 * request, not aws_call's) against botocore's bytes: body, headers, and,
 * signed with the golden's keys and time, the signed headers and signature;
 * AssumeRoleWithWebIdentity unsigned, as botocore sends it. */
static int check_sts_credentials(const char *file, const char *op, json_t *params, json_t *want)
{
	struct sts_role_request r = {
		json_string_value(json_object_get(params, "RoleArn")),
		json_string_value(json_object_get(params, "RoleSessionName")),
		json_string_value(json_object_get(params, "ExternalId")),
		(long)json_integer_value(json_object_get(params, "DurationSeconds")),
	};
	struct aws_credentials key = { 0 };
	key.access_key_id = "AKIDEXAMPLE";
	key.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	bool sign = !json_is_false(json_object_get(want, "signed"));
	struct buf body = BUF_INIT;
	struct aws_http_request req;
	int fails = 0;
	creds_sts_form(&body, op, &r, json_string_value(json_object_get(params, "WebIdentityToken")));
	creds_sts_request(&req, json_string_value(json_object_get(want, "host")), body.ptr,
			  sign ? &key : NULL, "us-east-1", 1704164645);
	fails += str_differ(file, "method", req.method, json_string_value(json_object_get(want, "method")));
	fails += str_differ(file, "path", req.path.len ? req.path.ptr : "/",
			    json_string_value(json_object_get(want, "path")));
	fails += str_differ(file, "query string", req.query.len ? req.query.ptr : "",
			    json_string_value(json_object_get(want, "query")));
	fails += str_differ(file, "body", req.body.ptr, json_string_value(json_object_get(want, "body")));
	fails += str_differ(file, "Host", aws_headers_get(&req.headers, "Host"),
			    json_string_value(json_object_get(want, "host")));
	json_t *wh = json_object_get(want, "headers"), *val;
	const char *name;
	json_object_foreach(wh, name, val)
		fails += str_differ(file, name, aws_headers_get(&req.headers, name), json_string_value(val));
	/* Beyond those: X-Amz-Date and Authorization when signed, else nothing. */
	for (size_t i = 0; i < req.headers.n; i++) {
		const char *h = req.headers.items[i].name;
		bool known = !strcasecmp(h, "Host") || json_object_get(wh, h) ||
			     (sign && (!strcasecmp(h, "X-Amz-Date") || !strcasecmp(h, "Authorization")));
		json_object_foreach(wh, name, val)
			known |= !strcasecmp(name, h);
		if (!known)
			fails += str_differ(file, h, req.headers.items[i].value, NULL);
	}
	if (sign) {
		const char *auth = aws_headers_get(&req.headers, "Authorization");
		char *signed_headers = auth_part(auth, "SignedHeaders="),
		     *signature = auth_part(auth, "Signature=");
		fails += str_differ(file, "X-Amz-Date", aws_headers_get(&req.headers, "X-Amz-Date"),
				    "20240102T030405Z");
		fails += str_differ(file, "signed headers", signed_headers,
				    json_string_value(json_object_get(want, "signed_headers")));
		fails += str_differ(file, "signature", signature,
				    json_string_value(json_object_get(want, "signature")));
		free(signed_headers);
		free(signature);
	} else {
		fails += str_differ(file, "Authorization", aws_headers_get(&req.headers, "Authorization"),
				    NULL);
	}
	aws_http_request_release(&req);
	buf_release(&body);
	return fails;
}

static int check_case(const char *file, json_t *g)
{
	const struct aws_service *svc = aws_service_find(json_string_value(json_object_get(g, "service")));
	const char *op = json_string_value(json_object_get(g, "operation"));
	json_t *want;
	int fails = 0;
	char *label;
	if (!svc || !aws_service_op(svc, op)) {
		fprintf(stderr, "  %s: unknown service or operation %s\n", file, op ? op : "?");
		return 1;
	}
	label = xasprintf("%s (%s)", file, op);
	if ((want = json_object_get(g, "request")))
		fails += check_request(label, svc, op, json_object_get(g, "params"), want);
	const char *sender = json_string_value(json_object_get(g, "sender"));
	if (want && sender && !strcmp(sender, "credentials_sts.c"))
		fails += check_sts_credentials(label, op, json_object_get(g, "params"), want);
	if ((want = json_object_get(g, "response"))) {
		fails += check_response(label, svc, op, want);
		fails += check_truncations(svc, op, want);
	}
	if ((want = json_object_get(g, "error")))
		fails += check_error(label, svc, want);
	free(label);
	return fails;
}

TEST(golden_files)
{
	const char *dir = "tests/data/proto";
	DIR *dh = opendir(dir);
	struct dirent *de;
	int files = 0, fails = 0, ran = 0, sts_credentials = 0;
	CHECK(dh != NULL);
	while ((de = readdir(dh))) {
		size_t n = strlen(de->d_name);
		char *path;
		json_t *g;
		json_error_t jerr;
		json_t *cases;
		size_t ncases;
		if (n < 6 || strcmp(de->d_name + n - 5, ".json"))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		g = json_load_file(path, 0, &jerr);
		free(path);
		files++;
		if (!g) {
			fprintf(stderr, "  %s: %s\n", de->d_name, jerr.text);
			fails++;
			continue;
		}
		/* A file is one case, or {"cases": [...]} (the sweeps). */
		cases = json_object_get(g, "cases");
		ncases = cases ? json_array_size(cases) : 1;
		for (size_t i = 0; i < ncases; i++) {
			json_t *c = cases ? json_array_get(cases, i) : g;
			fails += check_case(de->d_name, c);
			sts_credentials += json_object_get(c, "sender") != NULL;
			ran++;
		}
		json_decref(g);
	}
	closedir(dh);
	CHECK(files >= 50);
	CHECK(ran >= 300);
	CHECK_INT(fails, 0);
	CHECK_INT(sts_credentials, 2);
}

/* The synthetic service of tools/gen_proto_goldens.py (FLAT_MODEL): flattened
 * lists and maps, which berth's real services never use. */
static const struct aws_shape flat_string = { "String", AWS_T_STRING, 0, NULL, NULL, NULL, 0, NULL, 0 };
static const struct aws_member flat_named_el[] = {
	{ "member", "Item", NULL, &flat_string, AWS_LOC_BODY, 0, NULL, NULL },
};
static const struct aws_shape flat_named = { "NamedList", AWS_T_LIST, AWS_S_FLATTENED, NULL, NULL,
					     flat_named_el, 1, NULL, 0 };
static const struct aws_member flat_plain_el[] = {
	{ "member", NULL, NULL, &flat_string, AWS_LOC_BODY, 0, NULL, NULL },
};
static const struct aws_shape flat_plain = { "PlainList", AWS_T_LIST, AWS_S_FLATTENED, NULL, NULL,
					     flat_plain_el, 1, NULL, 0 };
static const struct aws_member flat_map_kv[] = {
	{ "key", "Name", NULL, &flat_string, AWS_LOC_BODY, 0, NULL, NULL },
	{ "value", "Value", NULL, &flat_string, AWS_LOC_BODY, 0, NULL, NULL },
};
static const struct aws_shape flat_map = { "FlatMap", AWS_T_MAP, AWS_S_FLATTENED, NULL, NULL,
					   flat_map_kv, 2, NULL, 0 };
static const struct aws_member flat_members[] = {
	{ "Items", NULL, NULL, &flat_named, AWS_LOC_BODY, 0, NULL, NULL },
	{ "Plain", NULL, NULL, &flat_plain, AWS_LOC_BODY, 0, NULL, NULL },
	{ "Attrs", NULL, NULL, &flat_map, AWS_LOC_BODY, 0, NULL, NULL },
	{ "Wire", "OnWire", NULL, &flat_string, AWS_LOC_BODY, 0, NULL, NULL },
};
static const struct aws_shape flat_shape = { "FlatShape", AWS_T_STRUCTURE, 0, NULL, NULL,
					     flat_members, 4, NULL, 0 };
static const struct aws_op flat_op = { "Flat", "POST", "/", 200, &flat_shape, &flat_shape,
				       "FlatResult", NULL };
static const struct aws_op *const flat_ops[] = { &flat_op };
static const struct aws_service flat_svc = {
	.name = "flat", .sdk_id = "Flat", .env_suffix = "FLAT", .signing_name = "flat",
	.endpoint_prefix = "flat", .protocol = AWS_PROTO_QUERY, .api_version = "2020-01-01",
	.ops = flat_ops, .nops = 1,
};

TEST(flattened_lists_and_maps_match_botocore)
{
	json_error_t jerr;
	json_t *g = json_load_file("tests/data/proto/synthetic_flat.json.in", 0, &jerr);
	CHECK(g != NULL);
	CHECK_INT(check_request("synthetic_flat", &flat_svc, "Flat", json_object_get(g, "params"),
				json_object_get(g, "request")), 0);
	CHECK_INT(check_response("synthetic_flat", &flat_svc, "Flat", json_object_get(g, "response")), 0);
	json_decref(g);
}

TEST_MAIN()
