/*
 * callrec.c - the call contract: its keys in order, what each accepts and why it refuses, and
 * the one renderer both parsers' fields go through.
 *
 * Rendering writes each contract key's `,"key":` prefix from a table, so a call costs one
 * pass over its fields to find the contract keys, one pass over the contract to check them,
 * and one to write. A call is checked whole before anything is written, so a refused call
 * leaves the output as it was. Dates are parsed by isotime; the text itself is written by
 * jsonw, escaped as jansson escapes it. Which call wins over another with the same id, and
 * where rendered calls are kept, is the callset's business.
 */
#include "callrec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "isotime.h"
#include "store.h"

#define CALLREC_URL_PREFIX "https://us-49467.app.gong.io/call?id="

/* The contract's keys, in the order calls are written. */
enum {
	K_ID,
	K_URL,
	K_TITLE,
	K_SCHEDULED,
	K_STARTED,
	K_DURATION,
	K_PRIMARY_USER,
	K_DIRECTION,
	K_SYSTEM,
	K_SCOPE,
	K_MEDIA,
	K_LANGUAGE,
	K_WORKSPACE,
	K_SDR,
	K_CLIENT_ID,
	K_CUSTOM,
	K_PURPOSE,
	K_MEETING_URL,
	K_PRIVATE,
	K_CALENDAR,
	K_COUNT
};

_Static_assert(K_COUNT == CALLREC_KEYS, "CALLREC_KEYS counts the contract's keys");

/* Each key with the text that introduces it in a rendered call: `,"key":`. */
/* clang-format off */
static const struct {
	const char *name;
	size_t len;
	const char *prefix;
	size_t prefix_len;
} CKEYS[K_COUNT] = {
#define CK(s) {s, sizeof(s) - 1, ",\"" s "\":", sizeof(",\"" s "\":") - 1}
	CK("id"),	      CK("url"),	    CK("title"),	 CK("scheduled"),
	CK("started"),	      CK("duration"),	    CK("primaryUserId"), CK("direction"),
	CK("system"),	      CK("scope"),	    CK("media"),	 CK("language"),
	CK("workspaceId"),    CK("sdrDisposition"), CK("clientUniqueId"), CK("customData"),
	CK("purpose"),	      CK("meetingUrl"),	    CK("isPrivate"),	 CK("calendarEventId"),
#undef CK
};
/* clang-format on */

static const char *const DIRECTIONS[] = {"Inbound", "Outbound", "Conference", "Unknown", NULL};
static const char *const SCOPES[] = {"Internal", "External", "Unknown", NULL};
static const char *const MEDIAS[] = {"Video", "Audio", NULL};

/* Why a value is refused, per contract key. */
static const char *const REASONS[K_COUNT] = {
    [K_ID] = "id: must be a string of 1-20 digits",
    [K_URL] = "url: must be a string or null",
    [K_TITLE] = "title: must be a string or null",
    [K_SCHEDULED] = "scheduled: must be an ISO-8601 date-time with an offset, or null",
    [K_STARTED] = "started: must be an ISO-8601 date-time with an offset",
    [K_DURATION] = "duration: must be an integer or null",
    [K_PRIMARY_USER] = "primaryUserId: must be a string of 1-20 digits",
    [K_DIRECTION] = "direction: must be one of Inbound, Outbound, Conference, Unknown",
    [K_SYSTEM] = "system: must be a string or null",
    [K_SCOPE] = "scope: must be one of Internal, External, Unknown",
    [K_MEDIA] = "media: must be one of Video, Audio",
    [K_LANGUAGE] = "language: must be three lower-case letters",
    [K_WORKSPACE] = "workspaceId: must be a string of 1-20 digits",
    [K_SDR] = "sdrDisposition: must be a string or null",
    [K_CLIENT_ID] = "clientUniqueId: must be a string or null",
    [K_CUSTOM] = "customData: must be a string or null",
    [K_PURPOSE] = "purpose: must be a string or null",
    [K_MEETING_URL] = "meetingUrl: must be a string or null",
    [K_PRIVATE] = "isPrivate: must be a boolean or null",
    [K_CALENDAR] = "calendarEventId: must be a string or null",
};

void
callrec_free(struct callrec *c)
{
	free(c->fields);
	jsonw_free(&c->dec);
	memset(c, 0, sizeof(*c));
}

