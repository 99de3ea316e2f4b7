/* The config tests' common part: one parse, what it logs captured. */
#ifndef SHOJI_TESTS_UNIT_CONFIG_FIXTURE_H
#define SHOJI_TESTS_UNIT_CONFIG_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/mgmt/config.h"

/*
 * config_parse of @len bytes of @text as "shoji.cfg", from an exact-size
 * heap copy (ASan sees any over-read), with stderr swapped for a memory
 * stream: *log_text is freed and replaced by what the parse logged.
 */
int config_fixture_parse(const char *text, size_t len, const struct boot_module *modules,
			 uint32_t module_count, uint32_t cpu_count, uint64_t free_memory,
			 struct config *cfg, char **log_text);

#endif
