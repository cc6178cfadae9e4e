/* The loader's positions, the model spec_load builds, evaluation with a
 * resolver (the apply-time pass) and the graph's cycle reports. */
#include "util/common.h"
#include "harness.h"
#include "spec/node.h"
#include "spec/spec.h"
#include "graph/dag.h"
#include "resources/datasource.h"
#include "util/buf.h"

#include <unistd.h>

static struct spec_doc *parse(const char *text)
{
	struct spec_doc *doc = NULL;
	struct diags d = DIAGS_INIT;
	int rc = spec_doc_parse("t.yaml", text, strlen(text), &doc, &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "  %d:%d: %s\n", d.items[i].line, d.items[i].col, d.items[i].summary);
	diags_release(&d);
	return rc ? NULL : doc;
}

TEST(every_node_has_its_position)
{
	struct spec_doc *doc = parse("a: 1\nb:\n  - x\n  - { k: \"v\" }\n");
	CHECK(doc);
	const struct node *r = doc->root;
	CHECK_INT(r->kind, NODE_MAP);
	CHECK_INT(r->n, 2);
	CHECK_INT(r->keys[1]->line, 2);
	CHECK_INT(r->keys[1]->col, 1);
	const struct node *b = r->vals[1];
	CHECK_INT(b->kind, NODE_SEQ);
	CHECK_INT(b->vals[0]->line, 3);
	CHECK_INT(b->vals[0]->col, 5);
	const struct node *m = b->vals[1];
	CHECK_INT(m->keys[0]->line, 4);
	CHECK_INT(m->keys[0]->col, 7);
	CHECK_INT(m->vals[0]->col, 10);
	CHECK_INT(m->vals[0]->style, SS_DOUBLE);
	spec_doc_free(doc);
}

TEST(scalar_types_follow_yaml_1_2_core)
{
	struct spec_doc *doc = parse("[1, -2, 0x1f, 1.5, true, yes, on, null, ~, '1', \"true\", x]");
	CHECK(doc);
	const struct node *s = doc->root;
	const enum scalar_type want[] = { ST_INT, ST_INT, ST_INT, ST_FLOAT, ST_BOOL, ST_STRING,
					  ST_STRING, ST_NULL, ST_NULL, ST_STRING, ST_STRING, ST_STRING };
	CHECK_INT(s->n, ARRAY_SIZE(want));
	for (size_t i = 0; i < s->n; i++)
		CHECK_INT(s->vals[i]->stype, want[i]);
	spec_doc_free(doc);
}

TEST(columns_count_bytes_after_utf8)
{
	struct spec_doc *doc = parse("k: \"\xc3\xa9t\xc3\xa9\" \nz: [\xc3\xa9, b]\n");
	CHECK(doc);
	const struct node *z = doc->root->vals[1];
	CHECK_INT(z->vals[1]->col, 9); /* "z: [" + 2-byte é + ", " = 8 bytes */
	spec_doc_free(doc);
}

/* Position of the first "${" in the one scalar value of the document. */
static void expr_pos(const char *text, const char *key, int *line, int *col)
{
	struct spec_doc *doc = parse(text);
	*line = *col = -1;
	if (!doc)
		return;
	const struct node *n = node_get(doc->root, key);
	const char *p = strstr(n->str, "${");
	node_offset_pos(n, p ? (size_t)(p - n->str) : 0, line, col);
	spec_doc_free(doc);
}

TEST(expression_positions_in_every_scalar_style)
{
	int line, col;
	expr_pos("v: abc ${x}\n", "v", &line, &col);
	CHECK_INT(line, 1);
	CHECK_INT(col, 8);
	expr_pos("v: 'it''s ${x}'\n", "v", &line, &col);
	CHECK_INT(line, 1);
	CHECK_INT(col, 11);
	expr_pos("v: \"a\\tb\\\"c ${x}\"\n", "v", &line, &col);
	CHECK_INT(line, 1);
	CHECK_INT(col, 13);
	expr_pos("v: |\n  one\n    two ${x}\n", "v", &line, &col);
	CHECK_INT(line, 3);
	CHECK_INT(col, 9);
	expr_pos("v: >\n  one\n  two ${x}\n", "v", &line, &col);
	CHECK_INT(line, 3);
	CHECK_INT(col, 7);
	expr_pos("v: one\n   two ${x}\n", "v", &line, &col);
	CHECK_INT(line, 2);
	CHECK_INT(col, 8);
	expr_pos("v: \"one\n  two ${x}\"\n", "v", &line, &col);
	CHECK_INT(line, 2);
	CHECK_INT(col, 7);
	/* An escaped '$' (\x24) makes the source differ: the scalar's start. */
	expr_pos("v: \"\\x24{y} ${x}\"\n", "v", &line, &col);
	CHECK_INT(line, 1);
	CHECK_INT(col, 4);
}

