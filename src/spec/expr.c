/* Parser for `${...}` templates; see expr.h for the grammar. A hand-written
 * recursive descent parser: the language is tiny and errors must name the
 * exact offset of the problem. */
#include "util/common.h"
#include "spec/expr.h"
#include "util/buf.h"

#include <ctype.h>
#include <math.h>

struct parser {
	const char *s;
	size_t len, pos;
	size_t err_off;
	char *err;
	int depth; /* nesting, bounded so hostile input cannot exhaust the stack */
};

static int fail(struct parser *p, size_t off, const char *fmt, const char *arg)
{
	if (!p->err) {
		p->err = xasprintf(fmt, arg);
		p->err_off = off;
	}
	return BERTH_EINVAL;
}

void expr_free(struct expr *e)
{
	if (!e)
		return;
	free(e->name);
	expr_free(e->base);
	expr_free(e->index);
	for (size_t i = 0; i < e->nargs; i++) {
		expr_free(e->args[i]);
		if (e->arg_names)
			free(e->arg_names[i]);
	}
	free(e->args);
	free(e->arg_names);
	tmpl_free(e->tmpl);
	free(e);
}

void tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->parts[i].text);
		expr_free(t->parts[i].e);
	}
	free(t->parts);
	free(t);
}

static struct expr *expr_new(enum expr_kind kind, size_t off)
{
	struct expr *e = xcalloc(1, sizeof(*e));
	e->kind = kind;
	e->off = off;
	return e;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
				   p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

static int peek(struct parser *p)
{
	skip_ws(p);
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static bool name_start(int c) { return c == '_' || (c >= 0 && c < 128 && isalpha(c)); }
static bool name_char(int c) { return name_start(c) || c == '-' || (c >= '0' && c <= '9'); }

static char *parse_name(struct parser *p)
{
	size_t start = p->pos;
	while (p->pos < p->len && name_char((unsigned char)p->s[p->pos]))
		p->pos++;
	return xstrndup(p->s + start, p->pos - start);
}

static int parse_expr(struct parser *p, struct expr **out);

static void add_part(struct tmpl *t, size_t *alloc, char *text, struct expr *e, size_t off)
{
	ALLOC_GROW(t->parts, t->n + 1, *alloc);
	t->parts[t->n++] = (struct tmpl_part){ text, e, off };
}

/* One `${...}` whose "${" is at p->pos: the expression up to its '}'. The
 * same at the top of a string and inside a string literal. */
static int parse_interpolation(struct parser *p, struct expr **out)
{
	size_t open = p->pos;
	struct expr *e = NULL;
	p->pos += 2;
	if (peek(p) == '}')
		return fail(p, open, "empty expression '${}'%s", "");
	if (parse_expr(p, &e))
		return BERTH_EINVAL;
	if (peek(p) != '}') {
		expr_free(e);
		if (p->pos >= p->len)
			return fail(p, open, "unterminated '${'; expected '}'%s", "");
		return fail(p, p->pos, "unexpected '%s' in expression; expected '}'",
			    (char[]){ p->s[p->pos], 0 });
	}
	p->pos++;
	/* A reference that is the whole expression is reported at its "${"
	 * (what people look for); parts inside it, such as an index or a
	 * function argument, keep their own offsets. */
	size_t first = e->off;
	for (struct expr *x = e; x; x = (x->kind == EX_ATTR || x->kind == EX_INDEX) ? x->base : NULL)
		if (x->off == first)
			x->off = open;
	*out = e;
	return 0;
}

static bool at_dollar_dollar(const struct parser *p)
{
	return p->pos + 2 < p->len && p->s[p->pos] == '$' && p->s[p->pos + 1] == '$' &&
	       p->s[p->pos + 2] == '{';
}

static bool at_interpolation(const struct parser *p)
{
	return p->pos + 1 < p->len && p->s[p->pos] == '$' && p->s[p->pos + 1] == '{';
}

/* A string literal. It is a template too, as HCL's are: `${...}` inside it
 * is an expression whose value goes into the string (and whose own strings
 * may use either quote), `$${` a literal "${". So a function argument can be
 * "${repo.x.path}/file.yaml". A literal without `${` is an EX_STRING; with
 * one, an EX_TEMPLATE. */
static int parse_string(struct parser *p, struct expr **out)
{
	char q = p->s[p->pos];
	size_t start = p->pos++;
	struct buf b = BUF_INIT;
	struct tmpl *t = NULL;
	size_t alloc = 0, lit_off = p->pos;
	int rc = 0;
	while (p->pos < p->len && p->s[p->pos] != q) {
		if (at_dollar_dollar(p)) {
			if (!b.len)
				lit_off = p->pos;
			buf_adds(&b, "${");
			p->pos += 3;
			continue;
		}
		if (at_interpolation(p)) {
			struct expr *e = NULL;
			if (!t)
				t = xcalloc(1, sizeof(*t));
			if (b.len)
				add_part(t, &alloc, buf_detach(&b, NULL), NULL, lit_off);
			size_t open = p->pos;
			if ((rc = parse_interpolation(p, &e)))
				goto fail;
			add_part(t, &alloc, NULL, e, open);
			continue;
		}
		if (!b.len)
			lit_off = p->pos;
		char c = p->s[p->pos++];
		if (c == '\\' && p->pos < p->len) {
			char e = p->s[p->pos++];
			switch (e) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '\\': case '"': case '\'': c = e; break;
			default:
				rc = fail(p, p->pos - 2, "unknown escape '\\%s' in a string", (char[]){ e, 0 });
				goto fail;
			}
		}
		buf_addch(&b, c);
	}
	if (p->pos >= p->len) {
		rc = fail(p, start, "unterminated string; expected a closing %s", q == '"' ? "'\"'" : "\"'\"");
		goto fail;
	}
	p->pos++;
	*out = expr_new(t ? EX_TEMPLATE : EX_STRING, start);
	if (t) {
		if (b.len)
			add_part(t, &alloc, buf_detach(&b, NULL), NULL, lit_off);
		t->has_expr = true;
		t->whole = t->n == 1;
		(*out)->tmpl = t;
	} else {
		(*out)->name = buf_detach(&b, NULL);
	}
	buf_release(&b);
	return 0;
fail:
	buf_release(&b);
	tmpl_free(t);
	return rc;
}

static int parse_number(struct parser *p, struct expr **out)
{
	size_t start = p->pos;
	char *end;
	char *tmp;
	while (p->pos < p->len && strchr("0123456789.eE+-", p->s[p->pos]))
		p->pos++;
	tmp = xstrndup(p->s + start, p->pos - start);
	errno = 0;
	double v = strtod(tmp, &end);
	bool ok = *end == '\0' && errno == 0 && isfinite(v);
	bool is_int = !strpbrk(tmp, ".eE");
	free(tmp);
	if (!ok)
		return fail(p, start, "malformed number%s", "");
	*out = expr_new(EX_NUMBER, start);
	(*out)->num = v;
	(*out)->is_int = is_int;
	return 0;
}

/* Comma-separated items up to `close`; for maps and calls, `key:`/`name=`. */
static int parse_items(struct parser *p, struct expr *e, char close, char sep_kv)
{
	size_t alloc = 0, nalloc = 0;
	if (peek(p) == close) {
		p->pos++;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		struct expr *item = NULL;
		int c = peek(p);
		size_t item_off = p->pos;
		if (sep_kv) {
			/* Lookahead for NAME '=' / NAME ':' / STRING ':'. */
			size_t save = p->pos;
			if (name_start(c)) {
				key = parse_name(p);
			} else if (sep_kv == ':' && (c == '"' || c == '\'')) {
				struct expr *k;
				if (parse_string(p, &k))
					return BERTH_EINVAL;
				if (k->kind == EX_TEMPLATE) {
					expr_free(k);
					return fail(p, item_off, "a map key is plain text; it cannot hold ${...}%s", "");
				}
				key = k->name;
				k->name = NULL;
				expr_free(k);
			}
			if (key && peek(p) == sep_kv) {
				p->pos++;
			} else if (sep_kv == ':') {
				free(key);
				return fail(p, item_off, "expected 'key: value' in a map%s", "");
			} else {
				free(key);
				key = NULL;
				p->pos = save;
			}
		}
		if (parse_expr(p, &item)) {
			free(key);
			return BERTH_EINVAL;
		}
		ALLOC_GROW(e->args, e->nargs + 1, alloc);
		if (sep_kv) {
			ALLOC_GROW(e->arg_names, e->nargs + 1, nalloc);
			e->arg_names[e->nargs] = key;
		}
		e->args[e->nargs++] = item;
		c = peek(p);
		if (c == ',') {
			p->pos++;
			continue;
		}
		if (c == close) {
			p->pos++;
			return 0;
		}
		return fail(p, p->pos < p->len ? p->pos : p->len,
			    "expected ',' or '%s'", (char[]){ close, 0 });
	}
}

static int parse_primary(struct parser *p, struct expr **out)
{
	int c = peek(p);
	size_t start = p->pos;
	if (c < 0)
		return fail(p, p->len, "expected an expression before the end%s", "");
	if (c == '"' || c == '\'')
		return parse_string(p, out);
	if ((c >= '0' && c <= '9') || c == '-')
		return parse_number(p, out);
	if (c == '[' || c == '{') {
		struct expr *e = expr_new(c == '[' ? EX_LIST : EX_MAP, start);
		p->pos++;
		if (parse_items(p, e, c == '[' ? ']' : '}', c == '[' ? 0 : ':')) {
			expr_free(e);
			return BERTH_EINVAL;
		}
		*out = e;
		return 0;
	}
	if (!name_start(c))
		return fail(p, start, "unexpected '%s'; expected a name, string or number",
			    (char[]){ (char)c, 0 });
	char *name = parse_name(p);
	if (p->pos < p->len && p->s[p->pos] == '(') {
		struct expr *e = expr_new(EX_CALL, start);
		e->name = name;
		p->pos++;
		if (parse_items(p, e, ')', '=')) {
			expr_free(e);
			return BERTH_EINVAL;
		}
		*out = e;
		return 0;
	}
	if (!strcmp(name, "true") || !strcmp(name, "false")) {
		*out = expr_new(EX_BOOL, start);
		(*out)->b = name[0] == 't';
		free(name);
		return 0;
	}
	if (!strcmp(name, "null")) {
		*out = expr_new(EX_NULL, start);
		free(name);
		return 0;
	}
	*out = expr_new(EX_NAME, start);
	(*out)->name = name;
	return 0;
}

static int parse_expr(struct parser *p, struct expr **out)
{
	struct expr *e = NULL;
	int rc;
	if (++p->depth > 64) {
		p->depth--;
		return fail(p, p->pos, "expression nested too deeply%s", "");
	}
	rc = parse_primary(p, &e);
	for (size_t steps = 0; !rc; steps++) {
		/* A chain a.b[0].c is a loop here but a recursion everywhere
		 * after (evaluation, printing, freeing): bound it too. */
		if (steps == EXPR_MAX_STEPS && p->pos < p->len &&
		    (p->s[p->pos] == '.' || p->s[p->pos] == '[')) {
			rc = fail(p, p->pos, "a reference has at most %s steps (.name or [index])",
				  EXPR_MAX_STEPS_TEXT);
			break;
		}
		/* No whitespace skipping before '.' or '[': "a .b" is not "a.b". */
		if (p->pos < p->len && p->s[p->pos] == '.') {
			size_t at = p->pos++;
			if (p->pos >= p->len || !name_char((unsigned char)p->s[p->pos])) {
				rc = fail(p, at + 1, "expected an attribute name after '.'%s", "");
				break;
			}
			struct expr *a = expr_new(EX_ATTR, e->off);
			a->name = parse_name(p);
			a->base = e;
			e = a;
		} else if (p->pos < p->len && p->s[p->pos] == '[') {
			p->pos++;
			struct expr *ix = expr_new(EX_INDEX, e->off);
			ix->base = e;
			e = ix;
			/* NAME[*]: every instance (index NULL), for lists of
			 * attributes of a resource with count or for_each. */
			size_t q = p->pos;
			while (q < p->len && p->s[q] == ' ')
				q++;
			if (q < p->len && p->s[q] == '*') {
				q++;
				while (q < p->len && p->s[q] == ' ')
					q++;
				if (q < p->len && p->s[q] == ']') {
					p->pos = q + 1;
					continue;
				}
			}
			rc = parse_expr(p, &ix->index);
			if (!rc && peek(p) != ']')
				rc = fail(p, p->pos, "expected ']'%s", "");
			if (!rc)
				p->pos++;
		} else {
			break;
		}
	}
	p->depth--;
	if (rc) {
		expr_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

bool tmpl_has_expr(const char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] == '$' && s[i + 1] == '$' && i + 2 < len && s[i + 2] == '{') {
			i += 2;
			continue;
		}
		if (s[i] == '$' && s[i + 1] == '{')
			return true;
	}
	return false;
}

