/*
 * callsbody.h - the JSON body of POST /v2/calls/extensive and POST /v2/calls/transcript:
 * the filter, the content selector and the cursor, read and checked once.
 *
 * Gong's rules: the body must be a JSON object with a `filter` object (`{"filter":{}}` asks for
 * every call); dates apply to the call's start, fromDateTime inclusive and toDateTime
 * exclusive; `callIds` and `primaryUserIds` are arrays of ids of 1-20 digits, and an empty
 * `callIds` is refused; the cursor travels in the body (`"cursor": null` is no cursor). What
 * Gong lets through but that reveals a client bug (an unknown key in the body, the filter or
 * the selector; contextTiming without Extended context) is noted in `tolerated`, for the
 * caller to log, or to refuse under --strict. Knows nothing of HTTP or of the store's data.
 */
#ifndef GONGMOCK_CALLSBODY_H
#define GONGMOCK_CALLSBODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blocks.h"
#include "store.h"

/* The longest list of ids a filter may hold: far above Gong's batches of 100. */
#define CALLSBODY_MAX_IDS 10000

enum callsbody_kind {
	CALLSBODY_EXTENSIVE, /* filter with primaryUserIds, contentSelector */
	CALLSBODY_TRANSCRIPT /* filter without them, no contentSelector */
};

enum callsbody_context {
	CALLSBODY_CONTEXT_NONE,
	CALLSBODY_CONTEXT_BASIC,
	CALLSBODY_CONTEXT_EXTENDED
};

struct callsbody {
	struct store_xfilter xf; /* ids and users point into the arrays below */
	struct store_id *ids;    /* sorted, without duplicates */
	struct store_id *users;
	uint64_t filter_hash; /* of ids and users, as a cursor carries it */

	const char *cursor; /* NULL when none; points into the parsed body */
	size_t cursor_len;

	/* The content selector. */
	enum callsbody_context context;
	unsigned timing; /* CALLSBODY_NOW | CALLSBODY_TIME_OF_CALL; Now when not given */
	bool parties;
	bool media;
	bool part[BLOCKS_COUNT]; /* the content, interaction and collaboration parts asked for */
	bool content;            /* some part of content is asked for */
	bool interaction;
	bool collaboration;

	char tolerated[160]; /* "" or what Gong ignores but a client should not send */
	void *root;          /* the parsed body, the body's own */
};

#define CALLSBODY_NOW 1U
#define CALLSBODY_TIME_OF_CALL 2U

/*
 * Reads len bytes of body. Returns 0 with *b filled (free it with callsbody_free), or -1 with
 * Gong's 400 message in err ("filter: is required", "filter.callIds: must not be empty",
 * "filter.fromDateTime: must be a valid ISO-8601 date-time", "filter.fromDateTime: must be
 * before toDateTime") and *b empty.
 */
int callsbody_parse(struct callsbody *b, enum callsbody_kind kind, const char *body, size_t len,
                    char *err, size_t errlen);

/* Frees what b holds; callsbody_free on a zeroed body does nothing. */
void callsbody_free(struct callsbody *b);

#endif
