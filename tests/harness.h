/* berth's in-tree C test harness: header-only, no dependencies.
 *
 *   #include "harness.h"
 *   TEST(buf_appends) { struct buf b = BUF_INIT; buf_adds(&b, "x"); CHECK_STR(b.ptr, "x"); buf_release(&b); }
 *   TEST_MAIN()
 *
 * Each TEST registers itself (constructor attribute); TEST_MAIN runs them all,
 * or those whose names contain argv[1], and ends with the plain line
 * "N passed, N failed" that CI reads. A failed CHECK reports file:line and the
 * values, and ends the current test (later tests still run). */
#ifndef BERTH_TEST_HARNESS_H
#define BERTH_TEST_HARNESS_H

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

struct test_state {
	struct test_case cases[512];
	int n;
	jmp_buf fail;
	int checks;
};

/* One instance per test executable (static in a header is fine: each test is
 * its own program). */
static struct test_state test_state_;

#define TEST(name)                                                            \
	static void test_##name(void);                                        \
	__attribute__((constructor)) static void test_register_##name(void)   \
	{                                                                     \
		if (test_state_.n < 512)                                      \
			test_state_.cases[test_state_.n++] =                  \
				(struct test_case){ #name, test_##name };     \
	}                                                                     \
	static void test_##name(void)

#define TEST_FAIL_(...)                                                       \
	do {                                                                  \
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);             \
		fprintf(stderr, __VA_ARGS__);                                 \
		fprintf(stderr, "\n");                                        \
		longjmp(test_state_.fail, 1);                                 \
	} while (0)

#define CHECK(cond)                                                           \
	do {                                                                  \
		test_state_.checks++;                                         \
		if (!(cond))                                                  \
			TEST_FAIL_("CHECK(%s) failed", #cond);                \
	} while (0)

#define CHECK_INT(a, b)                                                       \
	do {                                                                  \
		long long a_ = (long long)(a), b_ = (long long)(b);           \
		test_state_.checks++;                                         \
		if (a_ != b_)                                                 \
			TEST_FAIL_("%s == %lld, expected %s == %lld", #a, a_, #b, b_); \
	} while (0)

#define CHECK_STR(a, b)                                                       \
	do {                                                                  \
		const char *a_ = (a), *b_ = (b);                              \
		test_state_.checks++;                                         \
		if (!a_ || !b_ || strcmp(a_, b_))                             \
			TEST_FAIL_("%s is\n    \"%s\"\n  expected\n    \"%s\"", #a, \
				   a_ ? a_ : "(null)", b_ ? b_ : "(null)");   \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                           \
	do {                                                                  \
		const char *h_ = (hay), *n_ = (needle);                       \
		test_state_.checks++;                                         \
		if (!h_ || !strstr(h_, n_))                                   \
			TEST_FAIL_("%s does not contain \"%s\":\n    \"%s\"", #hay, n_, \
				   h_ ? h_ : "(null)");                       \
	} while (0)

static inline int test_main_(int argc, char **argv)
{
	volatile int passed = 0, failed = 0;
	for (volatile int i = 0; i < test_state_.n; i++) {
		struct test_case *t = &test_state_.cases[i];
		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		if (setjmp(test_state_.fail) == 0) {
			t->fn();
			passed++;
			printf("ok   %s\n", t->name);
		} else {
			failed++;
			printf("FAIL %s\n", t->name);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

#define TEST_MAIN()                                                           \
	int main(int argc, char **argv) { return test_main_(argc, argv); }

#endif