int tmpl_parse(const char *s, size_t len, struct tmpl **out, size_t *err_off, char **err_msg)
{
	struct parser p = { s, len, 0, 0, NULL, 0 };
	struct tmpl *t = xcalloc(1, sizeof(*t));
	struct buf lit = BUF_INIT;
	size_t alloc = 0, lit_off = 0;

	while (p.pos < len) {
		if (at_dollar_dollar(&p)) {
			if (!lit.len)
				lit_off = p.pos;
			buf_adds(&lit, "${");
			p.pos += 3;
			continue;
		}
		if (at_interpolation(&p)) {
			size_t open = p.pos;
			struct expr *e = NULL;
			if (lit.len)
				add_part(t, &alloc, buf_detach(&lit, NULL), NULL, lit_off);
			if (parse_interpolation(&p, &e))
				goto fail;
			add_part(t, &alloc, NULL, e, open);
			t->has_expr = true;
			continue;
		}
		if (!lit.len)
			lit_off = p.pos;
		buf_addch(&lit, s[p.pos++]);
	}
	if (lit.len)
		add_part(t, &alloc, buf_detach(&lit, NULL), NULL, lit_off);
	t->whole = t->n == 1 && t->parts[0].e;
	*out = t;
	return 0;
fail:
	buf_release(&lit);
	tmpl_free(t);
	*err_off = p.err_off;
	*err_msg = p.err;
	return BERTH_EINVAL;
}

