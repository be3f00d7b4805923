/*
 * blocks.c - checking a call's extensive blocks and transcript, and rendering their fragments.
 *
 * The checks hold the data to the shapes clients parse (Gong's Swagger definitions): a block
 * of the wrong type, a transcript sentence that ends before it starts, a party with an
 * affiliation Gong never sends. They do not judge how the parts relate (whether a speaker is
 * a party): a saved answer is taken as Gong gave it. Values are otherwise kept as they came,
 * unknown keys included, so a client sees what it would have seen.
 */
#include "blocks.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jtok.h"

static const struct {
	const char *key;
	const char *empty;
} PARTS[BLOCKS_COUNT] = {
    [BLOCKS_PARTIES] = {"parties", "[]"},
    [BLOCKS_STRUCTURE] = {"structure", "[]"},
    [BLOCKS_TOPICS] = {"topics", "[]"},
    [BLOCKS_TRACKERS] = {"trackers", "[]"},
    [BLOCKS_TRACKERS_BARE] = {"trackers", "[]"},
    [BLOCKS_POINTS] = {"pointsOfInterest", "null"},
    [BLOCKS_BRIEF] = {"brief", "null"},
    [BLOCKS_OUTLINE] = {"outline", "[]"},
    [BLOCKS_HIGHLIGHTS] = {"highlights", "[]"},
    [BLOCKS_OUTCOME] = {"callOutcome", "null"},
    [BLOCKS_KEY_POINTS] = {"keyPoints", "[]"},
    [BLOCKS_SPEAKERS] = {"speakers", "[]"},
    [BLOCKS_STATS] = {"interactionStats", "[]"},
    [BLOCKS_VIDEO] = {"video", "[]"},
    [BLOCKS_QUESTIONS] = {"questions", "null"},
    [BLOCKS_COMMENTS] = {"publicComments", "[]"},
    [BLOCKS_CONTEXT_BASIC] = {"context", "[]"},
    [BLOCKS_CONTEXT_NOW] = {"context", "[]"},
    [BLOCKS_CONTEXT_TIME_OF_CALL] = {"context", "[]"},
    [BLOCKS_CONTEXT_BOTH] = {"context", "[]"},
    [BLOCKS_TRANSCRIPT] = {"transcript", "[]"},
};

/* What a value must be, for the checks below. */
enum want { W_ANY, W_ARRAY, W_OBJECT, W_STRING_OR_NULL, W_ID_OR_NULL, W_NUMBER, W_BOOL };

const char *
blocks_key(enum blocks_part part)
{
	return PARTS[part].key;
}

const char *
blocks_empty(enum blocks_part part)
{
	return PARTS[part].empty;
}

uint64_t
blocks_part_off(const struct blocks *b, enum blocks_part p)
{
	uint64_t off = b->off;

	if (p == BLOCKS_TRANSCRIPT)
		return b->tx_off;
	for (int k = 0; k < (int)p; k++)
		off += b->len[k];
	return off;
}

__attribute__((format(printf, 3, 4))) static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err != NULL && errlen > 0) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The text and tokens of one call, as the checks and renderers below read them. */
struct doc {
	const char *text;
	const struct jtoks *ts;
};

static int
type_of(const struct doc *d, long i)
{
	return d->ts->t[i].type;
}

static const char *
want_text(enum want w)
{
	switch (w) {
	case W_ARRAY:
		return "must be an array";
	case W_OBJECT:
		return "must be an object";
	case W_STRING_OR_NULL:
		return "must be a string or null";
	case W_ID_OR_NULL:
		return "must be a string of 1-20 digits or null";
	case W_NUMBER:
		return "must be a number";
	case W_BOOL:
		return "must be a boolean";
	default:
		return "is not valid";
	}
}

static int
want_ok(const struct doc *d, long v, enum want w)
{
	int t = type_of(d, v);

	switch (w) {
	case W_ARRAY:
		return t == JTOK_ARRAY;
	case W_OBJECT:
		return t == JTOK_OBJECT;
	case W_STRING_OR_NULL:
		return t == JTOK_STRING || t == JTOK_NULL;
	case W_ID_OR_NULL:
		return t == JTOK_NULL || jtok_is_id(d->ts, d->text, (size_t)v);
	case W_NUMBER:
		return t == JTOK_NUMBER;
	case W_BOOL:
		return t == JTOK_TRUE || t == JTOK_FALSE;
	default:
		return 1;
	}
}

