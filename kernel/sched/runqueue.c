/* Binary min-heap of run-queue nodes keyed by virtual run time. */
#include "kernel/sched/runqueue.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

struct runqueue *rq_new(unsigned cap)
{
	struct runqueue *rq = malloc(sizeof(*rq) + cap * sizeof(rq->heap[0]));
	if (rq) {
		rq->count = 0;
		rq->cap = cap;
	}
	return rq;
}

void rq_move(struct runqueue *to, struct runqueue *from)
{
	for (unsigned i = 0; i < from->count; i++)
		to->heap[i] = from->heap[i];
	to->count = from->count;
	from->count = 0;
}

void rq_node_init(struct rq_node *n)
{
	n->key = 0;
	n->index = -1;
}

static void place(struct runqueue *rq, unsigned i, struct rq_node *n)
{
	rq->heap[i] = n;
	n->index = i;
}

static void sift_up(struct runqueue *rq, unsigned i)
{
	struct rq_node *n = rq->heap[i];
	while (i > 0) {
		unsigned parent = (i - 1) / 2;
		if (rq->heap[parent]->key <= n->key)
			break;
		place(rq, i, rq->heap[parent]);
		i = parent;
	}
	place(rq, i, n);
}

static void sift_down(struct runqueue *rq, unsigned i)
{
	struct rq_node *n = rq->heap[i];
	for (;;) {
		unsigned child = 2 * i + 1;
		if (child >= rq->count)
			break;
		if (child + 1 < rq->count && rq->heap[child + 1]->key < rq->heap[child]->key)
			child++;
		if (n->key <= rq->heap[child]->key)
			break;
		place(rq, i, rq->heap[child]);
		i = child;
	}
	place(rq, i, n);
}

int rq_insert(struct runqueue *rq, struct rq_node *n)
{
	if (n->index >= 0)
		return -EEXIST;
	if (rq->count == rq->cap)
		return -ENOSPC;
	place(rq, rq->count++, n);
	sift_up(rq, n->index);
	return 0;
}

void rq_remove(struct runqueue *rq, struct rq_node *n)
{
	if (n->index < 0)
		return;
	unsigned i = n->index;
	struct rq_node *last = rq->heap[--rq->count];
	n->index = -1;
	if (i == rq->count)
		return;
	place(rq, i, last);
	/* The moved node may belong higher or lower than its new slot. */
	sift_up(rq, i);
	sift_down(rq, last->index);
}

struct rq_node *rq_peek(const struct runqueue *rq)
{
	return rq->count ? rq->heap[0] : NULL;
}

struct rq_node *rq_pop(struct runqueue *rq)
{
	struct rq_node *n = rq_peek(rq);
	if (n)
		rq_remove(rq, n);
	return n;
}
