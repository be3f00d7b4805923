/*
 * reqid.c - request ids: 96 random bits written in base 36.
 *
 * Every thread owns a xoshiro256** generator, seeded from getrandom(2) the first time it draws,
 * so ids cost no lock and no system call after the first. The ids only have to be unique and
 * look like Gong's; they are not secrets, and nothing here is fit for keys or tokens. A process
 * that forked after drawing ids would share its streams with the child; the server never forks.
 */
#include "reqid.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <sys/random.h>

#include "rng.h"

/* Ids shorter than this are drawn again; 2^96 < 36^19, so none is longer than REQID_MAX. */
#define REQID_MIN 18

static _Thread_local uint64_t reqid_state[4];
static _Thread_local bool reqid_seeded;

/* Counts seeded threads, so that even the fallback seed differs from thread to thread. */
static atomic_uint_fast64_t reqid_threads;

static uint64_t
reqid_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/*
 * Seeds this thread's generator. getrandom(2) is the source; should it fail (a kernel without
 * it, or a sandbox that forbids it), the clocks, the process id, the address of this thread's
 * state and a process-wide thread counter still give each thread of each process its own
 * stream, which is all request ids need.
 */
static void
reqid_seed(void)
{
	unsigned char *p = (unsigned char *)reqid_state;
	size_t got = 0;
	ssize_t n;
	uint64_t mix;
	struct timespec rt, mono;
	int i;

	while (got < sizeof(reqid_state)) {
		n = getrandom(p + got, sizeof(reqid_state) - got, 0);
		if (n <= 0)
			break; /* EINTR included: the fallback below is good enough */
		got += (size_t)n;
	}
	if (got < sizeof(reqid_state)) {
		clock_gettime(CLOCK_REALTIME, &rt);
		clock_gettime(CLOCK_MONOTONIC, &mono);
		mix = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec;
		mix ^= ((uint64_t)mono.tv_sec * 1000000000u + (uint64_t)mono.tv_nsec) << 1;
		mix ^= (uint64_t)getpid() << 32;
		mix ^= (uint64_t)(uintptr_t)reqid_state;
		mix ^= atomic_fetch_add(&reqid_threads, 1) * UINT64_C(0xd1b54a32d192ed03);
		/* splitmix64 spreads a seed that may have little entropy over all 64 bits. */
		for (i = 0; i < 4; i++)
			reqid_state[i] ^= rng_next(&mix);
	}
	/* xoshiro's one forbidden state; 2^-256 from the kernel, but cheap to rule out. */
	if ((reqid_state[0] | reqid_state[1] | reqid_state[2] | reqid_state[3]) == 0)
		reqid_state[0] = 1;
	reqid_seeded = true;
}

/* xoshiro256** (Blackman and Vigna): fast, 256 bits of state, passes BigCrush. */
static uint64_t
reqid_next(void)
{
	uint64_t *s = reqid_state;
	uint64_t result = reqid_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = reqid_rotl(s[3], 45);
	return result;
}

/*
 * Writes a 96-bit number, held as three 32-bit limbs (most significant first), in base 36
 * into out and returns the number of digits. Long division limb by limb keeps to 64-bit
 * arithmetic, which ISO C guarantees (128-bit integers are an extension).
 */
static size_t
reqid_base36(uint32_t limb[3], char out[REQID_MAX + 1])
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	char rev[REQID_MAX + 1];
	size_t n = 0, i;
	uint64_t cur, rem;

	while ((limb[0] | limb[1] | limb[2]) != 0 && n < sizeof(rev)) {
		rem = 0;
		for (i = 0; i < 3; i++) {
			cur = rem << 32 | limb[i];
			limb[i] = (uint32_t)(cur / 36);
			rem = cur % 36;
		}
		rev[n++] = digits[rem];
	}
	for (i = 0; i < n; i++)
		out[i] = rev[n - 1 - i];
	out[n] = '\0';
	return n;
}

void
reqid_new(char out[REQID_MAX + 1])
{
	uint64_t a, b;
	uint32_t limb[3];

	if (!reqid_seeded)
		reqid_seed();
	/*
	 * About one draw in 280 is below 36^17 and would give 17 digits or fewer; Gong's ids
	 * are 18 or 19 characters, so such a draw is replaced rather than padded with zeros.
	 */
	do {
		a = reqid_next();
		b = reqid_next();
		limb[0] = (uint32_t)(a >> 32);
		limb[1] = (uint32_t)(b >> 32);
		limb[2] = (uint32_t)b;
	} while (reqid_base36(limb, out) < REQID_MIN);
}
