/*
 * replay.c - an index over a loaded cassette, and answering requests with it.
 *
 * Every exchange is grouped with the identical requests under a canonical key (method, path,
 * parameters sorted, dates as instants), twice: once without and once with its credential, in
 * two open-addressing hash tables. Answering a request is then one key built and one lookup,
 * plus a lock held only to move the group's position. The cassette is scanned only to explain
 * a miss: a miss is the rare case, and stops a test run anyway. Loading the cassette is
 * cassette.c's business, and deriving fingerprints fingerprint.c's.
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
 * then the credential when given. Identical requests, and only they, get equal keys.
 */
static void
replay_key(struct jsonw *k, const char *method, const char *path, const struct replay_param *sorted,
           size_t n, const char *credential)
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

/* Sorts every entry's parameters, and counts the unsalted credentials. */
static int
replay_sort_entries(struct replay *rp)
{
	size_t total = 0;

	for (size_t i = 0; i < rp->count; i++)
		total += cassette_entry(rp->c, i)->nparams;
	rp->first = malloc((rp->count + 1) * sizeof(*rp->first));
	rp->sorted = malloc((total > 0 ? total : 1) * sizeof(*rp->sorted));
	if (rp->first == NULL || rp->sorted == NULL)
		return -1;
	rp->first[0] = 0;
	for (size_t i = 0; i < rp->count; i++) {
		const struct cassette_entry *e = cassette_entry(rp->c, i);

		replay_params_sort(rp->sorted + rp->first[i], e->params, e->nparams);
		rp->first[i + 1] = rp->first[i] + e->nparams;
		if (e->cred == CASSETTE_CRED_UNSALTED)
			rp->nunsalted++;
	}
	return 0;
}

/* Groups every entry twice, with and without its credential. */
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
		replay_key(&k, e->method, e->path, rp->sorted + rp->first[i], e->nparams, NULL);
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
	if (replay_sort_entries(rp) < 0 || replay_index(rp) < 0)
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
 * (as the recorder did) into one buffer, and the parameters classified and sorted.
 */
struct replay_request {
	const char *method;
	const char *path;
	size_t n;
	struct cassette_param params[QUERY_MAX_PARAMS]; /* as sent, for messages */
	struct replay_param sorted[QUERY_MAX_PARAMS];
	struct jsonw text;
};

/* Appends s as exchange_clean does, then a NUL; returns where it starts in the buffer. */
static size_t
replay_request_add(struct replay_request *r, const char *s, size_t n)
{
	size_t at = r->text.len;

	exchange_clean(&r->text, s, n);
	jsonw_char(&r->text, '\0');
	return at;
}

static int
replay_request_prepare(struct replay_request *r, const char *method, const char *path,
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
		jsonw_free(&r->text);
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
		if (rc != NULL && !replay_cred_match(rc, e))
			d++;
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
		size_t before;

		JSONW_LIT(&m, "; closest recorded (line ");
		jsonw_uint(&m, best->answer.line);
		JSONW_LIT(&m, "): ");
		replay_msg_request(&m, best->method, best->path, best->params, best->nparams);
		if (rc != NULL)
			replay_msg_credential(&m, best->credential);
		JSONW_LIT(&m, ", differs in ");
		before = m.len;
		replay_params_diff(r->sorted, r->n, rp->sorted + rp->first[i], best->nparams, &m);
		if (rc != NULL && !replay_cred_match(rc, best))
			jsonw_str(&m, m.len > before ? ", credential" : "credential");
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
		replay_key(&k, r->method, r->path, r->sorted, r->n, NULL);
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
		replay_key(&k, r->method, r->path, r->sorted, r->n, tries[i]);
		g = k.failed ? NULL : replay_table_find(&rp->cred, k.p, k.len);
	}
	jsonw_free(&k);
	return g;
}

int
replay_match(struct replay *rp, const char *method, const char *path, const struct query *q,
             int match_credential, const char *authorization, struct cassette_answer *out,
             char *miss, size_t misslen)
{
	struct replay_request *r;
	struct replay_cred rc;
	struct replay_group *g;
	size_t pos;

	if (rp == NULL || out == NULL) {
		replay_msg_copy_str(miss, misslen, "no cassette loaded");
		return 0;
	}
	/* About 32 KiB: too much for the stack of a server's worker thread to take lightly. */
	r = malloc(sizeof(*r));
	if (r == NULL || replay_request_prepare(r, method, path, q) < 0) {
		free(r);
		replay_msg_copy_str(miss, misslen, REPLAY_NO_MEMORY);
		return 0;
	}
	if (match_credential)
		replay_cred_make(rp, authorization, &rc);
	g = replay_find(rp, r, match_credential ? &rc : NULL);
	if (g == NULL) {
		replay_miss(rp, r, match_credential ? &rc : NULL, miss, misslen);
		jsonw_free(&r->text);
		free(r);
		return 0;
	}
	jsonw_free(&r->text);
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
