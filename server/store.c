/*
 * store.c - the call dataset: building it from the calls a load gathered, answering date
 * ranges with binary searches, and publishing it to reader threads.
 *
 * Once every file is read, calls are sorted by (date, id). Input that was already in that
 * order, as Gong serves it and `generate` writes it, keeps its text buffer as it is; other input
 * is copied into a new buffer in order, from the end, while the old one is shrunk behind the
 * copy. Peak memory stays near one copy of the text. Each workspace gets the list of its
 * calls' indices, in the same order, so a filtered range is two binary searches too. A store
 * is never changed afterwards; the store_slot at the end publishes stores to reader threads.
 * Reading files is the reader's, judging and rendering calls callrec's. Nothing here knows
 * HTTP.
 *
 * The build also adds what the POST views and the company need: an order by start time (most
 * input is already in it), an id table, the blocks of each call with the transcripts read
 * apart joined to them, and the company, made from the calls' ids when the data gives none.
 *
 * Why one file of this length: every part below reads the store's private layout (the calls,
 * the arena, the indices), which the header keeps opaque so that readers on other threads can
 * only use the functions that are safe for them; splitting the build or the queries out would
 * mean publishing that layout in a second header for the sake of file size.
 */
#include "store.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pthread.h>

#include "callset.h"
#include "gzip.h"
#include "jtok.h"
#include "reader.h"
#include "rng.h"

/* When reordering, the old text buffer is shrunk each time this much of it has been copied. */
#define STORE_SHRINK_STEP (64U << 20)

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

	char *btext; /* the blocks' and transcripts' fragments */
	struct blocks *blk;
	size_t nblk;
	uint32_t *started; /* indices into calls, in (started, id) order */
	uint32_t *idtab;   /* open addressing on the id: index into calls + 1 (0: empty) */
	size_t idcap;
	struct company *company;
	char warning[256]; /* what the load noticed but let through ("" when nothing) */
	/* The calls' gzip segments, made when first asked for (store_call_gz): an array of
	 * ncalls pointers, itself made then. */
	_Atomic(struct store_gz *_Atomic *) gz;
};


/* A live call's place in the order, and the rec it came from. */
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

/*
 * The keys of the set's live calls (there are some), sorted; *sorted tells whether they came
 * in order. Counts each workspace's live calls on the way. NULL when out of memory.
 */
static struct skey *
build_keys(struct callset *set, int *sorted)
{
	size_t n = set->live, k = 0;
	struct skey *keys = malloc(n * sizeof(*keys));
	*sorted = 1;
	if (!keys)
		return NULL;
	for (size_t i = 0; i < set->nrecs; i++) {
		const struct callset_rec *r = &set->recs[i];
		if (r->len == CALLSET_DEAD)
			continue;
		keys[k] = (struct skey){r->date_us, r->id_hi, r->id_lo, (uint32_t)i};
		if (k && *sorted && skey_cmp(&keys[k - 1], &keys[k]) > 0)
			*sorted = 0;
		k++;
		if (r->ws != STORE_NO_WORKSPACE)
			set->ws[r->ws].count++;
	}
	if (!*sorted)
		qsort(keys, n, sizeof(*keys), skey_cmp);
	return keys;
}

/*
 * The workspaces that kept at least one call, sorted by id, each with its count and the start
 * of its share of ws_calls; the set's entries learn their index in the store (`final`).
 */
static int
build_workspaces(struct store *s, struct callset *set)
{
	for (size_t w = 0; w < set->nws; w++)
		s->nws += set->ws[w].count > 0;
	if (!s->nws)
		return 0;
	s->ws = calloc(s->nws, sizeof(*s->ws));
	if (!s->ws)
		return -1;
	size_t m = 0;
	for (size_t w = 0; w < set->nws; w++) {
		if (!set->ws[w].count)
			continue;
		memcpy(s->ws[m].id, set->ws[w].id, sizeof(s->ws[m].id));
		s->ws[m].count = set->ws[w].count;
		s->ws[m].first = w; /* remembers the set's index until sorted */
		m++;
	}
	qsort(s->ws, s->nws, sizeof(*s->ws), ws_cmp);
	size_t first = 0;
	for (size_t w = 0; w < s->nws; w++) {
		set->ws[s->ws[w].first].final = (uint32_t)w;
		s->ws[w].first = first;
		first += s->ws[w].count;
	}
	return 0;
}

