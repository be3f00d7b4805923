/*
 * rule.c - reading a fault rule from JSON, checking every field with a message that names it,
 * and matching a request against it, JSON body included. It parses a request body only for a
 * rule that asks about one, and only once per request however many rules do.
 *
 * Beyond each field's own form, it refuses rules that could never fire, and parts that would
 * never be seen: a method no client sends, a path outside Gong's API (the only requests the
 * router shows the rules), a page for a request that has none, errors or headers on a rule
 * that lets the normal answer through, a body on an answer that HTTP sends without one. A
 * user who wrote such a rule meant something else, and is better told at once than left to
 * wonder why nothing happens.
 *
 * A stub's body is made ready here, once: an inline `body` rendered to compact JSON, a
 * `bodyFile` read and checked to be JSON. Answers send those bytes from the rule's memory.
 */
/* realpath(3) is POSIX.1-2008, but glibc declares it only for X/Open or default builds. */
#define _DEFAULT_SOURCE 1
#include "rule.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isotime.h"
#include "request.h"

/*
 * Where a message points. `rule` is "rules[i]" inside a {"rules":[...]} document and "" for a
 * lone rule object, so a field reads `rules[1].respond.status` or `respond.status`, and a
 * message about the rule itself reads `rules[1]: ...` or `rule: ...`.
 */
struct rule_ctx {
	char rule[RULE_WHERE_MAX];
	const char *dir; /* where a relative bodyFile is read from; NULL: nowhere */
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int
fail(const struct rule_ctx *c, const char *field, const char *fmt, ...)
{
	int n;
	va_list ap;

	if (c->err == NULL || c->errlen == 0)
		return -1;
	if (field == NULL)
		n = snprintf(c->err, c->errlen, "%s: ", c->rule[0] ? c->rule : "rule");
	else if (c->rule[0])
		n = snprintf(c->err, c->errlen, "%s.%s: ", c->rule, field);
	else
		n = snprintf(c->err, c->errlen, "%s: ", field);
	if (n < 0 || (size_t)n >= c->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Rejects any key of obj not in `known` (NULL-terminated); a typo must not widen a match. */
static int
check_keys(const struct rule_ctx *c, const char *field, json_t *obj, const char *const *known)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		size_t i;

		for (i = 0; known[i] != NULL; i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (known[i] == NULL)
			return fail(c, field, "unknown key \"%s\"", key);
	}
	return 0;
}

/* A JSON integer within [min, max]; reals such as 429.0 are refused as typing mistakes. */
static bool
int_in(json_t *v, long long min, long long max, long long *out)
{
	long long n;

	if (!json_is_integer(v))
		return false;
	n = json_integer_value(v);
	if (n < min || n > max)
		return false;
	*out = n;
	return true;
}

/* The characters RFC 9110 allows in a header name (a token). */
static bool
is_tchar(unsigned char ch)
{
	if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
		return true;
	return ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

static bool
is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!is_tchar((unsigned char)*s))
			return false;
	return true;
}

/*
 * Control characters are refused in names and header values: a CR or LF would let a rule
 * split the response's headers, and a name is printed in metrics and logs.
 */
static bool
has_control(const char *s, bool allow_tab)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch < 0x20 && !(allow_tab && ch == '\t')) || ch == 0x7f)
			return true;
	}
	return false;
}

/*
 * The path as request_normalise folds a request target (a scheme://authority prefix dropped,
 * runs of `/` folded, one leading `/`, no trailing `/`), so a rule written as `//v2/calls`,
 * `/v2/calls/` or `https://api.gong.io/v2/calls` matches what the router sees. Returns a
 * malloc'd string.
 */
static char *
normalise_path(const char *p)
{
	size_t cap = strlen(p) + 2;
	char *out = malloc(cap);

	if (out != NULL && request_normalise_path(p, out, cap) != 0) {
		free(out);
		out = NULL;
	}
	return out;
}

/*
 * Whether a normalised rule path has `*` segments, and whether each `*` is a whole segment.
 * Returns 1 with wildcards, 0 without, -1 for a `*` inside a longer segment: "/v2/calls/12*"
 * reads like a prefix match, which it is not, so it is refused rather than taken literally.
 */
static int
path_wildcards(const char *path)
{
	int wild = 0;

	while (*path == '/') {
		size_t n = strcspn(++path, "/");

		if (n == 1 && *path == '*')
			wild = 1;
		else if (memchr(path, '*', n) != NULL)
			return -1;
		path += n;
	}
	return wild;
}

/* The methods Gong's API is sent: a rule naming another (FETCH, a typo) could never fire. */
static const char *const rule_methods[] = {"GET",    "POST", "PUT",    "PATCH",
                                           "DELETE", "HEAD", "OPTIONS"};

/* The method as requests spell it (upper case), or NULL when it is none of rule_methods. */
static const char *
method_canonical(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(rule_methods) / sizeof(rule_methods[0]); i++)
		if (strcasecmp(s, rule_methods[i]) == 0)
			return rule_methods[i];
	return NULL;
}