static int count_errors(const char *text, const char *needle)
{
	struct spec_doc *doc = NULL;
	struct diags d = DIAGS_INIT;
	int found = 0;
	if (!spec_doc_parse("t.yaml", text, strlen(text), &doc, &d))
		spec_doc_free(doc);
	for (size_t i = 0; i < d.n; i++)
		found += strstr(d.items[i].summary, needle) != NULL;
	diags_release(&d);
	return found;
}

TEST(loader_rejects_what_a_spec_should_not_have)
{
	CHECK_INT(count_errors("a: 1\na: 2\n", "duplicate key 'a'"), 1);
	CHECK_INT(count_errors("a: &x 1\nb: *x\n", "alias"), 1);
	CHECK_INT(count_errors("a: !Ref x\n", "YAML tags (!Ref)"), 1);
	CHECK_INT(count_errors("1: a\n", "keys must be strings"), 1);
	CHECK_INT(count_errors("a:\n\tb: 1\n", "tab in indentation"), 1);
	CHECK_INT(count_errors("a: 1\n---\nb: 2\n", "one YAML document"), 1);
	CHECK_INT(count_errors("a: [1\n", "invalid YAML"), 1);
	CHECK_INT(count_errors("a: \"\\0\"\n", "NUL"), 1);
}

TEST(duplicate_check_scales)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < 20000; i++)
		buf_addf(&b, "k%d: %d\n", i, i);
	buf_adds(&b, "k777: again\n");
	struct spec_doc *doc = NULL;
	struct diags d = DIAGS_INIT;
	CHECK_INT(spec_doc_parse("t.yaml", b.ptr, b.len, &doc, &d), BERTH_EINVAL);
	CHECK_INT(d.n, 1);
	CHECK_STR(d.items[0].summary, "duplicate key 'k777' (first set at line 778)");
	diags_release(&d);
	buf_release(&b);
}

/* ---- the model ---- */

