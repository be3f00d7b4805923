/*
 * jtok.c - tokenising JSON text in one pass.
 *
 * The checks are jansson's (RFC 8259, UTF-8 in strings, no \u0000, integers that fit 64 bits),
 * or stricter where matching jansson exactly would cost more than it is worth (an exponent of
 * more than two digits, which could overflow a double, a number of more than 64 characters): the
 * text is then refused here, and the caller's full parser, which reads anything jtok refuses, gives
 * the verdict and the message. So what jtok accepts, jansson accepts, and a load reads the same
 * data either way.
 */
#include "jtok.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

struct jparse {
	struct jtoks *ts;
	const char *p;
	const char *s;
	const char *end;
	int failed;
};

static void
ws(struct jparse *j)
{
	const char *p = j->p;

	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
		j->p++;
	if (j->p != p)
		j->ts->spaced = 1;
}

static long
push(struct jparse *j, enum jtok_type type)
{
	struct jtoks *ts = j->ts;

	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? ts->cap * 2 : 256;
		struct jtok *t = realloc(ts->t, cap * sizeof(*t));

		if (t == NULL || cap > UINT32_MAX)
			return -1;
		ts->t = t;
		ts->cap = cap;
	}
	memset(&ts->t[ts->n], 0, sizeof(ts->t[0]));
	ts->t[ts->n].type = (uint8_t)type;
	ts->t[ts->n].start = (uint32_t)(j->p - j->s);
	return (long)ts->n++;
}

static int
hex4(const char *p, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		*v = *v << 4 | d;
	}
	return 0;
}

/* A string at j->p (its opening quote). */
static int
string(struct jparse *j, long idx)
{
	const char *p = j->p + 1;
	int plain = 1;

	while (p < j->end) {
		unsigned char c = (unsigned char)*p;

		if (c == '"') {
			j->p = p + 1;
			if (idx >= 0)
				j->ts->t[idx].plain = (uint8_t)plain;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c == '\\') {
			plain = 0;
			if (p + 1 >= j->end)
				return -1;
			switch (p[1]) {
			case '"':
			case '\\':
			case '/':
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't':
				p += 2;
				continue;
			case 'u': {
				unsigned v, w;

				if (j->end - p < 6 || hex4(p + 2, &v) != 0 || v == 0)
					return -1;
				p += 6;
				if (v >= 0xdc00 && v <= 0xdfff)
					return -1;
				if (v >= 0xd800 && v <= 0xdbff) {
					if (j->end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
					    hex4(p + 2, &w) != 0 || w < 0xdc00 || w > 0xdfff)
						return -1;
					p += 6;
				}
				continue;
			}
			default:
				return -1;
			}
		}
		if (c < 0x80) {
			p++;
			continue;
		}
		size_t n = utf8_seq((const unsigned char *)p, (size_t)(j->end - p));
		if (n == 0)
			return -1;
		p += n;
	}
	return -1;
}

static int
digits(const char **p, const char *end)
{
	const char *s = *p;

	while (*p < end && **p >= '0' && **p <= '9')
		(*p)++;
	return *p > s ? 0 : -1;
}

static int
number(struct jparse *j, long idx)
{
	const char *p = j->p, *start = j->p;
	int integer = 1;

	if (*p == '-')
		p++;
	if (p >= j->end)
		return -1;
	if (*p == '0')
		p++;
	else if (digits(&p, j->end) != 0)
		return -1;
	if (p < j->end && *p == '.') {
		p++;
		integer = 0;
		if (digits(&p, j->end) != 0)
			return -1;
	}
	if (p < j->end && (*p == 'e' || *p == 'E')) {
		const char *e;

		p++;
		integer = 0;
		if (p < j->end && (*p == '+' || *p == '-'))
			p++;
		e = p;
		if (digits(&p, j->end) != 0 || p - e > 2)
			return -1;
	}
	if (p - start > 64)
		return -1;
	j->p = p;
	j->ts->t[idx].integer = (uint8_t)integer;
	if (integer) {
		int ok;

		j->ts->t[idx].end = (uint32_t)(p - j->s);
		(void)jtok_int(j->ts, j->s, (size_t)idx, &ok);
		if (!ok)
			return -1;
	}
	return 0;
}

static int
literal(struct jparse *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
		return -1;
	j->p += n;
	return 0;
}

static int value(struct jparse *j, int depth);

/* Objects of more keys than this are left to the caller's parser, which hashes them. */
#define JTOK_KEYS_MAX 64

/*
 * jansson refuses an object that repeats a key, and so does jtok: keys are compared by their
 * bytes, so an object with an escaped key, or with very many keys, is refused here and judged
 * by the caller's parser instead.
 */