/*
 * Copies the live calls' text into a new arena in key order. The copy walks the calls from the
 * last one read to the first, so the old buffer can be cut down behind it (realloc shrinks
 * large blocks in place, giving the pages back): both buffers are never whole at the same
 * time. dest[rec] is where each live rec's text goes.
 */
static int
build_copy(struct store *s, struct callset *set, const size_t *dest)
{
	s->arena = malloc(s->arena_len);
	if (!s->arena)
		return -1;
	size_t kept = set->text.len;
	for (size_t i = set->nrecs; i-- > 0;) {
		const struct callset_rec *r = &set->recs[i];
		if (r->len != CALLSET_DEAD)
			memcpy(s->arena + dest[i], set->text.p + r->off, (size_t)r->len + 1);
		if (r->off && kept - r->off >= STORE_SHRINK_STEP) {
			char *p = realloc(set->text.p, r->off);
			if (p) {
				set->text.p = p;
				set->text.cap = r->off;
			}
			kept = r->off;
		}
	}
	return 0;
}

/*
 * The live calls in key order, their text not placed yet. When it cannot stay where it is
 * (dest not NULL), *dest gets, for each live rec, the offset its text will have.
 */
static int
build_calls(struct store *s, struct callset *set, const struct skey *keys, size_t **dest)
{
	size_t n = set->live, total = 0;
	s->calls = malloc(n * sizeof(*s->calls));
	if (!s->calls || (dest && (*dest = malloc(set->nrecs * sizeof(**dest))) == NULL))
		return -1;
	for (size_t r = 0; r < n; r++) {
		const struct callset_rec *rec = &set->recs[keys[r].rec];
		struct store_call *c = &s->calls[r];
		c->date_us = rec->date_us;
		c->id_hi = rec->id_hi;
		c->id_lo = rec->id_lo;
		c->json_len = rec->len;
		c->workspace =
		    rec->ws == STORE_NO_WORKSPACE ? STORE_NO_WORKSPACE : set->ws[rec->ws].final;
		c->started_us = rec->started_us;
		c->user_hi = rec->user_hi;
		c->user_lo = rec->user_lo;
		c->blk = rec->blk;
		c->flags = rec->flags & CALLSET_VIDEO ? STORE_VIDEO : 0;
		if (dest)
			(*dest)[keys[r].rec] = total;
		total += (size_t)rec->len + 1;
	}
	s->ncalls = n;
	s->arena_len = total;
	return 0;
}

/*
 * The calls' text in order: the set's buffer itself when the input came sorted without
 * duplicates (dest NULL: only its spare capacity goes), else a copy (build_copy).
 */
static int
build_arena(struct store *s, struct callset *set, const size_t *dest)
{
	if (!dest) {
		char *p = realloc(set->text.p, s->arena_len);
		s->arena = p ? p : set->text.p;
		jsonw_init(&set->text);
	} else if (build_copy(s, set, dest) < 0) {
		return -1;
	}
	for (size_t r = 0, off = 0; r < s->ncalls; r++) {
		s->calls[r].json = s->arena + off;
		off += (size_t)s->calls[r].json_len + 1;
	}
	return 0;
}

/* Each workspace's calls, in the store's order. */
static int
build_ws_calls(struct store *s)
{
	if (!s->nws)
		return 0;
	size_t *fill = calloc(s->nws, sizeof(*fill));
	s->ws_calls = malloc(s->ncalls * sizeof(*s->ws_calls));
	if (!fill || !s->ws_calls) {
		free(fill);
		return -1;
	}
	for (size_t r = 0; r < s->ncalls; r++) {
		uint32_t w = s->calls[r].workspace;
		if (w != STORE_NO_WORKSPACE)
			s->ws_calls[s->ws[w].first + fill[w]++] = (uint32_t)r;
	}
	free(fill);
	return 0;
}

