/* The `${...}` template parser: structure, offsets and syntax errors. */
#include "util/common.h"
#include "harness.h"
#include "spec/expr.h"

static struct tmpl *parse_ok(const char *s)
{
	struct tmpl *t = NULL;
	size_t off = 0;
	char *msg = NULL;
	int rc = tmpl_parse(s, strlen(s), &t, &off, &msg);
	if (rc) {
		fprintf(stderr, "  parse of '%s' failed at %zu: %s\n", s, off, msg);
		free(msg);
	}
	return t;
}

TEST(plain_text_is_one_literal)
{
	struct tmpl *t = parse_ok("hello");
	CHECK(t);
	CHECK_INT(t->n, 1);
	CHECK_STR(t->parts[0].text, "hello");
	CHECK(!t->whole);
	CHECK(!t->has_expr);
	tmpl_free(t);
}

TEST(whole_expression_keeps_type)
{
	struct tmpl *t = parse_ok("${var.azs}");
	CHECK(t);
	CHECK(t->whole);
	CHECK_INT(t->parts[0].e->kind, EX_ATTR);
	CHECK_STR(t->parts[0].e->name, "azs");
	CHECK_STR(t->parts[0].e->base->name, "var");
	tmpl_free(t);
}

TEST(mixed_text_and_expressions)
{
	struct tmpl *t = parse_ok("http://${lb.DNSName}:${port}/x");
	CHECK(t);
	CHECK_INT(t->n, 5);
	CHECK_STR(t->parts[0].text, "http://");
	CHECK_INT(t->parts[1].off, 7);
	CHECK_INT(t->parts[1].e->off, 7); /* a whole reference points at its "${" */
	CHECK_STR(t->parts[2].text, ":");
	CHECK_INT(t->parts[3].off, 21);
	CHECK_STR(t->parts[4].text, "/x");
	CHECK(!t->whole);
	tmpl_free(t);
}

TEST(dollar_dollar_escapes)
{
	struct tmpl *t = parse_ok("$${literal} and $$ and ${x}");
	CHECK(t);
	CHECK_STR(t->parts[0].text, "${literal} and $$ and ");
	CHECK_INT(t->parts[1].e->kind, EX_NAME);
	tmpl_free(t);
	CHECK(!tmpl_has_expr("$${a}", 5));
	CHECK(tmpl_has_expr("a ${b}", 6));
}

TEST(index_by_expression)
{
	struct tmpl *t = parse_ok("${topic[each.key].TopicArn}");
	CHECK(t);
	const struct expr *e = t->parts[0].e;
	CHECK_INT(e->kind, EX_ATTR);
	CHECK_STR(e->name, "TopicArn");
	CHECK_INT(e->base->kind, EX_INDEX);
	CHECK_INT(e->base->index->kind, EX_ATTR);
	CHECK_INT(e->base->index->off, 8); /* the index keeps its own offset */
	char *s = expr_to_string(e);
	CHECK_STR(s, "topic[each.key].TopicArn");
	free(s);
	tmpl_free(t);
}

TEST(splat_selects_every_instance)
{
	struct tmpl *t = parse_ok("${subnet[*].SubnetId} ${subnet[ * ]}");
	CHECK(t);
	const struct expr *e = t->parts[0].e;
	CHECK_INT(e->kind, EX_ATTR);
	CHECK_INT(e->base->kind, EX_INDEX);
	CHECK(e->base->index == NULL);
	char *s = expr_to_string(e);
	CHECK_STR(s, "subnet[*].SubnetId");
	free(s);
	s = expr_to_string(t->parts[2].e);
	CHECK_STR(s, "subnet[*]");
	free(s);
	tmpl_free(t);
}

TEST(string_and_number_indexes)
{
	struct tmpl *t = parse_ok("${a[\"k\\\"q\"][0]['x']}");
	CHECK(t);
	char *s = expr_to_string(t->parts[0].e);
	CHECK_STR(s, "a[\"k\"q\"][0][\"x\"]");
	free(s);
	tmpl_free(t);
}

