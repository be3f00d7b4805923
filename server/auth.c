/*
 * auth.c - reading Authorization headers and checking them against a credentials file.
 *
 * The header is parsed by hand: scheme, white space, then a base64 `key:secret` for Basic or
 * an opaque token for Bearer. The credentials file is read once with jansson and checked
 * strictly, so that a typo stops the start-up with a message naming the file and the entry
 * instead of refusing every request later. This module says who may call and what they may
 * do; turning a refusal into a 401 belongs to the error table, and it never logs a secret.
 */
#include "auth.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "b64.h"

struct auth_basic {
	char *key;
	size_t key_len;
	char *secret;
	size_t secret_len;
};

struct auth_bearer {
	char *token;
	size_t token_len;
	unsigned scopes; /* the AUTH_* scope bits it carries */
};

struct auth {
	struct auth_basic *basic;
	size_t nbasic;
	struct auth_bearer *bearer;
	size_t nbearer;
};

static bool
auth_is_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* A character that may appear in a credential: visible ASCII, no white space. */
static bool
auth_is_visible(char ch)
{
	return (unsigned char)ch > 0x20 && (unsigned char)ch < 0x7f;
}

/* ASCII case-insensitive comparison of n bytes with a lower-case literal of length n. */
static bool
auth_scheme_is(const char *s, size_t n, const char *lower)
{
	size_t i;
	char ch;

	if (strlen(lower) != n)
		return false;
	for (i = 0; i < n; i++) {
		ch = s[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (ch != lower[i])
			return false;
	}
	return true;
}

/*
 * Compares what a client sent with a stored value. The loop runs over the stored value and
 * never stops early, so the time taken does not reveal how much of a guess was right; it only
 * depends on lengths, which tell a guesser little. Returns 1 when equal, else 0.
 */
static unsigned
auth_equal(const char *given, size_t given_len, const char *stored, size_t stored_len)
{
	volatile unsigned char diff = (unsigned char)(given_len != stored_len);
	size_t i;
	unsigned char g;

	for (i = 0; i < stored_len; i++) {
		g = i < given_len ? (unsigned char)given[i] : 0;
		diff |= (unsigned char)(g ^ (unsigned char)stored[i]);
	}
	return diff == 0;
}

/*
 * Records who a request claims to be. The identity goes to logs and metrics, so anything
 * outside printable ASCII becomes `?`: a header must not be able to forge a log line.
 */
static void
auth_identify(struct auth_identity *who, char kind, const char *id, size_t len)
{
	size_t i;

	if (who == NULL)
		return;
	if (len > AUTH_ID_MAX)
		len = AUTH_ID_MAX;
	who->kind = kind;
	for (i = 0; i < len; i++)
		who->id[i] = (id[i] >= 0x20 && id[i] < 0x7f) ? id[i] : '?';
	who->id[len] = '\0';
}

static enum auth_result
auth_check_basic(const struct auth *a, const char *cred, size_t len, struct auth_identity *who)
{
	unsigned char buf[AUTH_HEADER_MAX];
	const char *plain = (const char *)buf;
	const char *colon;
	size_t plain_len, key_len, i;
	long n;
	unsigned found = 0;

	/*
	 * Padding is optional, as clients differ, but when present it must complete the last
	 * group of four. The unused bits of the last character are ignored, as most decoders do.
	 * len is at most AUTH_HEADER_MAX, so buf has room for what it decodes to.
	 */
	n = b64_decode(cred, len, buf, B64_STD, 0);
	if (n < 0)
		return AUTH_INVALID;
	plain_len = (size_t)n;
	colon = memchr(plain, ':', plain_len);
	if (colon == NULL || colon == plain)
		return AUTH_INVALID;
	key_len = (size_t)(colon - plain);
	auth_identify(who, 'b', plain, key_len);
	if (a == NULL)
		return AUTH_OK;

	/* Every entry is compared, so the time taken does not tell which key exists. */
	for (i = 0; i < a->nbasic; i++)
		found |= auth_equal(plain, key_len, a->basic[i].key, a->basic[i].key_len) &
		         auth_equal(colon + 1, plain_len - key_len - 1, a->basic[i].secret,
		                    a->basic[i].secret_len);
	return found ? AUTH_OK : AUTH_INVALID;
}

static const char *const auth_scope_names[] = {
    "api:calls:read:basic",     "api:calls:read:extensive", "api:calls:read:media-url",
    "api:calls:read:transcript", "api:users:read",          "api:workspaces:read",
};

const char *
auth_scope_name(unsigned scope)
{
	for (size_t i = 0; i < sizeof(auth_scope_names) / sizeof(auth_scope_names[0]); i++)
		if (scope == 1U << i)
			return auth_scope_names[i];
	return "";
}

static enum auth_result
auth_check_bearer(const struct auth *a, const char *token, size_t len, unsigned need,
                  struct auth_identity *who, unsigned *missing)
{
	size_t i;
	unsigned found = 0, scopes = 0, eq;

	auth_identify(who, 't', token, len);
	if (a == NULL)
		return AUTH_OK;
	for (i = 0; i < a->nbearer; i++) {
		eq = auth_equal(token, len, a->bearer[i].token, a->bearer[i].token_len);
		found |= eq;
		scopes |= (0U - eq) & a->bearer[i].scopes;
	}
	if (!found)
		return AUTH_INVALID;
	if ((scopes & need) != need) {
		if (missing != NULL)
			*missing = need & ~scopes;
		return AUTH_NO_SCOPE;
	}
	return AUTH_OK;
}

enum auth_result
auth_check(const struct auth *a, const char *header, struct auth_identity *who)
{
	return auth_check_scopes(a, header, AUTH_CALLS_BASIC, who, NULL);
}

enum auth_result
auth_check_scopes(const struct auth *a, const char *header, unsigned need,
                  struct auth_identity *who, unsigned *missing)
{
	const char *p, *end, *scheme, *cred;
	size_t scheme_len;

	if (who != NULL) {
		who->kind = 0;
		who->id[0] = '\0';
	}
	if (header == NULL)
		return AUTH_INVALID;
	/*
	 * memchr stops at the first NUL and never looks past the cap, so a value longer than
	 * AUTH_HEADER_MAX is refused without being read to its end.
	 */
	end = memchr(header, '\0', AUTH_HEADER_MAX + 1);
	if (end == NULL)
		return AUTH_INVALID;

	/* HTTP allows white space around a header value, and between the scheme and the rest. */
	p = header;
	while (p < end && auth_is_space(*p))
		p++;
	while (end > p && auth_is_space(end[-1]))
		end--;
	scheme = p;
	while (p < end && !auth_is_space(*p))
		p++;
	scheme_len = (size_t)(p - scheme);
	while (p < end && auth_is_space(*p))
		p++;
	cred = p;
	if (cred == end)
		return AUTH_INVALID;
	for (; p < end; p++)
		if (!auth_is_visible(*p))
			return AUTH_INVALID;

	if (auth_scheme_is(scheme, scheme_len, "basic"))
		return auth_check_basic(a, cred, (size_t)(end - cred), who);
	if (auth_scheme_is(scheme, scheme_len, "bearer"))
		return auth_check_bearer(a, cred, (size_t)(end - cred), need, who, missing);
	return AUTH_INVALID;
}

void
auth_free(struct auth *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->nbasic; i++) {
		free(a->basic[i].key);
		free(a->basic[i].secret);
	}
	for (i = 0; i < a->nbearer; i++)
		free(a->bearer[i].token);
	free(a->basic);
	free(a->bearer);
	free(a);
}

