/*
 * cassette.c - recording exchanges with the upstream as JSON Lines, and answering requests from
 * such a file.
 *
 * The recorder turns one exchange into one line (keys in a fixed order, credentials reduced to
 * a salted, deliberately slow fingerprint, chosen free-text fields of the calls redacted) and
 * appends it with a single write under a mutex; the first write that fails is undone and ends
 * the recording, so the file never holds half a line followed by more. The loader reads a whole
 * cassette once, renders every body to the bytes it will be served as, and groups identical
 * requests under a canonical key in a hash table, so that answering is one lookup; the file is
 * scanned only to explain a miss. The module also lifts the calls out of a cassette for use as a
 * dataset. It does not speak HTTP, forward anything, or decide what gets recorded: the caller hands
 * it finished exchanges.
 */
#include "cassette.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isotime.h"

#define US_PER_SEC INT64_C(1000000)

/* Every JSON text this module writes: compact, keys in insertion order. */
#define CASSETTE_DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER)

/*
 * Lines are read with JSON_ALLOW_NUL because a decoded query value may hold a NUL byte (%00),
 * which the recorder writes as \u0000; refusing it on the way back would make such a line
 * unreadable.
 */
#define CASSETTE_LOAD_FLAGS JSON_ALLOW_NUL

/* What a redacted value becomes. */
#define CASSETTE_REDACTED "REDACTED"

/*
 * The free-text fields of a call. The id, the dates, the enums, the numbers and the user and
 * workspace ids stay, because a cassette loaded as a dataset needs them to filter and page.
 */
static const char *const cassette_free_text[] = {
    "title",          "url",
    "meetingUrl",     "customData",
    "purpose",        "sdrDisposition",
    "clientUniqueId", "calendarEventId",
};
#define CASSETTE_FREE_TEXT (sizeof(cassette_free_text) / sizeof(cassette_free_text[0]))

/* The only response headers a cassette keeps, as they are written. */
#define HDR_CONTENT_TYPE "Content-Type"
#define HDR_RETRY_AFTER "Retry-After"
#define HDR_TRACEID "x-traceid"
#define HDR_WWW_AUTHENTICATE "WWW-Authenticate"
#define HDR_ALLOW "Allow"

/* Copies a message into a caller's err buffer, which may be NULL or empty. */
static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * A growing byte buffer. An allocation failure is remembered rather than reported at each
 * append, so that a builder can append freely and check once at the end.
 */
struct cbuf {
	char *p;
	size_t len;
	size_t cap;
	bool oom;
};

static void
cbuf_add(struct cbuf *b, const void *s, size_t n)
{
	if (b->oom)
		return;
	if (b->cap - b->len <= n) {
		size_t cap = b->cap != 0 ? b->cap : 256;
		char *p;

		while (cap - b->len <= n) {
			if (cap > SIZE_MAX / 2) {
				b->oom = true;
				return;
			}
			cap *= 2;
		}
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
cbuf_str(struct cbuf *b, const char *s)
{
	cbuf_add(b, s, strlen(s));
}

static void
cbuf_num(struct cbuf *b, uintmax_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%ju", v);

	cbuf_add(b, tmp, (size_t)n);
}

static void
cbuf_free(struct cbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/*
 * The length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF), or 0 when s does not start one. A NUL byte counts as a
 * sequence of one, since JSON can carry it as \u0000.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned min;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static bool
utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(u + i, n - i);

		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

/*
 * Appends s to b with every byte that is not part of well-formed UTF-8 replaced by U+FFFD.
 * JSON text must be UTF-8, so this is what the recorder writes for a query value such as %FF;
 * replay passes incoming values through the same function, so such a request still finds its
 * recording.
 */
static void
utf8_clean(struct cbuf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0, i = 0;

	while (i < n) {
		size_t k = utf8_seq(u + i, n - i);

		if (k != 0) {
			i += k;
			continue;
		}
		cbuf_add(b, s + run, i - run);
		cbuf_add(b, "\xef\xbf\xbd", 3);
		run = ++i;
	}
	cbuf_add(b, s + run, n - run);
}

/* A JSON string of n bytes at s (NULL: empty), made valid UTF-8 first when it is not. */
static json_t *
json_clean_string(const char *s, size_t n)
{
	struct cbuf b = {0};
	json_t *j;

	if (s == NULL)
		return json_string("");
	if (utf8_valid(s, n))
		return json_stringn(s, n);
	utf8_clean(&b, s, n);
	j = b.oom ? NULL : json_stringn(b.p != NULL ? b.p : "", b.len);
	cbuf_free(&b);
	return j;
}

/*
 * Fingerprints.
 */

/* The salted form: "pbkdf2-sha256$ROUNDS$SALT$HASH". */
#define FP_SCHEME "pbkdf2-sha256$"
/* Bytes of the derived key written, as 16 hex digits: enough to tell credentials apart. */
#define FP_HASH_LEN 8
/* Hex digits of the old unsalted form: a SHA-256 prefix. */
#define FP_UNSALTED_LEN 12
/* The rounds a fingerprint may ask for: a cassette is trusted input, but not a hang. */
#define FP_ITERATIONS_MAX 10000000u

static void
hex_put(char *out, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

/* Reads exactly 2n lowercase hex digits, as hex_put writes them; -1 on anything else. */
static int
hex_get(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < 2 * n; i++) {
		int v;

		if (s[i] >= '0' && s[i] <= '9')
			v = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			v = s[i] - 'a' + 10;
		else
			return -1;
		if (i % 2 == 0)
			out[i / 2] = (unsigned char)(v << 4);
		else
			out[i / 2] |= (unsigned char)v;
	}
	return 0;
}

/*
 * The fingerprint cassettes held before salting: the first 12 hex digits of the SHA-256 of
 * the value. Only computed to match such cassettes on replay, never written.
 */
static void
fingerprint_unsalted(const char *authorization, char out[FP_UNSALTED_LEN + 1])
{
	unsigned char digest[32];

	out[0] = '\0';
	if (authorization == NULL)
		return;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, authorization, strlen(authorization), digest) != 0)
		memset(digest, 0, sizeof(digest));
	hex_put(out, digest, FP_UNSALTED_LEN / 2);
}

int
cassette_fingerprint(const char *authorization, const unsigned char salt[CASSETTE_SALT_LEN],
                     unsigned iterations, char out[CASSETTE_FINGERPRINT_MAX])
{
	unsigned char key[FP_HASH_LEN];
	gnutls_datum_t pw, sd;
	int n;

	out[0] = '\0';
	if (authorization == NULL)
		return 0;
	if (iterations < 1 || iterations > FP_ITERATIONS_MAX)
		return -1;
	pw.data = (unsigned char *)authorization;
	pw.size = (unsigned)strlen(authorization);
	sd.data = (unsigned char *)salt;
	sd.size = CASSETTE_SALT_LEN;
	if (gnutls_pbkdf2(GNUTLS_MAC_SHA256, &pw, &sd, iterations, key, sizeof(key)) != 0)
		return -1;
	n = snprintf(out, CASSETTE_FINGERPRINT_MAX, FP_SCHEME "%u$", iterations);
	hex_put(out + n, salt, CASSETTE_SALT_LEN);
	n += 2 * CASSETTE_SALT_LEN;
	out[n++] = '$';
	hex_put(out + n, key, sizeof(key));
	return 0;
}

/*
 * Reads the salt and rounds of a salted fingerprint written exactly as cassette_fingerprint
 * writes it (so that the text a replay derives can equal it byte for byte). -1 when s is
 * anything else.
 */
static int
fingerprint_parse(const char *s, unsigned char salt[CASSETTE_SALT_LEN], unsigned *iterations)
{
	const size_t plen = strlen(FP_SCHEME);
	unsigned long v = 0;
	unsigned char hash[FP_HASH_LEN];
	const char *p;

	if (strncmp(s, FP_SCHEME, plen) != 0)
		return -1;
	p = s + plen;
	if (*p < '1' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > FP_ITERATIONS_MAX)
			return -1;
	}
	if (*p++ != '$' || hex_get(p, salt, CASSETTE_SALT_LEN) != 0)
		return -1;
	p += 2 * CASSETTE_SALT_LEN;
	if (*p++ != '$' || hex_get(p, hash, FP_HASH_LEN) != 0 || p[2 * FP_HASH_LEN] != '\0')
		return -1;
	*iterations = (unsigned)v;
	return 0;
}

/* The hash part of a salted fingerprint (what messages show), or s itself. */
static const char *
fingerprint_short(const char *s)
{
	const char *d = strrchr(s, '$');

	return strncmp(s, FP_SCHEME, strlen(FP_SCHEME)) == 0 && d != NULL ? d + 1 : s;
}

/*
 * Derived fingerprints, per credential, for one salt. A slot is found by the SHA-256 of the
 * Authorization value, so the value itself is not kept. The derivation runs outside the lock
 * (it takes a tenth of a second); a thread that wants a credential another thread is deriving
 * waits for that result instead of deriving it again. The least recently used slot makes room.
 */
#define FP_CACHE_SLOTS 128
/* How often a thread waits for others' derivations before it derives on its own. */
#define FP_CACHE_WAITS 64

struct fp_slot {
	unsigned char key[32];
	char fp[CASSETTE_FINGERPRINT_MAX];
	uint64_t used; /* when last used (the cache's tick); 0: free */
	bool ready;    /* false while a thread derives it */
};

