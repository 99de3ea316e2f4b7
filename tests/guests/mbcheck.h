/*
 * Multiboot test kernels: what mb1.c and mb2.c read from their information
 * structure, in one shape, and the checks both share (entry state, command
 * line, memory sizes and map, the module, the loader name). Expected values
 * come on the command line: "memkib=N modsize=N modcrc=0xX" (the scenario
 * computes them from the config and the module file).
 */
#ifndef SHOJI_TESTS_GUESTS_MBCHECK_H
#define SHOJI_TESTS_GUESTS_MBCHECK_H

#include <stdbool.h>
#include <stdint.h>

#define MB_MODULES_MAX 8
#define MB_MAP_MAX     16

struct mb_found {
	const char *cmdline; /* NULL: none given */
	const char *loader;
	bool have_mem;
	uint32_t mem_lower, mem_upper;
	unsigned mod_count;
	struct {
		uint32_t start, end;
		const char *string;
	} mods[MB_MODULES_MAX];
	unsigned map_count;
	struct {
		uint64_t base, length;
		uint32_t type;
	} map[MB_MAP_MAX];
};

/* Saved by mbstart.S before anything else ran. */
extern uint32_t mb_entry_eax, mb_entry_ebx, mb_entry_eflags, mb_entry_cr0;
extern uint16_t mb_entry_sel[6];

/* Print "<who>: FAIL <what>" (with a value) and return GUEST_EXIT_FAIL. */
int mb_fail(const char *who, const char *what, uint32_t value);
void mb_print(const char *s);
void mb_print_hex(uint32_t v);

/* Entry state common to both specs: @magic in EAX, PE=1 PG=0, IF=0 VM=0, A20, flat segments. */
int mb_check_entry(const char *who, uint32_t magic);

/* Everything in @f against the command line's expectations; prints PASS on success. */
int mb_check_found(const char *who, const struct mb_found *f);

#endif
