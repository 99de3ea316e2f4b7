/*
 * Test guests: one console line per assertion, "<guest>: <what>: ok" or
 * "<guest>: <what>: FAIL (got X expected Y)", and the failure count.
 */
#ifndef SHOJI_TESTS_GUESTS_LIB_CHECK_H
#define SHOJI_TESTS_GUESTS_LIB_CHECK_H

#include <stdbool.h>
#include <stdint.h>

void check_begin(const char *guest_name);
bool check_eq(const char *what, uint64_t got, uint64_t expected);
/* For conditions that are not an equality: FAIL (got X expected Y), X and Y as given. */
bool check_true(const char *what, bool ok, uint64_t got, uint64_t expected);
unsigned check_failures(void);
/* "<guest>: PASS" or "<guest>: FAIL <n> checks"; the matching GUEST_EXIT_* code. */
int check_verdict(void);

#endif
