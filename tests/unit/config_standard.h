/*
 * The standard machine of the config tests that share it (test_config.c,
 * test_config_placement.c): their module table, the parse result and log,
 * and the CPU count and free memory the parse is told about.
 */
#ifndef SHOJI_TESTS_UNIT_CONFIG_STANDARD_H
#define SHOJI_TESTS_UNIT_CONFIG_STANDARD_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/mgmt/config.h"

/* shoji.cfg, guests/hello64.elf, guests/x.bin, boot.sh, linux/vmlinuz, linux/initrd.gz, disk.img */
extern const struct boot_module modules[];
extern struct config cfg;
extern char *log_text; /* what the parse logged, one message per line */
/* The machine config_parse is told about; teardown puts back 0 (= not checked). */
extern uint32_t cpu_count;
extern uint64_t free_memory;

int parse_len(const char *text, size_t len);
int parse(const char *text);
/* cmocka teardown: the log freed, the machine back to "not checked". */
int teardown(void **state);

#endif
