/*
 * journal.c - the request journal behind GET /__admin/requests and the counters behind
 * GET /metrics.
 *
 * journal_add runs once per answered request, so it never allocates and never waits on a lock
 * that every worker shares: the counters are relaxed atomics, and the ring of recent requests
 * is made of fixed-size slots, each with its own mutex, claimed by an atomic sequence number.
 * Two workers contend only when they land on the same slot, which needs the ring to wrap
 * while the first is still copying. Long fields, the request body among them, are truncated to
 * the slot's size. The readers (the admin list and the metrics text) are rare and may be slow;
 * they build their output with jansson and a growing buffer, and only they parse a kept body.
 * This module does not decide what is recorded: the caller leaves out its own admin and
 * metrics requests and passes no credential.
 */
#include "journal.h"

#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"
#include "jsonw.h"
#include "utf8.h"

/* The longest field a slot keeps, in bytes; longer ones are cut. */
#define JOURNAL_ID_MAX 20
#define JOURNAL_METHOD_MAX 16
#define JOURNAL_PATH_MAX 512
#define JOURNAL_QUERY_MAX 2048
#define JOURNAL_SOURCE_MAX 160
/* The longest text field: the buffer a reader copies one into before making it JSON. */
#define JOURNAL_TEXT_MAX                                                                           \
	(JOURNAL_BODY_MAX > JOURNAL_QUERY_MAX ? JOURNAL_BODY_MAX : JOURNAL_QUERY_MAX)

/*
 * Statuses 100-599 each get a row; anything else (which no HTTP answer carries, so it would be
 * a bug in the caller) shares one last row labelled "other", so that the series still add up
 * to the request count and the bug shows.
 */
#define JOURNAL_STATUS_MIN 100
#define JOURNAL_STATUS_MAX 599
#define JOURNAL_STATUS_ROWS (JOURNAL_STATUS_MAX - JOURNAL_STATUS_MIN + 2)
#define JOURNAL_STATUS_OTHER (JOURNAL_STATUS_ROWS - 1)

/*
 * What answered a request, from the part of its source before ':'. A fixed table keeps the
 * metric's cardinality bounded whatever names fault rules carry; unknown kinds count as
 * "other", which must stay last.
 */
static const char *const journal_kinds[] = {
    "fixture", "error", "fault",  "ratelimit", "prefer",
    "admin",   "proxy", "replay", "upstream",  "other",
};
#define JOURNAL_KINDS (sizeof(journal_kinds) / sizeof(journal_kinds[0]))
#define JOURNAL_KIND_RATELIMIT 3
#define JOURNAL_KIND_OTHER (JOURNAL_KINDS - 1)

/*
 * The operations of the `operation` label, in the order the metrics print them; a fixed table
 * for the same reason as the kinds, and "other" last. The JOURNAL_OP_ names index it.
 */
static const char *const journal_ops[] = {
    "listCalls", "getCall", "getCallsExtensive",  "getCallTranscripts",
    "listUsers", "getUser", "listUsersExtensive", "listWorkspaces",
    "admin",     "other",
};
enum {
	JOURNAL_OP_LIST_CALLS,
	JOURNAL_OP_GET_CALL,
	JOURNAL_OP_CALLS_EXTENSIVE,
	JOURNAL_OP_CALL_TRANSCRIPTS,
	JOURNAL_OP_LIST_USERS,
	JOURNAL_OP_GET_USER,
	JOURNAL_OP_USERS_EXTENSIVE,
	JOURNAL_OP_LIST_WORKSPACES,
	JOURNAL_OP_ADMIN,
	JOURNAL_OP_OTHER,
	JOURNAL_OPS
};
_Static_assert(sizeof(journal_ops) / sizeof(journal_ops[0]) == JOURNAL_OPS,
               "the operation names and their indices differ");

/*
 * Upper bounds of the latency buckets, in microseconds as recorded, and as printed in `le`.
 * Written out as text rather than printed from a double so that the labels are exactly these
 * strings and stay stable across C libraries. The +Inf bucket follows the last one.
 */
