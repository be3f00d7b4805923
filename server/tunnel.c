/*
 * tunnel.c - plain tunnels, one thread each.
 *
 * A tunnel's thread connects to the host, answers the client, then copies with poll() on the
 * two sockets until one side closes (a half-close is passed on, so a client that shuts its
 * side first still gets the rest of the answer). tunnels_free shuts every socket of every
 * tunnel, which wakes their threads, and joins them: nothing outlives the server.
 */
#define _DEFAULT_SOURCE 1

#include "tunnel.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct tunnel {
	struct tunnels *set;
	struct tunnel *next;
	pthread_t thread;
	int client, host; /* -1 when closed */
	char name[256];
	unsigned port;
	void (*done)(void *cls, const struct tunnel_end *end);
	void *cls;
	int finished; /* its thread has ended and may be joined */
};

struct tunnels {
	pthread_mutex_t lock;
	struct tunnel *list;
	int closing;
};

struct tunnels *
tunnels_create(void)
{
	struct tunnels *t = calloc(1, sizeof(*t));

	if (t != NULL)
		pthread_mutex_init(&t->lock, NULL);
	return t;
}

/* Joins and frees the tunnels whose threads have ended; under the lock. */
static void
tunnels_reap(struct tunnels *t)
{
	struct tunnel **p = &t->list;

	while (*p != NULL) {
		struct tunnel *u = *p;

		if (!u->finished) {
			p = &u->next;
			continue;
		}
		*p = u->next;
		pthread_join(u->thread, NULL);
		free(u);
	}
}

/* Sends all of buf on a blocking socket; 0, or -1. */
static int
tunnel_send(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Connects to name:port within the timeout; the socket, or -1 with the reason in why. */
static int
tunnel_connect(const char *name, unsigned port, char *why, size_t whylen)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portstr[8];
	int fd = -1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(portstr, sizeof(portstr), "%u", port);
	rc = getaddrinfo(name, portstr, &hints, &res);
	if (rc != 0) {
		snprintf(why, whylen, "cannot resolve %.100s: %s", name, gai_strerror(rc));
		return -1;
	}
	snprintf(why, whylen, "cannot connect to %.100s port %u", name, port);
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		struct pollfd pf;
		int err = 0;
		socklen_t len = sizeof(err);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS)
			err = errno;
		if (err == 0) {
			pf.fd = fd;
			pf.events = POLLOUT;
			if (poll(&pf, 1, TUNNEL_CONNECT_TIMEOUT * 1000) != 1)
				err = ETIMEDOUT;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
				err = errno;
		}
		if (err != 0) {
			snprintf(why, whylen, "cannot connect to %.100s port %u: %s", name, port,
			         strerror(err));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd >= 0)
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* Copies between the two sockets until both directions are done, or either fails. */
static void
tunnel_copy(struct tunnel *u, struct tunnel_end *end)
{
	char buf[16384];
	int open_up = 1, open_down = 1; /* client to host, host to client */

	while (open_up || open_down) {
		struct pollfd pf[2] = {{.fd = open_up ? u->client : -1, .events = POLLIN},
		                       {.fd = open_down ? u->host : -1, .events = POLLIN}};
		int i;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (i = 0; i < 2; i++) {
			int from = i == 0 ? u->client : u->host, to = i == 0 ? u->host : u->client;
			ssize_t n;

			if (pf[i].revents == 0)
				continue;
			n = recv(from, buf, sizeof(buf), 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				/* This direction is over: pass the end on, keep the other. */
				(void)shutdown(to, SHUT_WR);
				if (i == 0)
					open_up = 0;
				else
					open_down = 0;
				if (n < 0)
					return;
				continue;
			}
			if (tunnel_send(to, buf, (size_t)n) != 0)
				return;
			if (i == 0)
				end->up += (uint64_t)n;
			else
				end->down += (uint64_t)n;
		}
	}
}

static void *
tunnel_main(void *cls)
{
	static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
	struct tunnel *u = cls;
	struct tunnel_end end;
	int fd;

	memset(&end, 0, sizeof(end));
	(void)fcntl(u->client, F_SETFL, fcntl(u->client, F_GETFL) & ~O_NONBLOCK);
	fd = tunnel_connect(u->name, u->port, end.why, sizeof(end.why));
	pthread_mutex_lock(&u->set->lock);
	u->host = fd;
	if (u->set->closing && fd >= 0)
		(void)shutdown(fd, SHUT_RDWR);
	pthread_mutex_unlock(&u->set->lock);
	if (fd < 0) {
		char answer[512];
		int n = snprintf(answer, sizeof(answer),
		                 "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\n"
		                 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
		                 strlen(end.why) + 1, end.why);

		end.status = 502;
		(void)tunnel_send(u->client, answer, (size_t)n);
	} else {
		end.status = 200;
		end.why[0] = '\0';
		if (tunnel_send(u->client, ok, sizeof(ok) - 1) == 0)
			tunnel_copy(u, &end);
	}
	pthread_mutex_lock(&u->set->lock);
	if (u->host >= 0)
		close(u->host);
	close(u->client);
	u->host = u->client = -1;
	pthread_mutex_unlock(&u->set->lock);
	u->done(u->cls, &end);
	pthread_mutex_lock(&u->set->lock);
	u->finished = 1;
	pthread_mutex_unlock(&u->set->lock);
	return NULL;
}

int
tunnels_open(struct tunnels *t, int fd, const char *host, unsigned port,
             void (*done)(void *cls, const struct tunnel_end *end), void *cls)
{
	struct tunnel *u = calloc(1, sizeof(*u));

	if (u == NULL) {
		close(fd);
		return -1;
	}
	u->set = t;
	u->client = fd;
	u->host = -1;
	snprintf(u->name, sizeof(u->name), "%s", host);
	u->port = port;
	u->done = done;
	u->cls = cls;
	pthread_mutex_lock(&t->lock);
	tunnels_reap(t);
	if (t->closing || pthread_create(&u->thread, NULL, tunnel_main, u) != 0) {
		pthread_mutex_unlock(&t->lock);
		close(fd);
		free(u);
		return -1;
	}
	u->next = t->list;
	t->list = u;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

void
tunnels_free(struct tunnels *t)
{
	struct tunnel *u;

	if (t == NULL)
		return;
	pthread_mutex_lock(&t->lock);
	t->closing = 1;
	for (u = t->list; u != NULL; u = u->next) {
		if (u->client >= 0)
			(void)shutdown(u->client, SHUT_RDWR);
		if (u->host >= 0)
			(void)shutdown(u->host, SHUT_RDWR);
	}
	pthread_mutex_unlock(&t->lock);
	/* Each thread ends once its sockets are shut (a connect under way within its timeout). */
	for (;;) {
		pthread_mutex_lock(&t->lock);
		u = t->list;
		if (u != NULL)
			t->list = u->next;
		pthread_mutex_unlock(&t->lock);
		if (u == NULL)
			break;
		pthread_join(u->thread, NULL);
		free(u);
	}
	pthread_mutex_destroy(&t->lock);
	free(t);
}
