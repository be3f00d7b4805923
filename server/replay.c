/*
 * replay.c - an index over a loaded cassette, and answering requests with it.
 *
 * Every exchange is grouped with the identical requests under a canonical key (method, path,
 * parameters sorted, dates as instants, the body's canonical text), twice: once without and
 * once with its credential, in two open-addressing hash tables. A JSON body's canonical text
 * is that of its value brought to one form (date-times as UTC instants, integral numbers as
 * integers, id lists as sorted sets, a null cursor dropped), written with members sorted; it
 * is made once per recorded line, when the replay is created, and once per request. Answering
 * a request is then one key built and one lookup, plus a lock held only to move the group's
 * position. The cassette is scanned only to explain a miss, comparing the bodies' canonical
 * values member by member: a miss is the rare case, and stops a test run anyway. Loading the
 * cassette is cassette.c's business, redacting bodies exchange.c's, and deriving fingerprints
 * fingerprint.c's.
 */
#include "replay.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange.h"
#include "fingerprint.h"
#include "isotime.h"
#include "jsonw.h"

/* The miss message when there is no memory for a better one. */
#define REPLAY_NO_MEMORY "no recorded answer (out of memory)"

/*
 * One query parameter, as compared. fromDateTime and toDateTime values that parse are compared
 * as instants; everything else, and dates that do not parse, as text.
 */
struct replay_param {
	const char *name; /* NUL-terminated */
	const char *value;
	size_t value_len;
	bool instant;
	int64_t us;
};

/* How a body takes part in matching. */
enum replay_body_kind {
	REPLAY_BODY_NONE = 0, /* no body */
	REPLAY_BODY_JSON,     /* an object or array: compared by meaning */
	REPLAY_BODY_TEXT      /* anything else: compared byte for byte */
};

/* A body ready to be compared: made once per recorded line, and once per request. */
struct replay_body {
	enum replay_body_kind kind;
	json_t *norm;     /* JSON: the value in canonical form; only read once made */
	char *canon;      /* JSON: norm's canonical text; TEXT: the text, redacted */
	size_t canon_len; /* NUL-terminated as well */
};

/*
 * Identical requests: their entries in file order, and how many of them replay has handed
 * out (which stops counting at n; the last one then repeats).
 */
struct replay_group {
	char *key;
	size_t key_len;
	uint64_t hash;
	size_t *members;
	size_t n;
	size_t cap;
	size_t next;
};

/* Open addressing over group indexes; SIZE_MAX marks a free slot. */
struct replay_table {
	struct replay_group *groups;
	size_t ngroups;
	size_t *slots;
	size_t mask;
};

struct replay {
	const struct cassette *c;
	size_t count;
	/* Every entry's parameters, sorted for comparing: entry i's start at sorted + first[i]. */
	struct replay_param *sorted;
	size_t *first;
	struct replay_body *bodies; /* entry i's at bodies[i] */
	/*
	 * Two groupings of the same entries: `any` ignores the credential, `cred` includes it.
	 * Which one a replay uses depends on whether it matches credentials, and each keeps its
	 * own replay positions.
	 */
	struct replay_table any;
	struct replay_table cred;
	pthread_mutex_t lock; /* guards every group's `next` */
	/* The fingerprints derived with the cassette's salt; NULL when no line is salted. */
	struct fingerprint_cache *cache;
	size_t nunsalted; /* entries with an unsalted fingerprint */
};

static bool
replay_param_is_date(const char *name)
{
	return strcmp(name, "fromDateTime") == 0 || strcmp(name, "toDateTime") == 0;
}

static void
replay_param_set(struct replay_param *p, const struct cassette_param *from)
{
	p->name = from->name;
	p->value = from->value;
	p->value_len = from->value_len;
	p->instant = replay_param_is_date(p->name) &&
	             isotime_parse(p->value, p->value_len, ISOTIME_LENIENT, &p->us) == 0;
}