static uint64_t
id_hash(uint64_t hi, uint64_t lo)
{
	return rng_mix(hi * UINT64_C(0x9e3779b97f4a7c15) ^ lo);
}

/* The id table: every call, at most half full. */
static int
build_ids(struct store *s)
{
	size_t cap = 16;
	while (cap < s->ncalls * 2)
		cap *= 2;
	s->idtab = calloc(cap, sizeof(*s->idtab));
	if (!s->idtab)
		return -1;
	s->idcap = cap;
	for (size_t r = 0; r < s->ncalls; r++) {
		size_t h = id_hash(s->calls[r].id_hi, s->calls[r].id_lo) & (cap - 1);
		while (s->idtab[h])
			h = (h + 1) & (cap - 1);
		s->idtab[h] = (uint32_t)r + 1;
	}
	return 0;
}

static const struct store *sort_store; /* qsort has no context argument */

static int
started_cmp(const void *pa, const void *pb)
{
	const struct store_call *a = &sort_store->calls[*(const uint32_t *)pa];
	const struct store_call *b = &sort_store->calls[*(const uint32_t *)pb];
	return pos_cmp(a->started_us, a->id_hi, a->id_lo, b->started_us, b->id_hi, b->id_lo);
}

/*
 * The (started, id) order. Most calls start in the order they are dated (a web conference
 * starts minutes after its schedule), so the common case is a check that finds it sorted;
 * otherwise a sort, under a lock because qsort takes no context.
 */
static int
build_started(struct store *s)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	int sorted = 1;

	s->started = malloc((s->ncalls ? s->ncalls : 1) * sizeof(*s->started));
	if (!s->started)
		return -1;
	for (size_t r = 0; r < s->ncalls; r++) {
		s->started[r] = (uint32_t)r;
		if (r > 0 && pos_cmp(s->calls[r - 1].started_us, s->calls[r - 1].id_hi,
		                     s->calls[r - 1].id_lo, s->calls[r].started_us,
		                     s->calls[r].id_hi, s->calls[r].id_lo) > 0)
			sorted = 0;
	}
	if (!sorted) {
		pthread_mutex_lock(&lock);
		sort_store = s;
		qsort(s->started, s->ncalls, sizeof(*s->started), started_cmp);
		sort_store = NULL;
		pthread_mutex_unlock(&lock);
	}
	return 0;
}

/*
 * Takes the set's blocks, and joins the transcripts read apart from their calls to them (a
 * later one for the same call replaces an earlier one, and replaces the call's own). A
 * transcript whose call is not in the data is an error naming its file and place.
 */
static int
build_blocks(struct store *s, struct callset *set, char *err, size_t errlen)
{
	s->btext = set->blocktext.p;
	jsonw_init(&set->blocktext);
	s->blk = set->blk;
	s->nblk = set->nblk;
	set->blk = NULL;
	set->nblk = set->capblk = 0;
	if (set->ntx == 0)
		return 0;
	struct blocks *blk = realloc(s->blk, (s->nblk + set->ntx) * sizeof(*blk));
	if (!blk) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->blk = blk;
	for (size_t i = 0; i < set->ntx; i++) {
		const struct callset_transcript *t = &set->tx[i];
		struct store_call *c = (struct store_call *)store_find(s, t->id_hi, t->id_lo);
		if (!c) {
			char id[STORE_ID_MAX + 1];
			store_id_format(t->id_hi, t->id_lo, id);
			snprintf(err, errlen, "%s: transcript %zu: callId: no call %s in the data",
			         set->files[t->file], t->index, id);
			return -1;
		}
		if (c->blk == STORE_NO_BLOCKS) {
			memset(&s->blk[s->nblk], 0, sizeof(s->blk[s->nblk]));
			c->blk = (uint32_t)s->nblk++;
		}
		s->blk[c->blk].tx_off = t->off;
		s->blk[c->blk].len[BLOCKS_TRANSCRIPT] = t->len;
	}
	return 0;
}

