/* The evaluator: node + scope -> jansson value, resolving `${...}`
 * references lazily (a module input is evaluated in the caller's scope when
 * used, a module output in the module's), calling functions, and recording a
 * dependency edge for every resource, data entry and repo a value uses. */
#include "util/common.h"

#include <sys/stat.h>
#include "spec/internal.h"
#include "spec/func.h"
#include "spec/guard.h"
#include "schema/schema.h"
#include "schema/datasource.h"
#include "util/buf.h"
#include "util/suggest.h"

#include <math.h>
#include <stdarg.h>

#define SPEC_MAX_STRING (1 << 20)

const char *json_type_name(const json_t *v)
{
	if (!v)
		return "nothing";
	if (value_is_unknown(v))
		return "a value known after apply";
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "a map";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

static struct diag *verror_at_offset(struct diags *d, const struct node *n, size_t off,
				     const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;
	int line = n->line, col = n->col;
	buf_vaddf(&b, fmt, ap);
	if (n->kind == NODE_SCALAR)
		node_offset_pos(n, off, &line, &col);
	struct diag *dg = diags_error_at(d, n->file, line, col, "%s", b.ptr);
	buf_release(&b);
	return dg;
}

struct diag *error_at_offset(struct diags *d, const struct node *n, size_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct diag *dg = verror_at_offset(d, n, off, fmt, ap);
	va_end(ap);
	return dg;
}

struct diag *error_at(struct diags *d, const struct node *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct diag *dg = verror_at_offset(d, n, 0, fmt, ap);
	va_end(ap);
	return dg;
}

void eval_ctx_init(struct eval_ctx *ctx, const struct spec *s, const struct spec_resolver *r,
		   struct diags *d)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->s = s;
	ctx->r = r;
	ctx->d = d;
	ctx->self_node = SIZE_MAX;
	ctx->nbusy = s->nresources + 1;
	ctx->busy = xcalloc(ctx->nbusy, 1);
	ctx->memo = json_object();
	ctx->read_texts = json_array();
}

void eval_ctx_forget(struct eval_ctx *ctx)
{
	json_object_clear(ctx->memo);
}

void eval_ctx_release(struct eval_ctx *ctx)
{
	free(ctx->busy);
	ctx->busy = NULL;
	json_decref(ctx->memo);
	ctx->memo = NULL;
	json_decref(ctx->read_texts);
	ctx->read_texts = NULL;
}

/* ---- references ---- */

/* A reference flattened: root name, then steps (.name or [expr]). */
struct step {
	const struct expr *e; /* the EX_ATTR or EX_INDEX node */
};

struct ref {
	const struct expr *root; /* EX_NAME */
	const struct expr *steps[EXPR_MAX_STEPS];
	size_t n;
	const struct expr *whole;
};

static bool flatten(const struct expr *e, struct ref *r)
{
	if (e->kind == EX_NAME) {
		r->root = e;
		r->n = 0;
		return true;
	}
	if (e->kind != EX_ATTR && e->kind != EX_INDEX)
		return false;
	if (!flatten(e->base, r) || r->n >= ARRAY_SIZE(r->steps))
		return false;
	r->steps[r->n++] = e;
	return true;
}

static const char *const root_names[] = { "var", "input", "module", "repo", "data", "stack",
					  "region", "account", "count", "each" };

static json_t *eval_expr(struct eval_ctx *ctx, const struct node *n, const struct expr *e,
			 const struct scope *sc);

static void add_edge(struct eval_ctx *ctx, size_t to, const struct node *n,
		     const struct expr *whole)
{
	if (!ctx->graph || ctx->self_node == SIZE_MAX)
		return;
	int line = n->line, col = n->col;
	char *txt = expr_to_string(whole);
	char *why = xasprintf("${%s}", txt);
	node_offset_pos(n, whole->off, &line, &col);
	/* The expression offset is of its first token; step back over "${" when
	 * the reference is the whole expression, so the position is the "${". */
	dag_add_edge(ctx->graph, ctx->self_node, to, n->file, line, col, why);
	free(txt);
	free(why);
}