static long
get(const struct doc *d, long obj, const char *key)
{
	return obj < 0 ? -1 : jtok_get(d->ts, d->text, (size_t)obj, key);
}

/* A member, or -1 when absent or null. */
static long
get_set(const struct doc *d, long obj, const char *key)
{
	long v = get(d, obj, key);

	return v >= 0 && type_of(d, v) == JTOK_NULL ? -1 : v;
}

/* A member that may be absent, but when present must be what w says. */
static int
check_member(const struct doc *d, long obj, const char *key, enum want w, const char *where,
             char *err, size_t errlen)
{
	long v = get(d, obj, key);

	if (v < 0 || want_ok(d, v, w))
		return 0;
	return fail(err, errlen, "%s.%s: %s", where, key, want_text(w));
}

static size_t
count(const struct doc *d, long i)
{
	return d->ts->t[i].n;
}

/* Element k of array token a, walking from the previous one: call with *at = 0 first. */
static long
elem(const struct doc *d, long a, size_t k, long prev)
{
	return k == 0 ? a + 1 : (long)d->ts->t[prev].next;
}

/* Every element of an array an object. */
static int
check_objects(const struct doc *d, long arr, const char *where, char *err, size_t errlen)
{
	long e = -1;

	for (size_t i = 0; i < count(d, arr); i++) {
		e = elem(d, arr, i, e);
		if (type_of(d, e) != JTOK_OBJECT)
			return fail(err, errlen, "%s[%zu]: must be an object", where, i);
	}
	return 0;
}

static int
check_parties(const struct doc *d, long parties, char *err, size_t errlen)
{
	char where[48];
	long p = -1;

	if (type_of(d, parties) != JTOK_ARRAY)
		return fail(err, errlen, "parties: must be an array");
	for (size_t i = 0; i < count(d, parties); i++) {
		long aff;

		p = elem(d, parties, i, p);
		snprintf(where, sizeof(where), "parties[%zu]", i);
		if (type_of(d, p) != JTOK_OBJECT)
			return fail(err, errlen, "%s: must be an object", where);
		if (check_member(d, p, "id", W_STRING_OR_NULL, where, err, errlen) != 0 ||
		    check_member(d, p, "userId", W_ID_OR_NULL, where, err, errlen) != 0 ||
		    check_member(d, p, "speakerId", W_STRING_OR_NULL, where, err, errlen) != 0 ||
		    check_member(d, p, "emailAddress", W_STRING_OR_NULL, where, err, errlen) != 0 ||
		    check_member(d, p, "name", W_STRING_OR_NULL, where, err, errlen) != 0 ||
		    check_member(d, p, "methods", W_ARRAY, where, err, errlen) != 0 ||
		    check_member(d, p, "context", W_ARRAY, where, err, errlen) != 0)
			return -1;
		aff = get_set(d, p, "affiliation");
		if (aff >= 0 && !jtok_is(d->ts, d->text, (size_t)aff, "Internal") &&
		    !jtok_is(d->ts, d->text, (size_t)aff, "External") &&
		    !jtok_is(d->ts, d->text, (size_t)aff, "Unknown"))
			return fail(err, errlen,
			            "%s.affiliation: must be one of Internal, External, Unknown",
			            where);
	}
	return 0;
}