int
callrec_key(const char *key, size_t len, int *hint)
{
	/* Calls usually list their keys in the contract's order: the one after the last found
	 * is tried first. */
	int h = *hint;
	if (h >= 0 && h < K_COUNT && CKEYS[h].len == len && memcmp(CKEYS[h].name, key, len) == 0) {
		*hint = h + 1;
		return h;
	}
	for (int k = 0; k < K_COUNT; k++) {
		if (CKEYS[k].len == len && memcmp(CKEYS[k].name, key, len) == 0) {
			*hint = k + 1;
			return k;
		}
	}
	return -1;
}

struct callrec_field *
callrec_push(struct callrec *c)
{
	if (c->n == c->cap) {
		/* Bounded by the text read, so the doubling cannot overflow first. */
		size_t cap = c->cap ? c->cap * 2 : 32;
		struct callrec_field *fields = realloc(c->fields, cap * sizeof(*fields));
		if (!fields)
			return NULL;
		c->fields = fields;
		c->cap = cap;
	}
	struct callrec_field *f = &c->fields[c->n++];
	memset(f, 0, sizeof(*f));
	return f;
}

int
callrec_from_json(struct callrec *c, const json_t *obj)
{
	const char *key;
	const json_t *v;
	int hint = 0;
	c->n = 0;
	/* json_object_foreach wants a mutable object but only reads it. */
	json_object_foreach((json_t *)obj, key, v)
	{
		struct callrec_field *f = callrec_push(c);
		if (!f)
			return -1;
		f->key = key;
		f->key_len = strlen(key);
		f->ckey = callrec_key(key, f->key_len, &hint);
		switch (json_typeof(v)) {
		case JSON_STRING:
			f->kind = CALLREC_STRING;
			f->s = json_string_value(v);
			f->len = json_string_length(v);
			break;
		case JSON_INTEGER:
			f->kind = CALLREC_INT;
			f->i = (int64_t)json_integer_value(v);
			break;
		case JSON_TRUE:
			f->kind = CALLREC_TRUE;
			break;
		case JSON_FALSE:
			f->kind = CALLREC_FALSE;
			break;
		case JSON_NULL:
			f->kind = CALLREC_NULL;
			break;
		default:
			f->kind = CALLREC_OTHER;
			f->j = v;
			break;
		}
	}
	return 0;
}

static int
is_digits(const struct callrec_field *f, size_t max)
{
	if (f->kind != CALLREC_STRING || f->len == 0 || f->len > max)
		return 0;
	for (size_t i = 0; i < f->len; i++)
		if (f->s[i] < '0' || f->s[i] > '9')
			return 0;
	return 1;
}

static int
is_null(const struct callrec_field *f)
{
	return !f || f->kind == CALLREC_NULL;
}

static int
is_one_of(const struct callrec_field *f, const char *const *values)
{
	if (f->kind != CALLREC_STRING)
		return 0;
	for (; *values; values++)
		if (strlen(*values) == f->len && memcmp(*values, f->s, f->len) == 0)
			return 1;
	return 0;
}

static int
is_lower3(const struct callrec_field *f)
{
	return f->kind == CALLREC_STRING && f->len == 3 && f->s[0] >= 'a' && f->s[0] <= 'z' &&
	       f->s[1] >= 'a' && f->s[1] <= 'z' && f->s[2] >= 'a' && f->s[2] <= 'z';
}

/*
 * Whether f (NULL when the key is absent) is a valid value for contract key c. Only id and
 * started are required; any other key may be absent or null. A date is parsed into *us.
 */
static int
value_ok(int c, const struct callrec_field *f, int64_t *us)
{
	if (c == K_ID)
		return f && is_digits(f, STORE_ID_MAX);
	if (c == K_STARTED)
		return f && f->kind == CALLREC_STRING &&
		       isotime_parse(f->s, f->len, ISOTIME_REQUIRE_OFFSET, us) == 0;
	if (is_null(f))
		return 1;
	switch (c) {
	case K_SCHEDULED:
		return f->kind == CALLREC_STRING &&
		       isotime_parse(f->s, f->len, ISOTIME_REQUIRE_OFFSET, us) == 0;
	case K_DURATION:
		return f->kind == CALLREC_INT;
	case K_PRIMARY_USER:
	case K_WORKSPACE:
		return is_digits(f, FILTER_WORKSPACE_MAX);
	case K_DIRECTION:
		return is_one_of(f, DIRECTIONS);
	case K_SCOPE:
		return is_one_of(f, SCOPES);
	case K_MEDIA:
		return is_one_of(f, MEDIAS);
	case K_LANGUAGE:
		return is_lower3(f);
	case K_PRIVATE:
		return f->kind == CALLREC_TRUE || f->kind == CALLREC_FALSE;
	default:
		return f->kind == CALLREC_STRING;
	}
}