/* Applies steps [from..r->n) to v (consumed); errors at the step. */
static json_t *apply_steps(struct eval_ctx *ctx, const struct node *n, const struct ref *r,
			   size_t from, json_t *v, const struct scope *sc)
{
	for (size_t i = from; i < r->n && !value_is_unknown(v); i++) {
		const struct expr *st = r->steps[i];
		json_t *next = NULL;
		if (st->kind == EX_ATTR) {
			if (!json_is_object(v)) {
				error_at_offset(ctx->d, n, st->off, "cannot read '.%s' of %s", st->name,
						json_type_name(v));
			} else if (!(next = json_object_get(v, st->name))) {
				error_at_offset(ctx->d, n, st->off, "no key '%s' in this map", st->name);
			} else {
				json_incref(next);
			}
		} else if (!st->index) {
			error_at_offset(ctx->d, n, st->off,
					"[*] selects every instance of a resource with count or for_each; "
					"it cannot follow a value");
		} else {
			json_t *ix = eval_expr(ctx, n, st->index, sc);
			if (value_is_unknown(ix)) {
				next = value_unknown();
			} else if (json_is_array(v) && json_is_integer(ix)) {
				json_int_t k = json_integer_value(ix);
				if (k < 0 || (size_t)k >= json_array_size(v))
					error_at_offset(ctx->d, n, st->index->off,
							"index %lld is out of range (the list has %zu items)",
							(long long)k, json_array_size(v));
				else
					next = json_incref(json_array_get(v, (size_t)k));
			} else if (json_is_object(v) && json_is_string(ix)) {
				next = json_object_get(v, json_string_value(ix));
				if (!next) {
					char *shown = spec_shown_value(json_string_value(ix), ctx->read_texts);
					error_at_offset(ctx->d, n, st->index->off, "no key %s in this map", shown);
					free(shown);
				} else {
					json_incref(next);
				}
			} else {
				error_at_offset(ctx->d, n, st->index->off, "cannot index %s with %s",
						json_type_name(v), json_type_name(ix));
			}
			json_decref(ix);
		}
		json_decref(v);
		v = next ? next : value_unknown();
	}
	return v;
}

static const char *step_name(const struct ref *r, size_t i)
{
	return i < r->n && r->steps[i]->kind == EX_ATTR ? r->steps[i]->name : NULL;
}

static json_t *ref_var(struct eval_ctx *ctx, const struct node *n, const struct ref *r,
		       const struct scope *sc)
{
	const struct spec *s = ctx->s;
	const char *name = step_name(r, 0);
	size_t i;
	if (!name) {
		error_at_offset(ctx->d, n, r->root->off, "expected var.NAME");
		return value_unknown();
	}
	if (!strmap_get(&s->priv->var_by_name, name, &i)) {
		const char **names = xmalloc((s->nvars + 1) * sizeof(char *));
		for (size_t k = 0; k < s->nvars; k++)
			names[k] = s->vars[k].name;
		const char *near = suggest_nearest(name, names, s->nvars);
		if (near)
			error_at_offset(ctx->d, n, r->root->off,
					"unknown variable '%s'; did you mean '%s'?", name, near);
		else
			error_at_offset(ctx->d, n, r->root->off,
					"unknown variable '%s'; declare it under 'variables:'", name);
		free(names);
		return value_unknown();
	}
	if (s->vars[i].sensitive)
		ctx->sensitive = true;
	json_t *v = s->vars[i].value ? json_incref(s->vars[i].value) : value_unknown();
	return apply_steps(ctx, n, r, 1, v, sc);
}

static json_t *ref_input(struct eval_ctx *ctx, const struct node *n, const struct ref *r,
			 const struct scope *sc)
{
	const struct spec *s = ctx->s;
	const struct spec_module *m = &s->modules[sc->module];
	const char *name = step_name(r, 0);
	if (!name) {
		error_at_offset(ctx->d, n, r->root->off, "expected input.NAME");
		return value_unknown();
	}
	if (sc->module == 0) {
		error_at_offset(ctx->d, n, r->root->off,
				"'input.%s' is only available inside a module; use 'var.%s' in the top spec",
				name, name);
		return value_unknown();
	}
	const struct node *decls = node_get(m->root, "inputs");
	const struct node *decl = node_get(decls, name);
	if (!decl) {
		const char **names = xmalloc((decls ? decls->n : 0) * sizeof(char *) + 1);
		size_t nn = 0;
		for (size_t k = 0; decls && decls->kind == NODE_MAP && k < decls->n; k++)
			names[nn++] = decls->keys[k]->str;
		const char *near = suggest_nearest(name, names, nn);
		if (near)
			error_at_offset(ctx->d, n, r->root->off, "unknown input '%s'; did you mean '%s'?",
					name, near);
		else
			error_at_offset(ctx->d, n, r->root->off,
					"unknown input '%s'; declare it under 'inputs:' in this module", name);
		free(names);
		return value_unknown();
	}
	const struct node *given = node_get(node_get(m->call, "inputs"), name);
	json_t *v;
	if (given) {
		const struct mod_priv *pp = &s->priv->mods[sc->module];
		struct scope caller = { m->parent, pp->repl, m->key, m->each_value };
		if (++ctx->depth > 64) {
			v = value_unknown();
		} else {
			v = eval_node(ctx, given, &caller);
		}
		ctx->depth--;
	} else {
		const struct node *def = node_get(decl, "default");
		v = def ? eval_node(ctx, def, sc) : value_unknown();
	}
	if (node_get(decl, "sensitive") && node_get(decl, "sensitive")->stype == ST_BOOL &&
	    !strcmp(node_get(decl, "sensitive")->str, "true"))
		ctx->sensitive = true;
	return apply_steps(ctx, n, r, 1, v, sc);
}

