/*
 * The replication stream: how one checkpoint of a primary guest travels to
 * its hot standby. A checkpoint (an "epoch") is a run of records, BEGIN, then
 * PAGE / VCPU / DEVICES records, then COMMIT; several epochs follow one
 * another in one stream, their numbers strictly increasing.
 *
 * Written as a wire format, so that a transport between two machines (a NIC)
 * can later carry it unchanged: every field little-endian at a fixed offset,
 * a 32-byte header with the payload's length spelled out, a CRC-32C per
 * record, no pointers. The writer packs whole records into chunks of at most
 * REPL_CHUNK_BYTES and hands each chunk to a sink; the reader takes chunks as
 * the sink got them, checks everything a hostile or damaged stream could get
 * wrong, and hands the records to callbacks.
 *
 * Why the reader applies records as they arrive instead of staging an epoch
 * until its COMMIT: here the stream runs inside one machine, in memory, and
 * the checkpoint of an epoch is taken and applied under one lock, so nobody
 * ever sees the standby holding half an epoch; staging would only copy every
 * page twice. A receiver across a network has no such lock: the sender can die
 * or the link can drop in the middle of an epoch, so it must stage the
 * epoch's pages and apply them only at COMMIT (a later step, built on the
 * same callbacks). Either way an epoch that never saw its COMMIT is not
 * committed: the caller sees begin() without commit().
 *
 * Pure: no guests, locks, clocks or allocation. Both sides' state, CRC tables
 * included, lives in structs their callers allocate.
 */
#ifndef SHOJI_KERNEL_HA_REPL_STREAM_H
#define SHOJI_KERNEL_HA_REPL_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/core/types.h"
#include "kernel/ha/crc32c.h"

#define REPL_MAGIC	  0x4c50524aU /* "JRPL" as the four bytes on the wire */
#define REPL_VERSION	  1
#define REPL_HEADER_BYTES 32
#define REPL_PAGE_BYTES	  4096	      /* a PAGE record carries one 4 KiB guest page */
#define REPL_COMMIT_BYTES 8	      /* u32 record count, u32 flags */
#define REPL_BLOB_MAX	  (16 * 1024) /* VCPU and DEVICES payloads */
#define REPL_CHUNK_BYTES  (64 * 1024) /* what the writer hands its sink at most at once */
#define REPL_ERROR_TEXT	  96

/*
 * One record's header as it is on the wire: packed, every field
 * little-endian. Documentation of the layout; the code reads and writes the
 * bytes at these offsets explicitly, so the host's byte order never leaks in.
 */
struct repl_header {
	uint32_t magic;	  /* REPL_MAGIC */
	uint16_t type;	  /* enum repl_type */
	uint16_t version; /* REPL_VERSION */
	uint64_t epoch;	  /* the checkpoint this record belongs to */
	uint64_t arg;	 /* PAGE: guest-physical address, 4 KiB aligned; VCPU: vCPU id; else free */
	uint32_t length; /* payload bytes that follow the header */
	uint32_t crc;	 /* CRC-32C (crc32c.h) over this header with crc = 0, then the payload */
} __attribute__((packed));

_Static_assert(sizeof(struct repl_header) == REPL_HEADER_BYTES, "repl_header is 32 bytes");

enum repl_type {
	REPL_BEGIN = 1,	  /* opens an epoch; no payload */
	REPL_PAGE = 2,	  /* one guest page at gpa = arg; REPL_PAGE_BYTES of payload */
	REPL_VCPU = 3,	  /* one vCPU's state, arg = vCPU id; an opaque blob */
	REPL_DEVICES = 4, /* the device models' state; an opaque blob */
	REPL_COMMIT = 5, /* closes the epoch: u32 records since BEGIN (BEGIN included), u32 flags */
};

/* Where the writer's chunks go. write returns 0, or a negative errno that stops the writer. */
struct repl_sink {
	int (*write)(void *ctx, const void *bytes, size_t len);
	void *ctx;
};

/* The sender's side. About 72 KiB: the caller allocates it, never on a small stack. */
struct repl_writer {
	struct repl_sink sink;
	size_t used;	     /* bytes of chunk[] filled with whole records */
	uint64_t sent_bytes; /* handed to the sink since repl_writer_init */
	uint64_t epoch;	     /* the open epoch, or the last one */
	uint32_t records;    /* records of the open epoch so far, BEGIN included */
	bool epoch_open;
	bool any_epoch; /* an epoch was begun since init: the next must be higher */
	int error;	/* the sink's error; sticks until repl_writer_init */
	struct crc32c_table crc;
	uint8_t chunk[REPL_CHUNK_BYTES];
};

void repl_writer_init(struct repl_writer *w, struct repl_sink sink);

/* Open an epoch. -EPROTO if one is open or epoch is not above the last one. */
int repl_begin(struct repl_writer *w, uint64_t epoch);

/*
 * Append a PAGE, VCPU or DEVICES record to the open epoch; data is copied.
 * -EINVAL for another type, a PAGE that is not REPL_PAGE_BYTES at a 4 KiB
 * aligned arg, a blob over REPL_BLOB_MAX; -EPROTO if no epoch is open;
 * -EOVERFLOW if the epoch already holds more records than COMMIT can count.
 */
int repl_put(struct repl_writer *w, enum repl_type type, uint64_t arg, const void *data,
	     uint32_t len);

/* Append COMMIT and hand the chunk to the sink: the epoch is all sent. -EPROTO if none open. */
int repl_commit(struct repl_writer *w);

/* Bytes handed to the sink since repl_writer_init (statistics). */
uint64_t repl_writer_bytes(const struct repl_writer *w);

/*
 * The receiver's callbacks, all four required. Each returns 0, or a negative
 * errno that stops the reader and comes back from repl_reader_feed. data
 * points into the bytes being fed and is valid during the call only.
 */
struct repl_reader_ops {
	int (*begin)(void *ctx, uint64_t epoch);
	int (*page)(void *ctx, gpa_t gpa, const void *data); /* REPL_PAGE_BYTES */
	int (*blob)(void *ctx, enum repl_type type, uint64_t arg, const void *data, uint32_t len);
	int (*commit)(void *ctx, uint64_t epoch);
};

/* The receiver's side. About 8 KiB, the CRC tables; the caller allocates it. */
struct repl_reader {
	const struct repl_reader_ops *ops;
	void *ctx;
	uint64_t record_index; /* records accepted since init: names the one at fault */
	uint64_t epoch;	       /* the open epoch, or the last committed one */
	uint32_t records;      /* records of the open epoch so far, BEGIN included */
	bool epoch_open;
	bool any_epoch;		     /* an epoch was begun since init: the next must be higher */
	int status;		     /* 0, or the error that stopped the reader until init */
	char error[REPL_ERROR_TEXT]; /* what went wrong, "record 3: bad CRC"; "" while fine */
	struct crc32c_table crc;
};

void repl_reader_init(struct repl_reader *r, const struct repl_reader_ops *ops, void *ctx);

/*
 * Take one chunk as the sink received it: whole records only. Returns 0, or
 * -EINVAL for a record malformed in itself (magic, version, type, length,
 * CRC, alignment, a record cut short), -EPROTO for a well-formed record out of
 * place (before BEGIN, wrong epoch, COMMIT count), or a callback's error; the
 * reader then says why in r->error (records counted from 0 since init) and
 * returns the same error from every feed until repl_reader_init. Records
 * before the faulty one in the same chunk have been handed to the callbacks.
 */
int repl_reader_feed(struct repl_reader *r, const void *bytes, size_t len);

#endif
