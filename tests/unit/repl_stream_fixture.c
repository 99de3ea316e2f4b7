/*
 * The replication stream tests' common parts (repl_stream_fixture.h): an
 * encoder written out independently of the module, a sink that keeps every
 * chunk, a receiver that logs every callback, and cmocka set-up.
 */
#include "tests/unit/repl_stream_fixture.h"
/* --- an independent encoder ----------------------------------------------------------- */

/* CRC-32C bit by bit, the textbook way, to check the module's. */
uint32_t crc32_bitwise(uint32_t crc, const void *bytes, size_t len)
{
	const uint8_t *p = bytes;

	crc = ~crc;
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int bit = 0; bit < 8; bit++)
			crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78U : crc >> 1;
	}
	return ~crc;
}

void le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t from_le(const uint8_t *p, int bytes)
{
	uint64_t v = 0;
	for (int i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Recompute the CRC of the record at rec (after a test changed a field on purpose). */
void reseal(uint8_t *rec)
{
	uint32_t len = (uint32_t)from_le(rec + 24, 4);
	uint8_t header[32];

	memcpy(header, rec, 32);
	le(header + 28, 0, 4);
	uint32_t crc = crc32_bitwise(0, header, 32);
	crc = crc32_bitwise(crc, rec + 32, len);
	le(rec + 28, crc, 4);
}

struct stream s;

uint8_t *add(uint16_t type, uint64_t epoch, uint64_t arg, const void *payload, uint32_t len)
{
	uint8_t *rec = s.bytes + s.len;

	assert_true(s.len + 32 + len <= sizeof(s.bytes));
	le(rec + 0, 0x4c50524a, 4);
	le(rec + 4, type, 2);
	le(rec + 6, 1, 2);
	le(rec + 8, epoch, 8);
	le(rec + 16, arg, 8);
	le(rec + 24, len, 4);
	if (len)
		memcpy(rec + 32, payload, len);
	reseal(rec);
	if (s.records < 64)
		s.at[s.records++] = s.len;
	s.len += 32 + len;
	return rec;
}

uint8_t *add_commit(uint64_t epoch, uint32_t count, uint32_t flags)
{
	uint8_t payload[8];
	le(payload, count, 4);
	le(payload + 4, flags, 4);
	return add(REPL_COMMIT, epoch, 0, payload, 8);
}

void fill(uint8_t *buf, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245 + 12345;
		buf[i] = (uint8_t)(seed >> 16);
	}
}

/* --- a sink that keeps every chunk ------------------------------------------------------ */

struct collector sunk;

int collect(void *ctx, const void *bytes, size_t len)
{
	struct collector *c = ctx;

	c->calls++;
	if (c->fail_call && c->calls >= c->fail_call)
		return c->fail_rc;
	assert_true(c->count < MAX_CHUNKS);
	c->chunk[c->count] = malloc(len);
	assert_non_null(c->chunk[c->count]);
	memcpy(c->chunk[c->count], bytes, len);
	c->len[c->count++] = len;
	return 0;
}

void collector_reset(void)
{
	for (size_t i = 0; i < sunk.count; i++)
		free(sunk.chunk[i]);
	memset(&sunk, 0, sizeof(sunk));
}

struct repl_sink sink(void)
{
	return (struct repl_sink){.write = collect, .ctx = &sunk};
}

/* --- a receiver that logs every callback ------------------------------------------------ */

struct log rx, want;

void log_event(struct log *l, int kind, uint64_t value, const void *data, uint32_t len)
{
	assert_true(l->count < MAX_EVENTS);
	l->ev[l->count++] = (struct event){
	    .kind = kind, .epoch_or_arg = value, .len = len, .crc = crc32_bitwise(0, data, len)};
}

int on_begin(void *ctx, uint64_t epoch)
{
	log_event(ctx, REPL_BEGIN, epoch, NULL, 0);
	return ((struct log *)ctx)->fail_kind == REPL_BEGIN ? ((struct log *)ctx)->fail_rc : 0;
}

int on_page(void *ctx, uint64_t gpa, const void *data)
{
	log_event(ctx, REPL_PAGE, gpa, data, PAGE);
	return ((struct log *)ctx)->fail_kind == REPL_PAGE ? ((struct log *)ctx)->fail_rc : 0;
}

int on_blob(void *ctx, enum repl_type type, uint64_t arg, const void *data, uint32_t len)
{
	assert_true(type == REPL_VCPU || type == REPL_DEVICES);
	log_event(ctx, type, arg, data, len);
	return ((struct log *)ctx)->fail_kind == (int)type ? ((struct log *)ctx)->fail_rc : 0;
}

int on_commit(void *ctx, uint64_t epoch)
{
	log_event(ctx, REPL_COMMIT, epoch, NULL, 0);
	return ((struct log *)ctx)->fail_kind == REPL_COMMIT ? ((struct log *)ctx)->fail_rc : 0;
}

const struct repl_reader_ops ops = {
    .begin = on_begin, .page = on_page, .blob = on_blob, .commit = on_commit};

struct repl_writer writer;
struct repl_reader reader;

int setup(void **state)
{
	collector_reset();
	memset(&rx, 0, sizeof(rx));
	memset(&want, 0, sizeof(want));
	memset(&s, 0, sizeof(s));
	repl_writer_init(&writer, sink());
	repl_reader_init(&reader, &ops, &rx);
	return 0;
}

int teardown(void **state)
{
	collector_reset();
	return 0;
}

size_t kinds(int kind)
{
	size_t n = 0;
	for (size_t i = 0; i < rx.count; i++)
		n += rx.ev[i].kind == kind;
	return n;
}

/* --- the wire format -------------------------------------------------------------------- */