static int
check_context(const struct doc *d, long ctx, char *err, size_t errlen)
{
	char where[64];
	long sys = -1;

	if (type_of(d, ctx) != JTOK_ARRAY)
		return fail(err, errlen, "context: must be an array");
	for (size_t i = 0; i < count(d, ctx); i++) {
		long objs, o = -1;

		sys = elem(d, ctx, i, sys);
		snprintf(where, sizeof(where), "context[%zu]", i);
		if (type_of(d, sys) != JTOK_OBJECT)
			return fail(err, errlen, "%s: must be an object", where);
		if (check_member(d, sys, "system", W_STRING_OR_NULL, where, err, errlen) != 0)
			return -1;
		objs = get(d, sys, "objects");
		if (objs < 0)
			continue;
		if (type_of(d, objs) != JTOK_ARRAY)
			return fail(err, errlen, "%s.objects: must be an array", where);
		for (size_t k = 0; k < count(d, objs); k++) {
			long t;

			o = elem(d, objs, k, o);
			snprintf(where, sizeof(where), "context[%zu].objects[%zu]", i, k);
			if (type_of(d, o) != JTOK_OBJECT)
				return fail(err, errlen, "%s: must be an object", where);
			if (check_member(d, o, "fields", W_ARRAY, where, err, errlen) != 0 ||
			    check_member(d, o, "objectType", W_STRING_OR_NULL, where, err,
			                 errlen) != 0)
				return -1;
			t = get_set(d, o, "timing");
			if (t >= 0 && !jtok_is(d->ts, d->text, (size_t)t, "Now") &&
			    !jtok_is(d->ts, d->text, (size_t)t, "TimeOfCall"))
				return fail(err, errlen, "%s.timing: must be Now or TimeOfCall",
				            where);
		}
	}
	return 0;
}

static int
check_transcript(const struct doc *d, long tr, const char *where, char *err, size_t errlen)
{
	long m = -1;

	if (type_of(d, tr) != JTOK_ARRAY)
		return fail(err, errlen, "%s: must be an array", where);
	for (size_t i = 0; i < count(d, tr); i++) {
		long sentences, s = -1;
		char at[64];

		m = elem(d, tr, i, m);
		snprintf(at, sizeof(at), "%s[%zu]", where, i);
		if (type_of(d, m) != JTOK_OBJECT)
			return fail(err, errlen, "%s: must be an object", at);
		if (check_member(d, m, "speakerId", W_STRING_OR_NULL, at, err, errlen) != 0 ||
		    check_member(d, m, "topic", W_STRING_OR_NULL, at, err, errlen) != 0)
			return -1;
		sentences = get(d, m, "sentences");
		if (sentences < 0 || type_of(d, sentences) != JTOK_ARRAY)
			return fail(err, errlen, "%s.sentences: must be an array", at);
		for (size_t k = 0; k < count(d, sentences); k++) {
			long start, end, text;
			int64_t a = 0, b = 0;
			int ok_a = 0, ok_b = 0;

			s = elem(d, sentences, k, s);
			if (type_of(d, s) != JTOK_OBJECT)
				return fail(err, errlen, "%s.sentences[%zu]: must be an object", at,
				            k);
			start = get(d, s, "start");
			end = get(d, s, "end");
			if (start >= 0)
				a = jtok_int(d->ts, d->text, (size_t)start, &ok_a);
			if (end >= 0)
				b = jtok_int(d->ts, d->text, (size_t)end, &ok_b);
			if (!ok_a || a < 0)
				return fail(err, errlen,
				            "%s.sentences[%zu].start: must be an integer of "
				            "milliseconds, no less than 0",
				            at, k);
			if (!ok_b || b < a)
				return fail(
				    err, errlen,
				    "%s.sentences[%zu].end: must be an integer no less than start",
				    at, k);
			text = get(d, s, "text");
			if (text < 0 || type_of(d, text) != JTOK_STRING)
				return fail(err, errlen, "%s.sentences[%zu].text: must be a string",
				            at, k);
		}
	}
	return 0;
}

/* Appends one fragment and records its length; an absent value leaves the part empty. */
static int
put(const struct doc *d, struct jsonw *text, struct blocks *b, enum blocks_part part, long v)
{
	size_t start = text->len;

	if (v < 0)
		return 0;
	jtok_copy(d->ts, d->text, (size_t)v, text);
	if (text->failed || text->len - start > UINT32_MAX)
		return -1;
	b->len[part] = (uint32_t)(text->len - start);
	return 0;
}

/* A member as `"key":value`, compact. */
static void
put_member(const struct doc *d, struct jsonw *text, long key)
{
	jtok_copy(d->ts, d->text, (size_t)key, text);
	jsonw_char(text, ':');
	jtok_copy(d->ts, d->text, (size_t)key + 1, text);
}