/*
 * Gong's operations that take their cursor in a JSON body rather than the query string: their
 * requests never ask for a page the rules can see.
 */
static const char *const rule_body_cursor_paths[] = {"/v2/calls/extensive", "/v2/calls/transcript",
                                                     "/v2/users/extensive", NULL};

/*
 * Whether a normalised rule path can meet a request at all. The router shows the rules only
 * requests for Gong's API, /v2 and below (a `*` first segment may stand for v2); the control
 * API, the media links and any other path are answered without them.
 */
static bool
path_in_api(const char *p)
{
	size_t n = strcspn(p + 1, "/");

	return (n == 2 && strncmp(p + 1, "v2", 2) == 0) || (n == 1 && p[1] == '*');
}

static bool
path_is_admin(const char *p)
{
	return strcmp(p, "/metrics") == 0 ||
	       (strncmp(p, "/__admin", 8) == 0 && (p[8] == '\0' || p[8] == '/'));
}

void
rule_free(struct rule *r)
{
	if (r == NULL)
		return;
	free(r->path);
	free(r->params);
	free(r->body);
	fault_body_release(r->stub);
	free(r->stub_path);
	json_decref(r->match_json);
	json_decref(r->respond_json);
	free(r);
}

static int
parse_query(const struct rule_ctx *c, struct rule *r, json_t *q)
{
	const char *key;
	json_t *v;
	size_t i = 0;

	if (!json_is_object(q))
		return fail(c, "match.query", "must be an object of strings");
	if (json_object_size(q) == 0)
		return 0;
	r->params = calloc(json_object_size(q), sizeof(*r->params));
	if (r->params == NULL)
		return fail(c, "match.query", "out of memory");
	json_object_foreach(q, key, v)
	{
		struct rule_param *p = &r->params[i++];
		char field[96];

		/* The key goes into messages, so a long one is cut rather than the message. */
		snprintf(field, sizeof(field), "match.query.%.64s", key);
		if (!json_is_string(v))
			return fail(c, field, "must be a string");
		p->name = key;
		p->value = json_string_value(v);
		p->value_len = json_string_length(v);
		p->is_date = strcmp(key, "fromDateTime") == 0 || strcmp(key, "toDateTime") == 0;
		if (p->is_date &&
		    isotime_parse(p->value, p->value_len, ISOTIME_LENIENT, &p->instant) != 0)
			return fail(c, field, "must be a valid ISO-8601 date-time");
	}
	r->nparams = i;
	return 0;
}

/* A dotted path: one or more non-empty keys joined by single dots. */
static bool
is_dotted_path(const char *s)
{
	if (*s == '\0' || *s == '.')
		return false;
	for (; *s != '\0'; s++)
		if (*s == '.' && (s[1] == '.' || s[1] == '\0'))
			return false;
	return true;
}

static int
parse_body(const struct rule_ctx *c, struct rule *r, json_t *o)
{
	const char *key;
	json_t *v;
	size_t i = 0;

	if (!json_is_object(o))
		return fail(c, "match.body",
		            "must be an object of dotted paths to strings or numbers");
	if (json_object_size(o) == 0)
		return 0;
	r->body = calloc(json_object_size(o), sizeof(*r->body));
	if (r->body == NULL)
		return fail(c, "match.body", "out of memory");
	json_object_foreach(o, key, v)
	{
		char field[96];

		if (!is_dotted_path(key))
			return fail(c, "match.body",
			            "\"%.64s\" is not a dotted path such as \"filter.workspaceId\"",
			            key);
		/*
		 * Only scalars: a JSON body's ids and dates are strings or numbers, and equality of
		 * whole objects would be brittle (key order, spacing of numbers).
		 */
		snprintf(field, sizeof(field), "match.body.%.64s", key);
		if (!json_is_string(v) && !json_is_number(v))
			return fail(c, field, "must be a string or a number");
		r->body[i].path = key;
		r->body[i].value = v;
		r->nbody = ++i;
	}
	return 0;
}