/* Orders by name, then instants before text, then by instant or by bytes. */
static int
replay_param_cmp(const void *a, const void *b)
{
	const struct replay_param *x = a, *y = b;
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

/* Classifies n parameters into out and sorts them. */
static void
replay_params_sort(struct replay_param *out, const struct cassette_param *params, size_t n)
{
	for (size_t i = 0; i < n; i++)
		replay_param_set(&out[i], &params[i]);
	qsort(out, n, sizeof(*out), replay_param_cmp);
}

/*
 * Bodies.
 */

/* The canonical text of a value in canonical form: compact, members sorted by name. */
#define REPLAY_CANON (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)

/* The arrays compared as sets: lists of ids, whose order says nothing. */
static bool
replay_is_set(const char *name)
{
	return strcmp(name, "callIds") == 0 || strcmp(name, "primaryUserIds") == 0 ||
	       strcmp(name, "userIds") == 0;
}

/* An element of a set with its canonical text, for sorting. */
struct replay_item {
	char *text;
	json_t *v;
};

static int
replay_item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct replay_item *)a)->text, ((const struct replay_item *)b)->text);
}

/*
 * An array in canonical form as a set: its elements ordered by their canonical text, repeats
 * dropped. Takes a; returns a new reference, or NULL without memory.
 */
static json_t *
replay_set(json_t *a)
{
	size_t n = json_array_size(a);
	struct replay_item *items;
	json_t *out = NULL;
	size_t i;

	if (n < 2)
		return a;
	items = calloc(n, sizeof(*items));
	if (items == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		items[i].v = json_array_get(a, i);
		items[i].text = json_dumps(items[i].v, REPLAY_CANON);
		if (items[i].text == NULL)
			goto out;
	}
	qsort(items, n, sizeof(*items), replay_item_cmp);
	out = json_array();
	for (i = 0; out != NULL && i < n; i++) {
		if (i > 0 && strcmp(items[i].text, items[i - 1].text) == 0)
			continue;
		if (json_array_append(out, items[i].v) != 0) {
			json_decref(out);
			out = NULL;
		}
	}
out:
	for (i = 0; items != NULL && i < n; i++)
		free(items[i].text);
	free(items);
	json_decref(a);
	return out;
}

/* Past these a double holds no int64 value. */
#define REPLAY_INT_MIN (-9223372036854775808.0)
#define REPLAY_INT_END 9223372036854775808.0

/*
 * Brings a body's value to its canonical form, in which values that mean the same are equal:
 * a string that is an ISO-8601 date-time becomes the instant's UTC text (which parses back to
 * itself, so no other string can be confused with it), a real with an integral value the
 * integer, a "cursor" member that is null goes, and the callIds, primaryUserIds and userIds
 * arrays become sets. Takes v; returns a new reference (v itself, changed in place, for an
 * object or array), or NULL without memory.
 */
static json_t *
replay_norm(json_t *v)
{
	if (json_is_string(v)) {
		char text[ISOTIME_TEXT_MAX + 1];
		int64_t us;

		if (isotime_parse(json_string_value(v), json_string_length(v), ISOTIME_LENIENT,
		                  &us) != 0 ||
		    isotime_format(us, text, sizeof(text)) == 0)
			return v;
		json_decref(v);
		return json_string(text);
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);

		if (d < REPLAY_INT_MIN || d >= REPLAY_INT_END || (double)(json_int_t)d != d)
			return v;
		json_decref(v);
		return json_integer((json_int_t)d);
	}
	if (json_is_object(v)) {
		if (json_is_null(json_object_get(v, "cursor")))
			json_object_del(v, "cursor");
		for (void *it = json_object_iter(v); it != NULL;
		     it = json_object_iter_next(v, it)) {
			json_t *m = replay_norm(json_incref(json_object_iter_value(it)));

			if (json_is_array(m) && replay_is_set(json_object_iter_key(it)))
				m = replay_set(m);
			/* Replaced at the iterator: no key is looked up, none added. */
			if (m == NULL || json_object_iter_set_new(v, it, m) != 0) {
				json_decref(v);
				return NULL;
			}
		}
		return v;
	}
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++) {
			json_t *m = replay_norm(json_incref(json_array_get(v, i)));

			if (m == NULL || json_array_set_new(v, i, m) != 0) {
				json_decref(v);
				return NULL;
			}
		}
	}
	return v;
}

static void
replay_body_free(struct replay_body *b)
{
	json_decref(b->norm);
	free(b->canon);
	memset(b, 0, sizeof(*b));
}

