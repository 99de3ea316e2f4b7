/*
 * study-exits KIND [N]: the round trip of one exit as a program in the guest
 * sees it, in TSC ticks per iteration (under Bochs with `clock: sync=none`,
 * emulated instructions): KIND cpuid (leaf 0: every hypervisor intercepts
 * it) or port (a read of port 0x510, which no device claims here: the
 * hypervisor's answer to an unknown port; KVM's comes from its VMM). The
 * same loop natively gives the floor. Median of 9 rounds of N (default 2000).
 * KIND timer: how late a 1 ms sleep wakes, in ns (the guest's timer interrupt
 * delivered through the hypervisor's timer and injection), median of N
 * sleeps and the worst (jitter).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <time.h>

#define PORT   0x510
#define ROUNDS 9

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static void cpuid0(void)
{
	uint32_t a = 0, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
}

static void port_read(void)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"((uint16_t)PORT));
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double ns_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) * 1e9 + (double)(now.tv_nsec - t->tv_nsec);
}

static int timer_lateness(long n)
{
	double *late = malloc(sizeof(double) * (size_t)n);
	const struct timespec ms = {0, 1000000};
	if (!late)
		return 1;
	for (long i = 0; i < n; i++) {
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		nanosleep(&ms, NULL);
		late[i] = ns_since(&t) - 1e6;
	}
	qsort(late, (size_t)n, sizeof(late[0]), by_value);
	printf("study-exits: timer %.0f ns late per 1 ms sleep (median; worst %.0f)\n", late[n / 2],
	       late[n - 1]);
	free(late);
	return 0;
}

int main(int argc, char **argv)
{
	void (*op)(void) = NULL;
	long n = argc > 2 ? strtol(argv[2], NULL, 0) : 2000;
	if (n < 1) {
		fprintf(stderr, "study-exits: N must be positive\n");
		return 2;
	}
	if (argc > 1 && !strcmp(argv[1], "timer"))
		return timer_lateness(n);
	if (argc > 1 && !strcmp(argv[1], "cpuid"))
		op = cpuid0;
	else if (argc > 1 && !strcmp(argv[1], "port"))
		op = port_read;
	if (!op) {
		fprintf(stderr, "usage: study-exits cpuid|port|timer [N]\n");
		return 2;
	}
	if (op == port_read && ioperm(PORT, 1, 1)) {
		perror("study-exits: ioperm");
		return 1;
	}
	double per[ROUNDS];
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t = rdtsc();
		for (long i = 0; i < n; i++)
			op();
		per[r] = (double)(rdtsc() - t) / (double)n;
	}
	qsort(per, ROUNDS, sizeof(per[0]), by_value);
	printf("study-exits: %s %.1f ticks per iteration\n", argv[1], per[ROUNDS / 2]);
	return 0;
}
