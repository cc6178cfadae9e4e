/* Turns a botocore-format service description (the mini-models of the AWS
 * protocol compliance suites: metadata, shapes, one operation) into berth's
 * model structures (src/aws/model.h) at test time, so the suites' cases run
 * through berth's own serialisers and parsers. Test code only: berth's real
 * models are generated into models_gen.c by tools/gen_aws_models.py, and
 * this loader follows the same rules. */
#ifndef BERTH_TESTS_MODEL_LOADER_H
#define BERTH_TESTS_MODEL_LOADER_H

#include <jansson.h>

#include "aws/model.h"
#include "aws/service.h"

struct loaded_model {
	struct aws_service svc; /* one service with the one operation */
	struct aws_op op;
	const struct aws_op *ops[1];
	void **allocs;          /* everything below is owned here */
	size_t nallocs, alloc;
};

/* Loads `given` (an operation description: name, http, input, output)
 * against `metadata` and `shapes` (borrowed). On success *out is a new
 * model (model_free it); on failure returns -1 and sets *err (static
 * text) to what is missing or unknown. */
int model_load(json_t *metadata, json_t *shapes, json_t *given, struct loaded_model **out,
	       const char **err);
void model_free(struct loaded_model *m);

#endif
