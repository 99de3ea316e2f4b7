/*
 * The replication stream's two ends: the writer that packs records into
 * chunks for a sink, and the reader that checks a stream of chunks and hands
 * its records to callbacks. Owns the wire format (repl_stream.h) and nothing
 * else: it never sees a guest, takes no lock and reads no clock; what a page
 * or a blob means is its callers' business.
 *
 * The reader trusts nothing in the bytes: every length is checked against
 * the chunk before it is used, so a hostile stream gets an error, never a
 * read out of bounds.
 */
#include "kernel/ha/repl_stream.h"

#include <errno.h>
#include <string.h>

/* Byte offsets of struct repl_header's fields on the wire. */
#define OFF_MAGIC   0
#define OFF_TYPE    4
#define OFF_VERSION 6
#define OFF_EPOCH   8
#define OFF_ARG	    16
#define OFF_LENGTH  24
#define OFF_CRC	    28

/* COMMIT's payload. */
#define OFF_COMMIT_COUNT 0
#define OFF_COMMIT_FLAGS 4

/* A record's CRC: its header with the crc field taken as 0, then its payload. */
static uint32_t record_crc(const struct crc32c_table *table, const uint8_t *header,
			   const void *payload, uint32_t len)
{
	static const uint8_t zero_crc[sizeof(uint32_t)];
	uint32_t crc = crc32c_begin();

	crc = crc32c_update(table, crc, header, OFF_CRC);
	crc = crc32c_update(table, crc, zero_crc, sizeof(zero_crc));
	crc = crc32c_update(table, crc, payload, len);
	return crc32c_end(crc);
}

/* --- little-endian fields ---------------------------------------------------------------- */

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
	return get_le16(p) | (uint32_t)get_le16(p + 2) << 16;
}