/* How a JSON value's type reads in a message. */
static const char *
auth_json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "a list";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		break;
	}
	return "null";
}

/*
 * The first key of obj that is not in `allowed` (NULL-terminated), or NULL. Unknown keys are
 * refused so that a misspelt one is reported rather than silently ignored.
 */
static const char *
auth_unknown_key(const json_t *obj, const char *const *allowed)
{
	/* The iterator functions take a non-const object; they do not modify it. */
	json_t *o = (json_t *)obj;
	const char *name;
	void *it;
	size_t k;

	for (it = json_object_iter(o); it != NULL; it = json_object_iter_next(o, it)) {
		name = json_object_iter_key(it);
		for (k = 0; allowed[k] != NULL; k++)
			if (strcmp(name, allowed[k]) == 0)
				break;
		if (allowed[k] == NULL)
			return name;
	}
	return NULL;
}

/* Fails with a message when entry `list`[i] has a key outside `allowed`. */
static int
auth_entry_keys(const char *path, const char *list, size_t i, const json_t *entry,
                const char *const *allowed, char *err, size_t errlen)
{
	const char *name = auth_unknown_key(entry, allowed);

	if (name == NULL)
		return 0;
	snprintf(err, errlen, "credentials file %s: %s[%zu]: unknown key \"%s\"", path, list, i,
	         name);
	return -1;
}

