/*
 * dataset.c - lifting the calls out of a cassette's answers.
 *
 * The cassette is read line by line; the calls of each list answer are collected in one JSON
 * array, with an object from id to place in it for deduplication, and the array is written
 * once at the end. Only answers a client could page through count: 200s to GET /v2/calls.
 * Whether the calls are valid calls is the store's business, when it loads them.
 */
#include "dataset.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cassette.h"

struct dataset_ctx {
	json_t *calls; /* the result, in order of first appearance */
	json_t *seen;  /* id -> index into calls */
	size_t answers;
};

static int
dataset_line(void *ctx, const struct exchange_view *v, size_t line, char *reason, size_t rlen)
{
	struct dataset_ctx *dc = ctx;
	json_t *calls, *call;
	size_t i;

	(void)line;
	if (strcmp(v->method, "GET") != 0 || strcmp(v->path, "/v2/calls") != 0 || v->status != 200)
		return 0;
	calls = json_object_get(v->body, "calls");
	if (!json_is_array(calls))
		return 0;
	dc->answers++;
	json_array_foreach(calls, i, call)
	{
		json_t *id = json_object_get(call, "id");
		json_t *at;

		if (!json_is_string(id)) {
			snprintf(
			    reason, rlen,
			    "\"response.body.calls\" item %zu is not a call with a string \"id\"",
			    i);
			return -1;
		}
		at = json_object_getn(dc->seen, json_string_value(id), json_string_length(id));
		if (at != NULL) {
			if (json_array_set(dc->calls, (size_t)json_integer_value(at), call) != 0)
				goto oom;
			continue;
		}
		if (json_object_setn_new(dc->seen, json_string_value(id), json_string_length(id),
		                         json_integer((json_int_t)json_array_size(dc->calls))) !=
		        0 ||
		    json_array_append(dc->calls, call) != 0)
			goto oom;
	}
	return 0;
oom:
	snprintf(reason, rlen, "out of memory");
	return -1;
}

/*
 * A call seen again replaces the earlier copy in its first place: the dataset takes the
 * newest data, and the order of the calls is that of their first appearance.
 */
char *
dataset_from_cassette(const char *path, size_t *len, char *warn, size_t warnlen, char *err,
                      size_t errlen)
{
	struct dataset_ctx dc = {json_array(), json_object(), 0};
	char *text = NULL;

	snprintf(warn, warnlen, "%s", "");
	if (path == NULL || len == NULL) {
		snprintf(err, errlen, "no cassette file given");
		goto out;
	}
	if (dc.calls == NULL || dc.seen == NULL) {
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
		snprintf(err, errlen, "%s: holds no 200 answer to GET /v2/calls with a calls array",
		         path);
		goto out;
	}
	text = json_dumps(dc.calls, EXCHANGE_JSON_DUMP);
	if (text == NULL)
		snprintf(err, errlen, "%s: out of memory", path);
	else
		*len = strlen(text);
out:
	json_decref(dc.calls);
	json_decref(dc.seen);
	return text;
}
