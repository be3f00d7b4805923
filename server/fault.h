/*
 * fault.h - scripted faults and stubs: rules that answer matching requests with an error, a
 * JSON body of the user's, a delay or a broken connection instead of the normal answer.
 *
 * A rule is JSON:
 *   {"name": "page 2 flaps",
 *    "match": {"method": "GET", "path": "/v2/calls", "query": {"workspaceId": "123"},
 *              "page": 1, "credential": "k"},
 *    "respond": {"status": 429, "retryAfter": 2, "errors": ["API request limit exceeded"],
 *                "headers": {"X-Extra": "1"}, "delayMs": 0, "fault": null},
 *    "after": 2, "times": 3, "probability": 1.0}
 * A `match` may also ask about a JSON body, by dotted paths:
 *    "match": {"method": "POST", "path": "/v2/calls/transcript",
 *              "body": {"filter.workspaceId": "123", "filter.callIds": "7782342274025937895"}}
 * and a path segment that is exactly `*` stands for any one segment, so the path "/v2/calls/"
 * followed by `*` matches GET /v2/calls/{id} (and /v2/calls/extensive: name the method too).
 * A `respond` with a `body` (any JSON value) or a `bodyFile` (a file of JSON) is a stub: it
 * answers its status (200 when none is given) with those bytes, which is how operations
 * gongmock does not emulate are given an answer:
 *    "respond": {"status": 200, "bodyFile": "stubs/scorecards.json"}
 * Every field but `respond` is optional, and so is every field inside `match` and `respond`.
 * A rule lets `after` matching requests through, then fires on the next `times` ones (absent:
 * for ever), each with `probability` (default 1; drawn from a generator seeded with --seed, so
 * runs repeat). The first rule, in the order added, that fires answers.
 *
 * Rules that could never fire, or parts that would never be seen (a method no client sends, a
 * path outside Gong's API, errors without a status to carry them, a body on a 204), are
 * refused with the reason when they are added, like any other mistake.
 *
 * The set lives behind one mutex; every function is safe from any thread. When the set is
 * empty fault_match returns at once without taking the lock.
 */
#ifndef GONGMOCK_FAULT_H
#define GONGMOCK_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include "query.h"

#define FAULT_NAME_MAX 128
#define FAULT_MAX_ERRORS 8
#define FAULT_ERROR_MAX 256
#define FAULT_MAX_HEADERS 8
#define FAULT_MAX_RULES 1024
/* The largest stub body, inline or from a file: 8 MB, far past any page Gong sends. */
#define FAULT_BODY_MAX (8 * 1024 * 1024)

enum fault_kind {
	FAULT_NONE = 0,
	FAULT_RESET,    /* close the connection with no answer */
	FAULT_EMPTY,    /* send the headers, then close */
	FAULT_TRUNCATE, /* send half the body, then close */
	FAULT_SLOW      /* dribble the body over delayMs */
};

/*
 * What a request looks like to the rules. The body is read, not copied: it must stay valid
 * while fault_match runs, and is parsed only if a rule that asks about it is reached.
 */
struct fault_request {
	const char *method;
	const char *path;          /* normalised */
	const struct query *query; /* decoded parameters; NULL: none */
	long page;                 /* 0 without a cursor, else the cursor's page; -1 unknown */
	const char *credential;    /* access key or token; NULL when none */
	const char *body;          /* the request body as sent; NULL when none */
	size_t body_len;
};

/*
 * A stub's body: compact JSON rendered once when its rule was added (or a body file's bytes as
 * they were read), shared by the rule and every answer that sends it, and freed with the last
 * of them. Its bytes never change.
 */
struct fault_body;

/* What a firing rule asks for. */
struct fault_action {
	unsigned rule_id;
	char name[FAULT_NAME_MAX + 1]; /* the rule's name, or "rule-<id>" */
	unsigned status;               /* 0 or 200 without a body: the normal answer */
	unsigned retry_after;          /* Retry-After: retryAfter, else 1 for 429, else 0 */
	/*
	 * A stub's body, NULL for none: body_len bytes of JSON, to be sent as they are with
	 * `status` (Content-Type application/json unless the headers below set one). They belong
	 * to body_ref, a reference the action holds: whoever sends them hands body_ref to
	 * fault_body_release once the answer is gone (it fits struct response's release hook),
	 * and anyone else calls fault_action_release.
	 */
	const char *body;
	size_t body_len;
	struct fault_body *body_ref;
	size_t nerrors; /* 0: the status's default message */
	char errors[FAULT_MAX_ERRORS][FAULT_ERROR_MAX];
	size_t nheaders;
	char header_names[FAULT_MAX_HEADERS][64];
	char header_values[FAULT_MAX_HEADERS][256];
	unsigned delay_ms; /* drawn from [min, max] when a range was given */
	enum fault_kind kind;
};

