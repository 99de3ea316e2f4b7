/* unit-test-sources: kernel/sched/runqueue.c */
/* Run-queue heap: order, removal from the middle, limits, and a randomized model check. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "kernel/sched/runqueue.h"

static void test_pops_in_key_order(void **state)
{
	struct runqueue *rq;
	struct rq_node n[6];
	const uint64_t keys[6] = {50, 10, 40, 10, 30, 20};
	rq = rq_new(6);
	for (int i = 0; i < 6; i++) {
		rq_node_init(&n[i]);
		n[i].key = keys[i];
		assert_int_equal(rq_insert(rq, &n[i]), 0);
	}
	assert_int_equal(rq_insert(rq, &n[0]), -EEXIST);
	uint64_t last = 0;
	for (int i = 0; i < 6; i++) {
		struct rq_node *p = rq_pop(rq);
		assert_non_null(p);
		assert_true(p->key >= last);
		assert_false(rq_queued(p));
		last = p->key;
	}
	assert_null(rq_pop(rq));
	free(rq);
}

static void test_remove_from_middle(void **state)
{
	struct runqueue *rq;
	struct rq_node n[8];
	rq = rq_new(8);
	for (int i = 0; i < 8; i++) {
		rq_node_init(&n[i]);
		n[i].key = (uint64_t)(i * 7 % 8);
		rq_insert(rq, &n[i]);
	}
	rq_remove(rq, &n[3]); /* key 5 */
	rq_remove(rq, &n[3]); /* not queued any more: no-op */
	assert_int_equal(rq->count, 7);
	for (uint64_t expect = 0; expect < 8; expect++) {
		if (expect == 5)
			continue;
		assert_int_equal(rq_pop(rq)->key, expect);
	}
	free(rq);
}

static void test_full_then_moved(void **state)
{
	enum { CAP = 256 };
	static struct rq_node n[2 * CAP];
	struct runqueue *rq = rq_new(0);
	rq_node_init(&n[0]);
	assert_int_equal(rq_insert(rq, &n[0]), -ENOSPC); /* no room */
	free(rq);
	rq = rq_new(CAP);
	for (int i = 0; i < CAP; i++) {
		rq_node_init(&n[i]);
		n[i].key = (uint64_t)(CAP - i);
		assert_int_equal(rq_insert(rq, &n[i]), 0);
	}
	rq_node_init(&n[CAP]);
	assert_int_equal(rq_insert(rq, &n[CAP]), -ENOSPC);
	/* Moved into a roomier queue: every node kept in heap order, room for the rest. */
	struct runqueue *big = rq_new(2 * CAP);
	rq_move(big, rq);
	assert_int_equal(rq->count, 0);
	free(rq);
	for (int i = CAP; i < 2 * CAP; i++) {
		rq_node_init(&n[i]);
		n[i].key = (uint64_t)i;
		assert_int_equal(rq_insert(big, &n[i]), 0);
	}
	/* Keys 1..CAP, then CAP..2*CAP-1: CAP twice. */
	uint64_t last = 0;
	for (int i = 0; i < 2 * CAP; i++) {
		uint64_t key = rq_pop(big)->key;
		assert_int_equal(key, last + (key == CAP && last == CAP ? 0 : 1));
		last = key;
	}
	assert_null(rq_pop(big));
	free(big);
}

/* Random inserts/removes/pops against a simple array model. */
static void test_random_against_model(void **state)
{
	enum { N = 64 };
	struct rq_node n[N];
	struct runqueue *rq;
	rq = rq_new(N);
	for (int i = 0; i < N; i++)
		rq_node_init(&n[i]);
	srand(1);
	for (int step = 0; step < 20000; step++) {
		int i = rand() % N;
		int op = rand() % 3;
		if (op == 0 && !rq_queued(&n[i])) {
			n[i].key = rand() % 1000;
			assert_int_equal(rq_insert(rq, &n[i]), 0);
		} else if (op == 1) {
			rq_remove(rq, &n[i]);
		} else {
			uint64_t min = UINT64_MAX;
			unsigned queued = 0;
			for (int j = 0; j < N; j++)
				if (rq_queued(&n[j])) {
					queued++;
					if (n[j].key < min)
						min = n[j].key;
				}
			assert_int_equal(rq->count, queued);
			struct rq_node *p = rq_pop(rq);
			if (!queued)
				assert_null(p);
			else
				assert_int_equal(p->key, min);
		}
		for (unsigned k = 0; k < rq->count; k++)
			assert_int_equal(rq->heap[k]->index, (int)k);
	}
	free(rq);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pops_in_key_order),
	    cmocka_unit_test(test_remove_from_middle),
	    cmocka_unit_test(test_full_then_moved),
	    cmocka_unit_test(test_random_against_model),
	};
	return cmocka_run_group_tests_name("runqueue", tests, NULL, NULL);
}
