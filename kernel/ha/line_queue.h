/*
 * A replica's console lines not matched yet, oldest first: a fixed ring of
 * whole lines (console lines are at most 120 characters), so that comparing
 * replicas' output allocates nothing at an exit.
 */
#ifndef SHOJI_KERNEL_HA_LINE_QUEUE_H
#define SHOJI_KERNEL_HA_LINE_QUEUE_H

#include <stdbool.h>
#include <stdio.h>

#define LINE_QUEUE_LINES 96
#define LINE_QUEUE_WIDTH 128

struct line_queue {
	char line[LINE_QUEUE_LINES][LINE_QUEUE_WIDTH];
	unsigned head, count;
};

static inline bool line_queue_full(const struct line_queue *q)
{
	return q->count == LINE_QUEUE_LINES;
}

/* Append a line (the caller checks line_queue_full first). */
static inline void line_queue_push(struct line_queue *q, const char *line)
{
	snprintf(q->line[(q->head + q->count) % LINE_QUEUE_LINES], LINE_QUEUE_WIDTH, "%s", line);
	q->count++;
}

static inline const char *line_queue_head(const struct line_queue *q)
{
	return q->line[q->head];
}

static inline void line_queue_pop(struct line_queue *q)
{
	q->head = (q->head + 1) % LINE_QUEUE_LINES;
	q->count--;
}

static inline void line_queue_clear(struct line_queue *q)
{
	q->head = q->count = 0;
}

#endif
