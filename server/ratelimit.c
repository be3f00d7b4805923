/*
 * ratelimit.c - Gong's rate limits: a generic cell rate algorithm per second, a count per UTC
 * day, one bucket of each per key.
 *
 * All arithmetic is on integer microseconds, so the answers are exact and tests on a fake
 * clock can check them to the microsecond. Buckets live in an open-addressing hash table that
 * copies its keys and grows; past RATELIMIT_MAX_KEYS distinct keys (or RATELIMIT_MAX_KEY_BYTES
 * of key text) every new key shares one overflow bucket, so a client that invents a credential
 * per request costs bounded memory. The company-wide bucket (key NULL or "") lives outside the
 * table. One mutex guards everything but the rejected counter, which is atomic. This module
 * neither knows HTTP nor writes the 429: it only says whether to admit a call and how long to
 * wait.
 */
#include "ratelimit.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RATELIMIT_US_PER_SEC INT64_C(1000000)
#define RATELIMIT_US_PER_DAY (RATELIMIT_US_PER_SEC * 86400)

/* Gong's published limits, which "--rate-limit gong" selects. */
#define RATELIMIT_GONG_PER_SECOND 3.0
#define RATELIMIT_GONG_BURST 3u
#define RATELIMIT_GONG_PER_DAY 10000u

/*
 * The per-second rates a spec may give. Above a million per second the interval would be
 * below one microsecond; below one per million seconds (about 11.6 days) the "per second"
 * limit is better written per day.
 */
#define RATELIMIT_RATE_MAX 1000000.0
#define RATELIMIT_RATE_MIN 0.000001

/*
 * Bounds on what ratelimit_create accepts from a config it did not parse, so that theoretical
 * arrival times stay far from overflow: an interval of at most about 31 years, a tolerance of
 * at most about 3,000.
 */
#define RATELIMIT_INTERVAL_MAX INT64_C(1000000000000000)
#define RATELIMIT_TOLERANCE_MAX INT64_C(100000000000000000)

/* The caps on distinct keys and on the bytes of key text the table holds. */
#define RATELIMIT_MAX_KEYS 100000u
#define RATELIMIT_MAX_KEY_BYTES ((size_t)16 << 20)

/* The table's first size; a power of two, as the probe mask needs. */
#define RATELIMIT_INITIAL_SLOTS 64u

/* Stands for "never": no call admitted yet, so no arrival time and no day. */
#define RATELIMIT_NEVER INT64_MIN

struct ratelimit_bucket {
	int64_t tat;    /* theoretical arrival time of the next call, or RATELIMIT_NEVER */
	int64_t day;    /* the UTC day `count` belongs to, or RATELIMIT_NEVER */
	uint64_t count; /* calls admitted on `day` */
};

struct ratelimit_slot {
	char *key; /* NULL: the slot is empty */
	uint64_t hash;
	struct ratelimit_bucket bucket;
};

struct ratelimit {
	pthread_mutex_t mutex;
	int64_t (*now_us)(void);
	int64_t interval_us;  /* 0: no per-second limit */
	int64_t tolerance_us; /* how far ahead of now the arrival time may run */
	uint64_t per_day;     /* 0: no daily limit */
	struct ratelimit_bucket company;
	struct ratelimit_bucket overflow;
	struct ratelimit_slot *slots;
	size_t nslots; /* a power of two */
	size_t used;
	size_t key_bytes;
	atomic_uint_fast64_t rejected;
};

/* Writes why a part of a spec was refused, naming the part, when the caller wants to know. */
static void
ratelimit_part_error(char *err, size_t errlen, const char *part, size_t len, const char *why)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "rate limit part \"%.*s\": %s",
		         (int)(len > INT_MAX ? INT_MAX : len), part, why);
}

static void
ratelimit_error(char *err, size_t errlen, const char *why)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why);
}

static bool
ratelimit_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Reads a per-second rate: digits, optionally a point and more digits. Our own reader rather
 * than strtod, which would also take a sign, spaces, hexadecimal, exponents, "inf" and "nan",
 * and which follows the locale's decimal point. Fraction digits past the fifteenth are
 * ignored: they change no rate the range check lets through by a measurable amount.
 */
