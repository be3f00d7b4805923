/*
 * fault.c - scripted faults: reading rules from JSON, checking every field, and deciding for
 * each request whether a rule answers it instead of the normal handler.
 *
 * A rule is parsed once, when it is added, into plain C fields (the normalised path, the
 * instants of date parameters, the status, the delay range), so matching a request only
 * compares strings and numbers. The JSON of `match` and `respond` is kept as it was given,
 * so the list shows users exactly what they posted. This module only decides; it does not
 * build error bodies, sleep, or touch a connection: the caller reads struct fault_action and
 * does that. It knows nothing of HTTP libraries.
 */
#include "fault.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "isotime.h"

/* The longest delay a rule may ask for: ten minutes, past any client's sensible timeout. */
#define FAULT_DELAY_MAX 600000
/* Gong's daily limit resets at midnight UTC, so no honest Retry-After is longer than a day. */
#define FAULT_RETRY_AFTER_MAX 86400
#define FAULT_HEADER_NAME_MAX 63
#define FAULT_HEADER_VALUE_MAX 255
/* Room for "rules[1023]" and the like. */
#define FAULT_WHERE_MAX 32

/*
 * action_fill copies a rule's arrays into struct fault_action whole, and the header spells the
 * action's sizes as numbers; a change on one side only must not compile.
 */
_Static_assert(sizeof(((struct fault_action *)0)->header_names[0]) == FAULT_HEADER_NAME_MAX + 1,
               "header name sizes differ");
_Static_assert(sizeof(((struct fault_action *)0)->header_values[0]) == FAULT_HEADER_VALUE_MAX + 1,
               "header value sizes differ");

/* One parameter a rule asks for; name and value point into the rule's kept `match` JSON. */
struct fault_param {
	const char *name;
	const char *value;
	size_t value_len;
	bool is_date; /* fromDateTime and toDateTime compare as instants */
	int64_t instant;
};

struct fault_rule {
	unsigned id;
	char name[FAULT_NAME_MAX + 1];
	bool named; /* the name was given, rather than made from the id */

	/* match: a NULL pointer or negative page means "any" */
	const char *method;
	char *path; /* normalised, owned */
	struct fault_param *params;
	size_t nparams;
	long long page;
	const char *credential;

	/* respond */
	unsigned status;
	unsigned retry_after;
	size_t nerrors;
	char errors[FAULT_MAX_ERRORS][FAULT_ERROR_MAX];
	size_t nheaders;
	char header_names[FAULT_MAX_HEADERS][FAULT_HEADER_NAME_MAX + 1];
	char header_values[FAULT_MAX_HEADERS][FAULT_HEADER_VALUE_MAX + 1];
	unsigned delay_min, delay_max;
	enum fault_kind kind;

	uint64_t after;
	uint64_t times;
	bool limited; /* false: `times` absent or null, fire for ever */
	double probability;

	uint64_t matched;
	uint64_t fired;

	json_t *match_json; /* as given; NULL when absent */
	json_t *respond_json;
};

struct fault_set {
	pthread_mutex_t lock;
	/*
	 * Written only under the lock, read without it by fault_match: a server without rules
	 * pays one atomic load per request and never contends on the mutex.
	 */
	atomic_size_t count;
	struct fault_rule **rules;
	size_t cap;
	unsigned next_id;
	uint64_t seed;
	uint64_t prng;
};

/*
 * splitmix64: small, fast and good enough to decide coin flips and delays. Its whole state is
 * one word, so reseeding with the set's seed replays the same sequence exactly, which is what
 * makes a run with --seed repeat.
 */
