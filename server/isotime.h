/*
 * isotime.h - ISO-8601 date-times to and from instants.
 *
 * An instant is a signed count of microseconds since 1970-01-01T00:00:00Z. The parser takes
 * every form real Gong clients send; the formatter writes the form Gong writes. Pure functions,
 * safe from any thread. Knows nothing of HTTP.
 */
#ifndef GONGMOCK_ISOTIME_H
#define GONGMOCK_ISOTIME_H

#include <stddef.h>
#include <stdint.h>

/* Longest text isotime_format writes, without the NUL. */
#define ISOTIME_TEXT_MAX 32

/* Flags for isotime_parse. */
#define ISOTIME_LENIENT 0
/* Demand an explicit offset (`Z` or ±hh:mm): what fixture data must carry. */
#define ISOTIME_REQUIRE_OFFSET 1

/*
 * Parses `len` bytes of `s` (already percent-decoded) as an ISO-8601 date-time:
 *   YYYY-MM-DDTHH:MM[:SS[.fraction]][offset]
 * where `T` may also be `t` or a single space, the fraction has 1 to 9 digits (kept to the
 * microsecond, the rest truncated), and the offset is `Z`/`z`, `±hh:mm`, `±hhmm` or `±hh`.
 * A space in place of the offset's `+` is taken as `+` (what a form decoder makes of an
 * unencoded `+`). Without ISOTIME_REQUIRE_OFFSET a missing offset means UTC.
 * Calendar fields are range-checked (month 1-12, day within the month, leap years, hour 0-23,
 * minute 0-59, second 0-60 with 60 folded to 59, offset up to ±18:00). Surrounding white space
 * is not accepted. Returns 0 and stores the instant in *out, or -1 (and *out is untouched).
 */
int isotime_parse(const char *s, size_t len, int flags, int64_t *out);

/*
 * Writes `us` as `YYYY-MM-DDTHH:MM:SSZ`, with `.ffffff` (trailing zeros dropped) before the `Z`
 * when the instant has a fraction of a second. Years 0000-9999 only. Returns the length written
 * (without the NUL), or 0 if buflen is too small or the year is out of range.
 */
size_t isotime_format(int64_t us, char *buf, size_t buflen);

/* Days since 1970-01-01 of a proleptic Gregorian date (negative before). */
int64_t isotime_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
