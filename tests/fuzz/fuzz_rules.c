/*
 * fuzz_rules.c - libFuzzer entry point for the fault rules.
 *
 * Each input is a rule document as POST /__admin/faults or --scenario takes it, added to a
 * fresh set. What must hold:
 *
 *   - refused: a message, and no rule added (a document is taken whole or not at all);
 *   - taken: the ids are 1..n in order, the list is JSON that can be posted back as it is
 *     (less the counters, the stub sizes and paths, and the names made from ids) and then
 *     lists the same, and the metrics have one well-formed line per rule;
 *   - the first rule fires, in the order its after/times ask, for a request built from its own
 *     match (the path as the router would normalise it), when its probability is 1;
 *   - every action a rule hands over is within the caps, its headers cannot split a response
 *     or reframe it, and a stub's body is JSON of at most 8 MB on a status that may carry
 *     one (each body reference is released, so a leak shows);
 *   - removing, resetting and clearing leave the counts they promise.
 *
 * The input is also read as a Prefer header. Any broken property prints what it saw and
 * aborts, which libFuzzer reports as a crash.
 */
#include "fault.h"
#include "prefer.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "query.h"
#include "request.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A body file the dictionary names, so that inputs can load a stub from a real file. */
#define FUZZ_BODY_FILE "/tmp/gongmock-fuzz.json"

#define FUZZ_SEED 42
#define FUZZ_MAX_IDS 16
/* Path buffer of the HTTP layer, as request_normalise gets it there. */
#define FUZZ_PATH_MAX 2048

static char err[1024];
/* Large structs, kept off the fuzzer's stack. */
static struct query q;
static struct fault_action action;

static void
fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_rules: %s\n  %s\n", what, detail != NULL ? detail : "");
	abort();
}

static bool
is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!(((unsigned char)*s >= '0' && (unsigned char)*s <= '9') ||
		      ((unsigned char)*s >= 'a' && (unsigned char)*s <= 'z') ||
		      ((unsigned char)*s >= 'A' && (unsigned char)*s <= 'Z') ||
		      strchr("!#$%&'*+-.^_`|~", *s) != NULL))
			return false;
	return true;
}

/* A NUL within the array: the text is terminated. */
static bool
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* Whatever fired must fit the response it will shape. Drops the action's body reference. */
static void
check_action(struct fault_action *a)
{
	if (a->rule_id == 0 || !terminated(a->name, sizeof(a->name)) || a->name[0] == '\0')
		fuzz_fail("action without a rule", a->name);
	if (a->status != 0 && (a->status < 200 || a->status > 599))
		fuzz_fail("action status out of range", a->name);
	if (a->body != NULL) {
		json_t *doc;

		if (a->body_ref == NULL || a->body_len > FAULT_BODY_MAX ||
		    a->body[a->body_len] != '\0')
			fuzz_fail("stub body without its reference, or past its cap", a->name);
		if (a->status < 200 || a->status == 204 || a->status == 205 || a->status == 304 ||
		    !fault_action_answers(a))
			fuzz_fail("stub body on a status that carries none", a->name);
		doc = json_loadb(a->body, a->body_len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL,
		                 NULL);
		if (doc == NULL)
			fuzz_fail("stub body is not JSON", a->body);
		json_decref(doc);
		if (a->nerrors != 0)
			fuzz_fail("stub body beside Gong's errors", a->name);
	} else if (a->body_ref != NULL || a->body_len != 0) {
		fuzz_fail("body reference without a body", a->name);
	}
	if (a->nerrors > FAULT_MAX_ERRORS || a->nheaders > FAULT_MAX_HEADERS ||
	    a->delay_ms > 600000 || a->retry_after > 86400 || a->kind > FAULT_SLOW)
		fuzz_fail("action out of its caps", a->name);
	for (size_t i = 0; i < a->nerrors; i++)
		if (!terminated(a->errors[i], sizeof(a->errors[i])))
			fuzz_fail("error text not terminated", a->name);
	for (size_t i = 0; i < a->nheaders; i++) {
		if (!terminated(a->header_names[i], sizeof(a->header_names[i])) ||
		    !terminated(a->header_values[i], sizeof(a->header_values[i])) ||
		    !is_token(a->header_names[i]))
			fuzz_fail("bad header name", a->header_names[i]);
		for (const char *v = a->header_values[i]; *v != '\0'; v++)
			if ((unsigned char)*v < 0x20 && *v != '\t')
				fuzz_fail("control character in a header value",
				          a->header_values[i]);
		if (strcasecmp(a->header_names[i], "Content-Length") == 0 ||
		    strcasecmp(a->header_names[i], "Transfer-Encoding") == 0 ||
		    strcasecmp(a->header_names[i], "Connection") == 0)
			fuzz_fail("a rule sets a header that frames the answer",
			          a->header_names[i]);
	}
	fault_action_release(a);
	if (a->body != NULL || a->body_ref != NULL)
		fuzz_fail("released action keeps its body", a->name);
}