TEST(function_calls_with_named_args_and_maps)
{
	struct tmpl *t = parse_ok("${fetch(\"https://x/y\", sha256=\"ab\")} ${template(\"f\", {k: var.v, \"a b\": 1.5})}");
	CHECK(t);
	const struct expr *f = t->parts[0].e;
	CHECK_INT(f->kind, EX_CALL);
	CHECK_STR(f->name, "fetch");
	CHECK_INT(f->nargs, 2);
	CHECK(f->arg_names[0] == NULL);
	CHECK_STR(f->arg_names[1], "sha256");
	const struct expr *tp = t->parts[2].e;
	CHECK_INT(tp->args[1]->kind, EX_MAP);
	CHECK_STR(tp->args[1]->arg_names[1], "a b");
	CHECK(!tp->args[1]->args[1]->is_int);
	char *s = expr_to_string(tp);
	CHECK_STR(s, "template(\"f\", {k: var.v, a b: 1.5})");
	free(s);
	tmpl_free(t);
}

TEST(literals)
{
	struct tmpl *t = parse_ok("${[1, -2, true, false, null, 'x']}");
	CHECK(t);
	const struct expr *l = t->parts[0].e;
	CHECK_INT(l->kind, EX_LIST);
	CHECK_INT(l->nargs, 6);
	CHECK(l->args[1]->is_int);
	CHECK(l->args[1]->num == -2);
	CHECK_INT(l->args[2]->kind, EX_BOOL);
	CHECK_INT(l->args[4]->kind, EX_NULL);
	tmpl_free(t);
}

TEST(string_literals_are_templates)
{
	/* Terraform's templatefile("${path.module}/x.tpl", ...): a string
	 * argument holding ${...} is a template of its own. */
	const char *in = "${template(\"${repo.x.path}/f.yaml\", {endpoint: \"${amp.Endpoint}api/v1\"})}";
	struct tmpl *t = parse_ok(in);
	CHECK(t);
	CHECK(t->whole);
	const struct expr *call = t->parts[0].e;
	CHECK_INT(call->kind, EX_CALL);
	const struct expr *path = call->args[0];
	CHECK_INT(path->kind, EX_TEMPLATE);
	CHECK_INT(path->off, 11);
	CHECK_INT(path->tmpl->n, 2);
	CHECK_INT(path->tmpl->parts[0].e->kind, EX_ATTR);
	CHECK_INT(path->tmpl->parts[0].off, 12);
	CHECK_INT(path->tmpl->parts[0].e->off, 12); /* at its own "${" */
	CHECK_STR(path->tmpl->parts[1].text, "/f.yaml");
	CHECK_INT(path->tmpl->parts[1].off, 26);
	const struct expr *ep = call->args[1]->args[0];
	CHECK_INT(ep->kind, EX_TEMPLATE);
	CHECK_STR(ep->tmpl->parts[1].text, "api/v1");
	char *s = expr_to_string(call);
	CHECK_STR(s, "template(\"${repo.x.path}/f.yaml\", {endpoint: \"${amp.Endpoint}api/v1\"})");
	free(s);
	tmpl_free(t);
}

