/*
 * jsonw.c - the growable buffer and the JSON writers on top of it.
 *
 * The buffer doubles when it runs out, so appending is amortised O(1), and a failed
 * allocation turns it into a sink that ignores every later write: the writers never return
 * an error and a caller checks `failed` (or jsonw_finish's NULL) once. Escaping is table
 * driven: a 256-entry table per mode says what each byte needs, and the bytes that need
 * nothing are copied in runs. Numbers are written without printf except reals, whose
 * shortest round-trip form needs the C library's conversion. This module decides how text
 * is written, never what is written.
 */
#include "jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

#define JSONW_FIRST_CAP 256

/*
 * What byte c needs in a JSON string: 0 nothing, the letter of a two-character escape (with
 * '"' and '\\' standing for themselves), 'u' the \u00XX form, or '8' (JSONW_CLEAN only) a
 * byte that starts a UTF-8 check. Plain mode writes DEL and bytes from 0x80 as they are.
 */
#define JSONW_ESC(c, clean)                                                                        \
	((c) == '"'    ? '"'                                                                       \
	 : (c) == '\\' ? '\\'                                                                      \
	 : (c) == '\b' ? 'b'                                                                       \
	 : (c) == '\f' ? 'f'                                                                       \
	 : (c) == '\n' ? 'n'                                                                       \
	 : (c) == '\r' ? 'r'                                                                       \
	 : (c) == '\t' ? 't'                                                                       \
	 : (c) < 0x20  ? 'u'                                                                       \
	 : !(clean)    ? 0                                                                         \
	 : (c) == 0x7f ? 'u'                                                                       \
	 : (c) >= 0x80 ? '8'                                                                       \
	               : 0)
#define JSONW_ESC4(c, k)                                                                           \
	JSONW_ESC(c, k), JSONW_ESC(c + 1, k), JSONW_ESC(c + 2, k), JSONW_ESC(c + 3, k)
#define JSONW_ESC16(c, k)                                                                          \
	JSONW_ESC4(c, k), JSONW_ESC4(c + 4, k), JSONW_ESC4(c + 8, k), JSONW_ESC4(c + 12, k)
#define JSONW_ESC64(c, k)                                                                          \
	JSONW_ESC16(c, k), JSONW_ESC16(c + 16, k), JSONW_ESC16(c + 32, k), JSONW_ESC16(c + 48, k)
#define JSONW_ESC256(k)                                                                            \
	JSONW_ESC64(0, k), JSONW_ESC64(64, k), JSONW_ESC64(128, k), JSONW_ESC64(192, k)

static const char jsonw_esc[2][256] = {{JSONW_ESC256(0)}, {JSONW_ESC256(1)}};

static const char jsonw_hex[] = "0123456789abcdef";

void
jsonw_init(struct jsonw *b)
{
	memset(b, 0, sizeof(*b));
}

/* The slow half of jsonw_reserve: doubles the allocation until `more` bytes fit. */
static void
jsonw_grow(struct jsonw *b, size_t more)
{
	size_t cap;
	char *p;

	if (more > SIZE_MAX / 2 - b->len) {
		b->failed = 1;
		return;
	}
	cap = b->cap != 0 ? b->cap : JSONW_FIRST_CAP;
	while (cap - b->len < more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL) {
		b->failed = 1;
		return;
	}
	b->p = p;
	b->cap = cap;
}

void
jsonw_reserve(struct jsonw *b, size_t more)
{
	if (!b->failed && b->cap - b->len < more)
		jsonw_grow(b, more);
}

/* Room for `more` bytes: 1 when there is, 0 when the buffer has failed (now or before). */
static int
jsonw_room(struct jsonw *b, size_t more)
{
	if (b->cap - b->len < more && !b->failed)
		jsonw_grow(b, more);
	return !b->failed;
}

