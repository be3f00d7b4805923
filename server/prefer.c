/*
 * prefer.c - reading Prefer.
 *
 * A preference is `token`, `token=value` or `token="value"`, separated by commas, with
 * parameters after semicolons (RFC 7240); gongmock has none to read, so parameters are
 * skipped. A status Gong never answers is refused rather than served: a 301 without a
 * Location, or a 999, would test a client against an API that does not exist.
 */
#include "prefer.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const unsigned prefer_codes[] = {PREFER_CODES};

/* RFC 7240's own preferences: a client's business, not a mock's. */
static const char *const prefer_standard[] = {"return", "respond-async", "wait", "handling"};

/* [p, e) without optional whitespace at either end. */
static void
prefer_trim(const char **p, const char **e)
{
	while (*p < *e && (**p == ' ' || **p == '\t'))
		(*p)++;
	while (*e > *p && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

/* The list of codes, "200, 400, ... or 504", into buf. */
static void
prefer_list(char *buf, size_t len)
{
	size_t i, n = sizeof(prefer_codes) / sizeof(prefer_codes[0]), used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%u",
		                         i == 0       ? ""
		                         : i + 1 == n ? " or "
		                                      : ", ",
		                         prefer_codes[i]);
}

static int
prefer_known_code(unsigned c)
{
	size_t i;

	for (i = 0; i < sizeof(prefer_codes) / sizeof(prefer_codes[0]); i++)
		if (prefer_codes[i] == c)
			return 1;
	return 0;
}

int
prefer_parse(const char *value, unsigned *code, char *why, size_t whylen)
{
	const char *p = value;
	int have = 0;

	*code = 0;
	while (*p != '\0') {
		const char *end = p + strcspn(p, ","), *semi = memchr(p, ';', (size_t)(end - p));
		const char *te = semi != NULL ? semi : end, *eq = memchr(p, '=', (size_t)(te - p));
		const char *k = p, *ke = eq != NULL ? eq : te, *v = NULL, *ve = NULL;
		size_t i, kl;

		prefer_trim(&k, &ke);
		kl = (size_t)(ke - k);
		if (eq != NULL) {
			v = eq + 1;
			ve = te;
			prefer_trim(&v, &ve);
			if (ve - v >= 2 && *v == '"' && ve[-1] == '"') {
				v++;
				ve--;
			}
		}
		p = *end != '\0' ? end + 1 : end;
		if (kl == 0)
			continue;
		if (kl == 4 && strncasecmp(k, "code", 4) == 0) {
			char list[128];
			unsigned c = 0;
			const char *d;

			if (have) {
				snprintf(why, whylen,
				         "Prefer asks for code twice: give one status");
				return -1;
			}
			prefer_list(list, sizeof(list));
			for (d = v; v != NULL && d < ve && *d >= '0' && *d <= '9'; d++)
				c = c * 10 + (unsigned)(*d - '0');
			if (v == NULL || ve - v != 3 || d != ve) {
				snprintf(why, whylen,
				         "Prefer: code=%.*s is not a status: code takes one of %s",
				         v != NULL ? (int)(ve - v > 40 ? 40 : ve - v) : 0,
				         v != NULL ? v : "", list);
				return -1;
			}
			if (!prefer_known_code(c)) {
				snprintf(why, whylen,
				         "Prefer: code=%u is not a status Gong's API answers "
				         "with%s; code takes "
				         "one of %s (a fault rule can answer anything)",
				         c,
				         c >= 300 && c < 400
				             ? " (a redirect would need a Location Gong never "
				               "sends)"
				             : "",
				         list);
				return -1;
			}
			*code = c;
			have = 1;
			continue;
		}
		if ((kl == 7 && strncasecmp(k, "example", 7) == 0) ||
		    (kl == 7 && strncasecmp(k, "dynamic", 7) == 0)) {
			snprintf(why, whylen,
			         "Prefer: %.*s is Prism's; gongmock serves its dataset and has no "
			         "named or "
			         "generated examples: use code=NNN, or a fault rule for a body of "
			         "your own",
			         (int)kl, k);
			return -1;
		}
		for (i = 0; i < sizeof(prefer_standard) / sizeof(prefer_standard[0]); i++)
			if (strlen(prefer_standard[i]) == kl &&
			    strncasecmp(prefer_standard[i], k, kl) == 0)
				break;
		if (i == sizeof(prefer_standard) / sizeof(prefer_standard[0])) {
			snprintf(
			    why, whylen,
			    "Prefer: %.*s is not a preference gongmock reads: it reads code=NNN",
			    (int)(kl > 40 ? 40 : kl), k);
			return -1;
		}
	}
	return have;
}
