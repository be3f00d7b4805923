/*
 * dataset.c - lifting the calls out of a cassette's answers.
 *
 * The cassette is read line by line; the calls of each list answer are collected in one JSON
 * array, with an object from id to place in it for deduplication, and the array is written
 * once at the end, each call in the extensive shape ({"metaData":{...}, blocks...,
 * "transcript"}). The 200 answers that hold calls count: GET /v2/calls, GET /v2/calls/{id},
 * POST /v2/calls/extensive (whose blocks are kept), and POST /v2/calls/transcript (whose
 * transcripts are joined to their calls). Whether the calls are valid calls is the store's
 * business, when it loads them.
 */
#include "dataset.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cassette.h"

struct dataset_ctx {
	json_t *calls;       /* the result, in order of first appearance: extensive-shaped */
	json_t *seen;        /* id -> index into calls */
	json_t *transcripts; /* id -> transcript, joined to the calls at the end */
	json_t *users;       /* id -> user, in order of first appearance */
	json_t *workspaces;  /* id -> workspace */
	size_t answers;
};

/* The users or workspaces of an answer, by id: a later copy replaces an earlier one. */
static int
dataset_company(json_t *into, const json_t *list)
{
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *o = json_array_get(list, i);
		const json_t *id = json_object_get(o, "id");

		if (!json_is_string(id))
			continue;
		if (json_object_setn(into, json_string_value(id), json_string_length(id),
		                     (json_t *)o) != 0)
			return -1;
	}
	return 0;
}

/* The record of call `id` (made when new, with an empty metaData). NULL when out of memory. */
static json_t *
dataset_record(struct dataset_ctx *dc, const json_t *id)
{
	json_t *at = json_object_getn(dc->seen, json_string_value(id), json_string_length(id));
	json_t *rec;

	if (at != NULL)
		return json_array_get(dc->calls, (size_t)json_integer_value(at));
	rec = json_object();
	if (rec == NULL ||
	    json_object_setn_new(dc->seen, json_string_value(id), json_string_length(id),
	                         json_integer((json_int_t)json_array_size(dc->calls))) != 0 ||
	    json_array_append_new(dc->calls, rec) != 0)
		return NULL;
	return rec;
}

/*
 * One call of an answer: its basic fields replace the record's, and each block it holds
 * replaces the record's (content, interaction and collaboration field by field, since an
 * answer holds only the fields its request asked for).
 */
static int
dataset_merge(struct dataset_ctx *dc, const json_t *meta, const json_t *extensive, size_t i,
              char *reason, size_t rlen)
{
	static const char *const whole[] = {"parties", "context"};
	static const char *const by_field[] = {"content", "interaction", "collaboration"};
	const json_t *id = json_object_get(meta, "id");
	json_t *rec;

	if (!json_is_string(id)) {
		snprintf(reason, rlen, "call %zu of an answer is not a call with a string \"id\"",
		         i);
		return -1;
	}
	if ((rec = dataset_record(dc, id)) == NULL ||
	    json_object_set(rec, "metaData", (json_t *)meta) != 0)
		goto oom;
	for (size_t k = 0; extensive != NULL && k < 2; k++) {
		json_t *v = json_object_get(extensive, whole[k]);

		if (v != NULL && json_object_set(rec, whole[k], v) != 0)
			goto oom;
	}
	for (size_t k = 0; extensive != NULL && k < 3; k++) {
		json_t *v = json_object_get(extensive, by_field[k]);
		json_t *have = json_object_get(rec, by_field[k]);

		if (!json_is_object(v))
			continue;
		if (have == NULL) {
			if (json_object_set_new(rec, by_field[k], json_deep_copy(v)) != 0)
				goto oom;
		} else if (json_object_update(have, v) != 0) {
			goto oom;
		}
	}
	return 0;
oom:
	snprintf(reason, rlen, "out of memory");
	return -1;
}

