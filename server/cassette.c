/*
 * cassette.c - reading cassette files line by line, and loading one into memory for replay.
 *
 * Every reader here goes through getline, a line at a time, so that a cassette of any size
 * needs no more memory than its longest line plus what is kept of it. The loader keeps each
 * exchange with its body rendered once to the bytes a replay serves, and the request's body
 * rendered once for replay to compare; it sorts every recorded credential against the
 * cassette's salt, so that a replay only compares. What the lines mean is exchange.c's to
 * say, and what is done with a loaded cassette replay.c's.
 */
#include "cassette.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* At most: a dropped last line, unsalted lines, lines salted apart. */
#define CASSETTE_WARNINGS 3

struct cassette {
	struct cassette_entry *entries;
	size_t count;
	size_t cap;
	/* The salt of the first salted line, at salt_line (0: none). */
	unsigned char salt[FINGERPRINT_SALT_LEN];
	unsigned iterations;
	size_t salt_line;
	size_t nunsalted, first_unsalted;
	size_t nforeign, first_foreign;
	char *warnings[CASSETTE_WARNINGS];
	size_t nwarnings;
};

/* True when the n bytes at s are only JSON white space (a blank line, perhaps with a CR). */
static bool
cassette_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

/* Skips a UTF-8 byte-order mark, which some editors put at the start of a file. */
static size_t
cassette_bom_len(const char *s, size_t n)
{
	return n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

int
cassette_read(const char *path,
              int (*fn)(void *ctx, const struct exchange_view *v, size_t line, char *reason,
                        size_t rlen),
              void *ctx, char *warn, size_t warnlen, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int rc = 0;

	snprintf(warn, warnlen, "%s", "");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	errno = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		char reason[256];
		struct exchange_view v;
		json_error_t jerr;
		json_t *root;
		size_t skip = 0;

		if (++lineno == 1)
			skip = cassette_bom_len(line, (size_t)n);
		if (cassette_blank(line + skip, (size_t)n - skip))
			continue;
		root = json_loadb(line + skip, (size_t)n - skip, EXCHANGE_JSON_LOAD, &jerr);
		if (root == NULL && line[n - 1] != '\n') {
			/* getline returns a line without its newline only at the end of the file.
			 */
			snprintf(
			    warn, warnlen,
			    "%s: line %zu: dropped: the last line is cut short (no newline, not "
			    "JSON), as an interrupted recording leaves it; the lines before it "
			    "are read",
			    path, lineno);
			break;
		}
		if (root == NULL) {
			snprintf(err, errlen, "%s: line %zu: not JSON: %s (column %d)", path,
			         lineno, jerr.text, jerr.column);
			rc = -1;
			break;
		}
		reason[0] = '\0';
		rc = exchange_parse(root, &v, reason, sizeof(reason));
		if (rc == 0)
			rc = fn(ctx, &v, lineno, reason, sizeof(reason));
		json_decref(root);
		if (rc < 0) {
			snprintf(err, errlen, "%s: line %zu: %s", path, lineno, reason);
			break;
		}
		errno = 0;
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno != 0 ? errno : EIO));
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

/*
 * A file that starts with anything but `{` (a JSON array of calls, say) is told apart without
 * parsing; only an object line is parsed.
 */
enum cassette_kind
cassette_kind(const char *path)
{
	enum cassette_kind kind = CASSETTE_EMPTY;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	struct stat st;
	ssize_t n;
	FILE *f;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return CASSETTE_UNREADABLE;
	f = fopen(path, "r");
	if (f == NULL)
		return CASSETTE_UNREADABLE;
	while ((n = getline(&line, &cap, f)) >= 0) {
		size_t skip = ++lineno == 1 ? cassette_bom_len(line, (size_t)n) : 0;
		size_t i = skip;
		json_t *root;

		if (cassette_blank(line + skip, (size_t)n - skip))
			continue;
		/* The same white space the loader lets through before a line's JSON. */
		while (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')
			i++;
		kind = CASSETTE_OTHER;
		if (line[i] != '{')
			break;
		root = json_loadb(line + skip, (size_t)n - skip, EXCHANGE_JSON_LOAD, NULL);
		if (json_is_object(json_object_get(root, "request")) &&
		    json_is_object(json_object_get(root, "response")))
			kind = CASSETTE_EXCHANGES;
		json_decref(root);
		break;
	}
	if (kind == CASSETTE_EMPTY && ferror(f))
		kind = CASSETTE_UNREADABLE;
	free(line);
	fclose(f);
	return kind;
}

int
cassette_is_cassette(const char *path)
{
	return path != NULL && cassette_kind(path) == CASSETTE_EXCHANGES;
}

/* Members only fixture data has at its top: a call's, an extensive call's, a page's. */
static bool
cassette_calls_key(const char *key)
{
	static const char *const keys[] = {
	    "id", "metaData", "callId", "calls", "callTranscripts", "records", "requestId"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i]) == 0)
			return true;
	return false;
}

