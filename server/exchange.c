/*
 * exchange.c - writing an exchange as a cassette line, and checking a line read back.
 *
 * A line is built as a jansson tree in the fixed key order and dumped once; only the latency
 * is written by hand, because jansson prints reals with 17 significant digits and the format
 * promises three decimals. Every string is made valid UTF-8 first, since JSON text must be.
 * A request body is kept as JSON when it is, so that a replay can compare it by meaning, and
 * whatever in it looks like a credential is redacted before it reaches the line, by the name
 * of the member that holds it or by the look of the value. Reading checks the shape of a
 * parsed line and points into it, copying nothing: what to keep is the reader's choice.
 * Neither files nor fingerprints are handled here: the caller brings the line, or the
 * fingerprint.
 */
#include "exchange.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "isotime.h"
#include "jsonw.h"
#include "utf8.h"

#define EXCHANGE_US_PER_SEC INT64_C(1000000)

/*
 * The free-text fields of a call. The id, the dates, the enums, the numbers and the user and
 * workspace ids stay, because a cassette loaded as a dataset needs them to filter and page.
 */
static const char *const exchange_free_text[] = {
    "title",          "url",
    "meetingUrl",     "customData",
    "purpose",        "sdrDisposition",
    "clientUniqueId", "calendarEventId",
};
#define EXCHANGE_FREE_TEXT (sizeof(exchange_free_text) / sizeof(exchange_free_text[0]))

/* The only response headers a cassette keeps, as they are written. */
#define EXCHANGE_CONTENT_TYPE "Content-Type"
#define EXCHANGE_RETRY_AFTER "Retry-After"
#define EXCHANGE_TRACEID "x-traceid"
#define EXCHANGE_WWW_AUTHENTICATE "WWW-Authenticate"
#define EXCHANGE_ALLOW "Allow"
/* The same, in the order they are written and read. */
static const char *const exchange_headers[] = {
    EXCHANGE_CONTENT_TYPE,     EXCHANGE_RETRY_AFTER, EXCHANGE_TRACEID,
    EXCHANGE_WWW_AUTHENTICATE, EXCHANGE_ALLOW,
};
#define EXCHANGE_HEADERS (sizeof(exchange_headers) / sizeof(exchange_headers[0]))

int
exchange_redactable(const char *field)
{
	if (field == NULL)
		return 0;
	for (size_t i = 0; i < EXCHANGE_FREE_TEXT; i++)
		if (strcmp(field, exchange_free_text[i]) == 0)
			return 1;
	return 0;
}

void
exchange_clean(struct jsonw *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0, i = 0;

	while (i < n) {
		size_t k;

		/* Most text is ASCII: skip it without a call. */
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq(u + i, n - i);
		if (k != 0) {
			i += k;
			continue;
		}
		jsonw_mem(out, s + run, i - run);
		jsonw_mem(out, "\xef\xbf\xbd", 3);
		run = ++i;
	}
	jsonw_mem(out, s + run, n - run);
}

/* A JSON string of n bytes at s (NULL: empty), made valid UTF-8 first when it is not. */
static json_t *
exchange_string(const char *s, size_t n)
{
	struct jsonw b = {0};
	json_t *j;

	if (s == NULL)
		return json_string("");
	if (utf8_valid(s, n))
		return json_stringn(s, n);
	exchange_clean(&b, s, n);
	j = b.failed ? NULL : json_stringn(b.p != NULL ? b.p : "", b.len);
	jsonw_free(&b);
	return j;
}

/* Sets o[key] to v, taking v; remembers a failure (v NULL, or no memory) in *bad. */
static void
exchange_set(json_t *o, const char *key, json_t *v, bool *bad)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		*bad = true;
}

/* Appends v to a, taking v; remembers a failure in *bad. */
static void
exchange_append(json_t *a, json_t *v, bool *bad)
{
	if (v == NULL || json_array_append_new(a, v) != 0)
		*bad = true;
}