/*
 * Makes b from a body in the form a line records it (exchange_request_body), taking form
 * (NULL: no body). Credentials are redacted again, for lines written by hand, so that what a
 * recording could not keep takes no part. 0, or -1 without memory (b then holds what was made,
 * for replay_body_free).
 */
static int
replay_body_make(struct replay_body *b, json_t *form)
{
	memset(b, 0, sizeof(*b));
	if (form == NULL)
		return 0;
	if (exchange_redact_request(form) != 0) {
		json_decref(form);
		return -1;
	}
	if (json_is_string(form)) {
		b->kind = REPLAY_BODY_TEXT;
		b->canon_len = json_string_length(form);
		b->canon = malloc(b->canon_len + 1);
		if (b->canon != NULL) {
			memcpy(b->canon, json_string_value(form), b->canon_len);
			b->canon[b->canon_len] = '\0';
		}
		json_decref(form);
		return b->canon != NULL ? 0 : -1;
	}
	b->kind = REPLAY_BODY_JSON;
	b->norm = replay_norm(form);
	if (b->norm == NULL)
		return -1;
	b->canon = json_dumps(b->norm, REPLAY_CANON);
	if (b->canon == NULL)
		return -1;
	b->canon_len = strlen(b->canon);
	return 0;
}

/* Makes b from a recorded body, parsed back from the cassette's rendering; 0, or -1. */
static int
replay_body_recorded(struct replay_body *b, const struct cassette_entry *e)
{
	json_t *form;

	memset(b, 0, sizeof(*b));
	if (e->body == NULL)
		return 0;
	if (e->body_json)
		form = json_loadb(e->body, e->body_len, EXCHANGE_JSON_LOAD, NULL);
	else
		form = json_stringn(e->body, e->body_len);
	if (form == NULL)
		return -1;
	return replay_body_make(b, form);
}

/* Appends one length-prefixed field, so that no content can run into the next field. */
static void
replay_key_field(struct jsonw *k, char tag, const char *s, size_t n)
{
	jsonw_char(k, tag);
	jsonw_uint(k, n);
	jsonw_char(k, ':');
	jsonw_mem(k, s, n);
}

/*
 * The canonical key of a request: method, path, the sorted parameters with dates as instants,
 * the body's canonical text, whether it had a credential at all, then the credential when
 * given. Identical requests, and only they, get equal keys.
 */
static void
replay_key(struct jsonw *k, const char *method, const char *path, const struct replay_param *sorted,
           size_t n, const struct replay_body *body, bool has_cred, const char *credential)
{
	replay_key_field(k, 'M', method, strlen(method));
	replay_key_field(k, 'P', path, strlen(path));
	for (size_t i = 0; i < n; i++) {
		replay_key_field(k, 'N', sorted[i].name, strlen(sorted[i].name));
		if (sorted[i].instant) {
			char tmp[24];
			int len = snprintf(tmp, sizeof(tmp), "%" PRId64, sorted[i].us);

			replay_key_field(k, 'I', tmp, (size_t)len);
		} else {
			replay_key_field(k, 'T', sorted[i].value, sorted[i].value_len);
		}
	}
	if (body->kind != REPLAY_BODY_NONE)
		replay_key_field(k, body->kind == REPLAY_BODY_JSON ? 'J' : 'B', body->canon,
		                 body->canon_len);
	/*
	 * With credentials or without is part of every key, matched or not: an answer recorded
	 * without any (a 401, mostly) must not answer a request that has one, nor the reverse.
	 */
	replay_key_field(k, 'A', has_cred ? "1" : "0", 1);
	if (credential != NULL)
		replay_key_field(k, 'C', credential, strlen(credential));
}

/* FNV-1a, 64 bits: keys are short and made here, so nothing stronger is needed. */
static uint64_t
replay_key_hash(const char *s, size_t n)
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
replay_table_init(struct replay_table *t, size_t n)
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
replay_table_free(struct replay_table *t)
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
replay_table_slot(const struct replay_table *t, const char *key, size_t len, uint64_t h)
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

static struct replay_group *
replay_table_find(const struct replay_table *t, const char *key, size_t len)
{
	size_t *slot = replay_table_slot(t, key, len, replay_key_hash(key, len));

	return *slot == SIZE_MAX ? NULL : &t->groups[*slot];
}

