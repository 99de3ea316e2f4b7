/* The config tests' common part (see config_fixture.h). */
#include "tests/unit/config_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int config_fixture_parse(const char *text, size_t len, const struct boot_module *modules,
			 uint32_t module_count, uint32_t cpu_count, uint64_t free_memory,
			 struct config *cfg, char **log_text)
{
	char *copy = malloc(len ? len : 1);
	size_t log_len = 0;
	FILE *saved = stderr;

	memcpy(copy, text, len);
	free(*log_text);
	*log_text = NULL;
	fflush(stderr);
	stderr = open_memstream(log_text, &log_len);
	int ret = config_parse("shoji.cfg", copy, len, modules, module_count, cpu_count,
			       free_memory, cfg);
	fclose(stderr);
	stderr = saved;
	free(copy);
	return ret;
}
