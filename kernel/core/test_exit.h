/*
 * Ending a test run. Only when the command line has "test-exit": the
 * hypervisor then writes its exit code to QEMU's isa-debug-exit port (0xf4)
 * and "Shutdown" to the Bochs shutdown port (0x8900); on real hardware
 * without the switch these ports are never touched.
 */
#ifndef SHOJI_KERNEL_TEST_EXIT_H
#define SHOJI_KERNEL_TEST_EXIT_H

#include <stdbool.h>
#include <stdint.h>

/* QEMU exits with status (code << 1) | 1. */
#define TEST_EXIT_PASS	0x10 /* status 33 */
#define TEST_EXIT_PANIC 0x11 /* status 35 */

void test_exit_enable(bool on);
bool test_exit_enabled(void);
/* Returns only if test-exit is off (or the emulator ignored both ports). */
void test_exit(uint8_t code);

#endif