/* Text of a template literal as it would be written in a string. */
static void text_write(struct buf *b, const char *text)
{
	for (const char *c = text; *c; c++) {
		if (c[0] == '$' && c[1] == '{')
			buf_addch(b, '$');
		buf_addch(b, *c);
	}
}

static void expr_write(struct buf *b, const struct expr *e)
{
	switch (e->kind) {
	case EX_NAME: buf_adds(b, e->name); break;
	case EX_ATTR: expr_write(b, e->base); buf_addf(b, ".%s", e->name); break;
	case EX_INDEX:
		expr_write(b, e->base);
		buf_addch(b, '[');
		if (e->index)
			expr_write(b, e->index);
		else
			buf_addch(b, '*');
		buf_addch(b, ']');
		break;
	case EX_STRING: buf_addf(b, "\"%s\"", e->name); break;
	case EX_TEMPLATE:
		buf_addch(b, '"');
		for (size_t i = 0; i < e->tmpl->n; i++) {
			if (e->tmpl->parts[i].text) {
				text_write(b, e->tmpl->parts[i].text);
				continue;
			}
			buf_adds(b, "${");
			expr_write(b, e->tmpl->parts[i].e);
			buf_addch(b, '}');
		}
		buf_addch(b, '"');
		break;
	case EX_NUMBER:
		if (e->is_int)
			buf_addf(b, "%.0f", e->num);
		else
			buf_addf(b, "%g", e->num);
		break;
	case EX_BOOL: buf_adds(b, e->b ? "true" : "false"); break;
	case EX_NULL: buf_adds(b, "null"); break;
	case EX_CALL:
	case EX_LIST:
	case EX_MAP:
		if (e->kind == EX_CALL)
			buf_addf(b, "%s(", e->name);
		else
			buf_addch(b, e->kind == EX_LIST ? '[' : '{');
		for (size_t i = 0; i < e->nargs; i++) {
			if (i)
				buf_adds(b, ", ");
			if (e->arg_names && e->arg_names[i])
				buf_addf(b, e->kind == EX_MAP ? "%s: " : "%s=", e->arg_names[i]);
			expr_write(b, e->args[i]);
		}
		buf_addch(b, e->kind == EX_CALL ? ')' : e->kind == EX_LIST ? ']' : '}');
		break;
	}
}

char *expr_to_string(const struct expr *e)
{
	struct buf b = BUF_INIT;
	expr_write(&b, e);
	return buf_detach(&b, NULL);
}