/*
 * Fetches the string `key` of entry `list`[i]. Returns it, or NULL with a message when it is
 * absent (and required), not a string, or empty.
 */
static const char *
auth_entry_string(const char *path, const char *list, size_t i, const json_t *entry,
                  const char *key, bool may_be_empty, size_t *len, char *err, size_t errlen)
{
	const json_t *v = json_object_get(entry, key);

	if (v == NULL) {
		snprintf(err, errlen, "credentials file %s: %s[%zu]: missing \"%s\"", path, list, i,
		         key);
		return NULL;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "credentials file %s: %s[%zu].%s: expected a string, got %s",
		         path, list, i, key, auth_json_kind(v));
		return NULL;
	}
	*len = json_string_length(v);
	if (*len == 0 && !may_be_empty) {
		snprintf(err, errlen, "credentials file %s: %s[%zu].%s: must not be empty", path,
		         list, i, key);
		return NULL;
	}
	return json_string_value(v);
}

/* Copies len bytes and a NUL; NULL when out of memory. */
static char *
auth_dup(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d != NULL) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

static int
auth_load_basic(struct auth *a, const char *path, const json_t *list, char *err, size_t errlen)
{
	static const char *const keys[] = {"accessKey", "accessKeySecret", NULL};
	const json_t *entry;
	const char *key, *secret;
	size_t i, key_len, secret_len;

	if (!json_is_array(list)) {
		snprintf(err, errlen, "credentials file %s: \"basic\": expected a list, got %s",
		         path, auth_json_kind(list));
		return -1;
	}
	a->basic = calloc(json_array_size(list) + 1, sizeof(*a->basic));
	if (a->basic == NULL) {
		snprintf(err, errlen, "credentials file %s: out of memory", path);
		return -1;
	}
	for (i = 0; i < json_array_size(list); i++) {
		entry = json_array_get(list, i);
		if (!json_is_object(entry)) {
			snprintf(err, errlen,
			         "credentials file %s: basic[%zu]: expected an object, got %s",
			         path, i, auth_json_kind(entry));
			return -1;
		}
		if (auth_entry_keys(path, "basic", i, entry, keys, err, errlen) != 0)
			return -1;
		key = auth_entry_string(path, "basic", i, entry, "accessKey", false, &key_len, err,
		                        errlen);
		if (key == NULL)
			return -1;
		secret = auth_entry_string(path, "basic", i, entry, "accessKeySecret", true,
		                           &secret_len, err, errlen);
		if (secret == NULL)
			return -1;
		/* Basic splits at the first colon, so a key holding one could never be presented.
		 */
		if (memchr(key, ':', key_len) != NULL) {
			snprintf(err, errlen,
			         "credentials file %s: basic[%zu].accessKey: must not contain ':'",
			         path, i);
			return -1;
		}
		a->basic[i].key = auth_dup(key, key_len);
		a->basic[i].secret = auth_dup(secret, secret_len);
		a->nbasic = i + 1;
		if (a->basic[i].key == NULL || a->basic[i].secret == NULL) {
			snprintf(err, errlen, "credentials file %s: out of memory", path);
			return -1;
		}
		a->basic[i].key_len = key_len;
		a->basic[i].secret_len = secret_len;
	}
	return 0;
}