/* Which instance an index selects; SIZE_MAX with an error or for unknown
 * (*unknown set). */
static size_t pick_instance(struct eval_ctx *ctx, const struct node *n, const struct expr *ixe,
			    enum repl_kind repl, size_t count, const struct strmap *by_key,
			    const char *what, const struct scope *sc, bool *unknown)
{
	json_t *ix = eval_expr(ctx, n, ixe, sc);
	size_t out = SIZE_MAX;
	*unknown = false;
	if (value_is_unknown(ix)) {
		*unknown = true;
	} else if (repl == REPL_COUNT) {
		if (!json_is_integer(ix))
			error_at_offset(ctx->d, n, ixe->off, "'%s' has count; index it with a number, not %s",
					what, json_type_name(ix));
		else if (json_integer_value(ix) < 0 || (size_t)json_integer_value(ix) >= count)
			error_at_offset(ctx->d, n, ixe->off,
					"index %lld is out of range: '%s' has count %zu",
					(long long)json_integer_value(ix), what, count);
		else
			out = (size_t)json_integer_value(ix);
	} else {
		size_t k;
		if (!json_is_string(ix))
			error_at_offset(ctx->d, n, ixe->off,
					"'%s' has for_each; index it with a key string, not %s", what,
					json_type_name(ix));
		else if (!strmap_get(by_key, json_string_value(ix), &k))
			error_at_offset(ctx->d, n, ixe->off, "'%s' has no instance with key \"%s\"",
					what, json_string_value(ix));
		else
			out = k;
	}
	json_decref(ix);
	return out;
}

static json_t *ref_module(struct eval_ctx *ctx, const struct node *n, const struct ref *r,
			  const struct scope *sc)
{
	const struct spec *s = ctx->s;
	const struct mod_priv *mp = &s->priv->mods[sc->module];
	const char *name = step_name(r, 0);
	size_t di, si = 1;
	if (!name) {
		error_at_offset(ctx->d, n, r->root->off, "expected module.NAME.OUTPUT");
		return value_unknown();
	}
	if (!strmap_get(&mp->mod_by_name, name, &di)) {
		const char **names = xmalloc((mp->nmods + 1) * sizeof(char *));
		for (size_t k = 0; k < mp->nmods; k++)
			names[k] = mp->mods[k].name;
		const char *near = suggest_nearest(name, names, mp->nmods);
		if (near)
			error_at_offset(ctx->d, n, r->root->off, "unknown module '%s'; did you mean '%s'?",
					name, near);
		else
			error_at_offset(ctx->d, n, r->root->off,
					"unknown module '%s'; declare it under 'modules:'", name);
		free(names);
		return value_unknown();
	}
	const struct mod_decl *md = &mp->mods[di];
	if (!md->expanded || !md->file_root)
		return value_unknown();
	size_t inst = SIZE_MAX;
	bool unknown = false;
	if (md->repl != REPL_NONE) {
		if (si >= r->n || r->steps[si]->kind != EX_INDEX) {
			error_at_offset(ctx->d, n, r->root->off,
					"module '%s' has %s; refer to one instance as module.%s[%s]", name,
					md->repl == REPL_COUNT ? "count" : "for_each", name,
					md->repl == REPL_COUNT ? "INDEX" : "KEY");
			return value_unknown();
		}
		if (!r->steps[si]->index) {
			error_at_offset(ctx->d, n, r->steps[si]->off,
					"module.%s[*] is not supported: refer to one instance", name);
			return value_unknown();
		}
		size_t k = pick_instance(ctx, n, r->steps[si]->index, md->repl, md->n, &md->by_key,
					 name, sc, &unknown);
		si++;
		if (k == SIZE_MAX && !unknown)
			return value_unknown(); /* reported */
		/* An index known only after apply: depend on every instance (below). */
		inst = k == SIZE_MAX ? SIZE_MAX : md->insts[k];
	} else {
		if (si < r->n && r->steps[si]->kind == EX_INDEX) {
			error_at_offset(ctx->d, n, r->steps[si]->off,
					"module '%s' has neither count nor for_each; it cannot be indexed",
					name);
			return value_unknown();
		}
		inst = md->insts[0];
	}
	const char *out = step_name(r, si);
	if (!out) {
		error_at_offset(ctx->d, n, r->root->off, "expected module.%s.OUTPUT", name);
		return value_unknown();
	}
	const struct node *outs = node_get(md->file_root, "outputs");
	const struct node *o = node_get(outs, out);
	if (!o) {
		const char **names = xmalloc(((outs && outs->kind == NODE_MAP) ? outs->n : 0) * sizeof(char *) + 1);
		size_t nn = 0;
		for (size_t k = 0; outs && outs->kind == NODE_MAP && k < outs->n; k++)
			names[nn++] = outs->keys[k]->str;
		const char *near = suggest_nearest(out, names, nn);
		if (near)
			error_at_offset(ctx->d, n, r->root->off,
					"module '%s' has no output '%s'; did you mean '%s'?", name, out, near);
		else
			error_at_offset(ctx->d, n, r->root->off, "module '%s' has no output '%s'", name,
					out);
		free(names);
		return value_unknown();
	}
	const struct node *val = node_get(o, "value");
	json_t *v;
	if (!val || ++ctx->depth > 64) {
		v = value_unknown();
	} else if (inst == SIZE_MAX) {
		for (size_t k = 0; k < md->n; k++) {
			struct scope each_inst = { md->insts[k], REPL_NONE, NULL, NULL };
			json_decref(eval_node(ctx, val, &each_inst));
		}
		v = value_unknown();
	} else {
		struct scope inner = { inst, REPL_NONE, NULL, NULL };
		v = eval_node(ctx, val, &inner);
	}
	if (val)
		ctx->depth--;
	return apply_steps(ctx, n, r, si + 1, v, sc);
}

