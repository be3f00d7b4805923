/*
 * ca.c - gongmock's certificate authority: a CA made once per directory and reused after,
 * and the leaf certificates it signs for the host names clients ask for.
 *
 * ca_open makes the CA the first time (an ECDSA P-256 key and a self-signed certificate,
 * each written to a temporary name and renamed into place, so that a crash never leaves half
 * a file) and loads it after, refusing a key that other users may read, a certificate that is
 * not a CA's, or a pair that does not belong together; it never overwrites either file. The
 * directory is locked while ca_open decides, so that two servers starting at once against an
 * empty directory make one CA, not two halves of two. Leaves share one key, made at open, so
 * that minting one costs a signature rather than a key generation; each is minted on first
 * use of its name, under a lock, and kept until ca_free. ca_open_files skips all of this and
 * hands out the user's own chain and key for every name.
 *
 * This module does not speak TLS, read SNI or install anything in a trust store: it gives
 * GnuTLS the certificates, and the user trusts ca.pem where they need to.
 */
/* For flock, which locks the directory while ca_open decides whether to make a CA. */
#define _DEFAULT_SOURCE 1
#include "ca.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/x509.h>

/* A PEM file of certificates or a key is a few kilobytes; a larger one is not one of those. */
#define CA_FILE_MAX (1024 * 1024)
/* The most certificates ca_open_files takes from the user's chain file. */
#define CA_CHAIN_MAX 16
/* The longest host name (RFC 1035), without the trailing dot, and the longest label. */
#define CA_NAME_MAX 253
#define CA_LABEL_MAX 63
/* X.520's upper bound on a common name; a longer host name leaves the CN at its default. */
#define CA_CN_MAX 64
#define CA_SERIAL_LEN 16
/* Certificates start an hour in the past, so that a client whose clock is behind takes them. */
#define CA_BACKDATE 3600
#define CA_DAY 86400
/* Key identifiers are SHA-1 hashes of the public key (RFC 5280, 4.2.1.2), 20 bytes. */
#define CA_KEYID_MAX 64
/* Slots of the leaf table: a power of two, twice the leaves it holds, so probes stay short. */
#define CA_SLOTS (2 * CA_MAX_LEAVES)
/* The common name of the default leaf, and the organisation of every certificate. */
#define CA_DEFAULT_CN "gongmock"
#define CA_ORG "gongmock"

static const char *const ca_default_names[] = {CA_DEFAULT_NAMES};
#define CA_NDEFAULT (sizeof(ca_default_names) / sizeof(ca_default_names[0]))

/* A minted leaf: its chain as a handshake wants it (the leaf, then the CA) and its name. */
struct ca_leaf {
	gnutls_pcert_st chain[2];
	char name[]; /* lower case, no trailing dot; "" for the default leaf */
};

struct ca {
	char *cert_path; /* NULL for ca_open_files */
	char *cert_pem;  /* NULL for ca_open_files */

	/* ca_open: the CA, its key, its subject key identifier and its validity. */
	gnutls_x509_crt_t cert;
	gnutls_x509_privkey_t cert_key;
	gnutls_pcert_st cert_pcert; /* the second element of every leaf's chain */
	int have_pcert;
	unsigned char ski[CA_KEYID_MAX];
	size_t ski_len; /* 0: the CA has none, and leaves get no authority key identifier */
	time_t not_before, not_after;

	/* The key every chain is presented with: the shared leaf key, or the user's. */
	gnutls_x509_privkey_t x509_key;
	gnutls_privkey_t key;
	unsigned char key_id[CA_KEYID_MAX];
	size_t key_id_len;

	/* ca_open_files: the user's chain, handed out for every name. */
	gnutls_pcert_st *files;
	unsigned nfiles;

	/*
	 * The leaves by name, in open addressing with linear probing; entries are never removed
	 * (see ca_chain). Readers take the lock shared, so that handshakes for names already
	 * minted do not wait on each other; minting takes it exclusive.
	 */
	struct ca_leaf *fallback; /* the default leaf */
	struct ca_leaf **slots;
	size_t nleaves;
	pthread_rwlock_t lock;
	int have_lock;
};

__attribute__((format(printf, 3, 4))) static int
ca_fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err != NULL && errlen > 0) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int
ca_default_dir(char *out, size_t outlen)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	int n;

	/*
	 * The XDG base directory spec says to ignore a relative XDG_DATA_HOME; a relative HOME
	 * is ignored too, since the CA would then move with the working directory.
	 */
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(out, outlen, "%s/gongmock/ca", xdg);
	else if (home != NULL && home[0] == '/')
		n = snprintf(out, outlen, "%s/.local/share/gongmock/ca", home);
	else
		n = snprintf(out, outlen, "/tmp/gongmock-ca-%lu", (unsigned long)getuid());
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static char *
ca_join(const char *dir, const char *file)
{
	size_t n = strlen(dir) + 1 + strlen(file) + 1;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", dir, file);
	return p;
}

