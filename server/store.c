/*
 * store.c - the call dataset: reading fixture files, checking each call against the contract,
 * rendering its JSON once, and answering date ranges with binary searches.
 *
 * Loading streams: JSON Lines are read line by line and a JSON array element by element; each
 * call is parsed, checked and rendered at the end of one growing text buffer, and its parse is
 * dropped at once. Only a page object ({"calls":[...]}) or a lone call object is parsed as one
 * document. Most calls are flat objects of strings, integers, booleans and nulls, and for
 * those a small parser here does the work (jansson alone takes about 8 s for a million calls);
 * anything else - nested values, numbers with a fraction, duplicate keys, every syntax error -
 * goes to jansson, which also writes the error messages. Both parsers hand over the same list
 * of fields, and one function checks and renders that list, so both give the same bytes.
 *
 * Once every file is read, calls are sorted by (date, id). Input that was already in that
 * order, as Gong serves it and `generate` writes it, keeps its text buffer as it is; other input
 * is copied into a new buffer in order, from the end, while the old one is shrunk behind the
 * copy. Peak memory stays near one copy of the text. A store is never changed afterwards. The
 * store_slot at the end publishes stores to reader threads. Nothing here knows HTTP.
 */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "isotime.h"

/* When reordering, the old text buffer is shrunk each time this much of it has been copied. */
#define STORE_SHRINK_STEP (64U << 20)
/* Bytes read from a file at a time; the buffer grows for longer lines. */
#define STORE_READ_SIZE (1U << 20)
#define STORE_URL_PREFIX "https://us-49467.app.gong.io/call?id="
/* Marks a call replaced by a later one with the same id. */
#define REC_DEAD UINT32_MAX
#define JSON_FLAGS (JSON_DECODE_ANY | JSON_REJECT_DUPLICATES)

/* The contract's keys, in the order calls are written. */
enum ckey {
	K_ID,
	K_URL,
	K_TITLE,
	K_SCHEDULED,
	K_STARTED,
	K_DURATION,
	K_PRIMARY_USER,
	K_DIRECTION,
	K_SYSTEM,
	K_SCOPE,
	K_MEDIA,
	K_LANGUAGE,
	K_WORKSPACE,
	K_SDR,
	K_CLIENT_ID,
	K_CUSTOM,
	K_PURPOSE,
	K_MEETING_URL,
	K_PRIVATE,
	K_CALENDAR,
	K_COUNT
};

/* Each key with the text that introduces it in a rendered call: `,"key":`. */
/* clang-format off */
static const struct {
	const char *name;
	size_t len;
	const char *prefix;
	size_t prefix_len;
} CKEYS[K_COUNT] = {
#define CK(s) {s, sizeof(s) - 1, ",\"" s "\":", sizeof(",\"" s "\":") - 1}
	CK("id"),	      CK("url"),	    CK("title"),	 CK("scheduled"),
	CK("started"),	      CK("duration"),	    CK("primaryUserId"), CK("direction"),
	CK("system"),	      CK("scope"),	    CK("media"),	 CK("language"),
	CK("workspaceId"),    CK("sdrDisposition"), CK("clientUniqueId"), CK("customData"),
	CK("purpose"),	      CK("meetingUrl"),	    CK("isPrivate"),	 CK("calendarEventId"),
#undef CK
};
/* clang-format on */

/* A value as both parsers hand it over. */
enum vkind { V_NULL, V_FALSE, V_TRUE, V_INT, V_STRING, V_OTHER };

struct field {
	const char *key; /* decoded, key_len bytes */
	size_t key_len;
	int ckey;      /* enum ckey, or -1 for a key outside the contract */
	int key_plain; /* the key needs no escaping */
	enum vkind kind;
	int plain;     /* V_STRING: needs no escaping */
	const char *s; /* V_STRING: decoded text (valid UTF-8, no NUL) */
	size_t len;
	int64_t i;       /* V_INT */
	const json_t *j; /* V_OTHER: rendered from jansson's tree */
};

/* One call read, in the order read; its text is at `off` in the text buffer, `len` + ','. */
struct rec {
	int64_t date_us;
	uint64_t id_hi;
	uint64_t id_lo;
	size_t off;
	uint32_t len; /* REC_DEAD once replaced */
	uint32_t ws;  /* index into loader.ws, or STORE_NO_WORKSPACE */
};

struct wsent {
	char id[FILTER_WORKSPACE_MAX + 1];
	uint32_t count; /* live calls, filled at the end */
	uint32_t final; /* index in the store */
};

/* A growable byte buffer; `failed` is sticky so that rendering checks once at the end. */
struct buf {
	char *p;
	size_t len;
	size_t cap;
	int failed;
};

/* Everything a load gathers before the store is built. */
struct loader {
	char *err;
	size_t errlen;
	const char *name; /* the file being read, for messages */

	struct rec *recs;
	size_t nrecs;
	size_t caprecs;
	size_t live;

	struct buf text; /* rendered calls, each followed by ',', in the order read */

	uint64_t *idtab; /* open addressing: hash's top half << 32 | rec index + 1 (0 = empty) */
	size_t idcap;
	size_t idcount;

	struct wsent *ws;
	size_t nws;
	size_t capws;
	uint32_t *wstab; /* open addressing, ws index + 1 */
	size_t wscap;

	struct field *fields; /* the call being read */
	size_t nfields;
	size_t capfields;
	char *dec; /* decoded strings of the fast parser */
	size_t deccap;
};

struct store_ws {
	char id[FILTER_WORKSPACE_MAX + 1];
	size_t first; /* its calls are ws_calls[first, first + count) */
	size_t count;
};

struct store {
	char *arena;
	size_t arena_len;
	struct store_call *calls;
	size_t ncalls;
	struct store_ws *ws; /* sorted by id (strcmp) */
	size_t nws;
	uint32_t *ws_calls; /* per workspace, indices into calls, ascending */
};

