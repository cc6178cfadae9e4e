/* Redaction of secrets in logged headers and bodies; see redact.h. */
#include "util/common.h"
#include "aws/redact.h"

#include <ctype.h>
#include <strings.h>

#include "aws/model.h"
#include "aws/service.h"
#include "util/log.h"
#include "util/strvec.h"

int aws_header_is_secret(const char *name)
{
	return !strcasecmp(name, "authorization") || !strcasecmp(name, "x-amz-security-token") ||
	       !strcasecmp(name, "x-aws-ec2-metadata-token") ||
	       !strcasecmp(name, "x-amz-session-token");
}

void aws_redact_headers(struct buf *out, const struct aws_headers *h)
{
	for (size_t i = 0; i < h->n; i++)
		buf_addf(out, "%s: %s\n", h->items[i].name,
			 aws_header_is_secret(h->items[i].name) ? AWS_REDACTED : h->items[i].value);
}

/* Member names whose values are secret, matched case-insensitively as whole
 * words ("Token" but not "NextToken"). */
static const char *const secret_names[] = {
	"SecretAccessKey", "SessionToken", "Token", "WebIdentityToken",
	"aws_secret_access_key", "aws_session_token", "X-Amz-Security-Token",
	"X-Amz-Signature", "Password",
};

static int is_word(int c)
{
	return isalnum(c) || c == '_' || c == '-';
}

/* If a secret member's name starts at body[i], the offset where its value
 * starts and the byte that ends it; 0 otherwise. */
static size_t secret_value_at(const char *b, size_t len, size_t i, char *stop,
			      const struct strvec *extra)
{
	if (i > 0 && is_word((unsigned char)b[i - 1]))
		return 0;
	for (size_t k = 0; k < ARRAY_SIZE(secret_names) + extra->n; k++) {
		const char *name = k < ARRAY_SIZE(secret_names) ? secret_names[k]
							       : extra->v[k - ARRAY_SIZE(secret_names)];
		size_t n = strlen(name);
		if (i + n >= len || strncasecmp(b + i, name, n) ||
		    is_word((unsigned char)b[i + n]))
			continue;
		size_t j = i + n;
		if (b[j] == '"') { /* JSON: "Name" : "value" */
			j++;
			while (j < len && isspace((unsigned char)b[j]))
				j++;
			if (j >= len || b[j] != ':')
				continue;
			j++;
			while (j < len && isspace((unsigned char)b[j]))
				j++;
			if (j >= len || b[j] != '"')
				continue;
			*stop = '"';
			return j + 1;
		}
		if (b[j] == '>' && i > 0 && b[i - 1] == '<') { /* XML */
			*stop = '<';
			return j + 1;
		}
		if (b[j] == '=') { /* form or query */
			*stop = '&';
			return j + 1;
		}
	}
	return 0;
}

/* Adds the wire names of every member of `shape` (recursively) whose shape
 * the model marks sensitive: API keys, passwords, tokens that no fixed list
 * of names can anticipate (Grafana's CreateWorkspaceApiKey answers `key`). */
static void collect_sensitive(const struct aws_shape *shape, struct strvec *out,
			      const struct aws_shape **seen, size_t *nseen, size_t max_seen)
{
	if (!shape || *nseen >= max_seen)
		return;
	for (size_t i = 0; i < *nseen; i++)
		if (seen[i] == shape)
			return; /* recursive shapes */
	seen[(*nseen)++] = shape;
	for (size_t i = 0; i < shape->nmembers; i++) {
		const struct aws_member *m = &shape->members[i];
		if (m->shape && (m->shape->flags & AWS_S_SENSITIVE)) {
			const char *names[] = { m->name, m->location_name, m->query_name };
			for (size_t k = 0; k < ARRAY_SIZE(names); k++)
				if (names[k] && strvec_find(out, names[k]) < 0)
					strvec_push(out, names[k]);
		} else {
			collect_sensitive(m->shape, out, seen, nseen, max_seen);
		}
	}
}

void aws_sensitive_names(const char *service, const char *operation, struct strvec *out)
{
	const struct aws_service *svc = aws_service_find(service);
	const struct aws_op *op = svc ? aws_service_op(svc, operation) : NULL;
	const struct aws_shape *seen[256];
	size_t nseen = 0;
	if (!op)
		return;
	collect_sensitive(op->input, out, seen, &nseen, ARRAY_SIZE(seen));
	collect_sensitive(op->output, out, seen, &nseen, ARRAY_SIZE(seen));
}

void aws_redact_body_names(struct buf *out, const char *body, size_t len,
			   const struct strvec *extra)
{
	size_t i = 0;
	while (i < len) {
		char stop = 0;
		size_t v = secret_value_at(body, len, i, &stop, extra);
		if (!v) {
			buf_addch(out, body[i++]);
			continue;
		}
		buf_add(out, body + i, v - i);
		buf_adds(out, AWS_REDACTED);
		i = v;
		while (i < len && body[i] != stop) {
			if (stop == '"' && body[i] == '\\' && i + 1 < len)
				i++;
			i++;
		}
	}
}

void aws_redact_body(struct buf *out, const char *body, size_t len)
{
	struct strvec none = STRVEC_INIT;
	aws_redact_body_names(out, body, len, &none);
}

void aws_debug_request(const char *service, const char *op, const char *endpoint,
		       const struct aws_http_request *req)
{
	struct buf b = BUF_INIT;
	struct strvec names = STRVEC_INIT;
	if (!log_enabled(LOG_DEBUG))
		return;
	aws_sensitive_names(service, op, &names);
	buf_addf(&b, "%s %s request: %s %s%s", service, op, req->method, endpoint, req->path.ptr);
	if (req->query.len) {
		buf_addch(&b, '?');
		aws_redact_body_names(&b, req->query.ptr, req->query.len, &names);
	}
	buf_addch(&b, '\n');
	aws_redact_headers(&b, &req->headers);
	aws_redact_body_names(&b, req->body.ptr, req->body.len, &names);
	log_debug("%s", b.ptr);
	strvec_clear(&names);
	buf_release(&b);
}

void aws_debug_response(const char *service, const char *op,
			const struct aws_http_response *resp)
{
	struct buf b = BUF_INIT;
	struct strvec names = STRVEC_INIT;
	if (!log_enabled(LOG_DEBUG))
		return;
	aws_sensitive_names(service, op, &names);
	buf_addf(&b, "%s %s response: HTTP %ld\n", service, op, resp->status);
	aws_redact_headers(&b, &resp->headers);
	aws_redact_body_names(&b, resp->body.ptr, resp->body.len, &names);
	log_debug("%s", b.ptr);
	strvec_clear(&names);
	buf_release(&b);
}