static json_t *ref_repo(struct eval_ctx *ctx, const struct node *n, const struct ref *r,
			const struct scope *sc)
{
	const struct spec *s = ctx->s;
	const char *name = step_name(r, 0), *attr = step_name(r, 1);
	size_t i;
	if (!name || !attr) {
		error_at_offset(ctx->d, n, r->root->off, "expected repo.NAME.path (or .url, .ref)");
		return value_unknown();
	}
	if (!strmap_get(&s->priv->repo_by_name, name, &i)) {
		const char **names = xmalloc((s->nrepos + 1) * sizeof(char *));
		for (size_t k = 0; k < s->nrepos; k++)
			names[k] = s->repos[k].name;
		const char *near = suggest_nearest(name, names, s->nrepos);
		if (near)
			error_at_offset(ctx->d, n, r->root->off, "unknown repo '%s'; did you mean '%s'?",
					name, near);
		else
			error_at_offset(ctx->d, n, r->root->off, "unknown repo '%s'; declare it under 'repos:'",
					name);
		free(names);
		return value_unknown();
	}
	const struct spec_repo *rp = &s->repos[i];
	add_edge(ctx, rp->graph_node, n, r->whole);
	json_t *v;
	struct stat st;
	if (!strcmp(attr, "path"))
		/* Until apply clones the repository its folder does not exist, and
		 * file()/template() on paths in it would fail: the path is a value
		 * known after apply. The repo node runs before every resource that
		 * references it, so apply's just-in-time evaluation sees it. */
		v = stat(rp->path, &st) == 0 && S_ISDIR(st.st_mode) ? json_string(rp->path)
								    : value_unknown();
	else if (!strcmp(attr, "url"))
		v = json_string(rp->url);
	else if (!strcmp(attr, "ref"))
		v = rp->ref ? json_string(rp->ref) : json_null();
	else {
		error_at_offset(ctx->d, n, r->steps[1]->off,
				"a repo has 'path', 'url' and 'ref', not '%s'", attr);
		return value_unknown();
	}
	return apply_steps(ctx, n, r, 2, v, sc);
}

static json_t *ref_data(struct eval_ctx *ctx, const struct node *n, const struct ref *r,
			const struct scope *sc)
{
	const struct spec *s = ctx->s;
	const struct mod_priv *mp = &s->priv->mods[sc->module];
	const char *name = step_name(r, 0), *attr = step_name(r, 1);
	size_t i;
	if (!name || !attr) {
		error_at_offset(ctx->d, n, r->root->off, "expected data.NAME.ATTRIBUTE");
		return value_unknown();
	}
	if (!strmap_get(&mp->data_by_id, name, &i)) {
		error_at_offset(ctx->d, n, r->root->off, "unknown data entry '%s'%s", name,
				"; declare it under 'data:'");
		return value_unknown();
	}
	const struct spec_data *dt = &s->data[i];
	const struct data_kind *k = data_kind_find(dt->kind);
	bool ok = false;
	for (size_t a = 0; k && k->attrs[a]; a++)
		ok |= !strcmp(k->attrs[a], attr);
	if (k && !ok) {
		size_t na = 0;
		while (k->attrs[na])
			na++;
		const char *near = suggest_nearest(attr, (const char *const *)k->attrs, na);
		if (near)
			error_at_offset(ctx->d, n, r->steps[1]->off,
					"data source '%s' has no attribute '%s'; did you mean '%s'?",
					dt->kind, attr, near);
		else
			error_at_offset(ctx->d, n, r->steps[1]->off,
					"data source '%s' has no attribute '%s'", dt->kind, attr);
		return value_unknown();
	}
	add_edge(ctx, dt->graph_node, n, r->whole);
	json_t *v = NULL, *secret = NULL;
	if (!ctx->r || ctx->r->attr(ctx->r->ctx, dt->address, attr, &v))
		v = value_unknown();
	/* What the reading marked secret (an SSM SecureString's value) makes
	 * the resource or output using it sensitive. */
	if (ctx->r && !ctx->r->attr(ctx->r->ctx, dt->address, DATA_SENSITIVE_KEY, &secret)) {
		size_t si;
		json_t *sv;
		json_array_foreach(secret, si, sv)
			if (json_is_string(sv) && !strcmp(json_string_value(sv), attr))
				ctx->sensitive = true;
		json_decref(secret);
	}
	return apply_steps(ctx, n, r, 2, v, sc);
}

