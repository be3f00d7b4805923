/*
 * callset.h - the calls of one load, gathered as they are read and before a store sorts them:
 * each call rendered once (callrec_render) at the end of one text buffer, with the keys a
 * store orders and searches by. A call whose id was seen before retires the earlier one, so
 * the last call read with an id is the one kept. Workspace ids are interned as they come.
 *
 * The reader fills a set; store_load builds a store from it and frees it. The set knows
 * nothing of files or of the store's order. Not thread-safe: one load owns one set.
 */
#ifndef GONGMOCK_CALLSET_H
#define GONGMOCK_CALLSET_H

#include <stddef.h>
#include <stdint.h>

#include "callrec.h"
#include "filter.h"
#include "jsonw.h"

/* The len of a call retired by a later one with the same id. */
#define CALLSET_DEAD UINT32_MAX

/* One call read, in the order read. */
struct callset_rec {
	int64_t date_us; /* see struct callrec_meta */
	uint64_t id_hi;  /* the id as store_id_split gives it */
	uint64_t id_lo;
	size_t off;   /* its text is text.p[off, off + len), followed by one ',' */
	uint32_t len; /* CALLSET_DEAD once retired */
	uint32_t ws;  /* index into ws, or STORE_NO_WORKSPACE */
};

struct callset_ws {
	char id[FILTER_WORKSPACE_MAX + 1];
	uint32_t count; /* for the store's build: live calls */
	uint32_t final; /* for the store's build: its index in the store */
};

/*
 * Zero-initialise a set. The store's build reads recs, text and ws and may take text.p; the
 * tables behind duplicate ids and workspaces are the set's own.
 */
struct callset {
	struct callset_rec *recs;
	size_t nrecs;
	size_t caprecs;
	size_t live; /* recs not retired */

	struct jsonw text; /* rendered calls, each followed by ',', in the order read */

	struct callset_ws *ws;
	size_t nws;
	size_t capws;

	uint64_t *idtab; /* open addressing: the hash's top half << 32 | rec index + 1 (0: empty) */
	size_t idcap;
	size_t idcount;
	uint64_t *wstab; /* open addressing: ws index + 1 (0: empty) */
	size_t wscap;
};

/*
 * Checks and renders the call in c and keeps it. Returns 0, or -1 with the reason in err:
 * "call INDEX: REASON" for a call the contract refuses (or one too large to keep), "too many
 * calls", or "out of memory". A refused call leaves the set as it was.
 */
int callset_add(struct callset *set, const struct callrec *c, size_t index, char *err,
                size_t errlen);

/* Frees the tables only adding needs, once the last call is in; the rest stays. */
void callset_seal(struct callset *set);

/* Frees everything the set holds; the set is empty again. */
void callset_free(struct callset *set);

#endif