static int
dataset_line(void *ctx, const struct exchange_view *v, size_t line, char *reason, size_t rlen)
{
	struct dataset_ctx *dc = ctx;
	const json_t *list;
	size_t i;

	(void)line;
	if (v->status != 200)
		return 0;
	if (strncmp(v->path, "/v2/calls", 9) == 0 || strncmp(v->path, "/v2/users", 9) == 0 ||
	    strcmp(v->path, "/v2/workspaces") == 0) {
		/* Data cannot hold a NUL: say so here, where the line is known, rather than let
		 * the store refuse the text made from it. */
		char *t = json_dumps(v->body, JSON_COMPACT | JSON_ENCODE_ANY);
		int nul = t != NULL && strstr(t, "\\u0000") != NULL;

		free(t);
		if (nul) {
			snprintf(reason, rlen,
			         "the answer holds \\u0000 in a string, which fixture data cannot carry");
			return -1;
		}
	}
	if ((strcmp(v->method, "GET") == 0 && strcmp(v->path, "/v2/users") == 0) ||
	    (strcmp(v->method, "POST") == 0 && strcmp(v->path, "/v2/users/extensive") == 0)) {
		dc->answers++;
		if (dataset_company(dc->users, json_object_get(v->body, "users")) != 0)
			goto oom;
		return 0;
	}
	if (strcmp(v->method, "GET") == 0 && strncmp(v->path, "/v2/users/", 10) == 0) {
		const json_t *u = json_object_get(v->body, "user");
		json_t *one = json_array();

		dc->answers++;
		if (one == NULL ||
		    (json_is_object(u) && json_array_append(one, (json_t *)u) != 0) ||
		    dataset_company(dc->users, one) != 0) {
			json_decref(one);
			goto oom;
		}
		json_decref(one);
		return 0;
	}
	if (strcmp(v->method, "GET") == 0 && strcmp(v->path, "/v2/workspaces") == 0) {
		dc->answers++;
		if (dataset_company(dc->workspaces, json_object_get(v->body, "workspaces")) != 0)
			goto oom;
		return 0;
	}
	if (strcmp(v->method, "GET") == 0 && strcmp(v->path, "/v2/calls") == 0) {
		if (!json_is_array(list = json_object_get(v->body, "calls")))
			return 0;
		dc->answers++;
		for (i = 0; i < json_array_size(list); i++)
			if (dataset_merge(dc, json_array_get(list, i), NULL, i, reason, rlen) != 0)
				return -1;
		return 0;
	}
	if (strcmp(v->method, "GET") == 0 && strncmp(v->path, "/v2/calls/", 10) == 0) {
		const json_t *call = json_object_get(v->body, "call");

		if (!json_is_object(call))
			return 0;
		dc->answers++;
		return dataset_merge(dc, call, NULL, 0, reason, rlen);
	}
	if (strcmp(v->method, "POST") == 0 && strcmp(v->path, "/v2/calls/extensive") == 0) {
		if (!json_is_array(list = json_object_get(v->body, "calls")))
			return 0;
		dc->answers++;
		for (i = 0; i < json_array_size(list); i++) {
			const json_t *call = json_array_get(list, i);

			if (dataset_merge(dc, json_object_get(call, "metaData"), call, i, reason,
			                  rlen) != 0)
				return -1;
		}
		return 0;
	}
	if (strcmp(v->method, "POST") == 0 && strcmp(v->path, "/v2/calls/transcript") == 0) {
		if (!json_is_array(list = json_object_get(v->body, "callTranscripts")))
			return 0;
		for (i = 0; i < json_array_size(list); i++) {
			const json_t *t = json_array_get(list, i);
			const json_t *id = json_object_get(t, "callId");
			json_t *tr = json_object_get(t, "transcript");

			if (!json_is_string(id) || tr == NULL)
				continue;
			if (json_object_setn(dc->transcripts, json_string_value(id),
			                     json_string_length(id), tr) != 0)
				goto oom;
		}
	}
	return 0;
oom:
	snprintf(reason, rlen, "out of memory");
	return -1;
}

