/*
 * sock.c - binding and listening.
 *
 * Each worker of the proxy mode listens on a socket of its own, all bound to one port with
 * SO_REUSEPORT so the kernel spreads connections across them. A probe without SO_REUSEPORT
 * comes first, so that a port another server holds is refused as in mock mode.
 */
/* SO_REUSEPORT is an extension of Linux and the BSDs, outside POSIX. */
#define _DEFAULT_SOURCE 1

#include "sock.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * A TCP socket bound to ss (with SO_REUSEPORT when asked), not listening yet; for port 0, ss
 * gets the port picked. -1 with the reason in err.
 */
int
sock_bind(struct sockaddr_storage *ss, int reuseport, char *err, size_t errlen)
{
	socklen_t len =
	    ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	int fd = socket(ss->ss_family, SOCK_STREAM, 0);
	int one = 1;

	if (fd < 0) {
		snprintf(err, errlen, "cannot open a socket: %s", strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if ((reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 ||
	    bind(fd, (const struct sockaddr *)ss, len) != 0 ||
	    getsockname(fd, (struct sockaddr *)ss, &len) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Binds a socket without SO_REUSEPORT to ss and closes it again, so that a port another
 * server holds is refused as in mock mode, instead of being shared with it: a socket of a
 * SO_REUSEPORT group could join another process's group. For port 0, ss gets the port.
 */
int
sock_probe(struct sockaddr_storage *ss, char *err, size_t errlen)
{
	int fd = sock_bind(ss, 0, err, errlen);

	if (fd == -1)
		return -1;
	close(fd);
	return 0;
}

/* A listening socket of a loop's daemon, bound with SO_REUSEPORT beside the others'. */
int
sock_listen(struct sockaddr_storage *ss, char *err, size_t errlen)
{
	int fd = sock_bind(ss, 1, err, errlen);

	if (fd == -1)
		return -1;
	/* Non-blocking: the daemon accepts until nothing is left, and must not wait there. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0 || listen(fd, 1024) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The port of an address. */
unsigned
sock_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* Resolves the bind address; numeric addresses and host names both work. */
int
sock_resolve(const char *bind, unsigned port, struct sockaddr_storage *ss, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char portstr[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(portstr, sizeof(portstr), "%u", port);
	rc = getaddrinfo(bind, portstr, &hints, &res);
	if (rc != 0 || res == NULL) {
		snprintf(err, errlen, "--bind: cannot resolve '%s': %s", bind, gai_strerror(rc));
		return -1;
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

int
sock_is_loopback(const struct sockaddr *sa)
{
	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		static const unsigned char one[16] = {[15] = 1};
		static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
		const unsigned char *a = in6->sin6_addr.s6_addr;

		return memcmp(a, one, 16) == 0 || (memcmp(a, mapped, 12) == 0 && a[12] == 127);
	}
	return 0;
}
