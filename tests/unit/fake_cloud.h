/* A small in-memory cloud for the engine's unit tests: four resource
 * types under their CloudFormation names (so the real schemas drive the
 * diff) — AWS::EC2::VPC, AWS::EC2::Subnet, AWS::ECS::Cluster,
 * AWS::Logs::LogGroup — kept in a table in this process, with no AWS, no
 * emulator and no network. The engine gets them as an ordinary registry
 * (engine_opts.types).
 *
 * Like AWS, it holds each instance with its tags, answers the stack-wide
 * tagging listing and the caller's identity, refuses to delete a VPC that
 * still has subnets, reads SSM parameters for data entries (`params`), has
 * a cluster declare its Container Insights log group as a side effect
 * (/aws/ecs/containerinsights/NAME/performance), keeps the log groups
 * "AWS made" (`groups`) and counts and logs every write ("read-data NAME"
 * and "delete-group NAME" too), so that tests can
 * check what the engine asked for and in which order. Failures are
 * injected per address: a create that is refused, and a create that takes
 * effect but whose answer never arrives (a crash or a dropped connection
 * right after the call), which also sets the engine's cancel flag; an
 * instance's state can say it must be brought back (fake_set_state).
 *
 * One cloud at a time: the type callbacks get only an rt_ctx, so they find
 * it through a pointer of this file, set by fake_cloud_new. Thread-safe, as
 * the engine's parallel walks need. */
#ifndef BERTH_TESTS_FAKE_CLOUD_H
#define BERTH_TESTS_FAKE_CLOUD_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "resources/resource.h"
#include "util/strvec.h"

struct fake_cloud {
	pthread_mutex_t lock;
	json_t *objs;        /* {arn: {"type", "id", "props", "tags"}} */
	json_t *groups;      /* log groups nobody manages: {name: creationTime ms} */
	json_t *params;      /* SSM parameters: {name: value} */
	long next_id;
	struct strvec log;   /* every write in order: "create sub", "delete net" */
	/* Injected failures, by berth address (the berth:id tag): */
	struct strvec refuse_create;   /* create answers an error, nothing made */
	struct strvec lose_create;     /* made, but the answer is lost */
	struct strvec refuse_delete_group; /* by group name: DeleteLogGroup fails */
	atomic_int cancel;   /* the engine's cancel flag (engine_opts.cancel) */
	/* read_one takes this long (a round trip), and counts the reads in
	 * flight at once: most_reading is the most seen. */
	int read_delay_ms;
	atomic_int reading, most_reading;
};

/* The registry of the fake types; static. */
const struct rtype_registry *fake_registry(void);

void fake_cloud_new(struct fake_cloud *fc);
void fake_cloud_free(struct fake_cloud *fc);

/* How many writes of `verb` ("create", "update", "delete", "tag") the log
 * holds for address (NULL: any address). */
size_t fake_count(struct fake_cloud *fc, const char *verb, const char *address);
/* How many live instances carry berth:id=address (any stack). */
size_t fake_instances(struct fake_cloud *fc, const char *address);
/* The position of "VERB ADDRESS" in the log, or -1. */
long fake_log_index(struct fake_cloud *fc, const char *verb, const char *address);
/* The live instances at address read with these (NULL: none) as their
 * repair_reason and last_failure, until an update of it. */
void fake_set_state(struct fake_cloud *fc, const char *address, const char *repair,
		    const char *last_failure);

#endif
