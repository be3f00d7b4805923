/*
 * ca.h - gongmock's own certificate authority, for its HTTPS listener and for the TLS it
 * speaks inside a client's CONNECT tunnel: a CA kept in a directory (made on first use and
 * reused after, so that a client trusts it once; its key readable by its owner only), and
 * leaf certificates it signs, minted for each host name a client asks for (SNI) and kept in
 * memory for the life of the process.
 *
 * GnuTLS only; nothing here knows HTTP. Keys are ECDSA P-256. After ca_open, every function
 * is safe to call from several threads at once.
 */
#ifndef GONGMOCK_CA_H
#define GONGMOCK_CA_H

#include <stddef.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

/* The files of a CA directory. */
#define CA_CERT_FILE "ca.pem"    /* the CA certificate, PEM, mode 0644 */
#define CA_KEY_FILE "ca-key.pem" /* its private key, PEM, mode 0600 */

/* Days a CA made here is valid, and a leaf minted by it (under browsers' 398-day cap). */
#define CA_DAYS 3650
#define CA_LEAF_DAYS 397

/* Leaves kept at most. A leaf handed out stays valid until ca_free, so none is ever dropped:
 * past this many names, a new name gets the default leaf (a client asking for 4096 names
 * costs memory no more). */
#define CA_MAX_LEAVES 4096

/* The names every default leaf covers: the loopback names, and Gong's API hosts. */
#define CA_DEFAULT_NAMES "localhost", "127.0.0.1", "::1", "api.gong.io", "*.api.gong.io"

struct ca;

/*
 * The default CA directory, per user, into out: $XDG_DATA_HOME/gongmock/ca, else
 * $HOME/.local/share/gongmock/ca, else /tmp/gongmock-ca-UID (no home). 0, or -1 when out is
 * too short.
 */
int ca_default_dir(char *out, size_t outlen);

/*
 * Opens the CA kept in dir: loads ca.pem and ca-key.pem when both are there (refusing a key
 * that others may read, a certificate that is not a CA's, or a key that is not its), else
 * makes the directory (mode 0700, parents too) and a new CA in it. NULL with the reason in
 * err. created, when not NULL, is set to 1 when a new CA was made.
 */
struct ca *ca_open(const char *dir, int *created, char *err, size_t errlen);

/*
 * Uses a certificate chain and key of the user's (PEM files: the leaf first, then any
 * intermediates) instead of a CA: every name gets that chain. NULL with the reason.
 */
struct ca *ca_open_files(const char *cert_file, const char *key_file, char *err, size_t errlen);

/* The CA certificate's path, or NULL for ca_open_files. Owned by ca. */
const char *ca_cert_path(const struct ca *ca);

/* The CA certificate, PEM (NUL-terminated, owned by ca), or NULL for ca_open_files. */
const char *ca_cert_pem(const struct ca *ca);

/*
 * The certificate chain (leaf, then CA) and key to present for `name`, as GnuTLS's
 * certificate-retrieve callbacks want them. name is the client's SNI: NULL or "" (no SNI, as
 * for an IP address) gives the default leaf, which covers CA_DEFAULT_NAMES; any other name
 * gets a leaf minted for it (its SAN: that name and CA_DEFAULT_NAMES), made once and then
 * reused (past CA_MAX_LEAVES names, the default leaf). A name that is not a host name
 * (empty labels, characters outside [A-Za-z0-9.-*], longer than 253) gets the default leaf.
 * What is returned stays valid until ca_free; the caller must not free it. 0, or -1 with
 * the reason in err.
 */
int ca_chain(struct ca *ca, const char *name, gnutls_pcert_st **pcert, unsigned *npcert,
             gnutls_privkey_t *key, char *err, size_t errlen);

/* Frees ca and every leaf; ca_free(NULL) does nothing. */
void ca_free(struct ca *ca);

#endif
