/*
 * Multiboot test kernels: the checks mb1.c and mb2.c share (see mbcheck.h).
 * Each failure names the check; 32-bit code, so no 64-bit division.
 */
#include "tests/guests/mbcheck.h"

#include "tests/guests/lib/serial.h"

#define CR0_PE	    (1U << 0)
#define CR0_PG	    (1U << 31)
#define EFLAGS_IF   (1U << 9)
#define EFLAGS_VM   (1U << 17)
#define PAGE	    4096U
#define HIGH_RAM    0x100000ULL
#define MEM_RAM	    1
#define DESC_S	    (1ULL << 44)
#define DESC_P	    (1ULL << 47)
#define DESC_DB	    (1ULL << 54)
#define DESC_G	    (1ULL << 55)
#define DESC_CODE   (1ULL << 43)
#define DESC_RW	    (1ULL << 41) /* readable code / writable data */
#define LOADER_NAME "Shoji"

extern char _mb_load_start[], _mb_end[];

void mb_print(const char *s)
{
	serial_puts(s);
}

void mb_print_hex(uint32_t v)
{
	char buf[11] = "0x";

	for (int i = 0; i < 8; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xf];
	buf[10] = '\0';
	serial_puts(buf);
}

int mb_fail(const char *who, const char *what, uint32_t value)
{
	mb_print(who);
	mb_print(": FAIL ");
	mb_print(what);
	mb_print(" (");
	mb_print_hex(value);
	mb_print(")\n");
	return GUEST_EXIT_FAIL;
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* The value of "key=" in @cmdline as a number (decimal or 0x hex); false if absent. */
static bool cmdline_number(const char *cmdline, const char *key, uint32_t *out)
{
	for (const char *p = cmdline; *p; p++) {
		if (p != cmdline && p[-1] != ' ')
			continue;
		const char *k = key, *q = p;
		while (*k && *q == *k) {
			k++;
			q++;
		}
		if (*k || *q != '=')
			continue;
		q++;
		uint32_t v = 0, base = 10;
		if (q[0] == '0' && q[1] == 'x') {
			base = 16;
			q += 2;
		}
		for (;; q++) {
			uint32_t d;
			if (*q >= '0' && *q <= '9')
				d = *q - '0';
			else if (base == 16 && *q >= 'a' && *q <= 'f')
				d = *q - 'a' + 10;
			else
				break;
			v = v * base + d;
		}
		*out = v;
		return true;
	}
	return false;
}

static uint32_t crc32(const uint8_t *p, uint32_t len)
{
	uint32_t crc = 0xffffffff;

	for (uint32_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
	}
	return ~crc;
}

static uint64_t descriptor(uint16_t sel)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint32_t base;
	} gdtr;
	uint64_t d;

	asm volatile("sgdt %0" : "=m"(gdtr));
	if ((sel & ~7U) + 7 > gdtr.limit || (sel & 4))
		return 0;
	__builtin_memcpy(&d, (const void *)(uintptr_t)(gdtr.base + (sel & ~7U)), 8);
	return d;
}

/* Base 0, limit 4 GiB (G=1, limit 0xfffff), 32-bit, present, of the kind wanted. */
static bool flat(uint16_t sel, bool code)
{
	uint64_t d = descriptor(sel);
	uint32_t base = (uint32_t)((d >> 16) & 0xffffff) | (uint32_t)((d >> 56) << 24);
	uint32_t limit = (uint32_t)(d & 0xffff) | (uint32_t)((d >> 32) & 0xf0000);
	uint32_t lsl = 0;

	asm volatile("lsl %1, %0" : "=r"(lsl) : "r"((uint32_t)sel) : "cc");
	return sel != 0 && base == 0 && limit == 0xfffff && lsl == 0xffffffff && (d & DESC_G) &&
	       (d & DESC_DB) && (d & DESC_P) && (d & DESC_S) && (d & DESC_RW) &&
	       !!(d & DESC_CODE) == code;
}

/*
 * A20 on: with the gate closed, bit 20 of every address reads as 0, so a
 * word above 1 MiB would alias the one 1 MiB below it. Two different values
 * written above must not both show below.
 */
static bool a20_on(void)
{
	static volatile uint32_t probe; /* in .bss, above 1 MiB */
	volatile uint32_t *alias = (volatile uint32_t *)((uintptr_t)&probe ^ (uintptr_t)HIGH_RAM);

	probe = 0x5a5a1234;
	if (*alias != probe)
		return true;
	probe = 0xa5a5edcb;
	return *alias != probe;
}