struct fp_cache {
	pthread_mutex_t lock;
	pthread_cond_t done;
	bool ok; /* lock and done are initialised */
	unsigned char salt[CASSETTE_SALT_LEN];
	unsigned iterations;
	uint64_t tick;
	struct fp_slot slots[FP_CACHE_SLOTS];
};

static int
fp_cache_init(struct fp_cache *fc)
{
	memset(fc, 0, sizeof(*fc));
	if (pthread_mutex_init(&fc->lock, NULL) != 0)
		return -1;
	if (pthread_cond_init(&fc->done, NULL) != 0) {
		pthread_mutex_destroy(&fc->lock);
		return -1;
	}
	fc->ok = true;
	return 0;
}

static void
fp_cache_destroy(struct fp_cache *fc)
{
	if (!fc->ok)
		return;
	pthread_cond_destroy(&fc->done);
	pthread_mutex_destroy(&fc->lock);
	/* Not a secret, but no reason to leave the fingerprints of credentials in freed memory. */
	memset(fc->slots, 0, sizeof(fc->slots));
	fc->ok = false;
}

/* The slot for key, or NULL. Called with the lock held. */
static struct fp_slot *
fp_cache_find(struct fp_cache *fc, const unsigned char key[32])
{
	for (size_t i = 0; i < FP_CACHE_SLOTS; i++)
		if (fc->slots[i].used != 0 && memcmp(fc->slots[i].key, key, 32) == 0)
			return &fc->slots[i];
	return NULL;
}

/* A free slot, or the least recently used ready one; NULL when every slot is being derived. */
static struct fp_slot *
fp_cache_victim(struct fp_cache *fc)
{
	struct fp_slot *best = NULL;

	for (size_t i = 0; i < FP_CACHE_SLOTS; i++) {
		struct fp_slot *s = &fc->slots[i];

		if (s->used == 0)
			return s;
		if (s->ready && (best == NULL || s->used < best->used))
			best = s;
	}
	return best;
}

/* The fingerprint of authorization with the cache's salt, into out; 0, or -1 with out "". */
static int
fp_cache_get(struct fp_cache *fc, const char *authorization, char out[CASSETTE_FINGERPRINT_MAX])
{
	unsigned char key[32];
	struct fp_slot *s = NULL;
	int rc;

	out[0] = '\0';
	if (authorization == NULL)
		return 0;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, authorization, strlen(authorization), key) != 0)
		return cassette_fingerprint(authorization, fc->salt, fc->iterations, out);
	pthread_mutex_lock(&fc->lock);
	for (int waits = 0;; waits++) {
		s = fp_cache_find(fc, key);
		if (s != NULL && s->ready) {
			memcpy(out, s->fp, sizeof(s->fp));
			s->used = ++fc->tick;
			pthread_mutex_unlock(&fc->lock);
			return 0;
		}
		if (s == NULL || waits == FP_CACHE_WAITS)
			break;
		pthread_cond_wait(&fc->done, &fc->lock);
	}
	s = s == NULL ? fp_cache_victim(fc) : NULL;
	if (s != NULL) {
		memcpy(s->key, key, sizeof(key));
		s->ready = false;
		s->used = ++fc->tick;
	}
	pthread_mutex_unlock(&fc->lock);

	rc = cassette_fingerprint(authorization, fc->salt, fc->iterations, out);
	if (s == NULL)
		return rc;
	pthread_mutex_lock(&fc->lock);
	if (rc == 0) {
		memcpy(s->fp, out, sizeof(s->fp));
		s->ready = true;
	} else {
		s->used = 0; /* the next asker tries again */
	}
	pthread_cond_broadcast(&fc->done);
	pthread_mutex_unlock(&fc->lock);
	return rc;
}

int
cassette_redactable(const char *field)
{
	if (field == NULL)
		return 0;
	for (size_t i = 0; i < CASSETTE_FREE_TEXT; i++)
		if (strcmp(field, cassette_free_text[i]) == 0)
			return 1;
	return 0;
}

/*
 * Reading cassettes, line by line.
 */

/* True when the n bytes at s are only JSON white space (a blank line, perhaps with a CR). */
static bool
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

/* Skips a UTF-8 byte-order mark, which some editors put at the start of a file. */
static size_t
bom_len(const char *s, size_t n)
{
	return n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

/* The object member `key` of o, compared without regard to case, or NULL. */
static json_t *
json_get_nocase(json_t *o, const char *key)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v)
	{
		if (strcasecmp(k, key) == 0)
			return v;
	}
	return NULL;
}

/* A string of the line without a NUL byte, which the fields read into C strings cannot hold. */
static bool
json_is_cstring(const json_t *j)
{
	return json_is_string(j) && strlen(json_string_value(j)) == json_string_length(j);
}

/* One exchange line, checked, as jansson values that live as long as the parsed line. */
struct exchange_view {
	const char *method;
	const char *path;
	json_t *query; /* an array of [name, value] string pairs, or NULL */
	const char *credential;
	unsigned status;
	const char *content_type; /* NULL when not recorded */
	const char *retry_after;
	const char *traceid;
	const char *www_authenticate;
	const char *allow;
	json_t *body; /* NULL when not recorded */
};