struct fault_set;

/* An empty set whose probabilities draw from `seed`. NULL when out of memory. */
struct fault_set *fault_set_create(uint64_t seed);

/* fault_set_free(NULL) does nothing. */
void fault_set_free(struct fault_set *fs);

/* Number of rules, read without the lock (an atomic): 0 lets a caller skip building a
 * struct fault_request at all. */
size_t fault_set_count(const struct fault_set *fs);

/*
 * Adds one rule (a JSON object with `respond`) or several ({"rules":[...]}, optionally with a
 * "description" string), all or nothing. On success returns 0 and, when ids is not NULL,
 * writes the new rules' ids (at most max_ids); *nids, when nids is not NULL, gets the number
 * of rules added (at most max_ids when ids is not NULL). On failure returns -1 with a message
 * naming the rule and field, and adds none. In a {"rules":[...]} document a rule is
 * `rules[i]` and its fields `rules[i].respond.status`; a lone rule object is `rule` and its
 * fields start at the top (`respond.status`):
 *   rules[1].respond.status: must be an integer from 200 to 599
 *   rules[2]: unknown key "matchh"
 *   rule: "respond" is required
 *   respond.delayMs: must be an integer from 0 to 600000, or [min, max] with min <= max
 * Unknown keys are errors at every level. Given names must be unique in the set (they label
 * the metrics), and "rule-<digits>" is kept for unnamed rules.
 */
int fault_set_add_json(struct fault_set *fs, const char *json, size_t len, unsigned *ids,
                       size_t max_ids, size_t *nids, char *err, size_t errlen);

/*
 * The same from a scenario file; messages start with the file name. A relative `bodyFile` is
 * read from the scenario file's directory. Through fault_set_add_json (the control API) there
 * is no such directory, and a `bodyFile` must be an absolute path.
 */
int fault_set_load_file(struct fault_set *fs, const char *path, char *err, size_t errlen);

/* Removes rule `id`. Returns 0, or -1 when there is no such rule. */
int fault_set_remove(struct fault_set *fs, unsigned id);

/* Removes every rule. */
void fault_set_clear(struct fault_set *fs);

/* Zeroes every rule's counters and progress (after/times), and reseeds the generator. */
void fault_set_reset(struct fault_set *fs);

/*
 * The rules as JSON, a malloc'd NUL-terminated string (caller frees), NULL when out of memory:
 * {"rules":[{"id":1,"name":"…","match":{…},"respond":{…},"after":N,"times":N|null,
 *            "probability":P,"matched":N,"fired":N}, …]}
 * `match` and `respond` are as they were given. A stub also has "bodyBytes", the length of the
 * body it sends, and a body file "bodyPath", the absolute path that was read. Like id, matched
 * and fired, these are the set's to write: a rule posted back leaves them out.
 */
char *fault_set_list_json(struct fault_set *fs);

/*
 * Prometheus lines `gongmock_faults_fired_total{rule="NAME"} N`, one per rule, malloc'd
 * (caller frees); "" when there is no rule; NULL when out of memory.
 */
char *fault_set_metrics(struct fault_set *fs);

/*
 * Finds the first rule that fires for req, counts it (matched for every rule whose `match`
 * fits, fired for the one that fires) and fills *out. Returns 1 when a rule fired, else 0.
 * Rules are tried in order and the search stops at the one that fires, so a later rule
 * neither counts nor sees that request: its `after` counts the matching requests that reach
 * it. A rule lets `after` of those through, then fires while fired < `times`, each time
 * with `probability`; a draw that fails lets the request go on to the next rule.
 * Rules never apply to /__admin/... or /metrics: the caller does not ask for those.
 * The body is parsed as JSON at most once per call, and only when a rule with a `body`
 * matcher is reached with every other part of its `match` fitting.
 * When the rule is a stub, *out holds a reference to its body (see struct fault_action).
 */
int fault_match(struct fault_set *fs, const struct fault_request *req, struct fault_action *out);

/*
 * Whether the action is an answer of the rule's own (a body, or a status other than 200)
 * rather than the normal answer with the rule's delay or connection fault.
 */
int fault_action_answers(const struct fault_action *a);

/* Drops one reference to a stub body, freeing it with the last. NULL does nothing. Takes a
 * void * so that it can be a struct response's release hook. Safe from any thread. */
void fault_body_release(void *body);

/* Drops the action's reference to its body, if any, for a caller that does not send it. */
void fault_action_release(struct fault_action *a);

#endif
