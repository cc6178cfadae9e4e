/* Header lists and request/response values; see http.h. */
#include "util/common.h"
#include "aws/http.h"

#include <strings.h>

void aws_headers_set(struct aws_headers *h, const char *name, const char *value)
{
	for (size_t i = 0; i < h->n; i++) {
		if (!strcasecmp(h->items[i].name, name)) {
			free(h->items[i].value);
			h->items[i].value = xstrdup(value);
			return;
		}
	}
	ALLOC_GROW(h->items, h->n + 1, h->alloc);
	h->items[h->n].name = xstrdup(name);
	h->items[h->n].value = xstrdup(value);
	h->n++;
}

const char *aws_headers_get(const struct aws_headers *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (!strcasecmp(h->items[i].name, name))
			return h->items[i].value;
	return NULL;
}

void aws_headers_release(struct aws_headers *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->items[i].name);
		free(h->items[i].value);
	}
	free(h->items);
	h->items = NULL;
	h->n = h->alloc = 0;
}

void aws_http_request_init(struct aws_http_request *r, const char *method)
{
	memset(r, 0, sizeof(*r));
	r->method = xstrdup(method);
	buf_init(&r->path, 0);
	buf_init(&r->query, 0);
	buf_init(&r->body, 0);
	buf_adds(&r->path, "/");
}

void aws_http_request_release(struct aws_http_request *r)
{
	free(r->method);
	r->method = NULL;
	buf_release(&r->path);
	buf_release(&r->query);
	buf_release(&r->body);
	aws_headers_release(&r->headers);
}

void aws_http_response_init(struct aws_http_response *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body, 0);
}

void aws_http_response_release(struct aws_http_response *r)
{
	buf_release(&r->body);
	aws_headers_release(&r->headers);
	r->status = 0;
}