__attribute__((format(printf, 2, 3))) static int
fail(struct loader *L, const char *fmt, ...)
{
	if (L->err && L->errlen) {
		int n = snprintf(L->err, L->errlen, "%s: ", L->name);
		if (n >= 0 && (size_t)n < L->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(L->err + n, L->errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -1;
}

static int
fail_call(struct loader *L, size_t index, const char *reason)
{
	return fail(L, "call %zu: %s", index, reason);
}

static int
fail_oom(struct loader *L)
{
	return fail(L, "out of memory");
}

/*
 * Room for `need` items of `size` bytes in the array p of capacity *cap: returns the array,
 * moved or not, or NULL when out of memory (p is then untouched).
 */
static void *
grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	size_t n = *cap ? *cap : 16;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			return NULL;
		n *= 2;
	}
	void *q = realloc(p, n * size);
	if (q)
		*cap = n;
	return q;
}

static void
buf_reserve(struct buf *b, size_t more)
{
	if (b->failed || b->cap - b->len >= more)
		return;
	char *p = more > SIZE_MAX - b->len ? NULL : grow(b->p, &b->cap, b->len + more, 1);
	if (p)
		b->p = p;
	else
		b->failed = 1;
}

static void
buf_mem(struct buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	if (b->failed || n == 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

#define buf_lit(b, s) buf_mem((b), (s), sizeof(s) - 1)

/* What JSON needs escaped, as jansson writes it: `"`, `\` and control characters. */
/* clang-format off */
static const char ESCAPE[256] = {
	['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
	[0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u', [0x05] = 'u',
	[0x06] = 'u', [0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u', [0x0f] = 'u', [0x10] = 'u',
	[0x11] = 'u', [0x12] = 'u', [0x13] = 'u', [0x14] = 'u', [0x15] = 'u', [0x16] = 'u',
	[0x17] = 'u', [0x18] = 'u', [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u',
	[0x1d] = 'u', [0x1e] = 'u', [0x1f] = 'u', ['"'] = '"',	['\\'] = '\\',
};
/* clang-format on */

/* A quoted JSON string; UTF-8 is written as it is. */
static void
buf_string(struct buf *b, const char *s, size_t n, int plain)
{
	buf_reserve(b, plain ? n + 2 : n * 6 + 2);
	if (b->failed)
		return;
	char *w = b->p + b->len;
	*w++ = '"';
	if (plain) {
		memcpy(w, s, n);
		w += n;
	} else {
		static const char hex[] = "0123456789abcdef";
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];
			char e = ESCAPE[c];
			if (!e) {
				*w++ = (char)c;
			} else if (e != 'u') {
				*w++ = '\\';
				*w++ = e;
			} else {
				memcpy(w, "\\u00", 4);
				w[4] = hex[c >> 4];
				w[5] = hex[c & 15];
				w += 6;
			}
		}
	}
	*w++ = '"';
	b->len = (size_t)(w - b->p);
}

static void
buf_int(struct buf *b, int64_t v)
{
	char tmp[24];
	char *w = tmp + sizeof(tmp);
	/* Work in unsigned so that INT64_MIN has a magnitude. */
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		*--w = (char)('0' + m % 10);
		m /= 10;
	} while (m);
	if (v < 0)
		*--w = '-';
	buf_mem(b, w, (size_t)(tmp + sizeof(tmp) - w));
}

/* The shortest text that reads back as the same double, marked as a real like jansson does. */
static void
buf_real(struct buf *b, double v)
{
	char tmp[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	buf_mem(b, tmp, strlen(tmp));
	if (!strpbrk(tmp, ".eE"))
		buf_lit(b, ".0");
}

/* Any jansson value, compact, object keys in their order. jansson bounds the depth. */
static void
buf_json(struct buf *b, const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *key;
		const json_t *v;
		int first = 1;
		buf_lit(b, "{");
		/* json_object_foreach wants a mutable object but only reads it. */
		json_object_foreach((json_t *)j, key, v)
		{
			if (!first)
				buf_lit(b, ",");
			first = 0;
			buf_string(b, key, strlen(key), 0);
			buf_lit(b, ":");
			buf_json(b, v);
		}
		buf_lit(b, "}");
		break;
	}
	case JSON_ARRAY:
		buf_lit(b, "[");
		for (size_t i = 0; i < json_array_size(j); i++) {
			if (i)
				buf_lit(b, ",");
			buf_json(b, json_array_get(j, i));
		}
		buf_lit(b, "]");
		break;
	case JSON_STRING:
		buf_string(b, json_string_value(j), json_string_length(j), 0);
		break;
	case JSON_INTEGER:
		buf_int(b, (int64_t)json_integer_value(j));
		break;
	case JSON_REAL:
		buf_real(b, json_real_value(j));
		break;
	case JSON_TRUE:
		buf_lit(b, "true");
		break;
	case JSON_FALSE:
		buf_lit(b, "false");
		break;
	default:
		buf_lit(b, "null");
		break;
	}
}

static void
buf_value(struct buf *b, const struct field *f)
{
	switch (f->kind) {
	case V_STRING:
		buf_string(b, f->s, f->len, f->plain);
		break;
	case V_INT:
		buf_int(b, f->i);
		break;
	case V_TRUE:
		buf_lit(b, "true");
		break;
	case V_FALSE:
		buf_lit(b, "false");
		break;
	case V_OTHER:
		buf_json(b, f->j);
		break;
	default:
		buf_lit(b, "null");
		break;
	}
}

/*
 * Contract key of `key`, or -1. Calls usually list their keys in the contract's order, so the
 * key after the last one found is tried first.
 */
static int
ckey_lookup(const char *key, size_t len, int *hint)
{
	int h = *hint;
	if (h >= 0 && h < K_COUNT && CKEYS[h].len == len && memcmp(CKEYS[h].name, key, len) == 0) {
		*hint = h + 1;
		return h;
	}
	for (int k = 0; k < K_COUNT; k++) {
		if (CKEYS[k].len == len && memcmp(CKEYS[k].name, key, len) == 0) {
			*hint = k + 1;
			return k;
		}
	}
	return -1;
}

static struct field *
field_push(struct loader *L)
{
	struct field *fields = grow(L->fields, &L->capfields, L->nfields + 1, sizeof(*fields));
	if (!fields)
		return NULL;
	L->fields = fields;
	struct field *f = &L->fields[L->nfields++];
	memset(f, 0, sizeof(*f));
	return f;
}

/* ---- The fast parser: flat objects of strings, integers, booleans and nulls. ---- */

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/*
 * Length of the UTF-8 sequence at p if it is well formed (no overlong forms, no surrogates,
 * nothing above U+10FFFF: what jansson accepts), else 0.
 */
static size_t
utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
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
/* clang-format on */

/*
 * Reads the string whose opening quote is at *pp. Text without escapes is pointed to in
 * place; text with escapes is decoded into *dec, which advances. Decoding never makes text
 * longer, so a *dec with room for the whole input is enough. Returns 0, or -1 to hand the
 * input to jansson (anything invalid, and \u0000, which jansson refuses).
 */
static int
fast_string(const char **pp, const char *end, char **dec, const char **s, size_t *len, int *plain)
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
		size_t n = utf8_seq(q, e);
		if (!n)
			return -1;
		q += n;
	}

	char *w = *dec;
	memcpy(w, start, (size_t)(q - start));
	w += q - start;
	for (;;) {
		if (q == e)
			return -1;
		unsigned c = *q;
		if (c == '"')
			break;
		if (c < 0x20)
			return -1;
		if (c < 0x80 && c != '\\') {
			*w++ = (char)c;
			q++;
			continue;
		}
		if (c >= 0x80) {
			size_t n = utf8_seq(q, e);
			if (!n)
				return -1;
			memcpy(w, q, n);
			w += n;
			q += n;
			continue;
		}
		if (++q == e)
			return -1;
		unsigned cp;
		switch (*q) {
		case '"':
		case '\\':
		case '/':
			*w++ = (char)*q++;
			continue;
		case 'b':
			*w++ = '\b';
			q++;
			continue;
		case 'f':
			*w++ = '\f';
			q++;
			continue;
		case 'n':
			*w++ = '\n';
			q++;
			continue;
		case 'r':
			*w++ = '\r';
			q++;
			continue;
		case 't':
			*w++ = '\t';
			q++;
			continue;
		case 'u':
			if (e - q < 5 || hex4(q + 1, &cp) < 0)
				return -1;
			q += 5;
			break;
		default:
			return -1;
		}
		if (cp == 0 || (cp >= 0xdc00 && cp <= 0xdfff))
			return -1;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			unsigned low;
			if (e - q < 6 || q[0] != '\\' || q[1] != 'u' || hex4(q + 2, &low) < 0 ||
			    low < 0xdc00 || low > 0xdfff)
				return -1;
			q += 6;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
		}
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
	}
	*s = *dec;
	*len = (size_t)(w - *dec);
	*plain = 0;
	*dec = w;
	*pp = (const char *)q + 1;
	return 0;
}