/* `YYYY-MM-DDTHH:MM:SS.mmmZ`: the milliseconds are enough to order a recording by eye. */
static void
exchange_time(int64_t us, char out[ISOTIME_TEXT_MAX + 1])
{
	int64_t frac = us % EXCHANGE_US_PER_SEC;
	size_t n;

	if (frac < 0)
		frac += EXCHANGE_US_PER_SEC;
	n = isotime_format(us - frac, out, ISOTIME_TEXT_MAX + 1);
	if (n < 1 || n + 4 > ISOTIME_TEXT_MAX) {
		/* Only a year outside 0000-9999 gets here; the epoch beats an empty field. */
		strcpy(out, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(out + n - 1, ISOTIME_TEXT_MAX + 2 - n, ".%03dZ", (int)(frac / 1000));
}

/* Replaces the redacted fields of every object of body.calls; null and absent ones stay. */
static void
exchange_redact(json_t *body, const char *const *redact, size_t nredact, bool *bad)
{
	json_t *calls = json_object_get(body, "calls");
	json_t *call;
	size_t i;

	if (nredact == 0 || !json_is_array(calls))
		return;
	json_array_foreach(calls, i, call)
	{
		if (!json_is_object(call))
			continue;
		for (size_t k = 0; k < nredact; k++) {
			json_t *v = json_object_get(call, redact[k]);

			if (v != NULL && !json_is_null(v))
				exchange_set(call, redact[k], json_string(EXCHANGE_REDACTED), bad);
		}
	}
}

/*
 * The body as it goes into the line: the parsed value when it is a JSON object or array, else
 * the text as a string. Scalars are kept as text on purpose: a body `"x"` parsed would come
 * back as the string x, not as the three bytes that were sent.
 */
static json_t *
exchange_body(const struct exchange *e, const char *const *redact, size_t nredact, bool *bad)
{
	const char *text = e->body != NULL ? e->body : "";
	size_t len = e->body != NULL ? e->body_len : 0;
	json_t *body = NULL;

	if (len > 0)
		body = json_loadb(text, len, EXCHANGE_JSON_LOAD, NULL);
	if (body != NULL) {
		exchange_redact(body, redact, nredact, bad);
		return body;
	}
	return exchange_string(text, len);
}

/*
 * The names of members that hold credentials, compared with the name lowercased and its `_`
 * and `-` dropped: any name that ends with one of the first list, and the second list only as
 * whole names, since many a harmless name ends with "credential". Text that is not JSON is
 * searched for all of them, and for "bearer", the scheme of a token sent as text.
 */
static const char *const exchange_secret_ends[] = {
    "token", "secret", "password", "passwd", "apikey", "accesskey", "privatekey", "authorization",
};
#define EXCHANGE_SECRET_ENDS (sizeof(exchange_secret_ends) / sizeof(exchange_secret_ends[0]))
static const char *const exchange_secret_whole[] = {"credential", "credentials"};
#define EXCHANGE_SECRET_WHOLE (sizeof(exchange_secret_whole) / sizeof(exchange_secret_whole[0]))

/* The bytes a name or text is compared without: `api_key`, `api-key` and `apiKey` are one. */
static bool
exchange_fold_skip(char c)
{
	return c == '_' || c == '-';
}

/*
 * True when `name` ends with `word` (lowercase), case and the skipped bytes aside; *rest is
 * then the length of what comes before the ending, skipped bytes included.
 */
static bool
exchange_ends_with(const char *name, const char *word, size_t *rest)
{
	size_t i = strlen(name), j = strlen(word);

	while (j > 0) {
		while (i > 0 && exchange_fold_skip(name[i - 1]))
			i--;
		if (i == 0 || tolower((unsigned char)name[i - 1]) != word[j - 1])
			return false;
		i--;
		j--;
	}
	*rest = i;
	return true;
}

int
exchange_secret_name(const char *name)
{
	size_t rest;

	if (name == NULL)
		return 0;
	for (size_t i = 0; i < EXCHANGE_SECRET_ENDS; i++)
		if (exchange_ends_with(name, exchange_secret_ends[i], &rest))
			return 1;
	for (size_t i = 0; i < EXCHANGE_SECRET_WHOLE; i++) {
		if (!exchange_ends_with(name, exchange_secret_whole[i], &rest))
			continue;
		while (rest > 0 && exchange_fold_skip(name[rest - 1]))
			rest--;
		if (rest == 0)
			return 1;
	}
	return 0;
}

/* True for a string that carries a credential by its look: an Authorization value. */
static bool
exchange_secret_value(const json_t *v)
{
	const char *s = json_string_value(v);

	return s != NULL && (strncasecmp(s, "Bearer ", 7) == 0 || strncasecmp(s, "Basic ", 6) == 0);
}

/*
 * Sets *found when the n bytes of text at s (not JSON) mention a credential's name. The text
 * is folded as names are (a NUL byte becomes a space, so that the search runs over all of it)
 * and searched. 0, or -1 without memory.
 */
static int
exchange_text_secret(const char *s, size_t n, bool *found)
{
	static const char *const more[] = {"credential", "bearer"};
	char *fold = malloc(n + 1);
	size_t len = 0;

	*found = false;
	if (fold == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (exchange_fold_skip(s[i]))
			continue;
		fold[len++] = s[i] == '\0' ? ' ' : (char)tolower((unsigned char)s[i]);
	}
	fold[len] = '\0';
	for (size_t i = 0; i < EXCHANGE_SECRET_ENDS && !*found; i++)
		*found = strstr(fold, exchange_secret_ends[i]) != NULL;
	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]) && !*found; i++)
		*found = strstr(fold, more[i]) != NULL;
	free(fold);
	return 0;
}