TEST(nested_templates_with_quotes_and_escapes)
{
	/* Quotes inside the inner ${...} belong to it; escapes and $${ work in
	 * the literal around it; a single ${x} keeps x's type. */
	struct tmpl *t = parse_ok("${f('a\\'${join(\"/\", [\"b\", 'c'])}\\n$${lit}', \"${n}\", \"plain\")}");
	CHECK(t);
	const struct expr *call = t->parts[0].e;
	CHECK_INT(call->nargs, 3);
	const struct expr *a = call->args[0];
	CHECK_INT(a->kind, EX_TEMPLATE);
	CHECK_INT(a->tmpl->n, 3);
	CHECK_STR(a->tmpl->parts[0].text, "a'");
	CHECK_INT(a->tmpl->parts[1].e->kind, EX_CALL);
	CHECK_STR(a->tmpl->parts[1].e->args[0]->name, "/");
	CHECK_STR(a->tmpl->parts[2].text, "\n${lit}");
	CHECK(!a->tmpl->whole);
	CHECK_INT(call->args[1]->kind, EX_TEMPLATE);
	CHECK(call->args[1]->tmpl->whole);
	CHECK_INT(call->args[2]->kind, EX_STRING);
	CHECK_STR(call->args[2]->name, "plain");
	char *s = expr_to_string(a);
	CHECK_STR(s, "\"a'${join(\"/\", [\"b\", \"c\"])}\n$${lit}\"");
	free(s);
	tmpl_free(t);
	/* Templates nest to any depth the parser allows. */
	t = parse_ok("${\"x${\"y${\"z${w}\"}\"}\"}");
	CHECK(t);
	CHECK_INT(t->parts[0].e->kind, EX_TEMPLATE);
	CHECK_INT(t->parts[0].e->tmpl->parts[1].e->kind, EX_TEMPLATE);
	tmpl_free(t);
}

struct bad_case {
	const char *in;
	size_t off;
	const char *msg;
};

static const struct bad_case bad[] = {
	{ "x ${a", 2, "unterminated '${'; expected '}'" },
	{ "${}", 0, "empty expression '${}'" },
	{ "${a + b}", 4, "unexpected '+' in expression; expected '}'" },
	{ "${a.}", 4, "expected an attribute name after '.'" },
	{ "${a[1}", 5, "expected ']'" },
	{ "${f(1 2)}", 6, "expected ',' or ')'" },
	{ "${\"abc}", 2, "unterminated string; expected a closing '\"'" },
	{ "${\"a\\qb\"}", 4, "unknown escape '\\q' in a string" },
	{ "${{a 1}}", 3, "expected 'key: value' in a map" },
	{ "${1.2.3}", 2, "malformed number" },
	{ "${#}", 2, "unexpected '#'; expected a name, string or number" },
	/* nested templates: the problem's own offset, inside the literal */
	{ "${f(\"a${b\")}", 9, "unexpected '\"' in expression; expected '}'" },
	{ "${f(\"a${}\")}", 6, "empty expression '${}'" },
	{ "${f(\"a${b.}\")}", 10, "expected an attribute name after '.'" },
	{ "${f(\"${\"x}\")}", 11, "unexpected ')' in expression; expected '}'" },
	{ "${f(\"${\"x)}", 7, "unterminated string; expected a closing '\"'" },
	{ "${f('${\"a\\qb\"}')}", 9, "unknown escape '\\q' in a string" },
	{ "${{\"k${x}\": 1}}", 3, "a map key is plain text; it cannot hold ${...}" },
};

TEST(syntax_errors_name_offset_and_problem)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct tmpl *t = NULL;
		size_t off = 99;
		char *msg = NULL;
		int rc = tmpl_parse(bad[i].in, strlen(bad[i].in), &t, &off, &msg);
		if (rc == 0)
			tmpl_free(t);
		CHECK_INT(rc, BERTH_EINVAL);
		CHECK(t == NULL);
		CHECK_STR(msg, bad[i].msg);
		CHECK_INT(off, bad[i].off);
		free(msg);
	}
}

TEST(deep_nesting_is_bounded)
{
	char buf[400];
	size_t n = 0;
	buf[n++] = '$';
	buf[n++] = '{';
	for (int i = 0; i < 150; i++)
		buf[n++] = '[';
	buf[n++] = '}';
	struct tmpl *t = NULL;
	size_t off;
	char *msg = NULL;
	CHECK_INT(tmpl_parse(buf, n, &t, &off, &msg), BERTH_EINVAL);
	CHECK_STR(msg, "expression nested too deeply");
	free(msg);
}

TEST_MAIN()
