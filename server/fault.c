/*
 * fault.c - scripted faults: the set of rules, and deciding for each request whether a rule
 * answers it instead of the normal handler. Reading a rule from JSON is rule.c's.
 *
 * A rule is parsed once, when it is added, into plain C fields (the normalised path, the
 * instants of date parameters, the status, the delay range), so matching a request only
 * compares strings and numbers. The JSON of `match` and `respond` is kept as it was given,
 * so the list shows users exactly what they posted. This module only decides; it does not
 * build error bodies, sleep, or touch a connection: the caller reads struct fault_action and
 * does that. A stub's body is the one thing an action lends rather than copies: the bytes
 * stay the rule's, counted by reference, so a large body goes out from one place however
 * many answers send it at once. It knows nothing of HTTP libraries.
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
#include "journal.h"
#include "jsonw.h"
#include "request.h"
#include "rule.h"
#include "rng.h"

/*
 * action_fill copies a rule's arrays into struct fault_action whole, and the header spells the
 * action's sizes as numbers; a change on one side only must not compile.
 */
_Static_assert(sizeof(((struct fault_action *)0)->header_names[0]) == RULE_HEADER_NAME_MAX + 1,
               "header name sizes differ");
_Static_assert(sizeof(((struct fault_action *)0)->header_values[0]) == RULE_HEADER_VALUE_MAX + 1,
               "header value sizes differ");

struct fault_set {
	pthread_mutex_t lock;
	/*
	 * Written only under the lock, read without it by fault_match: a server without rules
	 * pays one atomic load per request and never contends on the mutex.
	 */
	atomic_size_t count;
	struct rule **rules;
	size_t cap;
	unsigned next_id;
	uint64_t seed;
	/*
	 * The state of the rng.h generator behind probabilities and delays. It is one word, so
	 * setting it back to `seed` replays the same sequence exactly, which is what makes a run
	 * with --seed repeat.
	 */
	uint64_t prng;
};

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
static const struct rule *
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
set_take(struct fault_set *fs, struct rule_batch *b, unsigned *ids, size_t max_ids, size_t *nids,
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
		const struct rule *dup;

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
		struct rule **grown;

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
		struct rule *r = b->rules[i];

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
add_root(struct fault_set *fs, json_t *root, const char *dir, unsigned *ids, size_t max_ids,
         size_t *nids, char *err, size_t errlen)
{
	struct rule_batch b;

	if (nids != NULL)
		*nids = 0;
	if (rule_batch_parse(&b, root, dir, err, errlen) != 0)
		return -1;
	if (set_take(fs, &b, ids, max_ids, nids, err, errlen) != 0) {
		rule_batch_free(&b);
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
	/* No directory: the control API's caller and the server need not share one. */
	rc = add_root(fs, root, NULL, ids, max_ids, nids, err, errlen);
	json_decref(root);
	return rc;
}

int
fault_set_load_file(struct fault_set *fs, const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root;
	char msg[512], *dir, *slash;
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
	/* Body files are named relative to the scenario, so a scenario and its stubs move
	 * together. */
	if ((dir = strdup(path)) == NULL) {
		json_decref(root);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else
		slash[slash == dir ? 1 : 0] = '\0';
	rc = add_root(fs, root, dir, NULL, 0, NULL, msg, sizeof(msg));
	free(dir);
	json_decref(root);
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", path, msg);
	return rc;
}

int
fault_set_remove(struct fault_set *fs, unsigned id)
{
	struct rule *gone = NULL;
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
	struct rule **rules;
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
	struct jsonw b = {0};
	size_t i, n;

	pthread_mutex_lock(&fs->lock);
	n = atomic_load_explicit(&fs->count, memory_order_relaxed);
	for (i = 0; i < n; i++) {
		const struct rule *r = fs->rules[i];

		JSONW_LIT(&b, "gongmock_faults_fired_total{rule=\"");
		journal_escape_label(&b, r->name, strlen(r->name));
		JSONW_LIT(&b, "\"} ");
		jsonw_uint(&b, r->fired);
		jsonw_char(&b, '\n');
	}
	pthread_mutex_unlock(&fs->lock);
	return jsonw_finish(&b, NULL);
}

/* ---------------------------------------------------------------- matching */

/* Under the lock: whether a rule that fits this request fires, counting it either way. */
static bool
rule_fires(struct fault_set *fs, struct rule *r)
{
	r->matched++;
	if (r->matched <= r->after)
		return false;
	if (r->limited && r->fired >= r->times)
		return false;
	/* Certain outcomes draw nothing, so adding such a rule leaves other rules' luck alone. */
	if (r->probability <= 0.0)
		return false;
	if (r->probability < 1.0 && rng_unit(&fs->prng) >= r->probability)
		return false;
	r->fired++;
	return true;
}

static void
action_fill(struct fault_set *fs, const struct rule *r, struct fault_action *out)
{
	size_t i;

	memset(out, 0, offsetof(struct fault_action, errors));
	out->rule_id = r->id;
	memcpy(out->name, r->name, sizeof(out->name));
	out->status = r->status;
	out->retry_after = r->retry_after;
	if (r->stub != NULL) {
		/* The answer's own reference: the rule may be removed before the body is sent. */
		atomic_fetch_add_explicit(&r->stub->refs, 1, memory_order_relaxed);
		out->body = r->stub->text;
		out->body_len = r->stub->len;
		out->body_ref = r->stub;
	}
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
		    (unsigned)rng_below(&fs->prng, (uint64_t)r->delay_max - r->delay_min + 1);
	out->kind = r->kind;
}

int
fault_match(struct fault_set *fs, const struct fault_request *req, struct fault_action *out)
{
	struct rule_body body;
	size_t i, n;
	int fired = 0;

	if (atomic_load_explicit(&fs->count, memory_order_acquire) == 0)
		return 0;
	/*
	 * The body is parsed under the lock, when the first rule that asks about it is reached:
	 * which rule that is depends on the set, which only the lock holds still. Gong's request
	 * bodies are a few hundred bytes (and the HTTP layer caps them), and a set without body
	 * rules never parses at all.
	 */
	rule_body_init(&body, req->body, req->body_len);
	pthread_mutex_lock(&fs->lock);
	n = atomic_load_explicit(&fs->count, memory_order_relaxed);
	for (i = 0; i < n; i++) {
		struct rule *r = fs->rules[i];

		if (rule_fits(r, req, &body) && rule_fires(fs, r)) {
			action_fill(fs, r, out);
			fired = 1;
			break;
		}
	}
	pthread_mutex_unlock(&fs->lock);
	/* The parsed body is this request's alone, so it is dropped outside the lock. */
	rule_body_free(&body);
	return fired;
}

void
fault_body_release(void *body)
{
	struct fault_body *b = body;

	/* The release that takes the count to zero is the last holder: no one else can see b. */
	if (b != NULL && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
		free(b);
}

int
fault_action_answers(const struct fault_action *a)
{
	return a->body != NULL || (a->status != 0 && a->status != 200);
}

void
fault_action_release(struct fault_action *a)
{
	fault_body_release(a->body_ref);
	a->body_ref = NULL;
	a->body = NULL;
	a->body_len = 0;
}
