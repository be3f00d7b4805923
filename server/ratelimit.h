/*
 * ratelimit.h - Gong's rate limits: a leaky bucket per second and a count per UTC day.
 *
 * Gong allows 3 calls per second and 10,000 per day per company by default, and answers 429
 * with Retry-After past either. The per-second limit is a leaky bucket (generic cell rate
 * algorithm): a burst of `burst` calls, then one every 1/rate seconds. The daily count resets
 * at 00:00 UTC. Retry-After is honest: a client that waits exactly that many whole seconds is
 * admitted (when no one else took the room meanwhile).
 *
 * Buckets live inside the limiter behind its own mutex: ratelimit_take, ratelimit_reset and
 * ratelimit_free's callers may run on any thread. The clock is injectable for tests.
 */
#ifndef GONGMOCK_RATELIMIT_H
#define GONGMOCK_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

struct ratelimit_config {
	double per_second; /* calls per second; 0: no per-second limit */
	unsigned burst;    /* calls admitted at once; 0 means ceil(per_second), at least 1 */
	uint64_t per_day;  /* calls per UTC day; 0: no daily limit */
};

/*
 * Parses a --rate-limit value: "gong" (3/s with a burst of 3, and 10000/day), or a comma-
 * separated list of "N/s" and "N/day" parts (either optional, each at most once; N a positive
 * whole number for /day, a positive number for /s, e.g. "0.5/s"), or "off". Returns 0, or -1
 * with the reason in err. "off" gives all zeros.
 */
int ratelimit_parse(const char *spec, struct ratelimit_config *out, char *err, size_t errlen);

struct ratelimit;

/*
 * A limiter. `now_us` gives the time in microseconds since the epoch (UTC); NULL means
 * CLOCK_REALTIME. Returns NULL when out of memory.
 */
struct ratelimit *ratelimit_create(const struct ratelimit_config *c, int64_t (*now_us)(void));

/* ratelimit_free(NULL) does nothing. */
void ratelimit_free(struct ratelimit *rl);

/*
 * Counts one call for `key` (the credential, for a per-credential limit; NULL or "" for the
 * whole company) if it is allowed now, and returns 0. Otherwise counts nothing and returns the
 * whole seconds to wait (at least 1), the larger of the two limits' waits.
 */
unsigned ratelimit_take(struct ratelimit *rl, const char *key);

/* Forgets every bucket and count, as if no call had been made. */
void ratelimit_reset(struct ratelimit *rl);

/* Calls answered 429 so far (since creation or the last reset). */
uint64_t ratelimit_rejected(const struct ratelimit *rl);

#endif