/* The trackers without their occurrences. */
static int
put_trackers_bare(const struct doc *d, struct jsonw *text, struct blocks *b, long trackers)
{
	size_t start = text->len;
	long t = -1;

	jsonw_char(text, '[');
	for (size_t i = 0; i < count(d, trackers); i++) {
		long k;
		int first = 1;

		t = elem(d, trackers, i, t);
		if (i > 0)
			jsonw_char(text, ',');
		jsonw_char(text, '{');
		k = t + 1;
		for (size_t m = 0; m < count(d, t); m++) {
			if (!jtok_is(d->ts, d->text, (size_t)k, "occurrences")) {
				if (!first)
					jsonw_char(text, ',');
				first = 0;
				put_member(d, text, k);
			}
			k = (long)d->ts->t[k + 1].next;
		}
		jsonw_char(text, '}');
	}
	jsonw_char(text, ']');
	if (text->failed || text->len - start > UINT32_MAX)
		return -1;
	b->len[BLOCKS_TRACKERS_BARE] = (uint32_t)(text->len - start);
	return 0;
}

/* Which timings an Extended context part holds. */
#define TIMING_NOW 1
#define TIMING_TOC 2

static int
object_timing(const struct doc *d, long o)
{
	long t = get(d, o, "timing");

	return t >= 0 && jtok_is(d->ts, d->text, (size_t)t, "TimeOfCall") ? TIMING_TOC : TIMING_NOW;
}

/* Whether two tokens (or their absence) have the same bytes. */
static int
same(const struct doc *d, long a, long b)
{
	const struct jtok *x, *y;

	if (a < 0 || b < 0)
		return a == b;
	x = &d->ts->t[a];
	y = &d->ts->t[b];
	return x->end - x->start == y->end - y->start &&
	       memcmp(d->text + x->start, d->text + y->start, x->end - x->start) == 0;
}

static void
put_or_null(const struct doc *d, struct jsonw *text, long v)
{
	if (v >= 0)
		jtok_copy(d->ts, d->text, (size_t)v, text);
	else
		JSONW_LIT(text, "null");
}

/*
 * One context part: for Basic (timings 0) each system's objects once, with their type and id
 * only; for Extended the objects of the given timings, whole. Systems left with no object
 * are left out.
 */
static int
put_context(const struct doc *d, struct jsonw *text, struct blocks *b, enum blocks_part part,
            long ctx, int timings)
{
	size_t start = text->len;
	int first_sys = 1;
	long sys = -1;

	jsonw_char(text, '[');
	for (size_t i = 0; i < count(d, ctx); i++) {
		long objs, name, o = -1;
		int first = 1;

		sys = elem(d, ctx, i, sys);
		objs = get(d, sys, "objects");
		name = get(d, sys, "system");
		for (size_t k = 0; objs >= 0 && k < count(d, objs); k++) {
			o = elem(d, objs, k, o);
			if (timings != 0 && (object_timing(d, o) & timings) == 0)
				continue;
			if (timings == 0) {
				/* The same object under both timings is one link. */
				int seen = 0;
				long p = -1;

				for (size_t e = 0; e < k && !seen; e++) {
					p = elem(d, objs, e, p);
					seen =
					    same(d, get(d, p, "objectType"),
					         get(d, o, "objectType")) &&
					    same(d, get(d, p, "objectId"), get(d, o, "objectId"));
				}
				if (seen)
					continue;
			}
			if (first) {
				if (!first_sys)
					jsonw_char(text, ',');
				first_sys = 0;
				JSONW_LIT(text, "{\"system\":");
				put_or_null(d, text, name);
				JSONW_LIT(text, ",\"objects\":[");
			} else {
				jsonw_char(text, ',');
			}
			first = 0;
			if (timings != 0) {
				jtok_copy(d->ts, d->text, (size_t)o, text);
				continue;
			}
			JSONW_LIT(text, "{\"objectType\":");
			put_or_null(d, text, get(d, o, "objectType"));
			JSONW_LIT(text, ",\"objectId\":");
			put_or_null(d, text, get(d, o, "objectId"));
			jsonw_char(text, '}');
		}
		if (!first)
			JSONW_LIT(text, "]}");
	}
	jsonw_char(text, ']');
	if (text->failed || text->len - start > UINT32_MAX)
		return -1;
	b->len[part] = (uint32_t)(text->len - start);
	return 0;
}

