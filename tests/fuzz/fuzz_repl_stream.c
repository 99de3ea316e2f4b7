/* fuzz-sources: kernel/ha/repl_stream.c kernel/ha/crc32c.c */
/*
 * libFuzzer: the replication stream's reader fed arbitrary bytes, as a
 * standby would get them from a hostile or broken primary. Input: one
 * control byte, then the stream. Control bit 0: recompute each record's CRC
 * as its header describes it before feeding (random bytes almost never carry
 * a right CRC-32C, and without this the fuzzer would never get past it to the
 * sequencing rules); bits 1-3: records per feed call (0: the whole stream in
 * one); bits 4-7: the callback call (1-15) that fails with -ENOSPC, 0 none.
 *
 * Invariants: callbacks only with valid arguments (a PAGE at a 4 KiB aligned
 * GPA with 4096 bytes inside the fed chunk, a VCPU or DEVICES blob of at
 * most REPL_BLOB_MAX bytes inside it), begin only outside an epoch and with a
 * number above the last, page and blob only inside one, commit only of the
 * epoch begun; a feed returns 0 with no error text, or a negative errno with
 * "record N: ..." text, the injected callback error when that fired, and the
 * same error again with no callback afterwards. Splitting the stream into
 * feeds at record boundaries changes nothing: the callbacks, the result and
 * the text are those of a single feed. ASan/UBSan catch the rest.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/ha/repl_stream.h"

#define CTRL_RESEAL	    0x01
#define CTRL_PER_FEED_SHIFT 1
#define CTRL_PER_FEED_MASK  0x07
#define CTRL_FAIL_SHIFT	    4
#define INJECTED_ERROR	    (-ENOSPC)
#define OFF_LENGTH	    24
#define OFF_CRC		    28
#define HEADER_PREFIX	    "record "
#define FNV_OFFSET	    0xcbf29ce484222325ULL
#define FNV_PRIME	    0x100000001b3ULL
#define CRC32_POLY_REVERSED 0x82f63b78U /* Castagnoli: CRC-32C */

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* What the callbacks saw: their own model of the epoch rules, and a digest of every call. */
struct observer {
	const uint8_t *chunk; /* the feed in progress, for pointer checks */
	size_t chunk_len;
	bool open, any;
	uint64_t epoch;
	unsigned calls, fail_at;
	bool injected;
	bool frozen; /* the reader failed: no callback may come */
	uint64_t digest;
};

static void mix(struct observer *o, uint64_t v)
{
	o->digest = (o->digest ^ v) * FNV_PRIME;
}

static void inside_chunk(const struct observer *o, const void *data, size_t len)
{
	const uint8_t *p = data;
	check(p >= o->chunk && len <= o->chunk_len &&
	      p - o->chunk <= (ptrdiff_t)(o->chunk_len - len));
}

static int called(struct observer *o, uint64_t kind)
{
	check(!o->frozen);
	mix(o, kind);
	if (++o->calls == o->fail_at) {
		o->injected = true;
		return INJECTED_ERROR;
	}
	return 0;
}

static int on_begin(void *ctx, uint64_t epoch)
{
	struct observer *o = ctx;
	check(!o->open);
	check(!o->any || epoch > o->epoch);
	o->open = o->any = true;
	o->epoch = epoch;
	mix(o, epoch);
	return called(o, REPL_BEGIN);
}

static int on_page(void *ctx, uint64_t gpa, const void *data)
{
	struct observer *o = ctx;
	const uint8_t *p = data;
	check(o->open);
	check(gpa % REPL_PAGE_BYTES == 0);
	inside_chunk(o, data, REPL_PAGE_BYTES);
	mix(o, gpa);
	mix(o, p[0] | (uint64_t)p[REPL_PAGE_BYTES - 1] << 8);
	return called(o, REPL_PAGE);
}

static int on_blob(void *ctx, enum repl_type type, uint64_t arg, const void *data, uint32_t len)
{
	struct observer *o = ctx;
	check(o->open);
	check(type == REPL_VCPU || type == REPL_DEVICES);
	check(len <= REPL_BLOB_MAX);
	if (len)
		inside_chunk(o, data, len);
	mix(o, arg);
	mix(o, len);
	return called(o, type);
}