void
jsonw_mem(struct jsonw *b, const void *s, size_t n)
{
	if (n == 0 || !jsonw_room(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void
jsonw_str(struct jsonw *b, const char *s)
{
	jsonw_mem(b, s, strlen(s));
}

void
jsonw_char(struct jsonw *b, char c)
{
	if (!jsonw_room(b, 1))
		return;
	b->p[b->len++] = c;
}

void
jsonw_uint(struct jsonw *b, uint64_t v)
{
	char tmp[24];
	char *w = tmp + sizeof(tmp);

	do {
		*--w = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	jsonw_mem(b, w, (size_t)(tmp + sizeof(tmp) - w));
}

void
jsonw_int(struct jsonw *b, int64_t v)
{
	/* The magnitude in unsigned arithmetic, where INT64_MIN has one. */
	if (v < 0) {
		jsonw_char(b, '-');
		jsonw_uint(b, (uint64_t)0 - (uint64_t)v);
	} else {
		jsonw_uint(b, (uint64_t)v);
	}
}

void
jsonw_real(struct jsonw *b, double v)
{
	char tmp[40];
	char *comma;
	int prec, n = 0;

	/* JSON has no NaN or infinity, and jansson holds none; null is the honest stand-in. */
	if (!isfinite(v)) {
		JSONW_LIT(b, "null");
		return;
	}
	/* 17 significant digits always read back; most values need far fewer. */
	for (prec = 1; prec <= 17; prec++) {
		n = snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	if (n <= 0 || (size_t)n >= sizeof(tmp)) {
		b->failed = 1;
		return;
	}
	/* A locale may write the decimal point as a comma, which JSON does not read. */
	comma = memchr(tmp, ',', (size_t)n);
	if (comma != NULL)
		*comma = '.';
	jsonw_mem(b, tmp, (size_t)n);
	if (strpbrk(tmp, ".eE") == NULL)
		JSONW_LIT(b, ".0");
}

/*
 * Writes n bytes of s escaped, with `extra` more bytes of room left after them for the
 * caller. Room for the text as it is comes first, since most text needs no escape; from then
 * on the room left always covers the rest of the input plus `extra`, so copying a run needs
 * no check and only an escape, which grows the text, may have to make more.
 */
static void
jsonw_escape_into(struct jsonw *b, const char *s, size_t n, int flags, size_t extra)
{
	const char *esc = jsonw_esc[(flags & JSONW_CLEAN) != 0];
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start, k;
	char e, *w;

	if (n > SIZE_MAX / 2)
		b->failed = 1;
	if (!jsonw_room(b, n + extra))
		return;
	while (i < n) {
		start = i;
		while (i < n && esc[u[i]] == 0)
			i++;
		memcpy(b->p + b->len, s + start, i - start);
		b->len += i - start;
		if (i == n)
			break;
		e = esc[u[i]];
		if (e == '8') {
			/* As many bytes out as in: the room left still covers the rest. */
			k = utf8_seq(u + i, n - i);
			if (k == 0) {
				b->p[b->len++] = '?';
				i++;
			} else {
				memcpy(b->p + b->len, s + i, k);
				b->len += k;
				i += k;
			}
			continue;
		}
		if (!jsonw_room(b, 6 + (n - i) + extra))
			return;
		w = b->p + b->len;
		w[0] = '\\';
		if (e == 'u') {
			w[1] = 'u';
			w[2] = '0';
			w[3] = '0';
			w[4] = jsonw_hex[u[i] >> 4];
			w[5] = jsonw_hex[u[i] & 15];
			b->len += 6;
		} else {
			w[1] = e;
			b->len += 2;
		}
		i++;
	}
}

void
jsonw_escaped(struct jsonw *b, const char *s, size_t n, int flags)
{
	jsonw_escape_into(b, s, n, flags, 0);
}

void
jsonw_string(struct jsonw *b, const char *s, size_t n, int flags)
{
	jsonw_char(b, '"');
	jsonw_escape_into(b, s, n, flags, 1);
	jsonw_char(b, '"');
}

/*
 * Where a run of bytes copied as they are must stop when `out` is full at u[i]: before the
 * first byte of a well-formed UTF-8 character that the cut would split, else at i.
 */
static size_t
jsonw_cut(const unsigned char *u, size_t start, size_t i, size_t n)
{
	size_t p = i;

	if ((u[i] & 0xc0) != 0x80)
		return i;
	while (p > start && i - p < 3 && (u[p - 1] & 0xc0) == 0x80)
		p--;
	if (p > start && utf8_seq(u + p - 1, n - (p - 1)) > i - (p - 1))
		return p - 1;
	return i;
}

size_t
jsonw_escape_to(char *out, size_t cap, const char *s, size_t n, int flags)
{
	const char *esc = jsonw_esc[(flags & JSONW_CLEAN) != 0];
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, w = 0, start, lim, k;
	char e;

	while (i < n) {
		start = i;
		lim = n - i < cap - w ? n : i + (cap - w);
		while (i < lim && esc[u[i]] == 0)
			i++;
		if (i == lim && i < n && esc[u[i]] == 0)
			i = jsonw_cut(u, start, i, n);
		memcpy(out + w, s + start, i - start);
		w += i - start;
		if (i == n || w == cap)
			break;
		e = esc[u[i]];
		if (e == 0)
			break; /* a run cut short to keep a character whole */
		if (e == '8') {
			k = utf8_seq(u + i, n - i);
			if (k == 0) {
				out[w++] = '?';
				i++;
				continue;
			}
			if (cap - w < k)
				break;
			memcpy(out + w, s + i, k);
			w += k;
			i += k;
			continue;
		}
		if (cap - w < (e == 'u' ? 6u : 2u))
			break;
		out[w++] = '\\';
		if (e == 'u') {
			out[w++] = 'u';
			out[w++] = '0';
			out[w++] = '0';
			out[w++] = jsonw_hex[u[i] >> 4];
			out[w++] = jsonw_hex[u[i] & 15];
		} else {
			out[w++] = e;
		}
		i++;
	}
	return w;
}

void
jsonw_value(struct jsonw *b, const json_t *j)
{
	const char *key;
	const json_t *v;
	size_t i;
	int first = 1;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		jsonw_char(b, '{');
		/* json_object_foreach wants a mutable object but only reads it. */
		json_object_foreach((json_t *)j, key, v)
		{
			if (!first)
				jsonw_char(b, ',');
			first = 0;
			jsonw_string(b, key, strlen(key), 0);
			jsonw_char(b, ':');
			jsonw_value(b, v);
		}
		jsonw_char(b, '}');
		break;
	case JSON_ARRAY:
		jsonw_char(b, '[');
		for (i = 0; i < json_array_size(j); i++) {
			if (i > 0)
				jsonw_char(b, ',');
			jsonw_value(b, json_array_get(j, i));
		}
		jsonw_char(b, ']');
		break;
	case JSON_STRING:
		jsonw_string(b, json_string_value(j), json_string_length(j), 0);
		break;
	case JSON_INTEGER:
		jsonw_int(b, (int64_t)json_integer_value(j));
		break;
	case JSON_REAL:
		jsonw_real(b, json_real_value(j));
		break;
	case JSON_TRUE:
		JSONW_LIT(b, "true");
		break;
	case JSON_FALSE:
		JSONW_LIT(b, "false");
		break;
	default:
		JSONW_LIT(b, "null");
		break;
	}
}

char *
jsonw_finish(struct jsonw *b, size_t *len)
{
	char *p;

	jsonw_reserve(b, 1);
	if (b->failed) {
		jsonw_free(b);
		return NULL;
	}
	p = b->p;
	p[b->len] = '\0';
	if (len != NULL)
		*len = b->len;
	jsonw_init(b);
	return p;
}

void
jsonw_free(struct jsonw *b)
{
	if (b == NULL)
		return;
	free(b->p);
	jsonw_init(b);
}
