/*
 * blocks.h - a call's extensive blocks and its transcript, checked once and rendered once as
 * the fragments an answer is made of.
 *
 * POST /v2/calls/extensive answers only the blocks a client asks for, down to single fields
 * of `content` and `interaction`, and the context at two levels and for one or both timings.
 * So each selectable part of a call is rendered at load, compact, on its own: a page is then
 * the envelope and, per call, the fragments asked for, copied, never a JSON tree walked per
 * request. A call's fragments lie one after another in a text buffer; struct blocks says
 * where. A part the data does not hold has length 0, and the answer writes that part's empty
 * value (blocks_empty). Knows nothing of files, of the store or of HTTP.
 */
#ifndef GONGMOCK_BLOCKS_H
#define GONGMOCK_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jsonw.h"
#include "jtok.h"

/* The parts, in the order they are rendered and written. Each fragment is a JSON value. */
enum blocks_part {
	BLOCKS_PARTIES,
	/* content */
	BLOCKS_STRUCTURE,
	BLOCKS_TOPICS,
	BLOCKS_TRACKERS,      /* with each tracker's occurrences */
	BLOCKS_TRACKERS_BARE, /* without them */
	BLOCKS_POINTS,        /* pointsOfInterest */
	BLOCKS_BRIEF,
	BLOCKS_OUTLINE,
	BLOCKS_HIGHLIGHTS,
	BLOCKS_OUTCOME, /* callOutcome */
	BLOCKS_KEY_POINTS,
	/* interaction */
	BLOCKS_SPEAKERS,
	BLOCKS_STATS, /* interactionStats, asked for as personInteractionStats */
	BLOCKS_VIDEO,
	BLOCKS_QUESTIONS,
	/* collaboration */
	BLOCKS_COMMENTS, /* publicComments */
	/* context: Basic (objects without fields, no timing), Extended for Now, TimeOfCall, both */
	BLOCKS_CONTEXT_BASIC,
	BLOCKS_CONTEXT_NOW,
	BLOCKS_CONTEXT_TIME_OF_CALL,
	BLOCKS_CONTEXT_BOTH,
	BLOCKS_TRANSCRIPT,
	BLOCKS_COUNT
};

/* Where one call's fragments lie in a text buffer: part k (but the transcript) starts at off +
 * the lengths of the parts before it; the transcript, which may come from another file, at
 * tx_off. */
struct blocks {
	uint64_t off;
	uint64_t tx_off;
	uint32_t len[BLOCKS_COUNT];
};

/* Where part p starts in the text buffer (its length is b->len[p]). */
uint64_t blocks_part_off(const struct blocks *b, enum blocks_part p);

/* The key a part is written under in its block ("parties", "structure", ...). */
const char *blocks_key(enum blocks_part part);

/* The value written for a part the data does not hold: "[]" or "null". */
const char *blocks_empty(enum blocks_part part);

/* Whether a call object (one element of an extensive answer's `calls`) has blocks beside
 * `metaData`: any of parties, content, interaction, collaboration, context, transcript. */
int blocks_present(const json_t *call);

/*
 * Checks the blocks of a call object and appends their fragments to text, filling *b (b->off
 * is where they start). `media` is ignored: media links are made per request. Returns 0, or
 * -1 with "KEY: REASON" in err (e.g. "transcript[2].sentences[0].end: must be an integer
 * no less than start") and text as it was; out of memory is "out of memory".
 */
int blocks_render(const json_t *call, struct jsonw *text, struct blocks *b, char *err,
                  size_t errlen);

/*
 * Checks a transcript (an array of monologues) and appends its fragment to text. Returns the
 * fragment's length (0 is never a valid one), or -1 with the reason in err as above, `where`
 * naming the transcript in messages.
 */
int64_t blocks_render_transcript(const json_t *transcript, const char *where, struct jsonw *text,
                                 char *err, size_t errlen);

/*
 * The same three over tokenised text (jtok.h): `call` and `tr` are token indices into ts over
 * text. What a load uses: nothing is built but the fragments, which are the text's own bytes.
 */
int blocks_present_tok(const char *text, const struct jtoks *ts, size_t call);
int blocks_render_tok(const char *text, const struct jtoks *ts, size_t call, struct jsonw *out,
                      struct blocks *b, char *err, size_t errlen);
int64_t blocks_render_transcript_tok(const char *text, const struct jtoks *ts, size_t tr,
                                     const char *where, struct jsonw *out, char *err,
                                     size_t errlen);

#endif