int mb_check_entry(const char *who, uint32_t magic)
{
	static const char *const names[6] = {"CS", "DS", "ES", "FS", "GS", "SS"};

	if (mb_entry_eax != magic)
		return mb_fail(who, "EAX magic", mb_entry_eax);
	if (!(mb_entry_cr0 & CR0_PE) || (mb_entry_cr0 & CR0_PG))
		return mb_fail(who, "CR0 PE=1 PG=0", mb_entry_cr0);
	if (mb_entry_eflags & (EFLAGS_IF | EFLAGS_VM))
		return mb_fail(who, "EFLAGS IF=0 VM=0", mb_entry_eflags);
	if (!a20_on())
		return mb_fail(who, "A20 on", 0);
	for (int i = 0; i < 6; i++) {
		if (!flat(mb_entry_sel[i], i == 0)) {
			mb_print(who);
			mb_print(": segment ");
			mb_print(names[i]);
			mb_print("\n");
			return mb_fail(who, "flat segment", mb_entry_sel[i]);
		}
	}
	return 0;
}

/* [base, base + len) inside one RAM range of the map? */
static bool in_ram(const struct mb_found *f, uint64_t base, uint64_t len)
{
	for (unsigned i = 0; i < f->map_count; i++)
		if (f->map[i].type == MEM_RAM && base >= f->map[i].base &&
		    base + len <= f->map[i].base + f->map[i].length)
			return true;
	return false;
}

static int check_map(const char *who, const struct mb_found *f, uint32_t memkib)
{
	uint64_t at = 0, low_end = (uint64_t)f->mem_lower * 1024;
	uint64_t high_end = HIGH_RAM + (uint64_t)f->mem_upper * 1024;

	if (f->map_count == 0)
		return mb_fail(who, "memory map given", 0);
	/* Contiguous from 0 to the configured size, sorted. */
	for (unsigned i = 0; i < f->map_count; i++) {
		if (f->map[i].base != at || f->map[i].length == 0)
			return mb_fail(who, "memory map contiguous", (uint32_t)f->map[i].base);
		at += f->map[i].length;
		/* RAM exactly where mem_lower and mem_upper say, reserved elsewhere. */
		bool ram = f->map[i].type == MEM_RAM;
		uint64_t b = f->map[i].base, e = b + f->map[i].length;
		bool want_ram = (e <= low_end) || (b >= HIGH_RAM && e <= high_end);
		bool want_hole = (b >= low_end && e <= HIGH_RAM) || b >= high_end;
		if (ram ? !want_ram : !want_hole)
			return mb_fail(who, "memory map type matches mem_lower/mem_upper",
				       (uint32_t)b);
	}
	if (at != (uint64_t)memkib * 1024)
		return mb_fail(who, "memory map ends at the configured memory", (uint32_t)at);
	if (!in_ram(f, 0, low_end) || !in_ram(f, HIGH_RAM, high_end - HIGH_RAM))
		return mb_fail(who, "mem_lower/mem_upper RAM in the map", f->mem_upper);
	/* Shoji keeps one page for its prot32 tables at the top; nothing more may be lost. */
	if (high_end + PAGE != (uint64_t)memkib * 1024)
		return mb_fail(who, "mem_upper covers the memory", f->mem_upper);
	return 0;
}

int mb_check_found(const char *who, const struct mb_found *f)
{
	uint32_t memkib, modsize, modcrc;
	int ret;

	if (!f->cmdline)
		return mb_fail(who, "cmdline given", 0);
	mb_print(who);
	mb_print(": cmdline '");
	mb_print(f->cmdline);
	mb_print("'\n");
	if (!cmdline_number(f->cmdline, "memkib", &memkib) ||
	    !cmdline_number(f->cmdline, "modsize", &modsize) ||
	    !cmdline_number(f->cmdline, "modcrc", &modcrc))
		return mb_fail(who, "cmdline has memkib, modsize and modcrc", 0);
	if (!f->loader || !str_eq(f->loader, LOADER_NAME))
		return mb_fail(who, "boot loader name", 0);
	if (!f->have_mem)
		return mb_fail(who, "memory sizes given", 0);
	if (f->mem_lower != 636)
		return mb_fail(who, "mem_lower 636 KiB", f->mem_lower);
	ret = check_map(who, f, memkib);
	if (ret)
		return ret;
	if (f->mod_count != 1)
		return mb_fail(who, "one module", f->mod_count);
	uint32_t start = f->mods[0].start, end = f->mods[0].end;
	mb_print(who);
	mb_print(": module '");
	mb_print(f->mods[0].string ? f->mods[0].string : "(none)");
	mb_print("'\n");
	if (start % PAGE)
		return mb_fail(who, "module page aligned", start);
	if (end < start || end - start != modsize)
		return mb_fail(who, "module size", end - start);
	if (start < (uintptr_t)_mb_end && end > (uintptr_t)_mb_load_start)
		return mb_fail(who, "module clear of the kernel", start);
	if (!in_ram(f, start, modsize))
		return mb_fail(who, "module in RAM", start);
	uint32_t crc = crc32((const uint8_t *)(uintptr_t)start, modsize);
	if (crc != modcrc)
		return mb_fail(who, "module crc32", crc);
	if (!in_ram(f, mb_entry_ebx, 16))
		return mb_fail(who, "information structure in RAM", mb_entry_ebx);
	mb_print(who);
	mb_print(": PASS\n");
	return GUEST_EXIT_PASS;
}
