/*
 * Deliberate faults for system tests, chosen on the command line:
 *   test-fault=pagefault   read the boot stack's guard page (expects #PF, CR2 = that address)
 *   test-fault=ud          execute UD2 (expects #UD)
 *   test-smp               cross-call every other online CPU, then each one alone, and
 *                          log which CPUs ran the function:
 *                          "selftest: cross-call reached <n> other CPUs"
 * Without the word nothing happens.
 */
#ifndef SHOJI_KERNEL_SELFTEST_H
#define SHOJI_KERNEL_SELFTEST_H

void selftest_run_from_cmdline(const char *cmdline);

#endif