static int
ratelimit_read_rate(const char *s, size_t len, double *out)
{
	double whole = 0, frac = 0, scale = 1;
	size_t i = 0, nfrac = 0;

	if (len == 0 || !ratelimit_is_digit(s[0]))
		return -1;
	for (; i < len && ratelimit_is_digit(s[i]); i++)
		whole = whole * 10 + (s[i] - '0');
	if (i < len && s[i] == '.') {
		for (i++; i < len && ratelimit_is_digit(s[i]); i++, nfrac++) {
			if (nfrac < 15) {
				frac = frac * 10 + (s[i] - '0');
				scale *= 10;
			}
		}
		if (nfrac == 0)
			return -1;
	}
	if (i != len)
		return -1;
	*out = whole + frac / scale;
	return 0;
}

/* Reads a daily count: digits only, no larger than UINT64_MAX. */
static int
ratelimit_read_count(const char *s, size_t len, uint64_t *out, bool *too_large)
{
	uint64_t v = 0;
	size_t i;

	*too_large = false;
	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (!ratelimit_is_digit(s[i])) {
			*too_large = false; /* not a number at all, whatever its size */
			return -1;
		}
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			*too_large = true;
		else
			v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return *too_large ? -1 : 0;
}

/* Parses one "N/s" or "N/day" part of length len into c, refusing a unit seen before. */
static int
ratelimit_parse_part(const char *part, size_t len, struct ratelimit_config *c, bool *seen_s,
                     bool *seen_day, char *err, size_t errlen)
{
	const char *slash = memchr(part, '/', len);
	const char *unit;
	size_t nlen, ulen;
	bool too_large;
	double rate;
	uint64_t count;

	if (len == 0) {
		ratelimit_error(
		    err, errlen,
		    "rate limit has an empty part (a stray comma?); use N/s, N/day or both, "
		    "e.g. 3/s,10000/day");
		return -1;
	}
	if (slash == NULL) {
		ratelimit_part_error(err, errlen, part, len, "no unit (use N/s or N/day)");
		return -1;
	}
	nlen = (size_t)(slash - part);
	unit = slash + 1;
	ulen = len - nlen - 1;
	if (ulen == 1 && unit[0] == 's') {
		if (*seen_s) {
			ratelimit_part_error(err, errlen, part, len,
			                     "a per-second limit given twice");
			return -1;
		}
		if (ratelimit_read_rate(part, nlen, &rate) != 0 || !(rate > 0)) {
			ratelimit_part_error(err, errlen, part, len,
			                     "the rate must be a positive number like 3 or 0.5");
			return -1;
		}
		if (rate > RATELIMIT_RATE_MAX || rate < RATELIMIT_RATE_MIN) {
			ratelimit_part_error(
			    err, errlen, part, len,
			    "the rate must be between 0.000001 and 1000000 per second");
			return -1;
		}
		*seen_s = true;
		c->per_second = rate;
		return 0;
	}
	if (ulen == 3 && memcmp(unit, "day", 3) == 0) {
		if (*seen_day) {
			ratelimit_part_error(err, errlen, part, len, "a daily limit given twice");
			return -1;
		}
		if (ratelimit_read_count(part, nlen, &count, &too_large) != 0 || count == 0) {
			ratelimit_part_error(
			    err, errlen, part, len,
			    too_large ? "the daily count is too large"
			              : "the daily count must be a positive whole number");
			return -1;
		}
		*seen_day = true;
		c->per_day = count;
		return 0;
	}
	ratelimit_part_error(err, errlen, part, len, "unknown unit (use N/s or N/day)");
	return -1;
}

int
ratelimit_parse(const char *spec, struct ratelimit_config *out, char *err, size_t errlen)
{
	struct ratelimit_config c = {0};
	bool seen_s = false, seen_day = false;
	const char *p, *comma;
	size_t len;

	if (spec == NULL || spec[0] == '\0') {
		ratelimit_error(err, errlen,
		                "empty rate limit; use gong, off, or N/s, N/day or both, e.g. "
		                "3/s,10000/day");
		return -1;
	}
	if (strcmp(spec, "off") == 0) {
		*out = c;
		return 0;
	}
	if (strcmp(spec, "gong") == 0) {
		c.per_second = RATELIMIT_GONG_PER_SECOND;
		c.burst = RATELIMIT_GONG_BURST;
		c.per_day = RATELIMIT_GONG_PER_DAY;
		*out = c;
		return 0;
	}
	/*
	 * Every comma ends a part, so "5/s," has an empty last part and is refused rather than
	 * read as "5/s": a stray comma is more likely a mistake than a style. *out is written
	 * only on success, so a caller's defaults survive a bad spec.
	 */
	p = spec;
	for (;;) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (ratelimit_parse_part(p, len, &c, &seen_s, &seen_day, err, errlen) != 0)
			return -1;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	*out = c;
	return 0;
}