static const struct {
	int64_t us;
	const char *le;
} journal_buckets[] = {
    {100, "0.0001"},  {250, "0.00025"}, {500, "0.0005"},  {1000, "0.001"},
    {2500, "0.0025"}, {5000, "0.005"},  {10000, "0.01"},  {25000, "0.025"},
    {50000, "0.05"},  {100000, "0.1"},  {250000, "0.25"}, {500000, "0.5"},
    {1000000, "1"},   {2500000, "2.5"}, {5000000, "5"},   {10000000, "10"},
};
#define JOURNAL_BOUNDS (sizeof(journal_buckets) / sizeof(journal_buckets[0]))
#define JOURNAL_BUCKETS (JOURNAL_BOUNDS + 1)

/*
 * One recorded request. `seq` is the request's sequence number plus one, so that 0 means the
 * slot was never written; a reader trusts a slot only when it holds the number it expects,
 * which makes a slot that is being rewritten by a lapping writer simply invisible.
 */
struct journal_slot {
	pthread_mutex_t lock;
	uint64_t seq;
	int64_t time_us;
	int64_t duration_us;
	unsigned status;
	size_t query_len;
	size_t body_len; /* bytes kept; 0: the request had no body */
	bool body_cut;   /* the body was longer than what was kept */
	char request_id[JOURNAL_ID_MAX + 1];
	char method[JOURNAL_METHOD_MAX + 1];
	char path[JOURNAL_PATH_MAX + 1];
	char source[JOURNAL_SOURCE_MAX + 1];
	char query[JOURNAL_QUERY_MAX];
	char body[JOURNAL_BODY_MAX];
};

struct journal {
	size_t capacity;
	struct journal_slot *slots;
	/*
	 * `next` numbers every request ever added and is never reset, so a slot's number stays
	 * meaningful across resets; a reset only moves `base`, and readers ignore anything
	 * numbered below it. That way a reset need not touch, or lock, the slots.
	 */
	_Atomic uint64_t next;
	_Atomic uint64_t base;
	/*
	 * One counter per (status, source kind, operation): every breakdown, and they add up.
	 * About 400 KB, of which a running server touches a few dozen counters.
	 */
	_Atomic uint64_t requests[JOURNAL_STATUS_ROWS][JOURNAL_KINDS][JOURNAL_OPS];
	/* Per bucket, not cumulative, so that a request costs one increment; summed on output. */
	_Atomic uint64_t buckets[JOURNAL_OPS][JOURNAL_BUCKETS];
	_Atomic uint64_t sum_us[JOURNAL_OPS];
};

/* Zeroes every counter; also their initialisation, since calloc's zero bytes are not that. */
static void
journal_counters_zero(struct journal *j)
{
	for (size_t s = 0; s < JOURNAL_STATUS_ROWS; s++)
		for (size_t k = 0; k < JOURNAL_KINDS; k++)
			for (size_t o = 0; o < JOURNAL_OPS; o++)
				atomic_store_explicit(&j->requests[s][k][o], 0,
				                      memory_order_relaxed);
	for (size_t o = 0; o < JOURNAL_OPS; o++) {
		for (size_t b = 0; b < JOURNAL_BUCKETS; b++)
			atomic_store_explicit(&j->buckets[o][b], 0, memory_order_relaxed);
		atomic_store_explicit(&j->sum_us[o], 0, memory_order_relaxed);
	}
}

struct journal *
journal_create(size_t capacity)
{
	struct journal *j = calloc(1, sizeof(*j));
	size_t inited = 0;

	if (j == NULL)
		return NULL;
	j->capacity = capacity;
	atomic_init(&j->next, 0);
	atomic_init(&j->base, 0);
	journal_counters_zero(j);
	if (capacity == 0)
		return j;
	j->slots = calloc(capacity, sizeof(*j->slots));
	if (j->slots == NULL)
		goto fail;
	for (; inited < capacity; inited++)
		if (pthread_mutex_init(&j->slots[inited].lock, NULL) != 0)
			goto fail;
	return j;
fail:
	while (inited > 0)
		pthread_mutex_destroy(&j->slots[--inited].lock);
	free(j->slots);
	free(j);
	return NULL;
}

void
journal_free(struct journal *j)
{
	if (j == NULL)
		return;
	for (size_t i = 0; i < j->capacity; i++)
		pthread_mutex_destroy(&j->slots[i].lock);
	free(j->slots);
	free(j);
}

/* Copies the NUL-terminated s into dst (of max + 1 bytes), cut to max bytes; NULL gives "". */
static void
journal_copy(char *dst, const char *s, size_t max)
{
	size_t n = s != NULL ? strnlen(s, max) : 0;

	memcpy(dst, s != NULL ? s : "", n);
	dst[n] = '\0';
}