/* Redacts the credentials inside an object or array, at any depth; -1 without memory. */
static int
exchange_redact_tree(json_t *v)
{
	json_t *m;
	size_t i;

	if (json_is_object(v)) {
		for (void *it = json_object_iter(v); it != NULL;
		     it = json_object_iter_next(v, it)) {
			m = json_object_iter_value(it);
			if (json_is_null(m))
				continue;
			if (exchange_secret_name(json_object_iter_key(it)) ||
			    exchange_secret_value(m)) {
				/* Replaced at the iterator: no key is looked up, none added. */
				if (json_object_iter_set_new(v, it,
				                             json_string(EXCHANGE_REDACTED)) != 0)
					return -1;
			} else if (exchange_redact_tree(m) != 0) {
				return -1;
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m)
		{
			if (exchange_secret_value(m)) {
				if (json_array_set_new(v, i, json_string(EXCHANGE_REDACTED)) != 0)
					return -1;
			} else if (exchange_redact_tree(m) != 0) {
				return -1;
			}
		}
	}
	return 0;
}

int
exchange_redact_request(json_t *body)
{
	bool found;

	if (!json_is_string(body))
		return exchange_redact_tree(body);
	if (exchange_text_secret(json_string_value(body), json_string_length(body), &found) != 0)
		return -1;
	if (found && json_string_set(body, EXCHANGE_REDACTED) != 0)
		return -1;
	return 0;
}

int
exchange_request_body(const char *text, size_t len, json_t **out)
{
	json_t *body;

	*out = NULL;
	if (text == NULL || len == 0)
		return 0;
	/* Only an object or an array is taken as JSON, as for the answer's body. */
	body = json_loadb(text, len, EXCHANGE_JSON_LOAD, NULL);
	if (body == NULL)
		body = exchange_string(text, len);
	if (body == NULL)
		return -1;
	if (exchange_redact_request(body) != 0) {
		json_decref(body);
		return -1;
	}
	*out = body;
	return 0;
}

/* A header for the line: only when the upstream sent one. */
static void
exchange_header(json_t *headers, const char *name, const char *value, bool *bad)
{
	if (value != NULL && value[0] != '\0')
		exchange_set(headers, name, exchange_string(value, strlen(value)), bad);
}

int
exchange_write(struct jsonw *out, const struct exchange *e, const char *credential,
               const char *const *redact, size_t nredact)
{
	const char *values[EXCHANGE_HEADERS] = {e->content_type, e->retry_after, e->traceid,
	                                        e->www_authenticate, e->allow};
	char when[ISOTIME_TEXT_MAX + 1], frac[8];
	json_t *root, *req, *resp, *query, *headers;
	int64_t lat = e->latency_us > 0 ? e->latency_us : 0;
	bool bad = false;
	char *dump = NULL;

	exchange_time(e->time_us, when);
	/*
	 * Each object is filled before it is handed to its parent, because jansson frees a value
	 * whose insertion fails: nothing is touched after it has been given away.
	 */
	query = json_array();
	for (size_t i = 0; query != NULL && e->query != NULL && i < e->query->count; i++) {
		const struct query_param *p = &e->query->params[i];
		json_t *pair = json_array();

		exchange_append(pair, exchange_string(p->name, strlen(p->name)), &bad);
		exchange_append(pair, exchange_string(p->value, p->value_len), &bad);
		exchange_append(query, pair, &bad);
	}
	req = json_object();
	exchange_set(req, "method", exchange_string(e->method, e->method ? strlen(e->method) : 0),
	             &bad);
	exchange_set(req, "path", exchange_string(e->path, e->path ? strlen(e->path) : 0), &bad);
	exchange_set(req, "query", query, &bad);
	exchange_set(req, "credential", json_string(credential), &bad);
	if (e->request_body != NULL && e->request_body_len > 0) {
		json_t *rb;

		if (exchange_request_body(e->request_body, e->request_body_len, &rb) != 0)
			bad = true;
		else
			exchange_set(req, "body", rb, &bad);
	}
	headers = json_object();
	for (size_t i = 0; i < EXCHANGE_HEADERS; i++)
		exchange_header(headers, exchange_headers[i], values[i], &bad);
	resp = json_object();
	exchange_set(resp, "status", json_integer(e->status), &bad);
	exchange_set(resp, "headers", headers, &bad);
	exchange_set(resp, "body", exchange_body(e, redact, nredact, &bad), &bad);
	root = json_object();
	exchange_set(root, "time", json_string(when), &bad);
	exchange_set(root, "request", req, &bad);
	exchange_set(root, "response", resp, &bad);
	if (!bad)
		dump = json_dumps(root, EXCHANGE_JSON_DUMP);
	json_decref(root);
	if (dump == NULL)
		return -1;
	jsonw_mem(out, dump, strlen(dump) - 1); /* all but the closing brace */
	free(dump);
	JSONW_LIT(out, ",\"latencyMs\":");
	jsonw_uint(out, (uint64_t)(lat / 1000));
	snprintf(frac, sizeof(frac), ".%03d", (int)(lat % 1000));
	jsonw_str(out, frac);
	JSONW_LIT(out, "}\n");
	return out->failed ? -1 : 0;
}

/*
 * Reading a line back.
 */

/* The object member `key` of o, compared without regard to case, or NULL. */
static json_t *
exchange_get_nocase(json_t *o, const char *key)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v)
	{
		if (strcasecmp(k, key) == 0)
			return v;
	}
	return NULL;
}

