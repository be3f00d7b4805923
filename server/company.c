/*
 * company.c - users and workspaces: checked, rendered once, looked up by id.
 *
 * Users are few beside calls (a company has hundreds or thousands), so they are read with
 * jansson and kept sorted by id for binary searches; the checks hold each field to the type
 * Gong's user object gives it, so that a client's parser never meets a surprise.
 */
#include "company.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"
#include "store.h"

struct company {
	char *text;
	struct company_user *users;
	size_t nusers;
	struct company_workspace *ws;
	size_t nws;
	bool given_users;
	bool given_ws;
};

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

static int
is_id(const json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);

	return s != NULL && n >= 1 && n <= STORE_ID_MAX && strspn(s, "0123456789") == n;
}

static void *
grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	size_t n = *cap ? *cap * 2 : 16;
	while (n < need)
		n *= 2;
	void *q = realloc(p, n * size);
	if (q != NULL)
		*cap = n;
	return q;
}

/* The keys of a user that must have a given type when present and not null. */
static const struct {
	const char *key;
	json_type type;
	const char *why;
} USER_KEYS[] = {
    {"emailAddress", JSON_STRING, "must be a string or null"},
    {"firstName", JSON_STRING, "must be a string or null"},
    {"lastName", JSON_STRING, "must be a string or null"},
    {"title", JSON_STRING, "must be a string or null"},
    {"phoneNumber", JSON_STRING, "must be a string or null"},
    {"extension", JSON_STRING, "must be a string or null"},
    {"meetingConsentPageUrl", JSON_STRING, "must be a string or null"},
    {"emailAliases", JSON_ARRAY, "must be an array or null"},
    {"personalMeetingUrls", JSON_ARRAY, "must be an array or null"},
    {"spokenLanguages", JSON_ARRAY, "must be an array or null"},
    {"settings", JSON_OBJECT, "must be an object or null"},
};

static int
add_user(struct company_set *cs, const json_t *u, size_t i, char *err, size_t errlen)
{
	const json_t *id = json_object_get(u, "id");
	const json_t *v;
	const char *key;
	struct company_user *cu;
	size_t start = cs->text.len;
	int first = 1;

	if (!json_is_object(u))
		return fail(err, errlen, "users[%zu]: must be an object", i);
	if (!is_id(id))
		return fail(err, errlen, "users[%zu].id: must be a string of 1-20 digits", i);
	for (size_t k = 0; k < sizeof(USER_KEYS) / sizeof(USER_KEYS[0]); k++) {
		v = json_object_get(u, USER_KEYS[k].key);
		if (v != NULL && !json_is_null(v) && json_typeof(v) != USER_KEYS[k].type)
			return fail(err, errlen, "users[%zu].%s: %s", i, USER_KEYS[k].key,
			            USER_KEYS[k].why);
	}
	v = json_object_get(u, "managerId");
	if (v != NULL && !json_is_null(v) && !is_id(v))
		return fail(err, errlen,
		            "users[%zu].managerId: must be a string of 1-20 digits or null", i);
	v = json_object_get(u, "active");
	if (v != NULL && !json_is_null(v) && !json_is_boolean(v))
		return fail(err, errlen, "users[%zu].active: must be a boolean or null", i);
	v = json_object_get(u, "avatar");
	if (v != NULL && !json_is_boolean(v))
		return fail(err, errlen, "users[%zu].avatar: must be a boolean", i);
	int64_t created = INT64_MIN;
	v = json_object_get(u, "created");
	if (v != NULL && !json_is_null(v) &&
	    (!json_is_string(v) || isotime_parse(json_string_value(v), json_string_length(v),
	                                         ISOTIME_REQUIRE_OFFSET, &created) != 0))
		return fail(
		    err, errlen,
		    "users[%zu].created: must be an ISO-8601 date-time with an offset or null", i);
	cu = grow(cs->users, &cs->capusers, cs->nusers + 1, sizeof(*cu));
	if (cu == NULL)
		return fail(err, errlen, "out of memory");
	cs->users = cu;
	jsonw_char(&cs->text, '{');
	json_object_foreach((json_t *)u, key, v)
	{
		if (strcmp(key, "avatar") == 0)
			continue;
		if (!first)
			jsonw_char(&cs->text, ',');
		first = 0;
		jsonw_string(&cs->text, key, strlen(key), 0);
		jsonw_char(&cs->text, ':');
		jsonw_value(&cs->text, v);
	}
	jsonw_char(&cs->text, '}');
	if (cs->text.failed || cs->text.len - start > UINT32_MAX)
		return fail(err, errlen, "out of memory");
	cu = &cs->users[cs->nusers++];
	store_id_split(json_string_value(id), json_string_length(id), &cu->id_hi, &cu->id_lo);
	cu->created_us = created;
	cu->json = (const char *)(uintptr_t)start;
	cu->len = (uint32_t)(cs->text.len - start);
	cu->avatar = json_is_true(json_object_get(u, "avatar"));
	return 0;
}

