/* The expression language inside spec strings: parsing only (evaluation is in
 * eval.c). A string is a template of literal text and `${...}` expressions;
 * `$${` is a literal `${`. Grammar of what is between `${` and `}`:
 *
 *   expr    := primary ( '.' NAME | '[' expr ']' )*
 *   primary := NAME | NAME '(' args ')' | STRING | NUMBER | true | false | null
 *            | '[' expr, ... ']' | '{' key ':' expr, ... '}'
 *   args    := ( [NAME '='] expr ), ...          (named: fetch(URL, sha256=HEX))
 *   NAME    := [A-Za-z_][A-Za-z0-9_-]*           ('-' because ids are "cpu-alarm")
 *   STRING  := "..." or '...' with \" \' \\ \n \t escapes; a string is a
 *              template too: "${repo.x.path}/f.yaml" (EX_TEMPLATE), and
 *              $${ is a literal ${ in it, as at the top level
 *
 * There are no operators: berth has references and a few functions, not a
 * general language (DESIGN.md §3). Every node keeps the byte offset in the
 * decoded string where it starts, so errors point at the reference itself.
 *
 * Ownership: a struct tmpl owns all its parts and expressions. */
#ifndef BERTH_SPEC_EXPR_H
#define BERTH_SPEC_EXPR_H

#include <stddef.h>
#include <stdbool.h>

struct tmpl;

enum expr_kind {
	EX_NAME,   /* a bare name: the root of a reference (var, ID, count, ...) */
	EX_ATTR,   /* base.name */
	EX_INDEX,  /* base[index] */
	EX_CALL,   /* name(args) */
	EX_STRING,
	EX_NUMBER,
	EX_BOOL,
	EX_NULL,
	EX_LIST,   /* [args] */
	EX_MAP,    /* {arg_names[i]: args[i]} */
	EX_TEMPLATE /* a string literal holding ${...}: tmpl */
};

struct expr {
	enum expr_kind kind;
	size_t off;   /* where this expression starts in the decoded string */
	char *name;   /* NAME, ATTR, CALL: the name; STRING: the value */
	double num;
	bool is_int;  /* NUMBER written without '.' or exponent */
	bool b;
	struct expr *base, *index;
	struct expr **args;
	char **arg_names; /* CALL: NULL entries for positional args; MAP: keys */
	size_t nargs;
	struct tmpl *tmpl; /* TEMPLATE: its parts, offsets in the same string */
};

struct tmpl_part {
	char *text;      /* literal text (escapes undone), or NULL for an expression */
	struct expr *e;
	size_t off;      /* offset of the literal or of the "${" */
};

struct tmpl {
	struct tmpl_part *parts;
	size_t n;
	bool whole; /* the string is exactly one ${...}: its value keeps its type */
	bool has_expr;
};

/* Bounds that keep hostile input from exhausting the stack: a reference has
 * at most EXPR_MAX_STEPS steps after its root (.name or [index]). */
#define EXPR_MAX_STEPS 32
#define EXPR_MAX_STEPS_TEXT "32"

/* Parses `s` (len bytes). On a syntax error returns BERTH_EINVAL and sets
 * *err_off (offset of the problem) and *err_msg (owned by the caller);
 * otherwise 0 and *out. */
int tmpl_parse(const char *s, size_t len, struct tmpl **out, size_t *err_off, char **err_msg);
void tmpl_free(struct tmpl *t);
void expr_free(struct expr *e);
/* Whether s contains "${" that is not "$${": a cheap test before parsing. */
bool tmpl_has_expr(const char *s, size_t len);
/* The expression as text, for messages and DOT labels; caller frees. */
char *expr_to_string(const struct expr *e);

#endif