static int
auth_load_bearer(struct auth *a, const char *path, const json_t *list, char *err, size_t errlen)
{
	static const char *const keys[] = {"token", "scopes", NULL};
	const json_t *entry, *scopes, *scope;
	const char *token;
	size_t i, j, len;
	unsigned scoped;

	if (!json_is_array(list)) {
		snprintf(err, errlen, "credentials file %s: \"bearer\": expected a list, got %s",
		         path, auth_json_kind(list));
		return -1;
	}
	a->bearer = calloc(json_array_size(list) + 1, sizeof(*a->bearer));
	if (a->bearer == NULL) {
		snprintf(err, errlen, "credentials file %s: out of memory", path);
		return -1;
	}
	for (i = 0; i < json_array_size(list); i++) {
		entry = json_array_get(list, i);
		if (!json_is_object(entry)) {
			snprintf(err, errlen,
			         "credentials file %s: bearer[%zu]: expected an object, got %s",
			         path, i, auth_json_kind(entry));
			return -1;
		}
		if (auth_entry_keys(path, "bearer", i, entry, keys, err, errlen) != 0)
			return -1;
		token =
		    auth_entry_string(path, "bearer", i, entry, "token", false, &len, err, errlen);
		if (token == NULL)
			return -1;
		/* auth_check refuses such tokens in a header, so they could never be presented. */
		for (j = 0; j < len; j++) {
			if (!auth_is_visible(token[j])) {
				snprintf(
				    err, errlen,
				    "credentials file %s: bearer[%zu].token: must be printable "
				    "ASCII without spaces",
				    path, i);
				return -1;
			}
		}
		/* "scopes" may be left out: a token with no scope at all. */
		scoped = 0;
		scopes = json_object_get(entry, "scopes");
		if (scopes != NULL && !json_is_array(scopes)) {
			snprintf(err, errlen,
			         "credentials file %s: bearer[%zu].scopes: expected a list, got %s",
			         path, i, auth_json_kind(scopes));
			return -1;
		}
		for (j = 0; scopes != NULL && j < json_array_size(scopes); j++) {
			scope = json_array_get(scopes, j);
			if (!json_is_string(scope)) {
				snprintf(err, errlen,
				         "credentials file %s: bearer[%zu].scopes[%zu]: expected a "
				         "string, got %s",
				         path, i, j, auth_json_kind(scope));
				return -1;
			}
			for (size_t k = 0; k < sizeof(auth_scope_names) / sizeof(auth_scope_names[0]);
			     k++)
				if (strcmp(json_string_value(scope), auth_scope_names[k]) == 0)
					scoped |= 1U << k;
		}
		a->bearer[i].token = auth_dup(token, len);
		a->nbearer = i + 1;
		if (a->bearer[i].token == NULL) {
			snprintf(err, errlen, "credentials file %s: out of memory", path);
			return -1;
		}
		a->bearer[i].token_len = len;
		a->bearer[i].scopes = scoped;
	}
	return 0;
}

struct auth *
auth_load(const char *path, char *err, size_t errlen)
{
	static const char *const top_keys[] = {"basic", "bearer", NULL};
	char scratch[1];
	json_error_t jerr;
	json_t *root, *v;
	const char *name;
	struct auth *a = NULL;

	/* Every message below is written with snprintf; give it somewhere harmless to go. */
	if (err == NULL || errlen == 0) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	err[0] = '\0';

	/* Duplicate keys are refused: with two "basic" lists, one would be silently dropped. */
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		if (jerr.line > 0)
			snprintf(err, errlen, "credentials file %s: line %d, column %d: %s", path,
			         jerr.line, jerr.column, jerr.text);
		else
			snprintf(err, errlen, "credentials file %s: %s", path, jerr.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		snprintf(
		    err, errlen,
		    "credentials file %s: expected an object with \"basic\" and/or \"bearer\", "
		    "got %s",
		    path, auth_json_kind(root));
		goto fail;
	}
	name = auth_unknown_key(root, top_keys);
	if (name != NULL) {
		snprintf(err, errlen,
		         "credentials file %s: unknown key \"%s\" (expected \"basic\" and/or "
		         "\"bearer\")",
		         path, name);
		goto fail;
	}

	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		snprintf(err, errlen, "credentials file %s: out of memory", path);
		goto fail;
	}
	v = json_object_get(root, "basic");
	if (v != NULL && auth_load_basic(a, path, v, err, errlen) != 0)
		goto fail;
	v = json_object_get(root, "bearer");
	if (v != NULL && auth_load_bearer(a, path, v, err, errlen) != 0)
		goto fail;
	json_decref(root);
	return a;

fail:
	auth_free(a);
	json_decref(root);
	return NULL;
}