/* One line per rule: gongmock_faults_fired_total{rule="NAME"} N, quotes and \ escaped. */
static void
check_metrics(struct fault_set *fs, size_t n)
{
	static const char prefix[] = "gongmock_faults_fired_total{rule=\"";
	char *m = fault_set_metrics(fs);
	const char *p = m;
	size_t lines = 0;

	if (m == NULL)
		fuzz_fail("no metrics", NULL);
	while (*p != '\0') {
		if (strncmp(p, prefix, sizeof(prefix) - 1) != 0)
			fuzz_fail("metrics line without its prefix", m);
		p += sizeof(prefix) - 1;
		while (*p != '"') {
			if (*p == '\0' || *p == '\n')
				fuzz_fail("metrics label not closed", m);
			p += *p == '\\' ? 2 : 1;
		}
		if (strncmp(p, "\"} ", 3) != 0)
			fuzz_fail("metrics label not followed by its value", m);
		p += 3;
		if (*p < '0' || *p > '9')
			fuzz_fail("metrics value not a number", m);
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p++ != '\n')
			fuzz_fail("metrics line not ended", m);
		lines++;
	}
	if (lines != n)
		fuzz_fail("metrics lines differ from the rules", m);
	free(m);
}

/*
 * The list, less what the set adds (ids, counters, stub sizes and paths, names made from ids),
 * as a document.
 */
static char *
list_as_document(const char *list, size_t n)
{
	json_error_t e;
	json_t *root = json_loads(list, 0, &e), *rules, *r;
	size_t i;
	char *out;

	if (root == NULL || !json_is_array(rules = json_object_get(root, "rules")) ||
	    json_array_size(rules) != n)
		fuzz_fail("list is not {\"rules\":[...]} of every rule", list);
	json_array_foreach(rules, i, r)
	{
		char made[32];
		const char *name = json_string_value(json_object_get(r, "name"));

		if (json_integer_value(json_object_get(r, "id")) != (json_int_t)(i + 1) ||
		    json_integer_value(json_object_get(r, "matched")) != 0 ||
		    json_integer_value(json_object_get(r, "fired")) != 0 || name == NULL)
			fuzz_fail("list entry without its id, counters or name", list);
		snprintf(made, sizeof(made), "rule-%zu", i + 1);
		if (strcmp(name, made) == 0)
			json_object_del(r, "name");
		if (json_object_get(r, "bodyBytes") != NULL &&
		    !json_is_integer(json_object_get(r, "bodyBytes")))
			fuzz_fail("list entry with a stub size that is not a number", list);
		json_object_del(r, "id");
		json_object_del(r, "matched");
		json_object_del(r, "fired");
		json_object_del(r, "bodyBytes");
		json_object_del(r, "bodyPath");
	}
	out = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (out == NULL)
		abort();
	return out;
}

/* Percent-encodes s (len bytes) onto out at *n, within cap; false when it does not fit. */
static bool
encode(char *out, size_t *n, size_t cap, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (*n + 3 >= cap)
			return false;
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			out[(*n)++] = (char)c;
		} else {
			out[(*n)++] = '%';
			out[(*n)++] = hex[c >> 4];
			out[(*n)++] = hex[c & 15];
		}
	}
	return true;
}

/*
 * The first rule's own match as a request: what the router would hand fault_match for a
 * client that sends exactly what the rule names. Returns false when no such request fits the
 * HTTP layer's caps.
 */
/* The body a rule's `match.body` asks for: each dotted path set to its value. */
static char *body_text;