static void suggest_root(struct eval_ctx *ctx, const struct node *n, const struct ref *r,
			 const struct mod_priv *mp)
{
	const char *name = r->root->name;
	const char **names = xmalloc((mp->nres + ARRAY_SIZE(root_names) + 1) * sizeof(char *));
	size_t nn = 0;
	for (size_t k = 0; k < mp->nres; k++)
		names[nn++] = mp->res[k].id;
	for (size_t k = 0; k < ARRAY_SIZE(root_names); k++)
		names[nn++] = root_names[k];
	const char *near = suggest_nearest(name, names, nn);
	if (near)
		error_at_offset(ctx->d, n, r->root->off, "unknown reference '%s'; did you mean '%s'?",
				name, near);
	else
		error_at_offset(ctx->d, n, r->root->off,
				"unknown reference '%s': no resource, variable or module has that name",
				name);
	free(names);
}

static json_t *ref_instance(struct eval_ctx *ctx, const struct node *n, const struct ref *r,
			    const struct res_decl *rd, size_t inst, size_t si,
			    const struct scope *sc);

/* Names a resource can be referred to by: read-only attributes, the primary
 * identifier, and the properties the spec sets. */
static json_t *ref_resource(struct eval_ctx *ctx, const struct node *n, const struct ref *r,
			    const struct scope *sc)
{
	const struct spec *s = ctx->s;
	const struct mod_priv *mp = &s->priv->mods[sc->module];
	size_t di, si = 0, inst;
	if (!strmap_get(&mp->res_by_id, r->root->name, &di)) {
		suggest_root(ctx, n, r, mp);
		return value_unknown();
	}
	const struct res_decl *rd = &mp->res[di];
	if (rd->repl != REPL_NONE) {
		if (r->n == 0 || r->steps[0]->kind != EX_INDEX) {
			error_at_offset(ctx->d, n, r->root->off,
					"'%s' has %s; refer to one instance as %s[%s]", rd->id,
					rd->repl == REPL_COUNT ? "count" : "for_each", rd->id,
					rd->repl == REPL_COUNT ? "INDEX" : "KEY");
			return value_unknown();
		}
		if (!rd->expanded)
			return value_unknown();
		if (!r->steps[0]->index) {
			/* ID[*].ATTR: the list of every instance's ATTR, in
			 * instance order (count index, for_each key order). */
			json_t *list = json_array();
			for (size_t j = 0; j < rd->n; j++)
				json_array_append_new(list, ref_instance(ctx, n, r, rd, rd->first + j, 1, sc));
			return list;
		}
		bool unknown;
		size_t k = pick_instance(ctx, n, r->steps[0]->index, rd->repl, rd->n, &rd->by_key,
					 rd->id, sc, &unknown);
		if (k == SIZE_MAX) {
			if (unknown)
				for (size_t j = 0; j < rd->n; j++)
					add_edge(ctx, s->resources[rd->first + j].graph_node, n, r->whole);
			return value_unknown();
		}
		inst = rd->first + k;
		si = 1;
	} else {
		if (r->n && r->steps[0]->kind == EX_INDEX) {
			error_at_offset(ctx->d, n, r->steps[0]->off,
					"'%s' has neither count nor for_each; it cannot be indexed", rd->id);
			return value_unknown();
		}
		if (!rd->expanded)
			return value_unknown();
		inst = rd->first;
	}
	return ref_instance(ctx, n, r, rd, inst, si, sc);
}

/* The value of one instance's reference: steps from si on (the attribute,
 * then anything applied to it). */
