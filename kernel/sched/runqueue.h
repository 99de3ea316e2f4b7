/*
 * A run queue: the runnable vCPUs of one physical CPU, ordered by virtual
 * run time (weighted CPU time received). A binary min-heap: insert, remove
 * and pop-min cost O(log n), peeking the next vCPU O(1). Pure data
 * structure; the scheduler (sched.c) owns the locking.
 */
#ifndef SHOJI_KERNEL_RUNQUEUE_H
#define SHOJI_KERNEL_RUNQUEUE_H

#include <stdbool.h>
#include <stdint.h>

/* What the heap orders: embedded in the scheduled object (struct vcpu). */
struct rq_node {
	uint64_t key; /* virtual run time */
	int index;    /* position in the heap, -1 when not queued */
};

/* Its heap array is the caller's: rq_regrow gives it room (sched.c grows it as vCPUs arrive). */
struct runqueue {
	struct rq_node **heap;
	unsigned count, cap;
};

void rq_init(struct runqueue *rq);
/*
 * Move rq's nodes into heap, an array of cap (>= rq's count) entries, and
 * return the array they were in (NULL at first) for the caller to free.
 */
struct rq_node **rq_regrow(struct runqueue *rq, struct rq_node **heap, unsigned cap);
void rq_node_init(struct rq_node *n);
/* -ENOSPC when full (count == cap), -EEXIST when n is already queued. */
int rq_insert(struct runqueue *rq, struct rq_node *n);
/* Remove n wherever it is in the heap (no-op if not queued). */
void rq_remove(struct runqueue *rq, struct rq_node *n);
/* The node with the smallest key, or NULL. */
struct rq_node *rq_peek(const struct runqueue *rq);
struct rq_node *rq_pop(struct runqueue *rq);
static inline bool rq_queued(const struct rq_node *n)
{
	return n->index >= 0;
}

#endif