/* The members of a block that must be arrays or objects when present. */
struct member {
	const char *key;
	enum want want;
	enum blocks_part part;
};

static const struct member CONTENT[] = {
    {"structure", W_ARRAY, BLOCKS_STRUCTURE},   {"topics", W_ARRAY, BLOCKS_TOPICS},
    {"trackers", W_ARRAY, BLOCKS_TRACKERS},     {"pointsOfInterest", W_ANY, BLOCKS_POINTS},
    {"brief", W_STRING_OR_NULL, BLOCKS_BRIEF},  {"outline", W_ARRAY, BLOCKS_OUTLINE},
    {"highlights", W_ARRAY, BLOCKS_HIGHLIGHTS}, {"callOutcome", W_ANY, BLOCKS_OUTCOME},
    {"keyPoints", W_ARRAY, BLOCKS_KEY_POINTS},
};

static const struct member INTERACTION[] = {
    {"speakers", W_ARRAY, BLOCKS_SPEAKERS},
    {"interactionStats", W_ARRAY, BLOCKS_STATS},
    {"video", W_ARRAY, BLOCKS_VIDEO},
    {"questions", W_ANY, BLOCKS_QUESTIONS},
};

static const struct member COLLABORATION[] = {
    {"publicComments", W_ARRAY, BLOCKS_COMMENTS},
};

static int
check_block(const struct doc *d, long block, const char *name, const struct member *m, size_t n,
            char *err, size_t errlen)
{
	if (type_of(d, block) != JTOK_OBJECT)
		return fail(err, errlen, "%s: must be an object", name);
	for (size_t i = 0; i < n; i++) {
		long v = get(d, block, m[i].key);

		if (check_member(d, block, m[i].key, m[i].want, name, err, errlen) != 0)
			return -1;
		if (v >= 0 && type_of(d, v) == JTOK_ARRAY && m[i].want == W_ARRAY &&
		    m[i].part != BLOCKS_VIDEO && m[i].part != BLOCKS_STATS &&
		    m[i].part != BLOCKS_SPEAKERS) {
			char where[48];

			snprintf(where, sizeof(where), "%s.%s", name, m[i].key);
			if (check_objects(d, v, where, err, errlen) != 0)
				return -1;
		}
	}
	return 0;
}

