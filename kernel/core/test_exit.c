/* Test-run exit through the emulators' exit ports (see test_exit.h). */
#include "kernel/core/test_exit.h"

#include "arch/x86/io.h"
#include "kernel/core/console.h"
#include "kernel/core/log.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT  0x8900

static bool enabled;

void test_exit_enable(bool on)
{
	enabled = on;
}

bool test_exit_enabled(void)
{
	return enabled;
}

void test_exit(uint8_t code)
{
	if (!enabled)
		return;
	log_info("shoji: test-exit code=0x%x", code);
	console_flush(); /* the emulator ends at the next write */
	outb(QEMU_DEBUG_EXIT_PORT, code);
	for (const char *s = "Shutdown"; *s; s++)
		outb(BOCHS_SHUTDOWN_PORT, *s);
}