static int
sid_order(const void *pa, const void *pb)
{
	const struct store_id *a = pa, *b = pb;
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* A growing list of ids. */
struct id_list {
	struct store_id *ids;
	size_t n;
	size_t cap;
};

static int
id_list_add(struct id_list *l, uint64_t hi, uint64_t lo)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct store_id *ids = realloc(l->ids, cap * sizeof(*ids));
		if (!ids)
			return -1;
		l->ids = ids;
		l->cap = cap;
	}
	l->ids[l->n++] = (struct store_id){hi, lo};
	return 0;
}

/* The `key` of each object in the array fragment (parties, speakers, comments) to l. */
static int
fragment_users(const char *text, size_t len, const char *key, struct jtoks *ts, struct id_list *l)
{
	if (len == 0 || jtok_parse(ts, text, len) != 0 || ts->t[0].type != JTOK_ARRAY)
		return 0;
	size_t e = 1;
	for (uint32_t i = 0; i < ts->t[0].n; i++) {
		long v = jtok_get(ts, text, e, key);
		if (v >= 0 && jtok_is_id(ts, text, (size_t)v)) {
			const struct jtok *t = &ts->t[v];
			uint64_t hi, lo;
			store_id_split(text + t->start + 1, t->end - t->start - 2, &hi, &lo);
			if (id_list_add(l, hi, lo) != 0)
				return -1;
		}
		e = ts->t[e].next;
	}
	return 0;
}

/* The users a call's blocks name: internal parties, speakers, commenters. */
static int
block_users(const struct store *s, const struct store_call *c, struct id_list *l)
{
	static const struct {
		enum blocks_part part;
		const char *key;
	} parts[] = {{BLOCKS_PARTIES, "userId"},
	             {BLOCKS_SPEAKERS, "userId"},
	             {BLOCKS_COMMENTS, "commenterUserId"}};
	const struct blocks *b = store_blocks(s, c);
	struct jtoks ts = {0};
	int rc = 0;
	if (b == NULL)
		return 0;
	for (size_t i = 0; rc == 0 && i < sizeof(parts) / sizeof(parts[0]); i++)
		rc = fragment_users(s->btext + blocks_part_off(b, parts[i].part),
		                    b->len[parts[i].part], parts[i].key, &ts, l);
	jtok_free(&ts);
	return rc;
}

/*
 * The company: as the data gave it, or, for what it did not give, made from the calls (a
 * user per primaryUserId and per user the blocks name, a workspace per workspaceId, known by
 * id alone), so that every id a call holds resolves. When the data gave users or workspaces, calls
 * that point outside them are counted for a warning.
 */
