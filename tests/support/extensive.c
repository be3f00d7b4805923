/*
 * extensive.c - a dataset of calls in the extensive shape, with every number known from the
 * index of the call. The text is written with snprintf from fixed templates, so a test that
 * compares what the server answers with extensive_blocks compares it with data the server
 * never touched.
 */
#include "extensive.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The host's user id as the blocks carry it: the call's primaryUserId, or a user of its own
 * when the call has none. */
static const char *
extensive_host(const struct extensive_call *c)
{
	return c->user[0] != '\0' ? c->user : "99";
}

void
extensive_started(const struct extensive_call *c, char out[32])
{
	snprintf(out, 32, "2025-01-01T%02d:%02d:00Z", c->minute / 60, c->minute % 60);
}

static char *extensive_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
extensive_print(const char *fmt, ...)
{
	va_list ap;
	char *out;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	out = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(out);
	va_start(ap, fmt);
	vsnprintf(out, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return out;
}

/* The blocks of a call with blocks, as the members that follow metaData (no braces). */
static char *
extensive_blocks_text(const struct extensive_call *c)
{
	const char *id = c->id, *host = extensive_host(c);

	return extensive_print(
	    "\"parties\":["
	    "{\"id\":\"1%s\",\"emailAddress\":\"ann.%s@gong.example\",\"name\":\"Ann %s\","
	    "\"title\":\"AE\",\"userId\":\"%s\",\"speakerId\":\"sp1-%s\",\"context\":[],"
	    "\"affiliation\":\"Internal\",\"phoneNumber\":null,\"methods\":[\"Invitee\","
	    "\"Attendee\"]},"
	    "{\"id\":\"2%s\",\"emailAddress\":\"bob.%s@customer.example\",\"name\":\"Bob %s\","
	    "\"title\":null,\"speakerId\":\"sp2-%s\",\"context\":[{\"system\":\"Salesforce\","
	    "\"objects\":[{\"objectType\":\"Contact\",\"objectId\":\"C-%s\"}]}],"
	    "\"affiliation\":\"External\",\"phoneNumber\":\"+1 415-555-0100\","
	    "\"methods\":[\"Attendee\"]},"
	    "{\"id\":\"3%s\",\"emailAddress\":null,\"name\":\"Carol %s\",\"affiliation\":"
	    "\"Unknown\",\"methods\":[\"Invitee\"]}],"
	    "\"content\":{"
	    "\"structure\":[{\"name\":\"Intro\",\"duration\":4},{\"name\":\"Pricing\","
	    "\"duration\":11}],"
	    "\"topics\":[{\"name\":\"Pricing\",\"duration\":11}],"
	    "\"trackers\":[{\"id\":\"T1\",\"name\":\"Pricing\",\"count\":1,\"type\":\"KEYWORD\","
	    "\"occurrences\":[{\"startTime\":9.2,\"speakerId\":\"sp1-%s\"}],\"phrases\":[{"
	    "\"count\":1,\"occurrences\":[{\"startTime\":9.2,\"speakerId\":\"sp1-%s\"}],"
	    "\"phrase\":\"costs\"}]},{\"id\":\"T2\",\"name\":\"Competitors\",\"count\":0,"
	    "\"type\":\"SMART\",\"occurrences\":[],\"phrases\":[]}],"
	    "\"pointsOfInterest\":{\"actionItems\":[{\"snippetStartTime\":9,"
	    "\"snippetEndTime\":15,\"speakerID\":\"sp1-%s\",\"snippet\":\"Send the quote\"}]},"
	    "\"brief\":\"Brief of call %s.\","
	    "\"outline\":[{\"section\":\"Intro\",\"startTime\":0,\"duration\":4,\"items\":[{"
	    "\"text\":\"Greetings\",\"startTime\":0}]}],"
	    "\"highlights\":[{\"title\":\"Next steps\",\"items\":[{\"text\":\"Quote for %s\","
	    "\"startTimes\":[9.2]}]}],"
	    "\"callOutcome\":{\"id\":\"O1\",\"category\":\"Answered\",\"name\":\"Interested\"},"
	    "\"keyPoints\":[{\"text\":\"Key point of %s\"}]},"
	    "\"interaction\":{"
	    "\"speakers\":[{\"id\":\"sp1-%s\",\"userId\":\"%s\",\"talkTime\":9.9},{\"id\":"
	    "\"sp2-%s\",\"userId\":null,\"talkTime\":5}],"
	    "\"interactionStats\":[{\"name\":\"Interactivity\",\"value\":3.5},{\"name\":"
	    "\"Longest Monologue\",\"value\":6}],"
	    "\"video\":[{\"name\":\"Presentation\",\"duration\":12},{\"name\":\"Browser\","
	    "\"duration\":3}],"
	    "\"questions\":{\"companyCount\":1,\"nonCompanyCount\":0}},"
	    "\"collaboration\":{\"publicComments\":[{\"id\":\"PC-%s\",\"audioStartTime\":9,"
	    "\"audioEndTime\":15,\"commenterUserId\":\"%s\",\"comment\":\"Good call %s\","
	    "\"posted\":\"2025-01-02T00:00:00Z\",\"inReplyTo\":null,\"duringCall\":false}]},"
	    "\"context\":["
	    "{\"system\":\"Salesforce\",\"objects\":["
	    "{\"objectType\":\"Account\",\"objectId\":\"A-%s\",\"timing\":\"Now\",\"fields\":[{"
	    "\"name\":\"Name\",\"value\":\"Acme %s\"}]},"
	    "{\"objectType\":\"Account\",\"objectId\":\"A-%s\",\"timing\":\"TimeOfCall\","
	    "\"fields\":[{\"name\":\"Name\",\"value\":\"Acme %s (old)\"}]},"
	    "{\"objectType\":\"Opportunity\",\"objectId\":\"O-%s\",\"fields\":[{\"name\":"
	    "\"Amount\",\"value\":5000}]}]},"
	    "{\"system\":\"HubSpot\",\"objects\":[{\"objectType\":\"Deal\",\"objectId\":\"D-%s\","
	    "\"timing\":\"TimeOfCall\",\"fields\":[]}]},"
	    "{\"system\":\"Generic\",\"objects\":[]}],"
	    "\"transcript\":["
	    "{\"speakerId\":\"sp1-%s\",\"topic\":\"Intro\",\"sentences\":[{\"start\":0,\"end\":"
	    "1500,"
	    "\"text\":\"Hello from %s.\"},{\"start\":1600,\"end\":4000,\"text\":\"Shall we "
	    "start?\"}]},"
	    "{\"speakerId\":\"sp2-%s\",\"topic\":null,\"sentences\":[{\"start\":4100,\"end\":9100,"
	    "\"text\":\"Yes, about pricing for %s.\"}]},"
	    "{\"speakerId\":\"sp1-%s\",\"topic\":\"Pricing\",\"sentences\":[{\"start\":9200,"
	    "\"end\":15200,\"text\":\"Our plan costs less.\"}]}]",
	    /* parties */
	    id, id, id, host, id, id, id, id, id, id, id, id,
	    /* content */
	    id, id, id, id, id, id,
	    /* interaction */
	    id, host, id,
	    /* collaboration */
	    id, host, id,
	    /* context */
	    id, id, id, id, id, id,
	    /* transcript */
	    id, id, id, id, id);
}

char *
extensive_call_text(const struct extensive_call *c)
{
	char started[32], user[16];
	char *meta, *blocks, *out;

	extensive_started(c, started);
	if (c->user[0] != '\0')
		snprintf(user, sizeof(user), "\"%s\"", c->user);
	else
		snprintf(user, sizeof(user), "null");
	meta = extensive_print("\"id\":\"%s\",\"title\":\"Call %s\",\"started\":\"%s\","
	                       "\"duration\":%d,\"primaryUserId\":%s,\"direction\":\"Outbound\","
	                       "\"scope\":\"External\",\"media\":\"%s\",\"language\":\"eng\","
	                       "\"workspaceId\":\"%s\"",
	                       c->id, c->id, started, EXTENSIVE_DURATION, user,
	                       c->video ? "Video" : "Audio", c->workspace);
	if (!c->blocks) {
		out = extensive_print("{%s}", meta);
		free(meta);
		return out;
	}
	blocks = extensive_blocks_text(c);
	out = extensive_print("{\"metaData\":{%s},%s}", meta, blocks);
	free(meta);
	free(blocks);
	return out;
}

json_t *
extensive_blocks(const struct extensive_call *c)
{
	char *b = extensive_blocks_text(c), *text = extensive_print("{%s}", b);
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	ck_assert_msg(j != NULL, "extensive_blocks: %s", e.text);
	free(b);
	free(text);
	return j;
}

char *
extensive_dataset(size_t n, struct extensive_call *calls)
{
	size_t cap = 1024, len = 0;
	char *out = malloc(cap);

	ck_assert_ptr_nonnull(out);
	ck_assert_msg(n == 0 || n % 37 != 0, "n must not be a multiple of 37");
	out[len++] = '[';
	for (size_t i = 0; i < n; i++) {
		struct extensive_call *c = &calls[i];
		char *text;
		size_t tl;

		memset(c, 0, sizeof(*c));
		snprintf(c->id, sizeof(c->id), "%llu", 9999999000ULL + 7ULL * i);
		c->minute = (int)((i * 37 % n) / 2);
		c->workspace[0] = (char)('7' + i % 3);
		if (i % 11 != 0)
			snprintf(c->user, sizeof(c->user), "1%zu", i % 5);
		c->video = i % 4 == 0;
		c->blocks = i % 6 != 0;
		text = extensive_call_text(c);
		tl = strlen(text);
		while (len + tl + 4 > cap) {
			cap *= 2;
			out = realloc(out, cap);
			ck_assert_ptr_nonnull(out);
		}
		if (i > 0)
			out[len++] = ',';
		out[len++] = '\n';
		memcpy(out + len, text, tl);
		len += tl;
		free(text);
	}
	out[len++] = '\n';
	out[len++] = ']';
	out[len] = '\0';
	return out;
}

int
extensive_id_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

static const struct extensive_call *extensive_sorting;

static int
extensive_order_cmp(const void *pa, const void *pb)
{
	const struct extensive_call *a = &extensive_sorting[*(const size_t *)pa];
	const struct extensive_call *b = &extensive_sorting[*(const size_t *)pb];

	if (a->minute != b->minute)
		return a->minute < b->minute ? -1 : 1;
	return extensive_id_cmp(a->id, b->id);
}

void
extensive_order(const struct extensive_call *calls, size_t n, size_t *order)
{
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	extensive_sorting = calls;
	qsort(order, n, sizeof(*order), extensive_order_cmp);
	extensive_sorting = NULL;
}