static json_t *ref_instance(struct eval_ctx *ctx, const struct node *n, const struct ref *r,
			    const struct res_decl *rd, size_t inst, size_t si,
			    const struct scope *sc)
{
	const struct spec *s = ctx->s;
	const struct spec_resource *res = &s->resources[inst];
	const char *attr = step_name(r, si);
	const struct schema_resource *sch = res->schema;
	const struct node *given = NULL;
	if (attr && si < r->n)
		given = node_get(res->props, attr);
	if (attr && sch) {
		const struct schema_prop *p = schema_shape_prop(sch->shape, attr);
		bool primary = false;
		for (size_t k = 0; k < sch->nprimary; k++)
			primary |= !strcmp(sch->primary_id[k], attr);
		if (!given && !primary && !(p && (p->flags & SP_READ_ONLY))) {
			/* Suggest among what can be referenced. */
			const char **names = xmalloc((sch->shape->nprops + 1) * sizeof(char *));
			size_t nn = 0;
			for (size_t k = 0; k < sch->shape->nprops; k++) {
				const struct schema_prop *q = &sch->shape->props[k];
				if ((q->flags & SP_READ_ONLY) || node_get(res->props, q->name))
					names[nn++] = q->name;
			}
			const char *near = suggest_nearest(attr, names, nn);
			size_t off = r->steps[si]->off;
			if (p)
				error_at_offset(ctx->d, n, off,
						"'%s' does not set '%s', and %s does not return it as an attribute",
						rd->id, attr, res->type);
			else if (near)
				error_at_offset(ctx->d, n, off,
						"%s has no attribute '%s'; did you mean '%s'?", res->type,
						attr, near);
			else
				error_at_offset(ctx->d, n, off, "%s has no attribute '%s'", res->type, attr);
			free(names);
			return value_unknown();
		}
	}
	add_edge(ctx, res->graph_node, n, r->whole);

	json_t *v = NULL;
	const char *want = attr ? attr : "";
	if (ctx->r && !ctx->r->attr(ctx->r->ctx, res->address, want, &v)) {
		/* the live value */
	} else if (given && (inst >= ctx->nbusy || !ctx->busy[inst]) && ctx->depth < 64) {
		/* A property the spec sets is known from the spec itself. It is
		 * evaluated in the other resource's scope, without recording edges
		 * (they are that resource's dependencies, not ours). */
		struct dag *g = ctx->graph;
		struct scope other = { res->module, REPL_NONE, res->key, res->each_value };
		other.repl = res->key ? (json_is_integer(res->key) ? REPL_COUNT : REPL_EACH) : REPL_NONE;
		ctx->graph = NULL;
		if (inst >= ctx->nbusy) {
			/* Resources were added since the context was made (expansion). */
			size_t nb = s->nresources + 1;
			ctx->busy = xrealloc(ctx->busy, nb);
			memset(ctx->busy + ctx->nbusy, 0, nb - ctx->nbusy);
			ctx->nbusy = nb;
		}
		char key[64];
		snprintf(key, sizeof(key), "%zu/%p", inst, (const void *)given);
		json_t *memo = json_object_get(ctx->memo, key);
		if (memo) {
			v = json_incref(json_array_get(memo, 0));
			ctx->sensitive |= json_is_true(json_array_get(memo, 1));
		} else {
			bool outer = ctx->sensitive;
			ctx->sensitive = false;
			ctx->busy[inst] = 1;
			ctx->depth++;
			v = eval_node(ctx, given, &other);
			ctx->depth--;
			ctx->busy[inst] = 0;
			json_object_set_new(ctx->memo, key,
					    json_pack("[O,b]", v, ctx->sensitive));
			ctx->sensitive |= outer;
		}
		ctx->graph = g;
	} else {
		v = value_unknown();
	}
	return apply_steps(ctx, n, r, attr ? si + 1 : si, v, sc);
}

static json_t *eval_ref(struct eval_ctx *ctx, const struct node *n, const struct expr *e,
			const struct scope *sc)
{
	const struct spec *s = ctx->s;
	struct ref r;
	if (!flatten(e, &r)) {
		/* An index or attribute on a call or literal: evaluate the base. */
		json_t *base = eval_expr(ctx, n, e->base, sc);
		struct ref one = { NULL, { e }, 1, e };
		return apply_steps(ctx, n, &one, 0, base, sc);
	}
	r.whole = e;
	const char *root = r.root->name;
	if (!strcmp(root, "var"))
		return ref_var(ctx, n, &r, sc);
	if (!strcmp(root, "input"))
		return ref_input(ctx, n, &r, sc);
	if (!strcmp(root, "module"))
		return ref_module(ctx, n, &r, sc);
	if (!strcmp(root, "repo"))
		return ref_repo(ctx, n, &r, sc);
	if (!strcmp(root, "data"))
		return ref_data(ctx, n, &r, sc);
	if (!strcmp(root, "stack"))
		return apply_steps(ctx, n, &r, 0, json_string(s->stack ? s->stack : ""), sc);
	if (!strcmp(root, "region"))
		return apply_steps(ctx, n, &r, 0, s->region ? json_string(s->region) : value_unknown(), sc);
	if (!strcmp(root, "account")) {
		json_t *v = NULL;
		if (!ctx->r || ctx->r->attr(ctx->r->ctx, "", "account", &v))
			v = value_unknown();
		return apply_steps(ctx, n, &r, 0, v, sc);
	}
	if (!strcmp(root, "count") || !strcmp(root, "each")) {
		bool is_count = root[0] == 'c';
		const char *attr = step_name(&r, 0);
		if ((is_count && sc->repl != REPL_COUNT) || (!is_count && sc->repl != REPL_EACH)) {
			error_at_offset(ctx->d, n, r.root->off,
					"'%s' is only available in a resource or module with %s", root,
					is_count ? "count" : "for_each");
			return value_unknown();
		}
		if (is_count && (!attr || strcmp(attr, "index"))) {
			error_at_offset(ctx->d, n, r.root->off, "expected count.index");
			return value_unknown();
		}
		if (!is_count && (!attr || (strcmp(attr, "key") && strcmp(attr, "value")))) {
			error_at_offset(ctx->d, n, r.root->off, "expected each.key or each.value");
			return value_unknown();
		}
		const json_t *v = (is_count || attr[0] == 'k') ? sc->key : sc->each_value;
		return apply_steps(ctx, n, &r, 1, v ? json_incref((json_t *)v) : value_unknown(), sc);
	}
	return ref_resource(ctx, n, &r, sc);
}

