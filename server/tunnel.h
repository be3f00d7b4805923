/*
 * tunnel.h - plain CONNECT tunnels: the bytes of a client's connection copied both ways to a
 * host it may reach through gongmock (--tunnel), unread and unchanged, for the traffic of a
 * proxied client that is not Gong's. One thread per tunnel, as few are expected.
 *
 * Knows sockets only. Thread-safe.
 */
#ifndef GONGMOCK_TUNNEL_H
#define GONGMOCK_TUNNEL_H

#include <stddef.h>
#include <stdint.h>

/* Seconds to connect to the host before the client gets a 502. */
#define TUNNEL_CONNECT_TIMEOUT 10

struct tunnels;

/*
 * How a tunnel ended, for the access log: the status the client was given (200 when the
 * tunnel opened, 502 when the host could not be reached), the bytes that went each way.
 */
struct tunnel_end {
	unsigned status;
	uint64_t up, down;
	char why[200]; /* "" for 200 */
};

/* The set of open tunnels; NULL when out of memory. */
struct tunnels *tunnels_create(void);

/*
 * Opens a tunnel from the client on fd (the tunnel owns fd from here, and closes it) to
 * host:port, on a thread of its own: connects (TUNNEL_CONNECT_TIMEOUT at most), answers the
 * client "200 Connection established", or a 502 saying why, and copies both ways until either
 * side closes; then calls done(cls, end) on that thread. Returns 0, or -1 when the tunnel
 * could not start (fd closed, done never called).
 */
int tunnels_open(struct tunnels *t, int fd, const char *host, unsigned port,
                 void (*done)(void *cls, const struct tunnel_end *end), void *cls);

/*
 * Ends every open tunnel (their sockets are shut, their done callbacks run) and waits for
 * their threads; then frees t. tunnels_free(NULL) does nothing.
 */
void tunnels_free(struct tunnels *t);

#endif