static int on_commit(void *ctx, uint64_t epoch)
{
	struct observer *o = ctx;
	check(o->open && epoch == o->epoch);
	o->open = false;
	mix(o, epoch);
	return called(o, REPL_COMMIT);
}

static const struct repl_reader_ops ops = {
    .begin = on_begin, .page = on_page, .blob = on_blob, .commit = on_commit};

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Where the record at off ends as its header says, or len if it runs past the end. */
static size_t record_end(const uint8_t *bytes, size_t len, size_t off)
{
	if (len - off < REPL_HEADER_BYTES)
		return len;
	uint64_t length = le32(bytes + off + OFF_LENGTH);
	return length > len - off - REPL_HEADER_BYTES ? len : off + REPL_HEADER_BYTES + length;
}

static uint32_t crc32_bitwise(uint32_t crc, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int bit = 0; bit < 8; bit++)
			crc = crc & 1 ? (crc >> 1) ^ CRC32_POLY_REVERSED : crc >> 1;
	}
	return crc;
}

static void reseal(uint8_t *bytes, size_t len)
{
	for (size_t off = 0, end; off < len; off = end) {
		end = record_end(bytes, len, off);
		if (end - off < REPL_HEADER_BYTES)
			break;
		uint8_t *rec = bytes + off;
		memset(rec + OFF_CRC, 0, 4);
		uint32_t crc = ~crc32_bitwise(~0U, rec, end - off);
		for (int i = 0; i < 4; i++)
			rec[OFF_CRC + i] = (uint8_t)(crc >> (8 * i));
	}
}

/* The error text is NUL-terminated inside its array and names the record at fault. */
static void check_error_text(const struct repl_reader *r, int rc)
{
	check(memchr(r->error, '\0', sizeof(r->error)) != NULL);
	if (rc == 0) {
		check(r->error[0] == '\0');
		return;
	}
	check(rc < 0 && r->status == rc);
	check(strncmp(r->error, HEADER_PREFIX, strlen(HEADER_PREFIX)) == 0);
}

static int feed(struct repl_reader *r, struct observer *o, const uint8_t *bytes, size_t len)
{
	o->chunk = bytes;
	o->chunk_len = len;
	int rc = repl_reader_feed(r, bytes, len);
	check_error_text(r, rc);
	if (rc)
		o->frozen = true;
	return rc;
}

/* Feed all of bytes, per_feed records at a time (0: at once); returns the reader's result. */
static int run(struct repl_reader *r, struct observer *o, const uint8_t *bytes, size_t len,
	       unsigned per_feed, unsigned fail_at)
{
	int rc = 0;

	memset(o, 0, sizeof(*o));
	o->digest = FNV_OFFSET;
	o->fail_at = fail_at;
	repl_reader_init(r, &ops, o);
	if (per_feed == 0)
		return feed(r, o, bytes, len);
	for (size_t off = 0; off < len && rc == 0;) {
		size_t end = off;
		for (unsigned n = 0; n < per_feed && end < len; n++)
			end = record_end(bytes, len, end);
		rc = feed(r, o, bytes + off, end - off);
		off = end;
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct repl_reader whole, split;
	struct observer seen_whole, seen_split;

	if (size < 1)
		return 0;
	uint8_t ctrl = data[0];
	size_t len = size - 1;
	uint8_t *bytes = malloc(len ? len : 1);
	if (!bytes)
		return 0;
	memcpy(bytes, data + 1, len);
	if (ctrl & CTRL_RESEAL)
		reseal(bytes, len);
	unsigned per_feed = (ctrl >> CTRL_PER_FEED_SHIFT) & CTRL_PER_FEED_MASK;
	unsigned fail_at = ctrl >> CTRL_FAIL_SHIFT;

	int rc = run(&whole, &seen_whole, bytes, len, 0, fail_at);
	check(!seen_whole.injected || rc == INJECTED_ERROR);
	if (rc) {
		/* Failed for good: the same error, and not one callback more. */
		unsigned calls = seen_whole.calls;
		check(repl_reader_feed(&whole, bytes, len) == rc);
		check(seen_whole.calls == calls);
	}

	int rc_split = run(&split, &seen_split, bytes, len, per_feed, fail_at);
	check(rc_split == rc);
	check(seen_split.calls == seen_whole.calls && seen_split.digest == seen_whole.digest);
	check(strcmp(split.error, whole.error) == 0);

	free(bytes);
	return 0;
}
