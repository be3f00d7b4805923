/*
 * isotime.c - ISO-8601 date-times to and from microsecond instants.
 *
 * The parser reads the handful of shapes Gong clients put in fromDateTime and toDateTime, and
 * that fixture data carries, with every calendar field range-checked. The formatter writes
 * the UTC form Gong itself writes. Neither depends on the C library's time functions, the
 * time zone, or the locale: the calendar arithmetic is done here on integers, so results do
 * not change with the host's settings. This module does not know week dates, ordinal dates,
 * or any zone names.
 */
#include "isotime.h"

#include <stdbool.h>

#define US_PER_SEC INT64_C(1000000)
#define SEC_PER_DAY INT64_C(86400)
#define US_PER_DAY (US_PER_SEC * SEC_PER_DAY)

/* The widest offset any zone has used is ±14:00; ISO and RFC 3339 parsers commonly allow 18. */
#define MAX_OFFSET_MIN (18 * 60)

/*
 * Our own digit test, not isdigit(): isdigit() depends on the locale and is undefined for
 * negative char values, and only the ASCII digits are part of the format.
 */
static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Reads exactly n digits at s[*pos] as an unsigned number and advances *pos. Fails without
 * moving when fewer than n bytes remain or one of them is not a digit, which also rejects a
 * NUL byte inside the text.
 */
static int
read_digits(const char *s, size_t len, size_t *pos, size_t n, unsigned *out)
{
	unsigned v = 0;

	if (len - *pos < n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[*pos + i];

		if (!is_digit(c))
			return -1;
		v = v * 10 + (unsigned)(c - '0');
	}
	*pos += n;
	*out = v;
	return 0;
}

/* Reads one expected byte; the caller's position moves only on a match. */
static bool
read_char(const char *s, size_t len, size_t *pos, char c)
{
	if (*pos < len && s[*pos] == c) {
		(*pos)++;
		return true;
	}
	return false;
}

static bool
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
days_in_month(int64_t y, unsigned m)
{
	static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && is_leap(y))
		return 29;
	return days[m - 1];
}

/*
 * The fraction keeps its first six digits (microseconds) and drops the rest, as the header
 * promises; more than nine digits is rejected rather than silently read, since no client
 * sends more than nanoseconds and a longer run is more likely garbage than precision.
 */
static int
read_fraction(const char *s, size_t len, size_t *pos, int64_t *us)
{
	int64_t v = 0;
	size_t n = 0;

	while (*pos + n < len && is_digit(s[*pos + n])) {
		if (n == 9)
			return -1;
		if (n < 6)
			v = v * 10 + (s[*pos + n] - '0');
		n++;
	}
	if (n == 0)
		return -1;
	for (size_t i = n; i < 6; i++)
		v *= 10;
	*pos += n;
	*us = v;
	return 0;
}

/*
 * Reads the offset, if any, as signed seconds east of UTC. A space stands for `+` because a
 * form decoder turns an unencoded `+` into one; a space anywhere else, or at the very end, is
 * still an error, so leading and trailing white space stays rejected.
 */
static int
read_offset(const char *s, size_t len, size_t *pos, int flags, int64_t *off_sec)
{
	unsigned hh, mm = 0;
	int sign;

	if (*pos == len) {
		if (flags & ISOTIME_REQUIRE_OFFSET)
			return -1;
		*off_sec = 0;
		return 0;
	}
	switch (s[*pos]) {
	case 'Z':
	case 'z':
		(*pos)++;
		*off_sec = 0;
		return 0;
	case '+':
	case ' ':
		sign = 1;
		break;
	case '-':
		sign = -1;
		break;
	default:
		return -1;
	}
	(*pos)++;
	if (read_digits(s, len, pos, 2, &hh) < 0)
		return -1;
	if (*pos < len) {
		/* `±hh:mm` or `±hhmm`; after the hours, nothing else may follow. */
		read_char(s, len, pos, ':');
		if (read_digits(s, len, pos, 2, &mm) < 0)
			return -1;
	}
	if (mm > 59 || hh * 60 + mm > MAX_OFFSET_MIN)
		return -1;
	*off_sec = sign * ((int64_t)hh * 3600 + (int64_t)mm * 60);
	return 0;
}