static int
parse_match(const struct rule_ctx *c, struct rule *r, json_t *m)
{
	static const char *const keys[] = {"method",     "path", "query", "page",
	                                   "credential", "body", NULL};
	json_t *v;

	r->page = -1;
	if (m == NULL)
		return 0;
	if (!json_is_object(m))
		return fail(c, "match", "must be an object");
	if (check_keys(c, "match", m, keys) != 0)
		return -1;
	if ((v = json_object_get(m, "method")) != NULL) {
		if (!json_is_string(v) || !is_token(json_string_value(v)))
			return fail(c, "match.method", "must be an HTTP method such as \"GET\"");
		/*
		 * Taken in any case and kept in the case requests use, so "get" means GET. Requests
		 * are compared exactly, as HTTP methods are case-sensitive.
		 */
		r->method = method_canonical(json_string_value(v));
		if (r->method == NULL)
			return fail(
			    c, "match.method",
			    "\"%.32s\" is not a method Gong's API is sent, so the rule could "
			    "never fire: use GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS",
			    json_string_value(v));
	}
	if ((v = json_object_get(m, "path")) != NULL) {
		const char *given;

		if (!json_is_string(v) || json_string_length(v) == 0)
			return fail(c, "match.path", "must be a non-empty string");
		given = json_string_value(v);
		/* The router never sees a query in the path, so such a rule could never match. */
		if (strchr(given, '?') != NULL)
			return fail(c, "match.path", "must not hold a query; use match.query");
		r->path = normalise_path(given);
		if (r->path == NULL)
			return fail(c, "match.path", "out of memory");
		switch (path_wildcards(r->path)) {
		case -1:
			return fail(c, "match.path",
			            "\"*\" must be a whole segment, standing for any one segment");
		case 1:
			r->path_wild = true;
			break;
		default:
			break;
		}
		/*
		 * A request's path always starts with `/` (or is the absolute form, scheme and host
		 * first), so "v2/calls" is a slip: it is refused with the path surely meant, rather
		 * than quietly taken as that path.
		 */
		if (given[0] != '/' && strncasecmp(given, "http://", 7) != 0 &&
		    strncasecmp(given, "https://", 8) != 0)
			return fail(c, "match.path", "paths start with '/': did you mean %.200s?",
			            r->path);
		if (path_is_admin(r->path))
			return fail(c, "match.path",
			            "the control API (/__admin/..., /metrics) is never subject to "
			            "rules");
		if (!path_in_api(r->path))
			return fail(
			    c, "match.path",
			    "\"%.200s\" is outside Gong's API (/v2/...), the only paths rules "
			    "see: the rule could never fire",
			    r->path);
	}
	if ((v = json_object_get(m, "query")) != NULL && parse_query(c, r, v) != 0)
		return -1;
	if ((v = json_object_get(m, "page")) != NULL) {
		size_t i;

		if (!int_in(v, 0, LLONG_MAX, &r->page))
			return fail(c, "match.page", "must be a non-negative integer");
		/*
		 * The page is the one the cursor in the query string names. Only Gong's GET lists
		 * take their cursor there; a POST's is in its JSON body, where no page is read.
		 */
		if (r->method != NULL && strcmp(r->method, "GET") != 0 &&
		    strcmp(r->method, "HEAD") != 0)
			return fail(
			    c, "match.page",
			    "a page is read from the cursor in a GET's query string, and a %s "
			    "sends none there: leave page out, or match GET",
			    r->method);
		for (i = 0; r->path != NULL && rule_body_cursor_paths[i] != NULL; i++)
			if (strcmp(r->path, rule_body_cursor_paths[i]) == 0)
				return fail(c, "match.page",
				            "%s takes its cursor in the JSON body, not the query "
				            "string, so its requests name no page: leave page out",
				            r->path);
	}
	if ((v = json_object_get(m, "credential")) != NULL) {
		const char *s;

		if (!json_is_string(v) || json_string_length(v) == 0)
			return fail(c, "match.credential", "must be a non-empty string");
		/*
		 * The credential a request shows the rules has anything outside printable ASCII
		 * turned into `?` (it goes to logs), so a rule holding such a character never fits.
		 */
		for (s = json_string_value(v); *s != '\0'; s++)
			if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
				return fail(
				    c, "match.credential",
				    "must be printable ASCII, as access keys and tokens are");
		r->credential = json_string_value(v);
	}
	if ((v = json_object_get(m, "body")) != NULL && parse_body(c, r, v) != 0)
		return -1;
	return 0;
}

static int
parse_errors(const struct rule_ctx *c, struct rule *r, json_t *a)
{
	size_t i;
	json_t *v;

	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > FAULT_MAX_ERRORS)
		return fail(c, "respond.errors", "must be an array of 1 to %d strings",
		            FAULT_MAX_ERRORS);
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v) || json_string_length(v) >= FAULT_ERROR_MAX)
			return fail(c, "respond.errors",
			            "must be an array of strings of up to %d bytes each",
			            FAULT_ERROR_MAX - 1);
		memcpy(r->errors[i], json_string_value(v), json_string_length(v) + 1);
	}
	r->nerrors = json_array_size(a);
	return 0;
}

static const char *const rule_framing[] = {"Content-Length", "Transfer-Encoding", "Connection"};