static uint64_t
prng_next(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* A uniform double in [0, 1) from the top 53 bits, so `u < p` fires with probability p. */
static double
prng_unit(uint64_t *state)
{
	return (double)(prng_next(state) >> 11) * 0x1.0p-53;
}

/* ---------------------------------------------------------------- parsing */

/*
 * Where a message points. `rule` is "rules[i]" inside a {"rules":[...]} document and "" for a
 * lone rule object, so a field reads `rules[1].respond.status` or `respond.status`, and a
 * message about the rule itself reads `rules[1]: ...` or `rule: ...`.
 */
struct fault_ctx {
	char rule[FAULT_WHERE_MAX];
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int
fail(const struct fault_ctx *c, const char *field, const char *fmt, ...)
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
check_keys(const struct fault_ctx *c, const char *field, json_t *obj, const char *const *known)
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
 * The same folding request_normalise applies to a request target (a scheme://authority
 * prefix dropped, runs of `/` folded, one leading `/`, no trailing `/`), so a rule written as
 * `//v2/calls`, `/v2/calls/` or
 * `https://api.gong.io/v2/calls` matches what the router sees. Returns a malloc'd string.
 */
static char *
normalise_path(const char *p)
{
	size_t n = 0;
	char *out;

	if (strncasecmp(p, "http://", 7) == 0 || strncasecmp(p, "https://", 8) == 0) {
		p = strstr(p, "://") + 3;
		while (*p != '\0' && *p != '/')
			p++;
	}
	out = malloc(strlen(p) + 2);
	if (out == NULL)
		return NULL;
	out[n++] = '/';
	for (; *p != '\0'; p++) {
		if (*p == '/' && out[n - 1] == '/')
			continue;
		out[n++] = *p;
	}
	if (n > 1 && out[n - 1] == '/')
		n--;
	out[n] = '\0';
	return out;
}

static void
rule_free(struct fault_rule *r)
{
	if (r == NULL)
		return;
	free(r->path);
	free(r->params);
	json_decref(r->match_json);
	json_decref(r->respond_json);
	free(r);
}

static int
parse_query(const struct fault_ctx *c, struct fault_rule *r, json_t *q)
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
		struct fault_param *p = &r->params[i++];
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

static int
parse_match(const struct fault_ctx *c, struct fault_rule *r, json_t *m)
{
	static const char *const keys[] = {"method", "path", "query", "page", "credential", NULL};
	json_t *v;

	r->page = -1;
	if (m == NULL)
		return 0;
	if (!json_is_object(m))
		return fail(c, "match", "must be an object");
	if (check_keys(c, "match", m, keys) != 0)
		return -1;
	if ((v = json_object_get(m, "method")) != NULL) {
		/* Compared exactly: HTTP methods are case-sensitive, and "get" is not GET. */
		if (!json_is_string(v) || !is_token(json_string_value(v)))
			return fail(c, "match.method", "must be an HTTP method such as \"GET\"");
		r->method = json_string_value(v);
	}
	if ((v = json_object_get(m, "path")) != NULL) {
		if (!json_is_string(v) || json_string_length(v) == 0)
			return fail(c, "match.path", "must be a non-empty string");
		/* The router never sees a query in the path, so such a rule could never match. */
		if (strchr(json_string_value(v), '?') != NULL)
			return fail(c, "match.path", "must not hold a query; use match.query");
		r->path = normalise_path(json_string_value(v));
		if (r->path == NULL)
			return fail(c, "match.path", "out of memory");
	}
	if ((v = json_object_get(m, "query")) != NULL && parse_query(c, r, v) != 0)
		return -1;
	if ((v = json_object_get(m, "page")) != NULL && !int_in(v, 0, LLONG_MAX, &r->page))
		return fail(c, "match.page", "must be a non-negative integer");
	if ((v = json_object_get(m, "credential")) != NULL) {
		if (!json_is_string(v) || json_string_length(v) == 0)
			return fail(c, "match.credential", "must be a non-empty string");
		r->credential = json_string_value(v);
	}
	return 0;
}

static int
parse_errors(const struct fault_ctx *c, struct fault_rule *r, json_t *a)
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

static int
parse_headers(const struct fault_ctx *c, struct fault_rule *r, json_t *h)
{
	const char *key;
	json_t *v;

	if (!json_is_object(h) || json_object_size(h) > FAULT_MAX_HEADERS)
		return fail(c, "respond.headers", "must be an object of up to %d strings",
		            FAULT_MAX_HEADERS);
	json_object_foreach(h, key, v)
	{
		size_t n = r->nheaders;

		if (strlen(key) > FAULT_HEADER_NAME_MAX || !is_token(key))
			return fail(c, "respond.headers",
			            "names must be header names of 1 to %d characters",
			            FAULT_HEADER_NAME_MAX);
		if (!json_is_string(v) || json_string_length(v) > FAULT_HEADER_VALUE_MAX ||
		    has_control(json_string_value(v), true))
			return fail(c, "respond.headers",
			            "\"%s\" must be a string of up to %d bytes without control "
			            "characters",
			            key, FAULT_HEADER_VALUE_MAX);
		memcpy(r->header_names[n], key, strlen(key) + 1);
		memcpy(r->header_values[n], json_string_value(v), json_string_length(v) + 1);
		r->nheaders = n + 1;
	}
	return 0;
}

static int
parse_delay(const struct fault_ctx *c, struct fault_rule *r, json_t *d)
{
	long long lo, hi;

	if (int_in(d, 0, FAULT_DELAY_MAX, &lo)) {
		hi = lo;
	} else if (!json_is_array(d) || json_array_size(d) != 2 ||
	           !int_in(json_array_get(d, 0), 0, FAULT_DELAY_MAX, &lo) ||
	           !int_in(json_array_get(d, 1), 0, FAULT_DELAY_MAX, &hi) || lo > hi) {
		return fail(c, "respond.delayMs",
		            "must be an integer from 0 to %d, or [min, max] with min <= max",
		            FAULT_DELAY_MAX);
	}
	r->delay_min = (unsigned)lo;
	r->delay_max = (unsigned)hi;
	return 0;
}

static int
parse_fault(const struct fault_ctx *c, struct fault_rule *r, json_t *f)
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

static int
parse_respond(const struct fault_ctx *c, struct fault_rule *r, json_t *o)
{
	static const char *const keys[] = {"status",  "retryAfter", "errors", "headers",
	                                   "delayMs", "fault",      NULL};
	json_t *v;
	long long n;

	if (!json_is_object(o))
		return fail(c, "respond", "must be an object");
	if (check_keys(c, "respond", o, keys) != 0)
		return -1;
	if ((v = json_object_get(o, "status")) != NULL) {
		if (!int_in(v, 200, 599, &n))
			return fail(c, "respond.status", "must be an integer from 200 to 599");
		r->status = (unsigned)n;
	}
	/*
	 * Retry-After defaults to 1 for a 429, the only status Gong sends it with; any other
	 * status carries it only when the rule asks (a 503 may well want one).
	 */
	r->retry_after = r->status == 429 ? 1 : 0;
	if ((v = json_object_get(o, "retryAfter")) != NULL) {
		if (!int_in(v, 0, FAULT_RETRY_AFTER_MAX, &n))
			return fail(c, "respond.retryAfter", "must be an integer from 0 to %d",
			            FAULT_RETRY_AFTER_MAX);
		r->retry_after = (unsigned)n;
	}
	if ((v = json_object_get(o, "errors")) != NULL && parse_errors(c, r, v) != 0)
		return -1;
	if ((v = json_object_get(o, "headers")) != NULL && parse_headers(c, r, v) != 0)
		return -1;
	if ((v = json_object_get(o, "delayMs")) != NULL && parse_delay(c, r, v) != 0)
		return -1;
	if ((v = json_object_get(o, "fault")) != NULL && parse_fault(c, r, v) != 0)
		return -1;
	/* A slow answer dribbles its body over the delay; with none it would not be slow. */
	if (r->kind == FAULT_SLOW && r->delay_max == 0)
		return fail(c, "respond.fault", "\"slow\" needs a delayMs above 0 to dribble over");
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
static struct fault_rule *
rule_parse(const struct fault_ctx *c, json_t *o)
{
	static const char *const keys[] = {"name",  "match",       "respond", "after",
	                                   "times", "probability", NULL};
	struct fault_rule *r;
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

/* A batch of parsed rules not yet in the set. */
struct fault_batch {
	struct fault_rule **rules;
	size_t n;
	bool doc; /* from {"rules":[...]}: messages name rules[i] */
};

static void
batch_free(struct fault_batch *b)
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
static int
batch_parse(struct fault_batch *b, json_t *root, char *err, size_t errlen)
{
	struct fault_ctx c = {.err = err, .errlen = errlen};
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
			batch_free(b);
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
	batch_free(b);
	return -1;
}

/* ---------------------------------------------------------------- the set */

struct fault_set *
fault_set_create(uint64_t seed)
{
	struct fault_set *fs = calloc(1, sizeof(*fs));

	if (fs == NULL)
		return NULL;
	if (pthread_mutex_init(&fs->lock, NULL) != 0) {
		free(fs);
		return NULL;
	}
	atomic_init(&fs->count, 0);
	fs->next_id = 1;
	fs->seed = seed;
	fs->prng = seed;
	return fs;
}

void
fault_set_free(struct fault_set *fs)
{
	size_t i, n;

	if (fs == NULL)
		return;
	n = atomic_load(&fs->count);
	for (i = 0; i < n; i++)
		rule_free(fs->rules[i]);
	free(fs->rules);
	pthread_mutex_destroy(&fs->lock);
	free(fs);
}

size_t
fault_set_count(const struct fault_set *fs)
{
	/*
	 * Relaxed is enough: the answer is a hint that goes stale at once, and a caller that acts
	 * on it calls fault_match, which takes the lock and reads the rules there.
	 */
	return atomic_load_explicit(&fs->count, memory_order_relaxed);
}

/* Under the lock: the rule named `name`, if any. */
static const struct fault_rule *
find_name(const struct fault_set *fs, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(fs->rules[i]->name, name) == 0)
			return fs->rules[i];
	return NULL;
}

/*
 * Takes every rule of the batch or none: the cap, room and names are all checked before the
 * first rule goes in, and nothing after that can fail.
 */
static int
set_take(struct fault_set *fs, struct fault_batch *b, unsigned *ids, size_t max_ids, size_t *nids,
         char *err, size_t errlen)
{
	size_t n, i;
	int rc = -1;

	pthread_mutex_lock(&fs->lock);
	n = atomic_load_explicit(&fs->count, memory_order_relaxed);
	if (b->n > FAULT_MAX_RULES - n) {
		snprintf(err, errlen, "too many rules: the set holds at most %d, and has %zu",
		         FAULT_MAX_RULES, n);
		goto out;
	}
	for (i = 0; i < b->n; i++) {
		const struct fault_rule *dup;

		if (!b->rules[i]->named || (dup = find_name(fs, n, b->rules[i]->name)) == NULL)
			continue;
		if (b->doc)
			snprintf(err, errlen, "rules[%zu].name: \"%s\" is already used by rule %u",
			         i, b->rules[i]->name, dup->id);
		else
			snprintf(err, errlen, "name: \"%s\" is already used by rule %u",
			         b->rules[i]->name, dup->id);
		goto out;
	}
	if (n + b->n > fs->cap) {
		size_t cap = fs->cap ? fs->cap : 16;
		struct fault_rule **grown;

		while (cap < n + b->n)
			cap *= 2;
		grown = realloc(fs->rules, cap * sizeof(*grown));
		if (grown == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		fs->rules = grown;
		fs->cap = cap;
	}
	for (i = 0; i < b->n; i++) {
		struct fault_rule *r = b->rules[i];

		r->id = fs->next_id++;
		if (!r->named)
			snprintf(r->name, sizeof(r->name), "rule-%u", r->id);
		if (ids != NULL && i < max_ids)
			ids[i] = r->id;
		fs->rules[n + i] = r;
	}
	if (nids != NULL)
		*nids = ids != NULL && b->n > max_ids ? max_ids : b->n;
	atomic_store_explicit(&fs->count, n + b->n, memory_order_release);
	/* The set owns the rules now. */
	free(b->rules);
	b->rules = NULL;
	b->n = 0;
	rc = 0;
out:
	pthread_mutex_unlock(&fs->lock);
	return rc;
}

static int
add_root(struct fault_set *fs, json_t *root, unsigned *ids, size_t max_ids, size_t *nids, char *err,
         size_t errlen)
{
	struct fault_batch b;

	if (nids != NULL)
		*nids = 0;
	if (batch_parse(&b, root, err, errlen) != 0)
		return -1;
	if (set_take(fs, &b, ids, max_ids, nids, err, errlen) != 0) {
		batch_free(&b);
		return -1;
	}
	return 0;
}

int
fault_set_add_json(struct fault_set *fs, const char *json, size_t len, unsigned *ids,
                   size_t max_ids, size_t *nids, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root;
	int rc;

	if (nids != NULL)
		*nids = 0;
	/* Duplicate keys are refused: with two "match" objects one would be silently lost. */
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(err, errlen, "invalid JSON at line %d, column %d: %s", je.line, je.column,
		         je.text);
		return -1;
	}
	rc = add_root(fs, root, ids, max_ids, nids, err, errlen);
	json_decref(root);
	return rc;
}

int
fault_set_load_file(struct fault_set *fs, const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root;
	char msg[512];
	FILE *f;
	int rc;

	/* Opened here rather than by jansson, so the message is the system's own reason. */
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
	fclose(f);
	if (root == NULL) {
		snprintf(err, errlen, "%s: invalid JSON at line %d, column %d: %s", path, je.line,
		         je.column, je.text);
		return -1;
	}
	rc = add_root(fs, root, NULL, 0, NULL, msg, sizeof(msg));
	json_decref(root);
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", path, msg);
	return rc;
}

int
fault_set_remove(struct fault_set *fs, unsigned id)
{
	struct fault_rule *gone = NULL;
	size_t i, n;

	pthread_mutex_lock(&fs->lock);
	n = atomic_load_explicit(&fs->count, memory_order_relaxed);
	for (i = 0; i < n; i++) {
		if (fs->rules[i]->id == id) {
			gone = fs->rules[i];
			/* Order matters (the first rule that fires answers), so shift, not swap. */
			memmove(&fs->rules[i], &fs->rules[i + 1], (n - i - 1) * sizeof(*fs->rules));
			atomic_store_explicit(&fs->count, n - 1, memory_order_release);
			break;
		}
	}
	pthread_mutex_unlock(&fs->lock);
	rule_free(gone);
	return gone != NULL ? 0 : -1;
}

void
fault_set_clear(struct fault_set *fs)
{
	struct fault_rule **rules;
	size_t i, n;

	pthread_mutex_lock(&fs->lock);
	rules = fs->rules;
	n = atomic_load_explicit(&fs->count, memory_order_relaxed);
	fs->rules = NULL;
	fs->cap = 0;
	atomic_store_explicit(&fs->count, 0, memory_order_release);
	pthread_mutex_unlock(&fs->lock);
	/* next_id stays: an id names one rule for the life of the set. */
	for (i = 0; i < n; i++)
		rule_free(rules[i]);
	free(rules);
}

void
fault_set_reset(struct fault_set *fs)
{
	size_t i, n;

	pthread_mutex_lock(&fs->lock);
	n = atomic_load_explicit(&fs->count, memory_order_relaxed);
	for (i = 0; i < n; i++) {
		fs->rules[i]->matched = 0;
		fs->rules[i]->fired = 0;
	}
	fs->prng = fs->seed;
	pthread_mutex_unlock(&fs->lock);
}

static json_t *
rule_json(const struct fault_rule *r)
{
	json_t *o = json_object();
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
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

char *
fault_set_list_json(struct fault_set *fs)
{
	json_t *root = json_object(), *arr = json_array();
	char *out = NULL;
	size_t i, n;

	if (root == NULL || arr == NULL || json_object_set(root, "rules", arr) != 0) {
		json_decref(root);
		json_decref(arr);
		return NULL;
	}
	/*
	 * The kept match/respond objects are shared with the output, and jansson's reference
	 * counts are only safe under the lock, so the text is written and the tree dropped
	 * before unlocking. Listing is rare; matching never waits long.
	 */
	pthread_mutex_lock(&fs->lock);
	n = atomic_load_explicit(&fs->count, memory_order_relaxed);
	for (i = 0; i < n; i++)
		if (json_array_append_new(arr, rule_json(fs->rules[i])) != 0)
			goto out;
	/* 15 digits give back a decimal such as 0.3 as written, not 0.29999999999999999. */
	out = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(15));
out:
	json_decref(root);
	json_decref(arr);
	pthread_mutex_unlock(&fs->lock);
	return out;
}

char *
fault_set_metrics(struct fault_set *fs)
{
	static const char prefix[] = "gongmock_faults_fired_total{rule=\"";
	char *out, *p;
	size_t i, n, cap = 1;

	pthread_mutex_lock(&fs->lock);
	n = atomic_load_explicit(&fs->count, memory_order_relaxed);
	/* A name escapes to at most twice its length; the count to at most 20 digits. */
	for (i = 0; i < n; i++)
		cap += sizeof(prefix) + 2 * strlen(fs->rules[i]->name) + 3 + 20 + 1;
	out = malloc(cap);
	if (out == NULL)
		goto out;
	p = out;
	for (i = 0; i < n; i++) {
		const char *s;

		memcpy(p, prefix, sizeof(prefix) - 1);
		p += sizeof(prefix) - 1;
		/* The label-value escapes of the Prometheus text format. */
		for (s = fs->rules[i]->name; *s != '\0'; s++) {
			if (*s == '\\' || *s == '"')
				*p++ = '\\';
			*p++ = *s;
		}
		p += sprintf(p, "\"} %llu\n", (unsigned long long)fs->rules[i]->fired);
	}
	*p = '\0';
out:
	pthread_mutex_unlock(&fs->lock);
	return out;
}

/* ---------------------------------------------------------------- matching */

static bool
param_fits(const struct fault_param *p, const struct query *q)
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

static bool
rule_fits(const struct fault_rule *r, const struct fault_request *req)
{
	size_t i;

	if (r->method != NULL && (req->method == NULL || strcmp(r->method, req->method) != 0))
		return false;
	if (r->path != NULL && (req->path == NULL || strcmp(r->path, req->path) != 0))
		return false;
	if (r->page >= 0 && req->page != r->page)
		return false;
	if (r->credential != NULL &&
	    (req->credential == NULL || strcmp(r->credential, req->credential) != 0))
		return false;
	for (i = 0; i < r->nparams; i++)
		if (!param_fits(&r->params[i], req->query))
			return false;
	return true;
}

/* Under the lock: whether a rule that fits this request fires, counting it either way. */
static bool
rule_fires(struct fault_set *fs, struct fault_rule *r)
{
	r->matched++;
	if (r->matched <= r->after)
		return false;
	if (r->limited && r->fired >= r->times)
		return false;
	/* Certain outcomes draw nothing, so adding such a rule leaves other rules' luck alone. */
	if (r->probability <= 0.0)
		return false;
	if (r->probability < 1.0 && prng_unit(&fs->prng) >= r->probability)
		return false;
	r->fired++;
	return true;
}

static void
action_fill(struct fault_set *fs, const struct fault_rule *r, struct fault_action *out)
{
	size_t i;

	memset(out, 0, offsetof(struct fault_action, errors));
	out->rule_id = r->id;
	memcpy(out->name, r->name, sizeof(out->name));
	out->status = r->status;
	out->retry_after = r->retry_after;
	out->nerrors = r->nerrors;
	for (i = 0; i < r->nerrors; i++)
		memcpy(out->errors[i], r->errors[i], sizeof(out->errors[i]));
	out->nheaders = r->nheaders;
	for (i = 0; i < r->nheaders; i++) {
		memcpy(out->header_names[i], r->header_names[i], sizeof(r->header_names[i]));
		memcpy(out->header_values[i], r->header_values[i], sizeof(r->header_values[i]));
	}
	out->delay_ms = r->delay_min;
	if (r->delay_max > r->delay_min)
		out->delay_ms +=
		    (unsigned)(prng_next(&fs->prng) % ((uint64_t)r->delay_max - r->delay_min + 1));
	out->kind = r->kind;
}

int
fault_match(struct fault_set *fs, const struct fault_request *req, struct fault_action *out)
{
	size_t i, n;
	int fired = 0;

	if (atomic_load_explicit(&fs->count, memory_order_acquire) == 0)
		return 0;
	pthread_mutex_lock(&fs->lock);
	n = atomic_load_explicit(&fs->count, memory_order_relaxed);
	for (i = 0; i < n; i++) {
		struct fault_rule *r = fs->rules[i];

		if (rule_fits(r, req) && rule_fires(fs, r)) {
			action_fill(fs, r, out);
			fired = 1;
			break;
		}
	}
	pthread_mutex_unlock(&fs->lock);
	return fired;
}

/* ---------------------------------------------------------------- Prefer */

static const char *
skip_ows(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

static const char *
trim_ows(const char *s, const char *end)
{
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return end;
}

/*
 * Prism reads `Prefer: code=429` to pick the example answer of that status; clients tested
 * against Prism send it, so the mock honours it too. Preferences are split on `,` and `;`
 * (RFC 7240 separates preferences with commas and their parameters with semicolons, and
 * both forms are seen); the first `code` decides, and a quoted value is accepted as RFC 7240
 * allows.
 */
unsigned
fault_prefer_code(const char *prefer)
{
	const char *p = prefer;

	if (p == NULL)
		return 0;
	while (*p != '\0') {
		const char *end = p + strcspn(p, ",;");
		const char *k = skip_ows(p, end);
		const char *eq = memchr(k, '=', (size_t)(end - k));

		if (eq != NULL && trim_ows(k, eq) - k == 4 && strncasecmp(k, "code", 4) == 0) {
			const char *v = skip_ows(eq + 1, end), *ve = trim_ows(v, end);
			unsigned code = 0;

			if (ve - v >= 2 && *v == '"' && ve[-1] == '"') {
				v++;
				ve--;
			}
			if (ve - v != 3)
				return 0;
			for (; v < ve; v++) {
				if (*v < '0' || *v > '9')
					return 0;
				code = code * 10 + (unsigned)(*v - '0');
			}
			return code >= 200 && code <= 599 ? code : 0;
		}
		p = *end != '\0' ? end + 1 : end;
	}
	return 0;
}
