/* Lookups in the generated service, operation and paginator tables
 * (models_gen.c); see service.h and paginator.h. */
#include "util/common.h"
#include "aws/model.h"
#include "aws/paginator.h"
#include "aws/service.h"

const struct aws_service *aws_service_find(const char *name)
{
	size_t lo = 0, hi = aws_nservices;
	if (!name)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, aws_services[mid].name);
		if (!c)
			return &aws_services[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	/* botocore calls Amazon Managed Prometheus "amp" but its endpoint and
	 * signing name, and the CloudFormation type, say "aps": accept both. */
	for (size_t i = 0; i < aws_nservices; i++)
		if (!strcmp(name, aws_services[i].endpoint_prefix) &&
		    strcmp(aws_services[i].endpoint_prefix, aws_services[i].name))
			return &aws_services[i];
	return NULL;
}

const struct aws_op *aws_service_op(const struct aws_service *svc, const char *operation)
{
	size_t lo = 0, hi;
	if (!svc || !operation)
		return NULL;
	hi = svc->nops;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(operation, svc->ops[mid]->name);
		if (!c)
			return svc->ops[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct aws_paginator *aws_paginator_find(const struct aws_service *svc,
					       const char *operation)
{
	size_t lo = 0, hi;
	if (!svc || !operation)
		return NULL;
	hi = svc->npaginators;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(operation, svc->paginators[mid].operation);
		if (!c)
			return &svc->paginators[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct aws_member *aws_shape_member(const struct aws_shape *s, const char *name)
{
	if (!s || s->type != AWS_T_STRUCTURE)
		return NULL;
	for (size_t i = 0; i < s->nmembers; i++)
		if (!strcmp(s->members[i].name, name))
			return &s->members[i];
	return NULL;
}
