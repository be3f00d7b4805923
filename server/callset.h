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

#include "blocks.h"
#include "callrec.h"
#include "company.h"
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
	int64_t started_us;
	uint64_t user_hi; /* primaryUserId as store_id_split gives it; both 0 when none */
	uint64_t user_lo;
	uint32_t blk;   /* index into blk, or CALLSET_NO_BLOCKS */
	uint32_t flags; /* CALLSET_VIDEO */
};

#define CALLSET_NO_BLOCKS UINT32_MAX
#define CALLSET_VIDEO 1U

/* A transcript read apart from its call, joined to the call by the store's build. */
struct callset_transcript {
	uint64_t id_hi; /* the call's id */
	uint64_t id_lo;
	size_t off; /* its fragment is blocktext.p[off, off + len) */
	uint32_t len;
	uint32_t file;  /* index into files: where it was read */
	size_t index;   /* its place in that file */
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

	/* Blocks and transcripts: fragments in blocktext, each call's place in blk. */
	struct jsonw blocktext;
	struct blocks *blk;
	size_t nblk;
	size_t capblk;
	struct callset_transcript *tx;
	size_t ntx;
	size_t captx;
	char **files; /* names of the files transcripts came from */
	size_t nfiles;

	struct company_set company; /* users and workspaces, when the data gives them */
};

/*
 * Checks and renders the call in c and keeps it. Returns 0, or -1 with the reason in err:
 * "call INDEX: REASON" for a call the contract refuses (or one too large to keep), "too many
 * calls", or "out of memory". A refused call leaves the set as it was.
 */
int callset_add(struct callset *set, const struct callrec *c, size_t index, char *err,
                size_t errlen);

/*
 * The same for a call that may carry extensive blocks and a transcript: `call` is the whole
 * object ({"metaData":{...},"parties":[...],...}) whose metaData c was filled from, or NULL
 * for a call of the basic shape. Refusals of a block read "call INDEX: KEY: REASON".
 */
int callset_add_extensive(struct callset *set, const struct callrec *c, const json_t *call,
                          size_t index, char *err, size_t errlen);

/* callset_add_extensive over tokenised text: `call` is the object's token in ts over text. */
int callset_add_extensive_tok(struct callset *set, const struct callrec *c, const char *text,
                              const struct jtoks *ts, size_t call, size_t index, char *err,
                              size_t errlen);

/*
 * Keeps a transcript read apart from its call (a saved /v2/calls/transcript answer, or a
 * line {"callId","transcript"}): `file` names where it was read and `index` its place there,
 * for the store's message should no call have that id. Returns 0, or -1 with
 * "transcript INDEX: REASON" in err.
 */
int callset_add_transcript(struct callset *set, const json_t *record, const char *file,
                           size_t index, char *err, size_t errlen);

/* Frees the tables only adding needs, once the last call is in; the rest stays. */
void callset_seal(struct callset *set);

/* Frees everything the set holds; the set is empty again. */
void callset_free(struct callset *set);

#endif