static int
build_company(struct store *s, struct callset *set)
{
	struct company_set *cs = &set->company;
	if (!cs->given_users) {
		struct id_list l = {0};
		for (size_t r = 0; r < s->ncalls; r++) {
			if ((s->calls[r].user_hi || s->calls[r].user_lo) &&
			    id_list_add(&l, s->calls[r].user_hi, s->calls[r].user_lo) != 0) {
				free(l.ids);
				return -1;
			}
			if (block_users(s, &s->calls[r], &l) != 0) {
				free(l.ids);
				return -1;
			}
		}
		struct store_id *ids = l.ids;
		size_t n = l.n;
		if (n > 0)
			qsort(ids, n, sizeof(*ids), sid_order);
		for (size_t i = 0; i < n; i++)
			if ((i == 0 || sid_order(&ids[i - 1], &ids[i]) != 0) &&
			    company_add_bare_user(cs, ids[i].hi, ids[i].lo) != 0) {
				free(ids);
				return -1;
			}
		free(ids);
	}
	if (!cs->given_ws)
		for (size_t w = 0; w < s->nws; w++)
			if (company_add_bare_workspace(cs, s->ws[w].id) != 0)
				return -1;
	if ((s->company = company_build(cs)) == NULL)
		return -1;
	size_t users = 0, wss = 0, first_user = SIZE_MAX, first_ws = SIZE_MAX;
	for (size_t r = 0; r < s->ncalls; r++) {
		const struct store_call *c = &s->calls[r];
		if (company_has_users(s->company) && (c->user_hi || c->user_lo) &&
		    company_user(s->company, c->user_hi, c->user_lo) == NULL) {
			users++;
			if (first_user == SIZE_MAX)
				first_user = r;
		}
		if (company_has_workspaces(s->company) && c->workspace != STORE_NO_WORKSPACE &&
		    !company_has_workspace(s->company, s->ws[c->workspace].id)) {
			wss++;
			if (first_ws == SIZE_MAX)
				first_ws = r;
		}
	}
	if (users > 0 || wss > 0) {
		char id[STORE_ID_MAX + 1];
		const struct store_call *c = &s->calls[users > 0 ? first_user : first_ws];
		store_id_format(c->id_hi, c->id_lo, id);
		snprintf(s->warning, sizeof(s->warning),
		         "%zu call(s) name a primaryUserId that is not among the users, %zu a "
		         "workspaceId that is not among the workspaces (the first: call %s)",
		         users, wss, id);
	}
	return 0;
}

/*
 * A store from the calls of a load; NULL with "NAME: out of memory" in err. The set's tables
 * and the sort keys are freed as soon as they have served, to keep the peak low.
 */
static struct store *
store_build(struct callset *set, const char *name, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));
	struct skey *keys = NULL;
	size_t *dest = NULL;
	int sorted = 1;
	callset_seal(set);
	if (!s)
		goto oom;
	if (set->live) {
		if ((keys = build_keys(set, &sorted)) == NULL || build_workspaces(s, set) < 0)
			goto oom;
		int in_place = sorted && set->live == set->nrecs;
		if (build_calls(s, set, keys, in_place ? NULL : &dest) < 0)
			goto oom;
		free(keys);
		keys = NULL;
		if (build_arena(s, set, dest) < 0 || build_ws_calls(s) < 0)
			goto oom;
		free(dest);
		dest = NULL;
	}
	if (build_ids(s) < 0 || build_started(s) < 0)
		goto oom;
	char msg[256];
	if (build_blocks(s, set, msg, sizeof(msg)) < 0) {
		if (strcmp(msg, "out of memory") == 0)
			goto oom;
		if (err && errlen)
			snprintf(err, errlen, "%s", msg);
		store_free(s);
		return NULL;
	}
	/* After the blocks: users the blocks name are part of the company made from calls. */
	if (build_company(s, set) < 0)
		goto oom;
	return s;
oom:
	free(keys);
	free(dest);
	store_free(s);
	if (err && errlen)
		snprintf(err, errlen, "%s: out of memory", name);
	return NULL;
}

struct store *
store_load(const char *path, char *err, size_t errlen)
{
	struct callset set = {0};
	struct store *s = NULL;
	if (reader_path(&set, path, err, errlen) == 0)
		s = store_build(&set, path, err, errlen);
	callset_free(&set);
	return s;
}

struct store *
store_load_buffer(const char *name, const char *data, size_t len, char *err, size_t errlen)
{
	struct callset set = {0};
	struct store *s = NULL;
	if (reader_buffer(&set, name, data, len, err, errlen) == 0)
		s = store_build(&set, name, err, errlen);
	callset_free(&set);
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
	free(s->btext);
	free(s->blk);
	free(s->started);
	free(s->idtab);
	company_free(s->company);
	{
		struct store_gz *_Atomic *gz = atomic_load(&s->gz);

		for (size_t i = 0; gz != NULL && i < s->ncalls; i++)
			free(atomic_load(&gz[i]));
		free((void *)gz);
	}
	free(s);
}

const struct store_call *
store_call_prev(const struct store *s, const struct store_call *c)
{
	return c > s->calls ? c - 1 : NULL;
}

