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

/*
 * The heap is the struct's own trailing array (one load less per access
 * than a pointer to it, on every scheduling decision); a queue is made
 * with its room and replaced by a roomier one (sched.c, as vCPUs arrive).
 */
struct runqueue {
	unsigned count, cap;
	struct rq_node *heap[]; /* cap of them */
};

/* An empty queue with room for cap nodes (malloc'd), or NULL. */
struct runqueue *rq_new(unsigned cap);
/* Move from's nodes into to (to->cap >= from->count), in the same heap order. */
void rq_move(struct runqueue *to, struct runqueue *from);
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
