/*
 * rule.h - one fault rule: reading it from JSON, checking every field, and whether a request
 * fits its `match`.
 *
 * A rule is parsed once, when it is added, into plain C fields (the normalised path, the
 * instants of date parameters, the status, the delay range), so matching a request only
 * compares strings and numbers; a request's JSON body is parsed only when a rule that asks
 * about it is reached, and then once for all such rules (struct rule_body). The JSON of
 * `match` and `respond` is kept as it was given, so a listing shows users exactly what they
 * posted. A stub's body is rendered to compact JSON, or read from its file, once, here, and
 * every answer sends those same bytes. The set of rules, their counters and the decision to fire
 * are fault.h's; a rule on its own is plain data, owned by whoever holds it.
 */
#ifndef GONGMOCK_RULE_H
#define GONGMOCK_RULE_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fault.h"

/* The longest delay a rule may ask for: ten minutes, past any client's sensible timeout. */
#define RULE_DELAY_MAX 600000
/* Gong's daily limit resets at midnight UTC, so no honest Retry-After is longer than a day. */
#define RULE_RETRY_AFTER_MAX 86400
#define RULE_HEADER_NAME_MAX 63
#define RULE_HEADER_VALUE_MAX 255
/* Room for "rules[1023]" and the like. */
#define RULE_WHERE_MAX 32

/*
 * A stub's body (fault.h keeps the type opaque). A rule holds one reference and each answer
 * in flight one more, taken under the set's lock by fault_match and dropped by
 * fault_body_release from any thread, so removing a rule never pulls the bytes from under an
 * answer that is still being sent.
 */
struct fault_body {
	atomic_size_t refs;
	size_t len;
	char text[]; /* len bytes, then a NUL */
};

/* One parameter a rule asks for; name and value point into the rule's kept `match` JSON. */
struct rule_param {
	const char *name;
	const char *value;
	size_t value_len;
	bool is_date; /* fromDateTime and toDateTime compare as instants */
	int64_t instant;
};

/*
 * One value a rule asks of the request's JSON body: the value at a dotted path ("filter.callIds"
 * walks key "filter", then key "callIds"). Both point into the rule's kept `match` JSON; value
 * is a string or a number.
 */
struct rule_body_param {
	const char *path;
	json_t *value;
};

struct rule {
	unsigned id;
	char name[FAULT_NAME_MAX + 1];
	bool named; /* the name was given, rather than made from the id */

	/* match: a NULL pointer or negative page means "any" */
	const char *method; /* upper case, a static string */
	char *path;         /* normalised, owned */
	bool path_wild;     /* some segment of path is `*`, which stands for any one segment */
	struct rule_param *params;
	size_t nparams;
	struct rule_body_param *body; /* owned array; the request body must hold every one */
	size_t nbody;
	long long page;
	const char *credential;

	/* respond */
	unsigned status;
	unsigned retry_after;
	size_t nerrors;
	char errors[FAULT_MAX_ERRORS][FAULT_ERROR_MAX];
	size_t nheaders;
	char header_names[FAULT_MAX_HEADERS][RULE_HEADER_NAME_MAX + 1];
	char header_values[FAULT_MAX_HEADERS][RULE_HEADER_VALUE_MAX + 1];
	unsigned delay_min, delay_max;
	enum fault_kind kind;
	struct fault_body *stub; /* respond.body or respond.bodyFile; NULL: none */
	char *stub_path;         /* the body file read, absolute; NULL for none or inline */

	uint64_t after;
	uint64_t times;
	bool limited; /* false: `times` absent or null, fire for ever */
	double probability;

	uint64_t matched;
	uint64_t fired;

	json_t *match_json; /* as given; NULL when absent */
	json_t *respond_json;
};

/* A batch of parsed rules not yet in the set. */
struct rule_batch {
	struct rule **rules;
	size_t n;
	bool doc; /* from {"rules":[...]}: messages name rules[i] */
};

/*
 * Parses a document: a lone rule (an object without "rules") or {"rules":[...]} with an
 * optional "description", into b (whose rules the caller then owns, or frees with
 * rule_batch_free). Given names must differ from each other. A relative `bodyFile` is read
 * from the directory `dir`; with dir NULL (rules from the control API) it is refused. Returns
 * 0, or -1 with a message naming the rule and field (see fault_set_add_json) and b empty.
 */
int rule_batch_parse(struct rule_batch *b, json_t *root, const char *dir, char *err, size_t errlen);

/* Frees the batch's rules; b is empty afterwards. */
void rule_batch_free(struct rule_batch *b);

/* Frees one rule. rule_free(NULL) does nothing. */
void rule_free(struct rule *r);

/* The rule as the control API lists it (id, name, match, respond, counters, and for a stub
 * bodyBytes and bodyPath); NULL when out of memory. The caller owns the reference. */
json_t *rule_json(const struct rule *r);

/*
 * A request's body as the rules see it: parsed as JSON the first time a rule asks about it,
 * and kept for the rules after. One per request, on the caller's stack; not shared between
 * threads. The text is read, not copied, and must outlive the struct.
 */
struct rule_body {
	const char *text; /* NULL when the request has none */
	size_t len;
	bool parsed; /* a parse was tried (whatever its outcome) */
	json_t *doc; /* the parsed body; NULL until parsed, or when it is not a JSON object or
	              * array */
};

/* Sets b up for a body of len bytes at text (NULL: none), unparsed. */
void rule_body_init(struct rule_body *b, const char *text, size_t len);

/* Drops the parsed body, if any. */
void rule_body_free(struct rule_body *b);

/*
 * Whether req fits the rule's `match` (method, path, page, credential, parameters, body).
 * The body is looked at last, and only when the rule has a `body` matcher and everything else
 * fits; then body is parsed, unless an earlier call already did. A body that is not JSON, or
 * lacks a path the rule names, does not fit.
 */
bool rule_fits(const struct rule *r, const struct fault_request *req, struct rule_body *body);

#endif
