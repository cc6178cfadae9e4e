/* libFuzzer target for the whole of spec_load(): checks, variables,
 * expansion, the evaluator, schema checks and the graph, on a spec given as
 * text. Inputs that could reach the file system (module sources, file(),
 * template(), fetch(), var files) are skipped: a fuzzer must not read
 * /dev/zero or the fuzzing machine's files. Run like fuzz_spec.c says, with
 * this binary and tests/fuzz/corpus/spec_load. */
#include "util/common.h"
#include "spec/spec.h"

#include "amplify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const skip[] = { "source", "file", "fetch", "template" };
	/* Deep and long inputs come from small ones (amplify.h). */
	size_t len;
	char *amplified = fuzz_amplify(data, size, &len);
	char *text = xstrndup(amplified, len);
	free(amplified);
	for (size_t i = 0; i < ARRAY_SIZE(skip); i++)
		if (strstr(text, skip[i])) {
			free(text);
			return 0;
		}
	struct spec_options opt = { 0 };
	struct spec *s = NULL;
	struct diags d = DIAGS_INIT;
	opt.path = "/nonexistent-berth-fuzz/berth.yaml";
	opt.text = text;
	opt.text_len = strlen(text);
	if (spec_load(&opt, &s, &d) == 0) {
		for (size_t i = 0; i < s->nresources; i++) {
			json_t *v = NULL;
			if (spec_eval_resource(s, i, NULL, &v, NULL, &d) == 0)
				json_decref(v);
		}
		char *dot = spec_graph_dot(s);
		free(dot);
		spec_free(s);
	}
	diags_release(&d);
	free(text);
	return 0;
}