static int
unique_keys(const struct jtoks *ts, const char *text, size_t obj)
{
	size_t keys[JTOK_KEYS_MAX];
	size_t n = ts->t[obj].n, k = obj + 1;

	if (n > JTOK_KEYS_MAX)
		return -1;
	for (size_t m = 0; m < n; m++) {
		const struct jtok *a = &ts->t[k];

		if (!a->plain)
			return -1;
		for (size_t e = 0; e < m; e++) {
			const struct jtok *b = &ts->t[keys[e]];

			if (a->end - a->start == b->end - b->start &&
			    memcmp(text + a->start, text + b->start, a->end - a->start) == 0)
				return -1;
		}
		keys[m] = k;
		k = ts->t[k + 1].next;
	}
	return 0;
}

static int
container(struct jparse *j, int depth, long idx, int object)
{
	uint32_t n = 0;

	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == (object ? '}' : ']')) {
		j->p++;
		return 0;
	}
	for (;;) {
		if (object) {
			long k;

			if (j->p >= j->end || *j->p != '"' || (k = push(j, JTOK_STRING)) < 0 ||
			    string(j, k) != 0)
				return -1;
			j->ts->t[k].end = (uint32_t)(j->p - j->s);
			j->ts->t[k].next = (uint32_t)j->ts->n;
			ws(j);
			if (j->p >= j->end || *j->p != ':')
				return -1;
			j->p++;
			ws(j);
		}
		if (value(j, depth + 1) != 0)
			return -1;
		n++;
		ws(j);
		if (j->p >= j->end)
			return -1;
		if (*j->p == ',') {
			j->p++;
			ws(j);
			continue;
		}
		if (*j->p != (object ? '}' : ']'))
			return -1;
		j->p++;
		j->ts->t[idx].n = n;
		return object ? unique_keys(j->ts, j->s, (size_t)idx) : 0;
	}
}

static int
value(struct jparse *j, int depth)
{
	long idx;
	int rc;

	if (depth > JTOK_DEPTH_MAX || j->p >= j->end)
		return -1;
	switch (*j->p) {
	case '{':
		if ((idx = push(j, JTOK_OBJECT)) < 0)
			return -1;
		rc = container(j, depth, idx, 1);
		break;
	case '[':
		if ((idx = push(j, JTOK_ARRAY)) < 0)
			return -1;
		rc = container(j, depth, idx, 0);
		break;
	case '"':
		if ((idx = push(j, JTOK_STRING)) < 0)
			return -1;
		rc = string(j, idx);
		break;
	case 't':
		if ((idx = push(j, JTOK_TRUE)) < 0)
			return -1;
		rc = literal(j, "true");
		break;
	case 'f':
		if ((idx = push(j, JTOK_FALSE)) < 0)
			return -1;
		rc = literal(j, "false");
		break;
	case 'n':
		if ((idx = push(j, JTOK_NULL)) < 0)
			return -1;
		rc = literal(j, "null");
		break;
	default:
		if ((idx = push(j, JTOK_NUMBER)) < 0)
			return -1;
		rc = number(j, idx);
		break;
	}
	if (rc != 0)
		return -1;
	j->ts->t[idx].end = (uint32_t)(j->p - j->s);
	j->ts->t[idx].next = (uint32_t)j->ts->n;
	return 0;
}

int
jtok_parse(struct jtoks *ts, const char *text, size_t len)
{
	struct jparse j = {ts, text, text, text + len, 0};

	ts->n = 0;
	if (len >= UINT32_MAX)
		return -1;
	while (j.p < j.end && (*j.p == ' ' || *j.p == '\n' || *j.p == '\r' || *j.p == '\t'))
		j.p++;
	ts->spaced = 0;
	if (value(&j, 0) != 0)
		return -1;
	while (j.p < j.end && (*j.p == ' ' || *j.p == '\n' || *j.p == '\r' || *j.p == '\t'))
		j.p++;
	return j.p == j.end ? 0 : -1;
}

void
jtok_free(struct jtoks *ts)
{
	free(ts->t);
	memset(ts, 0, sizeof(*ts));
}

