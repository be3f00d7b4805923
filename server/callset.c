/*
 * callset.c - gathering the calls of a load: their text in one buffer, duplicates retired, and
 * workspaces interned.
 *
 * Every call is appended to one text buffer, so a million calls cost one growing allocation
 * rather than a million small ones, and a store built from input that came in order can keep
 * the buffer as it is. Duplicate ids are found with an open-addressing table that keeps half
 * of each hash beside the rec index, so a probe touches a rec (a cache miss) only when that
 * half matches too. Workspace ids go through a second, smaller table. Sorting, and anything
 * else that needs every call, is the store's build.
 */
#include "callset.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "store.h"

/* A refusal is worded in at most this much before "call INDEX: " is put in front. */
#define CALLSET_REASON_MAX 128

__attribute__((format(printf, 3, 4))) static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
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

static uint64_t
hash_id(uint64_t hi, uint64_t lo)
{
	return rng_mix(hi * UINT64_C(0x9e3779b97f4a7c15) ^ lo);
}

/* FNV-1a: workspace ids are few and short. */
static uint64_t
hash_text(const char *s, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * UINT64_C(0x100000001b3);
	return h;
}

/* What an entry of the id table was placed by: the id of the rec it names. */
static uint64_t
rec_hash(const struct callset *set, uint64_t entry)
{
	const struct callset_rec *r = &set->recs[(uint32_t)entry - 1];
	return hash_id(r->id_hi, r->id_lo);
}

/* What an entry of the workspace table was placed by: the id of the workspace it names. */
static uint64_t
ws_hash(const struct callset *set, uint64_t entry)
{
	const char *id = set->ws[(uint32_t)entry - 1].id;
	return hash_text(id, strlen(id));
}

/*
 * Doubles the open-addressing table *tab of *cap slots (`first` slots when it has none yet),
 * placing each entry again by hash(set, entry); an entry's low 32 bits are an index + 1, and 0
 * is an empty slot. Tables are kept at most half full, so probes stay short. Returns 0, or -1
 * when out of memory (the table is then as it was).
 */
static int
table_double(const struct callset *set, uint64_t **tab, size_t *cap, size_t first,
             uint64_t (*hash)(const struct callset *, uint64_t))
{
	size_t n = *cap ? *cap * 2 : first;
	uint64_t *t = calloc(n, sizeof(*t));
	if (!t)
		return -1;
	for (size_t i = 0; i < *cap; i++) {
		if (!(*tab)[i])
			continue;
		size_t h = hash(set, (*tab)[i]) & (n - 1);
		while (t[h])
			h = (h + 1) & (n - 1);
		t[h] = (*tab)[i];
	}
	free(*tab);
	*tab = t;
	*cap = n;
	return 0;
}

/* Index of workspace id `s` (1-20 digits), added if new; -1 when out of memory. */
static int64_t
ws_intern(struct callset *set, const char *s, size_t n)
{
	if (set->nws * 2 >= set->wscap &&
	    table_double(set, &set->wstab, &set->wscap, 64, ws_hash) < 0)
		return -1;
	size_t h = hash_text(s, n) & (set->wscap - 1);
	while (set->wstab[h]) {
		const struct callset_ws *w = &set->ws[set->wstab[h] - 1];
		if (strlen(w->id) == n && memcmp(w->id, s, n) == 0)
			return (int64_t)set->wstab[h] - 1;
		h = (h + 1) & (set->wscap - 1);
	}
	struct callset_ws *ws = grow(set->ws, &set->capws, set->nws + 1, sizeof(*ws));
	if (!ws)
		return -1;
	set->ws = ws;
	struct callset_ws *w = &ws[set->nws];
	memcpy(w->id, s, n);
	w->id[n] = '\0';
	w->count = 0;
	set->wstab[h] = (uint32_t)set->nws + 1;
	return (int64_t)set->nws++;
}

/*
 * Records that rec `idx` holds its id; an earlier rec with the same id is retired. Entries keep
 * the top half of the hash beside the index, so a probe reads a rec only when that matches.
 */