static int
add_workspace(struct company_set *cs, const json_t *w, size_t i, char *err, size_t errlen)
{
	const json_t *id = json_object_get(w, "id");
	struct company_workspace *cw;
	size_t start = cs->text.len;

	if (!json_is_object(w))
		return fail(err, errlen, "workspaces[%zu]: must be an object", i);
	if (!is_id(id))
		return fail(err, errlen, "workspaces[%zu].id: must be a string of 1-20 digits", i);
	for (int k = 0; k < 2; k++) {
		const char *key = k == 0 ? "name" : "description";
		const json_t *v = json_object_get(w, key);

		if (v != NULL && !json_is_null(v) && !json_is_string(v))
			return fail(err, errlen, "workspaces[%zu].%s: must be a string or null", i,
			            key);
	}
	cw = grow(cs->ws, &cs->capws, cs->nws + 1, sizeof(*cw));
	if (cw == NULL)
		return fail(err, errlen, "out of memory");
	cs->ws = cw;
	jsonw_value(&cs->text, w);
	if (cs->text.failed)
		return fail(err, errlen, "out of memory");
	cw = &cs->ws[cs->nws++];
	memcpy(cw->id, json_string_value(id), json_string_length(id) + 1);
	cw->json = (const char *)(uintptr_t)start;
	cw->len = (uint32_t)(cs->text.len - start);
	return 0;
}

int
company_add_record(struct company_set *cs, const json_t *record, char *err, size_t errlen)
{
	const json_t *users = json_object_get(record, "users");
	const json_t *ws = json_object_get(record, "workspaces");

	if (users != NULL && !json_is_array(users))
		return fail(err, errlen, "users: must be an array");
	if (ws != NULL && !json_is_array(ws))
		return fail(err, errlen, "workspaces: must be an array");
	for (size_t i = 0; i < json_array_size(users); i++)
		if (add_user(cs, json_array_get(users, i), i, err, errlen) != 0)
			return -1;
	for (size_t i = 0; i < json_array_size(ws); i++)
		if (add_workspace(cs, json_array_get(ws, i), i, err, errlen) != 0)
			return -1;
	cs->given_users |= users != NULL;
	cs->given_ws |= ws != NULL;
	return 0;
}

int
company_add_bare_user(struct company_set *cs, uint64_t id_hi, uint64_t id_lo)
{
	char id[STORE_ID_MAX + 1];
	size_t start = cs->text.len;
	struct company_user *cu = grow(cs->users, &cs->capusers, cs->nusers + 1, sizeof(*cu));

	if (cu == NULL)
		return -1;
	cs->users = cu;
	store_id_format(id_hi, id_lo, id);
	JSONW_LIT(&cs->text, "{\"id\":\"");
	jsonw_str(&cs->text, id);
	JSONW_LIT(&cs->text,
	          "\",\"emailAddress\":null,\"created\":null,\"active\":true,\"emailAliases\":[],"
	          "\"firstName\":null,\"lastName\":null,\"title\":null,\"phoneNumber\":null,"
	          "\"extension\":null,\"personalMeetingUrls\":[],\"settings\":null,"
	          "\"managerId\":null,\"meetingConsentPageUrl\":null,\"spokenLanguages\":[]}");
	if (cs->text.failed)
		return -1;
	cu = &cs->users[cs->nusers++];
	cu->id_hi = id_hi;
	cu->id_lo = id_lo;
	cu->created_us = INT64_MIN;
	cu->json = (const char *)(uintptr_t)start;
	cu->len = (uint32_t)(cs->text.len - start);
	cu->avatar = false;
	return 0;
}