/* Floor division: the UTC day number of an instant, also before 1970. */
static int64_t
ratelimit_day(int64_t t)
{
	int64_t d = t / RATELIMIT_US_PER_DAY;

	if (t % RATELIMIT_US_PER_DAY < 0)
		d--;
	return d;
}

static int64_t
ratelimit_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * RATELIMIT_US_PER_SEC + ts.tv_nsec / 1000;
}

static void
ratelimit_bucket_init(struct ratelimit_bucket *b)
{
	b->tat = RATELIMIT_NEVER;
	b->day = RATELIMIT_NEVER;
	b->count = 0;
}

struct ratelimit *
ratelimit_create(const struct ratelimit_config *c, int64_t (*now_us)(void))
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));
	double interval;
	unsigned burst;

	if (rl == NULL)
		return NULL;
	rl->slots = calloc(RATELIMIT_INITIAL_SLOTS, sizeof(*rl->slots));
	if (rl->slots == NULL || pthread_mutex_init(&rl->mutex, NULL) != 0) {
		free(rl->slots);
		free(rl);
		return NULL;
	}
	rl->nslots = RATELIMIT_INITIAL_SLOTS;
	rl->now_us = now_us != NULL ? now_us : ratelimit_realtime;
	rl->per_day = c->per_day;
	/*
	 * A rate that is not positive (NaN included) means no per-second limit. The interval is
	 * rounded to the nearest microsecond, so 3/s is one call every 333,333 us; the tolerance
	 * lets `burst` calls in at once, since the burst-th call arrives (burst-1) intervals
	 * ahead of its theoretical time.
	 */
	if (c->per_second > 0) {
		interval = 1e6 / c->per_second + 0.5;
		if (interval < 1)
			interval = 1;
		if (interval > (double)RATELIMIT_INTERVAL_MAX)
			interval = (double)RATELIMIT_INTERVAL_MAX;
		rl->interval_us = (int64_t)interval;
		burst = c->burst;
		if (burst == 0) {
			double want = c->per_second > 1e9 ? 1e9 : c->per_second;

			burst = (unsigned)want;
			if ((double)burst < want || burst == 0)
				burst++;
		}
		if ((int64_t)(burst - 1) > RATELIMIT_TOLERANCE_MAX / rl->interval_us)
			rl->tolerance_us = RATELIMIT_TOLERANCE_MAX;
		else
			rl->tolerance_us = (int64_t)(burst - 1) * rl->interval_us;
	}
	ratelimit_bucket_init(&rl->company);
	ratelimit_bucket_init(&rl->overflow);
	atomic_init(&rl->rejected, 0);
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	size_t i;

	if (rl == NULL)
		return;
	for (i = 0; i < rl->nslots; i++)
		free(rl->slots[i].key);
	free(rl->slots);
	pthread_mutex_destroy(&rl->mutex);
	free(rl);
}

/*
 * FNV-1a, unseeded. Keys crafted to collide could make lookups slow but never wrong, and the
 * key cap bounds how slow; a mock server does not need a keyed hash for that.
 */
static uint64_t
ratelimit_hash(const char *key)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

/* Doubles the table. Fails, leaving it as it was, only when out of memory. */
static int
ratelimit_grow(struct ratelimit *rl)
{
	size_t n = rl->nslots * 2, mask = n - 1, i, j;
	struct ratelimit_slot *slots = calloc(n, sizeof(*slots));

	if (slots == NULL)
		return -1;
	for (i = 0; i < rl->nslots; i++) {
		if (rl->slots[i].key == NULL)
			continue;
		for (j = rl->slots[i].hash & mask; slots[j].key != NULL; j = (j + 1) & mask)
			;
		slots[j] = rl->slots[i];
	}
	free(rl->slots);
	rl->slots = slots;
	rl->nslots = n;
	return 0;
}

/*
 * Finds key's bucket, adding one when the key is new. A new key goes to the shared overflow
 * bucket when the table is full by count or by bytes, and also when memory runs out: a call
 * must get an answer, and a shared bucket only makes the limit stricter for those keys.
 */