const struct store_gz *
store_call_gz(const struct store *cs, const struct store_call *c)
{
	/* The cache is the store's one mutable part: atomics only, never a lock. */
	struct store *s = (struct store *)(uintptr_t)cs;
	struct store_gz *_Atomic *gz = atomic_load(&s->gz);
	struct store_gz *_Atomic *want;
	const struct store_call *prev = store_call_prev(s, c);
	size_t i = (size_t)(c - s->calls);
	struct store_gz *z, *expect = NULL;
	struct response_piece piece;

	if (prev == NULL)
		return NULL;
	if (gz == NULL) {
		want = calloc(s->ncalls, sizeof(*want));
		if (want == NULL)
			return NULL;
		if (!atomic_compare_exchange_strong(&s->gz, &gz, want))
			free((void *)want); /* another thread made it first: gz holds theirs */
		else
			gz = want;
	}
	z = atomic_load(&gz[i]);
	if (z != NULL)
		return z;
	z = malloc(sizeof(*z) + gzip_segment_bound((size_t)c->json_len + 1));
	if (z == NULL)
		return NULL;
	piece.base = c->json;
	piece.len = (size_t)c->json_len + 1;
	/* Made once and sent many times: zlib's default level, not its fastest. */
	if (gzip_segment(prev->json, (size_t)prev->json_len + 1, &piece, 1, 6, z->data, &z->len) !=
	    0) {
		free(z);
		return NULL;
	}
	z->crc = gzip_crc(0, piece.base, piece.len);
	z->crc_op = gzip_crc_op(piece.len);
	if (!atomic_compare_exchange_strong(&gz[i], &expect, z)) {
		free(z);
		z = expect;
	}
	return z;
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
	store_id_split(id, n, &pos->id_hi, &pos->id_lo);
	return 0;
}

void
store_id_split(const char *digits, size_t n, uint64_t *id_hi, uint64_t *id_lo)
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
	*id_hi = h;
	*id_lo = l;
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

