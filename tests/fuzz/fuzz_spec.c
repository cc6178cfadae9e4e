/* libFuzzer target for the spec front end: the YAML loader (node tree,
 * duplicate/alias/tag/tab checks, positions) and the `${...}` parser, plus
 * the offset -> line/column mapping for every expression found.
 *
 * Build and run (clang):
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DBERTH_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_spec
 *   mkdir -p /tmp/fuzz-spec && build-fuzz/fuzz_spec /tmp/fuzz-spec tests/fuzz/corpus/spec
 * ctest runs it for 20 seconds (fuzz.spec); for a longer run add
 * -max_total_time=3600 (or nothing: until a crash) and -jobs=N -workers=N.
 * New interesting inputs go to the first folder; add the good ones to
 * tests/fuzz/corpus/spec/ as seeds. The full spec_load() is not fuzzed here
 * because it follows module paths and file() into the file system. */
#include "util/common.h"
#include "spec/expr.h"
#include "spec/node.h"

#include <jansson.h>

#include "amplify.h"

static void walk(const struct node *n, int depth)
{
	if (!n || depth > 200)
		return;
	if (n->kind == NODE_SCALAR) {
		struct tmpl *t = NULL;
		size_t off = 0;
		char *msg = NULL;
		int line = n->line, col = n->col;
		if (tmpl_parse(n->str, n->len, &t, &off, &msg) == 0) {
			for (size_t i = 0; i < t->n; i++) {
				node_offset_pos(n, t->parts[i].off, &line, &col);
				if (t->parts[i].e) {
					char *s = expr_to_string(t->parts[i].e);
					free(s);
				}
			}
			tmpl_free(t);
		} else {
			node_offset_pos(n, off, &line, &col);
			free(msg);
		}
		if (line < 1 || col < 1)
			abort();
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		if (n->kind == NODE_MAP)
			walk(n->keys[i], depth + 1);
		walk(n->vals[i], depth + 1);
	}
}

static int one_input(const uint8_t *data, size_t size);

/* Deep and long inputs come from small ones (amplify.h). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	char *text = fuzz_amplify(data, size, &len);
	int rc = one_input((const uint8_t *)text, len);
	free(text);
	return rc;
}

static int one_input(const uint8_t *data, size_t size)
{
	struct spec_doc *doc = NULL;
	struct diags d = DIAGS_INIT;
	/* Lenient: the tree also comes back after duplicate keys and aliases,
	 * so their repair is fuzzed too. */
	if (spec_doc_parse_lenient("fuzz.yaml", (const char *)data, size, &doc, &d) == 0) {
		walk(doc->root, 0);
		spec_doc_free(doc);
	}
	for (size_t i = 0; i < d.n; i++)
		if (d.items[i].line < 1 || d.items[i].col < 1)
			abort(); /* every loader error has a position */
	diags_release(&d);
	/* The same bytes as one expression string. */
	struct tmpl *t = NULL;
	size_t off;
	char *msg = NULL;
	if (tmpl_parse((const char *)data, size, &t, &off, &msg) == 0)
		tmpl_free(t);
	else if (off > size)
		abort();
	free(msg);
	return 0;
}