static uint64_t get_le64(const uint8_t *p)
{
	return get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* --- writer ------------------------------------------------------------------------------ */

void repl_writer_init(struct repl_writer *w, struct repl_sink sink)
{
	memset(w, 0, offsetof(struct repl_writer, chunk));
	w->sink = sink;
	crc32c_table_init(&w->crc);
}

/* Hand the filled part of the chunk to the sink; its error stops the writer for good. */
static int writer_flush(struct repl_writer *w)
{
	if (w->used == 0)
		return 0;
	int rc = w->sink.write(w->sink.ctx, w->chunk, w->used);
	if (rc < 0) {
		w->error = rc;
		return rc;
	}
	w->sent_bytes += w->used;
	w->used = 0;
	return 0;
}

/* Append one whole record, first handing the chunk over if the record does not fit. */
static int writer_append(struct repl_writer *w, enum repl_type type, uint64_t arg,
			 const void *payload, uint32_t len)
{
	size_t size = REPL_HEADER_BYTES + (size_t)len;

	if (w->used + size > REPL_CHUNK_BYTES) {
		int rc = writer_flush(w);
		if (rc)
			return rc;
	}

	uint8_t *header = w->chunk + w->used;
	put_le32(header + OFF_MAGIC, REPL_MAGIC);
	put_le16(header + OFF_TYPE, (uint16_t)type);
	put_le16(header + OFF_VERSION, REPL_VERSION);
	put_le64(header + OFF_EPOCH, w->epoch);
	put_le64(header + OFF_ARG, arg);
	put_le32(header + OFF_LENGTH, len);
	if (len)
		memcpy(header + REPL_HEADER_BYTES, payload, len);
	put_le32(header + OFF_CRC, record_crc(&w->crc, header, header + REPL_HEADER_BYTES, len));
	w->used += size;
	w->records++;
	return 0;
}

int repl_begin(struct repl_writer *w, uint64_t epoch)
{
	if (w->error)
		return w->error;
	if (w->epoch_open || (w->any_epoch && epoch <= w->epoch))
		return -EPROTO;

	w->epoch = epoch;
	w->records = 0;
	int rc = writer_append(w, REPL_BEGIN, 0, NULL, 0);
	if (rc)
		return rc;
	w->epoch_open = true;
	w->any_epoch = true;
	return 0;
}

int repl_put(struct repl_writer *w, enum repl_type type, uint64_t arg, const void *data,
	     uint32_t len)
{
	if (w->error)
		return w->error;
	switch (type) {
	case REPL_PAGE:
		if (len != REPL_PAGE_BYTES || !IS_ALIGNED(arg, REPL_PAGE_BYTES))
			return -EINVAL;
		break;
	case REPL_VCPU:
	case REPL_DEVICES:
		if (len > REPL_BLOB_MAX)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (len && !data)
		return -EINVAL;
	if (!w->epoch_open)
		return -EPROTO;
	/* COMMIT's count is a u32; leave room for COMMIT itself. */
	if (w->records >= UINT32_MAX - 1)
		return -EOVERFLOW;
	return writer_append(w, type, arg, data, len);
}

int repl_commit(struct repl_writer *w)
{
	uint8_t payload[REPL_COMMIT_BYTES];

	if (w->error)
		return w->error;
	if (!w->epoch_open)
		return -EPROTO;

	put_le32(payload + OFF_COMMIT_COUNT, w->records);
	put_le32(payload + OFF_COMMIT_FLAGS, 0);
	int rc = writer_append(w, REPL_COMMIT, 0, payload, sizeof(payload));
	if (rc)
		return rc;
	w->epoch_open = false;
	/* The epoch is complete only once the standby can have all of it. */
	return writer_flush(w);
}

uint64_t repl_writer_bytes(const struct repl_writer *w)
{
	return w->sent_bytes;
}

/* --- reader ------------------------------------------------------------------------------ */

static const char *const type_names[] = {
    [REPL_BEGIN] = "BEGIN",	[REPL_PAGE] = "PAGE",	  [REPL_VCPU] = "VCPU",
    [REPL_DEVICES] = "DEVICES", [REPL_COMMIT] = "COMMIT",
};

static const char *type_name(uint64_t type)
{
	return type < ARRAY_SIZE(type_names) && type_names[type] ? type_names[type] : "?";
}

/* The error text, built without a printf: this module has no C library beyond string.h. */
struct text {
	char *buf;
	size_t len;
};

static void text_char(struct text *t, char c)
{
	if (t->len + 1 < REPL_ERROR_TEXT)
		t->buf[t->len++] = c;
	t->buf[t->len] = '\0';
}

static void text_str(struct text *t, const char *s)
{
	while (*s)
		text_char(t, *s++);
}

static void text_number(struct text *t, uint64_t v, unsigned int base)
{
	char digits[sizeof("18446744073709551615")];
	size_t n = sizeof(digits) - 1;

	digits[n] = '\0';
	do {
		digits[--n] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (base == 16)
		text_str(t, "0x");
	text_str(t, digits + n);
}

/*
 * Stop the reader with err and say why: "record N: " then fmt, in which '#'
 * stands for the next value in decimal, '^' in hex and '@' as a record type's
 * name. Returns err.
 */
static int fail(struct repl_reader *r, int err, const char *fmt, uint64_t a, uint64_t b, uint64_t c)
{
	const uint64_t values[] = {a, b, c};
	struct text t = {.buf = r->error, .len = 0};
	size_t next = 0;

	r->status = err;
	text_str(&t, "record ");
	text_number(&t, r->record_index, 10);
	text_str(&t, ": ");
	for (; *fmt; fmt++) {
		uint64_t v = next < ARRAY_SIZE(values) ? values[next] : 0;
		switch (*fmt) {
		case '#':
			text_number(&t, v, 10);
			next++;
			break;
		case '^':
			text_number(&t, v, 16);
			next++;
			break;
		case '@':
			text_str(&t, type_name(v));
			next++;
			break;
		default:
			text_char(&t, *fmt);
		}
	}
	return err;
}

/* A callback's error stops the reader like a bad record does; fmt says which callback. */
static int callback_result(struct repl_reader *r, int rc, const char *fmt)
{
	return rc < 0 ? fail(r, rc, fmt, -(int64_t)rc, 0, 0) : 0;
}

void repl_reader_init(struct repl_reader *r, const struct repl_reader_ops *ops, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->ops = ops;
	r->ctx = ctx;
	crc32c_table_init(&r->crc);
}

/* The payload length each type allows, checked before the length is trusted for anything. */
static int check_length(struct repl_reader *r, uint16_t type, uint32_t len)
{
	switch (type) {
	case REPL_BEGIN:
		return len == 0 ? 0 : fail(r, -EINVAL, "@ length #, not 0", type, len, 0);
	case REPL_PAGE:
		return len == REPL_PAGE_BYTES
			   ? 0
			   : fail(r, -EINVAL, "@ length #, not #", type, len, REPL_PAGE_BYTES);
	case REPL_COMMIT:
		return len == REPL_COMMIT_BYTES
			   ? 0
			   : fail(r, -EINVAL, "@ length #, not #", type, len, REPL_COMMIT_BYTES);
	default: /* VCPU, DEVICES */
		return len <= REPL_BLOB_MAX
			   ? 0
			   : fail(r, -EINVAL, "@ length # over #", type, len, REPL_BLOB_MAX);
	}
}

static int read_begin(struct repl_reader *r, uint64_t epoch)
{
	if (r->epoch_open)
		return fail(r, -EPROTO, "BEGIN while epoch # has no COMMIT", r->epoch, 0, 0);
	if (r->any_epoch && epoch <= r->epoch)
		return fail(r, -EPROTO, "BEGIN of epoch # not after #", epoch, r->epoch, 0);

	r->epoch = epoch;
	r->epoch_open = true;
	r->any_epoch = true;
	r->records = 1;
	return callback_result(r, r->ops->begin(r->ctx, epoch), "begin callback failed: -#");
}

static int read_commit(struct repl_reader *r, const uint8_t *payload)
{
	uint32_t count = get_le32(payload + OFF_COMMIT_COUNT);
	uint32_t flags = get_le32(payload + OFF_COMMIT_FLAGS);

	/* No flag is defined yet; a future one may change what COMMIT means, so refuse it. */
	if (flags)
		return fail(r, -EINVAL, "COMMIT flags ^, not 0", flags, 0, 0);
	if (count != r->records)
		return fail(r, -EPROTO, "COMMIT counts # records, epoch has #", count, r->records,
			    0);

	r->epoch_open = false;
	return callback_result(r, r->ops->commit(r->ctx, r->epoch), "commit callback failed: -#");
}

/* One record whose header and payload are known to lie inside the chunk, CRC checked. */
static int read_record(struct repl_reader *r, uint16_t type, uint64_t epoch, uint64_t arg,
		       const uint8_t *payload, uint32_t len)
{
	if (type == REPL_BEGIN)
		return read_begin(r, epoch);

	/* Everything else belongs to the open epoch. */
	if (!r->epoch_open)
		return fail(r, -EPROTO, "@ before BEGIN", type, 0, 0);
	if (epoch != r->epoch)
		return fail(r, -EPROTO, "@ of epoch # inside epoch #", type, epoch, r->epoch);
	if (type == REPL_COMMIT)
		return read_commit(r, payload);

	/* COMMIT's u32 count must be able to name every record of the epoch. */
	if (r->records == UINT32_MAX)
		return fail(r, -EPROTO, "too many records in epoch #", r->epoch, 0, 0);
	r->records++;
	if (type == REPL_PAGE) {
		if (!IS_ALIGNED(arg, REPL_PAGE_BYTES))
			return fail(r, -EINVAL, "PAGE at GPA ^, not 4 KiB aligned", arg, 0, 0);
		return callback_result(r, r->ops->page(r->ctx, arg, payload),
				       "page callback failed: -#");
	}
	return callback_result(r, r->ops->blob(r->ctx, (enum repl_type)type, arg, payload, len),
			       "blob callback failed: -#");
}

int repl_reader_feed(struct repl_reader *r, const void *bytes, size_t len)
{
	const uint8_t *p = bytes;
	size_t off = 0;

	if (r->status)
		return r->status;

	while (off < len) {
		size_t left = len - off;
		if (left < REPL_HEADER_BYTES)
			return fail(r, -EINVAL, "partial header, # bytes left", left, 0, 0);

		const uint8_t *header = p + off;
		const uint8_t *payload = header + REPL_HEADER_BYTES;
		uint16_t type = get_le16(header + OFF_TYPE);
		uint16_t version = get_le16(header + OFF_VERSION);
		uint32_t length = get_le32(header + OFF_LENGTH);

		if (get_le32(header + OFF_MAGIC) != REPL_MAGIC)
			return fail(r, -EINVAL, "bad magic", 0, 0, 0);
		if (version != REPL_VERSION)
			return fail(r, -EINVAL, "version #, not #", version, REPL_VERSION, 0);
		if (type < REPL_BEGIN || type > REPL_COMMIT)
			return fail(r, -EINVAL, "unknown type #", type, 0, 0);
		int rc = check_length(r, type, length);
		if (rc)
			return rc;
		if (length > left - REPL_HEADER_BYTES)
			return fail(r, -EINVAL, "@ cut short, # of # payload bytes", type,
				    left - REPL_HEADER_BYTES, length);
		if (record_crc(&r->crc, header, payload, length) != get_le32(header + OFF_CRC))
			return fail(r, -EINVAL, "bad CRC", 0, 0, 0);

		rc = read_record(r, type, get_le64(header + OFF_EPOCH), get_le64(header + OFF_ARG),
				 payload, length);
		if (rc)
			return rc;
		r->record_index++;
		off += REPL_HEADER_BYTES + length;
	}
	return 0;
}