/*
 * Makes dir and its missing parents, each mode 0700 whatever the umask (one that took the
 * owner's write bit would leave a directory the CA cannot be written to). A parent that
 * exists is left as it is.
 */
static int
ca_mkdirs(const char *dir, char *err, size_t errlen)
{
	char *path = strdup(dir);
	char *p;

	if (path == NULL)
		return ca_fail(err, errlen, "ca: out of memory");
	for (p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(path, 0700) == 0) {
			if (chmod(path, 0700) != 0) {
				ca_fail(err, errlen, "ca: cannot make %s private: %s", path,
				        strerror(errno));
				free(path);
				return -1;
			}
		} else if (errno != EEXIST) {
			ca_fail(err, errlen, "ca: cannot make %s: %s", path, strerror(errno));
			free(path);
			return -1;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	free(path);
	return 0;
}

/* 1 when path exists, 0 when it does not, -1 (with the reason) when it cannot be told. */
static int
ca_exists(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	return ca_fail(err, errlen, "ca: cannot read %s: %s", path, strerror(errno));
}

/*
 * The whole of a regular file, NUL-terminated, into *out (free with ca_wipe). The cap keeps
 * a wrong path (a log, a disk image) from being read whole into memory.
 */
static int
ca_read_file(const char *path, gnutls_datum_t *out, char *err, size_t errlen)
{
	struct stat st;
	unsigned char *buf;
	size_t len = 0;
	int fd = open(path, O_RDONLY);

	out->data = NULL;
	out->size = 0;
	if (fd < 0)
		return ca_fail(err, errlen, "ca: cannot read %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		ca_fail(err, errlen, "ca: cannot read %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CA_FILE_MAX) {
		ca_fail(err, errlen, "ca: %s is %s", path,
		        S_ISREG(st.st_mode) ? "larger than a PEM file can be (1 MB)"
		                            : "not a regular file");
		close(fd);
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return ca_fail(err, errlen, "ca: out of memory");
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ca_fail(err, errlen, "ca: cannot read %s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	out->data = buf;
	out->size = (unsigned)len;
	return 0;
}

/* Frees what ca_read_file read, clearing it first: it may hold a private key. */
static void
ca_wipe(gnutls_datum_t *d)
{
	if (d->data != NULL) {
		gnutls_memset(d->data, 0, d->size);
		free(d->data);
	}
	d->data = NULL;
	d->size = 0;
}

/*
 * Writes data to path with the given mode: into path.tmp first, opened exclusively (so a
 * symbolic link planted there is not followed) with mode 0600 from the start, then renamed
 * over path once it is whole and on disk. The caller holds the directory's lock, so no other
 * gongmock writes the same temporary file; a stale one left by a crash is removed first.
 */
static int
ca_write_file(const char *path, const gnutls_datum_t *data, mode_t mode, char *err, size_t errlen)
{
	size_t tmplen = strlen(path) + sizeof(".tmp");
	char *tmp = malloc(tmplen);
	size_t off = 0;
	int fd;

	if (tmp == NULL)
		return ca_fail(err, errlen, "ca: out of memory");
	snprintf(tmp, tmplen, "%s.tmp", path);
	unlink(tmp);
	fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY, 0600);
	if (fd < 0) {
		ca_fail(err, errlen, "ca: cannot write %s: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	while (off < data->size) {
		ssize_t n = write(fd, data->data + off, data->size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		off += (size_t)n;
	}
	if (fchmod(fd, mode) != 0 || fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	free(tmp);
	return 0;
fail:
	ca_fail(err, errlen, "ca: cannot write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

/*
 * Locks dir against other gongmocks opening it at the same time; returns the descriptor to
 * close, which unlocks it, or -1. Locking is a courtesy: where it cannot be had (a file system
 * without flock, a directory this user may not open) ca_open goes on without it.
 */
static int
ca_lock_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY);

	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Lower-cases an ASCII letter; host names are compared without regard to case. */
static char
ca_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * Whether name is a host name a leaf is minted for, as ca.h says: copies it into out (room
 * for CA_NAME_MAX + 1), lower-cased and without its trailing dot, and returns 0; -1 when it is
 * NULL, empty or not a host name.
 */
static int
ca_host(const char *name, char *out)
{
	size_t len, i, label = 0;

	if (name == NULL)
		return -1;
	len = strnlen(name, CA_NAME_MAX + 2);
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > CA_NAME_MAX)
		return -1;
	for (i = 0; i < len; i++) {
		char c = ca_lower(name[i]);

		if (c == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		           c == '*') {
			if (++label > CA_LABEL_MAX)
				return -1;
		} else {
			return -1;
		}
		out[i] = c;
	}
	if (label == 0)
		return -1;
	out[len] = '\0';
	return 0;
}

/* The address in name when it is an IPv4 or IPv6 literal: its length (4 or 16), else 0. */
static size_t
ca_ip(const char *name, unsigned char ip[16])
{
	if (inet_pton(AF_INET, name, ip) == 1)
		return 4;
	if (inet_pton(AF_INET6, name, ip) == 1)
		return 16;
	return 0;
}

/* Whether two names are the same SAN entry: the same address, or the same DNS name. */
static int
ca_same_name(const char *a, const char *b)
{
	unsigned char ipa[16], ipb[16];
	size_t na = ca_ip(a, ipa), nb = ca_ip(b, ipb);

	if (na != 0 || nb != 0)
		return na == nb && memcmp(ipa, ipb, na) == 0;
	for (; *a != '\0' && ca_lower(*a) == ca_lower(*b); a++, b++)
		;
	return ca_lower(*a) == ca_lower(*b);
}

/* Adds name to the certificate's subject alternative names: an address as one, else DNS. */
static int
ca_add_san(gnutls_x509_crt_t crt, const char *name)
{
	unsigned char ip[16];
	size_t n = ca_ip(name, ip);

	if (n != 0)
		return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip,
		                                            (unsigned)n, GNUTLS_FSAN_APPEND);
	return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, name,
	                                            (unsigned)strlen(name), GNUTLS_FSAN_APPEND);
}

/*
 * What a CA certificate and a leaf have in common: version 3, a random serial (positive and
 * always 16 bytes long: the top bit clear, the next set), the validity, the subject
 * O=gongmock, CN=cn, the public key and its identifier.
 */
static int
ca_crt_begin(gnutls_x509_crt_t crt, const char *cn, gnutls_x509_privkey_t key,
             const unsigned char *key_id, size_t key_id_len, time_t from, time_t until)
{
	unsigned char serial[CA_SERIAL_LEN];
	int ret;

	if ((ret = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial))) < 0)
		return ret;
	serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x40);
	if ((ret = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (ret = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) < 0 ||
	    (ret = gnutls_x509_crt_set_activation_time(crt, from)) < 0 ||
	    (ret = gnutls_x509_crt_set_expiration_time(crt, until)) < 0 ||
	    (ret = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, CA_ORG,
	                                         (unsigned)strlen(CA_ORG))) < 0 ||
	    (ret = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
	                                         (unsigned)strlen(cn))) < 0 ||
	    (ret = gnutls_x509_crt_set_key(crt, key)) < 0 ||
	    (ret = gnutls_x509_crt_set_subject_key_id(crt, key_id, key_id_len)) < 0)
		return ret;
	return 0;
}

