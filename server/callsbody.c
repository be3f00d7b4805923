/*
 * callsbody.c - reading the body of the POST calls operations.
 *
 * jansson parses the body (it is capped by the HTTP layer), and every field is then checked in
 * a fixed order, so the message a client gets does not depend on the order of its keys. Ids
 * are kept as the numbers the store compares, sorted, so the store looks each one up once and
 * a cursor can carry a hash of the set that does not depend on the order a client lists it in.
 */
#include "callsbody.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "isotime.h"
#include "rng.h"

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

/* Notes the first thing Gong would let through. */
__attribute__((format(printf, 2, 3))) static void
tolerate(struct callsbody *b, const char *fmt, ...)
{
	va_list ap;

	if (b->tolerated[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(b->tolerated, sizeof(b->tolerated), fmt, ap);
	va_end(ap);
}

static void
unknown_keys(struct callsbody *b, const json_t *obj, const char *where, const char *const *known)
{
	const char *key;
	const json_t *v;

	json_object_foreach((json_t *)obj, key, v)
	{
		size_t i;

		(void)v;
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (known[i] == NULL) {
			tolerate(b, "%s%s\"%s\" is not a field Gong knows; it is ignored", where,
			         where[0] ? ": " : "", key);
			return;
		}
	}
}

static int
date(const json_t *filter, const char *key, bool *has, int64_t *us, char *err, size_t errlen)
{
	const json_t *v = json_object_get(filter, key);

	*has = false;
	if (v == NULL || json_is_null(v))
		return 0;
	char again[ISOTIME_TEXT_MAX + 1];

	/* A date must also be one a cursor can carry: years 0000 to 9999 in UTC. */
	if (!json_is_string(v) ||
	    isotime_parse(json_string_value(v), json_string_length(v), ISOTIME_LENIENT, us) < 0 ||
	    isotime_format(*us, again, sizeof(again)) == 0)
		return fail(err, errlen, "filter.%s: must be a valid ISO-8601 date-time", key);
	*has = true;
	return 0;
}

static int
sid_cmp(const void *pa, const void *pb)
{
	const struct store_id *a = pa, *b = pb;

	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/*
 * A list of ids: an array of strings of 1-20 digits (a bare number is what some clients send
 * for one id, and is taken when it is a whole number). Sorted, duplicates dropped.
 */
static int
ids(const json_t *filter, const char *key, struct store_id **out, size_t *n, bool *has,
    bool empty_ok, char *err, size_t errlen)
{
	const json_t *v = json_object_get(filter, key);
	struct store_id *a;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	*has = false;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return fail(err, errlen, "filter.%s: must be an array of ids", key);
	if (json_array_size(v) == 0) {
		/* An empty list of call ids is refused; of users, it is no filter. */
		if (!empty_ok)
			return fail(err, errlen, "filter.%s: must not be empty", key);
		return 0;
	}
	if (json_array_size(v) > CALLSBODY_MAX_IDS)
		return fail(err, errlen, "filter.%s: must hold at most %d ids", key,
		            CALLSBODY_MAX_IDS);
	a = malloc(json_array_size(v) * sizeof(*a));
	if (a == NULL)
		return fail(err, errlen, "out of memory");
	for (size_t i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i);
		char digits[24];
		size_t len;

		if (json_is_integer(e) && json_integer_value(e) >= 0) {
			len = (size_t)snprintf(digits, sizeof(digits), "%lld",
			                       (long long)json_integer_value(e));
		} else if (json_is_string(e) && json_string_length(e) >= 1 &&
		           json_string_length(e) <= STORE_ID_MAX &&
		           strspn(json_string_value(e), "0123456789") == json_string_length(e)) {
			len = json_string_length(e);
			memcpy(digits, json_string_value(e), len);
		} else {
			free(a);
			return fail(err, errlen, "filter.%s[%zu]: must be a string of 1-20 digits",
			            key, i);
		}
		store_id_split(digits, len, &a[k].hi, &a[k].lo);
		k++;
	}
	qsort(a, k, sizeof(*a), sid_cmp);
	size_t w = 0;
	for (size_t i = 0; i < k; i++)
		if (w == 0 || sid_cmp(&a[w - 1], &a[i]) != 0)
			a[w++] = a[i];
	*out = a;
	*n = w;
	*has = true;
	return 0;
}

static uint64_t
hash_ids(uint64_t h, const struct store_id *a, size_t n, bool has)
{
	h = rng_mix(h ^ (has ? n + 1 : 0));
	for (size_t i = 0; i < n; i++)
		h = rng_mix(h ^ rng_mix(a[i].hi * UINT64_C(0x9e3779b97f4a7c15) ^ a[i].lo));
	return h;
}

static int
flag(const json_t *obj, const char *key, const char *where, bool *out, char *err, size_t errlen)
{
	const json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return fail(err, errlen, "%s.%s: must be a boolean", where, key);
	*out = json_is_true(v);
	return 0;
}

/* The flags of exposedFields and the parts each one asks for. */
struct exposed {
	const char *key;
	enum blocks_part part;
};

static const struct exposed CONTENT[] = {
    {"structure", BLOCKS_STRUCTURE},
    {"topics", BLOCKS_TOPICS},
    {"trackers", BLOCKS_TRACKERS_BARE},
    {"trackerOccurrences", BLOCKS_TRACKERS},
    {"pointsOfInterest", BLOCKS_POINTS},
    {"brief", BLOCKS_BRIEF},
    {"outline", BLOCKS_OUTLINE},
    {"highlights", BLOCKS_HIGHLIGHTS},
    {"callOutcome", BLOCKS_OUTCOME},
    {"keyPoints", BLOCKS_KEY_POINTS},
    {NULL, BLOCKS_COUNT},
};

static const struct exposed INTERACTION[] = {
    {"speakers", BLOCKS_SPEAKERS},
    {"video", BLOCKS_VIDEO},
    {"personInteractionStats", BLOCKS_STATS},
    {"questions", BLOCKS_QUESTIONS},
    {NULL, BLOCKS_COUNT},
};

static const struct exposed COLLABORATION[] = {
    {"publicComments", BLOCKS_COMMENTS},
    {NULL, BLOCKS_COUNT},
};

/* One group of exposedFields (content, interaction, collaboration). Returns whether any of its
 * flags is set, or -1. */
static int
group(struct callsbody *b, const json_t *exposed, const char *key, const struct exposed *flags,
      char *err, size_t errlen)
{
	const json_t *g = json_object_get(exposed, key);
	const char *known[16];
	char where[64];
	int any = 0;
	size_t i;

	if (g == NULL || json_is_null(g))
		return 0;
	snprintf(where, sizeof(where), "contentSelector.exposedFields.%s", key);
	if (!json_is_object(g))
		return fail(err, errlen, "%s: must be an object", where);
	for (i = 0; flags[i].key != NULL; i++) {
		bool on = false;

		if (flag(g, flags[i].key, where, &on, err, errlen) != 0)
			return -1;
		if (on) {
			b->part[flags[i].part] = true;
			any = 1;
		}
		known[i] = flags[i].key;
	}
	known[i] = NULL;
	unknown_keys(b, g, where, known);
	return any;
}

static int
selector(struct callsbody *b, const json_t *sel, char *err, size_t errlen)
{
	static const char *const known_sel[] = {"context", "contextTiming", "exposedFields", NULL};
	static const char *const known_exp[] = {"parties",     "media",         "content",
	                                        "interaction", "collaboration", NULL};
	const json_t *ctx, *timing, *exposed;
	int any;

	b->timing = CALLSBODY_NOW;
	if (sel == NULL || json_is_null(sel))
		return 0;
	if (!json_is_object(sel))
		return fail(err, errlen, "contentSelector: must be an object");
	unknown_keys(b, sel, "contentSelector", known_sel);
	ctx = json_object_get(sel, "context");
	if (ctx != NULL && !json_is_null(ctx)) {
		const char *c = json_string_value(ctx);

		if (c != NULL && strcmp(c, "None") == 0)
			b->context = CALLSBODY_CONTEXT_NONE;
		else if (c != NULL && strcmp(c, "Basic") == 0)
			b->context = CALLSBODY_CONTEXT_BASIC;
		else if (c != NULL && strcmp(c, "Extended") == 0)
			b->context = CALLSBODY_CONTEXT_EXTENDED;
		else
			return fail(
			    err, errlen,
			    "contentSelector.context: must be one of None, Basic, Extended");
	}
	timing = json_object_get(sel, "contextTiming");
	if (timing != NULL && !json_is_null(timing)) {
		unsigned t = 0;

		if (!json_is_array(timing))
			return fail(
			    err, errlen,
			    "contentSelector.contextTiming: must be an array of Now, TimeOfCall");
		for (size_t i = 0; i < json_array_size(timing); i++) {
			const char *v = json_string_value(json_array_get(timing, i));

			if (v != NULL && strcmp(v, "Now") == 0)
				t |= CALLSBODY_NOW;
			else if (v != NULL && strcmp(v, "TimeOfCall") == 0)
				t |= CALLSBODY_TIME_OF_CALL;
			else
				return fail(err, errlen,
				            "contentSelector.contextTiming[%zu]: must be Now or "
				            "TimeOfCall",
				            i);
		}
		if (t != 0)
			b->timing = t;
		if (b->context != CALLSBODY_CONTEXT_EXTENDED && json_array_size(timing) > 0)
			tolerate(b,
			         "contentSelector.contextTiming: can be given only when context is "
			         "Extended; it is ignored");
	}
	exposed = json_object_get(sel, "exposedFields");
	if (exposed == NULL || json_is_null(exposed))
		return 0;
	if (!json_is_object(exposed))
		return fail(err, errlen, "contentSelector.exposedFields: must be an object");
	unknown_keys(b, exposed, "contentSelector.exposedFields", known_exp);
	if (flag(exposed, "parties", "contentSelector.exposedFields", &b->parties, err, errlen) !=
	        0 ||
	    flag(exposed, "media", "contentSelector.exposedFields", &b->media, err, errlen) != 0)
		return -1;
	if ((any = group(b, exposed, "content", CONTENT, err, errlen)) < 0)
		return -1;
	b->content = any;
	if ((any = group(b, exposed, "interaction", INTERACTION, err, errlen)) < 0)
		return -1;
	b->interaction = any;
	if ((any = group(b, exposed, "collaboration", COLLABORATION, err, errlen)) < 0)
		return -1;
	b->collaboration = any;
	/* Occurrences come with their trackers. */
	if (b->part[BLOCKS_TRACKERS])
		b->part[BLOCKS_TRACKERS_BARE] = false;
	return 0;
}

int
callsbody_parse(struct callsbody *b, enum callsbody_kind kind, const char *body, size_t len,
                char *err, size_t errlen)
{
	static const char *const known_x[] = {"filter", "contentSelector", "cursor", NULL};
	static const char *const known_t[] = {"filter", "cursor", NULL};
	static const char *const known_fx[] = {"fromDateTime", "toDateTime",     "workspaceId",
	                                       "callIds",      "primaryUserIds", NULL};
	static const char *const known_ft[] = {"fromDateTime", "toDateTime", "workspaceId",
	                                       "callIds", NULL};
	struct store_xfilter *xf = &b->xf;
	json_error_t je;
	json_t *root;
	const json_t *filter, *ws, *cur;

	memset(b, 0, sizeof(*b));
	if (body == NULL || len == 0)
		return fail(err, errlen, "request body: must be a JSON object with a filter");
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (root == NULL)
		return fail(err, errlen, "request body: not valid JSON: %s at line %d column %d",
		            je.text, je.line, je.column);
	b->root = root;
	if (!json_is_object(root)) {
		fail(err, errlen, "request body: must be a JSON object");
		goto fail;
	}
	unknown_keys(b, root, "", kind == CALLSBODY_EXTENSIVE ? known_x : known_t);
	filter = json_object_get(root, "filter");
	if (filter == NULL || json_is_null(filter)) {
		fail(err, errlen, "filter: is required");
		goto fail;
	}
	if (!json_is_object(filter)) {
		fail(err, errlen, "filter: must be an object");
		goto fail;
	}
	unknown_keys(b, filter, "filter", kind == CALLSBODY_EXTENSIVE ? known_fx : known_ft);
	if (date(filter, "fromDateTime", &xf->f.has_from, &xf->f.from_us, err, errlen) != 0 ||
	    date(filter, "toDateTime", &xf->f.has_to, &xf->f.to_us, err, errlen) != 0)
		goto fail;
	ws = json_object_get(filter, "workspaceId");
	if (ws != NULL && !json_is_null(ws)) {
		const char *w = json_string_value(ws);
		size_t n = json_string_length(ws);

		if (w == NULL || n == 0 || n > FILTER_WORKSPACE_MAX ||
		    strspn(w, "0123456789") != n) {
			fail(err, errlen, "filter.workspaceId: must be a string of 1-20 digits");
			goto fail;
		}
		memcpy(xf->f.workspace, w, n + 1);
		xf->f.has_workspace = true;
	}
	if (ids(filter, "callIds", &b->ids, &xf->nids, &xf->has_ids, false, err, errlen) != 0)
		goto fail;
	if (kind == CALLSBODY_EXTENSIVE && ids(filter, "primaryUserIds", &b->users, &xf->nusers,
	                                       &xf->has_users, true, err, errlen) != 0)
		goto fail;
	xf->ids = b->ids;
	xf->users = b->users;
	if (xf->f.has_from && xf->f.has_to && xf->f.from_us >= xf->f.to_us) {
		fail(err, errlen, "filter.fromDateTime: must be before toDateTime");
		goto fail;
	}
	b->filter_hash = hash_ids(hash_ids(0, b->ids, xf->nids, xf->has_ids), b->users, xf->nusers,
	                          xf->has_users);
	cur = json_object_get(root, "cursor");
	if (cur != NULL && !json_is_null(cur)) {
		if (!json_is_string(cur)) {
			fail(err, errlen, "cursor: must be a string");
			goto fail;
		}
		/* An empty cursor is no cursor, as in a query string. */
		if (json_string_length(cur) > 0) {
			b->cursor = json_string_value(cur);
			b->cursor_len = json_string_length(cur);
		}
	}
	if (kind == CALLSBODY_EXTENSIVE &&
	    selector(b, json_object_get(root, "contentSelector"), err, errlen) != 0)
		goto fail;
	return 0;
fail:
	callsbody_free(b);
	return -1;
}

void
callsbody_free(struct callsbody *b)
{
	free(b->ids);
	free(b->users);
	json_decref(b->root);
	memset(b, 0, sizeof(*b));
}