/* Adds entry `e` under key; the table was sized for every entry, so no slot runs out. */
static int
replay_table_add(struct replay_table *t, const char *key, size_t len, size_t e)
{
	uint64_t h = replay_key_hash(key, len);
	size_t *slot = replay_table_slot(t, key, len, h);
	struct replay_group *g;

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

/*
 * Sorts every entry's parameters, brings its body to canonical form, and counts the unsalted
 * credentials.
 */
static int
replay_prepare_entries(struct replay *rp)
{
	size_t total = 0;

	for (size_t i = 0; i < rp->count; i++)
		total += cassette_entry(rp->c, i)->nparams;
	rp->first = malloc((rp->count + 1) * sizeof(*rp->first));
	rp->sorted = malloc((total > 0 ? total : 1) * sizeof(*rp->sorted));
	rp->bodies = calloc(rp->count > 0 ? rp->count : 1, sizeof(*rp->bodies));
	if (rp->first == NULL || rp->sorted == NULL || rp->bodies == NULL)
		return -1;
	rp->first[0] = 0;
	for (size_t i = 0; i < rp->count; i++) {
		const struct cassette_entry *e = cassette_entry(rp->c, i);

		replay_params_sort(rp->sorted + rp->first[i], e->params, e->nparams);
		rp->first[i + 1] = rp->first[i] + e->nparams;
		if (replay_body_recorded(&rp->bodies[i], e) < 0)
			return -1;
		if (e->cred == CASSETTE_CRED_UNSALTED)
			rp->nunsalted++;
	}
	return 0;
}

/*
 * Groups every entry twice, with and without its credential (but always apart from the
 * entries of the other side: with a credential, or without one).
 */
static int
replay_index(struct replay *rp)
{
	struct jsonw k = {0};
	int rc = 0;

	if (replay_table_init(&rp->any, rp->count) < 0 ||
	    replay_table_init(&rp->cred, rp->count) < 0)
		return -1;
	for (size_t i = 0; i < rp->count && rc == 0; i++) {
		const struct cassette_entry *e = cassette_entry(rp->c, i);

		k.len = 0;
		replay_key(&k, e->method, e->path, rp->sorted + rp->first[i], e->nparams,
		           &rp->bodies[i], e->credential[0] != '\0', NULL);
		if (k.failed || replay_table_add(&rp->any, k.p, k.len, i) < 0)
			rc = -1;
		replay_key_field(&k, 'C', e->credential, strlen(e->credential));
		if (k.failed || replay_table_add(&rp->cred, k.p, k.len, i) < 0)
			rc = -1;
	}
	jsonw_free(&k);
	return rc;
}

struct replay *
replay_create(const struct cassette *c)
{
	unsigned char salt[FINGERPRINT_SALT_LEN];
	unsigned iterations;
	struct replay *rp = calloc(1, sizeof(*rp));

	if (rp == NULL)
		return NULL;
	if (pthread_mutex_init(&rp->lock, NULL) != 0) {
		free(rp);
		return NULL;
	}
	rp->c = c;
	rp->count = cassette_count(c);
	if (cassette_salt(c, salt, &iterations) != 0) {
		rp->cache = fingerprint_cache_create(salt, iterations);
		if (rp->cache == NULL)
			goto fail;
	}
	if (replay_prepare_entries(rp) < 0 || replay_index(rp) < 0)
		goto fail;
	return rp;
fail:
	replay_free(rp);
	return NULL;
}

void
replay_free(struct replay *rp)
{
	if (rp == NULL)
		return;
	replay_table_free(&rp->any);
	replay_table_free(&rp->cred);
	free(rp->sorted);
	free(rp->first);
	for (size_t i = 0; rp->bodies != NULL && i < rp->count; i++)
		replay_body_free(&rp->bodies[i]);
	free(rp->bodies);
	fingerprint_cache_free(rp->cache);
	pthread_mutex_destroy(&rp->lock);
	free(rp);
}

void
replay_rewind(struct replay *rp)
{
	if (rp == NULL)
		return;
	pthread_mutex_lock(&rp->lock);
	for (size_t i = 0; i < rp->any.ngroups; i++)
		rp->any.groups[i].next = 0;
	for (size_t i = 0; i < rp->cred.ngroups; i++)
		rp->cred.groups[i].next = 0;
	pthread_mutex_unlock(&rp->lock);
}

/*
 * An incoming request in the form of a recorded one: everything passed through exchange_clean
 * (as the recorder did) into one buffer, the parameters classified and sorted, and the body
 * as the recorder would have written it, in canonical form.
 */
struct replay_request {
	const char *method;
	const char *path;
	size_t n;
	struct cassette_param params[QUERY_MAX_PARAMS]; /* as sent, for messages */
	struct replay_param sorted[QUERY_MAX_PARAMS];
	struct replay_body body;
	bool has_cred; /* it had an Authorization */
	struct jsonw text;
};

static void
replay_request_free(struct replay_request *r)
{
	jsonw_free(&r->text);
	replay_body_free(&r->body);
}

/* Appends s as exchange_clean does, then a NUL; returns where it starts in the buffer. */
static size_t
replay_request_add(struct replay_request *r, const char *s, size_t n)
{
	size_t at = r->text.len;

	exchange_clean(&r->text, s, n);
	jsonw_char(&r->text, '\0');
	return at;
}

/* Fills r from the request; 0, or -1 without memory (r then freed). */
static int
replay_request_prepare(struct replay_request *r, const struct replay_ask *ask)
{
	const struct query *q = ask->query;
	const char *method = ask->method, *path = ask->path;
	size_t n = q != NULL ? q->count : 0;
	size_t *off;
	json_t *form;

	if (n > QUERY_MAX_PARAMS)
		n = QUERY_MAX_PARAMS;
	memset(r, 0, sizeof(*r));
	if (exchange_request_body(ask->body, ask->body_len, &form) != 0 ||
	    replay_body_make(&r->body, form) != 0) {
		replay_body_free(&r->body);
		return -1;
	}
	/* Offsets first, as the buffer may move while it grows. */
	off = malloc((2 * n + 2) * sizeof(*off));
	if (off == NULL) {
		replay_request_free(r);
		return -1;
	}
	method = method != NULL ? method : "";
	path = path != NULL ? path : "";
	off[0] = replay_request_add(r, method, strlen(method));
	off[1] = replay_request_add(r, path, strlen(path));
	for (size_t i = 0; i < n; i++) {
		const struct query_param *p = &q->params[i];

		off[2 + 2 * i] = replay_request_add(r, p->name, strlen(p->name));
		off[3 + 2 * i] = replay_request_add(r, p->value, p->value_len);
		r->params[i].value_len = r->text.len - 1 - off[3 + 2 * i];
	}
	if (r->text.failed) {
		free(off);
		replay_request_free(r);
		return -1;
	}
	r->method = r->text.p + off[0];
	r->path = r->text.p + off[1];
	for (size_t i = 0; i < n; i++) {
		r->params[i].name = r->text.p + off[2 + 2 * i];
		r->params[i].value = r->text.p + off[3 + 2 * i];
	}
	free(off);
	r->n = n;
	r->has_cred = ask->authorization != NULL;
	replay_params_sort(r->sorted, r->params, n);
	return 0;
}

/*
 * Counts the parameter names whose values differ between two sorted lists (present in one
 * only, or with other values), appending each such name to names when it is not NULL.
 */
static size_t
replay_params_diff(const struct replay_param *a, size_t na, const struct replay_param *b, size_t nb,
                   struct jsonw *names)
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
			same = replay_param_cmp(&a[i + k], &b[j + k]) == 0;
		if (!same) {
			if (names != NULL) {
				if (count > 0)
					JSONW_LIT(names, ", ");
				jsonw_str(names, name);
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
replay_msg_text(struct jsonw *m, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != 0x7f)
			continue;
		jsonw_mem(m, s + run, i - run);
		jsonw_char(m, '%');
		jsonw_char(m, hex[c >> 4]);
		jsonw_char(m, hex[c & 0x0f]);
		run = i + 1;
	}
	jsonw_mem(m, s + run, n - run);
}

/* `METHOD PATH?a=1&b=2`, parameters in the order given, values decoded. */
static void
replay_msg_request(struct jsonw *m, const char *method, const char *path,
                   const struct cassette_param *params, size_t n)
{
	replay_msg_text(m, method, strlen(method));
	jsonw_char(m, ' ');
	replay_msg_text(m, path, strlen(path));
	for (size_t i = 0; i < n; i++) {
		jsonw_char(m, i == 0 ? '?' : '&');
		replay_msg_text(m, params[i].name, strlen(params[i].name));
		jsonw_char(m, '=');
		replay_msg_text(m, params[i].value, params[i].value_len);
	}
}

/* A recorded credential in a message: only the hash of a salted fingerprint, which is enough
 * to find the line and keeps the message short. */
static void
replay_msg_credential(struct jsonw *m, const char *fingerprint)
{
	const char *f = fingerprint_hash(fingerprint);

	if (fingerprint[0] == '\0') {
		JSONW_LIT(m, " with no credential");
		return;
	}
	JSONW_LIT(m, " with credential ");
	replay_msg_text(m, f, strlen(f));
}

/*
 * An incoming credential, fingerprinted in each form that the cassette's lines hold: it can
 * only equal a line's fingerprint made the same way.
 */
struct replay_cred {
	bool none;            /* no Authorization */
	const char *salted;   /* NULL: no salted line, or the derivation failed */
	const char *unsalted; /* NULL: no unsalted line */
	char salted_buf[FINGERPRINT_MAX];
	char unsalted_buf[FINGERPRINT_UNSALTED_LEN + 1];
};

/* The fingerprint to compare with a line of the given form, or NULL when none can match. */
static const char *
replay_cred_for(const struct replay_cred *rc, enum cassette_cred form)
{
	if (rc->none)
		return "";
	if (form == CASSETTE_CRED_SALTED)
		return rc->salted;
	if (form == CASSETTE_CRED_UNSALTED)
		return rc->unsalted;
	return NULL;
}

static bool
replay_cred_match(const struct replay_cred *rc, const struct cassette_entry *e)
{
	const char *f = replay_cred_for(rc, e->cred);

	return f != NULL && strcmp(f, e->credential) == 0;
}

/* The incoming credential in a message, in the form of the line it is compared with. */
static void
replay_msg_incoming(struct jsonw *m, const struct replay_cred *rc,
                    const struct cassette_entry *best)
{
	const char *f = best != NULL ? replay_cred_for(rc, best->cred) : NULL;

	if (f == NULL)
		f = rc->none ? "" : rc->salted != NULL ? rc->salted : rc->unsalted;
	if (f == NULL)
		JSONW_LIT(m, " with a credential");
	else
		replay_msg_credential(m, f);
}

/*
 * Copies a message into miss, cut to misslen: at a UTF-8 character boundary, and ending with
 * "..." when it had to be cut, so that a reader knows there was more.
 */
static void
replay_msg_copy(char *miss, size_t misslen, const char *text, size_t len)
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
replay_msg_copy_str(char *miss, size_t misslen, const char *text)
{
	replay_msg_copy(miss, misslen, text, strlen(text));
}

/* Appends ", body field PATH WHAT" to m, when there is an m. */
static void
replay_msg_field(struct jsonw *m, const struct jsonw *path, const char *what)
{
	if (m == NULL)
		return;
	JSONW_LIT(m, ", body field ");
	replay_msg_text(m, path->p != NULL ? path->p : "", path->len);
	jsonw_char(m, ' ');
	jsonw_str(m, what);
}

static int
replay_name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Counts the members that differ between two objects in canonical form, asked (a) and
 * recorded (b), at any depth below path (dotted names from the top), naming each in m when
 * not NULL, in the order of their names. Only reads a and b, which other threads read too.
 */
static size_t
replay_object_diff(json_t *a, json_t *b, struct jsonw *path, struct jsonw *m)
{
	size_t n = 0, count = 0;
	const char **names =
	    malloc((json_object_size(a) + json_object_size(b) + 1) * sizeof(*names));
	const char *name;
	json_t *v;

	if (names == NULL) {
		path->failed = 1;
		return 1;
	}
	json_object_foreach(a, name, v) names[n++] = name;
	json_object_foreach(b, name, v) names[n++] = name;
	qsort(names, n, sizeof(*names), replay_name_cmp);
	for (size_t i = 0; i < n; i++) {
		size_t at = path->len;
		json_t *va, *vb;

		if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
			continue;
		va = json_object_get(a, names[i]);
		vb = json_object_get(b, names[i]);
		if (at > 0)
			jsonw_char(path, '.');
		jsonw_str(path, names[i]);
		if (va == NULL) {
			replay_msg_field(m, path, "missing");
			count++;
		} else if (vb == NULL) {
			replay_msg_field(m, path, "unexpected");
			count++;
		} else if (json_is_object(va) && json_is_object(vb)) {
			count += replay_object_diff(va, vb, path, m);
		} else if (!json_equal(va, vb)) {
			replay_msg_field(m, path, "differs");
			count++;
		}
		path->len = at;
	}
	free(names);
	return count;
}

/*
 * Counts the differences between the body asked (a) and the one recorded (b), naming each in
 * m when not NULL: member by member when both are JSON objects, else the body as a whole.
 */
static size_t
replay_body_diff(const struct replay_body *a, const struct replay_body *b, struct jsonw *m)
{
	const char *what = NULL;

	if (a->kind == REPLAY_BODY_NONE && b->kind == REPLAY_BODY_NONE)
		return 0;
	if (a->kind == REPLAY_BODY_NONE) {
		what = "missing";
	} else if (b->kind == REPLAY_BODY_NONE) {
		what = "unexpected";
	} else if (a->kind == REPLAY_BODY_JSON && b->kind == REPLAY_BODY_JSON &&
	           json_is_object(a->norm) && json_is_object(b->norm)) {
		struct jsonw path = {0};
		size_t count = replay_object_diff(a->norm, b->norm, &path, m);

		if (path.failed && m != NULL)
			m->failed = 1;
		jsonw_free(&path);
		return count;
	} else if (a->kind != b->kind || a->canon_len != b->canon_len ||
	           memcmp(a->canon, b->canon, a->canon_len) != 0) {
		what = "differs";
	}
	if (what == NULL)
		return 0;
	if (m != NULL) {
		JSONW_LIT(m, ", body ");
		jsonw_str(m, what);
	}
	return 1;
}

/* True when one of the request and the entry had a credential and the other none. */
static bool
replay_cred_apart(const struct replay_request *r, const struct cassette_entry *e)
{
	return r->has_cred != (e->credential[0] != '\0');
}

/* The entry closest to the request: same method and path, fewest differences, earliest. */
static size_t
replay_closest(const struct replay *rp, const struct replay_request *r,
               const struct replay_cred *rc)
{
	size_t best = SIZE_MAX, best_d = SIZE_MAX;

	for (size_t i = 0; i < rp->count; i++) {
		const struct cassette_entry *e = cassette_entry(rp->c, i);
		size_t d;

		if (strcmp(e->method, r->method) != 0 || strcmp(e->path, r->path) != 0)
			continue;
		d = replay_params_diff(r->sorted, r->n, rp->sorted + rp->first[i], e->nparams,
		                       NULL);
		if (rc != NULL ? !replay_cred_match(rc, e) : replay_cred_apart(r, e))
			d++;
		d += replay_body_diff(&r->body, &rp->bodies[i], NULL);
		if (d < best_d) {
			best = i;
			best_d = d;
		}
	}
	return best;
}

/* Explains a miss in miss: what was asked, and what is closest. */
static void
replay_miss(const struct replay *rp, const struct replay_request *r, const struct replay_cred *rc,
            char *miss, size_t misslen)
{
	size_t i = replay_closest(rp, r, rc);
	const struct cassette_entry *best = i != SIZE_MAX ? cassette_entry(rp->c, i) : NULL;
	struct jsonw m = {0};

	JSONW_LIT(&m, "no recorded answer for ");
	replay_msg_request(&m, r->method, r->path, r->params, r->n);
	if (rc != NULL)
		replay_msg_incoming(&m, rc, best);
	if (best == NULL) {
		JSONW_LIT(&m, "; nothing was recorded for ");
		replay_msg_text(&m, r->method, strlen(r->method));
		jsonw_char(&m, ' ');
		replay_msg_text(&m, r->path, strlen(r->path));
	} else {
		const struct replay_param *sorted = rp->sorted + rp->first[i];
		size_t nparams = replay_params_diff(r->sorted, r->n, sorted, best->nparams, NULL);
		bool cred = rc != NULL && !replay_cred_match(rc, best);

		JSONW_LIT(&m, "; closest recorded (line ");
		jsonw_uint(&m, best->answer.line);
		JSONW_LIT(&m, "): ");
		replay_msg_request(&m, best->method, best->path, best->params, best->nparams);
		if (rc != NULL)
			replay_msg_credential(&m, best->credential);
		if (nparams > 0 || cred)
			JSONW_LIT(&m, ", differs in ");
		replay_params_diff(r->sorted, r->n, sorted, best->nparams, &m);
		if (cred)
			jsonw_str(&m, nparams > 0 ? ", credential" : "credential");
		if (rc == NULL && replay_cred_apart(r, best))
			jsonw_str(&m, r->has_cred
			                  ? ", recorded without credentials; this request has some"
			                  : ", recorded with credentials; this request has none");
		replay_body_diff(&r->body, &rp->bodies[i], &m);
	}
	if (m.failed)
		replay_msg_copy_str(miss, misslen, REPLAY_NO_MEMORY);
	else
		replay_msg_copy(miss, misslen, m.p, m.len);
	jsonw_free(&m);
}

/*
 * Fingerprints an incoming credential in the forms the cassette holds. The salted one costs a
 * PBKDF2 derivation the first time a credential is seen, and a cache lookup after that.
 */
static void
replay_cred_make(struct replay *rp, const char *authorization, struct replay_cred *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->none = authorization == NULL;
	if (rc->none)
		return;
	if (rp->cache != NULL &&
	    fingerprint_cache_get(rp->cache, authorization, rc->salted_buf) == 0)
		rc->salted = rc->salted_buf;
	if (rp->nunsalted > 0) {
		fingerprint_unsalted(authorization, rc->unsalted_buf);
		rc->unsalted = rc->unsalted_buf;
	}
}

/* The group of the request under the credential, in each form it has; NULL when none. */
static struct replay_group *
replay_find(const struct replay *rp, const struct replay_request *r, const struct replay_cred *rc)
{
	const char *tries[2];
	struct replay_group *g = NULL;
	struct jsonw k = {0};
	size_t n = 0;

	if (rc == NULL) {
		replay_key(&k, r->method, r->path, r->sorted, r->n, &r->body, r->has_cred, NULL);
		g = k.failed ? NULL : replay_table_find(&rp->any, k.p, k.len);
		jsonw_free(&k);
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
		replay_key(&k, r->method, r->path, r->sorted, r->n, &r->body, !rc->none, tries[i]);
		g = k.failed ? NULL : replay_table_find(&rp->cred, k.p, k.len);
	}
	jsonw_free(&k);
	return g;
}

int
replay_answer(struct replay *rp, const struct replay_ask *ask, struct cassette_answer *out,
              char *miss, size_t misslen)
{
	int match_credential = ask != NULL && ask->match_credential;
	struct replay_request *r;
	struct replay_cred rc;
	struct replay_group *g;
	size_t pos;

	if (rp == NULL || ask == NULL || out == NULL) {
		replay_msg_copy_str(miss, misslen, "no cassette loaded");
		return 0;
	}
	/* About 32 KiB: too much for the stack of a server's worker thread to take lightly. */
	r = malloc(sizeof(*r));
	if (r == NULL || replay_request_prepare(r, ask) < 0) {
		free(r);
		replay_msg_copy_str(miss, misslen, REPLAY_NO_MEMORY);
		return 0;
	}
	if (match_credential)
		replay_cred_make(rp, ask->authorization, &rc);
	g = replay_find(rp, r, match_credential ? &rc : NULL);
	if (g == NULL) {
		replay_miss(rp, r, match_credential ? &rc : NULL, miss, misslen);
		replay_request_free(r);
		free(r);
		return 0;
	}
	replay_request_free(r);
	free(r);
	pthread_mutex_lock(&rp->lock);
	pos = g->next;
	if (g->next < g->n)
		g->next++;
	pthread_mutex_unlock(&rp->lock);
	if (pos >= g->n)
		pos = g->n - 1;
	*out = cassette_entry(rp->c, g->members[pos])->answer;
	return 1;
}

int
replay_match(struct replay *rp, const char *method, const char *path, const struct query *q,
             int match_credential, const char *authorization, struct cassette_answer *out,
             char *miss, size_t misslen)
{
	struct replay_ask ask;

	memset(&ask, 0, sizeof(ask));
	ask.method = method;
	ask.path = path;
	ask.query = q;
	ask.match_credential = match_credential;
	ask.authorization = authorization;
	return replay_answer(rp, &ask, out, miss, misslen);
}