static int
ca_new_key(gnutls_x509_privkey_t *key, unsigned char *id, size_t *id_len)
{
	int ret;

	*id_len = CA_KEYID_MAX;
	if ((ret = gnutls_x509_privkey_init(key)) < 0)
		return ret;
	if ((ret = gnutls_x509_privkey_generate2(*key, GNUTLS_PK_ECDSA,
	                                         GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
	                                         0, NULL, 0)) < 0 ||
	    (ret = gnutls_x509_privkey_get_key_id(*key, GNUTLS_KEYID_USE_SHA1, id, id_len)) < 0) {
		gnutls_x509_privkey_deinit(*key);
		*key = NULL;
		return ret;
	}
	return 0;
}

/*
 * Makes a new CA in ca (its key and self-signed certificate) and writes it to the directory:
 * the key first, then the certificate. When the certificate cannot be written the key just
 * written is removed again, so a failure leaves the directory as it found it.
 */
static int
ca_make(struct ca *ca, const char *key_path, char *err, size_t errlen)
{
	char host[45] = "";
	char cn[CA_CN_MAX + 1];
	gnutls_datum_t pem = {NULL, 0}, key_pem = {NULL, 0};
	time_t now = time(NULL);
	int ret;

	/* The host in the CN tells apart the CAs of several machines in one trust store. */
	if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "unknown host");
	snprintf(cn, sizeof(cn), "gongmock local CA (%s)", host);
	ca->not_before = now - CA_BACKDATE;
	ca->not_after = ca->not_before + (time_t)CA_DAYS * CA_DAY;
	if ((ret = ca_new_key(&ca->cert_key, ca->ski, &ca->ski_len)) < 0)
		goto gnutls_fail;
	if ((ret = gnutls_x509_crt_init(&ca->cert)) < 0)
		goto gnutls_fail;
	if ((ret = ca_crt_begin(ca->cert, cn, ca->cert_key, ca->ski, ca->ski_len, ca->not_before,
	                        ca->not_after)) < 0 ||
	    (ret = gnutls_x509_crt_set_basic_constraints(ca->cert, 1, 0)) < 0 ||
	    (ret = gnutls_x509_crt_set_key_usage(ca->cert, GNUTLS_KEY_KEY_CERT_SIGN |
	                                                       GNUTLS_KEY_CRL_SIGN)) < 0 ||
	    (ret = gnutls_x509_crt_sign2(ca->cert, ca->cert, ca->cert_key, GNUTLS_DIG_SHA256, 0)) <
	        0 ||
	    (ret = gnutls_x509_crt_export2(ca->cert, GNUTLS_X509_FMT_PEM, &pem)) < 0 ||
	    (ret = gnutls_x509_privkey_export2_pkcs8(ca->cert_key, GNUTLS_X509_FMT_PEM, NULL,
	                                             GNUTLS_PKCS_PLAIN, &key_pem)) < 0)
		goto gnutls_fail;
	ret = -1;
	if (ca_write_file(key_path, &key_pem, 0600, err, errlen) != 0)
		goto out;
	if (ca_write_file(ca->cert_path, &pem, 0644, err, errlen) != 0) {
		unlink(key_path);
		goto out;
	}
	ret = 0;
	goto out;