static int
id_claim(struct callset *set, uint32_t idx)
{
	if (set->idcount * 2 >= set->idcap &&
	    table_double(set, &set->idtab, &set->idcap, 1024, rec_hash) < 0)
		return -1;
	struct callset_rec *r = &set->recs[idx];
	uint64_t hash = hash_id(r->id_hi, r->id_lo);
	uint64_t tag = hash & UINT64_C(0xffffffff00000000);
	size_t h = hash & (set->idcap - 1);
	while (set->idtab[h]) {
		if ((set->idtab[h] & UINT64_C(0xffffffff00000000)) == tag) {
			struct callset_rec *old = &set->recs[(uint32_t)set->idtab[h] - 1];
			if (old->id_hi == r->id_hi && old->id_lo == r->id_lo) {
				old->len = CALLSET_DEAD;
				set->live--;
				set->idtab[h] = tag | (idx + 1);
				return 0;
			}
		}
		h = (h + 1) & (set->idcap - 1);
	}
	set->idtab[h] = tag | (idx + 1);
	set->idcount++;
	return 0;
}

int
callset_add(struct callset *set, const struct callrec *c, size_t index, char *err, size_t errlen)
{
	return callset_add_extensive(set, c, NULL, index, err, errlen);
}

/* Where a call's blocks come from: a jansson object, or tokens over text, or neither. */
struct blocks_src {
	const json_t *json;
	const char *text;
	const struct jtoks *ts;
	size_t tok;
};

/* Renders the blocks of a call and keeps where they lie; *blk gets their index. */
static int
blocks_keep(struct callset *set, const struct blocks_src *src, size_t index, uint32_t *blk,
            char *err, size_t errlen)
{
	char reason[CALLSET_REASON_MAX];
	struct blocks b;
	int rc;

	*blk = CALLSET_NO_BLOCKS;
	if (src->json == NULL && src->ts == NULL)
		return 0;
	if (src->json ? !blocks_present(src->json)
	              : !blocks_present_tok(src->text, src->ts, src->tok))
		return 0;
	if (set->nblk >= UINT32_MAX - 1)
		return fail(err, errlen, "too many calls");
	struct blocks *arr = grow(set->blk, &set->capblk, set->nblk + 1, sizeof(*arr));
	if (!arr)
		return fail(err, errlen, "out of memory");
	set->blk = arr;
	rc = src->json ? blocks_render(src->json, &set->blocktext, &b, reason, sizeof(reason))
	               : blocks_render_tok(src->text, src->ts, src->tok, &set->blocktext, &b,
	                                   reason, sizeof(reason));
	if (rc != 0)
		return fail(err, errlen, "call %zu: %s", index, reason);
	set->blk[set->nblk] = b;
	*blk = (uint32_t)set->nblk++;
	return 0;
}

static int add(struct callset *set, const struct callrec *c, const struct blocks_src *src,
               size_t index, char *err, size_t errlen);

int
callset_add_extensive(struct callset *set, const struct callrec *c, const json_t *call,
                      size_t index, char *err, size_t errlen)
{
	struct blocks_src src = {call, NULL, NULL, 0};

	return add(set, c, &src, index, err, errlen);
}

int
callset_add_extensive_tok(struct callset *set, const struct callrec *c, const char *text,
                          const struct jtoks *ts, size_t call, size_t index, char *err,
                          size_t errlen)
{
	struct blocks_src src = {NULL, text, ts, call};

	return add(set, c, &src, index, err, errlen);
}

