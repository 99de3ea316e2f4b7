/* The config tests' standard machine (see config_standard.h). */
#include "tests/unit/config_standard.h"

#include <stdlib.h>
#include <string.h>

#include "tests/unit/config_fixture.h"

const struct boot_module modules[] = {
    {.name = "shoji.cfg"},
    {.name = "guests/hello64.elf"},
    {.name = "guests/x.bin"},
    {.name = "boot.sh"},
    {.name = "linux/vmlinuz", .size = 0x800000},
    {.name = "linux/initrd.gz", .size = 0x123456},
    {.name = "disk.img", .size = 0x100000},
};

struct config cfg;
char *log_text; /* what the parse logged, one message per line */
/* The machine config_parse is told about; teardown puts back 0 (= not checked). */
uint32_t cpu_count;
uint64_t free_memory;

int parse_len(const char *text, size_t len)
{
	return config_fixture_parse(text, len, modules, ARRAY_SIZE(modules), cpu_count, free_memory,
				    &cfg, &log_text);
}

int parse(const char *text)
{
	return parse_len(text, strlen(text));
}

int teardown(void **state)
{
	free(log_text);
	log_text = NULL;
	cpu_count = 0;
	free_memory = 0;
	return 0;
}
