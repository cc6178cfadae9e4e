/* libFuzzer target for what the AWS client reads from files, processes and
 * servers it does not control: the shared config/credentials INI reader,
 * the credentials JSON of credential_process/container/IMDS answers,
 * ISO-8601 expirations, the redaction of logged bodies, and SigV4's
 * canonicalisation of odd paths and queries. The first byte picks the
 * target. Built with -DBERTH_FUZZ=ON (scripts/test runs it briefly); or by hand:
 *
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *     tests/fuzz/fuzz_awsclient.c src/aws/[a-z]*.c src/util/[a-z]*.c \
 *     $(pkg-config --cflags --libs jansson libxml-2.0 openssl libcurl) \
 *     -lpthread -lm -o fuzz_awsclient
 *   ./fuzz_awsclient -max_total_time=120 -max_len=2048
 */
#include "util/common.h"
#include "aws/credentials.h"
#include "aws/credentials_int.h"
#include "aws/ini.h"
#include "aws/redact.h"
#include "aws/sigv4.h"
#include "util/duration.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d = DIAGS_INIT;
	if (size < 1)
		return 0;
	char *text = xstrndup((const char *)data + 1, size - 1);
	size_t len = strlen(text);

	switch (data[0] % 5) {
	case 0: {
		struct ini_file f = INI_FILE_INIT;
		if (ini_parse(&f, "fuzz", text, &d) == 0) {
			for (size_t i = 0; i < f.n; i++)
				ini_get(&f, f.items[i].section, f.items[i].key);
			ini_release(&f);
		}
		break;
	}
	case 1: {
		struct aws_credentials c = { 0 };
		if (creds_from_json(text, len, "fuzz", data[0] & 8, &c, &d) == 0)
			aws_credentials_release(&c);
		break;
	}
	case 2: {
		time_t t;
		time_parse_rfc3339(text, &t);
		break;
	}
	case 3: {
		struct buf b = BUF_INIT;
		aws_redact_body(&b, (const char *)data + 1, size - 1);
		buf_release(&b);
		break;
	}
	case 4: {
		/* "PATH?QUERY" then header values after a newline. */
		struct aws_http_request req;
		struct sigv4_params p = { "AKID", "SECRET", NULL, "us-east-1", "svc", 0,
					  (data[0] & 8) != 0, false, false, 60 };
		struct sigv4_trace tr;
		char *nl = strchr(text, '\n');
		if (nl)
			*nl = '\0';
		char *q = strchr(text, '?');
		if (q)
			*q = '\0';
		aws_http_request_init(&req, "GET");
		buf_reset(&req.path);
		buf_adds(&req.path, text);
		if (q)
			buf_adds(&req.query, q + 1);
		aws_headers_set(&req.headers, "Host", "example.com");
		if (nl)
			aws_headers_set(&req.headers, "X-Fuzz", nl + 1);
		sigv4_trace_init(&tr);
		if (data[0] & 16)
			sigv4_presign(&req, &p, &tr);
		else
			sigv4_sign(&req, &p, &tr);
		sigv4_trace_release(&tr);
		aws_http_request_release(&req);
		break;
	}
	}
	diags_release(&d);
	free(text);
	return 0;
}