/* Whether the string token's decoded text is s: compared by bytes when it has no escape. */
int
jtok_is(const struct jtoks *ts, const char *text, size_t i, const char *s)
{
	const struct jtok *t = &ts->t[i];
	size_t n = t->end - t->start - 2;

	if (t->type != JTOK_STRING)
		return 0;
	if (t->plain)
		return strlen(s) == n && memcmp(text + t->start + 1, s, n) == 0;
	/* Escaped keys and values are rare: decode as jansson would, and compare the bytes. */
	const char *p = text + t->start + 1, *e = text + t->end - 1;
	while (p < e) {
		char buf[4];
		size_t len = 1;
		unsigned v, w;

		buf[0] = *p++;
		if (buf[0] == '\\') {
			char x = *p++;

			switch (x) {
			case 'b':
				buf[0] = '\b';
				break;
			case 'f':
				buf[0] = '\f';
				break;
			case 'n':
				buf[0] = '\n';
				break;
			case 'r':
				buf[0] = '\r';
				break;
			case 't':
				buf[0] = '\t';
				break;
			case 'u':
				(void)hex4(p, &v);
				p += 4;
				if (v >= 0xd800 && v <= 0xdbff) {
					(void)hex4(p + 2, &w);
					p += 6;
					v = 0x10000 + ((v - 0xd800) << 10) + (w - 0xdc00);
				}
				if (v < 0x80) {
					buf[0] = (char)v;
				} else if (v < 0x800) {
					buf[0] = (char)(0xc0 | v >> 6);
					buf[1] = (char)(0x80 | (v & 0x3f));
					len = 2;
				} else if (v < 0x10000) {
					buf[0] = (char)(0xe0 | v >> 12);
					buf[1] = (char)(0x80 | (v >> 6 & 0x3f));
					buf[2] = (char)(0x80 | (v & 0x3f));
					len = 3;
				} else {
					buf[0] = (char)(0xf0 | v >> 18);
					buf[1] = (char)(0x80 | (v >> 12 & 0x3f));
					buf[2] = (char)(0x80 | (v >> 6 & 0x3f));
					buf[3] = (char)(0x80 | (v & 0x3f));
					len = 4;
				}
				break;
			default:
				buf[0] = x;
				break;
			}
		}
		if (strncmp(s, buf, len) != 0 || strlen(s) < len)
			return 0;
		s += len;
	}
	return *s == '\0';
}

long
jtok_get(const struct jtoks *ts, const char *text, size_t obj, const char *key)
{
	size_t k;

	if (ts->t[obj].type != JTOK_OBJECT)
		return -1;
	k = obj + 1;
	for (uint32_t m = 0; m < ts->t[obj].n; m++) {
		size_t v = k + 1;

		if (jtok_is(ts, text, k, key))
			return (long)v;
		k = ts->t[v].next;
	}
	return -1;
}

size_t
jtok_at(const struct jtoks *ts, size_t arr, size_t i)
{
	size_t k = arr + 1;

	while (i-- > 0)
		k = ts->t[k].next;
	return k;
}

int64_t
jtok_int(const struct jtoks *ts, const char *text, size_t i, int *ok)
{
	const struct jtok *t = &ts->t[i];
	const char *p = text + t->start, *e = text + t->end;
	int neg = *p == '-';
	uint64_t v = 0, max = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;

	*ok = 0;
	if (t->type != JTOK_NUMBER || !t->integer)
		return 0;
	for (p += neg; p < e; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (max - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	*ok = 1;
	if (!neg)
		return (int64_t)v;
	return v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
}

int
jtok_is_id(const struct jtoks *ts, const char *text, size_t i)
{
	const struct jtok *t = &ts->t[i];
	size_t n = t->end - t->start - 2;

	if (t->type != JTOK_STRING || !t->plain || n == 0 || n > 20)
		return 0;
	for (size_t k = 0; k < n; k++)
		if (text[t->start + 1 + k] < '0' || text[t->start + 1 + k] > '9')
			return 0;
	return 1;
}

void
jtok_copy(const struct jtoks *ts, const char *text, size_t i, struct jsonw *out)
{
	const struct jtok *t = &ts->t[i];
	const char *p = text + t->start, *e = text + t->end;

	if (!ts->spaced) {
		jsonw_mem(out, p, t->end - t->start);
		return;
	}
	jsonw_reserve(out, t->end - t->start);
	while (p < e) {
		/* A run up to the next string or white space is copied as it is. */
		const char *q = p;

		while (q < e && *q != '"' && *q != ' ' && *q != '\n' && *q != '\r' && *q != '\t')
			q++;
		jsonw_mem(out, p, (size_t)(q - p));
		if (q >= e)
			break;
		if (*q != '"') {
			p = q + 1;
			continue;
		}
		/* A string, whole, to its closing quote (the text is valid: escapes are pairs). */
		p = q + 1;
		while (*p != '"')
			p += *p == '\\' ? 2 : 1;
		jsonw_mem(out, q, (size_t)(p + 1 - q));
		p++;
	}
}
