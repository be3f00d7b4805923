/*
 * store.h - the call dataset: the calls of a load in (date, id) order, each one's JSON rendered
 * once, an index per workspace, and date ranges answered with two binary searches; and the
 * slot that publishes a store to the threads that read it.
 *
 * A store is built once and never changes afterwards, so every read function is safe from any
 * thread without a lock. A reload builds a new store and publishes it through a store_slot;
 * readers pin the store they use with store_slot_acquire/release, and the old one is freed
 * only when no reader holds it any more.
 *
 * Calls are kept sorted by (date, id), where the date is the call's `scheduled` time when it
 * is a web conference (its meetingUrl is a non-empty string and scheduled is set) and its
 * `started` time otherwise, and ids compare as numbers. Reading files is reader.h's, judging
 * and rendering a call callrec.h's. Knows nothing of HTTP.
 */
#ifndef GONGMOCK_STORE_H
#define GONGMOCK_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "blocks.h"
#include "company.h"
#include "filter.h"

#define STORE_ID_MAX 20

struct store;

/* One call, as served. Points into its store: valid while the store is alive. */
struct store_call {
	int64_t date_us; /* the filtering date */
	uint64_t id_hi;  /* the id as a number: id_hi * 10^10 + id_lo */
	uint64_t id_lo;
	const char *json; /* the rendered object, `{...}`, compact, keys in the contract's order */
	uint32_t json_len;
	uint32_t workspace; /* index into the store's workspace list, or STORE_NO_WORKSPACE */
	int64_t started_us; /* `started`: the date the extensive and transcript views filter on */
	uint64_t user_hi;   /* primaryUserId as a number, as the id; both 0 when none */
	uint64_t user_lo;
	uint32_t blk;   /* its blocks (store_blocks), or STORE_NO_BLOCKS */
	uint32_t flags; /* STORE_VIDEO */
};

#define STORE_NO_WORKSPACE UINT32_MAX
#define STORE_NO_BLOCKS UINT32_MAX
#define STORE_VIDEO 1U

/*
 * All rendered calls of a store sit in one buffer in (date, id) order, each followed by one
 * ',' byte: so calls that are neighbours in that order are neighbours in memory, and a run of
 * them can be sent as one piece (from the first call's json to the last call's json_len end).
 */

/* A position in the (date, id) order: "after this call". */
struct store_pos {
	int64_t date_us;
	uint64_t id_hi;
	uint64_t id_lo;
};

/* The answer to one page. */
struct store_page {
	uint64_t total;     /* calls matching the filter, over all pages */
	uint64_t remaining; /* matching calls after `after` that this page did not take */
	size_t count;       /* calls in this page */
	const struct store_call **calls; /* caller's array of at least `limit` pointers */
};

/*
 * Loads fixtures from `path`: a file, or a directory of them, in the formats reader.h lists.
 * Each call is checked against the contract and rendered once (callrec.h); a later call with
 * an id already seen replaces the earlier one. Returns the store, or NULL with "FILE: call
 * INDEX: REASON" (or "FILE: REASON") in err.
 */
struct store *store_load(const char *path, char *err, size_t errlen);

/* The same from a buffer that holds one file's content; `name` is used in messages. */
struct store *store_load_buffer(const char *name, const char *data, size_t len, char *err,
                                size_t errlen);

/* Frees a store; store_free(NULL) does nothing. */
void store_free(struct store *s);

/* Number of calls. */
size_t store_count(const struct store *s);

/* Number of distinct workspaces. */
size_t store_workspace_count(const struct store *s);

/* Earliest and latest filtering dates (both 0 when the store is empty). */
void store_date_span(const struct store *s, int64_t *first_us, int64_t *last_us);

/*
 * Parses a call id (1-20 digits, NUL-terminated) into a position with the given date.
 * Returns 0, or -1 when id is not 1-20 digits.
 */
int store_pos_make(int64_t date_us, const char *id, struct store_pos *pos);

/* Splits an id of n digits (1 to STORE_ID_MAX, not checked) into the numbers a store keeps. */
void store_id_split(const char *digits, size_t n, uint64_t *id_hi, uint64_t *id_lo);

