/* Unit tests for the plain AWS value types: header lists and error codes. */
#include "harness.h"
#include "util/common.h"
#include "aws/error.h"
#include "aws/http.h"

TEST(headers_are_case_insensitive_and_replace)
{
	struct aws_headers h = { 0 };
	aws_headers_set(&h, "Content-Type", "a");
	aws_headers_set(&h, "content-type", "b");
	CHECK_INT(h.n, 1);
	CHECK_STR(aws_headers_get(&h, "CONTENT-TYPE"), "b");
	CHECK(aws_headers_get(&h, "X-Missing") == NULL);
	aws_headers_release(&h);
	CHECK_INT(h.n, 0);
}

TEST(request_starts_at_root_path)
{
	struct aws_http_request r;
	aws_http_request_init(&r, "POST");
	CHECK_STR(r.method, "POST");
	CHECK_STR(r.path.ptr, "/");
	CHECK_STR(r.query.ptr, "");
	aws_http_request_release(&r);
}

TEST(throttle_codes_match_standard_mode)
{
	CHECK(aws_error_is_throttle("ThrottlingException"));
	CHECK(aws_error_is_throttle("RequestLimitExceeded"));
	CHECK(aws_error_is_throttle("Throttled"));
	CHECK(!aws_error_is_throttle("ValidationError"));
	CHECK(!aws_error_is_throttle(NULL));
}

TEST_MAIN()
