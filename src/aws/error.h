/* One value for every AWS error, whatever the protocol that carried it. */
#ifndef BERTH_AWS_ERROR_H
#define BERTH_AWS_ERROR_H

struct aws_error {
	long http_status;   /* 0 when the request never got an answer */
	char *code;         /* "ThrottlingException", "InvalidParameterValue"... or NULL */
	char *message;      /* AWS's message or the transport's, or NULL */
	char *request_id;   /* x-amzn-RequestId / <RequestId>, or NULL */
};

void aws_error_release(struct aws_error *e);
/* True for codes the SDKs' standard retry mode treats as throttling. */
int aws_error_is_throttle(const char *code);
/* True for codes that say the request's credentials have expired:
 * ExpiredToken (query/XML), ExpiredTokenException (JSON, REST-JSON) and
 * EC2's RequestExpired (also its answer to a clock more than 5 minutes off).
 * Retrying with the same credentials cannot help. */
int aws_error_is_expired_credentials(const char *code);
/* For codes that say the key or secret itself is wrong (SignatureDoesNotMatch,
 * InvalidSignatureException, InvalidClientTokenId, UnrecognizedClientException,
 * AuthFailure, ...): what
 * that means in a user's words; NULL for any other code. */
const char *aws_error_bad_credentials(const char *code);

#endif
