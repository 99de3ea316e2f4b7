/* The autoscaler's rule and decision (see autoscale_policy.h). */
#include "kernel/mgmt/autoscale_policy.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel/core/parse_num.h"

/* One "key=value" word of text; its value as a number (a '%' allowed after target's). */
static int parse_word(const char *word, size_t len, unsigned limit, struct autoscale_rule *r,
		      unsigned *seen, char *why, size_t why_size)
{
	static const char *const keys[] = {"min", "max", "target", "period"};
	const char *eq = memchr(word, '=', len);
	size_t key_len = eq ? (size_t)(eq - word) : len;
	unsigned k = 0;
	while (k < 4 && !(strlen(keys[k]) == key_len && !memcmp(word, keys[k], key_len)))
		k++;
	if (k == 4 || !eq) {
		snprintf(why, why_size,
			 "bad setting '%.*s' (expected min=, max=, target=, period=)", (int)len,
			 word);
		return -EINVAL;
	}
	if (*seen & (1u << k)) {
		snprintf(why, why_size, "%s given twice", keys[k]);
		return -EINVAL;
	}
	*seen |= 1u << k;
	const char *v = eq + 1;
	size_t vlen = len - key_len - 1;
	if (k == 2 && vlen && v[vlen - 1] == '%')
		vlen--;
	static const unsigned lo[] = {1, 1, 1, AUTOSCALE_PERIOD_MIN_MS};
	const unsigned hi[] = {limit, limit, 100, AUTOSCALE_PERIOD_MAX_MS};
	uint64_t n;
	bool overflow = false;
	if (parse_u64(v, vlen, &n, &overflow) != vlen || !vlen || overflow || n < lo[k] ||
	    n > hi[k]) {
		snprintf(why, why_size, "bad %s '%.*s' (%u..%u%s)", keys[k],
			 (int)(len - key_len - 1), v, lo[k], hi[k],
			 k == 2	  ? "%"
			 : k == 3 ? " ms"
				  : "");
		return -EINVAL;
	}
	unsigned *field[] = {&r->min, &r->max, &r->target, &r->period_ms};
	*field[k] = (unsigned)n;
	return 0;
}

int autoscale_parse(const char *text, unsigned limit, struct autoscale_rule *rule, char *why,
		    size_t why_size)
{
	struct autoscale_rule r = {.min = 1, .period_ms = AUTOSCALE_PERIOD_MS};
	unsigned seen = 0;
	for (const char *p = text; *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t len = strcspn(p, " \t");
		if (!len)
			break;
		int err = parse_word(p, len, limit, &r, &seen, why, why_size);
		if (err)
			return err;
		p += len;
	}
	if ((seen & 6u) != 6u) {
		snprintf(why, why_size, "max= and target= are needed");
		return -EINVAL;
	}
	if (r.min > r.max) {
		snprintf(why, why_size, "min %u is above max %u", r.min, r.max);
		return -EINVAL;
	}
	*rule = r;
	return 0;
}

unsigned autoscale_decide(const struct autoscale_rule *r, struct autoscale_state *st, unsigned n,
			  unsigned load, char *why, size_t why_size)
{
	if (n < r->min || n > r->max) {
		unsigned want = n < r->min ? r->min : r->max;
		snprintf(why, why_size, "%u instances, outside %u..%u", n, r->min, r->max);
		return want;
	}
	if (st->cooldown) {
		st->cooldown--;
		return n;
	}
	unsigned wanted = (n * load + r->target - 1) / r->target;
	wanted = wanted < r->min ? r->min : wanted > r->max ? r->max : wanted;
	if (load > r->target + AUTOSCALE_OUT_MARGIN) {
		st->low_periods = 0;
		if (wanted > n)
			snprintf(why, why_size, "load %u%% is above %u%%+%u", load, r->target,
				 AUTOSCALE_OUT_MARGIN);
		return wanted > n ? wanted : n;
	}
	if (load + AUTOSCALE_IN_MARGIN >= r->target) {
		st->low_periods = 0;
		return n;
	}
	if (++st->low_periods < AUTOSCALE_IN_PERIODS || wanted >= n)
		return n;
	snprintf(why, why_size, "load %u%% below %u%%-%u for %u periods", load, r->target,
		 AUTOSCALE_IN_MARGIN, st->low_periods);
	return wanted;
}

void autoscale_changed(struct autoscale_state *st)
{
	st->low_periods = 0;
	st->cooldown = AUTOSCALE_COOLDOWN_PERIODS;
}
