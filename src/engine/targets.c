/* --target and --exclude: which planned changes apply leaves out (a
 * target brings its dependencies, an exclusion what depends on it). */
#include "util/common.h"
#include "engine/plan_int.h"

#include "util/buf.h"
#include "util/suggest.h"

static bool address_matches(const char *address, const char *want)
{
	size_t n = strlen(want);
	return !strcmp(address, want) ||
	       (!strncmp(address, want, n) && (address[n] == '[' || address[n] == '.'));
}

/* The transitive closure over graph edges, forwards (dependencies) or
 * backwards (dependents), from the marked nodes. */
static void closure(const struct dag *g, bool *mark, bool forwards)
{
	bool grew = true;
	while (grew) {
		grew = false;
		for (size_t i = 0; i < g->nedges; i++) {
			size_t a = forwards ? g->edges[i].from : g->edges[i].to;
			size_t b = forwards ? g->edges[i].to : g->edges[i].from;
			if (mark[a] && !mark[b])
				mark[b] = grew = true;
		}
	}
}

int engine_plan_targets(struct engine *e, struct plan *p, struct diags *d)
{
	const struct spec *s = e->spec;
	if (!e->o.ntargets && !e->o.nexcludes)
		return 0;
	size_t nn = s->graph.nnodes;
	bool *tmark = xcalloc(nn + 1, 1), *xmark = xcalloc(nn + 1, 1);
	int err = 0;
	for (int pass = 0; pass < 2; pass++) {
		const char *const *list = pass ? e->o.excludes : e->o.targets;
		size_t nl = pass ? e->o.nexcludes : e->o.ntargets;
		bool *mark = pass ? xmark : tmark;
		for (size_t i = 0; i < nl; i++) {
			bool hit = false;
			for (size_t r = 0; r < s->nresources; r++)
				if (address_matches(s->resources[r].address, list[i])) {
					mark[s->resources[r].graph_node] = true;
					hit = true;
				}
			for (size_t c = 0; c < p->n; c++)
				if (p->v[c].spec_index < 0 && address_matches(p->v[c].address, list[i]))
					hit = true;
			if (!hit) {
				const char **names = xcalloc(s->nresources + 1, sizeof(char *));
				for (size_t r = 0; r < s->nresources; r++)
					names[r] = s->resources[r].address;
				const char *near = suggest_nearest(list[i], names, s->nresources);
				diags_add(d, DIAG_ERROR, "--%s %s: no such resource%s%s%s",
					  pass ? "exclude" : "target", list[i], near ? "; did you mean '" : "",
					  near ? near : "", near ? "'?" : "");
				free(names);
				err = BERTH_EINVAL;
			}
		}
	}
	if (err)
		goto cleanup;
	for (int pass = 0; pass < 2; pass++) {
		bool *mark = pass ? xmark : tmark;
		if (pass ? !e->o.nexcludes : !e->o.ntargets)
			continue;
		bool *before = xmalloc(nn + 1);
		memcpy(before, mark, nn);
		closure(&s->graph, mark, !pass);
		struct buf b = BUF_INIT;
		for (size_t i = 0; i < nn; i++)
			if (mark[i] && !before[i] && e->node_res[i] >= 0)
				buf_addf(&b, "%s%s", b.len ? ", " : "", s->graph.nodes[i].label);
		if (b.len)
			strvec_pushf(&p->notes, pass ? "--exclude: also excluding what depends on it: %s"
						     : "--target: also planning its dependencies: %s",
				     b.ptr);
		buf_release(&b);
		free(before);
	}
	for (size_t c = 0; c < p->n; c++) {
		struct plan_change *ch = &p->v[c];
		bool in_t, in_x;
		if (ch->spec_index >= 0) {
			size_t node = s->resources[ch->spec_index].graph_node;
			in_t = tmark[node];
			in_x = xmark[node];
		} else {
			in_t = in_x = false;
			for (size_t i = 0; i < e->o.ntargets; i++)
				in_t |= address_matches(ch->address, e->o.targets[i]);
			for (size_t i = 0; i < e->o.nexcludes; i++)
				in_x |= address_matches(ch->address, e->o.excludes[i]);
		}
		if ((e->o.ntargets && !in_t) || in_x)
			ch->excluded = true;
	}
cleanup:
	free(tmark);
	free(xmark);
	return err;
}
