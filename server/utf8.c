/*
 * utf8.c - checking UTF-8 byte by byte, as RFC 3629 defines it.
 *
 * A lead byte fixes the length of its sequence and, for four lead bytes, a narrower range for
 * the byte after it: that range is what rules out overlong forms (after E0 and F0), surrogates
 * (after ED) and code points past U+10FFFF (after F4). The module only says what is well
 * formed; what to do with the rest (a '?', U+FFFD, a refusal) is the caller's choice.
 */
#include "utf8.h"

size_t
utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c, lo = 0x80, hi = 0xbf; /* the range of the second byte */
	size_t need, i;

	if (len == 0)
		return 0;
	c = s[0];
	if (c < 0x80)
		return 1;
	/* C0 and C1 could only start overlong forms of ASCII; F5 and above, nothing at all. */
	if (c < 0xc2 || c > 0xf4)
		return 0;
	if (c < 0xe0) {
		need = 2;
	} else if (c < 0xf0) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0; /* below U+0800: overlong */
		else if (c == 0xed)
			hi = 0x9f; /* U+D800-U+DFFF: surrogates */
	} else {
		need = 4;
		if (c == 0xf0)
			lo = 0x90; /* below U+10000: overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* past U+10FFFF */
	}
	if (len < need || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return need;
}

int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		/* Most text is ASCII: skip it without a call. */
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq(u + i, n - i);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}