/* Writes a call's id as digits (no leading zeros) into out[STORE_ID_MAX + 1]. */
void store_id_format(uint64_t id_hi, uint64_t id_lo, char out[STORE_ID_MAX + 1]);

/*
 * Finds the calls matching f, in (date, id) order, strictly after `after` (NULL: from the
 * first), and puts up to `limit` of them into page->calls. Fills total (ignores `after`),
 * remaining and count. O(log n) plus the page. A workspace not in the store matches nothing.
 */
void store_query(const struct store *s, const struct filter *f, const struct store_pos *after,
                 size_t limit, struct store_page *page);

/* The company the calls belong to (company.h): the users and workspaces the data gave, or
 * made from the calls' ids when it gave none. */
const struct company *store_company(const struct store *s);

/* What the load let through but a user should hear of (calls naming users or workspaces the
 * data does not hold), or "". */
const char *store_warning(const struct store *s);

/* A call's blocks and the text their offsets are in, or NULL when it has none. */
const struct blocks *store_blocks(const struct store *s, const struct store_call *c);
/* The text the blocks' offsets point into (NULL when no call has blocks). */
const char *store_block_text(const struct store *s);

/* The call with this id, or NULL. O(1). */
const struct store_call *store_find(const struct store *s, uint64_t id_hi, uint64_t id_lo);

/* A call's gzip segment, and the CRC of what it holds, ready to be joined (gzip.h). */
struct store_gz {
	size_t len;      /* of data */
	uint32_t crc;    /* of the plaintext: the call's json and the ',' after it */
	uint32_t crc_op; /* gzip_crc_op of the plaintext's length */
	unsigned char data[];
};

/*
 * Call c (of s) and the ',' after it, as a gzip segment (gzip.h) whose dictionary is the call
 * before it in the buffer and its ','; so it may follow that call in a gzipped page, and only
 * it. The first call of the store has none (NULL). Made on first use and kept with the store:
 * the one thing about a store that changes after its load, through atomics, so it stays safe
 * to share between threads. NULL when memory runs out.
 */
const struct store_gz *store_call_gz(const struct store *s, const struct store_call *c);

/* The call just before c in the store's buffer, or NULL for the first. */
const struct store_call *store_call_prev(const struct store *s, const struct store_call *c);

/* One id as the store keeps it. */
struct store_id {
	uint64_t hi;
	uint64_t lo;
};

/*
 * The filters of the extensive and transcript views: dates on the start time (`started`),
 * workspace, and optionally a set of call ids and of primary users (sorted by (hi, lo), no
 * duplicates; NULL with n 0: any). All apply together.
 */
struct store_xfilter {
	struct filter f;
	const struct store_id *ids;
	size_t nids;
	bool has_ids; /* an id set was given (an empty one matches nothing) */
	const struct store_id *users;
	size_t nusers;
	bool has_users;
};

/*
 * store_query for those views: calls in (started, id) order, `after` a position in that order
 * (its date_us a started time). O(log n) plus the page without ids or users; a scan of the
 * date range with users; O(ids log ids) with ids.
 */
void store_query_started(const struct store *s, const struct store_xfilter *f,
                         const struct store_pos *after, size_t limit, struct store_page *page);

/*
 * A slot publishes the current store to many reader threads and lets one writer replace it.
 * acquire/release take no lock (two atomic counters); swap waits until no reader can still
 * hold the old store, then frees it. Only one thread may call store_slot_swap at a time.
 */
struct store_slot;

/* A new slot holding `s` (which it then owns). NULL when out of memory. */
struct store_slot *store_slot_create(struct store *s);
/* Frees the slot and its store; no reader may hold it. store_slot_free(NULL) does nothing. */
void store_slot_free(struct store_slot *slot);
/* Pins and returns the current store; hand the ticket back to store_slot_release. */
const struct store *store_slot_acquire(struct store_slot *slot, unsigned *ticket);
void store_slot_release(struct store_slot *slot, unsigned ticket);
/* Readers holding the slot now: for tests, which check that every pin is handed back. */
size_t store_slot_readers(struct store_slot *slot);
/* Publishes `s` (the slot owns it), waits out the readers of the old one and frees it. */
void store_slot_swap(struct store_slot *slot, struct store *s);

#endif