static json_t *eval_call(struct eval_ctx *ctx, const struct node *n, const struct expr *e,
			 const struct scope *sc)
{
	json_t *args = json_array();
	json_t *out = NULL;
	bool unknown = false;
	const struct spec *s = ctx->s;

	if (!spec_func_exists(e->name)) {
		const char *near = spec_func_suggest(e->name);
		if (near)
			error_at_offset(ctx->d, n, e->off, "unknown function '%s'; did you mean '%s'?",
					e->name, near);
		else
			error_at_offset(ctx->d, n, e->off,
					"unknown function '%s'; berth has file, template, cidrsubnet, json, join and fetch",
					e->name);
		json_decref(args);
		return value_unknown();
	}
	for (size_t i = 0; i < e->nargs; i++) {
		const char *an = e->arg_names ? e->arg_names[i] : NULL;
		if (an && !(strcmp(e->name, "fetch") == 0 && strcmp(an, "sha256") == 0 && i == 1)) {
			error_at_offset(ctx->d, n, e->args[i]->off,
					"%s() takes no argument named '%s'", e->name, an);
			unknown = true;
		}
		json_t *v = eval_expr(ctx, n, e->args[i], sc);
		unknown |= value_has_unknown(v);
		json_array_append_new(args, v);
	}
	if (unknown) {
		json_decref(args);
		return value_unknown();
	}
	const struct spec_module *m = &s->modules[sc->module];
	struct spec_func_ctx fctx = { .spec_dir = m->dir, .cache_dir = s->cache_dir,
				      .allow_network = s->priv->allow_network, .hidden = ctx->read_texts };
	struct diags fd = DIAGS_INIT;
	int rc = spec_func_call(&fctx, e->name, args, &out, &fd);
	json_decref(args);
	if (rc == BERTH_ENET && !s->priv->allow_network) {
		/* validate does not download: a fetch() not in the cache yet is a
		 * value known later, not a mistake in the spec. */
		diags_release(&fd);
		return value_unknown();
	}
	if (rc) {
		int line = n->line, col = n->col;
		node_offset_pos(n, e->off, &line, &col);
		for (size_t i = 0; i < fd.n; i++)
			if (!fd.items[i].file)
				diag_set_loc(&fd.items[i], n->file, line, col);
		if (!fd.n)
			diags_error_at(ctx->d, n->file, line, col, "%s() failed", e->name);
		diags_move(ctx->d, &fd);
		return value_unknown();
	}
	diags_release(&fd);
	/* What a function read from a file or the web is kept out of every
	 * message from here on (a spec could name any readable file). */
	if (json_is_string(out) && strcmp(e->name, "cidrsubnet") && strcmp(e->name, "join") &&
	    strcmp(e->name, "json")) {
		json_array_append(ctx->read_texts, out);
		/* Each read is capped; so is their sum, or 50,000 file() calls of
		 * a 16 MiB file would hold 800 GB. */
		ctx->read_bytes += json_string_length(out);
		if (ctx->read_bytes > SPEC_MAX_READ_TOTAL) {
			error_at_offset(ctx->d, n, e->off,
					"file(), template() and fetch() would read more than %u MiB in all",
					SPEC_MAX_READ_TOTAL >> 20);
			json_decref(out);
			return value_unknown();
		}
	}
	return out;
}

static json_t *eval_tmpl(struct eval_ctx *ctx, const struct node *n, const struct tmpl *t,
			 const struct scope *sc);

static json_t *eval_expr(struct eval_ctx *ctx, const struct node *n, const struct expr *e,
			 const struct scope *sc)
{
	switch (e->kind) {
	case EX_STRING: return json_string(e->name);
	case EX_TEMPLATE: return eval_tmpl(ctx, n, e->tmpl, sc);
	case EX_NUMBER:
		if (e->is_int && fabs(e->num) < 9e15)
			return json_integer((json_int_t)e->num);
		return json_real(e->num);
	case EX_BOOL: return json_boolean(e->b);
	case EX_NULL: return json_null();
	case EX_LIST: {
		json_t *a = json_array();
		for (size_t i = 0; i < e->nargs; i++)
			json_array_append_new(a, eval_expr(ctx, n, e->args[i], sc));
		return a;
	}
	case EX_MAP: {
		json_t *o = json_object();
		for (size_t i = 0; i < e->nargs; i++)
			json_object_set_new(o, e->arg_names[i], eval_expr(ctx, n, e->args[i], sc));
		return o;
	}
	case EX_CALL: return eval_call(ctx, n, e, sc);
	case EX_NAME:
	case EX_ATTR:
	case EX_INDEX: return eval_ref(ctx, n, e, sc);
	}
	return value_unknown();
}

