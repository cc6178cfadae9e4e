/* Unit tests for rt_shared (src/resources/common.c): the objects the types
 * share during one refresh, such as one Grafana session per workspace. */
#include "harness.h"
#include "util/common.h"
#include "resources/resource.h"

#include <pthread.h>

struct opener {
	pthread_mutex_t lock;
	int opened, closed, fail;
};

static int open_obj(void *arg, void **obj, struct diags *d)
{
	struct opener *o = arg;
	pthread_mutex_lock(&o->lock);
	int fail = o->fail;
	if (!fail)
		o->opened++;
	pthread_mutex_unlock(&o->lock);
	if (fail) {
		diags_add(d, DIAG_ERROR, "cannot open");
		return BERTH_EAWS;
	}
	*obj = o;
	return 0;
}

static void close_obj(void *obj, struct diags *d)
{
	(void)d;
	struct opener *o = obj;
	pthread_mutex_lock(&o->lock);
	o->closed++;
	pthread_mutex_unlock(&o->lock);
}

TEST(rt_shared_opens_once_per_key_and_closes_at_release)
{
	struct opener o = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0 };
	struct rt_shared sh;
	struct diags d = DIAGS_INIT;
	rt_shared_init(&sh);
	struct rt_ctx c = { .shared = &sh };
	void *a = NULL, *b = NULL;
	CHECK_INT(rt_shared_get(&c, "ws-1", open_obj, &o, close_obj, &a, &d), 0);
	rt_shared_put(&c, "ws-1");
	CHECK_INT(rt_shared_get(&c, "ws-1", open_obj, &o, close_obj, &b, &d), 0);
	rt_shared_put(&c, "ws-1");
	CHECK(a == &o && b == &o);
	CHECK_INT(o.opened, 1);
	CHECK_INT(rt_shared_get(&c, "ws-2", open_obj, &o, close_obj, &a, &d), 0);
	rt_shared_put(&c, "ws-2");
	CHECK_INT(o.opened, 2);
	CHECK_INT(o.closed, 0);
	rt_shared_release(&sh, &d);
	CHECK_INT(o.closed, 2);
	CHECK_INT(d.n, 0);
	diags_release(&d);
}

TEST(rt_shared_keeps_nothing_when_opening_fails)
{
	struct opener o = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 1 };
	struct rt_shared sh;
	struct diags d = DIAGS_INIT;
	rt_shared_init(&sh);
	struct rt_ctx c = { .shared = &sh };
	void *a = NULL;
	CHECK_INT(rt_shared_get(&c, "ws-1", open_obj, &o, close_obj, &a, &d), BERTH_EAWS);
	CHECK(a == NULL);
	CHECK_INT(d.n, 1);
	/* A later attempt opens again (the failure was not cached). */
	o.fail = 0;
	CHECK_INT(rt_shared_get(&c, "ws-1", open_obj, &o, close_obj, &a, &d), 0);
	rt_shared_put(&c, "ws-1");
	rt_shared_release(&sh, &d);
	CHECK_INT(o.opened, 1);
	CHECK_INT(o.closed, 1);
	diags_release(&d);
}

struct user {
	const struct rt_ctx *c;
	struct opener *o;
	int inside, overlap;
	pthread_mutex_t *lock;
};

static void *use_it(void *arg)
{
	struct user *u = arg;
	for (int i = 0; i < 200; i++) {
		void *obj = NULL;
		if (rt_shared_get(u->c, "ws", open_obj, u->o, close_obj, &obj, NULL))
			return NULL;
		/* Only one user at a time holds the object. */
		pthread_mutex_lock(u->lock);
		u->overlap += ++u->inside > 1;
		pthread_mutex_unlock(u->lock);
		pthread_mutex_lock(u->lock);
		u->inside--;
		pthread_mutex_unlock(u->lock);
		rt_shared_put(u->c, "ws");
	}
	return NULL;
}

TEST(rt_shared_gives_an_object_to_one_thread_at_a_time)
{
	struct opener o = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0 };
	struct rt_shared sh;
	struct diags d = DIAGS_INIT;
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	rt_shared_init(&sh);
	struct rt_ctx c = { .shared = &sh };
	struct user u = { &c, &o, 0, 0, &lock };
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, use_it, &u);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	CHECK_INT(o.opened, 1);
	CHECK_INT(u.overlap, 0);
	rt_shared_release(&sh, &d);
	CHECK_INT(o.closed, 1);
	diags_release(&d);
}

TEST_MAIN()