gnutls_fail:
	ca_fail(err, errlen, "ca: cannot make a CA: %s", gnutls_strerror(ret));
	ret = -1;
out:
	if (key_pem.data != NULL) {
		gnutls_memset(key_pem.data, 0, key_pem.size);
		gnutls_free(key_pem.data);
	}
	gnutls_free(pem.data);
	return ret;
}

/* Formats t as a UTC date for messages. */
static void
ca_date(time_t t, char *buf, size_t buflen)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, buflen, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, buflen, "%lld", (long long)t);
}

/* Loads a private key in PEM (PKCS #8 unencrypted, or the older PKCS #1 and SEC 1 forms). */
static int
ca_load_key(const char *path, gnutls_x509_privkey_t *key, unsigned char *id, size_t *id_len,
            char *err, size_t errlen)
{
	gnutls_datum_t data;
	int ret;

	*key = NULL;
	if (ca_read_file(path, &data, err, errlen) != 0)
		return -1;
	*id_len = CA_KEYID_MAX;
	if ((ret = gnutls_x509_privkey_init(key)) < 0) {
		*key = NULL;
		ca_wipe(&data);
		return ca_fail(err, errlen, "ca: out of memory");
	}
	if ((ret = gnutls_x509_privkey_import2(*key, &data, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0 ||
	    (ret = gnutls_x509_privkey_get_key_id(*key, GNUTLS_KEYID_USE_SHA1, id, id_len)) < 0) {
		ca_fail(err, errlen, "ca: %s holds no private key GnuTLS can read%s: %s", path,
		        ret == GNUTLS_E_DECRYPTION_FAILED ? " (encrypted keys are not supported)"
		                                          : "",
		        gnutls_strerror(ret));
		gnutls_x509_privkey_deinit(*key);
		*key = NULL;
		ca_wipe(&data);
		return -1;
	}
	ca_wipe(&data);
	return 0;
}

/* Whether the public key of crt is the one whose identifier is id. */
static int
ca_key_matches(gnutls_x509_crt_t crt, const unsigned char *id, size_t id_len)
{
	unsigned char crt_id[CA_KEYID_MAX];
	size_t crt_len = sizeof(crt_id);

	if (gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, crt_id, &crt_len) < 0)
		return 0;
	return crt_len == id_len && memcmp(crt_id, id, id_len) == 0;
}

/* Loads the CA kept in the directory and checks that it can serve as one. */
static int
ca_load(struct ca *ca, const char *key_path, char *err, size_t errlen)
{
	gnutls_datum_t data = {NULL, 0};
	unsigned char id[CA_KEYID_MAX];
	size_t id_len;
	struct stat st;
	unsigned critical = 0, usage = 0;
	unsigned is_ca = 0;
	int ret, pathlen;
	char when[32];

	if (stat(key_path, &st) != 0)
		return ca_fail(err, errlen, "ca: cannot read %s: %s", key_path, strerror(errno));
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		return ca_fail(err, errlen,
		               "ca: %s has permissions %04o, so other users may read or change the "
		               "CA's key; run chmod 600 %s",
		               key_path, (unsigned)(st.st_mode & 07777), key_path);
	if (ca_load_key(key_path, &ca->cert_key, id, &id_len, err, errlen) != 0)
		return -1;
	if (ca_read_file(ca->cert_path, &data, err, errlen) != 0)
		return -1;
	if ((ret = gnutls_x509_crt_init(&ca->cert)) < 0 ||
	    (ret = gnutls_x509_crt_import(ca->cert, &data, GNUTLS_X509_FMT_PEM)) < 0) {
		ca_fail(err, errlen, "ca: %s holds no certificate GnuTLS can read: %s",
		        ca->cert_path, gnutls_strerror(ret));
		ca_wipe(&data);
		return -1;
	}
	ca_wipe(&data);
	ret = gnutls_x509_crt_get_basic_constraints(ca->cert, &critical, &is_ca, &pathlen);
	if (ret < 0 || !is_ca)
		return ca_fail(err, errlen,
		               "ca: %s is not a CA certificate (its basic constraints do not say "
		               "CA:TRUE); remove %s and %s to make a new CA",
		               ca->cert_path, ca->cert_path, key_path);
	if (gnutls_x509_crt_get_key_usage(ca->cert, &usage, &critical) >= 0 &&
	    !(usage & GNUTLS_KEY_KEY_CERT_SIGN))
		return ca_fail(err, errlen,
		               "ca: %s may not sign certificates (its key usage lacks keyCertSign)",
		               ca->cert_path);
	if (!ca_key_matches(ca->cert, id, id_len))
		return ca_fail(err, errlen, "ca: %s is not the key of %s", key_path, ca->cert_path);
	ca->not_before = gnutls_x509_crt_get_activation_time(ca->cert);
	ca->not_after = gnutls_x509_crt_get_expiration_time(ca->cert);
	if (ca->not_after == (time_t)-1 || ca->not_after <= time(NULL)) {
		ca_date(ca->not_after, when, sizeof(when));
		return ca_fail(err, errlen,
		               "ca: %s expired on %s; remove %s and %s to make a new CA (and trust "
		               "the new ca.pem)",
		               ca->cert_path, when, ca->cert_path, key_path);
	}
	/* A CA without a subject key identifier gives its leaves no authority key identifier. */
	ca->ski_len = sizeof(ca->ski);
	if (gnutls_x509_crt_get_subject_key_id(ca->cert, ca->ski, &ca->ski_len, &critical) < 0)
		ca->ski_len = 0;
	return 0;
}

/* Makes the key every chain is presented with, as GnuTLS's handshake wants it. */
static int
ca_wrap_key(struct ca *ca)
{
	int ret;

	if ((ret = gnutls_privkey_init(&ca->key)) < 0)
		return ret;
	return gnutls_privkey_import_x509(ca->key, ca->x509_key, 0);
}

/*
 * Mints the leaf for host (NULL: the default leaf), signed by the CA, and its chain. Called
 * at open and under the exclusive lock, so the CA's certificate and key are used by one
 * thread at a time.
 */
static struct ca_leaf *
ca_mint(struct ca *ca, const char *host, char *err, size_t errlen)
{
	const char *cn = host != NULL && strlen(host) <= CA_CN_MAX ? host : CA_DEFAULT_CN;
	size_t namelen = host != NULL ? strlen(host) : 0;
	time_t from = time(NULL) - CA_BACKDATE, until;
	gnutls_x509_crt_t crt = NULL;
	struct ca_leaf *leaf = NULL;
	int ret;
	size_t i;

	/* A leaf never starts before its CA nor outlives it: a verifier would reject it. */
	if (from < ca->not_before)
		from = ca->not_before;
	until = from + (time_t)CA_LEAF_DAYS * CA_DAY;
	if (until > ca->not_after)
		until = ca->not_after;
	if ((ret = gnutls_x509_crt_init(&crt)) < 0 ||
	    (ret = ca_crt_begin(crt, cn, ca->x509_key, ca->key_id, ca->key_id_len, from, until)) <
	        0 ||
	    (ret = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
	    (ret = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
	    (ret = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0)
		goto fail;
	if (host != NULL && (ret = ca_add_san(crt, host)) < 0)
		goto fail;
	for (i = 0; i < CA_NDEFAULT; i++) {
		if (host != NULL && ca_same_name(host, ca_default_names[i]))
			continue;
		if ((ret = ca_add_san(crt, ca_default_names[i])) < 0)
			goto fail;
	}
	if (ca->ski_len > 0 &&
	    (ret = gnutls_x509_crt_set_authority_key_id(crt, ca->ski, ca->ski_len)) < 0)
		goto fail;
	if ((ret = gnutls_x509_crt_sign2(crt, ca->cert, ca->cert_key, GNUTLS_DIG_SHA256, 0)) < 0)
		goto fail;
	leaf = calloc(1, sizeof(*leaf) + namelen + 1);
	if (leaf == NULL) {
		gnutls_x509_crt_deinit(crt);
		ca_fail(err, errlen, "ca: out of memory");
		return NULL;
	}
	/* The pcert keeps the certificate's DER and public key; the parsed form is let go. */
	if ((ret = gnutls_pcert_import_x509(&leaf->chain[0], crt, 0)) < 0)
		goto fail;
	leaf->chain[1] = ca->cert_pcert;
	if (namelen > 0)
		memcpy(leaf->name, host, namelen + 1);
	gnutls_x509_crt_deinit(crt);
	return leaf;
fail:
	ca_fail(err, errlen, "ca: cannot mint a certificate for %s: %s",
	        host != NULL ? host : "the default names", gnutls_strerror(ret));
	free(leaf);
	gnutls_x509_crt_deinit(crt);
	return NULL;
}

/*
 * FNV-1a over the name. Names chosen to collide cost no more than a scan of the table, which
 * has a fixed size and never holds more than CA_MAX_LEAVES leaves.
 */
static size_t
ca_hash(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
	return (size_t)(h & (CA_SLOTS - 1));
}

/* The slot holding host's leaf, or the empty slot where it would go. Under the lock. */
static struct ca_leaf **
ca_slot(struct ca *ca, const char *host)
{
	size_t i = ca_hash(host);

	while (ca->slots[i] != NULL && strcmp(ca->slots[i]->name, host) != 0)
		i = (i + 1) & (CA_SLOTS - 1);
	return &ca->slots[i];
}

static struct ca *
ca_alloc(char *err, size_t errlen)
{
	struct ca *ca = calloc(1, sizeof(*ca));

	if (ca == NULL)
		ca_fail(err, errlen, "ca: out of memory");
	return ca;
}

/* The rest of ca_open once the CA is in hand: the leaf key, the table, the default leaf. */
static int
ca_ready(struct ca *ca, char *err, size_t errlen)
{
	gnutls_datum_t pem;
	int ret;

	if ((ret = ca_new_key(&ca->x509_key, ca->key_id, &ca->key_id_len)) < 0 ||
	    (ret = ca_wrap_key(ca)) < 0)
		return ca_fail(err, errlen, "ca: cannot make the key for leaves: %s",
		               gnutls_strerror(ret));
	if ((ret = gnutls_pcert_import_x509(&ca->cert_pcert, ca->cert, 0)) < 0)
		return ca_fail(err, errlen, "ca: cannot use %s: %s", ca->cert_path,
		               gnutls_strerror(ret));
	ca->have_pcert = 1;
	if ((ret = gnutls_x509_crt_export2(ca->cert, GNUTLS_X509_FMT_PEM, &pem)) < 0)
		return ca_fail(err, errlen, "ca: cannot export %s: %s", ca->cert_path,
		               gnutls_strerror(ret));
	ca->cert_pem = malloc(pem.size + 1);
	if (ca->cert_pem != NULL) {
		memcpy(ca->cert_pem, pem.data, pem.size);
		ca->cert_pem[pem.size] = '\0';
	}
	gnutls_free(pem.data);
	ca->slots = calloc(CA_SLOTS, sizeof(*ca->slots));
	if (ca->cert_pem == NULL || ca->slots == NULL)
		return ca_fail(err, errlen, "ca: out of memory");
	if (pthread_rwlock_init(&ca->lock, NULL) != 0)
		return ca_fail(err, errlen, "ca: cannot make a lock");
	ca->have_lock = 1;
	ca->fallback = ca_mint(ca, NULL, err, errlen);
	return ca->fallback != NULL ? 0 : -1;
}

struct ca *
ca_open(const char *dir, int *created, char *err, size_t errlen)
{
	struct ca *ca = NULL;
	char *key_path = NULL;
	struct stat st;
	int lock_fd = -1, have_cert, have_key, ret = -1;

	if (created != NULL)
		*created = 0;
	if (dir == NULL || dir[0] == '\0') {
		ca_fail(err, errlen, "ca: no CA directory given");
		return NULL;
	}
	if (stat(dir, &st) != 0) {
		if (errno != ENOENT) {
			ca_fail(err, errlen, "ca: cannot use %s: %s", dir, strerror(errno));
			return NULL;
		}
		if (ca_mkdirs(dir, err, errlen) != 0)
			return NULL;
	} else if (!S_ISDIR(st.st_mode)) {
		ca_fail(err, errlen, "ca: %s is not a directory", dir);
		return NULL;
	} else if (st.st_mode & S_IWOTH) {
		/* Anyone could swap the CA's files in such a directory. */
		ca_fail(err, errlen,
		        "ca: %s may be written by every user, who could replace the CA; run chmod "
		        "700 %s",
		        dir, dir);
		return NULL;
	}
	if ((ca = ca_alloc(err, errlen)) == NULL)
		return NULL;
	ca->cert_path = ca_join(dir, CA_CERT_FILE);
	key_path = ca_join(dir, CA_KEY_FILE);
	if (ca->cert_path == NULL || key_path == NULL) {
		ca_fail(err, errlen, "ca: out of memory");
		goto out;
	}
	lock_fd = ca_lock_dir(dir);
	if ((have_cert = ca_exists(ca->cert_path, err, errlen)) < 0 ||
	    (have_key = ca_exists(key_path, err, errlen)) < 0)
		goto out;
	if (have_cert && have_key) {
		ret = ca_load(ca, key_path, err, errlen);
	} else if (have_cert || have_key) {
		/* Making the missing half would give a pair that does not belong together. */
		ca_fail(err, errlen,
		        "ca: %s is missing but %s is there; put it back, or remove %s to "
		        "make a new CA",
		        have_cert ? key_path : ca->cert_path, have_cert ? ca->cert_path : key_path,
		        have_cert ? ca->cert_path : key_path);
	} else {
		ret = ca_make(ca, key_path, err, errlen);
		if (ret == 0 && created != NULL)
			*created = 1;
		if (ret == 0 && lock_fd >= 0)
			fsync(lock_fd); /* the renames, on disk */
	}
out:
	if (lock_fd >= 0)
		close(lock_fd);
	free(key_path);
	if (ret == 0)
		ret = ca_ready(ca, err, errlen);
	if (ret != 0) {
		if (created != NULL)
			*created = 0;
		ca_free(ca);
		return NULL;
	}
	return ca;
}

struct ca *
ca_open_files(const char *cert_file, const char *key_file, char *err, size_t errlen)
{
	gnutls_x509_crt_t certs[CA_CHAIN_MAX];
	unsigned ncerts = CA_CHAIN_MAX, i;
	gnutls_datum_t data = {NULL, 0};
	struct ca *ca;
	int ret;

	if (cert_file == NULL || key_file == NULL) {
		ca_fail(err, errlen, "ca: a certificate file and a key file are both needed");
		return NULL;
	}
	if ((ca = ca_alloc(err, errlen)) == NULL)
		return NULL;
	if (ca_read_file(cert_file, &data, err, errlen) != 0)
		goto fail;
	ret = gnutls_x509_crt_list_import(certs, &ncerts, &data, GNUTLS_X509_FMT_PEM,
	                                  GNUTLS_X509_CRT_LIST_FAIL_IF_UNSORTED);
	ca_wipe(&data);
	if (ret < 0) {
		if (ret == GNUTLS_E_SHORT_MEMORY_BUFFER)
			ca_fail(err, errlen, "ca: %s holds more than %d certificates", cert_file,
			        CA_CHAIN_MAX);
		else if (ret == GNUTLS_E_CERTIFICATE_LIST_UNSORTED)
			ca_fail(err, errlen,
			        "ca: %s is out of order: the leaf must come first, then the "
			        "certificate that signed it, and so on",
			        cert_file);
		else
			ca_fail(err, errlen, "ca: %s holds no certificate GnuTLS can read: %s",
			        cert_file, gnutls_strerror(ret));
		goto fail;
	}
	ncerts = (unsigned)ret;
	ca->files = calloc(ncerts, sizeof(*ca->files));
	if (ca->files == NULL) {
		ca_fail(err, errlen, "ca: out of memory");
		ret = -1;
	}
	for (i = 0; i < ncerts && ret >= 0; i++) {
		if ((ret = gnutls_pcert_import_x509(&ca->files[i], certs[i], 0)) < 0)
			ca_fail(err, errlen, "ca: cannot use the certificates in %s: %s", cert_file,
			        gnutls_strerror(ret));
		else
			ca->nfiles = i + 1;
	}
	if (ret >= 0 &&
	    ca_load_key(key_file, &ca->x509_key, ca->key_id, &ca->key_id_len, err, errlen) != 0)
		ret = -1;
	if (ret >= 0 && !ca_key_matches(certs[0], ca->key_id, ca->key_id_len)) {
		ca_fail(err, errlen, "ca: %s is not the key of the first certificate in %s",
		        key_file, cert_file);
		ret = -1;
	}
	for (i = 0; i < ncerts; i++)
		gnutls_x509_crt_deinit(certs[i]);
	if (ret < 0)
		goto fail;
	if ((ret = ca_wrap_key(ca)) < 0) {
		ca_fail(err, errlen, "ca: cannot use the key in %s: %s", key_file,
		        gnutls_strerror(ret));
		goto fail;
	}
	return ca;
fail:
	ca_free(ca);
	return NULL;
}

const char *
ca_cert_path(const struct ca *ca)
{
	return ca != NULL && ca->files == NULL ? ca->cert_path : NULL;
}

const char *
ca_cert_pem(const struct ca *ca)
{
	return ca != NULL && ca->files == NULL ? ca->cert_pem : NULL;
}

int
ca_chain(struct ca *ca, const char *name, gnutls_pcert_st **pcert, unsigned *npcert,
         gnutls_privkey_t *key, char *err, size_t errlen)
{
	char host[CA_NAME_MAX + 1];
	struct ca_leaf *leaf = NULL, **slot;

	if (ca == NULL)
		return ca_fail(err, errlen, "ca: no CA");
	*key = ca->key;
	if (ca->files != NULL) {
		*pcert = ca->files;
		*npcert = ca->nfiles;
		return 0;
	}
	if (ca_host(name, host) != 0) {
		*pcert = ca->fallback->chain;
		*npcert = 2;
		return 0;
	}
	pthread_rwlock_rdlock(&ca->lock);
	leaf = *ca_slot(ca, host);
	pthread_rwlock_unlock(&ca->lock);
	if (leaf == NULL) {
		/*
		 * Another thread may have minted the name between the two locks: look again. A leaf
		 * once handed out is never freed before ca_free, because the caller holds its
		 * pointers for as long as GnuTLS needs them and has no way to say when it is done.
		 * So the table does not drop its oldest leaf when full, which could free a chain in
		 * use; past CA_MAX_LEAVES names, new ones get the default leaf instead. Memory
		 * stays bounded either way, and only a client asking for thousands of names
		 * notices.
		 */
		pthread_rwlock_wrlock(&ca->lock);
		slot = ca_slot(ca, host);
		leaf = *slot;
		if (leaf == NULL && ca->nleaves < CA_MAX_LEAVES) {
			leaf = ca_mint(ca, host, err, errlen);
			if (leaf == NULL) {
				pthread_rwlock_unlock(&ca->lock);
				return -1;
			}
			*slot = leaf;
			ca->nleaves++;
		} else if (leaf == NULL) {
			leaf = ca->fallback;
		}
		pthread_rwlock_unlock(&ca->lock);
	}
	*pcert = leaf->chain;
	*npcert = 2;
	return 0;
}

static void
ca_leaf_free(struct ca_leaf *leaf)
{
	if (leaf != NULL) {
		gnutls_pcert_deinit(&leaf->chain[0]);
		free(leaf);
	}
}

void
ca_free(struct ca *ca)
{
	size_t i;

	if (ca == NULL)
		return;
	if (ca->slots != NULL) {
		for (i = 0; i < CA_SLOTS; i++)
			ca_leaf_free(ca->slots[i]);
		free(ca->slots);
	}
	ca_leaf_free(ca->fallback);
	if (ca->have_lock)
		pthread_rwlock_destroy(&ca->lock);
	for (i = 0; i < ca->nfiles; i++)
		gnutls_pcert_deinit(&ca->files[i]);
	free(ca->files);
	if (ca->have_pcert)
		gnutls_pcert_deinit(&ca->cert_pcert);
	/* The privkey refers to the x509 key without owning it, so it goes first. */
	if (ca->key != NULL)
		gnutls_privkey_deinit(ca->key);
	if (ca->x509_key != NULL)
		gnutls_x509_privkey_deinit(ca->x509_key);
	if (ca->cert_key != NULL)
		gnutls_x509_privkey_deinit(ca->cert_key);
	if (ca->cert != NULL)
		gnutls_x509_crt_deinit(ca->cert);
	free(ca->cert_pem);
	free(ca->cert_path);
	free(ca);
}
