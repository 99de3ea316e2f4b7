/*
 * study-clock: prints CLOCK_MONOTONIC in nanoseconds (BusyBox's date has no %N). The
 * overhead study's container column (tools/study/init.sh) times its start with it.
 */
#include <stdio.h>
#include <time.h>

int main(void)
{
	struct timespec t;
	if (clock_gettime(CLOCK_MONOTONIC, &t))
		return 1;
	printf("%lld\n", (long long)t.tv_sec * 1000000000LL + t.tv_nsec);
	return 0;
}