/* The row of a status, folding the impossible ones into the "other" row. */
static size_t
journal_status_row(unsigned status)
{
	if (status < JOURNAL_STATUS_MIN || status > JOURNAL_STATUS_MAX)
		return JOURNAL_STATUS_OTHER;
	return status - JOURNAL_STATUS_MIN;
}

/* The kind of a source: its part before ':' looked up in the table. */
static size_t
journal_kind(const char *source)
{
	size_t n;

	if (source == NULL)
		return JOURNAL_KIND_OTHER;
	n = strcspn(source, ":");
	for (size_t k = 0; k < JOURNAL_KIND_OTHER; k++)
		if (strncmp(journal_kinds[k], source, n) == 0 && journal_kinds[k][n] == '\0')
			return k;
	return JOURNAL_KIND_OTHER;
}

/*
 * The single segment of path below dir (which ends in '/'), or NULL when path is not exactly
 * one non-empty segment deeper.
 */
static const char *
journal_child(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strncmp(path, dir, n) != 0 || path[n] == '\0' || strchr(path + n, '/') != NULL)
		return NULL;
	return path + n;
}

/* The index in journal_ops of a request's operation; see journal_operation. */
static size_t
journal_op(const char *method, const char *path)
{
	const char *id;
	bool get, post;

	if (path == NULL)
		return JOURNAL_OP_OTHER;
	if (strcmp(path, "/metrics") == 0 || strcmp(path, "/__admin") == 0 ||
	    strncmp(path, "/__admin/", 9) == 0)
		return JOURNAL_OP_ADMIN;
	if (method == NULL)
		return JOURNAL_OP_OTHER;
	get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	post = strcmp(method, "POST") == 0;
	if (strcmp(path, "/v2/calls") == 0)
		return get ? JOURNAL_OP_LIST_CALLS : JOURNAL_OP_OTHER;
	if (strcmp(path, "/v2/users") == 0)
		return get ? JOURNAL_OP_LIST_USERS : JOURNAL_OP_OTHER;
	if (strcmp(path, "/v2/workspaces") == 0)
		return get ? JOURNAL_OP_LIST_WORKSPACES : JOURNAL_OP_OTHER;
	if ((id = journal_child(path, "/v2/calls/")) != NULL) {
		if (strcmp(id, "extensive") == 0)
			return post ? JOURNAL_OP_CALLS_EXTENSIVE : JOURNAL_OP_OTHER;
		if (strcmp(id, "transcript") == 0)
			return post ? JOURNAL_OP_CALL_TRANSCRIPTS : JOURNAL_OP_OTHER;
		return get ? JOURNAL_OP_GET_CALL : JOURNAL_OP_OTHER;
	}
	if ((id = journal_child(path, "/v2/users/")) != NULL) {
		if (strcmp(id, "extensive") == 0)
			return post ? JOURNAL_OP_USERS_EXTENSIVE : JOURNAL_OP_OTHER;
		return get ? JOURNAL_OP_GET_USER : JOURNAL_OP_OTHER;
	}
	return JOURNAL_OP_OTHER;
}

const char *
journal_operation(const char *method, const char *path)
{
	return journal_ops[journal_op(method, path)];
}

/* The bucket of a duration: the first whose bound is not below it, as Prometheus's `le`. */
static size_t
journal_bucket(int64_t us)
{
	size_t b = 0;

	while (b < JOURNAL_BOUNDS && us > journal_buckets[b].us)
		b++;
	return b;
}