/* An integer without fraction or exponent that surely fits 64 bits (at most 18 digits). */
static int
fast_int(const char **pp, const char *end, int64_t *out)
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

/*
 * Parses n bytes holding one flat JSON object into L->fields. Returns 0, or -1 when the text
 * is anything else (including invalid JSON or a key given twice): jansson then decides.
 */
static int
fast_parse(struct loader *L, const char *p, size_t n)
{
	const char *end = p + n;
	unsigned seen = 0;
	int hint = 0;

	L->nfields = 0;
	char *dec = grow(L->dec, &L->deccap, n + 1, 1);
	if (!dec)
		return -1;
	L->dec = dec;
	p = skip_ws(p, end);
	if (p == end || *p != '{')
		return -1;
	p = skip_ws(p + 1, end);
	if (p < end && *p == '}') {
		p++;
		goto done;
	}
	for (;;) {
		struct field f = {0};
		if (p == end || *p != '"' ||
		    fast_string(&p, end, &dec, &f.key, &f.key_len, &f.key_plain) < 0)
			return -1;
		p = skip_ws(p, end);
		if (p == end || *p != ':')
			return -1;
		p = skip_ws(p + 1, end);
		if (p == end)
			return -1;
		switch (*p) {
		case '"':
			f.kind = V_STRING;
			if (fast_string(&p, end, &dec, &f.s, &f.len, &f.plain) < 0)
				return -1;
			break;
		case 'n':
			if (end - p < 4 || memcmp(p, "null", 4) != 0)
				return -1;
			f.kind = V_NULL;
			p += 4;
			break;
		case 't':
			if (end - p < 4 || memcmp(p, "true", 4) != 0)
				return -1;
			f.kind = V_TRUE;
			p += 4;
			break;
		case 'f':
			if (end - p < 5 || memcmp(p, "false", 5) != 0)
				return -1;
			f.kind = V_FALSE;
			p += 5;
			break;
		default:
			if (*p != '-' && (*p < '0' || *p > '9'))
				return -1;
			if (fast_int(&p, end, &f.i) < 0)
				return -1;
			f.kind = V_INT;
			break;
		}
		f.ckey = ckey_lookup(f.key, f.key_len, &hint);
		if (f.ckey >= 0) {
			if (seen & (1U << f.ckey))
				return -1;
			seen |= 1U << f.ckey;
		} else {
			for (size_t k = 0; k < L->nfields; k++)
				if (L->fields[k].ckey < 0 && L->fields[k].key_len == f.key_len &&
				    memcmp(L->fields[k].key, f.key, f.key_len) == 0)
					return -1;
		}
		struct field *slot = field_push(L);
		if (!slot)
			return -1;
		*slot = f;
		p = skip_ws(p, end);
		if (p == end)
			return -1;
		if (*p == ',') {
			p = skip_ws(p + 1, end);
			continue;
		}
		if (*p != '}')
			return -1;
		p++;
		break;
	}
done:
	return skip_ws(p, end) == end ? 0 : -1;
}

/* The same list of fields from a jansson object. */
static int
fields_from_json(struct loader *L, const json_t *obj)
{
	const char *key;
	const json_t *v;
	int hint = 0;
	L->nfields = 0;
	json_object_foreach((json_t *)obj, key, v)
	{
		struct field *f = field_push(L);
		if (!f)
			return -1;
		f->key = key;
		f->key_len = strlen(key);
		f->ckey = ckey_lookup(key, f->key_len, &hint);
		switch (json_typeof(v)) {
		case JSON_STRING:
			f->kind = V_STRING;
			f->s = json_string_value(v);
			f->len = json_string_length(v);
			break;
		case JSON_INTEGER:
			f->kind = V_INT;
			f->i = (int64_t)json_integer_value(v);
			break;
		case JSON_TRUE:
			f->kind = V_TRUE;
			break;
		case JSON_FALSE:
			f->kind = V_FALSE;
			break;
		case JSON_NULL:
			f->kind = V_NULL;
			break;
		default:
			f->kind = V_OTHER;
			f->j = v;
			break;
		}
	}
	return 0;
}

/* ---- Checking, rendering and keeping one call. ---- */

static int
is_digits(const struct field *f, size_t max)
{
	if (f->kind != V_STRING || f->len == 0 || f->len > max)
		return 0;
	for (size_t i = 0; i < f->len; i++)
		if (f->s[i] < '0' || f->s[i] > '9')
			return 0;
	return 1;
}

static int
is_null(const struct field *f)
{
	return !f || f->kind == V_NULL;
}

static int
is_one_of(const struct field *f, const char *const *values)
{
	if (f->kind != V_STRING)
		return 0;
	for (; *values; values++)
		if (strlen(*values) == f->len && memcmp(*values, f->s, f->len) == 0)
			return 1;
	return 0;
}

static void
id_split(const char *digits, size_t n, uint64_t *hi, uint64_t *lo)
{
	/* Zero-padded to 20 digits, the first 10 are hi and the last 10 are lo. */
	uint64_t h = 0, l = 0;
	for (size_t i = 0; i < n; i++) {
		size_t pos = STORE_ID_MAX - n + i;
		if (pos < 10)
			h = h * 10 + (uint64_t)(digits[i] - '0');
		else
			l = l * 10 + (uint64_t)(digits[i] - '0');
	}
	*hi = h;
	*lo = l;
}

