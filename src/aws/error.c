/* AWS error values; see error.h. */
#include "util/common.h"
#include "aws/error.h"

void aws_error_release(struct aws_error *e)
{
	free(e->code);
	free(e->message);
	free(e->request_id);
	e->code = e->message = e->request_id = NULL;
	e->http_status = 0;
}

/* The throttling codes of the SDKs' standard retry mode
 * (botocore/retries/standard.py, ThrottledRetryableChecker). */
int aws_error_is_throttle(const char *code)
{
	static const char *const codes[] = {
		"Throttling", "ThrottlingException", "ThrottledException",
		"RequestThrottledException", "TooManyRequestsException",
		"ProvisionedThroughputExceededException", "TransactionInProgressException",
		"RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
		"RequestThrottled", "SlowDown", "PriorRequestNotComplete",
		"EC2ThrottledException", "Throttled",
	};
	if (!code)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
		if (!strcmp(code, codes[i]))
			return 1;
	return 0;
}

int aws_error_is_expired_credentials(const char *code)
{
	return code && (!strcmp(code, "ExpiredToken") || !strcmp(code, "ExpiredTokenException") ||
			!strcmp(code, "RequestExpired"));
}

const char *aws_error_bad_credentials(const char *code)
{
	static const struct {
		const char *code, *what;
	} bad[] = {
		{ "SignatureDoesNotMatch", "the secret access key does not belong to the access key" },
		{ "InvalidSignatureException", "the secret access key does not belong to the "
					       "access key" },
		{ "InvalidClientTokenId", "AWS knows no such access key (deleted, mistyped, or of "
					  "another partition)" },
		{ "UnrecognizedClientException", "AWS knows no such access key or session token" },
		{ "UnrecognizedClient", "AWS knows no such access key or session token" },
		{ "InvalidAccessKeyId", "AWS knows no such access key" },
		{ "AuthFailure", "AWS could not validate the access key and secret" },
	};
	for (size_t i = 0; code && i < ARRAY_SIZE(bad); i++)
		if (!strcmp(code, bad[i].code))
			return bad[i].what;
	return NULL;
}