int
company_add_bare_workspace(struct company_set *cs, const char *id)
{
	size_t start = cs->text.len;
	struct company_workspace *cw = grow(cs->ws, &cs->capws, cs->nws + 1, sizeof(*cw));

	if (cw == NULL)
		return -1;
	cs->ws = cw;
	JSONW_LIT(&cs->text, "{\"id\":\"");
	jsonw_str(&cs->text, id);
	JSONW_LIT(&cs->text, "\",\"name\":null,\"description\":null}");
	if (cs->text.failed)
		return -1;
	cw = &cs->ws[cs->nws++];
	snprintf(cw->id, sizeof(cw->id), "%s", id);
	cw->json = (const char *)(uintptr_t)start;
	cw->len = (uint32_t)(cs->text.len - start);
	return 0;
}

static int
user_cmp(const void *pa, const void *pb)
{
	const struct company_user *a = pa, *b = pb;

	if (a->id_hi != b->id_hi)
		return a->id_hi < b->id_hi ? -1 : 1;
	if (a->id_lo != b->id_lo)
		return a->id_lo < b->id_lo ? -1 : 1;
	/* The later of two with one id wins: it sorts last, and the earlier is dropped. */
	return (uintptr_t)a->json < (uintptr_t)b->json ? -1
	                                               : (uintptr_t)a->json > (uintptr_t)b->json;
}

struct company *
company_build(struct company_set *cs)
{
	struct company *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->text = cs->text.p;
	jsonw_init(&cs->text);
	if (cs->nusers > 0)
		qsort(cs->users, cs->nusers, sizeof(*cs->users), user_cmp);
	size_t w = 0;
	for (size_t i = 0; i < cs->nusers; i++) {
		struct company_user u = cs->users[i];

		u.json = c->text + (uintptr_t)u.json;
		if (w > 0 && cs->users[w - 1].id_hi == u.id_hi && cs->users[w - 1].id_lo == u.id_lo)
			cs->users[w - 1] = u;
		else
			cs->users[w++] = u;
	}
	c->users = cs->users;
	c->nusers = w;
	cs->users = NULL;
	cs->nusers = cs->capusers = 0;
	/* Workspaces keep their first place; a later copy replaces the text. */
	w = 0;
	for (size_t i = 0; i < cs->nws; i++) {
		struct company_workspace ws = cs->ws[i];
		size_t k;

		ws.json = c->text + (uintptr_t)ws.json;
		for (k = 0; k < w && strcmp(cs->ws[k].id, ws.id) != 0; k++)
			;
		cs->ws[k] = ws;
		if (k == w)
			w++;
	}
	c->ws = cs->ws;
	c->nws = w;
	cs->ws = NULL;
	cs->nws = cs->capws = 0;
	c->given_users = cs->given_users;
	c->given_ws = cs->given_ws;
	return c;
}

void
company_set_free(struct company_set *cs)
{
	jsonw_free(&cs->text);
	free(cs->users);
	free(cs->ws);
	memset(cs, 0, sizeof(*cs));
}

void
company_free(struct company *c)
{
	if (c == NULL)
		return;
	free(c->text);
	free(c->users);
	free(c->ws);
	free(c);
}

const struct company_user *
company_users(const struct company *c, size_t *n)
{
	*n = c->nusers;
	return c->users;
}

const struct company_workspace *
company_workspaces(const struct company *c, size_t *n)
{
	*n = c->nws;
	return c->ws;
}

const struct company_user *
company_user(const struct company *c, uint64_t id_hi, uint64_t id_lo)
{
	size_t lo = 0, hi = c->nusers;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct company_user *u = &c->users[mid];

		if (u->id_hi == id_hi && u->id_lo == id_lo)
			return u;
		if (u->id_hi < id_hi || (u->id_hi == id_hi && u->id_lo < id_lo))
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool
company_has_users(const struct company *c)
{
	return c->given_users;
}

bool
company_has_workspaces(const struct company *c)
{
	return c->given_ws;
}

bool
company_has_workspace(const struct company *c, const char *id)
{
	for (size_t i = 0; i < c->nws; i++)
		if (strcmp(c->ws[i].id, id) == 0)
			return true;
	return false;
}