static uint64_t
hash_id(uint64_t hi, uint64_t lo)
{
	uint64_t z = hi * 0x9e3779b97f4a7c15ULL ^ lo;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
hash_text(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

/* Index of workspace id `s` (1-20 digits), added if new; -1 when out of memory. */
static int64_t
ws_intern(struct loader *L, const char *s, size_t n)
{
	if (L->nws * 2 >= L->wscap) {
		size_t cap = L->wscap ? L->wscap * 2 : 64;
		uint32_t *tab = calloc(cap, sizeof(*tab));
		if (!tab)
			return -1;
		for (size_t i = 0; i < L->nws; i++) {
			size_t h = hash_text(L->ws[i].id, strlen(L->ws[i].id)) & (cap - 1);
			while (tab[h])
				h = (h + 1) & (cap - 1);
			tab[h] = (uint32_t)i + 1;
		}
		free(L->wstab);
		L->wstab = tab;
		L->wscap = cap;
	}
	size_t h = hash_text(s, n) & (L->wscap - 1);
	while (L->wstab[h]) {
		const struct wsent *w = &L->ws[L->wstab[h] - 1];
		if (strlen(w->id) == n && memcmp(w->id, s, n) == 0)
			return L->wstab[h] - 1;
		h = (h + 1) & (L->wscap - 1);
	}
	struct wsent *ws = grow(L->ws, &L->capws, L->nws + 1, sizeof(*ws));
	if (!ws)
		return -1;
	L->ws = ws;
	struct wsent *w = &ws[L->nws];
	memcpy(w->id, s, n);
	w->id[n] = '\0';
	w->count = 0;
	L->wstab[h] = (uint32_t)L->nws + 1;
	return (int64_t)L->nws++;
}

/*
 * Records that rec `idx` holds its id; an earlier rec with the same id is retired. Each slot
 * keeps half of the hash beside the index, so a probe reads a rec (a cache miss) only when
 * that half matches too.
 */
static int
id_claim(struct loader *L, uint32_t idx)
{
	if (L->idcount * 2 >= L->idcap) {
		size_t cap = L->idcap ? L->idcap * 2 : 1024;
		uint64_t *tab = calloc(cap, sizeof(*tab));
		if (!tab)
			return -1;
		for (size_t i = 0; i < L->idcap; i++) {
			if (!L->idtab[i])
				continue;
			const struct rec *r = &L->recs[(uint32_t)L->idtab[i] - 1];
			size_t h = hash_id(r->id_hi, r->id_lo) & (cap - 1);
			while (tab[h])
				h = (h + 1) & (cap - 1);
			tab[h] = L->idtab[i];
		}
		free(L->idtab);
		L->idtab = tab;
		L->idcap = cap;
	}
	struct rec *r = &L->recs[idx];
	uint64_t hash = hash_id(r->id_hi, r->id_lo);
	uint64_t tag = hash & 0xffffffff00000000ULL;
	size_t h = hash & (L->idcap - 1);
	while (L->idtab[h]) {
		if ((L->idtab[h] & 0xffffffff00000000ULL) == tag) {
			struct rec *old = &L->recs[(uint32_t)L->idtab[h] - 1];
			if (old->id_hi == r->id_hi && old->id_lo == r->id_lo) {
				old->len = REC_DEAD;
				L->live--;
				L->idtab[h] = tag | (idx + 1);
				return 0;
			}
		}
		h = (h + 1) & (L->idcap - 1);
	}
	L->idtab[h] = tag | (idx + 1);
	L->idcount++;
	return 0;
}

static const char *const DIRECTIONS[] = {"Inbound", "Outbound", "Conference", "Unknown", NULL};
static const char *const SCOPES[] = {"Internal", "External", "Unknown", NULL};
static const char *const MEDIAS[] = {"Video", "Audio", NULL};

/* Why a value is refused, per contract key. */
static const char *const REASONS[K_COUNT] = {
    [K_ID] = "id: must be a string of 1-20 digits",
    [K_URL] = "url: must be a string or null",
    [K_TITLE] = "title: must be a string or null",
    [K_SCHEDULED] = "scheduled: must be an ISO-8601 date-time with an offset, or null",
    [K_STARTED] = "started: must be an ISO-8601 date-time with an offset",
    [K_DURATION] = "duration: must be an integer or null",
    [K_PRIMARY_USER] = "primaryUserId: must be a string of 1-20 digits",
    [K_DIRECTION] = "direction: must be one of Inbound, Outbound, Conference, Unknown",
    [K_SYSTEM] = "system: must be a string or null",
    [K_SCOPE] = "scope: must be one of Internal, External, Unknown",
    [K_MEDIA] = "media: must be one of Video, Audio",
    [K_LANGUAGE] = "language: must be three lower-case letters",
    [K_WORKSPACE] = "workspaceId: must be a string of 1-20 digits",
    [K_SDR] = "sdrDisposition: must be a string or null",
    [K_CLIENT_ID] = "clientUniqueId: must be a string or null",
    [K_CUSTOM] = "customData: must be a string or null",
    [K_PURPOSE] = "purpose: must be a string or null",
    [K_MEETING_URL] = "meetingUrl: must be a string or null",
    [K_PRIVATE] = "isPrivate: must be a boolean or null",
    [K_CALENDAR] = "calendarEventId: must be a string or null",
};

static int
is_lower3(const struct field *f)
{
	return f->kind == V_STRING && f->len == 3 && f->s[0] >= 'a' && f->s[0] <= 'z' &&
	       f->s[1] >= 'a' && f->s[1] <= 'z' && f->s[2] >= 'a' && f->s[2] <= 'z';
}

/*
 * Whether f (NULL when the key is absent) is a valid value for contract key c. Only id and
 * started are required; any other key may be absent or null. A date is parsed into *us.
 */
static int
value_ok(int c, const struct field *f, int64_t *us)
{
	if (c == K_ID)
		return f && is_digits(f, STORE_ID_MAX);
	if (c == K_STARTED)
		return f && f->kind == V_STRING &&
		       isotime_parse(f->s, f->len, ISOTIME_REQUIRE_OFFSET, us) == 0;
	if (is_null(f))
		return 1;
	switch (c) {
	case K_SCHEDULED:
		return f->kind == V_STRING &&
		       isotime_parse(f->s, f->len, ISOTIME_REQUIRE_OFFSET, us) == 0;
	case K_DURATION:
		return f->kind == V_INT;
	case K_PRIMARY_USER:
	case K_WORKSPACE:
		return is_digits(f, FILTER_WORKSPACE_MAX);
	case K_DIRECTION:
		return is_one_of(f, DIRECTIONS);
	case K_SCOPE:
		return is_one_of(f, SCOPES);
	case K_MEDIA:
		return is_one_of(f, MEDIAS);
	case K_LANGUAGE:
		return is_lower3(f);
	case K_PRIVATE:
		return f->kind == V_TRUE || f->kind == V_FALSE;
	default:
		return f->kind == V_STRING;
	}
}

/* Checks the call in L->fields against the contract, renders it and keeps it. */
static int
call_add(struct loader *L, size_t index)
{
	const struct field *k[K_COUNT] = {0};
	int64_t when[K_COUNT] = {0};

	for (size_t i = 0; i < L->nfields; i++)
		if (L->fields[i].ckey >= 0)
			k[L->fields[i].ckey] = &L->fields[i];
	/* In the contract's order, so the message names the first bad key. */
	for (int c = 0; c < K_COUNT; c++)
		if (!value_ok(c, k[c], &when[c]))
			return fail_call(L, index, REASONS[c]);

	/* A web conference is dated by its schedule, anything else by its start. */
	int conference = k[K_MEETING_URL] && k[K_MEETING_URL]->kind == V_STRING &&
	                 k[K_MEETING_URL]->len > 0 && !is_null(k[K_SCHEDULED]);

	if (L->nrecs >= UINT32_MAX - 1)
		return fail(L, "too many calls");
	struct rec *recs = grow(L->recs, &L->caprecs, L->nrecs + 1, sizeof(*recs));
	if (!recs)
		return fail_oom(L);
	L->recs = recs;

	struct buf *b = &L->text;
	size_t start = b->len;
	for (int c = 0; c < K_COUNT; c++) {
		/* The first key opens the object where the others have their comma. */
		buf_mem(b, c ? CKEYS[c].prefix : "{\"id\":", CKEYS[c].prefix_len);
		if (k[c]) {
			buf_value(b, k[c]);
		} else if (c == K_URL) {
			buf_lit(b, "\"" STORE_URL_PREFIX);
			buf_mem(b, k[K_ID]->s, k[K_ID]->len);
			buf_lit(b, "\"");
		} else {
			buf_lit(b, "null");
		}
	}
	for (size_t i = 0; i < L->nfields; i++) {
		const struct field *f = &L->fields[i];
		if (f->ckey >= 0)
			continue;
		buf_lit(b, ",");
		buf_string(b, f->key, f->key_len, f->key_plain);
		buf_lit(b, ":");
		buf_value(b, f);
	}
	buf_lit(b, "},");
	if (b->failed)
		return fail_oom(L);
	if (b->len - start - 1 >= REC_DEAD) {
		b->len = start;
		return fail_call(L, index, "call is too large");
	}

	struct rec *r = &L->recs[L->nrecs];
	r->date_us = conference ? when[K_SCHEDULED] : when[K_STARTED];
	id_split(k[K_ID]->s, k[K_ID]->len, &r->id_hi, &r->id_lo);
	r->off = start;
	r->len = (uint32_t)(b->len - start - 1);
	r->ws = STORE_NO_WORKSPACE;
	if (!is_null(k[K_WORKSPACE])) {
		int64_t w = ws_intern(L, k[K_WORKSPACE]->s, k[K_WORKSPACE]->len);
		if (w < 0)
			return fail_oom(L);
		r->ws = (uint32_t)w;
	}
	L->nrecs++;
	L->live++;
	if (id_claim(L, (uint32_t)(L->nrecs - 1)) < 0)
		return fail_oom(L);
	return 0;
}

static int
call_from_json(struct loader *L, const json_t *j, size_t index)
{
	if (!json_is_object(j))
		return fail_call(L, index, "call must be a JSON object");
	if (fields_from_json(L, j) < 0)
		return fail_oom(L);
	return call_add(L, index);
}

/* ---- Reading a file or a buffer. ---- */

struct reader {
	struct loader *L;
	FILE *fp;  /* NULL for a buffer */
	char *buf; /* owned when reading a file */
	size_t cap;
	const char *data; /* the bytes in hand: data[0, len) */
	size_t len;
	size_t pos;    /* first byte not consumed */
	int eof;       /* nothing beyond len */
	uint64_t line; /* line of data[pos], from 1 */
	/* Columns are counted only when a message needs one: data[anchor] is at anchor_col. */
	size_t anchor;
	uint64_t anchor_col;
};

/* Column of data[pos], in characters like jansson's (UTF-8 continuation bytes do not count). */
static uint64_t
reader_col(const struct reader *rd)
{
	uint64_t col = rd->anchor_col;
	for (size_t i = rd->anchor; i < rd->pos; i++)
		col += ((unsigned char)rd->data[i] & 0xc0) != 0x80;
	return col;
}

/*
 * One call from n bytes of text that start at `line` of the file, at the reader's position
 * (rd) or at the start of the line (rd NULL). jansson's positions are within the text, so
 * they are moved to the file's.
 */
static int
call_from_text(struct loader *L, const char *p, size_t n, size_t index, uint64_t line,
               const struct reader *rd)
{
	if (fast_parse(L, p, n) == 0)
		return call_add(L, index);
	json_error_t e;
	json_t *j = json_loadb(p, n, JSON_FLAGS, &e);
	if (!j) {
		if (e.line < 1)
			return fail(L, "not JSON: %s", e.text);
		uint64_t col = rd ? reader_col(rd) : 1;
		uint64_t el = line + (uint64_t)e.line - 1;
		uint64_t ec = e.line == 1 ? col + (uint64_t)(e.column > 0 ? e.column : 1) - 1
		                          : (uint64_t)e.column;
		return fail(L, "not JSON: %s at line %llu column %llu", e.text,
		            (unsigned long long)el, (unsigned long long)ec);
	}
	int rc = call_from_json(L, j, index);
	json_decref(j);
	return rc;
}

/*
 * Reads more of the file: keeps data[pos, len), moves it to the front and appends what can be
 * read, growing the buffer when it is full. Returns 1 when bytes came, 0 at the end, -1 on a
 * read error or out of memory (message set). Offsets from pos stay valid; pointers do not.
 */
static int
reader_fill(struct reader *rd)
{
	if (rd->eof)
		return 0;
	if (rd->pos) {
		rd->anchor_col = reader_col(rd);
		rd->anchor = 0;
		memmove(rd->buf, rd->buf + rd->pos, rd->len - rd->pos);
		rd->len -= rd->pos;
		rd->pos = 0;
	}
	if (rd->len == rd->cap) {
		char *p = grow(rd->buf, &rd->cap, rd->cap ? rd->cap * 2 : STORE_READ_SIZE, 1);
		if (!p)
			return fail_oom(rd->L);
		rd->buf = p;
	}
	rd->data = rd->buf;
	size_t got = fread(rd->buf + rd->len, 1, rd->cap - rd->len, rd->fp);
	if (got == 0) {
		if (ferror(rd->fp))
			return fail(rd->L, "cannot read: %s", strerror(errno));
		rd->eof = 1;
		return 0;
	}
	rd->len += got;
	return 1;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Consumes n bytes, counting lines. */
static void
reader_advance(struct reader *rd, size_t n)
{
	const char *p = rd->data + rd->pos;
	const char *end = p + n;
	const char *nl;
	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		rd->line++;
		p = nl + 1;
		rd->anchor = (size_t)(p - rd->data);
		rd->anchor_col = 1;
	}
	rd->pos += n;
}

/* Skips white space; returns 1 at a non-space byte, 0 at the end, -1 on error. */
static int
reader_skip_ws(struct reader *rd)
{
	for (;;) {
		size_t i = rd->pos;
		while (i < rd->len && is_space(rd->data[i]))
			i++;
		reader_advance(rd, i - rd->pos);
		if (rd->pos < rd->len)
			return 1;
		int r = reader_fill(rd);
		if (r <= 0)
			return r;
	}
}

/* Makes sure the whole input is in hand (a document parsed in one piece). */
static int
reader_fill_all(struct reader *rd)
{
	int r;
	while ((r = reader_fill(rd)) > 0)
		;
	return r;
}

/*
 * Length of the JSON value at pos, found by matching brackets outside strings; the parser
 * then checks it properly. An unterminated value runs to the end of the input.
 */
static int
reader_value_len(struct reader *rd, size_t *len)
{
	for (;;) {
		const char *p = rd->data + rd->pos;
		size_t avail = rd->len - rd->pos, i = 0;
		if (*p == '{' || *p == '[' || *p == '"') {
			size_t depth = 0;
			while (i < avail) {
				char c = p[i];
				if (c == '"') {
					/* The closing quote is the first one after an even run of
					 * backslashes. */
					const char *q = p + i + 1;
					for (;;) {
						q = memchr(q, '"', avail - (size_t)(q - p));
						if (!q)
							break;
						const char *b = q;
						while (b > p && b[-1] == '\\')
							b--;
						if ((q - b) % 2 == 0)
							break;
						q++;
					}
					if (!q)
						break;
					i = (size_t)(q - p) + 1;
					if (depth == 0) {
						*len = i;
						return 0;
					}
					continue;
				}
				if (c == '{' || c == '[') {
					depth++;
				} else if (c == '}' || c == ']') {
					if (depth <= 1) {
						*len = i + 1;
						return 0;
					}
					depth--;
				}
				i++;
			}
		} else {
			while (i < avail && !is_space(p[i]) && p[i] != ',' && p[i] != ']' &&
			       p[i] != '}')
				i++;
			if (i < avail) {
				*len = i ? i : 1;
				return 0;
			}
		}
		int r = reader_fill(rd);
		if (r < 0)
			return -1;
		if (r == 0) {
			*len = rd->len - rd->pos;
			return 0;
		}
	}
}

static int
fail_at(struct reader *rd, const char *what)
{
	return fail(rd->L, "not JSON: %s at line %llu column %llu", what,
	            (unsigned long long)rd->line, (unsigned long long)reader_col(rd));
}

/* A JSON array of calls, element by element; pos is at the '['. */
static int
load_array(struct reader *rd)
{
	size_t index = 0;
	int r;
	reader_advance(rd, 1);
	if ((r = reader_skip_ws(rd)) < 0)
		return -1;
	if (r == 0)
		return fail_at(rd, "']' expected near end of file");
	if (rd->data[rd->pos] != ']') {
		for (;;) {
			size_t len;
			if (reader_value_len(rd, &len) < 0)
				return -1;
			if (call_from_text(rd->L, rd->data + rd->pos, len, index++, rd->line, rd) <
			    0)
				return -1;
			reader_advance(rd, len);
			if ((r = reader_skip_ws(rd)) < 0)
				return -1;
			if (r == 0)
				return fail_at(rd, "']' expected near end of file");
			char c = rd->data[rd->pos];
			if (c == ']')
				break;
			if (c != ',')
				return fail_at(rd, "',' or ']' expected");
			reader_advance(rd, 1);
			if ((r = reader_skip_ws(rd)) < 0)
				return -1;
			if (r == 0)
				return fail_at(rd, "value expected near end of file");
		}
	}
	reader_advance(rd, 1);
	if ((r = reader_skip_ws(rd)) < 0)
		return -1;
	return r ? fail_at(rd, "end of file expected") : 0;
}

/* JSON Lines from pos (the start of a line): one call per line, blank lines skipped. */
static int
load_lines(struct reader *rd)
{
	size_t index = 0;
	for (;;) {
		const char *p = rd->data + rd->pos;
		size_t avail = rd->len - rd->pos;
		const char *nl = memchr(p, '\n', avail);
		if (!nl) {
			int r = reader_fill(rd);
			if (r < 0)
				return -1;
			if (r > 0)
				continue;
			if (avail == 0)
				return 0;
		}
		size_t n = nl ? (size_t)(nl - p) : avail;
		size_t i = 0;
		while (i < n && is_space(p[i]))
			i++;
		if (i < n && call_from_text(rd->L, p, n, index++, rd->line, NULL) < 0)
			return -1;
		rd->pos += nl ? n + 1 : n;
		rd->line++;
		rd->anchor = rd->pos;
		rd->anchor_col = 1;
		if (!nl)
			return 0;
	}
}

/* A document in one piece: a page object with "calls", or one call. */
static int
load_document(struct reader *rd)
{
	json_error_t e;
	if (reader_fill_all(rd) < 0)
		return -1;
	json_t *j = json_loadb(rd->data + rd->pos, rd->len - rd->pos, JSON_FLAGS, &e);
	if (!j)
		return fail(rd->L, "not JSON: %s at line %d column %d", e.text, e.line, e.column);
	int rc = 0;
	const json_t *calls = json_object_get(j, "calls");
	if (json_is_array(calls)) {
		for (size_t i = 0; rc == 0 && i < json_array_size(calls); i++)
			rc = call_from_json(rd->L, json_array_get(calls, i), i);
	} else if (json_is_object(j)) {
		rc = call_from_json(rd->L, j, 0);
	} else {
		rc = fail(rd->L, "expected an array of calls, a page object with \"calls\", or "
		                 "JSON Lines");
	}
	json_decref(j);
	return rc;
}

/*
 * Tells the three formats apart by the first byte that is not white space: `[` is an array;
 * `{` is JSON Lines when the first line holds a whole object and more follows, and otherwise
 * one document (a page object, or a single call); nothing at all is an empty dataset.
 */
static int
load_reader(struct reader *rd)
{
	/* A UTF-8 byte order mark is not JSON, but editors write it. */
	if (rd->len - rd->pos < 3 && reader_fill(rd) < 0)
		return -1;
	if (rd->len - rd->pos >= 3 && memcmp(rd->data + rd->pos, "\xef\xbb\xbf", 3) == 0)
		rd->anchor = rd->pos += 3;

	/* Offsets from pos, which refills move. */
	size_t i = 0;
	int r;
	for (;;) {
		while (rd->pos + i < rd->len && is_space(rd->data[rd->pos + i]))
			i++;
		if (rd->pos + i < rd->len)
			break;
		if ((r = reader_fill(rd)) <= 0)
			return r; /* only white space: no calls */
	}
	if (rd->data[rd->pos + i] == '[') {
		reader_advance(rd, i);
		return load_array(rd);
	}
	if (rd->data[rd->pos + i] != '{')
		return fail(
		    rd->L,
		    "expected an array of calls, a page object with \"calls\", or JSON Lines");

	/* The end of the first line with content, then whether anything but space follows. */
	const char *nl;
	while ((nl = memchr(rd->data + rd->pos + i, '\n', rd->len - rd->pos - i)) == NULL) {
		i = rd->len - rd->pos;
		if ((r = reader_fill(rd)) < 0)
			return -1;
		if (r == 0)
			return load_document(rd);
	}
	size_t line_len = (size_t)(nl - (rd->data + rd->pos));
	i = line_len + 1;
	for (;;) {
		while (rd->pos + i < rd->len && is_space(rd->data[rd->pos + i]))
			i++;
		if (rd->pos + i < rd->len)
			break;
		if ((r = reader_fill(rd)) < 0)
			return -1;
		if (r == 0)
			return load_document(rd);
	}
	/* More follows: JSON Lines if the first line is a whole value, else one document. */
	const char *line = rd->data + rd->pos;
	if (fast_parse(rd->L, line, line_len) == 0)
		return load_lines(rd);
	json_error_t e;
	json_t *j = json_loadb(line, line_len, JSON_FLAGS, &e);
	if (j) {
		json_decref(j);
		return load_lines(rd);
	}
	return load_document(rd);
}

static int
load_file(struct loader *L, const char *path)
{
	struct reader rd = {.L = L, .line = 1, .anchor_col = 1};
	L->name = path;
	rd.fp = fopen(path, "rb");
	if (!rd.fp)
		return fail(L, "cannot read: %s", strerror(errno));
	int rc = load_reader(&rd);
	fclose(rd.fp);
	free(rd.buf);
	return rc;
}

/* ---- Building the store from what was read. ---- */

struct skey {
	int64_t date_us;
	uint64_t id_hi;
	uint64_t id_lo;
	uint32_t rec;
};

static int
pos_cmp(int64_t ad, uint64_t ah, uint64_t al, int64_t bd, uint64_t bh, uint64_t bl)
{
	if (ad != bd)
		return ad < bd ? -1 : 1;
	if (ah != bh)
		return ah < bh ? -1 : 1;
	if (al != bl)
		return al < bl ? -1 : 1;
	return 0;
}

static int
skey_cmp(const void *pa, const void *pb)
{
	const struct skey *a = pa, *b = pb;
	return pos_cmp(a->date_us, a->id_hi, a->id_lo, b->date_us, b->id_hi, b->id_lo);
}

static int
ws_cmp(const void *pa, const void *pb)
{
	const struct store_ws *a = pa, *b = pb;
	return strcmp(a->id, b->id);
}

static void
loader_free(struct loader *L)
{
	free(L->text.p);
	free(L->recs);
	free(L->idtab);
	free(L->ws);
	free(L->wstab);
	free(L->fields);
	free(L->dec);
}

/*
 * Sorts the live calls and puts their text in that order: where it is when the input came
 * sorted without duplicates, else in a new buffer (see the copy below for its memory).
 */
static struct store *
loader_build(struct loader *L)
{
	struct store *s = calloc(1, sizeof(*s));
	struct skey *keys = NULL;
	size_t *dest = NULL;
	size_t n = L->live;
	if (!s)
		goto oom;
	free(L->idtab);
	L->idtab = NULL;
	free(L->wstab);
	L->wstab = NULL;
	free(L->fields);
	L->fields = NULL;
	free(L->dec);
	L->dec = NULL;

	if (n) {
		keys = malloc(n * sizeof(*keys));
		if (!keys)
			goto oom;
	}
	size_t k = 0;
	int sorted = 1;
	for (size_t i = 0; i < L->nrecs; i++) {
		const struct rec *r = &L->recs[i];
		if (r->len == REC_DEAD)
			continue;
		keys[k] = (struct skey){r->date_us, r->id_hi, r->id_lo, (uint32_t)i};
		if (k && sorted && skey_cmp(&keys[k - 1], &keys[k]) > 0)
			sorted = 0;
		k++;
		if (r->ws != STORE_NO_WORKSPACE)
			L->ws[r->ws].count++;
	}
	if (!sorted)
		qsort(keys, n, sizeof(*keys), skey_cmp);

	/* Workspaces that kept at least one call, sorted by id. */
	for (size_t w = 0; w < L->nws; w++)
		s->nws += L->ws[w].count > 0;
	if (s->nws) {
		s->ws = calloc(s->nws, sizeof(*s->ws));
		if (!s->ws)
			goto oom;
		size_t m = 0;
		for (size_t w = 0; w < L->nws; w++) {
			if (!L->ws[w].count)
				continue;
			memcpy(s->ws[m].id, L->ws[w].id, sizeof(s->ws[m].id));
			s->ws[m].count = L->ws[w].count;
			s->ws[m].first = w; /* remembers the loader's index until sorted */
			m++;
		}
		qsort(s->ws, s->nws, sizeof(*s->ws), ws_cmp);
		size_t first = 0;
		for (size_t w = 0; w < s->nws; w++) {
			L->ws[s->ws[w].first].final = (uint32_t)w;
			s->ws[w].first = first;
			first += s->ws[w].count;
		}
	}

	int in_place = sorted && n == L->nrecs;
	if (n) {
		s->calls = malloc(n * sizeof(*s->calls));
		dest = in_place ? NULL : malloc(L->nrecs * sizeof(*dest));
		if (!s->calls || (!in_place && !dest))
			goto oom;
	}
	size_t total = 0;
	for (size_t r = 0; r < n; r++) {
		const struct rec *rec = &L->recs[keys[r].rec];
		struct store_call *c = &s->calls[r];
		c->date_us = rec->date_us;
		c->id_hi = rec->id_hi;
		c->id_lo = rec->id_lo;
		c->json_len = rec->len;
		c->workspace =
		    rec->ws == STORE_NO_WORKSPACE ? STORE_NO_WORKSPACE : L->ws[rec->ws].final;
		if (dest)
			dest[keys[r].rec] = total;
		total += (size_t)rec->len + 1;
	}
	free(keys);
	keys = NULL;
	s->ncalls = n;
	s->arena_len = total;
	if (in_place && n) {
		/* The text is the buffer: only its spare capacity goes. */
		char *p = realloc(L->text.p, total);
		s->arena = p ? p : L->text.p;
		L->text.p = NULL;
	} else if (n) {
		/*
		 * The copy walks the calls from the last one read to the first, so the old buffer
		 * can be cut down behind it (realloc shrinks large blocks in place, giving the
		 * pages back): both buffers are never whole at the same time.
		 */
		s->arena = malloc(total);
		if (!s->arena)
			goto oom;
		size_t kept = L->text.len;
		for (size_t i = L->nrecs; i-- > 0;) {
			const struct rec *r = &L->recs[i];
			if (r->len != REC_DEAD)
				memcpy(s->arena + dest[i], L->text.p + r->off, (size_t)r->len + 1);
			if (r->off && kept - r->off >= STORE_SHRINK_STEP) {
				char *p = realloc(L->text.p, r->off);
				if (p) {
					L->text.p = p;
					L->text.cap = r->off;
				}
				kept = r->off;
			}
		}
	}
	for (size_t r = 0, off = 0; r < n; r++) {
		s->calls[r].json = s->arena + off;
		off += (size_t)s->calls[r].json_len + 1;
	}
	free(dest);
	dest = NULL;

	/* Each workspace's calls, in the store's order. */
	if (s->nws) {
		size_t *fill = calloc(s->nws, sizeof(*fill));
		s->ws_calls = malloc(n * sizeof(*s->ws_calls));
		if (!fill || !s->ws_calls) {
			free(fill);
			goto oom;
		}
		for (size_t r = 0; r < n; r++) {
			uint32_t w = s->calls[r].workspace;
			if (w != STORE_NO_WORKSPACE)
				s->ws_calls[s->ws[w].first + fill[w]++] = (uint32_t)r;
		}
		free(fill);
	}
	return s;
oom:
	free(keys);
	free(dest);
	store_free(s);
	fail_oom(L);
	return NULL;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The regular .json/.jsonl files of a directory, in name order. */
static int
load_dir(struct loader *L, const char *path)
{
	DIR *d = opendir(path);
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;
	struct dirent *de;
	L->name = path;
	if (!d)
		return fail(L, "cannot read: %s", strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (!has_suffix(de->d_name, ".json") && !has_suffix(de->d_name, ".jsonl"))
			continue;
		size_t len = strlen(path) + 1 + strlen(de->d_name) + 1;
		char *full = malloc(len);
		char **more = full ? grow(names, &cap, n + 1, sizeof(*names)) : NULL;
		if (!more) {
			free(full);
			fail_oom(L);
			goto out;
		}
		names = more;
		snprintf(full, len, "%s/%s", path, de->d_name);
		struct stat st;
		if (stat(full, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(full);
			continue;
		}
		names[n++] = full;
	}
	if (n == 0) {
		fail(L, "no .json or .jsonl files");
		goto out;
	}
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++)
		if (load_file(L, names[i]) < 0)
			goto out;
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

struct store *
store_load(const char *path, char *err, size_t errlen)
{
	struct loader L = {.err = err, .errlen = errlen, .name = path};
	struct stat st;
	struct store *s = NULL;
	int rc;
	if (err && errlen)
		err[0] = '\0';
	if (stat(path, &st) < 0)
		rc = fail(&L, "cannot read: %s", strerror(errno));
	else if (S_ISDIR(st.st_mode))
		rc = load_dir(&L, path);
	else
		rc = load_file(&L, path);
	if (rc == 0) {
		L.name = path;
		s = loader_build(&L);
	}
	loader_free(&L);
	return s;
}

struct store *
store_load_buffer(const char *name, const char *data, size_t len, char *err, size_t errlen)
{
	struct loader L = {.err = err, .errlen = errlen, .name = name};
	struct reader rd = {.L = &L,
	                    .data = data ? data : "",
	                    .len = data ? len : 0,
	                    .eof = 1,
	                    .line = 1,
	                    .anchor_col = 1};
	struct store *s = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (load_reader(&rd) == 0)
		s = loader_build(&L);
	loader_free(&L);
	return s;
}

void
store_free(struct store *s)
{
	if (!s)
		return;
	free(s->arena);
	free(s->calls);
	free(s->ws);
	free(s->ws_calls);
	free(s);
}

size_t
store_count(const struct store *s)
{
	return s->ncalls;
}

size_t
store_workspace_count(const struct store *s)
{
	return s->nws;
}

void
store_date_span(const struct store *s, int64_t *first_us, int64_t *last_us)
{
	*first_us = s->ncalls ? s->calls[0].date_us : 0;
	*last_us = s->ncalls ? s->calls[s->ncalls - 1].date_us : 0;
}

int
store_pos_make(int64_t date_us, const char *id, struct store_pos *pos)
{
	size_t n = 0;
	while (id[n]) {
		if (id[n] < '0' || id[n] > '9' || n == STORE_ID_MAX)
			return -1;
		n++;
	}
	if (n == 0)
		return -1;
	pos->date_us = date_us;
	id_split(id, n, &pos->id_hi, &pos->id_lo);
	return 0;
}

void
store_id_format(uint64_t id_hi, uint64_t id_lo, char out[STORE_ID_MAX + 1])
{
	/* Twenty digits, hi's ten then lo's ten, without the leading zeros. */
	char digits[STORE_ID_MAX];
	id_hi %= 10000000000ULL;
	id_lo %= 10000000000ULL;
	for (int i = STORE_ID_MAX - 1; i >= 0; i--) {
		uint64_t *part = i >= 10 ? &id_lo : &id_hi;
		digits[i] = (char)('0' + *part % 10);
		*part /= 10;
	}
	int start = 0;
	while (start < STORE_ID_MAX - 1 && digits[start] == '0')
		start++;
	memcpy(out, digits + start, (size_t)(STORE_ID_MAX - start));
	out[STORE_ID_MAX - start] = '\0';
}

/* The calls a query walks: all of them, or one workspace's. */
struct view {
	const struct store_call *calls;
	const uint32_t *index; /* NULL: the identity */
	size_t n;
};

static const struct store_call *
view_at(const struct view *v, size_t i)
{
	return v->index ? &v->calls[v->index[i]] : &v->calls[i];
}

/* First position whose date is >= date_us. */
static size_t
view_date_bound(const struct view *v, int64_t date_us)
{
	size_t lo = 0, hi = v->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (view_at(v, mid)->date_us < date_us)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* First position strictly after p. */
static size_t
view_after(const struct view *v, const struct store_pos *p)
{
	size_t lo = 0, hi = v->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct store_call *c = view_at(v, mid);
		if (pos_cmp(c->date_us, c->id_hi, c->id_lo, p->date_us, p->id_hi, p->id_lo) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
store_query(const struct store *s, const struct filter *f, const struct store_pos *after,
            size_t limit, struct store_page *page)
{
	struct view v = {s->calls, NULL, s->ncalls};
	page->total = page->remaining = 0;
	page->count = 0;
	if (f->has_workspace) {
		size_t lo = 0, hi = s->nws;
		const struct store_ws *w = NULL;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = strcmp(s->ws[mid].id, f->workspace);
			if (c == 0) {
				w = &s->ws[mid];
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!w)
			return;
		v.index = s->ws_calls + w->first;
		v.n = w->count;
	}
	size_t first = f->has_from ? view_date_bound(&v, f->from_us) : 0;
	size_t end = f->has_to ? view_date_bound(&v, f->to_us) : v.n;
	if (end < first)
		end = first;
	size_t start = first;
	if (after) {
		size_t a = view_after(&v, after);
		if (a > start)
			start = a;
		if (start > end)
			start = end;
	}
	size_t count = end - start < limit ? end - start : limit;
	for (size_t i = 0; i < count; i++)
		page->calls[i] = view_at(&v, start + i);
	page->total = end - first;
	page->count = count;
	page->remaining = end - start - count;
}

/*
 * The slot. Readers never lock: a reader announces itself in one of two counters, chosen by
 * the epoch, before it reads `current`, and withdraws when it is done. The writer publishes the
 * new store first, then waits for both counters to drain, one after the other:
 *
 *   - A reader that can hold the old store read `current` before the writer replaced it, and
 *     its increment came before that read; with sequentially consistent atomics there is one
 *     order of all these operations, so the writer's later waits see the increment and cannot
 *     pass until the matching decrement. Whichever counter the reader picked (the current
 *     epoch's, or the other one, if it read the epoch before an earlier swap flipped it), the
 *     writer waits on both, so the old store is freed only when no reader can hold it.
 *   - Two counters keep the writer from waiting forever: it first drains the counter not in
 *     use (only late readers of an earlier epoch are in it, and no new reader joins it), then
 *     flips the epoch, so that new readers count in the other counter, and drains the old
 *     epoch's counter, which new readers no longer join either.
 */
struct store_slot {
	_Atomic(struct store *) current;
	atomic_uint epoch;
	atomic_size_t active[2];
};

struct store_slot *
store_slot_create(struct store *s)
{
	struct store_slot *slot = malloc(sizeof(*slot));
	if (!slot)
		return NULL;
	atomic_init(&slot->current, s);
	atomic_init(&slot->epoch, 0);
	atomic_init(&slot->active[0], 0);
	atomic_init(&slot->active[1], 0);
	return slot;
}

void
store_slot_free(struct store_slot *slot)
{
	if (!slot)
		return;
	store_free(atomic_load(&slot->current));
	free(slot);
}

const struct store *
store_slot_acquire(struct store_slot *slot, unsigned *ticket)
{
	unsigned e = atomic_load(&slot->epoch) & 1;
	atomic_fetch_add(&slot->active[e], 1);
	*ticket = e;
	return atomic_load(&slot->current);
}

void
store_slot_release(struct store_slot *slot, unsigned ticket)
{
	atomic_fetch_sub(&slot->active[ticket & 1], 1);
}

static void
slot_drain(atomic_size_t *counter)
{
	/* Readers hold a store for one request: a short sleep wastes less than spinning. */
	const struct timespec pause = {0, 50000};
	while (atomic_load(counter) != 0)
		nanosleep(&pause, NULL);
}

void
store_slot_swap(struct store_slot *slot, struct store *s)
{
	struct store *old = atomic_exchange(&slot->current, s);
	unsigned e = atomic_load(&slot->epoch) & 1;
	slot_drain(&slot->active[e ^ 1]);
	atomic_store(&slot->epoch, e ^ 1);
	slot_drain(&slot->active[e]);
	store_free(old);
}
