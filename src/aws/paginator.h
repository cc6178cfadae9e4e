/* Pagination facts from botocore's paginators-1.json for berth's operations
 * (generated into models_gen.c). The pagination helper repeats a call, copying
 * each output_token[i] of an answer into the next request's input_token[i],
 * until the output tokens are absent or empty (or more_results is false), and
 * concatenates the lists named by result_key. */
#ifndef BERTH_AWS_PAGINATOR_H
#define BERTH_AWS_PAGINATOR_H

#include <stddef.h>

#include "aws/service.h"

struct aws_paginator {
	const char *operation;
	const char *const *input_token;  /* request members, e.g. "NextToken" */
	size_t ninput;
	/* Answer members parallel to input_token. botocore allows JMESPath
	 * here, but for berth's operations every token and result key is a
	 * plain top-level member name (test_proto checks this). */
	const char *const *output_token;
	size_t noutput;
	const char *const *result_key;   /* lists to concatenate, e.g. "Vpcs" */
	size_t nresult;
	const char *limit_key;           /* page size member ("MaxResults"), or NULL */
	const char *more_results;        /* boolean answer member ("IsTruncated"), or NULL */
};

/* The paginator of svc's operation, or NULL when it does not paginate. */
const struct aws_paginator *aws_paginator_find(const struct aws_service *svc,
					       const char *operation);

#endif
