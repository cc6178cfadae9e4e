/* The HTTP transport (http.c): sends an aws_http_request over libcurl and
 * fills an aws_http_response. One transport is shared by every thread of a
 * client: a CURLSH shares DNS answers, TLS sessions and the connection cache
 * (so keep-alive connections are reused across calls and threads), guarded by
 * one mutex per kind of shared data. No AWS semantics here: signing and retries
 * are the caller's. */
#ifndef BERTH_AWS_TRANSPORT_H
#define BERTH_AWS_TRANSPORT_H

#include <stdbool.h>

#include "aws/http.h"

struct aws_transport;

struct aws_transport_options {
	long connect_timeout_ms; /* 0: 10 s */
	long request_timeout_ms; /* 0: 120 s, the whole exchange */
	const char *ca_bundle;   /* PEM file of trusted CAs, or NULL: the system's */
	bool direct;             /* never through a proxy (link-local metadata) */
};

/* Why a request got no HTTP answer; decides whether to retry. */
enum aws_net_error {
	AWS_NET_NONE = 0,
	AWS_NET_CONNECT,     /* refused, unreachable, DNS failure */
	AWS_NET_TIMEOUT,     /* connect or total timeout */
	AWS_NET_RESET,       /* connection dropped mid-exchange, empty reply */
	AWS_NET_TLS,         /* certificate or handshake failure: never retried */
	AWS_NET_OTHER        /* bad URL, too large a body, ... */
};

struct aws_net_failure {
	enum aws_net_error kind;
	char message[256]; /* curl's words, with the URL's host */
};

int aws_transport_new(struct aws_transport **out, const struct aws_transport_options *o);
void aws_transport_free(struct aws_transport *t);

/* Sends req to endpoint ("https://host[:port]", no trailing path needed) +
 * req->path + "?" + req->query. resp must be initialised; on return 0 it holds
 * the status (any, 4xx and 5xx included), headers and body. On failure to get
 * an answer returns BERTH_ENET and fills *fail. Thread-safe. */
int aws_transport_send(struct aws_transport *t, const char *endpoint,
		       const struct aws_http_request *req, struct aws_http_response *resp,
		       struct aws_net_failure *fail);

/* Whether a failure of this kind is worth another attempt. */
int aws_net_error_is_retryable(enum aws_net_error kind);

#endif