/* Whether s (a line, white space skipped) opens with the name of such a member: `"id":`. */
static bool
cassette_calls_member(const char *s)
{
	char key[32];
	size_t n;

	if (*s != '"')
		return false;
	n = strcspn(s + 1, "\"");
	if (n >= sizeof(key) || s[1 + n] != '"')
		return false;
	memcpy(key, s + 1, n);
	key[n] = '\0';
	return cassette_calls_key(key);
}

/*
 * Only the first non-blank line is read, and the next one when the first opens a document
 * spread over lines (a lone "{", which no cassette line is).
 */
int
cassette_holds_calls(const char *path)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	bool open_brace = false, calls = false;
	struct stat st;
	ssize_t n;
	FILE *f;

	if (path == NULL || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		size_t i = ++lineno == 1 ? cassette_bom_len(line, (size_t)n) : 0;
		json_t *root;
		const char *key;
		json_t *v;

		if (cassette_blank(line + i, (size_t)n - i))
			continue;
		while (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')
			i++;
		if (open_brace) {
			calls = cassette_calls_member(line + i);
			break;
		}
		if (line[i] == '[') {
			calls = true;
			break;
		}
		if (line[i] != '{')
			break;
		if (cassette_blank(line + i + 1, (size_t)n - i - 1)) {
			open_brace = true;
			continue;
		}
		root = json_loadb(line + i, (size_t)n - i, EXCHANGE_JSON_LOAD, NULL);
		if (json_is_object(root) && json_object_get(root, "request") == NULL) {
			json_object_foreach(root, key, v)
			{
				if (cassette_calls_key(key))
					calls = true;
			}
		}
		json_decref(root);
		break;
	}
	free(line);
	fclose(f);
	return calls;
}

int
cassette_tail_whole(const char *s, size_t n, int at_start)
{
	size_t skip = at_start ? cassette_bom_len(s, n) : 0;
	json_t *root;
	int whole;

	if (cassette_blank(s + skip, n - skip))
		return 1;
	root = json_loadb(s + skip, n - skip, EXCHANGE_JSON_LOAD, NULL);
	whole = root != NULL;
	json_decref(root);
	return whole;
}

size_t
cassette_find_salt(const char *path, unsigned char salt[FINGERPRINT_SALT_LEN], unsigned *iterations,
                   size_t *unsalted)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	size_t found = 0;
	ssize_t n;

	*unsalted = 0;
	if (f == NULL)
		return 0;
	while (found == 0 && (n = getline(&line, &cap, f)) >= 0) {
		json_t *root = json_loadb(line, (size_t)n, EXCHANGE_JSON_LOAD, NULL);
		json_t *cred = json_object_get(json_object_get(root, "request"), "credential");
		const char *text = json_is_string(cred) ? json_string_value(cred) : "";

		lineno++;
		switch (fingerprint_kind(text, salt, iterations)) {
		case FINGERPRINT_SALTED:
			found = lineno;
			break;
		case FINGERPRINT_UNSALTED:
		case FINGERPRINT_UNKNOWN:
			if (*unsalted == 0)
				*unsalted = lineno;
			break;
		case FINGERPRINT_NONE:
			break;
		}
		json_decref(root);
	}
	free(line);
	fclose(f);
	return found;
}

/*
 * Loading.
 */

/* The strings of an entry are the cassette's own: const to readers, freed here. */
static void
cassette_entry_free(struct cassette_entry *e)
{
	free((char *)e->method);
	free((char *)e->path);
	free((char *)e->credential);
	for (size_t i = 0; i < e->nparams; i++) {
		free((char *)e->params[i].name);
		free((char *)e->params[i].value);
	}
	free((struct cassette_param *)e->params);
	free((char *)e->body);
	free((char *)e->answer.content_type);
	free((char *)e->answer.retry_after);
	free((char *)e->answer.traceid);
	free((char *)e->answer.www_authenticate);
	free((char *)e->answer.allow);
	free((char *)e->answer.body);
}

