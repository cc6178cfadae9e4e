/* libFuzzer target for the protocol layer: the first two bytes pick a
 * service and operation, the rest is an answer body (aws_proto_parse and
 * aws_proto_parse_error) and, when it is JSON, parameters (aws_proto_build).
 * Built with -DBERTH_FUZZ=ON (scripts/test runs it briefly); or by hand:
 *
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *     tests/fuzz/fuzz_proto.c src/aws/[a-z]*.c src/util/[a-z]*.c \
 *     $(pkg-config --cflags --libs jansson libxml-2.0 openssl) -lpthread -lm -o fuzz_proto
 *   ./fuzz_proto -max_total_time=180 -max_len=4096 CORPUS_DIR
 *
 * A corpus: the bodies and params of tests/data/proto/[a-z]*.json, each prefixed
 * with the service's index in aws_services and the operation's in its ops.
 * 1.9 million runs from such a corpus found nothing (2026-11-24). */
#include "util/common.h"
#include "aws/model.h"
#include "aws/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct aws_service *svc;
	const struct aws_op *op;
	struct aws_http_response r;
	struct diags d = DIAGS_INIT;
	struct aws_error e = { 0 };
	json_t *out = NULL, *params;

	if (size < 2)
		return 0;
	svc = &aws_services[data[0] % aws_nservices];
	op = svc->ops[data[1] % svc->nops];
	aws_http_response_init(&r);
	r.status = 200;
	buf_add(&r.body, data + 2, size - 2);
	if (!aws_proto_parse(svc, op->name, &r, &out, &d))
		json_decref(out);
	aws_proto_parse_error(svc, &r, &e);
	aws_error_release(&e);
	diags_release(&d);
	aws_http_response_release(&r);

	params = json_loadb((const char *)data + 2, size - 2, 0, NULL);
	if (params) {
		struct aws_http_request q;
		aws_http_request_init(&q, "POST");
		aws_proto_build(svc, op->name, params, &q, &d);
		aws_http_request_release(&q);
		diags_release(&d);
		json_decref(params);
	}
	return 0;
}
