/*
 * probe.c - the health probe: one HTTP/1.1 request to a running gongmock's
 * /__admin/health, and its status.
 *
 * It is what a container's HEALTHCHECK runs, every few seconds for the container's life, so it
 * is small: no libcurl, no TLS, one socket with a deadline. The request says it is the probe
 * (its User-Agent), so that the server leaves it out of its access log, where a line per
 * probe would bury the clients' requests.
 */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>

#include "config.h"
#include "sock.h"

#define PROBE_REPLY_MAX 8192

/* CLOCK_MONOTONIC in milliseconds. */
static long long
probe_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline (a probe_now time); 0 once past it. */
static int
probe_left(long long deadline)
{
	long long now = probe_now();

	return now >= deadline ? 0 : (int)(deadline - now);
}

/* Waits until fd is ready for events, or the deadline; 0, or -1. */
static int
probe_wait(int fd, short events, long long deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	int left, rc;

	for (;;) {
		left = probe_left(deadline);
		if (left == 0)
			return -1;
		rc = poll(&p, 1, left);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

/* The address to ask: an any-interface bind is asked on its loopback. */
static const char *
probe_host(const char *bind)
{
	if (strcmp(bind, "0.0.0.0") == 0)
		return "127.0.0.1";
	if (strcmp(bind, "::") == 0 || strcmp(bind, "[::]") == 0)
		return "::1";
	return bind;
}

/* Connects, non-blocking, before the deadline; the descriptor, or -1 with the reason. */
static int
probe_connect(const char *host, unsigned port, long long deadline, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (sock_resolve(host, port, &ss, err, errlen) != 0)
		return -1;
	len = ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
		snprintf(err, errlen, "cannot open a socket: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)&ss, len) != 0) {
		if (errno != EINPROGRESS) {
			soerr = errno;
		} else if (probe_wait(fd, POLLOUT, deadline) != 0) {
			soerr = ETIMEDOUT;
		} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) {
			soerr = errno;
		}
	}
	if (soerr != 0) {
		snprintf(err, errlen, "cannot connect to %s port %u: %s", host, port,
		         strerror(soerr));
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends all of buf before the deadline; 0, or -1. */
static int
probe_send(int fd, const char *buf, size_t len, long long deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			return -1;
		} else if (probe_wait(fd, POLLOUT, deadline) != 0) {
			return -1;
		}
	}
	return 0;
}

/* Reads until the server closes, the buffer is full, or the deadline; the length, or -1. */
static ssize_t
probe_recv(int fd, char *buf, size_t cap, long long deadline)
{
	size_t used = 0;

	while (used < cap) {
		ssize_t n = recv(fd, buf + used, cap - used, 0);

		if (n > 0) {
			used += (size_t)n;
		} else if (n == 0) {
			break;
		} else if (errno != EAGAIN && errno != EINTR) {
			return -1;
		} else if (probe_wait(fd, POLLIN, deadline) != 0) {
			return -1;
		}
	}
	return (ssize_t)used;
}

int
probe_health(const char *bind, unsigned port, char *body, size_t bodylen, char *err, size_t errlen)
{
	char req[256], reply[PROBE_REPLY_MAX + 1];
	const char *host = probe_host(bind), *sep, *start;
	int fd, n;
	ssize_t got;
	unsigned status;
	long long deadline = probe_now() + PROBE_TIMEOUT_MS;
	size_t blen;

	if (bodylen > 0)
		body[0] = '\0';
	fd = probe_connect(host, port, deadline, err, errlen);
	if (fd < 0)
		return -1;
	n = snprintf(req, sizeof(req),
	             "GET /__admin/health HTTP/1.1\r\n"
	             "Host: %s%s%s:%u\r\n"
	             "User-Agent: " PROBE_USER_AGENT "\r\n"
	             "Connection: close\r\n\r\n",
	             strchr(host, ':') != NULL ? "[" : "", host,
	             strchr(host, ':') != NULL ? "]" : "", port);
	if (n < 0 || (size_t)n >= sizeof(req) || probe_send(fd, req, (size_t)n, deadline) != 0) {
		snprintf(err, errlen, "cannot send the request to %s port %u", host, port);
		close(fd);
		return -1;
	}
	got = probe_recv(fd, reply, PROBE_REPLY_MAX, deadline);
	close(fd);
	if (got <= 0) {
		snprintf(err, errlen, "no answer from %s port %u within %d ms", host, port,
		         PROBE_TIMEOUT_MS);
		return -1;
	}
	reply[got] = '\0';
	if (sscanf(reply, "HTTP/1.%*1[01] %3u", &status) != 1) {
		snprintf(err, errlen, "%s port %u does not answer HTTP", host, port);
		return -1;
	}
	sep = strstr(reply, "\r\n\r\n");
	start = sep != NULL ? sep + 4 : reply + got;
	blen = strcspn(start, "\r\n");
	if (status != 200) {
		snprintf(err, errlen, "%s port %u answered %u: %.200s", host, port, status, start);
		return -1;
	}
	if (bodylen > 0) {
		if (blen >= bodylen)
			blen = bodylen - 1;
		memcpy(body, start, blen);
		body[blen] = '\0';
	}
	return 0;
}

int
probe_main(int argc, char **argv, char *const *envp)
{
	struct config cfg;
	char err[1024], body[2048];
	int rc;

	config_defaults(&cfg);
	switch (config_parse_env(&cfg, argc, argv, envp, err, sizeof(err))) {
	case CONFIG_OK:
		break;
	case CONFIG_HELP:
	case CONFIG_VERSION:
		printf("usage: gongmock health [options]\n"
		       "\n"
		       "Asks the gongmock that these options (or their GONGMOCK_ variables) would\n"
		       "start for GET /__admin/health: exit 0 and its answer when it says 200,\n"
		       "exit 1 and why otherwise. Takes at most %d ms. For container health\n"
		       "checks and scripts waiting for the server (--bind 0.0.0.0 is asked on\n"
		       "127.0.0.1).\n",
		       PROBE_TIMEOUT_MS);
		config_release(&cfg);
		return 0;
	default:
		fprintf(stderr, "gongmock health: %s\n", err);
		config_release(&cfg);
		return 2;
	}
	rc = probe_health(cfg.bind, cfg.port, body, sizeof(body), err, sizeof(err));
	config_release(&cfg);
	if (rc != 0) {
		fprintf(stderr, "gongmock health: unhealthy: %s\n", err);
		return 1;
	}
	printf("%s\n", body);
	return 0;
}
