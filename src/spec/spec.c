/* spec_load(): files -> checked, expanded model (spec.h). The phases, in
 * order: read the top spec; check its top-level keys; resolve variables;
 * expand the root module instance (data, module calls recursively, resources
 * with count/for_each); evaluate every resource's properties (recording
 * dependency edges) and check them against the type registry; evaluate
 * outputs; check the graph for cycles. Every phase reports all it finds. */
#include "util/common.h"
#include "spec/internal.h"
#include "spec/guard.h"
#include "schema/schema.h"
#include "schema/datasource.h"
#include "util/buf.h"
#include "util/duration.h"
#include "util/log.h"
#include "util/suggest.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- strmap ---- */

static uint32_t strmap_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

void strmap_put(struct strmap *m, const char *key, size_t val)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct strmap bigger = { NULL, NULL, m->cap ? m->cap * 2 : 16, 0 };
		bigger.keys = xcalloc(bigger.cap, sizeof(char *));
		bigger.vals = xcalloc(bigger.cap, sizeof(size_t));
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i]) {
				size_t h = strmap_hash(m->keys[i]) & (bigger.cap - 1);
				while (bigger.keys[h])
					h = (h + 1) & (bigger.cap - 1);
				bigger.keys[h] = m->keys[i];
				bigger.vals[h] = m->vals[i];
				bigger.n++;
			}
		free(m->keys);
		free(m->vals);
		*m = bigger;
	}
	size_t h = strmap_hash(key) & (m->cap - 1);
	while (m->keys[h]) {
		if (!strcmp(m->keys[h], key)) {
			m->vals[h] = val;
			return;
		}
		h = (h + 1) & (m->cap - 1);
	}
	m->keys[h] = xstrdup(key);
	m->vals[h] = val;
	m->n++;
}

bool strmap_get(const struct strmap *m, const char *key, size_t *val)
{
	if (!m->cap)
		return false;
	size_t h = strmap_hash(key) & (m->cap - 1);
	while (m->keys[h]) {
		if (!strcmp(m->keys[h], key)) {
			if (val)
				*val = m->vals[h];
			return true;
		}
		h = (h + 1) & (m->cap - 1);
	}
	return false;
}

