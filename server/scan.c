/*
 * scan.c - the fast call scanner: a JSON reader for flat objects only, written for speed.
 *
 * A string without escapes is found with one table lookup a byte and handed over in place;
 * only a string with escapes is decoded, into the callrec's `dec` buffer, which is sized for
 * the whole text up front (decoding never makes text longer) so that no write needs a check.
 * UTF-8 is checked sequence by sequence as jansson checks it. Whatever the scanner is unsure
 * of it declines rather than guesses: the caller then asks jansson, so a mistake here could
 * only cost speed, never accept what jansson refuses. It does not check the call against the
 * contract; callrec does that for both parsers.
 */
#include "scan.h"

#include <stdint.h>
#include <string.h>

#include "utf8.h"

/* 1 for the bytes a string may hold as they are: printable ASCII but `"` and `\`. */
/* clang-format off */
static const unsigned char PLAIN_BYTE[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20, `"` */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x30 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50, `\` */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x70 */
	/* 0x80-0xff: UTF-8, checked sequence by sequence */
};

/* The byte each one-letter escape stands for; 0 for the letters that are not one. */
static const char SHORT_ESCAPE[256] = {
	['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b',
	['f'] = '\f', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t',
};
/* clang-format on */

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int
hex4(const unsigned char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned c = p[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	*out = v;
	return 0;
}

/* Writes code point cp (at most U+10FFFF, no surrogate) as UTF-8 at w; returns the end. */
static char *
put_utf8(char *w, unsigned cp)
{
	if (cp < 0x80) {
		*w++ = (char)cp;
	} else if (cp < 0x800) {
		*w++ = (char)(0xc0 | (cp >> 6));
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*w++ = (char)(0xe0 | (cp >> 12));
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*w++ = (char)(0xf0 | (cp >> 18));
		*w++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	}
	return w;
}

/*
 * Decodes the escape whose backslash is just before q, writing its bytes at *w. Returns the
 * position after it, or NULL to decline: an unknown escape, \u0000 (which jansson refuses), a
 * lone surrogate or a high one not followed by a low one.
 */
static const unsigned char *
scan_escape(const unsigned char *q, const unsigned char *e, char **w)
{
	unsigned cp, low;
	if (q == e)
		return NULL;
	if (SHORT_ESCAPE[*q]) {
		*(*w)++ = SHORT_ESCAPE[*q];
		return q + 1;
	}
	if (*q != 'u' || e - q < 5 || hex4(q + 1, &cp) < 0)
		return NULL;
	q += 5;
	if (cp == 0 || (cp >= 0xdc00 && cp <= 0xdfff))
		return NULL;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (e - q < 6 || q[0] != '\\' || q[1] != 'u' || hex4(q + 2, &low) < 0 ||
		    low < 0xdc00 || low > 0xdfff)
			return NULL;
		q += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
	}
	*w = put_utf8(*w, cp);
	return q;
}

/*
 * The rest of a string that holds an escape or a control character: copies the run already
 * checked, [start, q), to w and decodes from q to the closing quote. Returns the position
 * after the quote with the text's end in *wend, or NULL to decline.
 */
static const unsigned char *
scan_decode(const unsigned char *start, const unsigned char *q, const unsigned char *e, char *w,
            char **wend)
{
	memcpy(w, start, (size_t)(q - start));
	w += q - start;
	for (;;) {
		if (q == e)
			return NULL;
		unsigned c = *q;
		if (c == '"')
			break;
		if (c < 0x20)
			return NULL;
		if (c < 0x80 && c != '\\') {
			*w++ = (char)c;
			q++;
		} else if (c >= 0x80) {
			size_t n = utf8_seq(q, (size_t)(e - q));
			if (!n)
				return NULL;
			memcpy(w, q, n);
			w += n;
			q += n;
		} else if ((q = scan_escape(q + 1, e, &w)) == NULL) {
			return NULL;
		}
	}
	*wend = w;
	return q + 1;
}

/*
 * Reads the string whose opening quote is at *pp into *s and *len. Text without escapes is
 * pointed to in place (*plain 1: it needs none written either); text with escapes is decoded
 * at *dec, which advances. Returns 0, or -1 to decline.
 */
static int
scan_string(const char **pp, const char *end, char **dec, const char **s, size_t *len, int *plain)
{
	const unsigned char *q = (const unsigned char *)*pp + 1;
	const unsigned char *e = (const unsigned char *)end;
	const unsigned char *start = q;
	for (;;) {
		while (q < e && PLAIN_BYTE[*q])
			q++;
		if (q == e)
			return -1;
		if (*q == '"') {
			*s = (const char *)start;
			*len = (size_t)(q - start);
			*plain = 1;
			*pp = (const char *)q + 1;
			return 0;
		}
		if (*q < 0x80)
			break; /* a backslash or a control character */
		size_t n = utf8_seq(q, (size_t)(e - q));
		if (!n)
			return -1;
		q += n;
	}
	char *w;
	q = scan_decode(start, q, e, *dec, &w);
	if (!q)
		return -1;
	*s = *dec;
	*len = (size_t)(w - *dec);
	*plain = 0;
	*dec = w;
	*pp = (const char *)q;
	return 0;
}

/* An integer without fraction or exponent that surely fits 64 bits (at most 18 digits). */
static int
scan_int(const char **pp, const char *end, int64_t *out)
{
	const char *p = *pp;
	int neg = 0;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	const char *digits = p;
	uint64_t v = 0;
	while (p < end && *p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	size_t n = (size_t)(p - digits);
	if (n == 0 || n > 18 || (digits[0] == '0' && n > 1))
		return -1;
	if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	*pp = p;
	return 0;
}

/* The literal word (null, true, false) at *pp, if it is there whole. */
static int
scan_word(const char **pp, const char *end, const char *word, size_t n)
{
	if ((size_t)(end - *pp) < n || memcmp(*pp, word, n) != 0)
		return -1;
	*pp += n;
	return 0;
}

/* The value at *pp (not at the end) into f. Returns 0, or -1 to decline. */
static int
scan_value(const char **pp, const char *end, char **dec, struct callrec_field *f)
{
	switch (**pp) {
	case '"':
		f->kind = CALLREC_STRING;
		return scan_string(pp, end, dec, &f->s, &f->len, &f->plain);
	case 'n':
		f->kind = CALLREC_NULL;
		return scan_word(pp, end, "null", 4);
	case 't':
		f->kind = CALLREC_TRUE;
		return scan_word(pp, end, "true", 4);
	case 'f':
		f->kind = CALLREC_FALSE;
		return scan_word(pp, end, "false", 5);
	default:
		if (**pp != '-' && (**pp < '0' || **pp > '9'))
			return -1;
		f->kind = CALLREC_INT;
		return scan_int(pp, end, &f->i);
	}
}

/*
 * Whether f's key came before in c: contract keys are marked in *seen, other keys are looked
 * for among the fields (calls have few of them).
 */
static int
key_repeated(const struct callrec *c, const struct callrec_field *f, uint32_t *seen)
{
	if (f->ckey >= 0) {
		if (*seen & (UINT32_C(1) << f->ckey))
			return 1;
		*seen |= UINT32_C(1) << f->ckey;
		return 0;
	}
	for (size_t k = 0; k < c->n; k++)
		if (c->fields[k].ckey < 0 && c->fields[k].key_len == f->key_len &&
		    memcmp(c->fields[k].key, f->key, f->key_len) == 0)
			return 1;
	return 0;
}

int
scan_call(struct callrec *c, const char *p, size_t n)
{
	const char *end = p + n;
	uint32_t seen = 0;
	int hint = 0;

	_Static_assert(CALLREC_KEYS <= 32, "contract keys fit the `seen` mask");
	c->n = 0;
	c->dec.len = 0;
	jsonw_reserve(&c->dec, n + 1);
	if (c->dec.failed) {
		jsonw_free(&c->dec); /* so that the next call may try again */
		return -1;
	}
	char *dec = c->dec.p;
	p = skip_ws(p, end);
	if (p == end || *p != '{')
		return -1;
	p = skip_ws(p + 1, end);
	if (p < end && *p == '}')
		return skip_ws(p + 1, end) == end ? 0 : -1;
	for (;;) {
		struct callrec_field f = {0};
		if (p == end || *p != '"' ||
		    scan_string(&p, end, &dec, &f.key, &f.key_len, &f.key_plain) < 0)
			return -1;
		p = skip_ws(p, end);
		if (p == end || *p != ':')
			return -1;
		p = skip_ws(p + 1, end);
		if (p == end || scan_value(&p, end, &dec, &f) < 0)
			return -1;
		f.ckey = callrec_key(f.key, f.key_len, &hint);
		if (key_repeated(c, &f, &seen))
			return -1;
		struct callrec_field *slot = callrec_push(c);
		if (!slot)
			return -1;
		*slot = f;
		p = skip_ws(p, end);
		if (p == end)
			return -1;
		if (*p == '}')
			return skip_ws(p + 1, end) == end ? 0 : -1;
		if (*p != ',')
			return -1;
		p = skip_ws(p + 1, end);
	}
}