static char *write_spec(const char *text)
{
	char *dir = xstrdup("/tmp/berth-spec-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	char *path = xasprintf("%s/berth.yaml", dir);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	free(dir);
	return path;
}

static void remove_spec(char *path)
{
	char *slash = strrchr(path, '/');
	unlink(path);
	*slash = '\0';
	rmdir(path);
	free(path);
}

static const char *model_spec =
	"berth: 1\n"
	"stack: demo\n"
	"variables:\n"
	"  names: { type: list, default: [a, b] }\n"
	"  pw: { type: string, default: x, sensitive: true }\n"
	"resources:\n"
	"  topic:\n"
	"    type: AWS::SNS::Topic\n"
	"    for_each: \"${var.names}\"\n"
	"    properties: { TopicName: \"${stack}-${each.key}\" }\n"
	"  sub:\n"
	"    type: AWS::SNS::Subscription\n"
	"    count: 2\n"
	"    retain: true\n"
	"    ignore_changes: [Endpoint]\n"
	"    properties:\n"
	"      TopicArn: \"${topic[var.names[count.index]].TopicArn}\"\n"
	"      Protocol: email\n"
	"      Endpoint: \"${var.pw}@${topic[\\\"a\\\"].TopicName}\"\n"
	"      FilterPolicy: \"${var.names}\"\n";

static int fake_attr(void *ctx, const char *address, const char *attr, json_t **out)
{
	(*(int *)ctx)++;
	if (!strcmp(address, "topic[\"b\"]") && !strcmp(attr, "TopicArn")) {
		*out = json_string("arn:aws:sns:us-west-2:1:demo-b");
		return 0;
	}
	return BERTH_ENOTFOUND;
}

TEST(model_expands_and_evaluates_with_unknowns)
{
	char *path = write_spec(model_spec);
	struct spec_options opt = { 0 };
	struct spec *s = NULL;
	struct diags d = DIAGS_INIT;
	opt.path = path;
	int rc = spec_load(&opt, &s, &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "  %d:%d: %s\n", d.items[i].line, d.items[i].col, d.items[i].summary);
	CHECK_INT(rc, 0);
	CHECK_INT(s->nresources, 4);
	CHECK_STR(s->resources[0].address, "topic[\"a\"]");
	CHECK_STR(s->resources[3].address, "sub[1]");
	CHECK_INT(spec_find_resource(s, "sub[0]"), 2);
	CHECK_INT(spec_find_resource(s, "sub[2]"), -1);

	const struct spec_resource *sub1 = &s->resources[3];
	CHECK(sub1->retain);
	CHECK_STR(sub1->ignore_changes.v[0], "Endpoint");
	CHECK(sub1->sensitive);
	CHECK(!s->resources[0].sensitive);
	/* A given property of another resource is known; an attribute is not. */
	CHECK_STR(json_string_value(json_object_get(sub1->properties, "Endpoint")), "x@demo-a");
	CHECK(value_is_unknown(json_object_get(sub1->properties, "TopicArn")));
	/* A whole-string expression keeps its type. */
	CHECK(json_is_array(json_object_get(sub1->properties, "FilterPolicy")));
	CHECK_STR(json_string_value(json_object_get(s->resources[1].properties, "TopicName")),
		  "demo-b");

	/* Edges: sub[1] -> topic["b"] (index by expression) and -> topic["a"]. */
	const struct dag *g = &s->graph;
	const struct dag_node *n = &g->nodes[sub1->graph_node];
	CHECK_INT(n->nout, 2);
	CHECK_STR(g->nodes[g->edges[n->out_start].to].label, "topic[\"b\"]");
	CHECK_INT(g->edges[n->out_start].line, 17);
	CHECK_INT(g->edges[n->out_start].col, 18);

	/* Apply time: the resolver supplies what exists. */
	int calls = 0;
	struct spec_resolver r = { &calls, fake_attr };
	json_t *v = NULL;
	bool sens = false;
	CHECK_INT(spec_eval_resource(s, 3, &r, &v, &sens, &d), 0);
	CHECK(sens);
	CHECK_STR(json_string_value(json_object_get(v, "TopicArn")), "arn:aws:sns:us-west-2:1:demo-b");
	CHECK(!value_has_unknown(v));
	CHECK(calls >= 2);
	json_decref(v);
	CHECK_INT(spec_eval_resource(s, 2, &r, &v, NULL, &d), 0);
	CHECK(value_is_unknown(json_object_get(v, "TopicArn")));
	json_decref(v);

	char *dot = spec_graph_dot(s);
	CHECK_CONTAINS(dot, "\"sub[1]\" -> \"topic[\\\"b\\\"]\";");
	free(dot);
	spec_free(s);
	diags_release(&d);
	remove_spec(path);
}

/* A reading of data.db that marks its value secret (an SSM SecureString),
 * unless ctx says it is a plain String. */
static int ssm_attr(void *ctx, const char *address, const char *attr, json_t **out)
{
	bool secure = *(bool *)ctx;
	if (strcmp(address, "data.db"))
		return BERTH_ENOTFOUND;
	if (!strcmp(attr, "value"))
		*out = json_string("pa55word");
	else if (!strcmp(attr, "type"))
		*out = json_string(secure ? "SecureString" : "String");
	else if (!strcmp(attr, DATA_SENSITIVE_KEY) && secure)
		*out = json_pack("[s]", "value");
	else
		return BERTH_ENOTFOUND;
	return 0;
}

TEST(data_secret_attribute_makes_its_users_sensitive)
{
	char *path = write_spec("berth: 1\nstack: demo\n"
				"data:\n  db: { type: ssm_parameter, name: /demo/db }\n"
				"resources:\n"
				"  t: { type: AWS::SNS::Topic, properties: { DisplayName: \"${data.db.value}\" } }\n"
				"  u: { type: AWS::SNS::Topic, properties: { DisplayName: \"${data.db.type}\" } }\n"
				"outputs:\n  pw: { value: \"${data.db.value}\" }\n");
	struct spec_options opt = { 0 };
	struct spec *s = NULL;
	struct diags d = DIAGS_INIT;
	opt.path = path;
	CHECK_INT(spec_load(&opt, &s, &d), 0);
	for (int secure = 0; secure < 2; secure++) {
		bool ctx = secure, sens = true;
		struct spec_resolver r = { &ctx, ssm_attr };
		json_t *v = NULL;
		CHECK_INT(spec_eval_resource(s, 0, &r, &v, &sens, &d), 0);
		CHECK_STR(json_string_value(json_object_get(v, "DisplayName")), "pa55word");
		CHECK_INT(sens, secure);
		json_decref(v);
		/* Only the attribute the reading names is secret. */
		CHECK_INT(spec_eval_resource(s, 1, &r, &v, &sens, &d), 0);
		CHECK(!sens);
		json_decref(v);
		CHECK_INT(spec_eval_output(s, 0, &r, &v, &sens, &d), 0);
		CHECK_INT(sens, secure);
		json_decref(v);
	}
	CHECK_INT(d.n, 0);
	spec_free(s);
	diags_release(&d);
	remove_spec(path);
}

TEST(data_kinds_table)
{
	/* Sorted (messages list them in this order), every required argument
	 * is an argument, every kind gives something and can be read. */
	CHECK(data_kind_count() >= 4);
	for (size_t i = 0; i < data_kind_count(); i++) {
		const struct data_kind *k = data_kind_at(i);
		CHECK(data_readable(k->name));
		CHECK(k->attrs[0] != NULL);
		if (i > 0)
			CHECK(strcmp(data_kind_at(i - 1)->name, k->name) < 0);
		CHECK(data_kind_find(k->name) == k);
		for (size_t r = 0; k->required[r]; r++) {
			bool found = false;
			for (size_t a = 0; k->args[a]; a++)
				found |= !strcmp(k->args[a], k->required[r]);
			CHECK(found);
		}
	}
	CHECK(data_kind_find("ssm_parameters") == NULL);
	CHECK_STR(data_kind_suggest("ssm_parameters"), "ssm_parameter");
	CHECK(data_kind_at(data_kind_count()) == NULL);
}

TEST(variables_precedence)
{
	char *path = write_spec("berth: 1\nstack: demo\nvariables:\n"
				"  a: { type: number, default: 1 }\n"
				"  b: { type: number, default: 1 }\n"
				"  c: { type: list }\n"
				"resources:\n"
				"  slr: { type: AWS::IAM::ServiceLinkedRole, properties: { AWSServiceName: ecs.amazonaws.com } }\n"
				"  kept: { type: AWS::IAM::ServiceLinkedRole, retain: false }\n");
	char *const env[] = { (char *)"BERTH_VAR_a=2", (char *)"BERTH_VAR_b=2",
			      (char *)"BERTH_VAR_c=[x, y]", (char *)"BERTH_VAR_zz=ignored", NULL };
	const char *vars[] = { "b=3" };
	struct spec_options opt = { 0 };
	struct spec *s = NULL;
	struct diags d = DIAGS_INIT;
	opt.path = path;
	opt.environ = env;
	opt.vars = vars;
	opt.nvars = 1;
	CHECK_INT(spec_load(&opt, &s, &d), 0);
	CHECK_INT(json_integer_value(s->vars[0].value), 2);
	CHECK_STR(s->vars[0].origin, "environment");
	CHECK_INT(json_integer_value(s->vars[1].value), 3);
	CHECK_STR(s->vars[1].origin, "--var");
	CHECK_INT(json_array_size(s->vars[2].value), 2);
	CHECK(s->resources[0].retain); /* service-linked roles are kept by default */
	CHECK(!s->resources[1].retain);
	spec_free(s);
	diags_release(&d);
	remove_spec(path);
}

TEST(cycles_are_reported_deterministically)
{
	struct dag g;
	struct diags d = DIAGS_INIT;
	dag_init(&g);
	size_t a = dag_add_node(&g, "a", 0, 0), b = dag_add_node(&g, "b", 0, 1);
	size_t c = dag_add_node(&g, "c", 0, 2), x = dag_add_node(&g, "x", 0, 3);
	dag_add_edge(&g, x, b, "f.yaml", 9, 9, NULL);
	dag_add_edge(&g, b, c, "f.yaml", 2, 3, "${c.Arn}");
	dag_add_edge(&g, c, a, "f.yaml", 4, 5, "${a.Arn}");
	dag_add_edge(&g, a, b, "f.yaml", 6, 7, "depends_on");
	dag_add_edge(&g, a, b, "f.yaml", 8, 8, "duplicate, dropped");
	CHECK_INT(g.nedges, 4);
	dag_finish(&g);
	const size_t *ndeps;
	const size_t *const *deps;
	dag_adjacency(&g, &ndeps, &deps);
	CHECK_INT(ndeps[a], 1);
	CHECK_INT(deps[a][0], b);
	CHECK_INT(ndeps[x], 1);
	CHECK_INT(deps[c][0], a);
	CHECK_INT(dag_check_cycles(&g, &d), 1);
	CHECK_STR(d.items[0].summary, "dependency cycle: a -> b -> c -> a");
	CHECK_INT(d.items[0].line, 6);
	CHECK_STR(d.items[0].detail,
		  "a -> b at f.yaml:6:7 (depends_on)\nb -> c at f.yaml:2:3 (${c.Arn})\nc -> a at f.yaml:4:5 (${a.Arn})");
	diags_release(&d);
	dag_release(&g);
}

TEST(long_chains_do_not_overflow)
{
	struct dag g;
	struct diags d = DIAGS_INIT;
	dag_init(&g);
	for (size_t i = 0; i < 200000; i++) {
		char label[32];
		snprintf(label, sizeof(label), "n%zu", i);
		dag_add_node(&g, label, 0, i);
		if (i)
			dag_add_edge(&g, i, i - 1, NULL, 0, 0, NULL);
	}
	dag_finish(&g);
	CHECK_INT(dag_check_cycles(&g, &d), 0);
	dag_release(&g);
	diags_release(&d);
}

TEST_MAIN()
