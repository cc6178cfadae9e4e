/* The graph transforms (graph/transform.h) alone: dependency order, the
 * removal graph through resources that no longer exist, the apply graph
 * with nodes for the old instances of replacements, the refresh graph
 * (listings after their parents', the plan's reads beside them) and the
 * detail prefetch's. */
#include "util/common.h"
#include "harness.h"

#include "graph/transform.h"
#include "util/buf.h"

/* A dag of n nodes "n0".. with edges "from>to" (from depends on to). */
static void build(struct dag *g, size_t n, const size_t (*edges)[2], size_t nedges)
{
	dag_init(g);
	for (size_t i = 0; i < n; i++) {
		char label[16];
		snprintf(label, sizeof(label), "n%zu", i);
		dag_add_node(g, label, 0, i);
	}
	for (size_t i = 0; i < nedges; i++)
		dag_add_edge(g, edges[i][0], edges[i][1], NULL, 0, 0, NULL);
	dag_finish(g);
}

/* g's dependencies as "0:1,2 1:3" (nodes without any left out). */
static char *deps_text(const struct graph_edges *g)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < g->n; i++) {
		if (!g->ndeps[i])
			continue;
		buf_addf(&b, "%s%zu:", b.len ? " " : "", i);
		for (size_t k = 0; k < g->ndeps[i]; k++)
			buf_addf(&b, "%s%zu", k ? "," : "", g->deps[i][k]);
	}
	return buf_detach(&b, NULL);
}

TEST(topo_order_is_dependencies_first_lowest_index_first)
{
	static const size_t e[][2] = { { 0, 3 }, { 1, 0 }, { 4, 1 } };
	struct dag g;
	build(&g, 5, e, ARRAY_SIZE(e));
	size_t n;
	size_t *order = graph_topo_order(&g, &n);
	CHECK_INT(n, 5);
	static const size_t want[] = { 2, 3, 0, 1, 4 };
	for (size_t i = 0; i < 5; i++)
		CHECK_INT(order[i], want[i]);
	free(order);
	dag_release(&g);
}

TEST(topo_order_leaves_out_a_cycle)
{
	static const size_t e[][2] = { { 0, 1 }, { 1, 0 }, { 2, 0 } };
	struct dag g;
	build(&g, 4, e, ARRAY_SIZE(e));
	size_t n;
	size_t *order = graph_topo_order(&g, &n);
	CHECK_INT(n, 1);
	CHECK_INT(order[0], 3);
	free(order);
	dag_release(&g);
}

TEST(parent_edges_put_children_first_never_self)
{
	/* 0 a topic, 1 and 2 its subscriptions, 3 a workspace, 4 its
	 * permissions (known by the workspace's id), 5 an orphan. */
	static const char *const ids[] = { "t", "s1", "s2", "ws", "ws", NULL };
	static const char *const parents[] = { NULL, "t", "t", NULL, "ws", "gone" };
	struct graph_edges out;
	graph_edges_init(&out, 6);
	graph_parent_edges(ids, parents, &out);
	char *t = deps_text(&out);
	CHECK_STR(t, "1:0 2:0 4:3");
	free(t);
	graph_edges_release(&out);
}

TEST(nearest_edges_go_through_what_is_not_removed)
{
	/* n0 -> n1 -> n2 -> n3; n0, n2 and n3 removed (walk nodes 0, 1, 2),
	 * plus walk node 3 that the spec does not name. */
	static const size_t e[][2] = { { 0, 1 }, { 1, 2 }, { 2, 3 } };
	struct dag g;
	build(&g, 4, e, ARRAY_SIZE(e));
	static const long node_of[] = { 0, 2, 3, -1 };
	struct graph_edges out;
	graph_edges_init(&out, 4);
	graph_nearest_edges(&g, node_of, &out);
	char *t = deps_text(&out);
	/* n0 waits for n2 through n1, not for n3 past n2. */
	CHECK_STR(t, "0:1 1:2");
	free(t);
	graph_edges_release(&out);
	dag_release(&g);
}

TEST(apply_edges_order_old_instances_before_new)
{
	/* n0 (a subnet) depends on n1 (its VPC); n2 stands alone. n0 and n1
	 * are replaced: their old instances are nodes 3 and 4. */
	static const size_t e[][2] = { { 0, 1 } };
	struct dag g;
	build(&g, 3, e, ARRAY_SIZE(e));
	static const size_t old_of[] = { 3, 4, 0 };
	struct graph_edges out;
	graph_edges_init(&out, 5);
	graph_apply_edges(&g, old_of, &out);
	char *t = deps_text(&out);
	/* Each new instance after its old one; the VPC's old instance after
	 * the subnet's. */
	CHECK_STR(t, "0:1,3 1:4 4:3");
	free(t);
	struct diags d = DIAGS_INIT;
	struct walk_graph wg = graph_edges_walk(&out, NULL);
	CHECK_INT(walk_validate(&wg, &d), 0); /* no cycle */
	diags_release(&d);
	graph_edges_release(&out);
	dag_release(&g);
}

TEST(refresh_edges_list_children_after_parents)
{
	/* 0 a workspace, 1 its data sources, 2 a VPC, 3 a type whose parent
	 * type is not in scope (-1 as engine_type_index gives it). */
	static const long parent_of[] = { -1, 0, -1, -1 };
	struct graph_edges out;
	graph_refresh_edges(parent_of, 4, false, &out);
	CHECK_INT(out.n, 4);
	char *t = deps_text(&out);
	CHECK_STR(t, "1:0");
	free(t);
	struct diags d = DIAGS_INIT;
	struct walk_graph wg = graph_edges_walk(&out, NULL);
	CHECK_INT(walk_validate(&wg, &d), 0);
	diags_release(&d);
	graph_edges_release(&out);
}

TEST(refresh_edges_with_plan_reads_add_account_and_details)
{
	static const long parent_of[] = { -1, 0, -1 };
	struct graph_edges out;
	graph_refresh_edges(parent_of, 3, true, &out);
	/* 3: the account, alone; 4, 5, 6: each type's details after its
	 * own listing only (not after its children's). */
	CHECK_INT(out.n, 7);
	CHECK_INT(out.ndeps[3], 0);
	char *t = deps_text(&out);
	CHECK_STR(t, "1:0 4:0 5:1 6:2");
	free(t);
	graph_edges_release(&out);
}

TEST(independent_edges_have_none)
{
	struct graph_edges out;
	graph_independent_edges(5, &out);
	CHECK_INT(out.n, 5);
	char *t = deps_text(&out);
	CHECK_STR(t, "");
	free(t);
	graph_edges_release(&out);
}

TEST_MAIN()