static int
parse_headers(const struct rule_ctx *c, struct rule *r, json_t *h)
{
	const char *key;
	json_t *v;

	if (!json_is_object(h) || json_object_size(h) > FAULT_MAX_HEADERS)
		return fail(c, "respond.headers", "must be an object of up to %d strings",
		            FAULT_MAX_HEADERS);
	json_object_foreach(h, key, v)
	{
		size_t n = r->nheaders, i;

		if (strlen(key) > RULE_HEADER_NAME_MAX || !is_token(key))
			return fail(c, "respond.headers",
			            "names must be header names of 1 to %d characters",
			            RULE_HEADER_NAME_MAX);
		/*
		 * These frame the answer on the connection: the HTTP layer's to write, never a
		 * rule's, which would make the client misread where the answer ends.
		 */
		for (i = 0; i < sizeof(rule_framing) / sizeof(rule_framing[0]); i++)
			if (strcasecmp(key, rule_framing[i]) == 0)
				return fail(
				    c, "respond.headers",
				    "\"%s\" is not a rule's to set: the server writes "
				    "Content-Length, Transfer-Encoding and Connection itself, "
				    "as they frame the answer",
				    key);
		/* A later header of the same name replaces an earlier one, so one would be lost. */
		for (i = 0; i < n; i++)
			if (strcasecmp(key, r->header_names[i]) == 0)
				return fail(c, "respond.headers",
				            "\"%s\" and \"%s\" name the same header: give it once",
				            r->header_names[i], key);
		if (!json_is_string(v) || json_string_length(v) > RULE_HEADER_VALUE_MAX ||
		    has_control(json_string_value(v), true))
			return fail(c, "respond.headers",
			            "\"%s\" must be a string of up to %d bytes without control "
			            "characters",
			            key, RULE_HEADER_VALUE_MAX);
		memcpy(r->header_names[n], key, strlen(key) + 1);
		memcpy(r->header_values[n], json_string_value(v), json_string_length(v) + 1);
		r->nheaders = n + 1;
	}
	return 0;
}

static int
parse_delay(const struct rule_ctx *c, struct rule *r, json_t *d)
{
	long long lo, hi;

	if (int_in(d, 0, RULE_DELAY_MAX, &lo)) {
		hi = lo;
	} else if (!json_is_array(d) || json_array_size(d) != 2 ||
	           !int_in(json_array_get(d, 0), 0, RULE_DELAY_MAX, &lo) ||
	           !int_in(json_array_get(d, 1), 0, RULE_DELAY_MAX, &hi) || lo > hi) {
		return fail(c, "respond.delayMs",
		            "must be an integer from 0 to %d, or [min, max] with min <= max",
		            RULE_DELAY_MAX);
	}
	r->delay_min = (unsigned)lo;
	r->delay_max = (unsigned)hi;
	return 0;
}

static int
parse_fault(const struct rule_ctx *c, struct rule *r, json_t *f)
{
	static const struct {
		const char *name;
		enum fault_kind kind;
	} kinds[] = {{"reset", FAULT_RESET},
	             {"empty", FAULT_EMPTY},
	             {"truncate", FAULT_TRUNCATE},
	             {"slow", FAULT_SLOW}};
	size_t i;

	if (json_is_null(f))
		return 0;
	for (i = 0; json_is_string(f) && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(json_string_value(f), kinds[i].name) == 0) {
			r->kind = kinds[i].kind;
			return 0;
		}
	}
	return fail(c, "respond.fault",
	            "must be \"reset\", \"empty\", \"truncate\", \"slow\" or null");
}

/* A new stub body of len bytes (text uninitialised but for its final NUL), one reference. */
static struct fault_body *
stub_new(size_t len)
{
	struct fault_body *b = malloc(sizeof(*b) + len + 1);

	if (b == NULL)
		return NULL;
	atomic_init(&b->refs, 1);
	b->len = len;
	b->text[len] = '\0';
	return b;
}

/*
 * An inline `body`: any JSON value, rendered once as compact JSON. Fifteen significant digits
 * write 0.1 as 0.1 rather than 0.10000000000000001; when some number needs more to read back
 * as the same value, the body is written with seventeen, which always do.
 */
static int
parse_stub_body(const struct rule_ctx *c, struct rule *r, json_t *v)
{
	const size_t flags = JSON_COMPACT | JSON_ENCODE_ANY;
	char *text = json_dumps(v, flags | JSON_REAL_PRECISION(15));
	json_t *back = text != NULL ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
	size_t len;

	if (text != NULL && !json_equal(back, v)) {
		free(text);
		text = json_dumps(v, flags | JSON_REAL_PRECISION(17));
	}
	json_decref(back);
	if (text == NULL)
		return fail(c, "respond.body", "out of memory");
	len = strlen(text);
	if (len > FAULT_BODY_MAX) {
		free(text);
		return fail(c, "respond.body",
		            "%zu bytes as compact JSON, past the %d (8 MB) a body may have", len,
		            FAULT_BODY_MAX);
	}
	r->stub = stub_new(len);
	if (r->stub != NULL)
		memcpy(r->stub->text, text, len);
	free(text);
	if (r->stub == NULL)
		return fail(c, "respond.body", "out of memory");
	return 0;
}