void strmap_release(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* ---- loader state ---- */

struct loader {
	struct spec *s;
	struct spec_private *p;
	const struct spec_options *opt;
	struct diags *d;
	struct eval_ctx ev;
};

static const char *const top_keys[] = { "berth", "stack", "region", "backend", "expires",
					"variables", "repos", "modules", "data", "resources",
					"outputs" };
static const char *const module_file_keys[] = { "description", "inputs", "data", "modules",
						"resources", "outputs" };
static const char *const resource_keys[] = { "type", "properties", "depends_on", "count",
					     "for_each", "retain", "ignore_changes",
					     "create_before_destroy", "adopt" };
static const char *const module_call_keys[] = { "source", "inputs", "count", "for_each",
						"depends_on" };
static const char *const variable_keys[] = { "type", "default", "description", "sensitive" };
static const char *const output_keys[] = { "value", "description", "sensitive" };
static const char *const repo_keys[] = { "url", "ref" };
static const char *const var_types[] = { "string", "number", "bool", "list", "map" };
static const char *const reserved[] = { "var", "input", "module", "repo", "data", "stack",
					"region", "account", "count", "each", "self" };

/* Errors for keys of map n not in allowed[]; what names the map ("resource
 * 'x'"). Returns false when n is not a map (after reporting it). */
static bool check_keys(struct loader *L, const struct node *n, const char *const *allowed,
		       size_t nallowed, const char *what)
{
	if (!n || n->kind != NODE_MAP) {
		if (n)
			error_at(L->d, n, "expected a map for %s, got %s", what, node_kind_name(n));
		return false;
	}
	for (size_t i = 0; i < n->n; i++) {
		const char *k = n->keys[i]->str;
		bool ok = false;
		for (size_t j = 0; j < nallowed && !ok; j++)
			ok = !strcmp(k, allowed[j]);
		if (ok)
			continue;
		const char *near = suggest_nearest(k, allowed, nallowed);
		if (near)
			error_at(L->d, n->keys[i], "unknown key '%s' in %s; did you mean '%s'?", k, what,
				 near);
		else
			error_at(L->d, n->keys[i], "unknown key '%s' in %s", k, what);
	}
	return true;
}

static bool valid_name(const char *s)
{
	if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (s++; *s; s++)
		if (!(*s == '_' || *s == '-' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

static bool check_name(struct loader *L, const struct node *key, const char *what)
{
	if (!valid_name(key->str)) {
		error_at(L->d, key,
			 "invalid %s name '%s'; use letters, digits, '_' and '-', starting with a letter",
			 what, key->str);
		return false;
	}
	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++)
		if (!strcmp(key->str, reserved[i])) {
			error_at(L->d, key, "'%s' is reserved (it starts references like ${%s...}); choose another %s name",
				 key->str, key->str, what);
			return false;
		}
	return true;
}

static bool node_is_string(const struct node *n)
{
	return n && n->kind == NODE_SCALAR && n->stype == ST_STRING;
}

static bool node_bool(struct loader *L, const struct node *n, const char *what)
{
	if (!n)
		return false;
	if (n->kind != NODE_SCALAR || n->stype != ST_BOOL) {
		error_at(L->d, n, "expected true or false for '%s', got %s", what, node_kind_name(n));
		return false;
	}
	return n->str[0] == 't' || n->str[0] == 'T';
}

static const char *expect_string(struct loader *L, const struct node *n, const char *what)
{
	if (!n)
		return NULL;
	if (!node_is_string(n)) {
		error_at(L->d, n, "expected a string for '%s', got %s", what, node_kind_name(n));
		return NULL;
	}
	return n->str;
}

/* ---- paths ---- */

static char *path_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static char *path_join(const char *dir, const char *rel)
{
	if (rel[0] == '/' || !strcmp(dir, "."))
		return xstrdup(rel);
	return xasprintf("%s/%s", dir, rel);
}

/* The git work tree top above `dir` (nearest parent holding .git), else dir. */
static char *find_project_dir(const char *dir)
{
	char *real = realpath(dir, NULL);
	char *cur;
	struct stat st;
	if (!real)
		return xstrdup(dir);
	cur = xstrdup(real);
	for (;;) {
		char *git = xasprintf("%s/.git", cur);
		bool found = stat(git, &st) == 0;
		free(git);
		if (found) {
			free(real);
			return cur;
		}
		char *slash = strrchr(cur, '/');
		if (!slash || slash == cur)
			break;
		*slash = '\0';
	}
	free(cur);
	return real;
}

/* ---- variables ---- */

static enum spec_var_type var_type_of(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(var_types); i++)
		if (!strcmp(s, var_types[i]))
			return (enum spec_var_type)i;
	return VT_STRING;
}

static bool var_type_ok(enum spec_var_type t, const json_t *v)
{
	switch (t) {
	case VT_STRING: return json_is_string(v);
	case VT_NUMBER: return json_is_number(v);
	case VT_BOOL: return json_is_boolean(v);
	case VT_LIST: return json_is_array(v);
	case VT_MAP: return json_is_object(v) && !value_is_unknown(v);
	}
	return false;
}

static const char *var_type_expect(enum spec_var_type t)
{
	static const char *const names[] = { "a string", "a number", "true or false", "a list",
					     "a map" };
	return names[t];
}

/* Text from --var or the environment, as the variable's type: strings stay
 * text; other types are read as YAML ("3", "true", "[a, b]", "{k: v}"). */
static json_t *var_from_text(struct loader *L, struct spec_var *v, const char *text,
			     const char *origin)
{
	json_t *str = v->type == VT_STRING ? json_string(text) : NULL;
	if (v->type == VT_STRING) {
		/* jansson takes only UTF-8; say so rather than drop the value
		 * (which read as "has no value"). */
		if (!str)
			diags_add(L->d, DIAG_ERROR, "variable '%s' from %s is not UTF-8 text", v->name,
				  origin);
		return str;
	}
	struct spec_doc *doc = NULL;
	struct diags tmp = DIAGS_INIT;
	json_t *out = NULL;
	if (!spec_doc_parse(origin, text, strlen(text), &doc, &tmp) && doc->root &&
	    !tmpl_has_expr(text, strlen(text))) {
		out = eval_node(&L->ev, doc->root, &(struct scope){ 0, REPL_NONE, NULL, NULL });
	}
	diags_release(&tmp);
	spec_doc_free(doc);
	if (!out || !var_type_ok(v->type, out)) {
		/* The text may be anything: quoted cut and escaped. */
		char *shown = spec_shown_value(text, NULL);
		struct diag *dg = diags_add(L->d, DIAG_ERROR, "variable '%s' expects %s, got %s "
					    "(from %s)", v->name, var_type_expect(v->type), shown,
					    origin);
		free(shown);
		/* "a,b" is how many tools take a list; berth reads YAML. */
		bool env = !strcmp(origin, "the environment");
		if (v->type == VT_LIST)
			diag_set_detail(dg, "a list is written in YAML's brackets, quoted for the "
					"shell: %s'%s%s=[%s]'", env ? "" : "--var ",
					env ? "BERTH_VAR_" : "", v->name,
					strchr(text, ',') && text[0] != '[' && strlen(text) <= 40 ? text : "a, b");
		else if (v->type == VT_MAP)
			diag_set_detail(dg, "a map is written in YAML's braces, quoted for the "
					"shell: %s'%s%s={key: value}'", env ? "" : "--var ",
					env ? "BERTH_VAR_" : "", v->name);
		json_decref(out);
		return NULL;
	}
	return out;
}

static struct spec_var *var_lookup(struct loader *L, const char *name)
{
	size_t i;
	return strmap_get(&L->p->var_by_name, name, &i) ? &L->s->vars[i] : NULL;
}

static void unknown_var_error(struct loader *L, const char *name, const char *origin,
			      const struct node *at)
{
	const char **names = xmalloc((L->s->nvars + 1) * sizeof(char *));
	for (size_t k = 0; k < L->s->nvars; k++)
		names[k] = L->s->vars[k].name;
	const char *near = suggest_nearest(name, names, L->s->nvars);
	struct diag *dg = near ? diags_add(L->d, DIAG_ERROR,
					   "unknown variable '%s' (from %s); did you mean '%s'?",
					   name, origin, near)
			       : diags_add(L->d, DIAG_ERROR,
					   "unknown variable '%s' (from %s); the spec declares no such variable",
					   name, origin);
	if (at)
		diag_set_loc(dg, at->file, at->line, at->col);
	free(names);
}

/* A sensitive variable's value goes to the logger's secret set as soon as it
 * is known, before any diagnostic or log line could show it (the CLI masks
 * what it prints with the same set). Leaves of lists and maps too. */
static void register_secret(const json_t *val)
{
	size_t i;
	const char *k;
	json_t *x;
	if (json_is_string(val)) {
		log_add_secret(json_string_value(val));
	} else if (json_is_integer(val) || json_is_real(val)) {
		char *txt = json_dumps(val, JSON_ENCODE_ANY);
		log_add_secret(txt);
		free(txt);
	} else if (json_is_array(val)) {
		json_array_foreach(val, i, x)
			register_secret(x);
	} else if (json_is_object(val)) {
		json_object_foreach((json_t *)val, k, x)
			register_secret(x);
	}
}

static void set_var(struct spec_var *v, json_t *val, const char *origin)
{
	if (v->sensitive)
		register_secret(val);
	json_decref(v->value);
	v->value = val;
	v->origin = origin;
}

static void load_variables(struct loader *L, const struct node *decls)
{
	struct spec *s = L->s;
	if (decls && decls->kind != NODE_MAP) {
		error_at(L->d, decls, "expected a map for 'variables', got %s", node_kind_name(decls));
		decls = NULL;
	}
	s->vars = xcalloc(decls ? decls->n + 1 : 1, sizeof(*s->vars));
	for (size_t i = 0; decls && i < decls->n; i++) {
		const struct node *k = decls->keys[i], *d = decls->vals[i];
		struct spec_var *v = &s->vars[s->nvars];
		if (!check_name(L, k, "variable"))
			continue;
		if (d->kind == NODE_SCALAR && d->stype == ST_NULL) {
			/* `name:` with nothing: a required string variable. */
		} else if (!check_keys(L, d, variable_keys, ARRAY_SIZE(variable_keys),
				       "a variable")) {
			continue;
		}
		v->name = xstrdup(k->str);
		v->decl = k;
		v->type = VT_STRING;
		const struct node *t = node_get(d, "type");
		const struct node *def = node_get(d, "default");
		bool type_ok = false;
		if (t) {
			const char *ts = expect_string(L, t, "type");
			bool ok = false;
			for (size_t j = 0; ts && j < ARRAY_SIZE(var_types); j++)
				ok |= !strcmp(ts, var_types[j]);
			if (ts && !ok) {
				const char *near = suggest_nearest(ts, var_types, ARRAY_SIZE(var_types));
				if (near)
					error_at(L->d, t, "unknown variable type '%s'; did you mean '%s'?", ts, near);
				else
					error_at(L->d, t,
						 "unknown variable type '%s'; expected string, number, bool, list or map",
						 ts);
			}
			if (ts && ok)
				v->type = var_type_of(ts);
			type_ok = ok;
		}
		if (!type_ok && def) {
			/* No type: take it from the default. */
			v->type = def->kind == NODE_SEQ ? VT_LIST : def->kind == NODE_MAP ? VT_MAP :
				  def->stype == ST_BOOL ? VT_BOOL :
				  (def->stype == ST_INT || def->stype == ST_FLOAT) ? VT_NUMBER : VT_STRING;
		}
		const char *desc = expect_string(L, node_get(d, "description"), "description");
		v->description = desc ? xstrdup(desc) : NULL;
		v->sensitive = node_bool(L, node_get(d, "sensitive"), "sensitive");
		if (def) {
			if (tmpl_has_expr(def->str ? def->str : "", def->len)) {
				error_at(L->d, def, "a variable's default must be a plain value, not an expression");
			} else {
				json_t *val = eval_node(&L->ev, def, &(struct scope){ 0, REPL_NONE, NULL, NULL });
				if (!var_type_ok(v->type, val)) {
					error_at(L->d, def, "default of variable '%s' must be %s, got %s",
						 v->name, var_type_expect(v->type), json_type_name(val));
					json_decref(val);
				} else {
					set_var(v, val, "default");
				}
			}
		}
		/* A default that was rejected has been reported; do not also say
		 * the variable has no value. */
		if (def && !v->value)
			v->origin = "default";
		strmap_put(&L->p->var_by_name, v->name, s->nvars);
		s->nvars++;
	}

	/* Lowest precedence first, each later source overriding:
	 * default < environment < --var-file < --var. */
	for (size_t i = 0; L->opt->environ && L->opt->environ[i]; i++) {
		const char *e = L->opt->environ[i];
		if (strncmp(e, "BERTH_VAR_", 10))
			continue;
		const char *eq = strchr(e, '=');
		if (!eq)
			continue;
		char *name = xstrndup(e + 10, (size_t)(eq - e - 10));
		struct spec_var *v = var_lookup(L, name);
		/* Unknown BERTH_VAR_ names are ignored: the environment is shared by
		 * many specs, so one spec cannot call another's variables errors. */
		if (v) {
			if (v->sensitive)
				log_add_secret(eq + 1);
			json_t *val = var_from_text(L, v, eq + 1, "the environment");
			if (val)
				set_var(v, val, "environment");
			else if (!v->value)
				v->origin = "environment"; /* reported: not "has no value" too */
		}
		free(name);
	}
	for (size_t f = 0; f < L->opt->nvar_files; f++) {
		struct spec_doc *doc = NULL;
		if (spec_doc_load(L->opt->var_files[f], &doc, L->d))
			continue;
		ALLOC_GROW(L->p->docs, L->p->ndocs + 1, L->p->docs_alloc);
		L->p->docs[L->p->ndocs++] = doc;
		const struct node *r = doc->root;
		if (!r)
			continue;
		if (r->kind != NODE_MAP) {
			error_at(L->d, r, "a variable file is a map of variable names to values, got %s",
				 node_kind_name(r));
			continue;
		}
		for (size_t i = 0; i < r->n; i++) {
			struct spec_var *v = var_lookup(L, r->keys[i]->str);
			const struct node *vn = r->vals[i];
			if (!v) {
				unknown_var_error(L, r->keys[i]->str, "a --var-file", r->keys[i]);
				continue;
			}
			if (vn->kind == NODE_SCALAR && tmpl_has_expr(vn->str, vn->len)) {
				error_at(L->d, vn, "a variable file holds plain values, not expressions");
				continue;
			}
			json_t *val = eval_node(&L->ev, vn, &(struct scope){ 0, REPL_NONE, NULL, NULL });
			if (!var_type_ok(v->type, val)) {
				error_at(L->d, vn, "variable '%s' expects %s, got %s", v->name,
					 var_type_expect(v->type), json_type_name(val));
				json_decref(val);
				continue;
			}
			set_var(v, val, "--var-file");
		}
	}
	for (size_t i = 0; i < L->opt->nvars; i++) {
		const char *kv = L->opt->vars[i];
		const char *eq = strchr(kv, '=');
		if (!eq) {
			diags_add(L->d, DIAG_ERROR, "--var expects NAME=VALUE, got '%s'", kv);
			continue;
		}
		char *name = xstrndup(kv, (size_t)(eq - kv));
		struct spec_var *v = var_lookup(L, name);
		if (!v) {
			unknown_var_error(L, name, "--var", NULL);
		} else {
			if (v->sensitive)
				log_add_secret(eq + 1);
			json_t *val = var_from_text(L, v, eq + 1, "--var");
			if (val)
				set_var(v, val, "--var");
			else if (!v->value)
				v->origin = "--var"; /* reported: not "has no value" too */
		}
		free(name);
	}
	for (size_t i = 0; i < s->nvars; i++) {
		struct spec_var *v = &s->vars[i];
		if (!v->value && !v->origin && L->opt->missing_vars_unknown) {
			struct diag *dg = diags_add(L->d, DIAG_NOTE,
						    "variable '%s' has no value; going on without it, since "
						    "destroy finds the stack by its tags",
						    v->name);
			diag_set_loc(dg, v->decl->file, v->decl->line, v->decl->col);
			set_var(v, value_unknown(), "missing");
		} else if (!v->value && !v->origin)
			error_at(L->d, v->decl,
				 "variable '%s' has no value; set it with --var %s=VALUE, in a --var-file, or as BERTH_VAR_%s in the environment",
				 v->name, v->name, v->name);
	}
}

/* ---- repos ---- */

/* A repo's url or ref: a string that may use variables (${var.X}, ${stack}),
 * but nothing only known after apply — plan reads the repository before
 * any resource exists. New string, or NULL after reporting why. */
static char *repo_string(struct loader *L, const struct node *n, const char *what)
{
	if (!expect_string(L, n, what))
		return NULL;
	if (!tmpl_has_expr(n->str, n->len))
		return xstrdup(n->str);
	/* No dependency edges: the repo node is a root of the graph. Resources
	 * are not loaded yet, so a reference to one reads as unknown: say what
	 * the rule is rather than that the name does not exist. */
	struct dag *graph = L->ev.graph;
	struct diags *outer = L->ev.d, local = DIAGS_INIT;
	L->ev.graph = NULL;
	L->ev.d = &local;
	json_t *v = eval_node(&L->ev, n, &(struct scope){ 0, REPL_NONE, NULL, NULL });
	L->ev.graph = graph;
	L->ev.d = outer;
	char *out = NULL;
	if (json_is_string(v) && !diags_has_errors(&local)) {
		out = xstrdup(json_string_value(v));
	} else if (L->opt->missing_vars_unknown && value_has_unknown(v) && !diags_has_errors(&local)) {
		out = xstrdup(""); /* destroy never reads a repository */
	} else {
		/* At the offending ${ when the evaluator found one, else the value. */
		const struct diag *first = local.n ? &local.items[0] : NULL;
		static const char msg[] =
			"a repo's '%s' may use variables, ${stack}, ${region} and ${account} only: "
			"repositories are read at plan time, before any resource exists";
		if (first && first->file)
			diags_error_at(L->d, first->file, first->line, first->col, msg, what);
		else
			error_at(L->d, n, msg, what);
	}
	diags_release(&local);
	json_decref(v);
	return out;
}

static void load_repos(struct loader *L, const struct node *repos)
{
	struct spec *s = L->s;
	if (!repos)
		return;
	if (repos->kind != NODE_MAP) {
		error_at(L->d, repos, "expected a map for 'repos', got %s", node_kind_name(repos));
		return;
	}
	s->repos = xcalloc(repos->n + 1, sizeof(*s->repos));
	for (size_t i = 0; i < repos->n; i++) {
		const struct node *k = repos->keys[i], *r = repos->vals[i];
		if (!check_name(L, k, "repo") ||
		    !check_keys(L, r, repo_keys, ARRAY_SIZE(repo_keys), "a repo"))
			continue;
		if (!node_get(r, "url")) {
			error_at(L->d, k, "repo '%s' needs a 'url'", k->str);
			continue;
		}
		char *url = repo_string(L, node_get(r, "url"), "url");
		char *ref = repo_string(L, node_get(r, "ref"), "ref");
		if (!url) {
			free(ref);
			continue;
		}
		struct spec_repo *rp = &s->repos[s->nrepos];
		rp->name = xstrdup(k->str);
		rp->url = url;
		rp->ref = ref;
		rp->path = xasprintf("%s/.berth/repos/%s", s->project_dir, k->str);
		rp->decl = k;
		char *addr = xasprintf("repo.%s", k->str);
		rp->graph_node = dag_add_node(&s->graph, addr, GN_REPO, s->nrepos);
		free(addr);
		strmap_put(&L->p->repo_by_name, rp->name, s->nrepos);
		s->nrepos++;
	}
}

/* ---- expansion ---- */

static char *key_suffix(const json_t *key)
{
	if (!key)
		return xstrdup("");
	if (json_is_integer(key))
		return xasprintf("[%lld]", (long long)json_integer_value(key));
	struct buf b = BUF_INIT;
	buf_adds(&b, "[\"");
	for (const char *c = json_string_value(key); *c; c++) {
		if (*c == '"' || *c == '\\')
			buf_addch(&b, '\\');
		buf_addch(&b, *c);
	}
	buf_adds(&b, "\"]");
	return buf_detach(&b, NULL);
}

static char *module_prefix(const struct spec *s, size_t mi)
{
	return mi == 0 ? xstrdup("") : xasprintf("%s.", s->modules[mi].address);
}

/* Evaluates count / for_each of a declaration into a list of keys and values
 * (both new arrays). Returns the replication kind; REPL_NONE with no keys
 * also on error. */
static enum repl_kind eval_replication(struct loader *L, const struct node *decl, size_t mi,
				       json_t **keys, json_t **values)
{
	const struct node *cn = node_get(decl, "count"), *fn = node_get(decl, "for_each");
	struct scope sc = { mi, REPL_NONE, NULL, NULL };
	*keys = json_array();
	*values = json_array();
	if (cn && fn) {
		error_at(L->d, node_key(decl, "for_each"), "use either count or for_each, not both");
		return REPL_NONE;
	}
	if (cn) {
		json_t *v = eval_node(&L->ev, cn, &sc);
		json_int_t c = -1;
		if (value_has_unknown(v)) {
			if (!L->opt->missing_vars_unknown)
				error_at(L->d, cn, "count must be known before apply, but it uses a value that is only known after apply");
		} else if (json_is_integer(v))
			c = json_integer_value(v);
		else if (json_is_real(v) && json_real_value(v) == (double)(json_int_t)json_real_value(v))
			c = (json_int_t)json_real_value(v);
		else
			error_at(L->d, cn, "expected a whole number for 'count', got %s", json_type_name(v));
		if (c < -1 || (c == -1 && !value_has_unknown(v) && json_is_integer(v)))
			error_at(L->d, cn, "count must be zero or more, got %lld", (long long)c);
		else if (c > 10000)
			error_at(L->d, cn, "count %lld is more than berth allows (10000)", (long long)c);
		for (json_int_t i = 0; i < c && c <= 10000; i++) {
			json_array_append_new(*keys, json_integer(i));
			json_array_append_new(*values, json_null());
		}
		json_decref(v);
		return REPL_COUNT;
	}
	if (fn) {
		json_t *v = eval_node(&L->ev, fn, &sc);
		struct strmap seen = { 0 };
		if (value_has_unknown(v)) {
			if (!L->opt->missing_vars_unknown)
				error_at(L->d, fn, "for_each must be known before apply, but it uses a value that is only known after apply");
		} else if (json_is_array(v)) {
			for (size_t i = 0; i < json_array_size(v); i++) {
				json_t *x = json_array_get(v, i);
				if (!json_is_string(x)) {
					error_at(L->d, fn, "for_each over a list needs strings, item %zu is %s",
						 i, json_type_name(x));
					continue;
				}
				if (strmap_get(&seen, json_string_value(x), NULL)) {
					error_at(L->d, fn, "for_each list has \"%s\" twice; keys must be unique",
						 json_string_value(x));
					continue;
				}
				strmap_put(&seen, json_string_value(x), i);
				json_array_append(*keys, x);
				json_array_append(*values, x);
			}
		} else if (json_is_object(v)) {
			/* Keys in sorted order, so addresses do not depend on map order. */
			const char **ks = xmalloc((json_object_size(v) + 1) * sizeof(char *));
			size_t nk = 0;
			const char *k;
			json_t *x;
			json_object_foreach(v, k, x)
				ks[nk++] = k;
			for (size_t a = 1; a < nk; a++)
				for (size_t b = a; b > 0 && strcmp(ks[b - 1], ks[b]) > 0; b--) {
					const char *t = ks[b];
					ks[b] = ks[b - 1];
					ks[b - 1] = t;
				}
			for (size_t i = 0; i < nk; i++) {
				json_array_append_new(*keys, json_string(ks[i]));
				json_array_append(*values, json_object_get(v, ks[i]));
			}
			free(ks);
		} else {
			error_at(L->d, fn, "expected a list of strings or a map for 'for_each', got %s",
				 json_type_name(v));
		}
		strmap_release(&seen);
		json_decref(v);
		return REPL_EACH;
	}
	return REPL_NONE;
}

static void expand_module(struct loader *L, size_t mi);

/* Whether adding `modules` module instances and `resources` resource
 * instances under module instance mi would pass the spec's bounds: count is
 * capped per declaration, but modules that each call the next several times
 * multiply (eleven 100-byte files made a million resources). Reports at key
 * once; after that, everything more is dropped silently. */
static bool expansion_capped(struct loader *L, const struct node *key, size_t mi, size_t modules,
			     size_t resources)
{
	const struct spec *s = L->s;
	size_t depth = 0;
	if (L->p->capped)
		return true;
	for (size_t m = mi; m != 0; m = s->modules[m].parent)
		depth++;
	if (modules && depth + 1 > SPEC_MAX_MODULE_DEPTH)
		error_at(L->d, key, "modules are nested more than %d deep here", SPEC_MAX_MODULE_DEPTH);
	else if (s->nmodules + modules > SPEC_MAX_MODULES + 1)
		error_at(L->d, key, "the spec would have more than %d module instances", SPEC_MAX_MODULES);
	else if (s->nresources + resources > SPEC_MAX_RESOURCES)
		error_at(L->d, key, "the spec would have more than %d resources", SPEC_MAX_RESOURCES);
	else
		return false;
	L->p->capped = true;
	return true;
}

static size_t new_module(struct loader *L, size_t parent, const struct node *call,
			 const struct node *root, const char *file, const char *real,
			 const char *address, json_t *key, json_t *each_value, enum repl_kind repl)
{
	struct spec *s = L->s;
	size_t had = L->p->mods_alloc;
	ALLOC_GROW(s->modules, s->nmodules + 1, L->p->mods_alloc);
	/* mods is parallel to s->modules and grows with it (only when it
	 * grows: a realloc per module made 10,000 of them quadratic). */
	if (L->p->mods_alloc != had || !L->p->mods)
		L->p->mods = xrealloc(L->p->mods, L->p->mods_alloc * sizeof(*L->p->mods));
	struct spec_module *m = &s->modules[s->nmodules];
	memset(m, 0, sizeof(*m));
	memset(&L->p->mods[s->nmodules], 0, sizeof(*L->p->mods));
	m->address = xstrdup(address);
	m->file = xstrdup(file);
	m->dir = path_dir(file);
	m->parent = parent;
	m->call = call;
	m->root = root;
	m->key = key ? json_incref(key) : NULL;
	m->each_value = each_value && repl == REPL_EACH ? json_incref(each_value) : NULL;
	L->p->mods[s->nmodules].repl = repl;
	L->p->mods[s->nmodules].real = xstrdup(real);
	return s->nmodules++;
}

/* Whether a module source may not be read: a known credential file (whose
 * lines an error would otherwise quote) or a folder. Reports at the source. */
static bool module_source_refused(struct loader *L, const struct node *src, const char *source,
				  const char *real)
{
	struct stat st;
	const char *why = spec_guard_refused(real);
	if (why) {
		error_at(L->d, src, "module source '%s' is refused: %s; a spec never reads credentials",
			 source, why);
		return true;
	}
	if (!stat(real, &st) && S_ISDIR(st.st_mode)) {
		error_at(L->d, src, "module source '%s' is a folder; name the module's YAML file", source);
		return true;
	}
	return false;
}

/* Loads a module file once per real path. Returns its root or NULL; a file
 * that cannot be read is reported at its `source:`. */
static const struct node *load_module_file(struct loader *L, const struct node *src,
					   const char *display, const char *real)
{
	size_t di;
	if (strmap_get(&L->p->doc_by_path, real, &di))
		return L->p->docs[di]->root;
	struct spec_doc *doc = NULL;
	size_t before = L->d->n;
	if (spec_doc_load(display, &doc, L->d)) {
		for (size_t i = before; i < L->d->n; i++)
			if (!L->d->items[i].file)
				diag_set_loc(&L->d->items[i], src->file, src->line, src->col);
		return NULL;
	}
	ALLOC_GROW(L->p->docs, L->p->ndocs + 1, L->p->docs_alloc);
	L->p->docs[L->p->ndocs] = doc;
	strmap_put(&L->p->doc_by_path, real, L->p->ndocs++);
	return doc->root;
}

/* Given inputs of module instance ni have the declared types (when known
 * now; values known only after apply are checked by AWS). Evaluated in the
 * caller's scope, where the call's own count/for_each apply. */
static void check_inputs(struct loader *L, size_t ni, const struct node *decls,
			 const struct node *given)
{
	const struct spec_module *m = &L->s->modules[ni];
	struct scope caller = { m->parent, L->p->mods[ni].repl, m->key, m->each_value };
	struct dag *g = L->ev.graph;
	L->ev.graph = NULL;
	for (size_t i = 0; given && i < given->n; i++) {
		const struct node *tn = node_get(node_get(decls, given->keys[i]->str), "type");
		if (!node_is_string(tn))
			continue;
		bool known = false;
		for (size_t j = 0; j < ARRAY_SIZE(var_types); j++)
			known |= !strcmp(tn->str, var_types[j]);
		if (!known)
			continue;
		enum spec_var_type t = var_type_of(tn->str);
		json_t *v = eval_node(&L->ev, given->vals[i], &caller);
		if (!value_has_unknown(v) && !var_type_ok(t, v))
			error_at(L->d, given->vals[i], "input '%s' of %s must be %s, got %s",
				 given->keys[i]->str, m->address, var_type_expect(t), json_type_name(v));
		json_decref(v);
	}
	L->ev.graph = g;
}

static void expand_module_call(struct loader *L, size_t mi, size_t di)
{
	struct spec *s = L->s;
	struct mod_decl *md = &L->p->mods[mi].mods[di];
	const struct node *src = node_get(md->decl, "source");
	const char *source = expect_string(L, src, "source");
	md->expanded = true;
	if (!src) {
		error_at(L->d, md->key, "module '%s' needs a 'source' (the module's YAML file)", md->name);
		return;
	}
	if (!source)
		return;
	char *display = path_join(s->modules[mi].dir, source);
	char *real = realpath(display, NULL);
	const struct node *root = NULL;
	if (!real) {
		error_at(L->d, src, "module file '%s' not found", display);
		goto out;
	}
	/* A cycle: this file is already on the chain of callers. */
	for (size_t c = mi;; c = s->modules[c].parent) {
		if (!strcmp(L->p->mods[c].real, real)) {
			/* Name the files from the first use of this one to here. */
			struct buf chain = BUF_INIT;
			size_t path[64], np = 0;
			for (size_t k = mi; np < ARRAY_SIZE(path); k = s->modules[k].parent) {
				path[np++] = k;
				if (k == c)
					break;
			}
			while (np)
				buf_addf(&chain, "%s -> ", s->modules[path[--np]].file);
			buf_adds(&chain, display);
			error_at(L->d, src, "module cycle: %s", chain.ptr);
			buf_release(&chain);
			goto out;
		}
		if (c == 0)
			break;
	}
	if (module_source_refused(L, src, source, real))
		goto out;
	root = load_module_file(L, src, display, real);
	if (!root)
		goto out;
	if (root->kind != NODE_MAP) {
		error_at(L->d, root, "a module file is a map with inputs, resources and outputs, got %s",
			 node_kind_name(root));
		goto out;
	}
	check_keys(L, root, module_file_keys, ARRAY_SIZE(module_file_keys), "a module file");
	md->file_root = root;

	/* Inputs given must be declared; declared ones without default must be given. */
	const struct node *decls = node_get(root, "inputs");
	const struct node *given = node_get(md->decl, "inputs");
	if (decls && decls->kind != NODE_MAP) {
		error_at(L->d, decls, "expected a map for 'inputs', got %s", node_kind_name(decls));
		decls = NULL;
	}
	if (given && given->kind != NODE_MAP) {
		error_at(L->d, given, "expected a map for 'inputs', got %s", node_kind_name(given));
		given = NULL;
	}
	for (size_t i = 0; given && i < given->n; i++)
		if (!node_get(decls, given->keys[i]->str)) {
			const char **names = xmalloc(((decls ? decls->n : 0) + 1) * sizeof(char *));
			for (size_t k = 0; decls && k < decls->n; k++)
				names[k] = decls->keys[k]->str;
			const char *near = suggest_nearest(given->keys[i]->str, names, decls ? decls->n : 0);
			if (near)
				error_at(L->d, given->keys[i],
					 "module '%s' has no input '%s'; did you mean '%s'?", md->name,
					 given->keys[i]->str, near);
			else
				error_at(L->d, given->keys[i], "module '%s' has no input '%s'", md->name,
					 given->keys[i]->str);
			free(names);
		}
	for (size_t i = 0; decls && i < decls->n; i++) {
		const struct node *dn = decls->vals[i];
		if (!(dn->kind == NODE_SCALAR && dn->stype == ST_NULL))
			check_keys(L, dn, variable_keys, ARRAY_SIZE(variable_keys), "a module input");
		const struct node *tn = node_get(dn, "type");
		const char *ts = expect_string(L, tn, "type");
		bool known = false;
		for (size_t j = 0; ts && j < ARRAY_SIZE(var_types); j++)
			known |= !strcmp(ts, var_types[j]);
		if (ts && !known) {
			const char *near = suggest_nearest(ts, var_types, ARRAY_SIZE(var_types));
			if (near)
				error_at(L->d, tn, "unknown input type '%s'; did you mean '%s'?", ts, near);
			else
				error_at(L->d, tn, "unknown input type '%s'; expected string, number, bool, list or map", ts);
		}
		if (!node_get(dn, "default") && !node_get(given, decls->keys[i]->str))
			error_at(L->d, md->key, "module '%s' needs input '%s' (declared in %s:%d)",
				 md->name, decls->keys[i]->str, decls->keys[i]->file,
				 decls->keys[i]->line);
	}

	json_t *keys, *vals;
	md->repl = eval_replication(L, md->decl, mi, &keys, &vals);
	if (md->repl == REPL_NONE)
		json_array_append_new(keys, json_null());
	if (expansion_capped(L, md->key, mi, json_array_size(keys), 0))
		json_array_clear(keys);
	md->insts = xcalloc(json_array_size(keys) + 1, sizeof(size_t));
	char *prefix = module_prefix(s, mi);
	for (size_t i = 0; i < json_array_size(keys); i++) {
		json_t *k = json_array_get(keys, i);
		char *suffix = key_suffix(json_is_null(k) ? NULL : k);
		char *addr = xasprintf("%smodule.%s%s", prefix, md->name, suffix);
		size_t ni = new_module(L, mi, md->decl, root, display, real, addr,
				       json_is_null(k) ? NULL : k, json_array_get(vals, i), md->repl);
		/* new_module may move L->p->mods: re-fetch md. */
		md = &L->p->mods[mi].mods[di];
		md->insts[md->n++] = ni;
		if (json_is_string(k))
			strmap_put(&md->by_key, json_string_value(k), i);
		free(suffix);
		free(addr);
		check_inputs(L, ni, decls, given);
		expand_module(L, ni);
		md = &L->p->mods[mi].mods[di];
	}
	free(prefix);
	json_decref(keys);
	json_decref(vals);
out:
	free(display);
	free(real);
}

/* The types adopt: true works for, "A's N, B's M, ...": a new string. */
static char *adoptable_types(void)
{
	size_t n;
	const struct schema_resource *const *all = schema_all(&n);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		const char *prop = schema_given_name(all[i]);
		if (prop)
			buf_addf(&b, "%s%s's %s", b.len ? ", " : "", all[i]->type_name, prop);
	}
	return buf_detach(&b, NULL);
}

static void expand_resource(struct loader *L, size_t mi, size_t ri)
{
	struct spec *s = L->s;
	struct res_decl *rd = &L->p->mods[mi].res[ri];
	json_t *keys, *vals;
	rd->repl = eval_replication(L, rd->decl, mi, &keys, &vals);
	rd = &L->p->mods[mi].res[ri];
	if (rd->repl == REPL_NONE)
		json_array_append_new(keys, json_null());
	if (expansion_capped(L, rd->key, mi, 0, json_array_size(keys))) {
		json_array_clear(keys);
		rd = &L->p->mods[mi].res[ri];
	}
	rd->first = s->nresources;
	rd->n = 0;
	char *prefix = module_prefix(s, mi);
	const struct node *props = node_get(rd->decl, "properties");
	if (props && props->kind != NODE_MAP) {
		error_at(L->d, props, "expected a map for 'properties', got %s", node_kind_name(props));
		props = NULL;
	}
	const struct node *ign = node_get(rd->decl, "ignore_changes");
	bool retain = node_bool(L, node_get(rd->decl, "retain"), "retain");
	/* Service-linked roles are shared by everything in the account that uses
	 * the service: destroy leaves them unless the spec says otherwise. */
	const struct node *tnode = node_get(rd->decl, "type");
	if (!node_get(rd->decl, "retain") && node_is_string(tnode) &&
	    !strcmp(tnode->str, "AWS::IAM::ServiceLinkedRole"))
		retain = true;
	bool cbd = node_bool(L, node_get(rd->decl, "create_before_destroy"), "create_before_destroy");
	const struct node *an = node_get(rd->decl, "adopt");
	bool adopt = node_bool(L, an, "adopt");
	if (adopt && rd->schema && !schema_given_name(rd->schema)) {
		/* Adopting looks the instance up by its id before it exists, so
		 * the id must be a name the spec gives; `berth import` takes in
		 * instances of the other types. */
		char *types = adoptable_types();
		error_at(L->d, an,
			 "adopt: true needs a type whose instances the spec names (%s); an %s's "
			 "id is its %s, so take an existing one in with `berth import %s ID`",
			 types, rd->schema->type_name,
			 rd->schema->nprimary ? rd->schema->primary_id[0] : "id AWS assigns", rd->id);
		free(types);
	}
	const struct node *tn = node_get(rd->decl, "type");
	for (size_t i = 0; i < json_array_size(keys); i++) {
		json_t *k = json_array_get(keys, i);
		ALLOC_GROW(s->resources, s->nresources + 1, L->p->res_alloc);
		struct spec_resource *r = &s->resources[s->nresources];
		memset(r, 0, sizeof(*r));
		char *suffix = key_suffix(json_is_null(k) ? NULL : k);
		r->address = xasprintf("%s%s%s", prefix, rd->id, suffix);
		free(suffix);
		r->id = xstrdup(rd->id);
		r->type = xstrdup(node_is_string(tn) ? tn->str : "");
		r->schema = rd->schema;
		r->module = mi;
		r->key = json_is_null(k) ? NULL : json_incref(k);
		r->each_value = rd->repl == REPL_EACH ? json_incref(json_array_get(vals, i)) : NULL;
		r->decl = rd->decl;
		r->props = props;
		r->retain = retain;
		r->create_before_destroy = cbd;
		r->adopt = adopt;
		strvec_init(&r->ignore_changes);
		for (size_t j = 0; ign && ign->kind == NODE_SEQ && j < ign->n; j++)
			if (node_is_string(ign->vals[j]))
				strvec_push(&r->ignore_changes, ign->vals[j]->str);
		r->graph_node = dag_add_node(&s->graph, r->address, GN_RESOURCE, s->nresources);
		strmap_put(&L->p->res_by_addr, r->address, s->nresources);
		if (json_is_string(k))
			strmap_put(&rd->by_key, json_string_value(k), i);
		s->nresources++;
		rd->n++;
	}
	free(prefix);
	json_decref(keys);
	json_decref(vals);
	rd->expanded = true;
	/* ignore_changes names properties of the type. */
	if (ign && ign->kind != NODE_SEQ)
		error_at(L->d, ign, "expected a list of property names for 'ignore_changes', got %s",
			 node_kind_name(ign));
	for (size_t j = 0; ign && ign->kind == NODE_SEQ && j < ign->n; j++) {
		const struct node *pn = ign->vals[j];
		if (!node_is_string(pn)) {
			error_at(L->d, pn, "expected a property name in 'ignore_changes', got %s",
				 node_kind_name(pn));
		} else if (rd->schema && !schema_shape_prop(rd->schema->shape, pn->str)) {
			const char *near = schema_shape_suggest(rd->schema->shape, pn->str);
			if (near)
				error_at(L->d, pn, "unknown property '%s' for %s; did you mean '%s'?",
					 pn->str, rd->schema->type_name, near);
			else
				error_at(L->d, pn, "unknown property '%s' for %s", pn->str,
					 rd->schema->type_name);
		}
	}
}

/* "a, b, c or d": every data source kind, for messages (caller frees). */
static char *data_kind_names(void)
{
	struct buf b = BUF_INIT;
	size_t n = data_kind_count();
	for (size_t i = 0; i < n; i++)
		buf_addf(&b, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", data_kind_at(i)->name);
	return buf_detach(&b, NULL);
}

/* Whether `map` has `name` in another case: 'Name' for 'name' is already
 * reported as an unknown key with the right spelling, so "needs 'name'" on
 * top of it would be one typo told twice. */
static bool has_key_ci(const struct node *map, const char *name)
{
	for (size_t i = 0; i < map->n; i++)
		if (map->keys[i]->str && !strcasecmp(map->keys[i]->str, name))
			return true;
	return false;
}

static void declare_data(struct loader *L, size_t mi, const struct node *data)
{
	struct spec *s = L->s;
	if (!data)
		return;
	if (data->kind != NODE_MAP) {
		error_at(L->d, data, "expected a map for 'data', got %s", node_kind_name(data));
		return;
	}
	char *prefix = module_prefix(s, mi);
	for (size_t i = 0; i < data->n; i++) {
		const struct node *k = data->keys[i], *dn = data->vals[i];
		if (!check_name(L, k, "data"))
			continue;
		if (dn->kind != NODE_MAP) {
			error_at(L->d, dn, "expected a map for data entry '%s', got %s", k->str,
				 node_kind_name(dn));
			continue;
		}
		const struct node *tn = node_get(dn, "type");
		const char *kind = expect_string(L, tn, "type");
		const struct data_kind *dk = kind ? data_kind_find(kind) : NULL;
		if (!tn) {
			char *kinds = data_kind_names();
			error_at(L->d, k, "data entry '%s' needs a 'type' (%s)", k->str, kinds);
			free(kinds);
			continue;
		}
		if (kind && !dk) {
			const char *near = data_kind_suggest(kind);
			char *kinds = data_kind_names();
			if (near)
				error_at(L->d, tn, "unknown data source type '%s'; did you mean '%s'?", kind, near);
			else
				error_at(L->d, tn, "unknown data source type '%s'; expected %s", kind, kinds);
			free(kinds);
		}
		if (!dk)
			continue;
		const char *allowed[8];
		size_t na = 0;
		allowed[na++] = "type";
		for (size_t a = 0; dk->args[a] && na < ARRAY_SIZE(allowed); a++)
			allowed[na++] = dk->args[a];
		char *what = xasprintf("data source '%s'", kind);
		check_keys(L, dn, allowed, na, what);
		free(what);
		for (size_t a = 0; dk->required[a]; a++)
			if (!node_get(dn, dk->required[a]) && !has_key_ci(dn, dk->required[a]))
				error_at(L->d, k, "data entry '%s' (%s) needs '%s'", k->str, kind,
					 dk->required[a]);
		ALLOC_GROW(s->data, s->ndata + 1, L->p->data_alloc);
		struct spec_data *dt = &s->data[s->ndata];
		memset(dt, 0, sizeof(*dt));
		dt->address = xasprintf("%sdata.%s", prefix, k->str);
		dt->id = xstrdup(k->str);
		dt->kind = xstrdup(kind);
		dt->module = mi;
		dt->decl = dn;
		dt->file = k->file;
		dt->line = k->line;
		dt->col = k->col;
		dt->graph_node = dag_add_node(&s->graph, dt->address, GN_DATA, s->ndata);
		strmap_put(&L->p->mods[mi].data_by_id, k->str, s->ndata);
		s->ndata++;
	}
	free(prefix);
}

static void expand_module(struct loader *L, size_t mi)
{
	struct spec *s = L->s;
	const struct node *root = s->modules[mi].root;
	const struct node *resources = node_get(root, "resources");
	const struct node *mods = node_get(root, "modules");

	declare_data(L, mi, node_get(root, "data"));

	/* Declare everything first so references between declarations resolve
	 * in any order. */
	if (resources && resources->kind != NODE_MAP) {
		error_at(L->d, resources, "expected a map for 'resources', got %s",
			 node_kind_name(resources));
		resources = NULL;
	}
	if (mods && mods->kind != NODE_MAP) {
		error_at(L->d, mods, "expected a map for 'modules', got %s", node_kind_name(mods));
		mods = NULL;
	}
	struct mod_priv *mp = &L->p->mods[mi];
	mp->res = xcalloc(resources ? resources->n + 1 : 1, sizeof(*mp->res));
	for (size_t i = 0; resources && i < resources->n; i++) {
		const struct node *k = resources->keys[i], *r = resources->vals[i];
		if (!check_name(L, k, "resource"))
			continue;
		char *what = xasprintf("resource '%s'", k->str);
		bool is_map = check_keys(L, r, resource_keys, ARRAY_SIZE(resource_keys), what);
		free(what);
		if (!is_map)
			continue;
		struct res_decl *rd = &mp->res[mp->nres];
		rd->id = k->str;
		rd->key = k;
		rd->decl = r;
		const struct node *tn = node_get(r, "type");
		const char *type = expect_string(L, tn, "type");
		if (!tn) {
			error_at(L->d, k, "resource '%s' needs a 'type', such as AWS::SNS::Topic", k->str);
		} else if (type) {
			rd->schema = schema_find(type);
			if (!rd->schema) {
				const char *near = schema_suggest(type);
				if (near)
					error_at(L->d, tn, "unknown resource type '%s'; did you mean '%s'?", type,
						 near);
				else
					error_at(L->d, tn, "unknown resource type '%s'", type);
			}
		}
		strmap_put(&mp->res_by_id, k->str, mp->nres);
		mp->nres++;
	}
	mp->mods = xcalloc(mods ? mods->n + 1 : 1, sizeof(*mp->mods));
	for (size_t i = 0; mods && i < mods->n; i++) {
		const struct node *k = mods->keys[i], *m = mods->vals[i];
		if (!check_name(L, k, "module"))
			continue;
		char *what = xasprintf("module '%s'", k->str);
		bool is_map = check_keys(L, m, module_call_keys, ARRAY_SIZE(module_call_keys), what);
		free(what);
		if (!is_map)
			continue;
		struct mod_decl *md = &mp->mods[mp->nmods];
		md->name = k->str;
		md->key = k;
		md->decl = m;
		strmap_put(&mp->mod_by_name, k->str, mp->nmods);
		mp->nmods++;
	}
	/* Modules before resources: a resource's count may use a module output. */
	size_t nmods = mp->nmods, nres = mp->nres;
	for (size_t i = 0; i < nmods; i++)
		expand_module_call(L, mi, i);
	for (size_t i = 0; i < nres; i++)
		expand_resource(L, mi, i);
}

/* ---- dependencies, evaluation, checks ---- */

static size_t all_module_resources(const struct spec *s, size_t mi, size_t *out, size_t n)
{
	/* Every resource whose module is mi or below it. */
	for (size_t r = 0; r < s->nresources; r++) {
		size_t m = s->resources[r].module;
		while (m != mi && m != 0)
			m = s->modules[m].parent;
		if (m == mi)
			out[n++] = r;
	}
	return n;
}

static void depends_on_edges(struct loader *L, size_t from_node, size_t mi,
			     const struct node *deps)
{
	struct spec *s = L->s;
	const struct mod_priv *mp = &L->p->mods[mi];
	if (!deps)
		return;
	if (deps->kind != NODE_SEQ) {
		error_at(L->d, deps, "expected a list of names for 'depends_on', got %s",
			 node_kind_name(deps));
		return;
	}
	for (size_t i = 0; i < deps->n; i++) {
		const struct node *e = deps->vals[i];
		if (!node_is_string(e)) {
			error_at(L->d, e, "expected a resource name in 'depends_on', got %s",
				 node_kind_name(e));
			continue;
		}
		const char *name = e->str;
		size_t di;
		if (!strncmp(name, "module.", 7)) {
			if (!strmap_get(&mp->mod_by_name, name + 7, &di)) {
				error_at(L->d, e, "unknown module '%s' in depends_on", name + 7);
				continue;
			}
			const struct mod_decl *md = &mp->mods[di];
			for (size_t k = 0; k < md->n; k++) {
				size_t *list = xmalloc((s->nresources + 1) * sizeof(size_t));
				size_t n = all_module_resources(s, md->insts[k], list, 0);
				for (size_t j = 0; j < n; j++)
					dag_add_edge(&s->graph, from_node, s->resources[list[j]].graph_node,
						     e->file, e->line, e->col, "depends_on");
				free(list);
			}
			continue;
		}
		if (!strncmp(name, "data.", 5)) {
			if (!strmap_get(&mp->data_by_id, name + 5, &di)) {
				error_at(L->d, e, "unknown data entry '%s' in depends_on", name + 5);
				continue;
			}
			dag_add_edge(&s->graph, from_node, s->data[di].graph_node, e->file, e->line, e->col,
				     "depends_on");
			continue;
		}
		/* NAME or NAME[INDEX]: look the address up directly. */
		char *prefix = module_prefix(s, mi);
		char *addr = xasprintf("%s%s", prefix, name);
		size_t ri;
		const char *br = strchr(name, '[');
		char *id = br ? xstrndup(name, (size_t)(br - name)) : xstrdup(name);
		if (!strmap_get(&mp->res_by_id, id, &di)) {
			const char **names = xmalloc((mp->nres + 1) * sizeof(char *));
			for (size_t k = 0; k < mp->nres; k++)
				names[k] = mp->res[k].id;
			const char *near = suggest_nearest(id, names, mp->nres);
			if (near)
				error_at(L->d, e, "unknown resource '%s' in depends_on; did you mean '%s'?", id,
					 near);
			else
				error_at(L->d, e, "unknown resource '%s' in depends_on", id);
			free(names);
		} else if (br) {
			if (strmap_get(&L->p->res_by_addr, addr, &ri))
				dag_add_edge(&s->graph, from_node, s->resources[ri].graph_node, e->file,
					     e->line, e->col, "depends_on");
			else
				error_at(L->d, e, "no instance '%s' in depends_on", name);
		} else {
			const struct res_decl *rd = &mp->res[di];
			for (size_t k = 0; k < rd->n; k++)
				dag_add_edge(&s->graph, from_node, s->resources[rd->first + k].graph_node,
					     e->file, e->line, e->col, "depends_on");
		}
		free(id);
		free(addr);
		free(prefix);
	}
}

static struct scope resource_scope(const struct spec_resource *r)
{
	struct scope sc = { r->module, REPL_NONE, r->key, r->each_value };
	if (r->key)
		sc.repl = json_is_integer(r->key) ? REPL_COUNT : REPL_EACH;
	return sc;
}

static void evaluate_resources(struct loader *L)
{
	struct spec *s = L->s;
	L->ev.graph = &s->graph;
	eval_ctx_forget(&L->ev);
	for (size_t i = 0; i < s->nresources; i++) {
		struct spec_resource *r = &s->resources[i];
		struct scope sc = resource_scope(r);
		L->ev.self_node = r->graph_node;
		L->ev.sensitive = false;
		r->properties = r->props ? eval_node(&L->ev, r->props, &sc) : json_object();
		r->sensitive = L->ev.sensitive;
		check_properties(r, r->props ? r->props : r->decl, r->properties, L->ev.read_texts,
				 L->d);
		depends_on_edges(L, r->graph_node, r->module, node_get(r->decl, "depends_on"));
	}
	for (size_t i = 0; i < s->ndata; i++) {
		struct spec_data *dt = &s->data[i];
		struct scope sc = { dt->module, REPL_NONE, NULL, NULL };
		L->ev.self_node = dt->graph_node;
		dt->args = json_object();
		for (size_t k = 0; k < dt->decl->n; k++) {
			if (!strcmp(dt->decl->keys[k]->str, "type"))
				continue;
			json_object_set_new(dt->args, dt->decl->keys[k]->str,
					    eval_node(&L->ev, dt->decl->vals[k], &sc));
		}
	}
	/* Module calls' depends_on: every resource inside depends on the targets. */
	for (size_t m = 1; m < s->nmodules; m++) {
		const struct node *deps = node_get(s->modules[m].call, "depends_on");
		if (!deps)
			continue;
		for (size_t r = 0; r < s->nresources; r++) {
			size_t up = s->resources[r].module;
			while (up != m && up != 0)
				up = s->modules[up].parent;
			if (up == m)
				depends_on_edges(L, s->resources[r].graph_node, s->modules[m].parent, deps);
		}
	}
	L->ev.graph = NULL;
	L->ev.self_node = SIZE_MAX;
}

static void evaluate_outputs(struct loader *L)
{
	struct spec *s = L->s;
	/* Module outputs are evaluated when referenced; evaluate each once more
	 * here so mistakes in an unused output are reported too. */
	for (size_t m = 1; m < s->nmodules; m++) {
		const struct node *outs = node_get(s->modules[m].root, "outputs");
		if (!outs || outs->kind != NODE_MAP) {
			if (outs)
				error_at(L->d, outs, "expected a map for 'outputs', got %s", node_kind_name(outs));
			continue;
		}
		for (size_t i = 0; i < outs->n; i++) {
			if (!check_keys(L, outs->vals[i], output_keys, ARRAY_SIZE(output_keys), "an output"))
				continue;
			const struct node *v = node_get(outs->vals[i], "value");
			if (!v) {
				error_at(L->d, outs->keys[i], "output '%s' needs a 'value'", outs->keys[i]->str);
				continue;
			}
			json_decref(eval_node(&L->ev, v, &(struct scope){ m, REPL_NONE, NULL, NULL }));
		}
	}
	const struct node *outs = node_get(s->modules[0].root, "outputs");
	if (!outs)
		return;
	if (outs->kind != NODE_MAP) {
		error_at(L->d, outs, "expected a map for 'outputs', got %s", node_kind_name(outs));
		return;
	}
	s->outputs = xcalloc(outs->n + 1, sizeof(*s->outputs));
	for (size_t i = 0; i < outs->n; i++) {
		const struct node *k = outs->keys[i], *o = outs->vals[i];
		if (!check_keys(L, o, output_keys, ARRAY_SIZE(output_keys), "an output"))
			continue;
		const struct node *v = node_get(o, "value");
		if (!v) {
			error_at(L->d, k, "output '%s' needs a 'value'", k->str);
			continue;
		}
		struct spec_output *out = &s->outputs[s->noutputs++];
		const char *desc = expect_string(L, node_get(o, "description"), "description");
		out->name = xstrdup(k->str);
		out->description = desc ? xstrdup(desc) : NULL;
		out->value_node = v;
		L->ev.sensitive = false;
		out->value = eval_node(&L->ev, v, &(struct scope){ 0, REPL_NONE, NULL, NULL });
		out->sensitive = node_bool(L, node_get(o, "sensitive"), "sensitive") || L->ev.sensitive;
	}
}

/* backend: { s3: { bucket: NAME, prefix: berth/, region: R } } */
static void check_backend(struct loader *L, const struct node *b)
{
	static const char *const kinds[] = { "s3" };
	static const char *const s3_keys[] = { "bucket", "prefix", "region" };
	struct spec_backend *out = &L->s->backend;
	if (!b || !check_keys(L, b, kinds, ARRAY_SIZE(kinds), "backend"))
		return;
	const struct node *s3 = node_get(b, "s3");
	if (!s3) {
		error_at(L->d, b, "backend: expected 's3: { bucket: NAME, prefix: PREFIX, region: "
				  "REGION }'");
		return;
	}
	if (!check_keys(L, s3, s3_keys, ARRAY_SIZE(s3_keys), "backend s3"))
		return;
	const struct node *bn = node_get(s3, "bucket");
	const char *bucket = expect_string(L, bn, "bucket");
	if (!bn)
		error_at(L->d, s3, "backend s3: missing 'bucket' (the S3 bucket that holds the "
				   "lock and the state cache)");
	else if (bucket && (strlen(bucket) < 3 || strlen(bucket) > 63 || strchr(bucket, '/')))
		error_at(L->d, bn, "backend s3: '%s' is not an S3 bucket name", bucket);
	else if (bucket)
		out->bucket = xstrdup(bucket);
	const char *prefix = expect_string(L, node_get(s3, "prefix"), "prefix");
	out->prefix = xstrdup(prefix ? prefix : "");
	const char *region = expect_string(L, node_get(s3, "region"), "region");
	out->region = region ? xstrdup(region) : NULL;
}

static void check_top(struct loader *L, const struct node *root)
{
	struct spec *s = L->s;
	check_keys(L, root, top_keys, ARRAY_SIZE(top_keys), "the spec");
	const struct node *b = node_get(root, "berth");
	if (!b) {
		error_at(L->d, root, "missing 'berth: 1' (the spec format version) at the top of the spec");
	} else if (b->kind != NODE_SCALAR || b->stype != ST_INT) {
		error_at(L->d, b, "expected the number 1 for 'berth' (the spec format version), got %s",
			 node_kind_name(b));
	} else if (strcmp(b->str, "1")) {
		error_at(L->d, b, "unsupported spec format version %s; this berth reads version 1",
			 b->str);
	} else {
		s->version = 1;
	}
	const struct node *st = node_get(root, "stack");
	if (!st) {
		error_at(L->d, root, "missing 'stack' (the name of the environment, such as 'ecs-workshop')");
	} else if (expect_string(L, st, "stack")) {
		if (!valid_name(st->str) || strlen(st->str) > 64)
			error_at(L->d, st,
				 "invalid stack name '%s'; use up to 64 letters, digits, '_' and '-', starting with a letter",
				 st->str);
		s->stack = xstrdup(st->str);
	}
	const char *region = expect_string(L, node_get(root, "region"), "region");
	if (region)
		s->region = xstrdup(region);
	else if (L->opt->region)
		s->region = xstrdup(L->opt->region);
	check_backend(L, node_get(root, "backend"));
	const struct node *ex = node_get(root, "expires");
	const char *expires = expect_string(L, ex, "expires");
	long secs;
	time_t t;
	if (expires && duration_parse(expires, &secs) && time_parse_rfc3339(expires, &t))
		error_at(L->d, ex, "expires: expected a duration such as 8h, 90m or 2d, or an RFC 3339 "
				   "time such as 2026-12-24T18:00:00Z, not '%s'", expires);
	else if (expires)
		s->expires = xstrdup(expires);
}

static void dedupe_diags(struct diags *d)
{
	size_t w = 0;
	diags_sort(d);
	for (size_t i = 0; i < d->n; i++) {
		bool dup = false;
		for (size_t j = w; j-- > 0;) {
			const struct diag *a = &d->items[j], *b = &d->items[i];
			if (a->line != b->line || a->col != b->col ||
			    strcmp(a->file ? a->file : "", b->file ? b->file : ""))
				break;
			if (!strcmp(a->summary, b->summary)) {
				dup = true;
				break;
			}
		}
		if (dup) {
			struct diag *x = &d->items[i];
			free(x->summary);
			free(x->detail);
			free(x->file);
			free(x->address);
			free(x->aws_service);
			free(x->aws_operation);
			free(x->aws_code);
			free(x->request_id);
			continue;
		}
		d->items[w++] = d->items[i];
	}
	d->n = w;
}

int spec_load(const struct spec_options *opt, struct spec **out, struct diags *d)
{
	struct spec *s = xcalloc(1, sizeof(*s));
	struct spec_private *p = xcalloc(1, sizeof(*p));
	struct loader L = { s, p, opt, NULL, { 0 } };
	struct diags local = DIAGS_INIT;
	struct spec_doc *doc = NULL;
	const char *path = opt->path ? opt->path : "berth.yaml";
	int rc;

	s->priv = p;
	dag_init(&s->graph);
	L.d = &local;
	p->allow_network = opt->allow_network;
	s->file = xstrdup(path);
	p->spec_dir = path_dir(path);
	s->project_dir = find_project_dir(p->spec_dir);
	s->cache_dir = xasprintf("%s/.berth/cache", s->project_dir);
	eval_ctx_init(&L.ev, s, NULL, &local);

	if (opt->text)
		rc = spec_doc_parse_lenient(path, opt->text, opt->text_len, &doc, &local);
	else
		rc = spec_doc_load(path, &doc, &local);
	if (rc)
		goto cleanup;
	ALLOC_GROW(p->docs, p->ndocs + 1, p->docs_alloc);
	p->docs[p->ndocs++] = doc;
	if (!doc->root || doc->root->kind != NODE_MAP) {
		if (doc->root)
			error_at(&local, doc->root, "a spec is a map with 'berth', 'stack' and 'resources', got %s",
				 node_kind_name(doc->root));
		else
			diags_error_at(&local, path, 1, 1, "the spec is empty; it needs at least 'berth: 1' and 'stack'");
		rc = BERTH_EINVAL;
		goto cleanup;
	}
	char *real = realpath(path, NULL);
	strmap_put(&p->doc_by_path, real ? real : path, 0);
	check_top(&L, doc->root);
	new_module(&L, 0, NULL, doc->root, path, real ? real : path, "", NULL, NULL, REPL_NONE);
	free(real);
	load_variables(&L, node_get(doc->root, "variables"));
	load_repos(&L, node_get(doc->root, "repos"));
	expand_module(&L, 0);
	evaluate_resources(&L);
	evaluate_outputs(&L);
	dag_finish(&s->graph);
	dag_check_cycles(&s->graph, &local);
	rc = diags_has_errors(&local) ? BERTH_EINVAL : 0;
cleanup:
	eval_ctx_release(&L.ev);
	dedupe_diags(&local);
	diags_move(d, &local);
	if (rc) {
		spec_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

char *spec_stack_name(const char *path)
{
	struct spec_doc *doc = NULL;
	struct diags d = DIAGS_INIT;
	char *out = NULL;
	if (!spec_doc_load(path, &doc, &d) && doc->root && doc->root->kind == NODE_MAP) {
		const struct node *st = node_get(doc->root, "stack");
		if (node_is_string(st) && valid_name(st->str) && strlen(st->str) <= 64)
			out = xstrdup(st->str);
	}
	spec_doc_free(doc);
	diags_release(&d);
	return out;
}

void spec_free(struct spec *s)
{
	if (!s)
		return;
	struct spec_private *p = s->priv;
	for (size_t i = 0; i < s->nvars; i++) {
		free(s->vars[i].name);
		free(s->vars[i].description);
		json_decref(s->vars[i].value);
	}
	free(s->vars);
	for (size_t i = 0; i < s->nmodules; i++) {
		struct mod_priv *mp = &p->mods[i];
		free(s->modules[i].address);
		free(s->modules[i].file);
		free(s->modules[i].dir);
		json_decref(s->modules[i].key);
		json_decref(s->modules[i].each_value);
		for (size_t k = 0; k < mp->nres; k++)
			strmap_release(&mp->res[k].by_key);
		for (size_t k = 0; k < mp->nmods; k++) {
			strmap_release(&mp->mods[k].by_key);
			free(mp->mods[k].insts);
		}
		free(mp->res);
		free(mp->mods);
		free(mp->real);
		strmap_release(&mp->res_by_id);
		strmap_release(&mp->mod_by_name);
		strmap_release(&mp->data_by_id);
	}
	free(s->modules);
	for (size_t i = 0; i < s->nresources; i++) {
		struct spec_resource *r = &s->resources[i];
		free(r->address);
		free(r->id);
		free(r->type);
		json_decref(r->key);
		json_decref(r->each_value);
		json_decref(r->properties);
		strvec_clear(&r->ignore_changes);
	}
	free(s->resources);
	for (size_t i = 0; i < s->ndata; i++) {
		free(s->data[i].address);
		free(s->data[i].id);
		free(s->data[i].kind);
		json_decref(s->data[i].args);
	}
	free(s->data);
	for (size_t i = 0; i < s->nrepos; i++) {
		free(s->repos[i].name);
		free(s->repos[i].url);
		free(s->repos[i].ref);
		free(s->repos[i].path);
	}
	free(s->repos);
	for (size_t i = 0; i < s->noutputs; i++) {
		free(s->outputs[i].name);
		free(s->outputs[i].description);
		json_decref(s->outputs[i].value);
	}
	free(s->outputs);
	dag_release(&s->graph);
	for (size_t i = 0; i < p->ndocs; i++)
		spec_doc_free(p->docs[i]);
	free(p->docs);
	strmap_release(&p->doc_by_path);
	free(p->mods);
	strmap_release(&p->var_by_name);
	strmap_release(&p->repo_by_name);
	strmap_release(&p->res_by_addr);
	free(p->spec_dir);
	free(p);
	free(s->stack);
	free(s->region);
	free(s->expires);
	free(s->backend.bucket);
	free(s->backend.prefix);
	free(s->backend.region);
	free(s->file);
	free(s->project_dir);
	free(s->cache_dir);
	free(s);
}

/* ---- evaluation for the engine ---- */

static int finish_eval(struct eval_ctx *ctx, json_t *v, json_t **out, struct diags *d,
		       size_t errs_before)
{
	eval_ctx_release(ctx);
	if (diags_count(d, DIAG_ERROR) > errs_before) {
		json_decref(v);
		return BERTH_EINVAL;
	}
	*out = v;
	return 0;
}

int spec_eval_resource(const struct spec *s, size_t i, const struct spec_resolver *r,
		       json_t **out, bool *sensitive, struct diags *d)
{
	struct eval_ctx ctx;
	size_t before = diags_count(d, DIAG_ERROR);
	if (i >= s->nresources)
		return BERTH_EINVAL;
	const struct spec_resource *res = &s->resources[i];
	struct scope sc = resource_scope(res);
	eval_ctx_init(&ctx, s, r, d);
	json_t *v = res->props ? eval_node(&ctx, res->props, &sc) : json_object();
	if (sensitive)
		*sensitive = ctx.sensitive;
	return finish_eval(&ctx, v, out, d, before);
}

int spec_eval_data(const struct spec *s, size_t i, const struct spec_resolver *r,
		   json_t **out, struct diags *d)
{
	struct eval_ctx ctx;
	size_t before = diags_count(d, DIAG_ERROR);
	if (i >= s->ndata)
		return BERTH_EINVAL;
	const struct spec_data *dt = &s->data[i];
	struct scope sc = { dt->module, REPL_NONE, NULL, NULL };
	eval_ctx_init(&ctx, s, r, d);
	json_t *v = json_object();
	for (size_t k = 0; k < dt->decl->n; k++)
		if (strcmp(dt->decl->keys[k]->str, "type"))
			json_object_set_new(v, dt->decl->keys[k]->str,
					    eval_node(&ctx, dt->decl->vals[k], &sc));
	return finish_eval(&ctx, v, out, d, before);
}

int spec_eval_output(const struct spec *s, size_t i, const struct spec_resolver *r,
		     json_t **out, bool *sensitive, struct diags *d)
{
	struct eval_ctx ctx;
	size_t before = diags_count(d, DIAG_ERROR);
	if (i >= s->noutputs)
		return BERTH_EINVAL;
	struct scope sc = { 0, REPL_NONE, NULL, NULL };
	eval_ctx_init(&ctx, s, r, d);
	json_t *v = eval_node(&ctx, s->outputs[i].value_node, &sc);
	if (sensitive)
		*sensitive = ctx.sensitive;
	return finish_eval(&ctx, v, out, d, before);
}

long spec_find_resource(const struct spec *s, const char *address)
{
	size_t i;
	return strmap_get(&s->priv->res_by_addr, address, &i) ? (long)i : -1;
}

char *spec_graph_dot(const struct spec *s)
{
	struct buf b = BUF_INIT;
	dag_to_dot(&s->graph, &b);
	return buf_detach(&b, NULL);
}
