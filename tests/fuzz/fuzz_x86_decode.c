/* fuzz-sources: kernel/emul/x86_decode.c kernel/emul/x86_opcodes.c kernel/emul/mmio_emulate.c */
/*
 * libFuzzer: the one x86 decoder on arbitrary bytes in each mode. It never
 * reads past `valid` bytes (ASan: the bytes are an exact-size copy), and a
 * decoded instruction is 1..15 bytes, all of them within what it was given.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/emul/x86_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum x86_mode mode = (enum x86_mode)(data[0] % 3);
	size_t valid = size - 1 > 15 ? 15 : size - 1;
	uint8_t *bytes = malloc(valid ? valid : 1);
	memcpy(bytes, data + 1, valid);
	struct x86_insn insn;
	if (x86_decode(bytes, valid, mode, &insn) == 0 && (insn.len < 1 || insn.len > valid))
		abort();
	free(bytes);
	return 0;
}