/* The workspace with this id, or NULL. */
static const struct store_ws *
ws_find(const struct store *s, const char *id)
{
	size_t lo = 0, hi = s->nws;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->ws[mid].id, id);
		if (c == 0)
			return &s->ws[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void
store_query(const struct store *s, const struct filter *f, const struct store_pos *after,
            size_t limit, struct store_page *page)
{
	struct view v = {s->calls, NULL, s->ncalls};
	page->total = page->remaining = 0;
	page->count = 0;
	if (f->has_workspace) {
		const struct store_ws *w = ws_find(s, f->workspace);
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

const struct company *
store_company(const struct store *s)
{
	return s->company;
}

const char *
store_warning(const struct store *s)
{
	return s->warning;
}

const struct blocks *
store_blocks(const struct store *s, const struct store_call *c)
{
	return c->blk == STORE_NO_BLOCKS ? NULL : &s->blk[c->blk];
}

const char *
store_block_text(const struct store *s)
{
	return s->btext;
}

const struct store_call *
store_find(const struct store *s, uint64_t id_hi, uint64_t id_lo)
{
	if (!s->idcap)
		return NULL;
	size_t h = id_hash(id_hi, id_lo) & (s->idcap - 1);
	while (s->idtab[h]) {
		const struct store_call *c = &s->calls[s->idtab[h] - 1];
		if (c->id_hi == id_hi && c->id_lo == id_lo)
			return c;
		h = (h + 1) & (s->idcap - 1);
	}
	return NULL;
}

static int
sid_cmp(const void *pa, const void *pb)
{
	const struct store_id *a = pa, *b = pb;
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

static int
call_started_cmp(const void *pa, const void *pb)
{
	const struct store_call *a = *(const struct store_call *const *)pa;
	const struct store_call *b = *(const struct store_call *const *)pb;
	return pos_cmp(a->started_us, a->id_hi, a->id_lo, b->started_us, b->id_hi, b->id_lo);
}

/* Whether c passes the filters other than the ids. ws is the workspace's index. */
static int
x_fits(const struct store_call *c, const struct store_xfilter *f, uint32_t ws)
{
	if (f->f.has_from && c->started_us < f->f.from_us)
		return 0;
	if (f->f.has_to && c->started_us >= f->f.to_us)
		return 0;
	if (f->f.has_workspace && c->workspace != ws)
		return 0;
	if (f->has_users) {
		struct store_id u = {c->user_hi, c->user_lo};
		if ((u.hi == 0 && u.lo == 0) ||
		    !bsearch(&u, f->users, f->nusers, sizeof(u), sid_cmp))
			return 0;
	}
	return 1;
}

static int
after_pos(const struct store_call *c, const struct store_pos *after)
{
	return !after || pos_cmp(c->started_us, c->id_hi, c->id_lo, after->date_us, after->id_hi,
	                         after->id_lo) > 0;
}

/* First place in the started order whose start is >= us. */
static size_t
started_bound(const struct store *s, int64_t us)
{
	size_t lo = 0, hi = s->ncalls;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->calls[s->started[mid]].started_us < us)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* First place in the started order strictly after p. */
static size_t
started_after(const struct store *s, const struct store_pos *p)
{
	size_t lo = 0, hi = s->ncalls;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct store_call *c = &s->calls[s->started[mid]];
		if (pos_cmp(c->started_us, c->id_hi, c->id_lo, p->date_us, p->id_hi, p->id_lo) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
store_query_started(const struct store *s, const struct store_xfilter *f,
                    const struct store_pos *after, size_t limit, struct store_page *page)
{
	uint32_t ws = STORE_NO_WORKSPACE;
	page->total = page->remaining = 0;
	page->count = 0;
	if (f->f.has_workspace) {
		const struct store_ws *w = ws_find(s, f->f.workspace);
		if (!w)
			return;
		ws = (uint32_t)(w - s->ws);
	}
	if ((f->has_ids && f->nids == 0) || (f->has_users && f->nusers == 0))
		return;
	if (f->has_ids) {
		/* A few calls asked for by id: found one by one, then put in order. */
		const struct store_call **cand = malloc(f->nids * sizeof(*cand));
		size_t n = 0;
		if (!cand)
			return;
		for (size_t i = 0; i < f->nids; i++) {
			const struct store_call *c = store_find(s, f->ids[i].hi, f->ids[i].lo);
			if (c && x_fits(c, f, ws))
				cand[n++] = c;
		}
		qsort(cand, n, sizeof(*cand), call_started_cmp);
		page->total = n;
		size_t i = 0;
		while (i < n && !after_pos(cand[i], after))
			i++;
		for (; i < n && page->count < limit; i++)
			page->calls[page->count++] = cand[i];
		page->remaining = n - i;
		free(cand);
		return;
	}
	size_t first = f->f.has_from ? started_bound(s, f->f.from_us) : 0;
	size_t end = f->f.has_to ? started_bound(s, f->f.to_us) : s->ncalls;
	if (end < first)
		end = first;
	if (!f->f.has_workspace && !f->has_users) {
		size_t start = first;
		if (after) {
			size_t a = started_after(s, after);
			start = a > start ? (a < end ? a : end) : start;
		}
		size_t count = end - start < limit ? end - start : limit;
		for (size_t i = 0; i < count; i++)
			page->calls[i] = &s->calls[s->started[start + i]];
		page->total = end - first;
		page->count = count;
		page->remaining = end - start - count;
		return;
	}
	/* A workspace or users: the range is scanned, for the total as much as for the page. */
	for (size_t i = first; i < end; i++) {
		const struct store_call *c = &s->calls[s->started[i]];
		if (!x_fits(c, f, ws))
			continue;
		page->total++;
		if (!after_pos(c, after))
			continue;
		if (page->count < limit)
			page->calls[page->count++] = c;
		else
			page->remaining++;
	}
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

size_t
store_slot_readers(struct store_slot *slot)
{
	return atomic_load(&slot->active[0]) + atomic_load(&slot->active[1]);
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