/* The company record that opens the dataset ({"users":[...],"workspaces":[...]}), when the
 * cassette holds either; 0 when it holds neither, -1 when out of memory. */
static int
dataset_company_record(struct dataset_ctx *dc)
{
	const char *key;
	json_t *v, *rec, *users, *ws;

	if (json_object_size(dc->users) == 0 && json_object_size(dc->workspaces) == 0)
		return 0;
	rec = json_object();
	users = json_array();
	ws = json_array();
	if (rec == NULL || users == NULL || ws == NULL)
		goto oom;
	json_object_foreach(dc->users, key, v) if (json_array_append(users, v) != 0) goto oom;
	json_object_foreach(dc->workspaces, key, v) if (json_array_append(ws, v) != 0) goto oom;
	if ((json_array_size(users) > 0 && json_object_set(rec, "users", users) != 0) ||
	    (json_array_size(ws) > 0 && json_object_set(rec, "workspaces", ws) != 0) ||
	    json_array_insert_new(dc->calls, 0, rec) != 0) {
		rec = NULL;
		goto oom;
	}
	json_decref(users);
	json_decref(ws);
	return 0;
oom:
	json_decref(rec);
	json_decref(users);
	json_decref(ws);
	return -1;
}

/* Joins each transcript to its call; a transcript of a call no answer listed is dropped, and
 * counted. Returns the number dropped, or -1 when out of memory. */
static long
dataset_join(struct dataset_ctx *dc)
{
	const char *id;
	json_t *tr;
	long dropped = 0;

	json_object_foreach(dc->transcripts, id, tr)
	{
		json_t *at = json_object_get(dc->seen, id);

		if (at == NULL) {
			dropped++;
			continue;
		}
		if (json_object_set(json_array_get(dc->calls, (size_t)json_integer_value(at)),
		                    "transcript", tr) != 0)
			return -1;
	}
	return dropped;
}

/*
 * A call seen again replaces the earlier copy in its first place: the dataset takes the
 * newest data, and the order of the calls is that of their first appearance.
 */
char *
dataset_from_cassette(const char *path, size_t *len, char *warn, size_t warnlen, char *err,
                      size_t errlen)
{
	struct dataset_ctx dc = {json_array(),  json_object(), json_object(),
	                         json_object(), json_object(), 0};
	long dropped;
	char *text = NULL;

	snprintf(warn, warnlen, "%s", "");
	if (path == NULL || len == NULL) {
		snprintf(err, errlen, "no cassette file given");
		goto out;
	}
	if (dc.calls == NULL || dc.seen == NULL || dc.transcripts == NULL || dc.users == NULL ||
	    dc.workspaces == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (cassette_read(path, dataset_line, &dc, warn, warnlen, err, errlen) < 0)
		goto out;
	/*
	 * A cassette without a single list answer would load as an empty dataset and every
	 * request would then get 404: better to say so at start-up.
	 */
	if (dc.answers == 0) {
		snprintf(err, errlen,
		         "%s: holds no 200 answer with calls (GET /v2/calls, GET /v2/calls/{id}, "
		         "POST /v2/calls/extensive), users or workspaces",
		         path);
		goto out;
	}
	if ((dropped = dataset_join(&dc)) < 0 || dataset_company_record(&dc) != 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (dropped > 0 && warnlen > 0 && warn[0] == '\0')
		snprintf(
		    warn, warnlen,
		    "%ld transcript(s) of calls that no answer in the cassette lists were left "
		    "out",
		    dropped);
	text = json_dumps(dc.calls, EXCHANGE_JSON_DUMP);
	if (text == NULL)
		snprintf(err, errlen, "%s: out of memory", path);
	else
		*len = strlen(text);
out:
	json_decref(dc.calls);
	json_decref(dc.seen);
	json_decref(dc.transcripts);
	json_decref(dc.users);
	json_decref(dc.workspaces);
	return text;
}