static bool
body_for(json_t *want, struct fault_request *fr)
{
	json_t *doc;
	const char *key;
	json_t *v;
	bool ok = true;

	free(body_text);
	body_text = NULL;
	if (want == NULL)
		return true;
	doc = json_object();
	json_object_foreach(want, key, v)
	{
		json_t *at = doc;
		char *copy = strdup(key), *seg, *save = NULL, *next;

		if (copy == NULL) {
			ok = false;
			break;
		}
		seg = strtok_r(copy, ".", &save);
		while (ok && seg != NULL) {
			next = strtok_r(NULL, ".", &save);
			if (next == NULL) {
				/* Two paths that need one place to be both a value and an object
				 * cannot be one body: such a rule is not checked here. */
				ok = json_is_object(at) && json_object_get(at, seg) == NULL &&
				     json_object_set(at, seg, v) == 0;
			} else {
				json_t *child = json_object_get(at, seg);

				if (child == NULL) {
					child = json_object();
					ok = json_object_set_new(at, seg, child) == 0;
				}
				ok = ok && json_is_object(child);
				at = child;
			}
			seg = next;
		}
		free(copy);
		if (!ok)
			break;
	}
	if (ok && (body_text = json_dumps(doc, JSON_COMPACT)) == NULL)
		ok = false;
	json_decref(doc);
	if (ok) {
		fr->body = body_text;
		fr->body_len = strlen(body_text);
	}
	return ok;
}

static bool
request_for(json_t *rule, struct fault_request *fr, char *path, char *qtext)
{
	static char method[16];
	json_t *m = json_object_get(rule, "match"), *v;
	const char *key, *query;
	size_t qlen = 0, query_len;

	memset(fr, 0, sizeof(*fr));
	fr->method = "GET";
	fr->page = 0;
	/* A rule takes a method in any case; requests send it in upper case. */
	if ((v = json_object_get(m, "method")) != NULL) {
		size_t i;

		for (i = 0; i + 1 < sizeof(method) && json_string_value(v)[i] != '\0'; i++)
			method[i] = (char)toupper((unsigned char)json_string_value(v)[i]);
		method[i] = '\0';
		fr->method = method;
	}
	v = json_object_get(m, "path");
	if (request_normalise(v != NULL ? json_string_value(v) : "/v2/calls", path, FUZZ_PATH_MAX,
	                      &query, &query_len) != 0)
		return false;
	fr->path = path;
	json_object_foreach(json_object_get(m, "query"), key, v)
	{
		if (qlen > 0)
			qtext[qlen++] = '&';
		if (!encode(qtext, &qlen, QUERY_MAX_LEN, key, strlen(key)) ||
		    qlen + 1 >= QUERY_MAX_LEN)
			return false;
		qtext[qlen++] = '=';
		if (!encode(qtext, &qlen, QUERY_MAX_LEN, json_string_value(v),
		            json_string_length(v)))
			return false;
	}
	if (query_parse(&q, qtext, qlen) != 0)
		return false;
	fr->query = &q;
	if ((v = json_object_get(m, "page")) != NULL)
		fr->page = (long)json_integer_value(v);
	if ((v = json_object_get(m, "credential")) != NULL)
		fr->credential = json_string_value(v);
	return body_for(json_object_get(m, "body"), fr);
}

/*
 * With probability 1, the first rule lets `after` matching requests through, then fires on
 * `times` of them (absent: every one); another rule may answer the ones it lets through.
 */
static void
check_first_rule_fires(struct fault_set *fs, json_t *rule, unsigned id)
{
	static char path[FUZZ_PATH_MAX], qtext[QUERY_MAX_LEN];
	struct fault_request fr;
	json_t *p = json_object_get(rule, "probability");
	json_t *t = json_object_get(rule, "times");
	long long after = json_integer_value(json_object_get(rule, "after"));
	long long times = json_is_integer(t) ? json_integer_value(t) : -1;

	if ((p != NULL && json_number_value(p) != 1.0) || after > 4 || times > 4 ||
	    !request_for(rule, &fr, path, qtext))
		return;
	for (long long i = 0; i < after + (times > 0 ? times : 2) + 1; i++) {
		int fired = fault_match(fs, &fr, &action);
		bool want = i >= after && (times < 0 || i < after + times);

		if (fired)
			check_action(&action);
		if (want != (fired && action.rule_id == id)) {
			char detail[256];

			snprintf(detail, sizeof(detail), "request %lld to %s %s: fired %d rule %u",
			         i, fr.method, fr.path, fired, fired ? action.rule_id : 0);
			fuzz_fail(want ? "the first rule does not fire for its own match"
			               : "the first rule fires past its after/times",
			          detail);
		}
	}
}