void
journal_add(struct journal *j, const struct journal_entry *e)
{
	/* A clock stepping back must not wrap the unsigned sum into a huge number. */
	int64_t us = e->duration_us > 0 ? e->duration_us : 0;
	size_t op = journal_op(e->method, e->path);
	size_t body_len = e->body != NULL ? e->body_len : 0;
	uint64_t seq;
	struct journal_slot *s;

	atomic_fetch_add_explicit(
	    &j->requests[journal_status_row(e->status)][journal_kind(e->source)][op], 1,
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&j->buckets[op][journal_bucket(us)], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&j->sum_us[op], (uint64_t)us, memory_order_relaxed);

	seq = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
	if (j->capacity == 0)
		return;
	s = &j->slots[seq % j->capacity];
	pthread_mutex_lock(&s->lock);
	/*
	 * A writer that took its number a whole ring earlier may arrive after the one that
	 * lapped it; the newer request wins the slot.
	 */
	if (s->seq <= seq) {
		s->seq = seq + 1;
		s->time_us = e->time_us;
		s->duration_us = e->duration_us;
		s->status = e->status;
		journal_copy(s->request_id, e->request_id, JOURNAL_ID_MAX);
		journal_copy(s->method, e->method, JOURNAL_METHOD_MAX);
		journal_copy(s->path, e->path, JOURNAL_PATH_MAX);
		journal_copy(s->source, e->source, JOURNAL_SOURCE_MAX);
		s->query_len = e->query != NULL ? e->query_len : 0;
		if (s->query_len > JOURNAL_QUERY_MAX)
			s->query_len = JOURNAL_QUERY_MAX;
		memcpy(s->query, e->query != NULL ? e->query : "", s->query_len);
		s->body_cut = body_len > JOURNAL_BODY_MAX;
		s->body_len = s->body_cut ? JOURNAL_BODY_MAX : body_len;
		if (s->body_len > 0)
			memcpy(s->body, e->body, s->body_len);
	}
	pthread_mutex_unlock(&s->lock);
}

void
journal_reset(struct journal *j)
{
	/*
	 * Not one atomic step: a request finishing meanwhile may be counted or not, and may
	 * show in the list or not. A test resets between its cases, when nothing is in flight.
	 */
	atomic_store_explicit(&j->base, atomic_load_explicit(&j->next, memory_order_relaxed),
	                      memory_order_relaxed);
	journal_counters_zero(j);
}

/*
 * A JSON string of n bytes of s with every byte that is not part of valid UTF-8 replaced by
 * '?'. jansson refuses invalid UTF-8 outright, and raw queries, decoded paths and fields cut
 * mid-character all may carry it; a test reading the journal is better served by a near copy
 * than by a missing entry. The replacement keeps the length, so buf needs n bytes.
 */
static json_t *
journal_json_text(const char *s, size_t n, char *buf)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t len = utf8_seq(u + i, n - i);

		if (len == 0) {
			buf[i++] = '?';
		} else {
			memcpy(buf + i, s + i, len);
			i += len;
		}
	}
	return json_stringn(buf, n);
}

/*
 * The entry's instant as ISO-8601 UTC with exactly three fraction digits, which is what log
 * readers and most JSON date parsers expect; isotime_format drops trailing zeros, so it is
 * given the whole second and the milliseconds are added here. Empty if the year is out of
 * isotime's range.
 */
static void
journal_time_text(int64_t us, char *buf, size_t buflen)
{
	int64_t ms = us / 1000 - (us % 1000 < 0); /* floor, also before 1970 */
	int64_t sec = ms / 1000 - (ms % 1000 < 0);
	int frac = (int)(ms - sec * 1000);
	size_t n = isotime_format(sec * 1000000, buf, buflen);

	/* n counts the 'Z', which the fraction goes before. */
	if (n == 0 || buflen - n < 5) {
		if (buflen > 0)
			buf[0] = '\0';
		return;
	}
	snprintf(buf + n - 1, buflen - (n - 1), ".%03dZ", frac);
}

/*
 * Sets key to value in o, taking value. Returns -1 when either is missing (out of memory);
 * the caller checks once per object rather than once per key.
 */
static int
journal_set(json_t *o, const char *key, json_t *value)
{
	if (value == NULL)
		return -1;
	return json_object_set_new(o, key, value);
}

/*
 * A kept body as the list shows it: the JSON itself when the body was kept whole and is a JSON
 * object or array (a test then reads body.filter.callIds rather than parsing a string), else
 * its text. Only objects and arrays are taken, so that "body" being a string always means
 * text: a body of `"abc"` shows as the string "\"abc\"", never as abc. Duplicate keys make it
 * text too, so that no key the client sent is lost from view.
 */
static json_t *
journal_body_json(const struct journal_slot *s, char *buf)
{
	json_t *v;

	if (!s->body_cut &&
	    (v = json_loadb(s->body, s->body_len, JSON_REJECT_DUPLICATES, NULL)) != NULL)
		return v;
	return journal_json_text(s->body, s->body_len, buf);
}