static struct ratelimit_bucket *
ratelimit_lookup(struct ratelimit *rl, const char *key)
{
	uint64_t h = ratelimit_hash(key);
	size_t mask = rl->nslots - 1, i, len;
	struct ratelimit_slot *s;

	for (i = h & mask; rl->slots[i].key != NULL; i = (i + 1) & mask) {
		if (rl->slots[i].hash == h && strcmp(rl->slots[i].key, key) == 0)
			return &rl->slots[i].bucket;
	}
	len = strlen(key) + 1;
	if (rl->used >= RATELIMIT_MAX_KEYS || len > RATELIMIT_MAX_KEY_BYTES - rl->key_bytes)
		return &rl->overflow;
	/* Linear probing stays short while at most half the slots are taken. */
	if ((rl->used + 1) * 2 > rl->nslots) {
		if (ratelimit_grow(rl) != 0)
			return &rl->overflow;
		mask = rl->nslots - 1;
		for (i = h & mask; rl->slots[i].key != NULL; i = (i + 1) & mask)
			;
	}
	s = &rl->slots[i];
	s->key = malloc(len);
	if (s->key == NULL)
		return &rl->overflow;
	memcpy(s->key, key, len);
	s->hash = h;
	ratelimit_bucket_init(&s->bucket);
	rl->used++;
	rl->key_bytes += len;
	return &s->bucket;
}

/*
 * Decides one call at time now against bucket b. Each limit computes the wait it would
 * impose; a call is admitted, and counted by both, only when neither imposes one. Returns the
 * longer wait in microseconds, 0 when admitted.
 */
static int64_t
ratelimit_decide(const struct ratelimit *rl, struct ratelimit_bucket *b, int64_t now)
{
	int64_t tat = now, wait = 0, day = 0;

	if (rl->interval_us > 0) {
		/*
		 * GCRA: the bucket remembers when the next call would be due if calls came
		 * exactly one interval apart. A call is on time if it comes no more than the
		 * tolerance ahead of that; otherwise it must wait until it is.
		 */
		if (b->tat > now) /* false for a bucket that never admitted a call */
			tat = b->tat;
		if (tat - now > rl->tolerance_us)
			wait = tat - rl->tolerance_us - now;
	}
	if (rl->per_day > 0) {
		/*
		 * Any change of day starts a fresh count, even one backwards after the real
		 * clock was set back: otherwise the wait told, until the next midnight of the
		 * current day, would not be honest.
		 */
		day = ratelimit_day(now);
		if (day == b->day && b->count >= rl->per_day) {
			int64_t until_midnight = (day + 1) * RATELIMIT_US_PER_DAY - now;

			if (until_midnight > wait)
				wait = until_midnight;
		}
	}
	if (wait > 0)
		return wait;
	if (rl->interval_us > 0)
		b->tat = tat + rl->interval_us;
	if (rl->per_day > 0) {
		if (day != b->day) {
			b->day = day;
			b->count = 0;
		}
		b->count++;
	}
	return 0;
}

unsigned
ratelimit_take(struct ratelimit *rl, const char *key)
{
	struct ratelimit_bucket *b;
	int64_t wait, secs;

	if (rl->interval_us == 0 && rl->per_day == 0)
		return 0;
	pthread_mutex_lock(&rl->mutex);
	/*
	 * The clock is read under the lock, so that calls are decided in the order of their
	 * times; otherwise a call stamped before midnight, decided after one stamped after it,
	 * would start the old day's count afresh.
	 */
	b = key == NULL || key[0] == '\0' ? &rl->company : ratelimit_lookup(rl, key);
	wait = ratelimit_decide(rl, b, rl->now_us());
	pthread_mutex_unlock(&rl->mutex);
	if (wait == 0)
		return 0;
	atomic_fetch_add_explicit(&rl->rejected, 1, memory_order_relaxed);
	/* Rounded up, so that waiting exactly this many seconds is always enough. */
	secs = (wait + RATELIMIT_US_PER_SEC - 1) / RATELIMIT_US_PER_SEC;
	return secs > (int64_t)UINT_MAX ? UINT_MAX : (unsigned)secs;
}

void
ratelimit_reset(struct ratelimit *rl)
{
	size_t i;

	pthread_mutex_lock(&rl->mutex);
	/* The table keeps its size: a limiter that once saw many keys will likely see them again.
	 */
	for (i = 0; i < rl->nslots; i++)
		free(rl->slots[i].key);
	memset(rl->slots, 0, rl->nslots * sizeof(*rl->slots));
	rl->used = 0;
	rl->key_bytes = 0;
	ratelimit_bucket_init(&rl->company);
	ratelimit_bucket_init(&rl->overflow);
	atomic_store(&rl->rejected, 0);
	pthread_mutex_unlock(&rl->mutex);
}

uint64_t
ratelimit_rejected(const struct ratelimit *rl)
{
	return atomic_load_explicit(&rl->rejected, memory_order_relaxed);
}