/* A string of the line without a NUL byte, which the fields read into C strings cannot hold. */
static bool
exchange_is_cstring(const json_t *j)
{
	return json_is_string(j) && strlen(json_string_value(j)) == json_string_length(j);
}

/* Reads one header of the recorded response; 0, or -1 with the reason. */
static int
exchange_parse_header(json_t *headers, const char *name, const char **out, char *reason,
                      size_t rlen)
{
	json_t *v;

	*out = NULL;
	if (headers == NULL)
		return 0;
	v = exchange_get_nocase(headers, name);
	if (v == NULL || json_is_null(v))
		return 0;
	if (!exchange_is_cstring(v)) {
		snprintf(reason, rlen, "\"response.headers.%s\" must be a string", name);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

/* The request half of exchange_parse. */
static int
exchange_parse_request(json_t *req, struct exchange_view *v, char *reason, size_t rlen)
{
	json_t *j = json_object_get(req, "method");
	size_t i;

	if (!exchange_is_cstring(j) || json_string_length(j) == 0) {
		snprintf(reason, rlen, "\"request.method\" must be a non-empty string");
		return -1;
	}
	v->method = json_string_value(j);
	j = json_object_get(req, "path");
	if (!exchange_is_cstring(j)) {
		snprintf(reason, rlen, "\"request.path\" must be a string");
		return -1;
	}
	v->path = json_string_value(j);
	j = json_object_get(req, "query");
	if (j != NULL && !json_is_null(j)) {
		json_t *pair;

		if (!json_is_array(j)) {
			snprintf(reason, rlen, "\"request.query\" must be an array");
			return -1;
		}
		json_array_foreach(j, i, pair)
		{
			if (!json_is_array(pair) || json_array_size(pair) != 2 ||
			    !exchange_is_cstring(json_array_get(pair, 0)) ||
			    !json_is_string(json_array_get(pair, 1))) {
				snprintf(reason, rlen,
				         "\"request.query\" item %zu must be a [name, value] pair "
				         "of strings",
				         i);
				return -1;
			}
		}
		v->query = j;
	}
	j = json_object_get(req, "credential");
	v->credential = "";
	if (j != NULL && !json_is_null(j)) {
		if (!exchange_is_cstring(j)) {
			snprintf(reason, rlen, "\"request.credential\" must be a string");
			return -1;
		}
		v->credential = json_string_value(j);
	}
	/* Any JSON value: a string is text that was not JSON; null is no body. */
	j = json_object_get(req, "body");
	if (j != NULL && !json_is_null(j))
		v->request_body = j;
	return 0;
}

int
exchange_parse(json_t *root, struct exchange_view *v, char *reason, size_t rlen)
{
	const char **slot[EXCHANGE_HEADERS] = {&v->content_type, &v->retry_after, &v->traceid,
	                                       &v->www_authenticate, &v->allow};
	json_t *req, *resp, *j, *headers;

	memset(v, 0, sizeof(*v));
	if (!json_is_object(root)) {
		snprintf(reason, rlen, "not a JSON object");
		return -1;
	}
	req = json_object_get(root, "request");
	resp = json_object_get(root, "response");
	if (!json_is_object(req)) {
		snprintf(reason, rlen, "\"request\" must be an object");
		return -1;
	}
	if (!json_is_object(resp)) {
		snprintf(reason, rlen, "\"response\" must be an object");
		return -1;
	}
	if (exchange_parse_request(req, v, reason, rlen) < 0)
		return -1;
	j = json_object_get(resp, "status");
	if (!json_is_integer(j) || json_integer_value(j) < 100 || json_integer_value(j) > 599) {
		snprintf(reason, rlen, "\"response.status\" must be an HTTP status (100 to 599)");
		return -1;
	}
	v->status = (unsigned)json_integer_value(j);
	headers = json_object_get(resp, "headers");
	if (headers != NULL && json_is_null(headers))
		headers = NULL;
	if (headers != NULL && !json_is_object(headers)) {
		snprintf(reason, rlen, "\"response.headers\" must be an object");
		return -1;
	}
	for (size_t i = 0; i < EXCHANGE_HEADERS; i++)
		if (exchange_parse_header(headers, exchange_headers[i], slot[i], reason, rlen) < 0)
			return -1;
	v->body = json_object_get(resp, "body");
	return 0;
}