static int
add(struct callset *set, const struct callrec *c, const struct blocks_src *src, size_t index,
    char *err, size_t errlen)
{
	struct callrec_meta meta;
	char reason[CALLSET_REASON_MAX];
	struct jsonw *b = &set->text;
	size_t start = b->len;

	if (callrec_render(c, b, &meta, reason, sizeof(reason)) < 0)
		return fail(err, errlen, "call %zu: %s", index, reason);
	JSONW_LIT(b, ",");
	if (b->failed)
		return fail(err, errlen, "out of memory");
	if (set->nrecs >= UINT32_MAX - 1) {
		b->len = start;
		return fail(err, errlen, "too many calls");
	}
	if (b->len - start - 1 >= CALLSET_DEAD) {
		b->len = start;
		return fail(err, errlen, "call %zu: call is too large", index);
	}
	struct callset_rec *recs = grow(set->recs, &set->caprecs, set->nrecs + 1, sizeof(*recs));
	if (!recs)
		return fail(err, errlen, "out of memory");
	set->recs = recs;

	struct callset_rec *r = &set->recs[set->nrecs];
	r->date_us = meta.date_us;
	store_id_split(meta.id, meta.id_len, &r->id_hi, &r->id_lo);
	r->off = start;
	r->len = (uint32_t)(b->len - start - 1);
	r->ws = STORE_NO_WORKSPACE;
	r->started_us = meta.started_us;
	r->user_hi = r->user_lo = 0;
	if (meta.user)
		store_id_split(meta.user, meta.user_len, &r->user_hi, &r->user_lo);
	r->flags = meta.video ? CALLSET_VIDEO : 0;
	r->blk = CALLSET_NO_BLOCKS;
	if (meta.workspace) {
		int64_t w = ws_intern(set, meta.workspace, meta.workspace_len);
		if (w < 0)
			return fail(err, errlen, "out of memory");
		r->ws = (uint32_t)w;
	}
	if (blocks_keep(set, src, index, &r->blk, err, errlen) != 0) {
		b->len = start;
		return -1;
	}
	set->nrecs++;
	set->live++;
	if (id_claim(set, (uint32_t)(set->nrecs - 1)) < 0)
		return fail(err, errlen, "out of memory");
	return 0;
}

int
callset_add_transcript(struct callset *set, const json_t *record, const char *file, size_t index,
                       char *err, size_t errlen)
{
	char reason[CALLSET_REASON_MAX];
	const json_t *id = json_object_get(record, "callId");
	const char *digits = json_string_value(id);
	size_t n = json_string_length(id);
	int64_t len;

	if (!json_is_object(record))
		return fail(err, errlen, "transcript %zu: must be an object", index);
	if (digits == NULL || n == 0 || n > STORE_ID_MAX || strspn(digits, "0123456789") != n)
		return fail(err, errlen, "transcript %zu: callId: must be a string of 1-20 digits",
		            index);
	const json_t *tr = json_object_get(record, "transcript");
	if (tr == NULL)
		return fail(err, errlen, "transcript %zu: transcript: is required", index);
	if (set->nfiles == 0 || strcmp(set->files[set->nfiles - 1], file) != 0) {
		char **files = realloc(set->files, (set->nfiles + 1) * sizeof(*files));
		if (!files)
			return fail(err, errlen, "out of memory");
		set->files = files;
		if ((files[set->nfiles] = strdup(file)) == NULL)
			return fail(err, errlen, "out of memory");
		set->nfiles++;
	}
	struct callset_transcript *tx = grow(set->tx, &set->captx, set->ntx + 1, sizeof(*tx));
	if (!tx)
		return fail(err, errlen, "out of memory");
	set->tx = tx;
	size_t off = set->blocktext.len;
	if ((len = blocks_render_transcript(tr, "transcript", &set->blocktext, reason,
	                                    sizeof(reason))) < 0)
		return fail(err, errlen, "transcript %zu: %s", index, reason);
	tx = &set->tx[set->ntx++];
	store_id_split(digits, n, &tx->id_hi, &tx->id_lo);
	tx->off = off;
	tx->len = (uint32_t)len;
	tx->file = (uint32_t)(set->nfiles - 1);
	tx->index = index;
	return 0;
}

void
callset_seal(struct callset *set)
{
	free(set->idtab);
	set->idtab = NULL;
	set->idcap = set->idcount = 0;
	free(set->wstab);
	set->wstab = NULL;
	set->wscap = 0;
}

void
callset_free(struct callset *set)
{
	callset_seal(set);
	jsonw_free(&set->text);
	free(set->recs);
	free(set->ws);
	jsonw_free(&set->blocktext);
	free(set->blk);
	free(set->tx);
	for (size_t i = 0; i < set->nfiles; i++)
		free(set->files[i]);
	free(set->files);
	company_set_free(&set->company);
	memset(set, 0, sizeof(*set));
}