static int
put_block(const struct doc *d, struct jsonw *text, struct blocks *b, long block,
          const struct member *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (put(d, text, b, m[i].part, get(d, block, m[i].key)) != 0)
			return -1;
	return 0;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

int
blocks_present_tok(const char *text, const struct jtoks *ts, size_t call)
{
	static const char *const keys[] = {"parties",       "content", "interaction",
	                                   "collaboration", "context", "transcript"};

	for (size_t i = 0; i < COUNT(keys); i++)
		if (jtok_get(ts, text, call, keys[i]) >= 0)
			return 1;
	return 0;
}

int
blocks_render_tok(const char *src, const struct jtoks *ts, size_t call, struct jsonw *text,
                  struct blocks *b, char *err, size_t errlen)
{
	struct doc dd = {src, ts}, *d = &dd;
	long obj = (long)call;
	long parties = get_set(d, obj, "parties");
	long content = get_set(d, obj, "content");
	long interaction = get_set(d, obj, "interaction");
	long collaboration = get_set(d, obj, "collaboration");
	long context = get_set(d, obj, "context");
	long transcript = get_set(d, obj, "transcript");
	size_t start = text->len;

	memset(b, 0, sizeof(*b));
	b->off = start;
	if ((parties >= 0 && check_parties(d, parties, err, errlen) != 0) ||
	    (content >= 0 &&
	     check_block(d, content, "content", CONTENT, COUNT(CONTENT), err, errlen) != 0) ||
	    (interaction >= 0 && check_block(d, interaction, "interaction", INTERACTION,
	                                     COUNT(INTERACTION), err, errlen) != 0) ||
	    (collaboration >= 0 && check_block(d, collaboration, "collaboration", COLLABORATION,
	                                       COUNT(COLLABORATION), err, errlen) != 0) ||
	    (context >= 0 && check_context(d, context, err, errlen) != 0) ||
	    (transcript >= 0 && check_transcript(d, transcript, "transcript", err, errlen) != 0))
		return -1;

	/* In enum order, so each part's offset is the sum of the lengths before it. */
	if (put(d, text, b, BLOCKS_PARTIES, parties) != 0)
		goto oom;
	if (content >= 0) {
		long trackers = get(d, content, "trackers");

		if (put(d, text, b, BLOCKS_STRUCTURE, get(d, content, "structure")) != 0 ||
		    put(d, text, b, BLOCKS_TOPICS, get(d, content, "topics")) != 0 ||
		    put(d, text, b, BLOCKS_TRACKERS, trackers) != 0 ||
		    (trackers >= 0 && put_trackers_bare(d, text, b, trackers) != 0) ||
		    put_block(d, text, b, content, CONTENT + 3, COUNT(CONTENT) - 3) != 0)
			goto oom;
	}
	if (interaction >= 0 &&
	    put_block(d, text, b, interaction, INTERACTION, COUNT(INTERACTION)) != 0)
		goto oom;
	if (collaboration >= 0 &&
	    put_block(d, text, b, collaboration, COLLABORATION, COUNT(COLLABORATION)) != 0)
		goto oom;
	if (context >= 0 &&
	    (put_context(d, text, b, BLOCKS_CONTEXT_BASIC, context, 0) != 0 ||
	     put_context(d, text, b, BLOCKS_CONTEXT_NOW, context, TIMING_NOW) != 0 ||
	     put_context(d, text, b, BLOCKS_CONTEXT_TIME_OF_CALL, context, TIMING_TOC) != 0 ||
	     put_context(d, text, b, BLOCKS_CONTEXT_BOTH, context, TIMING_NOW | TIMING_TOC) != 0))
		goto oom;
	b->tx_off = text->len;
	if (put(d, text, b, BLOCKS_TRANSCRIPT, transcript) != 0)
		goto oom;
	return 0;
oom:
	text->len = start;
	memset(b, 0, sizeof(*b));
	return fail(err, errlen, "out of memory");
}

int64_t
blocks_render_transcript_tok(const char *src, const struct jtoks *ts, size_t tr, const char *where,
                             struct jsonw *text, char *err, size_t errlen)
{
	struct doc d = {src, ts};
	size_t start = text->len;

	if (check_transcript(&d, (long)tr, where, err, errlen) != 0)
		return -1;
	jtok_copy(ts, src, tr, text);
	if (text->failed || text->len - start > UINT32_MAX) {
		text->len = start;
		return fail(err, errlen, "out of memory");
	}
	return (int64_t)(text->len - start);
}

/* A jansson value as tokens over its compact text, for the functions that take jansson's. */
static int
from_json(const json_t *v, struct jsonw *buf, struct jtoks *ts, char *err, size_t errlen)
{
	jsonw_value(buf, v);
	if (buf->failed || jtok_parse(ts, buf->p, buf->len) != 0)
		return fail(err, errlen, "out of memory");
	return 0;
}

int
blocks_present(const json_t *call)
{
	static const char *const keys[] = {"parties",       "content", "interaction",
	                                   "collaboration", "context", "transcript"};

	for (size_t i = 0; i < COUNT(keys); i++)
		if (json_object_get(call, keys[i]) != NULL)
			return 1;
	return 0;
}

int
blocks_render(const json_t *call, struct jsonw *text, struct blocks *b, char *err, size_t errlen)
{
	struct jsonw buf = {0};
	struct jtoks ts = {0};
	int rc = -1;

	memset(b, 0, sizeof(*b));
	if (from_json(call, &buf, &ts, err, errlen) == 0)
		rc = blocks_render_tok(buf.p, &ts, 0, text, b, err, errlen);
	jtok_free(&ts);
	jsonw_free(&buf);
	return rc;
}

int64_t
blocks_render_transcript(const json_t *transcript, const char *where, struct jsonw *text, char *err,
                         size_t errlen)
{
	struct jsonw buf = {0};
	struct jtoks ts = {0};
	int64_t rc = -1;

	if (from_json(transcript, &buf, &ts, err, errlen) == 0)
		rc = blocks_render_transcript_tok(buf.p, &ts, 0, where, text, err, errlen);
	jtok_free(&ts);
	jsonw_free(&buf);
	return rc;
}
