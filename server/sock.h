/*
 * sock.h - the listening sockets of the HTTP layer: resolving the bind address, binding,
 * listening, and asking the kernel which port it picked. Plain POSIX sockets; the HTTP
 * library is handed the descriptors.
 */
#ifndef GONGMOCK_SOCK_H
#define GONGMOCK_SOCK_H

#include <stddef.h>
#include <sys/socket.h>

/* Resolves `bind` (a numeric address or a host name) and port into ss; -1 with the reason. */
int sock_resolve(const char *bind, unsigned port, struct sockaddr_storage *ss, char *err,
                 size_t errlen);

/*
 * A TCP socket bound to ss (with SO_REUSEPORT when asked), not listening yet, close-on-exec;
 * for port 0, ss gets the port picked. Returns the descriptor, or -1 with the reason.
 */
int sock_bind(struct sockaddr_storage *ss, int reuseport, char *err, size_t errlen);

/*
 * Binds a socket without SO_REUSEPORT to ss and closes it again, so that a port another
 * server holds is refused, instead of being shared with it: a socket of a SO_REUSEPORT group
 * could join another process's group. For port 0, ss gets the port. 0, or -1 with the reason.
 */
int sock_probe(struct sockaddr_storage *ss, char *err, size_t errlen);

/* A non-blocking listening socket bound with SO_REUSEPORT to ss; -1 with the reason. */
int sock_listen(struct sockaddr_storage *ss, char *err, size_t errlen);

/* 1 when sa is a loopback address: 127.0.0.0/8, ::1, or ::ffff:127.0.0.0/104. */
int sock_is_loopback(const struct sockaddr *sa);

/* The port of an address. */
unsigned sock_port(const struct sockaddr_storage *ss);

#endif