/* The JSON object of a slot copied out of the ring, or NULL when out of memory. */
static json_t *
journal_entry_json(const struct journal_slot *s)
{
	char time[ISOTIME_TEXT_MAX + 8];
	char buf[JOURNAL_TEXT_MAX];
	json_t *o = json_object();
	int rc = 0;

	if (o == NULL)
		return NULL;
	journal_time_text(s->time_us, time, sizeof(time));
	rc |= journal_set(o, "time", json_string(time));
	rc |= journal_set(o, "requestId",
	                  journal_json_text(s->request_id, strlen(s->request_id), buf));
	rc |= journal_set(o, "method", journal_json_text(s->method, strlen(s->method), buf));
	rc |= journal_set(o, "path", journal_json_text(s->path, strlen(s->path), buf));
	rc |= journal_set(o, "query", journal_json_text(s->query, s->query_len, buf));
	if (s->body_len > 0)
		rc |= journal_set(o, "body", journal_body_json(s, buf));
	if (s->body_cut)
		rc |= journal_set(o, "bodyTruncated", json_true());
	rc |= journal_set(o, "status", json_integer(s->status));
	rc |= journal_set(o, "source", journal_json_text(s->source, strlen(s->source), buf));
	rc |= journal_set(o, "us", json_integer(s->duration_us));
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * Copies slot s out if it still holds request number seq. Only the used part of each field
 * is copied, so that the lock is held for about as long as a writer holds it.
 */
static bool
journal_slot_read(struct journal_slot *s, uint64_t seq, struct journal_slot *out)
{
	bool found;

	pthread_mutex_lock(&s->lock);
	found = s->seq == seq + 1;
	if (found) {
		out->time_us = s->time_us;
		out->duration_us = s->duration_us;
		out->status = s->status;
		journal_copy(out->request_id, s->request_id, JOURNAL_ID_MAX);
		journal_copy(out->method, s->method, JOURNAL_METHOD_MAX);
		journal_copy(out->path, s->path, JOURNAL_PATH_MAX);
		journal_copy(out->source, s->source, JOURNAL_SOURCE_MAX);
		out->query_len = s->query_len;
		memcpy(out->query, s->query, s->query_len);
		out->body_len = s->body_len;
		out->body_cut = s->body_cut;
		memcpy(out->body, s->body, s->body_len);
	}
	pthread_mutex_unlock(&s->lock);
	return found;
}

char *
journal_list_json(struct journal *j, size_t limit)
{
	/* base first: read the other way round, a reset in between could put it past next. */
	uint64_t base = atomic_load_explicit(&j->base, memory_order_relaxed);
	uint64_t next = atomic_load_explicit(&j->next, memory_order_relaxed);
	uint64_t lo = base;
	struct journal_slot copy; /* its lock is never used */
	json_t *doc = json_object(), *list = json_array();
	char *text = NULL;
	size_t found = 0;

	if (next < base)
		next = base;
	if (next - lo > j->capacity)
		lo = next - j->capacity;
	if (limit == 0 || limit > j->capacity)
		limit = j->capacity;
	if (doc == NULL || list == NULL || json_object_set(doc, "requests", list) != 0)
		goto out;
	/*
	 * Newest first. A slot whose writer has taken its number but not yet finished is
	 * skipped, as is one already taken over by a newer request: both are still in flight.
	 */
	for (uint64_t seq = next; seq > lo && found < limit; seq--) {
		json_t *o;

		if (!journal_slot_read(&j->slots[(seq - 1) % j->capacity], seq - 1, &copy))
			continue;
		o = journal_entry_json(&copy);
		if (o == NULL || json_array_append_new(list, o) != 0)
			goto out;
		found++;
	}
	if (json_object_set_new(doc, "total", json_integer((json_int_t)(next - base))) != 0)
		goto out;
	text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
out:
	json_decref(list);
	json_decref(doc);
	return text;
}

/* Appends printf-style text to b; a failure leaves b failed, as every jsonw write does. */
__attribute__((format(printf, 2, 3))) static void
journal_printf(struct jsonw *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	/* Most pieces fit in what is left; the rest are formatted again once there is room. */
	jsonw_reserve(b, 128);
	for (;;) {
		if (b->failed)
			return;
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		jsonw_reserve(b, (size_t)n + 1);
	}
}

void
journal_escape_label(struct jsonw *b, const char *s, size_t n)
{
	size_t i = 0, start;

	while (i < n) {
		start = i;
		while (i < n && s[i] != '\\' && s[i] != '"' && s[i] != '\n')
			i++;
		jsonw_mem(b, s + start, i - start);
		if (i == n)
			break;
		jsonw_char(b, '\\');
		jsonw_char(b, s[i] == '\n' ? 'n' : s[i]);
		i++;
	}
}

static uint64_t
journal_load(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

char *
journal_metrics(struct journal *j)
{
	struct jsonw b = {0};
	uint64_t limited = 0;

	jsonw_reserve(&b, 16384);

	/*
	 * One series per (status, source kind, operation) seen: sum by (code), by (source) or
	 * by (operation) gives that breakdown, and summing the whole family gives the request
	 * count, which separate label sets in one family would multiply. The operation label
	 * comes last, so that the series of the first two read as before. Only non-zero series
	 * are printed: at most a few dozen of the fifty thousand triples ever occur.
	 */
	journal_printf(&b, "# HELP gongmock_requests_total Requests answered, by HTTP status, by "
	                   "what produced the answer and by operation.\n"
	                   "# TYPE gongmock_requests_total counter\n");
	for (size_t s = 0; s < JOURNAL_STATUS_ROWS; s++) {
		for (size_t k = 0; k < JOURNAL_KINDS; k++) {
			for (size_t o = 0; o < JOURNAL_OPS; o++) {
				uint64_t v = journal_load(&j->requests[s][k][o]);
				char code[8];

				if (k == JOURNAL_KIND_RATELIMIT)
					limited += v;
				if (v == 0)
					continue;
				if (s == JOURNAL_STATUS_OTHER)
					snprintf(code, sizeof(code), "other");
				else
					snprintf(code, sizeof(code), "%zu", s + JOURNAL_STATUS_MIN);
				journal_printf(&b, "gongmock_requests_total{code=\"");
				journal_escape_label(&b, code, strlen(code));
				journal_printf(&b, "\",source=\"");
				journal_escape_label(&b, journal_kinds[k],
				                     strlen(journal_kinds[k]));
				journal_printf(&b, "\",operation=\"");
				journal_escape_label(&b, journal_ops[o], strlen(journal_ops[o]));
				journal_printf(&b, "\"} %" PRIu64 "\n", v);
			}
		}
	}

	/*
	 * One histogram per operation, each printed whole even when empty, as client libraries
	 * do for children made up front, so that rate() and histogram_quantile() see every
	 * bucket from the first scrape; sum by (le) gives the histogram of all requests. _count
	 * is the +Inf bucket, so the two always agree even while requests are being added.
	 */
	journal_printf(&b, "# HELP gongmock_request_duration_seconds Time taken to answer a "
	                   "request, by operation.\n"
	                   "# TYPE gongmock_request_duration_seconds histogram\n");
	for (size_t o = 0; o < JOURNAL_OPS; o++) {
		const char *op = journal_ops[o];
		uint64_t cumulative = 0, sum;

		for (size_t i = 0; i < JOURNAL_BUCKETS; i++) {
			const char *le = i < JOURNAL_BOUNDS ? journal_buckets[i].le : "+Inf";

			cumulative += journal_load(&j->buckets[o][i]);
			journal_printf(&b, "gongmock_request_duration_seconds_bucket{operation=\"");
			journal_escape_label(&b, op, strlen(op));
			journal_printf(&b, "\",le=\"");
			journal_escape_label(&b, le, strlen(le));
			journal_printf(&b, "\"} %" PRIu64 "\n", cumulative);
		}
		/* Printed from integers so that no rounding creeps into the sum. */
		sum = journal_load(&j->sum_us[o]);
		journal_printf(&b, "gongmock_request_duration_seconds_sum{operation=\"");
		journal_escape_label(&b, op, strlen(op));
		journal_printf(&b, "\"} %" PRIu64 ".%06" PRIu64 "\n", sum / 1000000, sum % 1000000);
		journal_printf(&b, "gongmock_request_duration_seconds_count{operation=\"");
		journal_escape_label(&b, op, strlen(op));
		journal_printf(&b, "\"} %" PRIu64 "\n", cumulative);
	}

	/* An unlabelled counter is printed at 0 too: a missing series reads as "no data". */
	journal_printf(&b,
	               "# HELP gongmock_rate_limited_total Requests refused by the rate limiter.\n"
	               "# TYPE gongmock_rate_limited_total counter\n"
	               "gongmock_rate_limited_total %" PRIu64 "\n",
	               limited);

	return jsonw_finish(&b, NULL);
}