int
isotime_parse(const char *s, size_t len, int flags, int64_t *out)
{
	unsigned year, mon, day, hour, min, sec = 0;
	int64_t frac_us = 0, off_sec, secs;
	size_t pos = 0;

	if (s == NULL)
		return -1;
	if (read_digits(s, len, &pos, 4, &year) < 0 || !read_char(s, len, &pos, '-') ||
	    read_digits(s, len, &pos, 2, &mon) < 0 || !read_char(s, len, &pos, '-') ||
	    read_digits(s, len, &pos, 2, &day) < 0)
		return -1;
	if (!read_char(s, len, &pos, 'T') && !read_char(s, len, &pos, 't') &&
	    !read_char(s, len, &pos, ' '))
		return -1;
	if (read_digits(s, len, &pos, 2, &hour) < 0 || !read_char(s, len, &pos, ':') ||
	    read_digits(s, len, &pos, 2, &min) < 0)
		return -1;
	if (read_char(s, len, &pos, ':')) {
		if (read_digits(s, len, &pos, 2, &sec) < 0)
			return -1;
		if (read_char(s, len, &pos, '.') && read_fraction(s, len, &pos, &frac_us) < 0)
			return -1;
	}
	if (read_offset(s, len, &pos, flags, &off_sec) < 0 || pos != len)
		return -1;

	if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon))
		return -1;
	if (hour > 23 || min > 59 || sec > 60)
		return -1;
	/*
	 * A leap second has no instant of its own in a count of microseconds; folding it onto
	 * the second before keeps it inside the same minute, so ordering against its
	 * neighbours is preserved, which is all filtering needs.
	 */
	if (sec == 60)
		sec = 59;

	/* Four-digit years keep this far from overflow: |secs| < 2^39. */
	secs = isotime_days_from_civil(year, mon, day) * SEC_PER_DAY + (int64_t)hour * 3600 +
	       (int64_t)min * 60 + sec - off_sec;
	*out = secs * US_PER_SEC + frac_us;
	return 0;
}

/*
 * The inverse of isotime_days_from_civil, after Howard Hinnant's "chrono-Compatible Low-Level
 * Date Algorithms": it works in 400-year eras that start on 1 March, so the leap day falls at
 * the end of the shifted year and needs no special case.
 */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Writes v as exactly n decimal digits, most significant first. */
static void
put_digits(char *p, unsigned v, size_t n)
{
	while (n > 0) {
		p[--n] = (char)('0' + v % 10);
		v /= 10;
	}
}

size_t
isotime_format(int64_t us, char *buf, size_t buflen)
{
	int64_t days, rem, y;
	unsigned m, d, sod, frac, frac_digits = 0;
	size_t len;
	char *p;

	/*
	 * Floor division without multiplying back: days * US_PER_DAY could overflow for
	 * instants near INT64_MIN, the remainder cannot.
	 */
	rem = us % US_PER_DAY;
	days = us / US_PER_DAY;
	if (rem < 0) {
		rem += US_PER_DAY;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		return 0;

	sod = (unsigned)(rem / US_PER_SEC);
	frac = (unsigned)(rem % US_PER_SEC);
	if (frac != 0) {
		unsigned f = frac;

		frac_digits = 6;
		while (f % 10 == 0) {
			f /= 10;
			frac_digits--;
		}
	}
	/* `YYYY-MM-DDTHH:MM:SS` is 19 bytes, then `.` and the digits, then `Z`. */
	len = 19 + (frac_digits ? 1 + frac_digits : 0) + 1;
	if (buf == NULL || buflen <= len)
		return 0;

	p = buf;
	put_digits(p, (unsigned)y, 4);
	p[4] = '-';
	put_digits(p + 5, m, 2);
	p[7] = '-';
	put_digits(p + 8, d, 2);
	p[10] = 'T';
	put_digits(p + 11, sod / 3600, 2);
	p[13] = ':';
	put_digits(p + 14, sod / 60 % 60, 2);
	p[16] = ':';
	put_digits(p + 17, sod % 60, 2);
	p += 19;
	if (frac_digits) {
		*p++ = '.';
		/* The leading digits of the six-digit fraction, trailing zeros left out. */
		for (unsigned i = 0; i < 6 - frac_digits; i++)
			frac /= 10;
		put_digits(p, frac, frac_digits);
		p += frac_digits;
	}
	*p++ = 'Z';
	*p = '\0';
	return len;
}

/*
 * Howard Hinnant's days_from_civil: shift the year to start on 1 March so February's
 * variable length comes last, count whole 400-year eras (146097 days each), then the days
 * within the era. Exact for the whole proleptic Gregorian calendar, negative years included,
 * as long as the result fits; m must be 1-12 and d 1-31.
 */
int64_t
isotime_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t mm = m, era, yoe, doy, doe;

	y -= mm <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (mm > 2 ? mm - 3 : mm + 9) + 2) / 5 + (int64_t)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}