/*
 * A `bodyFile`: read now, whole, and checked to be JSON, so that a missing or broken file
 * stops the rule from being added rather than failing each request. Its bytes are sent as
 * they are in the file, so numbers keep the digits they were written with. Only a regular
 * file is read: a FIFO or a device would block the server or never end.
 */
static int
parse_stub_file(const struct rule_ctx *c, struct rule *r, json_t *v)
{
	static const char field[] = "respond.bodyFile";
	struct fault_body *b = NULL;
	struct stat st;
	json_error_t je;
	json_t *doc;
	const char *given;
	char path[PATH_MAX];
	size_t len = 0;
	int fd = -1, n, rc = -1;

	if (!json_is_string(v) || json_string_length(v) == 0)
		return fail(c, field, "must be the name of a file of JSON");
	given = json_string_value(v);
	if (given[0] == '/')
		n = snprintf(path, sizeof(path), "%s", given);
	else if (c->dir == NULL)
		return fail(
		    c, field,
		    "\"%.200s\" is relative: a rule added through the control API names its "
		    "file by an absolute path",
		    given);
	else
		n = snprintf(path, sizeof(path), "%s/%s", c->dir, given);
	if (n < 0 || (size_t)n >= sizeof(path))
		return fail(c, field, "the path is longer than %d bytes", PATH_MAX - 1);
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return fail(c, field, "%.300s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		fail(c, field, "%.300s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(c, field, "%.300s: not a regular file", path);
		goto out;
	}
	if (st.st_size > FAULT_BODY_MAX) {
		fail(c, field, "%.300s: %lld bytes, past the %d (8 MB) a body may have", path,
		     (long long)st.st_size, FAULT_BODY_MAX);
		goto out;
	}
	if ((b = stub_new((size_t)st.st_size)) == NULL) {
		fail(c, field, "out of memory");
		goto out;
	}
	/* A file that shrinks meanwhile gives what it holds; one that grows, its first bytes. */
	while (len < b->len) {
		ssize_t got = read(fd, b->text + len, b->len - len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			fail(c, field, "%.300s: %s", path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	b->len = len;
	b->text[len] = '\0';
	/*
	 * Numbers are read as reals only to check the text: an integer past 64 bits is still
	 * JSON, and it goes out as written. Repeated keys are refused, as in a scenario file:
	 * the client would see one of them.
	 */
	doc = json_loadb(b->text, len,
	                 JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &je);
	if (doc == NULL) {
		fail(c, field, "%.300s: invalid JSON at line %d, column %d: %s", path, je.line,
		     je.column, je.text);
		goto out;
	}
	json_decref(doc);
	/* The listing shows the file that was read, whatever directory the server runs in. */
	r->stub_path = realpath(path, NULL);
	if (r->stub_path == NULL && (r->stub_path = strdup(path)) == NULL) {
		fail(c, field, "out of memory");
		goto out;
	}
	r->stub = b;
	b = NULL;
	rc = 0;
out:
	free(b);
	close(fd);
	return rc;
}

/* Whether `key` is given in o; for messages about fields that go together. */
static bool
has(json_t *o, const char *key)
{
	return json_object_get(o, key) != NULL;
}

static int
parse_respond(const struct rule_ctx *c, struct rule *r, json_t *o)
{
	static const char *const keys[] = {"status", "retryAfter", "errors",   "headers", "delayMs",
	                                   "fault",  "body",       "bodyFile", NULL};
	const char *own_body;
	json_t *v;
	long long n;
	size_t i;

	if (!json_is_object(o))
		return fail(c, "respond", "must be an object");
	if (check_keys(c, "respond", o, keys) != 0)
		return -1;
	if ((v = json_object_get(o, "status")) != NULL) {
		/* A 1xx sent as the answer would leave the client waiting for the final one. */
		if (int_in(v, 100, 199, &n))
			return fail(
			    c, "respond.status",
			    "%lld is informational, never a final answer (a client waits for "
			    "the one after it): use 200 to 599",
			    n);
		if (!int_in(v, 200, 599, &n))
			return fail(c, "respond.status", "must be an integer from 200 to 599");
		r->status = (unsigned)n;
	}
	own_body = has(o, "body") ? "body" : has(o, "bodyFile") ? "bodyFile" : NULL;
	if (has(o, "body") && has(o, "bodyFile"))
		return fail(c, "respond", "\"body\" and \"bodyFile\" exclude each other: give one");
	if (own_body != NULL && has(o, "errors"))
		return fail(c, "respond.errors",
		            "errors make Gong's error body, and %s is a body of your own: give one "
		            "or the other",
		            own_body);
	/* HTTP sends no content with these statuses (RFC 9110): a body would never arrive. */
	if (own_body != NULL && (r->status == 204 || r->status == 205 || r->status == 304)) {
		char field[32];

		snprintf(field, sizeof(field), "respond.%s", own_body);
		return fail(c, field,
		            "a %u answer has no content: HTTP sends none with it, so the client "
		            "would never see this body",
		            r->status);
	}
	/*
	 * Retry-After defaults to 1 for a 429, the only status Gong sends it with; any other
	 * status carries it only when the rule asks (a 503 may well want one).
	 */
	r->retry_after = r->status == 429 ? 1 : 0;
	if ((v = json_object_get(o, "retryAfter")) != NULL) {
		if (!int_in(v, 0, RULE_RETRY_AFTER_MAX, &n))
			return fail(c, "respond.retryAfter", "must be an integer from 0 to %d",
			            RULE_RETRY_AFTER_MAX);
		r->retry_after = (unsigned)n;
	}
	if ((v = json_object_get(o, "errors")) != NULL && parse_errors(c, r, v) != 0)
		return -1;
	if ((v = json_object_get(o, "headers")) != NULL && parse_headers(c, r, v) != 0)
		return -1;
	/*
	 * Errors, Retry-After and headers go on an answer of the rule's own. Without a status
	 * (or with 200) and without a body, the normal answer goes out as it is, and they would
	 * never be seen.
	 */
	if (own_body == NULL && (r->status == 0 || r->status == 200)) {
		static const char *const needing[] = {"errors", "retryAfter", "headers"};

		for (i = 0; i < sizeof(needing) / sizeof(needing[0]); i++) {
			char field[32];

			if (!has(o, needing[i]))
				continue;
			snprintf(field, sizeof(field), "respond.%s", needing[i]);
			return fail(
			    c, field,
			    "only an answer of the rule's own carries it (a status other than "
			    "200, or a body); without one the normal answer goes out unchanged "
			    "and this would never be seen");
		}
	}
	/* A header of the rule's own replaces the Retry-After that retryAfter makes. */
	for (i = 0; i < r->nheaders && has(o, "retryAfter"); i++)
		if (strcasecmp(r->header_names[i], "Retry-After") == 0)
			return fail(c, "respond.headers",
			            "\"%s\" and retryAfter both set Retry-After: give one",
			            r->header_names[i]);
	if ((v = json_object_get(o, "delayMs")) != NULL && parse_delay(c, r, v) != 0)
		return -1;
	if ((v = json_object_get(o, "fault")) != NULL && parse_fault(c, r, v) != 0)
		return -1;
	/* A slow answer dribbles its body over the delay; with none it would not be slow. */
	if (r->kind == FAULT_SLOW && r->delay_max == 0)
		return fail(c, "respond.fault", "\"slow\" needs a delayMs above 0 to dribble over");
	/* The body last: a file is read only for a rule that is otherwise sound. */
	if ((v = json_object_get(o, "body")) != NULL && parse_stub_body(c, r, v) != 0)
		return -1;
	if ((v = json_object_get(o, "bodyFile")) != NULL && parse_stub_file(c, r, v) != 0)
		return -1;
	if (r->stub != NULL && r->status == 0)
		r->status = 200;
	return 0;
}

/* Names like "rule-12" are what unnamed rules get; a given one could clash with a later id. */
static bool
is_default_name(const char *s)
{
	if (strncmp(s, "rule-", 5) != 0 || s[5] == '\0')
		return false;
	for (s += 5; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Parses one rule object; on failure frees what it built and returns NULL with a message. */
static struct rule *
rule_parse(const struct rule_ctx *c, json_t *o)
{
	static const char *const keys[] = {"name",  "match",       "respond", "after",
	                                   "times", "probability", NULL};
	struct rule *r;
	json_t *v;
	long long n;

	if (!json_is_object(o)) {
		fail(c, NULL, "must be an object");
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		fail(c, NULL, "out of memory");
		return NULL;
	}
	r->probability = 1.0;
	if (check_keys(c, NULL, o, keys) != 0)
		goto fail;
	if ((v = json_object_get(o, "respond")) == NULL) {
		fail(c, NULL, "\"respond\" is required");
		goto fail;
	}
	if ((v = json_object_get(o, "name")) != NULL) {
		/* Names label the metrics, which is why they must stay printable. */
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > FAULT_NAME_MAX ||
		    has_control(json_string_value(v), false)) {
			fail(c, "name",
			     "must be a string of 1 to %d characters, no control characters",
			     FAULT_NAME_MAX);
			goto fail;
		}
		if (is_default_name(json_string_value(v))) {
			fail(c, "name", "\"rule-<n>\" names are kept for rules without a name");
			goto fail;
		}
		memcpy(r->name, json_string_value(v), json_string_length(v) + 1);
		r->named = true;
	}
	if (parse_match(c, r, json_object_get(o, "match")) != 0 ||
	    parse_respond(c, r, json_object_get(o, "respond")) != 0)
		goto fail;
	if ((v = json_object_get(o, "after")) != NULL) {
		if (!int_in(v, 0, LLONG_MAX, &n)) {
			fail(c, "after", "must be a non-negative integer");
			goto fail;
		}
		r->after = (uint64_t)n;
	}
	/* null is accepted for `times` because the list writes an unlimited rule that way. */
	if ((v = json_object_get(o, "times")) != NULL && !json_is_null(v)) {
		if (json_is_integer(v) && json_integer_value(v) == 0) {
			fail(c, "times",
			     "0 would never fire: give a positive integer, or null to "
			     "fire for ever");
			goto fail;
		}
		if (!int_in(v, 1, LLONG_MAX, &n)) {
			fail(c, "times", "must be a positive integer or null");
			goto fail;
		}
		r->times = (uint64_t)n;
		r->limited = true;
	}
	if ((v = json_object_get(o, "probability")) != NULL) {
		if (!json_is_number(v) || !(json_number_value(v) >= 0.0) ||
		    json_number_value(v) > 1.0) {
			fail(c, "probability", "must be a number from 0 to 1");
			goto fail;
		}
		r->probability = json_number_value(v);
	}
	/* The parse holds pointers into match, so both objects live as long as the rule. */
	r->match_json = json_incref(json_object_get(o, "match"));
	r->respond_json = json_incref(json_object_get(o, "respond"));
	return r;
fail:
	rule_free(r);
	return NULL;
}

void
rule_batch_free(struct rule_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		rule_free(b->rules[i]);
	free(b->rules);
	b->rules = NULL;
	b->n = 0;
}

/*
 * Parses a document: a lone rule (an object without "rules") or {"rules":[...]} with an
 * optional "description". Given names must differ from each other; the set checks them
 * against its own rules when it takes the batch.
 */
int
rule_batch_parse(struct rule_batch *b, json_t *root, const char *dir, char *err, size_t errlen)
{
	struct rule_ctx c = {.dir = dir, .err = err, .errlen = errlen};
	json_t *rules, *v;
	const char *key;
	size_t i, j;

	b->rules = NULL;
	b->n = 0;
	b->doc = false;
	if (!json_is_object(root)) {
		snprintf(err, errlen, "must be a rule object or {\"rules\":[...]}");
		return -1;
	}
	if ((rules = json_object_get(root, "rules")) == NULL) {
		b->rules = malloc(sizeof(*b->rules));
		if (b->rules == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if ((b->rules[0] = rule_parse(&c, root)) == NULL) {
			rule_batch_free(b);
			return -1;
		}
		b->n = 1;
		return 0;
	}
	b->doc = true;
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "rules") != 0 && strcmp(key, "description") != 0) {
			snprintf(err, errlen,
			         "unknown key \"%.32s\" beside \"rules\" (only \"description\" may "
			         "be there)",
			         key);
			return -1;
		}
	}
	if ((v = json_object_get(root, "description")) != NULL && !json_is_string(v)) {
		snprintf(err, errlen, "description: must be a string");
		return -1;
	}
	if (!json_is_array(rules)) {
		snprintf(err, errlen, "rules: must be an array");
		return -1;
	}
	if (json_array_size(rules) > FAULT_MAX_RULES) {
		snprintf(err, errlen, "rules: at most %d rules", FAULT_MAX_RULES);
		return -1;
	}
	if (json_array_size(rules) == 0)
		return 0;
	b->rules = calloc(json_array_size(rules), sizeof(*b->rules));
	if (b->rules == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_array_foreach(rules, i, v)
	{
		snprintf(c.rule, sizeof(c.rule), "rules[%zu]", i);
		if ((b->rules[i] = rule_parse(&c, v)) == NULL)
			goto fail;
		b->n = i + 1;
		for (j = 0; j < i; j++) {
			if (b->rules[j]->named && b->rules[i]->named &&
			    strcmp(b->rules[j]->name, b->rules[i]->name) == 0) {
				fail(&c, "name", "\"%s\" is already used by rules[%zu]",
				     b->rules[i]->name, j);
				goto fail;
			}
		}
	}
	return 0;
fail:
	rule_batch_free(b);
	return -1;
}

json_t *
rule_json(const struct rule *r)
{
	json_t *o = json_object(), *path;
	int bad = 0;

	if (o == NULL)
		return NULL;
	bad |= json_object_set_new(o, "id", json_integer(r->id));
	bad |= json_object_set_new(o, "name", json_string(r->name));
	bad |= r->match_json != NULL ? json_object_set(o, "match", r->match_json)
	                             : json_object_set_new(o, "match", json_object());
	bad |= json_object_set(o, "respond", r->respond_json);
	bad |= json_object_set_new(o, "after", json_integer((json_int_t)r->after));
	bad |= json_object_set_new(o, "times",
	                           r->limited ? json_integer((json_int_t)r->times) : json_null());
	bad |= json_object_set_new(o, "probability", json_real(r->probability));
	bad |= json_object_set_new(o, "matched", json_integer((json_int_t)r->matched));
	bad |= json_object_set_new(o, "fired", json_integer((json_int_t)r->fired));
	if (r->stub != NULL)
		bad |= json_object_set_new(o, "bodyBytes", json_integer((json_int_t)r->stub->len));
	/* A path that is not UTF-8 (the scenario's directory may be anything) is left out. */
	if (r->stub_path != NULL && (path = json_string(r->stub_path)) != NULL)
		bad |= json_object_set_new(o, "bodyPath", path);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static bool
param_fits(const struct rule_param *p, const struct query *q)
{
	const struct query_param *qp = q != NULL ? query_get(q, p->name) : NULL;
	int64_t t;

	if (qp == NULL)
		return false;
	/* Two spellings of one instant (Z or +02:00, with or without a fraction) are equal. */
	if (p->is_date)
		return isotime_parse(qp->value, qp->value_len, ISOTIME_LENIENT, &t) == 0 &&
		       t == p->instant;
	return qp->value_len == p->value_len && memcmp(qp->value, p->value, p->value_len) == 0;
}

/*
 * Whether a normalised request path fits a rule path with `*` segments: segment by segment,
 * a `*` standing for any one non-empty segment. Both paths start with `/`.
 */
static bool
path_fits(const char *pattern, const char *path)
{
	while (*pattern == '/' && *path == '/') {
		size_t pn = strcspn(++pattern, "/"), n = strcspn(++path, "/");

		if (pn == 1 && *pattern == '*') {
			if (n == 0)
				return false;
		} else if (pn != n || memcmp(pattern, path, n) != 0) {
			return false;
		}
		pattern += pn;
		path += n;
	}
	return *pattern == '\0' && *path == '\0';
}

void
rule_body_init(struct rule_body *b, const char *text, size_t len)
{
	b->text = text;
	b->len = text != NULL ? len : 0;
	b->parsed = false;
	b->doc = NULL;
}

void
rule_body_free(struct rule_body *b)
{
	json_decref(b->doc);
	b->doc = NULL;
}

/*
 * The parsed body, parsing it on first use. Duplicate keys are accepted (the last one
 * counts), as most JSON readers on a server would; only an object or array is JSON enough to
 * hold a path.
 */
static json_t *
body_doc(struct rule_body *b)
{
	if (!b->parsed) {
		b->parsed = true;
		if (b->text != NULL && b->len > 0)
			b->doc = json_loadb(b->text, b->len, 0, NULL);
	}
	return b->doc;
}

/* The value at a dotted path in doc, or NULL when a step is missing or not an object. */
static json_t *
body_lookup(json_t *doc, const char *path)
{
	json_t *v = doc;

	for (;;) {
		size_t n = strcspn(path, ".");

		if (!json_is_object(v) || (v = json_object_getn(v, path, n)) == NULL)
			return NULL;
		if (path[n] == '\0')
			return v;
		path += n + 1;
	}
}

/*
 * A rule's string equals a JSON string of the same bytes, and its number a JSON number of the
 * same value (2 and 2.0 alike); a string never equals a number, nor the other way round.
 */
static bool
body_value_equals(const json_t *want, const json_t *got)
{
	if (json_is_string(want))
		return json_is_string(got) && json_string_length(got) == json_string_length(want) &&
		       memcmp(json_string_value(got), json_string_value(want),
		              json_string_length(want)) == 0;
	if (!json_is_number(got))
		return false;
	if (json_is_integer(want) && json_is_integer(got))
		return json_integer_value(want) == json_integer_value(got);
	return json_number_value(want) == json_number_value(got);
}

static bool
body_param_fits(const struct rule_body_param *p, json_t *doc)
{
	json_t *got = body_lookup(doc, p->path), *e;
	size_t i;

	if (got == NULL)
		return false;
	if (!json_is_array(got))
		return body_value_equals(p->value, got);
	/* A list such as callIds fits when it holds the value. */
	json_array_foreach(got, i, e)
	{
		if (body_value_equals(p->value, e))
			return true;
	}
	return false;
}

bool
rule_fits(const struct rule *r, const struct fault_request *req, struct rule_body *body)
{
	size_t i;
	json_t *doc;

	if (r->method != NULL && (req->method == NULL || strcmp(r->method, req->method) != 0))
		return false;
	if (r->path != NULL &&
	    (req->path == NULL ||
	     (r->path_wild ? !path_fits(r->path, req->path) : strcmp(r->path, req->path) != 0)))
		return false;
	if (r->page >= 0 && req->page != r->page)
		return false;
	if (r->credential != NULL &&
	    (req->credential == NULL || strcmp(r->credential, req->credential) != 0))
		return false;
	for (i = 0; i < r->nparams; i++)
		if (!param_fits(&r->params[i], req->query))
			return false;
	/* Last, so that a body is parsed only for a request that fits the rest. */
	if (r->nbody == 0)
		return true;
	if (body == NULL || (doc = body_doc(body)) == NULL)
		return false;
	for (i = 0; i < r->nbody; i++)
		if (!body_param_fits(&r->body[i], doc))
			return false;
	return true;
}