/*
 * A quoted string. One the scanner found needs no escape is copied as it is: most of a call's
 * text is such strings, and checking them again for escapes cost a load of generated calls
 * about 15% more instructions.
 */
static void
write_string(struct jsonw *b, const char *s, size_t n, int plain)
{
	if (!plain) {
		jsonw_string(b, s, n, 0);
		return;
	}
	jsonw_reserve(b, n + 2);
	if (b->failed)
		return;
	char *w = b->p + b->len;
	w[0] = '"';
	memcpy(w + 1, s, n);
	w[n + 1] = '"';
	b->len += n + 2;
}

static void
write_value(struct jsonw *b, const struct callrec_field *f)
{
	/* The three kinds that are one word each. */
	static const struct {
		const char *text;
		size_t len;
	} WORDS[] = {
	    [CALLREC_NULL] = {"null", 4},
	    [CALLREC_FALSE] = {"false", 5},
	    [CALLREC_TRUE] = {"true", 4},
	};

	if (f->kind == CALLREC_STRING)
		write_string(b, f->s, f->len, f->plain);
	else if (f->kind == CALLREC_INT)
		jsonw_int(b, f->i);
	else if (f->kind == CALLREC_OTHER)
		jsonw_value(b, f->j);
	else
		jsonw_mem(b, WORDS[f->kind].text, WORDS[f->kind].len);
}

int
callrec_render(const struct callrec *c, struct jsonw *out, struct callrec_meta *meta, char *err,
               size_t errlen)
{
	const struct callrec_field *k[K_COUNT] = {0};
	int64_t when[K_COUNT] = {0};

	for (size_t i = 0; i < c->n; i++)
		if (c->fields[i].ckey >= 0)
			k[c->fields[i].ckey] = &c->fields[i];
	/* In the contract's order, so the message names the first bad key. */
	for (int key = 0; key < K_COUNT; key++) {
		if (!value_ok(key, k[key], &when[key])) {
			if (err && errlen)
				snprintf(err, errlen, "%s", REASONS[key]);
			return -1;
		}
	}

	for (int key = 0; key < K_COUNT; key++) {
		/* The first key opens the object where the others have their comma. */
		jsonw_mem(out, key ? CKEYS[key].prefix : "{\"id\":", CKEYS[key].prefix_len);
		if (k[key]) {
			write_value(out, k[key]);
		} else if (key == K_URL) {
			JSONW_LIT(out, "\"" CALLREC_URL_PREFIX);
			jsonw_mem(out, k[K_ID]->s, k[K_ID]->len);
			JSONW_LIT(out, "\"");
		} else {
			JSONW_LIT(out, "null");
		}
	}
	for (size_t i = 0; i < c->n; i++) {
		const struct callrec_field *f = &c->fields[i];
		if (f->ckey >= 0)
			continue;
		JSONW_LIT(out, ",");
		write_string(out, f->key, f->key_len, f->key_plain);
		JSONW_LIT(out, ":");
		write_value(out, f);
	}
	JSONW_LIT(out, "}");

	/* A web conference is dated by its schedule, anything else by its start. */
	int conference = k[K_MEETING_URL] && k[K_MEETING_URL]->kind == CALLREC_STRING &&
	                 k[K_MEETING_URL]->len > 0 && !is_null(k[K_SCHEDULED]);
	meta->date_us = conference ? when[K_SCHEDULED] : when[K_STARTED];
	meta->id = k[K_ID]->s;
	meta->id_len = k[K_ID]->len;
	meta->workspace = is_null(k[K_WORKSPACE]) ? NULL : k[K_WORKSPACE]->s;
	meta->workspace_len = meta->workspace ? k[K_WORKSPACE]->len : 0;
	meta->started_us = when[K_STARTED];
	meta->duration_s = k[K_DURATION] != NULL && k[K_DURATION]->kind == CALLREC_INT
	                       ? k[K_DURATION]->i
	                       : -1;
	meta->user = is_null(k[K_PRIMARY_USER]) ? NULL : k[K_PRIMARY_USER]->s;
	meta->user_len = meta->user ? k[K_PRIMARY_USER]->len : 0;
	meta->video = k[K_MEDIA] != NULL && k[K_MEDIA]->kind == CALLREC_STRING &&
	              k[K_MEDIA]->len == 5 && memcmp(k[K_MEDIA]->s, "Video", 5) == 0;
	return 0;
}
