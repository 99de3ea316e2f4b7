/* The replication stream tests' common parts (see repl_stream_fixture.c). */
#ifndef SHOJI_TESTS_UNIT_REPL_STREAM_FIXTURE_H
#define SHOJI_TESTS_UNIT_REPL_STREAM_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/ha/repl_stream.h"

#define PAGE 4096

/* A stream built by hand, record by record. */
struct stream {
	uint8_t bytes[4 * 1024 * 1024];
	size_t len;
	size_t at[64]; /* offset of each record */
	size_t records;
};

#define MAX_CHUNKS 64

struct collector {
	uint8_t *chunk[MAX_CHUNKS];
	size_t len[MAX_CHUNKS];
	size_t count;
	size_t calls;
	size_t fail_call; /* the write call (1-based) that fails, 0 for none */
	int fail_rc;
};

struct event {
	int kind; /* a repl_type: BEGIN, PAGE, VCPU, DEVICES, COMMIT */
	uint64_t epoch_or_arg;
	uint32_t len;
	uint32_t crc; /* of the data handed over */
};

#define MAX_EVENTS 256

struct log {
	struct event ev[MAX_EVENTS];
	size_t count;
	int fail_kind; /* the callback kind that fails with fail_rc, 0 for none */
	int fail_rc;
};

/* --- an independent encoder --- */
uint32_t crc32_bitwise(uint32_t crc, const void *bytes, size_t len); /* the textbook way */
void le(uint8_t *p, uint64_t v, int bytes);
uint64_t from_le(const uint8_t *p, int bytes);
void reseal(uint8_t *rec); /* recompute the CRC of the record at rec */
extern struct stream s;	   /* the stream built by hand */
uint8_t *add(uint16_t type, uint64_t epoch, uint64_t arg, const void *payload, uint32_t len);
uint8_t *add_commit(uint64_t epoch, uint32_t count, uint32_t flags);
void fill(uint8_t *buf, size_t len, uint32_t seed);

/* --- a sink that keeps every chunk --- */
extern struct collector sunk;
int collect(void *ctx, const void *bytes, size_t len);
void collector_reset(void);
struct repl_sink sink(void);

/* --- a receiver that logs every callback --- */
extern struct log rx, want;
extern const struct repl_reader_ops ops;
void log_event(struct log *l, int kind, uint64_t value, const void *data, uint32_t len);
extern struct repl_writer writer;
extern struct repl_reader reader;

/* cmocka set-up and tear-down for every test; events of one kind received. */
int setup(void **state);
int teardown(void **state);
size_t kinds(int kind);

#endif