/* Reads one header of the recorded response; 0, or -1 with the reason. */
static int
view_header(json_t *headers, const char *name, const char **out, char *reason, size_t rlen)
{
	json_t *v;

	*out = NULL;
	if (headers == NULL)
		return 0;
	v = json_get_nocase(headers, name);
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_cstring(v)) {
		set_err(reason, rlen, "\"response.headers.%s\" must be a string", name);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

/*
 * Checks that root is an exchange as the recorder writes it and fills *v. Only what replay
 * and the dataset need is demanded: `time` and `latencyMs` are informative and may be absent,
 * as may the query, the credential, the headers and the body, so that a hand-written
 * cassette stays short.
 */
static int
view_parse(json_t *root, struct exchange_view *v, char *reason, size_t rlen)
{
	json_t *req, *resp, *j, *headers;
	size_t i;

	memset(v, 0, sizeof(*v));
	if (!json_is_object(root)) {
		set_err(reason, rlen, "not a JSON object");
		return -1;
	}
	req = json_object_get(root, "request");
	resp = json_object_get(root, "response");
	if (!json_is_object(req)) {
		set_err(reason, rlen, "\"request\" must be an object");
		return -1;
	}
	if (!json_is_object(resp)) {
		set_err(reason, rlen, "\"response\" must be an object");
		return -1;
	}
	j = json_object_get(req, "method");
	if (!json_is_cstring(j) || json_string_length(j) == 0) {
		set_err(reason, rlen, "\"request.method\" must be a non-empty string");
		return -1;
	}
	v->method = json_string_value(j);
	j = json_object_get(req, "path");
	if (!json_is_cstring(j)) {
		set_err(reason, rlen, "\"request.path\" must be a string");
		return -1;
	}
	v->path = json_string_value(j);
	j = json_object_get(req, "query");
	if (j != NULL && !json_is_null(j)) {
		json_t *pair;

		if (!json_is_array(j)) {
			set_err(reason, rlen, "\"request.query\" must be an array");
			return -1;
		}
		json_array_foreach(j, i, pair)
		{
			if (!json_is_array(pair) || json_array_size(pair) != 2 ||
			    !json_is_cstring(json_array_get(pair, 0)) ||
			    !json_is_string(json_array_get(pair, 1))) {
				set_err(reason, rlen,
				        "\"request.query\" item %zu must be a [name, value] pair "
				        "of strings",
				        i);
				return -1;
			}
		}
		v->query = j;
	}
	j = json_object_get(req, "credential");
	v->credential = "";
	if (j != NULL && !json_is_null(j)) {
		if (!json_is_cstring(j)) {
			set_err(reason, rlen, "\"request.credential\" must be a string");
			return -1;
		}
		v->credential = json_string_value(j);
	}
	j = json_object_get(resp, "status");
	if (!json_is_integer(j) || json_integer_value(j) < 100 || json_integer_value(j) > 599) {
		set_err(reason, rlen, "\"response.status\" must be an HTTP status (100 to 599)");
		return -1;
	}
	v->status = (unsigned)json_integer_value(j);
	headers = json_object_get(resp, "headers");
	if (headers != NULL && json_is_null(headers))
		headers = NULL;
	if (headers != NULL && !json_is_object(headers)) {
		set_err(reason, rlen, "\"response.headers\" must be an object");
		return -1;
	}
	if (view_header(headers, HDR_CONTENT_TYPE, &v->content_type, reason, rlen) < 0 ||
	    view_header(headers, HDR_RETRY_AFTER, &v->retry_after, reason, rlen) < 0 ||
	    view_header(headers, HDR_TRACEID, &v->traceid, reason, rlen) < 0 ||
	    view_header(headers, HDR_WWW_AUTHENTICATE, &v->www_authenticate, reason, rlen) < 0 ||
	    view_header(headers, HDR_ALLOW, &v->allow, reason, rlen) < 0)
		return -1;
	v->body = json_object_get(resp, "body");
	return 0;
}

/*
 * Feeds every non-blank line of the file at path, parsed, to fn, which returns 0, or -1 with
 * the reason (without file or line). A line that is not JSON, or that fn refuses, stops the
 * walk with "PATH: line N: REASON" in err; but a last line without its newline that is not
 * JSON is what a recording cut short leaves behind (a crash, a full disk), and everything
 * before it is whole: that line alone is dropped, and said so in warn.
 */
static int
each_line(const char *path,
          int (*fn)(void *ctx, json_t *root, size_t line, char *reason, size_t rlen), void *ctx,
          char *warn, size_t warnlen, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int rc = 0;

	set_err(warn, warnlen, "%s", "");
	if (f == NULL) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	errno = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		char reason[256];
		json_error_t jerr;
		json_t *root;
		size_t skip = 0;

		if (++lineno == 1)
			skip = bom_len(line, (size_t)n);
		if (blank(line + skip, (size_t)n - skip))
			continue;
		root = json_loadb(line + skip, (size_t)n - skip, CASSETTE_LOAD_FLAGS, &jerr);
		if (root == NULL && line[n - 1] != '\n') {
			/* getline returns a line without its newline only at the end of the file.
			 */
			set_err(
			    warn, warnlen,
			    "%s: line %zu: dropped: the last line is cut short (no newline, not "
			    "JSON), as an interrupted recording leaves it; the lines before it "
			    "are read",
			    path, lineno);
			break;
		}
		if (root == NULL) {
			set_err(err, errlen, "%s: line %zu: not JSON: %s (column %d)", path, lineno,
			        jerr.text, jerr.column);
			rc = -1;
			break;
		}
		reason[0] = '\0';
		rc = fn(ctx, root, lineno, reason, sizeof(reason));
		json_decref(root);
		if (rc < 0) {
			set_err(err, errlen, "%s: line %zu: %s", path, lineno, reason);
			break;
		}
		errno = 0;
	}
	if (rc == 0 && ferror(f)) {
		set_err(err, errlen, "%s: %s", path, strerror(errno != 0 ? errno : EIO));
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

/* What the first non-blank line of a file is. */
enum first_line {
	FIRST_UNREADABLE = -1,
	FIRST_NONE = 0, /* empty, or only blank lines */
	FIRST_EXCHANGE,
	FIRST_OTHER
};

/*
 * Reads lines only up to the first non-blank one. A file that starts with anything but `{`
 * (a JSON array of calls, say) is told apart without parsing; only an object line is parsed.
 */
static enum first_line
first_line_kind(const char *path, char *err, size_t errlen)
{
	enum first_line kind = FIRST_NONE;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	struct stat st;
	ssize_t n;
	FILE *f;

	/*
	 * Only a regular file is looked into: reading a line from a pipe or a terminal
	 * (`--record /dev/stdout`) would block, or take the line from its real reader.
	 */
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		set_err(err, errlen, "%s: not a regular file", path);
		return FIRST_UNREADABLE;
	}
	f = fopen(path, "r");
	if (f == NULL) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return FIRST_UNREADABLE;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		size_t skip = ++lineno == 1 ? bom_len(line, (size_t)n) : 0;
		size_t i = skip;
		json_t *root;

		if (blank(line + skip, (size_t)n - skip))
			continue;
		/* The same white space the loader lets through before a line's JSON. */
		while (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')
			i++;
		kind = FIRST_OTHER;
		if (line[i] != '{')
			break;
		root = json_loadb(line + skip, (size_t)n - skip, CASSETTE_LOAD_FLAGS, NULL);
		if (json_is_object(json_object_get(root, "request")) &&
		    json_is_object(json_object_get(root, "response")))
			kind = FIRST_EXCHANGE;
		json_decref(root);
		break;
	}
	if (kind == FIRST_NONE && ferror(f)) {
		set_err(err, errlen, "%s: %s", path, strerror(errno != 0 ? errno : EIO));
		kind = FIRST_UNREADABLE;
	}
	free(line);
	fclose(f);
	return kind;
}

int
cassette_is_cassette(const char *path)
{
	return path != NULL && first_line_kind(path, NULL, 0) == FIRST_EXCHANGE;
}

/*
 * Recording.
 */

struct cassette_recorder {
	int fd;
	char *path;
	char **redact;
	size_t nredact;
	/*
	 * Guards everything below and orders the writes. O_APPEND alone keeps one write from
	 * landing inside another on a local file system, but the mutex also holds on network file
	 * systems, where appends from one process are not atomic.
	 */
	pthread_mutex_t lock;
	/*
	 * Set when the file ends with a whole line without its newline (written by hand, say):
	 * the next line then starts with a newline of its own.
	 */
	bool need_newline;
	bool stopped;
	uint64_t recorded;
	uint64_t failed;
	char last_error[256];
	/* The cassette's salt, and the fingerprints derived with it (its own lock). */
	struct fp_cache cache;
};

/* Frees a recorder whose lock is initialised, whatever else it holds yet. */
static void
recorder_free(struct cassette_recorder *rec)
{
	for (size_t i = 0; i < rec->nredact; i++)
		free(rec->redact[i]);
	free(rec->redact);
	if (rec->fd >= 0)
		close(rec->fd);
	pthread_mutex_destroy(&rec->lock);
	fp_cache_destroy(&rec->cache);
	free(rec->path);
	free(rec);
}

/* Bytes read at a time while looking for the last newline of a file. */
#define TAIL_CHUNK 65536

/*
 * Makes the end of an existing cassette of `size` bytes fit for appending. A last line
 * without its newline that is JSON only needs a newline before the next line; one that is not
 * JSON was cut short, and is cut off the file so that the next line does not follow half a
 * line (the loader would drop it anyway: it is lost either way). 0, or -1 with err.
 */
static int
recorder_fix_tail(struct cassette_recorder *rec, off_t size, char *warn, size_t warnlen, char *err,
                  size_t errlen)
{
	char chunk[TAIL_CHUNK];
	off_t start = 0, pos = size;
	char *tail = NULL;
	size_t tlen, skip;
	json_t *root;
	int rfd, rc = -1;

	rfd = open(rec->path, O_RDONLY | O_CLOEXEC);
	if (rfd < 0) {
		set_err(err, errlen, "%s: cannot read its end: %s", rec->path, strerror(errno));
		return -1;
	}
	/* Backwards, a chunk at a time, to the last newline; the loop ends at offset 0. */
	while (pos > 0) {
		size_t want = pos > TAIL_CHUNK ? TAIL_CHUNK : (size_t)pos;
		ssize_t got = pread(rfd, chunk, want, pos - (off_t)want);
		size_t i;

		if (got != (ssize_t)want) {
			set_err(err, errlen, "%s: cannot read its end: %s", rec->path,
			        got < 0 ? strerror(errno) : "the file shrank");
			goto out;
		}
		pos -= (off_t)want;
		for (i = want; i > 0 && chunk[i - 1] != '\n'; i--)
			;
		if (i > 0) {
			start = pos + (off_t)i;
			break;
		}
	}
	if (start == size) {
		rc = 0; /* ends with a newline */
		goto out;
	}
	tlen = (size_t)(size - start);
	tail = malloc(tlen);
	if (tail == NULL || pread(rfd, tail, tlen, start) != (ssize_t)tlen) {
		set_err(err, errlen, "%s: cannot read its end: %s", rec->path,
		        tail == NULL ? "out of memory" : "read failed");
		goto out;
	}
	skip = start == 0 ? bom_len(tail, tlen) : 0;
	root = blank(tail + skip, tlen - skip)
	           ? NULL
	           : json_loadb(tail + skip, tlen - skip, CASSETTE_LOAD_FLAGS, NULL);
	if (root != NULL || blank(tail + skip, tlen - skip)) {
		json_decref(root);
		rec->need_newline = true;
		rc = 0;
		goto out;
	}
	if (ftruncate(rec->fd, start) != 0) {
		set_err(
		    err, errlen,
		    "%s: ends with a line cut short, which cannot be cut off before appending: %s",
		    rec->path, strerror(errno));
		goto out;
	}
	set_err(warn, warnlen,
	        "%s: cut off its last %zu bytes, a line cut short (no newline, not JSON) by an "
	        "interrupted recording; new exchanges follow the last whole line",
	        rec->path, tlen);
	rc = 0;
out:
	free(tail);
	close(rfd);
	return rc;
}

/*
 * Finds the salt of an existing cassette: that of its first salted line. Lines that do not
 * parse are passed over here (the loader names them). Returns 1 with the salt and rounds in
 * the cache, or 0 when no line is salted; *unsalted is the first line seen with an unsalted
 * fingerprint (0: none).
 */
static int
recorder_find_salt(struct cassette_recorder *rec, size_t *unsalted)
{
	FILE *f = fopen(rec->path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int found = 0;

	*unsalted = 0;
	if (f == NULL)
		return 0;
	while (!found && (n = getline(&line, &cap, f)) >= 0) {
		json_t *root = json_loadb(line, (size_t)n, CASSETTE_LOAD_FLAGS, NULL);
		json_t *cred = json_object_get(json_object_get(root, "request"), "credential");
		const char *text = json_is_string(cred) ? json_string_value(cred) : "";

		lineno++;
		if (fingerprint_parse(text, rec->cache.salt, &rec->cache.iterations) == 0)
			found = 1;
		else if (text[0] != '\0' && *unsalted == 0)
			*unsalted = lineno;
		json_decref(root);
	}
	free(line);
	fclose(f);
	return found;
}

struct cassette_recorder *
cassette_recorder_open(const char *path, const char *const *redact, size_t nredact, char *warn,
                       size_t warnlen, char *err, size_t errlen)
{
	struct cassette_recorder *rec = NULL;
	char tailwarn[512] = "";
	size_t unsalted = 0;
	bool salted = false;
	struct stat st;
	size_t i;

	set_err(warn, warnlen, "%s", "");
	if (path == NULL) {
		set_err(err, errlen, "no cassette file given");
		return NULL;
	}
	for (i = 0; i < nredact; i++) {
		if (!cassette_redactable(redact[i])) {
			set_err(
			    err, errlen,
			    "cannot redact \"%s\": only the free-text fields title, url, "
			    "meetingUrl, customData, purpose, sdrDisposition, clientUniqueId and "
			    "calendarEventId can be",
			    redact[i] != NULL ? redact[i] : "");
			return NULL;
		}
	}
	/*
	 * Appending exchanges to a fixture file or any other JSON would spoil it for both uses,
	 * so an existing file must be empty or a cassette already.
	 */
	switch (first_line_kind(path, NULL, 0)) {
	case FIRST_OTHER:
		set_err(err, errlen,
		        "%s: exists and is not a cassette (its first line is not a recorded "
		        "exchange); not appending to it",
		        path);
		return NULL;
	case FIRST_UNREADABLE:
	case FIRST_NONE:
	case FIRST_EXCHANGE:
		break;
	}
	rec = calloc(1, sizeof(*rec));
	if (rec == NULL || pthread_mutex_init(&rec->lock, NULL) != 0) {
		free(rec);
		set_err(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	rec->fd = -1;
	rec->path = strdup(path);
	if (rec->path == NULL || fp_cache_init(&rec->cache) != 0)
		goto oom;
	/*
	 * Opened here, at start-up, so that a path that cannot be written (a directory that does
	 * not exist, no permission, a directory) stops the server before it listens, rather than
	 * at the first exchange.
	 */
	rec->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (rec->fd < 0) {
		set_err(err, errlen, "%s: cannot open for writing: %s", path, strerror(errno));
		goto fail;
	}
	/* Only a regular file is read back: a pipe or a terminal would block, or lose data. */
	if (fstat(rec->fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		if (recorder_fix_tail(rec, st.st_size, tailwarn, sizeof(tailwarn), err, errlen) !=
		    0)
			goto fail;
		salted = recorder_find_salt(rec, &unsalted) == 1;
	}
	if (salted && rec->cache.iterations < CASSETTE_KDF_ITERATIONS) {
		set_err(err, errlen,
		        "%s: its credential fingerprints take %u PBKDF2 rounds, fewer than the %d "
		        "gongmock writes; record to a new file",
		        path, rec->cache.iterations, CASSETTE_KDF_ITERATIONS);
		goto fail;
	}
	if (!salted) {
		rec->cache.iterations = CASSETTE_KDF_ITERATIONS;
		if (gnutls_rnd(GNUTLS_RND_RANDOM, rec->cache.salt, CASSETTE_SALT_LEN) != 0) {
			set_err(err, errlen, "%s: cannot make a random salt", path);
			goto fail;
		}
	}
	if (unsalted != 0)
		set_err(warn, warnlen,
		        "%s: line %zu (and maybe others) holds a credential fingerprint in the old "
		        "unsalted form, against which a guessed secret is quickly checked; new "
		        "exchanges get salted ones, but the old lines stay as they are: record to "
		        "a new file to be rid of them%s%s",
		        path, unsalted, tailwarn[0] != '\0' ? ". Also: " : "", tailwarn);
	else
		set_err(warn, warnlen, "%s", tailwarn);
	if (nredact > 0) {
		rec->redact = calloc(nredact, sizeof(*rec->redact));
		if (rec->redact == NULL)
			goto oom;
		for (i = 0; i < nredact; i++) {
			rec->redact[i] = strdup(redact[i]);
			if (rec->redact[i] == NULL)
				goto oom;
			rec->nredact++;
		}
	}
	return rec;
oom:
	set_err(err, errlen, "%s: out of memory", path);
fail:
	recorder_free(rec);
	return NULL;
}

void
cassette_recorder_stats(struct cassette_recorder *rec, struct cassette_recorder_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (rec == NULL)
		return;
	out->path = rec->path;
	pthread_mutex_lock(&rec->lock);
	out->recorded = rec->recorded;
	out->failed = rec->failed;
	out->stopped = rec->stopped;
	memcpy(out->last_error, rec->last_error, sizeof(out->last_error));
	pthread_mutex_unlock(&rec->lock);
}

void
cassette_recorder_close(struct cassette_recorder *rec)
{
	if (rec == NULL)
		return;
	/*
	 * Once per recording, so that a cassette about to be committed is on disk; a pipe or a
	 * terminal refuses this, which is harmless.
	 */
	fsync(rec->fd);
	recorder_free(rec);
}

/* Sets o[key] to v, taking v; remembers a failure (v NULL, or no memory) in *bad. */
static void
jset(json_t *o, const char *key, json_t *v, bool *bad)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		*bad = true;
}

/* Appends v to a, taking v; remembers a failure in *bad. */
static void
jappend(json_t *a, json_t *v, bool *bad)
{
	if (v == NULL || json_array_append_new(a, v) != 0)
		*bad = true;
}

/* `YYYY-MM-DDTHH:MM:SS.mmmZ`: the milliseconds are enough to order a recording by eye. */
static void
format_time_ms(int64_t us, char out[ISOTIME_TEXT_MAX + 1])
{
	int64_t frac = us % US_PER_SEC;
	size_t n;

	if (frac < 0)
		frac += US_PER_SEC;
	n = isotime_format(us - frac, out, ISOTIME_TEXT_MAX + 1);
	if (n < 1 || n + 4 > ISOTIME_TEXT_MAX) {
		/* Only a year outside 0000-9999 gets here; the epoch beats an empty field. */
		strcpy(out, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(out + n - 1, ISOTIME_TEXT_MAX + 2 - n, ".%03dZ", (int)(frac / 1000));
}

/* Replaces the redacted fields of every object of body.calls; null and absent ones stay. */
static void
redact_calls(const struct cassette_recorder *rec, json_t *body, bool *bad)
{
	json_t *calls = json_object_get(body, "calls");
	json_t *call;
	size_t i;

	if (rec->nredact == 0 || !json_is_array(calls))
		return;
	json_array_foreach(calls, i, call)
	{
		if (!json_is_object(call))
			continue;
		for (size_t k = 0; k < rec->nredact; k++) {
			json_t *v = json_object_get(call, rec->redact[k]);

			if (v != NULL && !json_is_null(v))
				jset(call, rec->redact[k], json_string(CASSETTE_REDACTED), bad);
		}
	}
}

/*
 * The body as it goes into the line: the parsed value when it is a JSON object or array, else
 * the text as a string. Scalars are kept as text on purpose: a body `"x"` parsed would come
 * back as the string x, not as the three bytes that were sent.
 */
static json_t *
record_body(const struct cassette_recorder *rec, const struct cassette_exchange *e, bool *bad)
{
	const char *text = e->body != NULL ? e->body : "";
	size_t len = e->body != NULL ? e->body_len : 0;
	json_t *body = NULL;

	if (len > 0)
		body = json_loadb(text, len, CASSETTE_LOAD_FLAGS, NULL);
	if (body != NULL) {
		redact_calls(rec, body, bad);
		return body;
	}
	return json_clean_string(text, len);
}

/* A header for the line: only when the upstream sent one. */
static void
record_header(json_t *headers, const char *name, const char *value, bool *bad)
{
	if (value != NULL && value[0] != '\0')
		jset(headers, name, json_clean_string(value, strlen(value)), bad);
}

/*
 * Renders an exchange as a complete line, newline included, with one spare byte in front
 * (at line[-1] from the caller's view) for the newline that separates it from a last line
 * that lacks one. The latency is added by hand because jansson prints reals with 17
 * significant digits, and the cassette promises three decimals. NULL with the reason when
 * the credential cannot be fingerprinted or memory runs out.
 */
static char *
record_line(struct cassette_recorder *rec, const struct cassette_exchange *e, size_t *len,
            char *reason, size_t rlen)
{
	char when[ISOTIME_TEXT_MAX + 1], fp[CASSETTE_FINGERPRINT_MAX], frac[8];
	json_t *root, *req, *resp, *query, *headers;
	struct cbuf b = {0};
	int64_t lat = e->latency_us > 0 ? e->latency_us : 0;
	bool bad = false;
	char *dump = NULL;

	format_time_ms(e->time_us, when);
	/* Never an empty fingerprint for a credential: that would read as "no credential". */
	if (fp_cache_get(&rec->cache, e->authorization, fp) != 0) {
		set_err(reason, rlen, "cannot fingerprint the credential (PBKDF2 refused)");
		return NULL;
	}
	/*
	 * Each object is filled before it is handed to its parent, because jansson frees a value
	 * whose insertion fails: nothing is touched after it has been given away.
	 */
	query = json_array();
	for (size_t i = 0; query != NULL && e->query != NULL && i < e->query->count; i++) {
		const struct query_param *p = &e->query->params[i];
		json_t *pair = json_array();

		jappend(pair, json_clean_string(p->name, strlen(p->name)), &bad);
		jappend(pair, json_clean_string(p->value, p->value_len), &bad);
		jappend(query, pair, &bad);
	}
	req = json_object();
	jset(req, "method", json_clean_string(e->method, e->method ? strlen(e->method) : 0), &bad);
	jset(req, "path", json_clean_string(e->path, e->path ? strlen(e->path) : 0), &bad);
	jset(req, "query", query, &bad);
	jset(req, "credential", json_string(fp), &bad);
	headers = json_object();
	record_header(headers, HDR_CONTENT_TYPE, e->content_type, &bad);
	record_header(headers, HDR_RETRY_AFTER, e->retry_after, &bad);
	record_header(headers, HDR_TRACEID, e->traceid, &bad);
	record_header(headers, HDR_WWW_AUTHENTICATE, e->www_authenticate, &bad);
	record_header(headers, HDR_ALLOW, e->allow, &bad);
	resp = json_object();
	jset(resp, "status", json_integer(e->status), &bad);
	jset(resp, "headers", headers, &bad);
	jset(resp, "body", record_body(rec, e, &bad), &bad);
	root = json_object();
	jset(root, "time", json_string(when), &bad);
	jset(root, "request", req, &bad);
	jset(root, "response", resp, &bad);
	if (!bad)
		dump = json_dumps(root, CASSETTE_DUMP_FLAGS);
	json_decref(root);
	if (dump == NULL) {
		set_err(reason, rlen, "out of memory");
		return NULL;
	}
	cbuf_add(&b, "\n", 1);
	cbuf_add(&b, dump, strlen(dump) - 1); /* all but the closing brace */
	free(dump);
	cbuf_str(&b, ",\"latencyMs\":");
	cbuf_num(&b, (uintmax_t)(lat / 1000));
	snprintf(frac, sizeof(frac), ".%03d", (int)(lat % 1000));
	cbuf_str(&b, frac);
	cbuf_str(&b, "}\n");
	if (b.oom) {
		cbuf_free(&b);
		set_err(reason, rlen, "out of memory");
		return NULL;
	}
	*len = b.len - 1;
	return b.p;
}

/*
 * Writes one rendered line (with the newline in front when the file needs one). A regular
 * file takes it in one write unless the disk fills up; a short write is finished off, and one
 * that fails is cut off again, back to where the line began, so that the file ends with a
 * whole line. Called with the lock held. 0, or -1 with the reason.
 */
static int
recorder_write(struct cassette_recorder *rec, const char *buf, size_t len, char *reason,
               size_t rlen)
{
	const char *out = rec->need_newline ? buf : buf + 1;
	size_t n = rec->need_newline ? len + 1 : len, done = 0;
	struct stat st;
	bool regular = fstat(rec->fd, &st) == 0 && S_ISREG(st.st_mode);
	int saved;

	while (done < n) {
		ssize_t w;

		errno = 0;
		w = write(rec->fd, out + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	if (done == n) {
		rec->need_newline = false;
		return 0;
	}
	saved = errno;
	if (done == 0 || !regular) {
		set_err(reason, rlen, "write failed: %s",
		        saved == 0 ? "nothing written" : strerror(saved));
		return -1;
	}
	/* O_APPEND wrote at the end, which was st_size when the line began. */
	if (ftruncate(rec->fd, st.st_size) != 0) {
		set_err(reason, rlen,
		        "write failed: %s; cutting off the partial line failed too (%s), so it "
		        "stays as the last line, which the loader drops",
		        strerror(saved), strerror(errno));
		return -1;
	}
	set_err(reason, rlen, "write failed: %s", strerror(saved));
	return -1;
}

enum cassette_record_result
cassette_record(struct cassette_recorder *rec, const struct cassette_exchange *e, char *err,
                size_t errlen)
{
	char reason[sizeof(rec->last_error)] = "";
	size_t len = 0;
	char *buf = NULL;
	enum cassette_record_result rc = CASSETTE_RECORDED;

	if (rec == NULL || e == NULL) {
		set_err(err, errlen, "nothing to record");
		return CASSETTE_RECORD_STOPPED;
	}
	/* Once stopped, nothing is rendered: no fingerprint derived, no body parsed. */
	pthread_mutex_lock(&rec->lock);
	if (rec->stopped) {
		rec->failed++;
		set_err(err, errlen, "%s: recording stopped: %s", rec->path, rec->last_error);
		pthread_mutex_unlock(&rec->lock);
		return CASSETTE_RECORD_STOPPED;
	}
	pthread_mutex_unlock(&rec->lock);

	buf = record_line(rec, e, &len, reason, sizeof(reason));
	pthread_mutex_lock(&rec->lock);
	if (rec->stopped) {
		/* Another thread's write failed meanwhile: none after it, so the file has no gap.
		 */
		rec->failed++;
		rc = CASSETTE_RECORD_STOPPED;
		set_err(err, errlen, "%s: recording stopped: %s", rec->path, rec->last_error);
	} else if (buf == NULL || recorder_write(rec, buf, len, reason, sizeof(reason)) != 0) {
		/*
		 * Recording stops at the first failure, whatever comes later: a cassette missing
		 * exchanges in the middle would replay a session that never happened, while one
		 * that ends early fails loudly at the first request past its end.
		 */
		rec->stopped = true;
		rec->failed++;
		memcpy(rec->last_error, reason, sizeof(rec->last_error));
		rc = CASSETTE_RECORD_FAILED;
		set_err(err, errlen,
		        "%s: %s; recording stopped after %" PRIu64 " exchanges, which the file "
		        "keeps as whole lines; later exchanges are not recorded",
		        rec->path, reason, rec->recorded);
	} else {
		rec->recorded++;
	}
	pthread_mutex_unlock(&rec->lock);
	free(buf);
	return rc;
}

/*
 * Loading and replaying.
 */

/*
 * One query parameter, as compared. fromDateTime and toDateTime values that parse are compared
 * as instants; everything else, and dates that do not parse, as text.
 */
struct cassette_param {
	const char *name; /* NUL-terminated */
	const char *value;
	size_t value_len;
	bool instant;
	int64_t us;
};

/* At most: a dropped last line, unsalted lines, lines salted apart. */
#define CASSETTE_WARNINGS 3

/* What a recorded credential is, as far as matching goes. */
enum cred_form {
	CRED_NONE,     /* "": the request had no Authorization */
	CRED_SALTED,   /* salted with the cassette's salt */
	CRED_UNSALTED, /* the old unsalted form (or any other text, as hand-written) */
	CRED_FOREIGN   /* salted otherwise, or a salted form not understood: matches nothing */
};

struct cassette_entry {
	char *method;
	char *path;
	char *credential;
	enum cred_form form;
	size_t nparams;
	struct cassette_param *params; /* in recorded order, for messages; owns the strings */
	struct cassette_param *sorted; /* the same, sorted for comparing; borrows them */
	unsigned status;
	char *content_type;
	char *retry_after;
	char *traceid;
	char *www_authenticate;
	char *allow;
	char *body;
	size_t body_len;
	size_t line;
};

/*
 * Identical requests: their entries in file order, and how many of them replay has handed
 * out (which stops counting at n; the last one then repeats).
 */
struct cassette_group {
	char *key;
	size_t key_len;
	uint64_t hash;
	size_t *members;
	size_t n;
	size_t cap;
	size_t next;
};

/* Open addressing over group indexes; SIZE_MAX marks a free slot. */
struct cassette_table {
	struct cassette_group *groups;
	size_t ngroups;
	size_t *slots;
	size_t mask;
};

struct cassette {
	struct cassette_entry *entries;
	size_t count;
	size_t cap;
	/*
	 * Two groupings of the same entries: `any` ignores the credential, `cred` includes it.
	 * Which one a replay uses depends on whether it passes a fingerprint, and each keeps its
	 * own replay positions.
	 */
	struct cassette_table any;
	struct cassette_table cred;
	pthread_mutex_t lock; /* guards every group's `next` */
	/*
	 * The salt of the cassette (that of its first salted line, at salt_line; 0: none), and
	 * the fingerprints derived with it for incoming credentials.
	 */
	struct fp_cache cache;
	size_t salt_line;
	size_t nunsalted, first_unsalted;
	size_t nforeign, first_foreign;
	char *warnings[CASSETTE_WARNINGS];
	size_t nwarnings;
};

static bool
param_is_date(const char *name)
{
	return strcmp(name, "fromDateTime") == 0 || strcmp(name, "toDateTime") == 0;
}

static void
param_classify(struct cassette_param *p)
{
	p->instant = param_is_date(p->name) &&
	             isotime_parse(p->value, p->value_len, ISOTIME_LENIENT, &p->us) == 0;
}

/* Orders by name, then instants before text, then by instant or by bytes. */
static int
param_cmp(const void *a, const void *b)
{
	const struct cassette_param *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	size_t n;

	if (c != 0)
		return c;
	if (x->instant != y->instant)
		return x->instant ? -1 : 1;
	if (x->instant)
		return (x->us > y->us) - (x->us < y->us);
	n = x->value_len < y->value_len ? x->value_len : y->value_len;
	c = memcmp(x->value, y->value, n);
	if (c != 0)
		return c;
	return (x->value_len > y->value_len) - (x->value_len < y->value_len);
}

/* Appends one length-prefixed field, so that no content can run into the next field. */
static void
key_field(struct cbuf *k, char tag, const char *s, size_t n)
{
	cbuf_add(k, &tag, 1);
	cbuf_num(k, n);
	cbuf_add(k, ":", 1);
	cbuf_add(k, s, n);
}

/*
 * The canonical key of a request: method, path, the sorted parameters with dates as instants,
 * then the credential when given. Identical requests, and only they, get equal keys.
 */
static void
key_build(struct cbuf *k, const char *method, const char *path, const struct cassette_param *sorted,
          size_t n, const char *credential)
{
	key_field(k, 'M', method, strlen(method));
	key_field(k, 'P', path, strlen(path));
	for (size_t i = 0; i < n; i++) {
		key_field(k, 'N', sorted[i].name, strlen(sorted[i].name));
		if (sorted[i].instant) {
			char tmp[24];
			int len = snprintf(tmp, sizeof(tmp), "%" PRId64, sorted[i].us);

			key_field(k, 'I', tmp, (size_t)len);
		} else {
			key_field(k, 'T', sorted[i].value, sorted[i].value_len);
		}
	}
	if (credential != NULL)
		key_field(k, 'C', credential, strlen(credential));
}

/* FNV-1a, 64 bits: keys are short and made here, so nothing stronger is needed. */
static uint64_t
key_hash(const char *s, size_t n)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

/* Sizes the slots for up to n groups, at most half full. */
static int
table_init(struct cassette_table *t, size_t n)
{
	size_t cap = 8;

	while (cap < n * 2)
		cap *= 2;
	t->slots = malloc(cap * sizeof(*t->slots));
	t->groups = calloc(n > 0 ? n : 1, sizeof(*t->groups));
	if (t->slots == NULL || t->groups == NULL)
		return -1;
	for (size_t i = 0; i < cap; i++)
		t->slots[i] = SIZE_MAX;
	t->mask = cap - 1;
	return 0;
}

static void
table_free(struct cassette_table *t)
{
	for (size_t i = 0; i < t->ngroups; i++) {
		free(t->groups[i].key);
		free(t->groups[i].members);
	}
	free(t->groups);
	free(t->slots);
}

/* The slot holding the key, or the free slot where it would go. */
static size_t *
table_slot(const struct cassette_table *t, const char *key, size_t len, uint64_t h)
{
	for (size_t i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
		size_t g = t->slots[i];

		if (g == SIZE_MAX)
			return &t->slots[i];
		if (t->groups[g].hash == h && t->groups[g].key_len == len &&
		    memcmp(t->groups[g].key, key, len) == 0)
			return &t->slots[i];
	}
}

static struct cassette_group *
table_find(const struct cassette_table *t, const char *key, size_t len)
{
	size_t *slot = table_slot(t, key, len, key_hash(key, len));

	return *slot == SIZE_MAX ? NULL : &t->groups[*slot];
}

/* Adds entry `e` under key; table_init was sized for every entry, so no slot runs out. */
static int
table_add(struct cassette_table *t, const char *key, size_t len, size_t e)
{
	uint64_t h = key_hash(key, len);
	size_t *slot = table_slot(t, key, len, h);
	struct cassette_group *g;

	if (*slot == SIZE_MAX) {
		g = &t->groups[t->ngroups];
		g->key = malloc(len > 0 ? len : 1);
		if (g->key == NULL)
			return -1;
		memcpy(g->key, key, len);
		g->key_len = len;
		g->hash = h;
		*slot = t->ngroups++;
	}
	g = &t->groups[*slot];
	if (g->n == g->cap) {
		size_t cap = g->cap != 0 ? g->cap * 2 : 2;
		size_t *m = realloc(g->members, cap * sizeof(*m));

		if (m == NULL)
			return -1;
		g->members = m;
		g->cap = cap;
	}
	g->members[g->n++] = e;
	return 0;
}

static void
entry_free(struct cassette_entry *e)
{
	free(e->method);
	free(e->path);
	free(e->credential);
	for (size_t i = 0; i < e->nparams; i++) {
		free((char *)e->params[i].name);
		free((char *)e->params[i].value);
	}
	free(e->params);
	free(e->sorted);
	free(e->content_type);
	free(e->retry_after);
	free(e->traceid);
	free(e->www_authenticate);
	free(e->allow);
	free(e->body);
}

void
cassette_free(struct cassette *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->count; i++)
		entry_free(&c->entries[i]);
	free(c->entries);
	table_free(&c->any);
	table_free(&c->cred);
	pthread_mutex_destroy(&c->lock);
	fp_cache_destroy(&c->cache);
	for (size_t i = 0; i < c->nwarnings; i++)
		free(c->warnings[i]);
	free(c);
}

const char *
cassette_warning(const struct cassette *c, size_t i)
{
	return c != NULL && i < c->nwarnings ? c->warnings[i] : NULL;
}

size_t
cassette_count(const struct cassette *c)
{
	return c != NULL ? c->count : 0;
}

/* A NUL-terminated copy of n bytes, or NULL without memory. */
static char *
dup_bytes(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static char *
dup_or_empty(const char *s)
{
	return strdup(s != NULL ? s : "");
}

/* Fills e from a checked line; -1 only without memory (e is then freed by the caller). */
static int
entry_fill(struct cassette_entry *e, const struct exchange_view *v, size_t line)
{
	size_t n = v->query != NULL ? json_array_size(v->query) : 0;

	e->line = line;
	e->status = v->status;
	e->method = strdup(v->method);
	e->path = strdup(v->path);
	e->credential = strdup(v->credential);
	e->content_type = dup_or_empty(v->content_type);
	e->retry_after = dup_or_empty(v->retry_after);
	e->traceid = dup_or_empty(v->traceid);
	e->www_authenticate = dup_or_empty(v->www_authenticate);
	e->allow = dup_or_empty(v->allow);
	if (e->method == NULL || e->path == NULL || e->credential == NULL ||
	    e->content_type == NULL || e->retry_after == NULL || e->traceid == NULL ||
	    e->www_authenticate == NULL || e->allow == NULL)
		return -1;
	if (n > 0) {
		e->params = calloc(n, sizeof(*e->params));
		e->sorted = calloc(n, sizeof(*e->sorted));
		if (e->params == NULL || e->sorted == NULL)
			return -1;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *pair = json_array_get(v->query, i);
		json_t *name = json_array_get(pair, 0), *value = json_array_get(pair, 1);
		struct cassette_param *p = &e->params[i];

		p->name = strdup(json_string_value(name));
		p->value = dup_bytes(json_string_value(value), json_string_length(value));
		e->nparams++;
		if (p->name == NULL || p->value == NULL)
			return -1;
		p->value_len = json_string_length(value);
		param_classify(p);
	}
	if (n > 0) {
		memcpy(e->sorted, e->params, n * sizeof(*e->sorted));
		qsort(e->sorted, n, sizeof(*e->sorted), param_cmp);
	}
	/*
	 * The body is rendered now, once: replay then hands out these bytes as they are. A string
	 * body is a non-JSON answer and is served as its content.
	 */
	if (v->body == NULL) {
		e->body = strdup("");
	} else if (json_is_string(v->body)) {
		e->body_len = json_string_length(v->body);
		e->body = dup_bytes(json_string_value(v->body), e->body_len);
	} else {
		e->body = json_dumps(v->body, CASSETTE_DUMP_FLAGS | JSON_ENCODE_ANY);
		if (e->body != NULL)
			e->body_len = strlen(e->body);
	}
	return e->body != NULL ? 0 : -1;
}

/*
 * Sorts a recorded credential into its form. The first salted line sets the cassette's salt;
 * a line salted otherwise cannot be matched, since a request's credential is derived with one
 * salt only (deriving it with several would multiply the cost of every new credential).
 */
static void
cred_classify(struct cassette *c, struct cassette_entry *e)
{
	unsigned char salt[CASSETTE_SALT_LEN];
	unsigned iterations;

	if (e->credential[0] == '\0') {
		e->form = CRED_NONE;
		return;
	}
	if (fingerprint_parse(e->credential, salt, &iterations) == 0) {
		if (c->salt_line == 0) {
			memcpy(c->cache.salt, salt, sizeof(salt));
			c->cache.iterations = iterations;
			c->salt_line = e->line;
		}
		if (memcmp(salt, c->cache.salt, sizeof(salt)) == 0 &&
		    iterations == c->cache.iterations) {
			e->form = CRED_SALTED;
			return;
		}
	} else if (strncmp(e->credential, "pbkdf2-", 7) != 0) {
		e->form = CRED_UNSALTED;
		if (c->nunsalted++ == 0)
			c->first_unsalted = e->line;
		return;
	}
	e->form = CRED_FOREIGN;
	if (c->nforeign++ == 0)
		c->first_foreign = e->line;
}

/* Keeps a warning for cassette_warning; one that cannot be kept (no memory) is lost. */
static void cassette_warn(struct cassette *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
cassette_warn(struct cassette *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (c->nwarnings == CASSETTE_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->warnings[c->nwarnings] = strdup(buf);
	if (c->warnings[c->nwarnings] != NULL)
		c->nwarnings++;
}

static int
load_line(void *ctx, json_t *root, size_t line, char *reason, size_t rlen)
{
	struct cassette *c = ctx;
	struct exchange_view v;
	struct cassette_entry *e;

	if (view_parse(root, &v, reason, rlen) < 0)
		return -1;
	if (c->count == c->cap) {
		size_t cap = c->cap != 0 ? c->cap * 2 : 16;
		struct cassette_entry *p = realloc(c->entries, cap * sizeof(*p));

		if (p == NULL)
			goto oom;
		c->entries = p;
		c->cap = cap;
	}
	e = &c->entries[c->count];
	memset(e, 0, sizeof(*e));
	if (entry_fill(e, &v, line) < 0) {
		entry_free(e);
		goto oom;
	}
	cred_classify(c, e);
	c->count++;
	return 0;
oom:
	set_err(reason, rlen, "out of memory");
	return -1;
}

/* Groups every entry twice, with and without its credential. */
static int
cassette_index(struct cassette *c)
{
	struct cbuf k = {0};
	int rc = 0;

	if (table_init(&c->any, c->count) < 0 || table_init(&c->cred, c->count) < 0)
		return -1;
	for (size_t i = 0; i < c->count && rc == 0; i++) {
		struct cassette_entry *e = &c->entries[i];

		k.len = 0;
		key_build(&k, e->method, e->path, e->sorted, e->nparams, NULL);
		if (k.oom || table_add(&c->any, k.p, k.len, i) < 0)
			rc = -1;
		key_field(&k, 'C', e->credential, strlen(e->credential));
		if (k.oom || table_add(&c->cred, k.p, k.len, i) < 0)
			rc = -1;
	}
	cbuf_free(&k);
	return rc;
}

struct cassette *
cassette_load(const char *path, char *err, size_t errlen)
{
	char torn[512] = "";
	struct cassette *c;

	if (path == NULL) {
		set_err(err, errlen, "no cassette file given");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		set_err(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		set_err(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (fp_cache_init(&c->cache) != 0) {
		cassette_free(c);
		set_err(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (each_line(path, load_line, c, torn, sizeof(torn), err, errlen) < 0) {
		cassette_free(c);
		return NULL;
	}
	if (cassette_index(c) < 0) {
		cassette_free(c);
		set_err(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (torn[0] != '\0')
		cassette_warn(c, "%s", torn);
	if (c->nunsalted > 0)
		cassette_warn(c,
		              "%s: %zu exchanges (line %zu first) hold credential fingerprints in "
		              "the old unsalted form, against which a guessed secret is quickly "
		              "checked: record the cassette again to replace them (replay still "
		              "matches them)",
		              path, c->nunsalted, c->first_unsalted);
	if (c->nforeign > 0 && c->salt_line != 0)
		cassette_warn(c,
		              "%s: %zu exchanges (line %zu first) hold credential fingerprints "
		              "not salted as line %zu is (joined from another recording, or "
		              "edited): when credentials are matched, they match no request",
		              path, c->nforeign, c->first_foreign, c->salt_line);
	else if (c->nforeign > 0)
		cassette_warn(c,
		              "%s: %zu exchanges (line %zu first) hold credential fingerprints in "
		              "a form not understood: when credentials are matched, they match no "
		              "request",
		              path, c->nforeign, c->first_foreign);
	return c;
}

void
cassette_rewind(struct cassette *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->any.ngroups; i++)
		c->any.groups[i].next = 0;
	for (size_t i = 0; i < c->cred.ngroups; i++)
		c->cred.groups[i].next = 0;
	pthread_mutex_unlock(&c->lock);
}

/*
 * An incoming request in the form of a recorded one: everything passed through utf8_clean (as
 * the recorder did) into one buffer, and the parameters classified and sorted.
 */
struct replay_request {
	const char *method;
	const char *path;
	size_t n;
	struct cassette_param params[QUERY_MAX_PARAMS];
	struct cassette_param sorted[QUERY_MAX_PARAMS];
	struct cbuf text;
};

static int
request_prepare(struct replay_request *r, const char *method, const char *path,
                const struct query *q)
{
	size_t n = q != NULL ? q->count : 0;
	size_t *off;

	if (n > QUERY_MAX_PARAMS)
		n = QUERY_MAX_PARAMS;
	memset(r, 0, sizeof(*r));
	/* Offsets first, as the buffer may move while it grows. */
	off = malloc((2 * n + 2) * sizeof(*off));
	if (off == NULL)
		return -1;
	method = method != NULL ? method : "";
	path = path != NULL ? path : "";
	off[0] = 0;
	utf8_clean(&r->text, method, strlen(method));
	cbuf_add(&r->text, "", 1);
	off[1] = r->text.len;
	utf8_clean(&r->text, path, strlen(path));
	cbuf_add(&r->text, "", 1);
	for (size_t i = 0; i < n; i++) {
		const struct query_param *p = &q->params[i];

		off[2 + 2 * i] = r->text.len;
		utf8_clean(&r->text, p->name, strlen(p->name));
		cbuf_add(&r->text, "", 1);
		off[3 + 2 * i] = r->text.len;
		utf8_clean(&r->text, p->value, p->value_len);
		r->params[i].value_len = r->text.len - off[3 + 2 * i];
		cbuf_add(&r->text, "", 1);
	}
	if (r->text.oom) {
		free(off);
		cbuf_free(&r->text);
		return -1;
	}
	r->method = r->text.p + off[0];
	r->path = r->text.p + off[1];
	for (size_t i = 0; i < n; i++) {
		r->params[i].name = r->text.p + off[2 + 2 * i];
		r->params[i].value = r->text.p + off[3 + 2 * i];
		param_classify(&r->params[i]);
	}
	free(off);
	r->n = n;
	memcpy(r->sorted, r->params, n * sizeof(*r->sorted));
	qsort(r->sorted, n, sizeof(*r->sorted), param_cmp);
	return 0;
}

static bool
param_value_eq(const struct cassette_param *a, const struct cassette_param *b)
{
	return param_cmp(a, b) == 0;
}

/*
 * Counts the parameter names whose values differ between two sorted lists (present in one
 * only, or with other values), appending each such name to names when it is not NULL.
 */
static size_t
params_diff(const struct cassette_param *a, size_t na, const struct cassette_param *b, size_t nb,
            struct cbuf *names)
{
	size_t i = 0, j = 0, count = 0;

	while (i < na || j < nb) {
		const char *name;
		size_t ri, rj, k;
		bool same;

		if (j >= nb || (i < na && strcmp(a[i].name, b[j].name) <= 0))
			name = a[i].name;
		else
			name = b[j].name;
		for (ri = i; ri < na && strcmp(a[ri].name, name) == 0; ri++)
			;
		for (rj = j; rj < nb && strcmp(b[rj].name, name) == 0; rj++)
			;
		same = ri - i == rj - j;
		for (k = 0; same && k < ri - i; k++)
			same = param_value_eq(&a[i + k], &b[j + k]);
		if (!same) {
			if (names != NULL) {
				if (count > 0)
					cbuf_str(names, ", ");
				cbuf_str(names, name);
			}
			count++;
		}
		i = ri;
		j = rj;
	}
	return count;
}

/*
 * Appends bytes for a one-line message: control bytes (a decoded %0A, say) are written back
 * as %XX so that the message cannot be split or garbled in a log.
 */
static void
msg_text(struct cbuf *m, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != 0x7f)
			continue;
		cbuf_add(m, s + run, i - run);
		cbuf_add(m, "%", 1);
		cbuf_add(m, &hex[c >> 4], 1);
		cbuf_add(m, &hex[c & 0x0f], 1);
		run = i + 1;
	}
	cbuf_add(m, s + run, n - run);
}

/* `METHOD PATH?a=1&b=2`, parameters in the order given, values decoded. */
static void
msg_request(struct cbuf *m, const char *method, const char *path,
            const struct cassette_param *params, size_t n)
{
	msg_text(m, method, strlen(method));
	cbuf_str(m, " ");
	msg_text(m, path, strlen(path));
	for (size_t i = 0; i < n; i++) {
		cbuf_str(m, i == 0 ? "?" : "&");
		msg_text(m, params[i].name, strlen(params[i].name));
		cbuf_str(m, "=");
		msg_text(m, params[i].value, params[i].value_len);
	}
}

/* A recorded credential in a message: only the hash of a salted fingerprint, which is enough
 * to find the line and keeps the message short. */
static void
msg_credential(struct cbuf *m, const char *fingerprint)
{
	const char *f = fingerprint_short(fingerprint);

	if (fingerprint[0] == '\0') {
		cbuf_str(m, " with no credential");
		return;
	}
	cbuf_str(m, " with credential ");
	msg_text(m, f, strlen(f));
}

/*
 * An incoming credential, fingerprinted in each form that the cassette's lines hold: it can
 * only equal a line's fingerprint made the same way.
 */
struct replay_cred {
	bool none;            /* no Authorization */
	const char *salted;   /* NULL: no salted line, or the derivation failed */
	const char *unsalted; /* NULL: no unsalted line */
	char salted_buf[CASSETTE_FINGERPRINT_MAX];
	char unsalted_buf[FP_UNSALTED_LEN + 1];
};

/* The fingerprint to compare with a line of the given form, or NULL when none can match. */
static const char *
cred_for(const struct replay_cred *rc, enum cred_form form)
{
	if (rc->none)
		return "";
	if (form == CRED_SALTED)
		return rc->salted;
	if (form == CRED_UNSALTED)
		return rc->unsalted;
	return NULL;
}

static bool
cred_match(const struct replay_cred *rc, const struct cassette_entry *e)
{
	const char *f = cred_for(rc, e->form);

	return f != NULL && strcmp(f, e->credential) == 0;
}

/* The incoming credential in a message, in the form of the line it is compared with. */
static void
msg_incoming(struct cbuf *m, const struct replay_cred *rc, const struct cassette_entry *best)
{
	const char *f = best != NULL ? cred_for(rc, best->form) : NULL;

	if (f == NULL)
		f = rc->none ? "" : rc->salted != NULL ? rc->salted : rc->unsalted;
	if (f == NULL)
		cbuf_str(m, " with a credential");
	else
		msg_credential(m, f);
}

/*
 * Copies a message into miss, cut to misslen: at a UTF-8 character boundary, and ending with
 * "..." when it had to be cut, so that a reader knows there was more.
 */
static void
msg_copy(char *miss, size_t misslen, const char *text, size_t len)
{
	size_t n = len;

	if (miss == NULL || misslen == 0)
		return;
	if (n >= misslen) {
		size_t room = misslen - 1;
		bool dots = room >= 3;

		n = dots ? room - 3 : room;
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
		memcpy(miss, text, n);
		if (dots) {
			memcpy(miss + n, "...", 3);
			n += 3;
		}
		miss[n] = '\0';
		return;
	}
	memcpy(miss, text, n);
	miss[n] = '\0';
}

static void
msg_copy_str(char *miss, size_t misslen, const char *text)
{
	msg_copy(miss, misslen, text, strlen(text));
}

/*
 * Explains a miss. The scan over every entry happens only here: a miss is the rare case, and
 * stops a test run anyway.
 */
static void
replay_miss(const struct cassette *c, const struct replay_request *r, const struct replay_cred *rc,
            char *miss, size_t misslen)
{
	const struct cassette_entry *best = NULL;
	size_t best_d = SIZE_MAX;
	struct cbuf m = {0};

	for (size_t i = 0; i < c->count; i++) {
		const struct cassette_entry *e = &c->entries[i];
		size_t d;

		if (strcmp(e->method, r->method) != 0 || strcmp(e->path, r->path) != 0)
			continue;
		d = params_diff(r->sorted, r->n, e->sorted, e->nparams, NULL);
		if (rc != NULL && !cred_match(rc, e))
			d++;
		if (d < best_d) {
			best = e;
			best_d = d;
		}
	}
	cbuf_str(&m, "no recorded answer for ");
	msg_request(&m, r->method, r->path, r->params, r->n);
	if (rc != NULL)
		msg_incoming(&m, rc, best);
	if (best == NULL) {
		cbuf_str(&m, "; nothing was recorded for ");
		msg_text(&m, r->method, strlen(r->method));
		cbuf_str(&m, " ");
		msg_text(&m, r->path, strlen(r->path));
	} else {
		size_t before;

		cbuf_str(&m, "; closest recorded (line ");
		cbuf_num(&m, best->line);
		cbuf_str(&m, "): ");
		msg_request(&m, best->method, best->path, best->params, best->nparams);
		if (rc != NULL)
			msg_credential(&m, best->credential);
		cbuf_str(&m, ", differs in ");
		before = m.len;
		params_diff(r->sorted, r->n, best->sorted, best->nparams, &m);
		if (rc != NULL && !cred_match(rc, best))
			cbuf_str(&m, m.len > before ? ", credential" : "credential");
	}
	if (m.oom)
		msg_copy_str(miss, misslen, "no recorded answer (out of memory)");
	else
		msg_copy(miss, misslen, m.p, m.len);
	cbuf_free(&m);
}

/*
 * Fingerprints an incoming credential in the forms the cassette holds. The salted one costs a
 * PBKDF2 derivation the first time a credential is seen, and a cache lookup after that.
 */
static void
replay_cred_make(struct cassette *c, const char *authorization, struct replay_cred *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->none = authorization == NULL;
	if (rc->none)
		return;
	if (c->salt_line != 0 && fp_cache_get(&c->cache, authorization, rc->salted_buf) == 0)
		rc->salted = rc->salted_buf;
	if (c->nunsalted > 0) {
		fingerprint_unsalted(authorization, rc->unsalted_buf);
		rc->unsalted = rc->unsalted_buf;
	}
}

/* The group of the request under the credential, in each form it has; NULL when none. */
static struct cassette_group *
replay_find(const struct cassette *c, const struct replay_request *r, const struct replay_cred *rc)
{
	const char *tries[2];
	struct cassette_group *g = NULL;
	struct cbuf k = {0};
	size_t n = 0;

	if (rc == NULL) {
		key_build(&k, r->method, r->path, r->sorted, r->n, NULL);
		g = k.oom ? NULL : table_find(&c->any, k.p, k.len);
		cbuf_free(&k);
		return g;
	}
	if (rc->none) {
		tries[n++] = "";
	} else {
		if (rc->salted != NULL)
			tries[n++] = rc->salted;
		if (rc->unsalted != NULL)
			tries[n++] = rc->unsalted;
	}
	for (size_t i = 0; i < n && g == NULL; i++) {
		k.len = 0;
		key_build(&k, r->method, r->path, r->sorted, r->n, tries[i]);
		g = k.oom ? NULL : table_find(&c->cred, k.p, k.len);
	}
	cbuf_free(&k);
	return g;
}

int
cassette_replay(struct cassette *c, const char *method, const char *path, const struct query *q,
                int match_credential, const char *authorization, struct cassette_answer *out,
                char *miss, size_t misslen)
{
	struct replay_request *r;
	struct replay_cred rc;
	struct cassette_group *g;
	const struct cassette_entry *e;
	size_t pos;

	if (c == NULL || out == NULL) {
		msg_copy_str(miss, misslen, "no cassette loaded");
		return 0;
	}
	/* About 5 KiB: too much for the stack of a server's worker thread to take lightly. */
	r = malloc(sizeof(*r));
	if (r == NULL || request_prepare(r, method, path, q) < 0) {
		free(r);
		msg_copy_str(miss, misslen, "no recorded answer (out of memory)");
		return 0;
	}
	if (match_credential)
		replay_cred_make(c, authorization, &rc);
	g = replay_find(c, r, match_credential ? &rc : NULL);
	if (g == NULL) {
		replay_miss(c, r, match_credential ? &rc : NULL, miss, misslen);
		cbuf_free(&r->text);
		free(r);
		return 0;
	}
	cbuf_free(&r->text);
	free(r);
	pthread_mutex_lock(&c->lock);
	pos = g->next;
	if (g->next < g->n)
		g->next++;
	pthread_mutex_unlock(&c->lock);
	if (pos >= g->n)
		pos = g->n - 1;
	e = &c->entries[g->members[pos]];
	out->status = e->status;
	out->content_type = e->content_type;
	out->retry_after = e->retry_after;
	out->traceid = e->traceid;
	out->www_authenticate = e->www_authenticate;
	out->allow = e->allow;
	out->body = e->body;
	out->body_len = e->body_len;
	out->line = e->line;
	return 1;
}

/*
 * The calls of a cassette as a dataset.
 */

struct calls_ctx {
	json_t *calls; /* the result, in order of first appearance */
	json_t *seen;  /* id -> index into calls */
	size_t answers;
};

static int
calls_line(void *ctx, json_t *root, size_t line, char *reason, size_t rlen)
{
	struct calls_ctx *cc = ctx;
	struct exchange_view v;
	json_t *calls, *call;
	size_t i;

	(void)line;
	if (view_parse(root, &v, reason, rlen) < 0)
		return -1;
	if (strcmp(v.method, "GET") != 0 || strcmp(v.path, "/v2/calls") != 0 || v.status != 200)
		return 0;
	calls = json_object_get(v.body, "calls");
	if (!json_is_array(calls))
		return 0;
	cc->answers++;
	json_array_foreach(calls, i, call)
	{
		json_t *id = json_object_get(call, "id");
		json_t *at;

		if (!json_is_string(id)) {
			set_err(
			    reason, rlen,
			    "\"response.body.calls\" item %zu is not a call with a string \"id\"",
			    i);
			return -1;
		}
		at = json_object_getn(cc->seen, json_string_value(id), json_string_length(id));
		if (at != NULL) {
			if (json_array_set(cc->calls, (size_t)json_integer_value(at), call) != 0)
				goto oom;
			continue;
		}
		if (json_object_setn_new(cc->seen, json_string_value(id), json_string_length(id),
		                         json_integer((json_int_t)json_array_size(cc->calls))) !=
		        0 ||
		    json_array_append(cc->calls, call) != 0)
			goto oom;
	}
	return 0;
oom:
	set_err(reason, rlen, "out of memory");
	return -1;
}

/*
 * A call seen again replaces the earlier copy in its first place: the dataset takes the
 * newest data, and the order of the calls is that of their first appearance.
 */
char *
cassette_calls_json(const char *path, size_t *len, char *warn, size_t warnlen, char *err,
                    size_t errlen)
{
	struct calls_ctx cc = {json_array(), json_object(), 0};
	char *text = NULL;

	set_err(warn, warnlen, "%s", "");
	if (path == NULL || len == NULL) {
		set_err(err, errlen, "no cassette file given");
		goto out;
	}
	if (cc.calls == NULL || cc.seen == NULL) {
		set_err(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (each_line(path, calls_line, &cc, warn, warnlen, err, errlen) < 0)
		goto out;
	/*
	 * A cassette without a single list answer would load as an empty dataset and every
	 * request would then get 404: better to say so at start-up.
	 */
	if (cc.answers == 0) {
		set_err(err, errlen, "%s: holds no 200 answer to GET /v2/calls with a calls array",
		        path);
		goto out;
	}
	text = json_dumps(cc.calls, CASSETTE_DUMP_FLAGS);
	if (text == NULL)
		set_err(err, errlen, "%s: out of memory", path);
	else
		*len = strlen(text);
out:
	json_decref(cc.calls);
	json_decref(cc.seen);
	return text;
}