void
cassette_free(struct cassette *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->count; i++)
		cassette_entry_free(&c->entries[i]);
	free(c->entries);
	for (size_t i = 0; i < c->nwarnings; i++)
		free(c->warnings[i]);
	free(c);
}

const char *
cassette_warning(const struct cassette *c, size_t i)
{
	return c != NULL && i < c->nwarnings ? c->warnings[i] : NULL;
}

size_t
cassette_count(const struct cassette *c)
{
	return c != NULL ? c->count : 0;
}

const struct cassette_entry *
cassette_entry(const struct cassette *c, size_t i)
{
	return c != NULL && i < c->count ? &c->entries[i] : NULL;
}

size_t
cassette_salt(const struct cassette *c, unsigned char salt[FINGERPRINT_SALT_LEN],
              unsigned *iterations)
{
	if (c == NULL || c->salt_line == 0)
		return 0;
	memcpy(salt, c->salt, FINGERPRINT_SALT_LEN);
	*iterations = c->iterations;
	return c->salt_line;
}

/* A NUL-terminated copy of n bytes, or NULL without memory. */
static char *
cassette_dup(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static char *
cassette_dup_or_empty(const char *s)
{
	return strdup(s != NULL ? s : "");
}

/* Copies the query of a checked line; -1 only without memory. */
static int
cassette_fill_params(struct cassette_entry *e, json_t *query)
{
	size_t n = query != NULL ? json_array_size(query) : 0;
	struct cassette_param *params;

	if (n == 0)
		return 0;
	params = calloc(n, sizeof(*params));
	if (params == NULL)
		return -1;
	e->params = params;
	for (size_t i = 0; i < n; i++) {
		json_t *pair = json_array_get(query, i);
		json_t *name = json_array_get(pair, 0), *value = json_array_get(pair, 1);
		struct cassette_param *p = &params[i];

		p->name = strdup(json_string_value(name));
		p->value = cassette_dup(json_string_value(value), json_string_length(value));
		e->nparams++;
		if (p->name == NULL || p->value == NULL)
			return -1;
		p->value_len = json_string_length(value);
	}
	return 0;
}

/*
 * Keeps the request's body of a checked line: an object or array rendered compact, a string
 * as its text, any other value as its JSON text. -1 only without memory.
 */
static int
cassette_fill_body(struct cassette_entry *e, json_t *body)
{
	char *text;

	if (body == NULL || (json_is_string(body) && json_string_length(body) == 0))
		return 0;
	if (json_is_string(body)) {
		e->body_len = json_string_length(body);
		text = cassette_dup(json_string_value(body), e->body_len);
	} else {
		e->body_json = json_is_object(body) || json_is_array(body);
		text = json_dumps(body, EXCHANGE_JSON_DUMP | JSON_ENCODE_ANY);
		if (text != NULL)
			e->body_len = strlen(text);
	}
	e->body = text;
	return text != NULL ? 0 : -1;
}

/* Fills e from a checked line; -1 only without memory (e is then freed by the caller). */
static int
cassette_fill(struct cassette_entry *e, const struct exchange_view *v, size_t line)
{
	struct cassette_answer *a = &e->answer;
	char *body;

	a->line = line;
	a->status = v->status;
	e->method = strdup(v->method);
	e->path = strdup(v->path);
	e->credential = strdup(v->credential);
	a->content_type = cassette_dup_or_empty(v->content_type);
	a->retry_after = cassette_dup_or_empty(v->retry_after);
	a->traceid = cassette_dup_or_empty(v->traceid);
	a->www_authenticate = cassette_dup_or_empty(v->www_authenticate);
	a->allow = cassette_dup_or_empty(v->allow);
	if (e->method == NULL || e->path == NULL || e->credential == NULL ||
	    a->content_type == NULL || a->retry_after == NULL || a->traceid == NULL ||
	    a->www_authenticate == NULL || a->allow == NULL)
		return -1;
	if (cassette_fill_params(e, v->query) < 0 || cassette_fill_body(e, v->request_body) < 0)
		return -1;
	/*
	 * The body is rendered now, once: replay then hands out these bytes as they are. A string
	 * body is a non-JSON answer and is served as its content.
	 */
	if (v->body == NULL) {
		body = strdup("");
	} else if (json_is_string(v->body)) {
		a->body_len = json_string_length(v->body);
		body = cassette_dup(json_string_value(v->body), a->body_len);
	} else {
		body = json_dumps(v->body, EXCHANGE_JSON_DUMP | JSON_ENCODE_ANY);
		if (body != NULL)
			a->body_len = strlen(body);
	}
	a->body = body;
	return body != NULL ? 0 : -1;
}

/*
 * Sorts a recorded credential into its form. The first salted line sets the cassette's salt;
 * a line salted otherwise cannot be matched, since a request's credential is derived with one
 * salt only (deriving it with several would multiply the cost of every new credential).
 */
static void
cassette_classify(struct cassette *c, struct cassette_entry *e)
{
	unsigned char salt[FINGERPRINT_SALT_LEN];
	unsigned iterations;

	switch (fingerprint_kind(e->credential, salt, &iterations)) {
	case FINGERPRINT_NONE:
		e->cred = CASSETTE_CRED_NONE;
		return;
	case FINGERPRINT_SALTED:
		if (c->salt_line == 0) {
			memcpy(c->salt, salt, sizeof(salt));
			c->iterations = iterations;
			c->salt_line = e->answer.line;
		}
		if (memcmp(salt, c->salt, sizeof(salt)) == 0 && iterations == c->iterations) {
			e->cred = CASSETTE_CRED_SALTED;
			return;
		}
		break;
	case FINGERPRINT_UNSALTED:
		e->cred = CASSETTE_CRED_UNSALTED;
		if (c->nunsalted++ == 0)
			c->first_unsalted = e->answer.line;
		return;
	case FINGERPRINT_UNKNOWN:
		break;
	}
	e->cred = CASSETTE_CRED_FOREIGN;
	if (c->nforeign++ == 0)
		c->first_foreign = e->answer.line;
}

/* Keeps a warning for cassette_warning; one that cannot be kept (no memory) is lost. */
static void cassette_warn(struct cassette *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
cassette_warn(struct cassette *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (c->nwarnings == CASSETTE_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->warnings[c->nwarnings] = strdup(buf);
	if (c->warnings[c->nwarnings] != NULL)
		c->nwarnings++;
}

static int
cassette_load_line(void *ctx, const struct exchange_view *v, size_t line, char *reason, size_t rlen)
{
	struct cassette *c = ctx;
	struct cassette_entry *e;

	if (c->count == c->cap) {
		size_t cap = c->cap != 0 ? c->cap * 2 : 16;
		struct cassette_entry *p = realloc(c->entries, cap * sizeof(*p));

		if (p == NULL)
			goto oom;
		c->entries = p;
		c->cap = cap;
	}
	e = &c->entries[c->count];
	memset(e, 0, sizeof(*e));
	if (cassette_fill(e, v, line) < 0) {
		cassette_entry_free(e);
		goto oom;
	}
	cassette_classify(c, e);
	c->count++;
	return 0;
oom:
	snprintf(reason, rlen, "out of memory");
	return -1;
}

struct cassette *
cassette_load(const char *path, char *err, size_t errlen)
{
	char torn[512] = "";
	struct cassette *c;

	if (path == NULL) {
		snprintf(err, errlen, "no cassette file given");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (cassette_read(path, cassette_load_line, c, torn, sizeof(torn), err, errlen) < 0) {
		cassette_free(c);
		return NULL;
	}
	if (torn[0] != '\0')
		cassette_warn(c, "%s", torn);
	if (c->nunsalted > 0)
		cassette_warn(c,
		              "%s: %zu exchanges (line %zu first) hold credential fingerprints in "
		              "the old unsalted form, against which a guessed secret is quickly "
		              "checked: record the cassette again to replace them (replay still "
		              "matches them)",
		              path, c->nunsalted, c->first_unsalted);
	if (c->nforeign > 0 && c->salt_line != 0)
		cassette_warn(c,
		              "%s: %zu exchanges (line %zu first) hold credential fingerprints "
		              "not salted as line %zu is (joined from another recording, or "
		              "edited): when credentials are matched, they match no request",
		              path, c->nforeign, c->first_foreign, c->salt_line);
	else if (c->nforeign > 0)
		cassette_warn(c,
		              "%s: %zu exchanges (line %zu first) hold credential fingerprints in "
		              "a form not understood: when credentials are matched, they match no "
		              "request",
		              path, c->nforeign, c->first_foreign);
	return c;
}
