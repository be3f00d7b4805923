/*
 * log.c - the access log and server messages, on stderr.
 *
 * A line is formatted into a stack buffer and written with a single write(2): POSIX keeps
 * writes to the same file from interleaving within a line of this size, so worker threads log
 * without a lock. The query is logged as received (it holds dates, ids and cursors, never a
 * credential); the Authorization header never reaches this module.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "isotime.h"
#include "jsonw.h"

#define LOG_LINE_MAX 4096

static enum log_format log_fmt = LOG_TEXT;
static enum log_level log_min = LOG_LEVEL_ACCESS; /* the last level written */

void
log_setup_level(enum log_format format, enum log_level level)
{
	log_fmt = format;
	log_min = level;
}

void
log_setup(enum log_format format, int quiet)
{
	log_fmt = format;
	log_min = quiet ? LOG_LEVEL_WARNING : LOG_LEVEL_ACCESS;
}

int64_t
log_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
log_write(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, buf, len);

		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/*
 * Copies s (at most len bytes) as the inside of a JSON string, within cap, whole characters
 * only. Bytes that are not UTF-8 become '?' and DEL is escaped, so every line stays valid
 * JSON whatever a client sent.
 */
static size_t
log_json_str(char *out, size_t cap, const char *s, size_t len)
{
	return jsonw_escape_to(out, cap, s, len, JSONW_CLEAN);
}

/* Room left in a line of LOG_LINE_MAX when `n` bytes are used and `reserve` are kept back:
 * never negative, so a long path cannot turn the next cap into a huge number. */
static size_t
log_room(size_t n, size_t reserve)
{
	return n + reserve < LOG_LINE_MAX ? LOG_LINE_MAX - reserve - n : 0;
}

/* Copies s for the text format: control bytes become '?', so a query cannot forge a line. */
static size_t
log_text_str(char *out, size_t cap, const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 1 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		out[n++] = (c < 0x20 || c == 0x7f || c == ' ') ? '?' : (char)c;
	}
	return n;
}

/* Writes `ms` as YYYY-MM-DDTHH:MM:SS.mmmZ: always three decimals, so columns line up. */
static void
log_time(int64_t ms, char *out, size_t outlen)
{
	int64_t s = ms / 1000, frac = ms % 1000;
	size_t n;

	if (frac < 0) {
		frac += 1000;
		s--;
	}
	n = isotime_format(s * 1000000, out, outlen);
	if (n == 0 || n + 4 >= outlen) {
		snprintf(out, outlen, "-");
		return;
	}
	snprintf(out + n - 1, outlen - n + 1, ".%03dZ", (int)frac);
}

/* Copies the extra text: spaces are its separators, but line breaks must not pass. */
static size_t
log_extra_str(char *out, size_t cap, const char *s)
{
	size_t n = 0;

	for (; *s != '\0' && n + 1 < cap; s++)
		out[n++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	return n;
}

static size_t log_append(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static size_t
log_append(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (n >= LOG_LINE_MAX - 1)
		return n;
	va_start(ap, fmt);
	w = vsnprintf(buf + n, log_room(n, 1), fmt, ap);
	va_end(ap);
	if (w < 0)
		return n;
	n += (size_t)w;
	return n < LOG_LINE_MAX - 1 ? n : LOG_LINE_MAX - 2;
}

void
log_access(const struct log_access *a)
{
	char buf[LOG_LINE_MAX];
	char when[ISOTIME_TEXT_MAX + 1];
	size_t n = 0;
	/* Milliseconds are enough for a log and keep the column the same width. */
	int64_t ms = a->time_us / 1000;

	if (log_min < LOG_LEVEL_ACCESS)
		return;
	log_time(ms, when, sizeof(when));
	/* Each variable part gets a cap that leaves room for the parts after it, so a line is
	 * cut, never overrun, whatever the client sent. */
	if (log_fmt == LOG_JSON) {
		n = log_append(buf, n, "{\"time\":\"%s\",\"requestId\":\"%s\",\"method\":\"", when,
		               a->request_id);
		n += log_json_str(buf + n, log_room(n, 3600), a->method, strlen(a->method));
		n = log_append(buf, n, "\",\"path\":\"");
		n += log_json_str(buf + n, log_room(n, 1800), a->path, strlen(a->path));
		n = log_append(buf, n, "\",\"query\":\"");
		n += log_json_str(buf + n, log_room(n, 1000), a->query, a->query_len);
		n = log_append(buf, n, "\",\"status\":%u,\"bytes\":%zu,\"us\":%lld,\"source\":\"",
		               a->status, a->bytes, (long long)a->duration_us);
		n += log_json_str(buf + n, log_room(n, 700), a->source, strlen(a->source));
		n = log_append(buf, n, "\"");
		if (a->extra != NULL) {
			n = log_append(buf, n, ",\"extra\":\"");
			n += log_json_str(buf + n, log_room(n, 8), a->extra, strlen(a->extra));
			n = log_append(buf, n, "\"");
		}
		n = log_append(buf, n, "}");
	} else {
		n = log_append(buf, n, "%s %s ", when, a->request_id);
		n += log_text_str(buf + n, 32, a->method, strlen(a->method));
		buf[n++] = ' ';
		n += log_text_str(buf + n, log_room(n, 1800), a->path, strlen(a->path));
		if (a->query_len > 0) {
			buf[n++] = '?';
			n += log_text_str(buf + n, log_room(n, 1000), a->query, a->query_len);
		}
		n = log_append(buf, n, " %u %zuB %lldus ", a->status, a->bytes,
		               (long long)a->duration_us);
		n += log_text_str(buf + n, log_room(n, 700), a->source, strlen(a->source));
		if (a->extra != NULL) {
			buf[n++] = ' ';
			n += log_extra_str(buf + n, log_room(n, 8), a->extra);
		}
	}
	buf[n++] = '\n';
	log_write(buf, n);
}

void
log_msg(const char *level, const char *fmt, ...)
{
	char buf[LOG_LINE_MAX];
	char when[ISOTIME_TEXT_MAX + 1];
	va_list ap;
	size_t n;
	int w;

	if ((strcmp(level, "info") == 0 && log_min < LOG_LEVEL_INFO) ||
	    (strcmp(level, "warning") == 0 && log_min < LOG_LEVEL_WARNING))
		return;
	log_time(log_now_us() / 1000, when, sizeof(when));
	if (log_fmt == LOG_JSON)
		n = log_append(buf, 0, "{\"time\":\"%s\",\"level\":\"%s\",\"message\":\"", when,
		               level);
	else
		n = log_append(buf, 0, "%s %s ", when, level);
	va_start(ap, fmt);
	if (log_fmt == LOG_JSON) {
		char msg[LOG_LINE_MAX / 2];

		w = vsnprintf(msg, sizeof(msg), fmt, ap);
		if (w > 0)
			n += log_json_str(buf + n, log_room(n, 8), msg, strnlen(msg, sizeof(msg)));
		n = log_append(buf, n, "\"}");
	} else {
		w = vsnprintf(buf + n, log_room(n, 1), fmt, ap);
		if (w > 0)
			n += (size_t)w < log_room(n, 1) ? (size_t)w : log_room(n, 2);
	}
	va_end(ap);
	buf[n++] = '\n';
	log_write(buf, n);
}