static bool interpolate(struct buf *b, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING: buf_add(b, json_string_value(v), json_string_length(v)); return true;
	case JSON_INTEGER: buf_addf(b, "%lld", (long long)json_integer_value(v)); return true;
	case JSON_REAL: buf_addf(b, "%.17g", json_real_value(v)); return true;
	case JSON_TRUE: buf_adds(b, "true"); return true;
	case JSON_FALSE: buf_adds(b, "false"); return true;
	default: return false;
	}
}

/* A parsed template's value: a whole ${...} keeps its type, anything else
 * is a string. The top of a spec string and a string literal inside an
 * expression ("${repo.x.path}/f.yaml") are both evaluated here. */
static json_t *eval_tmpl(struct eval_ctx *ctx, const struct node *n, const struct tmpl *t,
			 const struct scope *sc)
{
	if (t->whole)
		return eval_expr(ctx, n, t->parts[0].e, sc);
	struct buf b = BUF_INIT;
	bool unknown = false;
	for (size_t i = 0; i < t->n; i++) {
		if (t->parts[i].text) {
			buf_adds(&b, t->parts[i].text);
			continue;
		}
		json_t *v = eval_expr(ctx, n, t->parts[i].e, sc);
		if (value_is_unknown(v))
			unknown = true;
		else if (json_is_string(v) && b.len + json_string_length(v) > SPEC_MAX_STRING) {
			/* References that repeat references grow exponentially; no
			 * AWS property takes anything near this. */
			error_at_offset(ctx->d, n, t->parts[i].off,
					"this string would be longer than %d bytes", SPEC_MAX_STRING);
			unknown = true;
		}
		else if (!interpolate(&b, v)) {
			error_at_offset(ctx->d, n, t->parts[i].off,
					"cannot put %s into a string; use join() or json()",
					json_type_name(v));
			unknown = true;
		}
		json_decref(v);
	}
	json_t *out = unknown ? value_unknown() : json_stringn(b.ptr, b.len);
	buf_release(&b);
	return out;
}

static json_t *eval_string(struct eval_ctx *ctx, const struct node *n, const struct scope *sc)
{
	struct tmpl *t = NULL;
	size_t err_off = 0;
	char *err = NULL;
	if (!strstr(n->str, "${"))
		return json_stringn(n->str, n->len);
	if (tmpl_parse(n->str, n->len, &t, &err_off, &err)) {
		error_at_offset(ctx->d, n, err_off, "%s", err);
		free(err);
		return value_unknown();
	}
	json_t *v = eval_tmpl(ctx, n, t, sc);
	tmpl_free(t);
	return v;
}

json_t *eval_node(struct eval_ctx *ctx, const struct node *n, const struct scope *sc)
{
	switch (n->kind) {
	case NODE_SEQ: {
		json_t *a = json_array();
		for (size_t i = 0; i < n->n; i++)
			json_array_append_new(a, eval_node(ctx, n->vals[i], sc));
		return a;
	}
	case NODE_MAP: {
		json_t *o = json_object();
		for (size_t i = 0; i < n->n; i++)
			json_object_set_new(o, n->keys[i]->str, eval_node(ctx, n->vals[i], sc));
		return o;
	}
	case NODE_SCALAR:
		break;
	}
	switch (n->stype) {
	case ST_NULL: return json_null();
	case ST_BOOL: return json_boolean(n->str[0] == 't' || n->str[0] == 'T');
	case ST_INT: {
		errno = 0;
		long long v = strtoll(n->str, NULL, 0);
		if (!strncmp(n->str, "0o", 2))
			v = strtoll(n->str + 2, NULL, 8);
		if (errno) {
			error_at(ctx->d, n, "integer '%s' is out of range", n->str);
			return value_unknown();
		}
		return json_integer(v);
	}
	case ST_FLOAT: {
		const char *p = n->str;
		double v;
		if (strstr(p, "inf") || strstr(p, "Inf") || strstr(p, "INF") || strstr(p, "nan") ||
		    strstr(p, "NaN") || strstr(p, "NAN")) {
			error_at(ctx->d, n, "'%s' is not a number a spec can use", p);
			return value_unknown();
		}
		v = strtod(p, NULL);
		return json_real(v);
	}
	case ST_STRING:
		break;
	}
	return eval_string(ctx, n, sc);
}