/* A handful of ordinary requests, to see every rule's action. */
static void
check_ordinary_requests(struct fault_set *fs)
{
	static const char *const queries[] = {"", "workspaceId=123",
	                                      "fromDateTime=2025-01-01T00:00:00Z&workspaceId=456"};
	static const char *const methods[] = {"GET", "POST", "HEAD"};
	static const char *const paths[] = {"/v2/calls", "/v2/calls/extensive", "/"};
	static const char *const creds[] = {NULL, "k", "key"};

	for (size_t i = 0; i < 6; i++) {
		struct fault_request fr = {.method = methods[i % 3],
		                           .path = paths[i / 2 % 3],
		                           .page = (long)(i % 3) - 1,
		                           .credential = creds[i % 3]};

		if (query_parse(&q, queries[i % 3], strlen(queries[i % 3])) == 0)
			fr.query = &q;
		if (fault_match(fs, &fr, &action))
			check_action(&action);
	}
}

static void
check_prefer(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	unsigned code;

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	{
		char why[512];
		int rc = prefer_parse(s, &code, why, sizeof(why));

		if ((rc == 1 && (code < 200 || code > 599)) || (rc != 1 && code != 0) ||
		    (rc == -1 && why[0] == '\0'))
			fuzz_fail("Prefer read wrong", s);
	}
	free(s);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char body[] =
	    "{\"requestId\": \"fuzz\", \"n\": [1, 2.5, 123456789012345678901234567890]}\n";
	FILE *f = fopen(FUZZ_BODY_FILE, "w");

	(void)argc;
	(void)argv;
	if (f != NULL) {
		fwrite(body, 1, sizeof(body) - 1, f);
		fclose(f);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fault_set *fs = fault_set_create(FUZZ_SEED), *again;
	unsigned ids[FUZZ_MAX_IDS];
	size_t nids = 99, n;
	char *list, *doc, *list2, *doc2;
	json_error_t e;
	json_t *root, *first;

	check_prefer(data, size);
	if (fs == NULL)
		abort();
	err[0] = '\0';
	if (fault_set_add_json(fs, (const char *)data, size, ids, FUZZ_MAX_IDS, &nids, err,
	                       sizeof(err)) != 0) {
		if (err[0] == '\0' || !terminated(err, sizeof(err)))
			fuzz_fail("refused without a message", NULL);
		if (fault_set_count(fs) != 0 || nids != 0)
			fuzz_fail("refused, but rules were added", err);
		fault_set_free(fs);
		return 0;
	}
	n = fault_set_count(fs);
	if (n > FAULT_MAX_RULES || nids != (n < FUZZ_MAX_IDS ? n : FUZZ_MAX_IDS))
		fuzz_fail("added count and ids disagree", NULL);
	for (size_t i = 0; i < nids; i++)
		if (ids[i] != i + 1)
			fuzz_fail("ids are not 1..n", NULL);

	/* The list can be posted back, and lists the same. */
	list = fault_set_list_json(fs);
	if (list == NULL)
		abort();
	doc = list_as_document(list, n);
	again = fault_set_create(FUZZ_SEED);
	if (again == NULL)
		abort();
	if (fault_set_add_json(again, doc, strlen(doc), NULL, 0, NULL, err, sizeof(err)) != 0)
		fuzz_fail("the list cannot be posted back", err);
	list2 = fault_set_list_json(again);
	if (list2 == NULL)
		abort();
	/*
	 * Compared as documents: a stub body's number listed with 15 digits may render shorter
	 * when posted back, so its bodyBytes may differ while everything the user wrote agrees.
	 */
	doc2 = list_as_document(list2, n);
	if (strcmp(doc, doc2) != 0)
		fuzz_fail("the list posted back lists differently", list2);
	free(doc2);
	free(list2);
	free(doc);
	free(list);
	fault_set_free(again);
	check_metrics(fs, n);

	/* The first rule, against a request made from its own match. */
	root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &e);
	if (root == NULL)
		fuzz_fail("taken, but not JSON", e.text);
	first = json_object_get(root, "rules") != NULL
	            ? json_array_get(json_object_get(root, "rules"), 0)
	            : root;
	if (first != NULL)
		check_first_rule_fires(fs, first, ids[0]);
	json_decref(root);
	check_ordinary_requests(fs);
	check_metrics(fs, n);

	fault_set_reset(fs);
	if (n > 0) {
		if (fault_set_remove(fs, 1) != 0 || fault_set_remove(fs, 1) != -1 ||
		    fault_set_count(fs) != n - 1)
			fuzz_fail("remove does not remove one rule", NULL);
	}
	fault_set_clear(fs);
	if (fault_set_count(fs) != 0)
		fuzz_fail("clear leaves rules", NULL);
	list = fault_set_list_json(fs);
	if (list == NULL || strcmp(list, "{\"rules\":[]}") != 0)
		fuzz_fail("an empty set lists something", list);
	free(list);
	fault_set_free(fs);
	return 0;
}
