/* fuzz-sources: kernel/mgmt/config.c kernel/mgmt/config_values.c kernel/core/parse_num.c */
/*
 * libFuzzer: the kernel's shoji.cfg parser on arbitrary bytes. Whatever the
 * input, it returns 0 or -errno, never reads outside the buffer (ASan), and
 * every guest it keeps names a known module and fits the machine.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel/mgmt/config.h"

static const struct boot_module modules[] = {
    {.name = "shoji.cfg"},
    {.name = "guests/hello64.elf"},
    {.name = "guests/x.bin"},
};

#define CPUS	4
#define MEMORY	(256ULL << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	static FILE *quiet;
	if (!quiet)
		quiet = fopen("/dev/null", "w");
	FILE *saved = stderr;
	stderr = quiet; /* the parser's error lines are the point, not the output */
	int ret = config_parse("shoji.cfg", (const char *)data, size, modules,
			       sizeof(modules) / sizeof(modules[0]), CPUS, MEMORY, &cfg);
	stderr = saved;
	if (ret > 0)
		abort();
	uint64_t used = 0;
	for (uint32_t i = 0; ret == 0 && i < cfg.guest_count; i++)
		used += cfg.guests[i].mem_size * cfg.guests[i].instances;
	if (used > MEMORY)
		abort(); /* the memory check let through more than the machine has */
	for (uint32_t i = 0; i < cfg.guest_count; i++) {
		const struct config_guest *g = &cfg.guests[i];
		char name[GUEST_NAME_MAX];
		if (g->instances < 1 || g->instances > CONFIG_INSTANCES_MAX)
			abort();
		/* Several instances: each one's name fits, none pinned, none with a disk. */
		if (g->instances > 1 &&
		    (config_instance_name(name, g->name, g->instances) || g->pinned || g->disk))
			abort();
	}
	return 0;
}
