/*
 * test_ca.c - the certificate authority as a client sees it: a new directory gets a CA with
 * the right files, modes and extensions, and the same CA comes back on every later open; the
 * default leaf and the leaves minted per name verify against it for their names (and not for
 * others), are made once per name whatever its case, and bad names get the default leaf;
 * directories that are half there, too open, or hold the wrong files are refused without
 * being touched; a user's own chain and key serve every name; threads asking at once share
 * one leaf per name; and the default directory follows XDG_DATA_HOME, then HOME.
 */
#include "ca.h"

#include <check.h>
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "harness.h"

#define DAY 86400
/* The names every leaf covers, as a client writes them and as a SAN listing shows them. */
static const char *const default_names[] = {"localhost", "127.0.0.1", "::1", "api.gong.io",
                                            "us-14496.api.gong.io"};
static const char *const default_sans[] = {"DNS:localhost", "IP:127.0.0.1", "IP:::1",
                                           "DNS:api.gong.io", "DNS:*.api.gong.io"};
#define NDEFAULT 5

static char tmpdir[64];

static void
make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_ca.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
remove_tmpdir(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s'; rm -rf '%s'", tmpdir, tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* tmpdir/rel into buf. */
static const char *
in_tmp(char *buf, size_t buflen, const char *rel)
{
	snprintf(buf, buflen, "%s/%s", tmpdir, rel);
	return buf;
}

static unsigned
mode_of(const char *path)
{
	struct stat st;

	ck_assert_msg(stat(path, &st) == 0, "%s: %s", path, strerror(errno));
	return (unsigned)(st.st_mode & 07777);
}

static int
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void
write_text(const char *path, const char *text, const char *how, unsigned mode)
{
	FILE *f = fopen(path, how);

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/* Opens the CA in dir, which must work; *created when not NULL. */
static struct ca *
open_ok(const char *dir, int *created)
{
	char err[512] = "";
	struct ca *ca = ca_open(dir, created, err, sizeof(err));

	ck_assert_msg(ca != NULL, "ca_open %s: %s", dir, err);
	return ca;
}

/* Opens the CA in dir, which must fail; its message, which must name `file`, into err. */
static void
open_fails(const char *dir, const char *file, char *err, size_t errlen)
{
	int created = 7;
	struct ca *ca;

	err[0] = '\0';
	ca = ca_open(dir, &created, err, errlen);
	ck_assert_msg(ca == NULL, "ca_open %s worked", dir);
	ca_free(ca);
	ck_assert_int_eq(created, 0);
	ck_assert_msg(strstr(err, file) != NULL, "\"%s\" does not name %s", err, file);
}

static gnutls_x509_crt_t
crt_from(const void *data, size_t len, gnutls_x509_crt_fmt_t fmt)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d = {(unsigned char *)data, (unsigned)len};

	ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
	ck_assert_int_eq(gnutls_x509_crt_import(crt, &d, fmt), 0);
	return crt;
}

static gnutls_x509_crt_t
crt_from_pem(const char *pem)
{
	return crt_from(pem, strlen(pem), GNUTLS_X509_FMT_PEM);
}

static gnutls_x509_crt_t
crt_from_pcert(const gnutls_pcert_st *p)
{
	return crt_from(p->cert.data, p->cert.size, GNUTLS_X509_FMT_DER);
}

static gnutls_x509_privkey_t
key_from_file(const char *path)
{
	gnutls_x509_privkey_t key;
	size_t len;
	char *text = harness_read_file(path, &len);
	gnutls_datum_t d = {(unsigned char *)text, (unsigned)len};

	ck_assert_int_eq(gnutls_x509_privkey_init(&key), 0);
	ck_assert_int_eq(gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_PEM, NULL, 0), 0);
	free(text);
	return key;
}

static gnutls_x509_privkey_t
new_key(void)
{
	gnutls_x509_privkey_t key;

	ck_assert_int_eq(gnutls_x509_privkey_init(&key), 0);
	ck_assert_int_eq(
	    gnutls_x509_privkey_generate2(
	        key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0, NULL, 0),
	    0);
	return key;
}

static void
write_key(const char *path, gnutls_x509_privkey_t key)
{
	gnutls_datum_t pem;

	ck_assert_int_eq(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &pem), 0);
	write_text(path, (const char *)pem.data, "w", 0600);
	gnutls_free(pem.data);
}

/*
 * Writes (how: "w") or appends ("a") a certificate for key, signed by issuer (NULL: by
 * itself), a CA's or not, for one DNS name (NULL: none) - as another tool would make it.
 */
static void
write_cert(const char *path, const char *how, gnutls_x509_privkey_t key, gnutls_x509_crt_t issuer,
           gnutls_x509_privkey_t issuer_key, int is_ca, const char *dns)
{
	static const unsigned char serial[] = {0x01, 0x23, 0x45, 0x67};
	time_t now = time(NULL);
	gnutls_x509_crt_t crt;
	gnutls_datum_t pem;

	ck_assert_int_eq(gnutls_x509_crt_init(&crt), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_version(crt, 3), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_activation_time(crt, now - 60), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_expiration_time(crt, now + 30 * DAY), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	                                               dns != NULL ? dns : "test",
	                                               dns != NULL ? (unsigned)strlen(dns) : 4),
	                 0);
	ck_assert_int_eq(gnutls_x509_crt_set_key(crt, key), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_basic_constraints(crt, (unsigned)is_ca, -1), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_key_usage(crt, is_ca ? GNUTLS_KEY_KEY_CERT_SIGN
	                                                          : GNUTLS_KEY_DIGITAL_SIGNATURE),
	                 0);
	if (dns != NULL)
		ck_assert_int_eq(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, dns,
		                                                      (unsigned)strlen(dns),
		                                                      GNUTLS_FSAN_APPEND),
		                 0);
	ck_assert_int_eq(gnutls_x509_crt_sign2(crt, issuer != NULL ? issuer : crt,
	                                       issuer_key != NULL ? issuer_key : key,
	                                       GNUTLS_DIG_SHA256, 0),
	                 0);
	ck_assert_int_eq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &pem), 0);
	write_text(path, (const char *)pem.data, how, 0644);
	gnutls_free(pem.data);
	gnutls_x509_crt_deinit(crt);
}

/*
 * Verifies chain against the CA in ca_pem as a TLS client would for host (NULL: no name):
 * the signatures, the validity, serverAuth and the name. The verification status, 0 when good.
 */
static unsigned
verify_for(const char *ca_pem, const gnutls_pcert_st *chain, unsigned n, const char *host)
{
	gnutls_x509_trust_list_t tl;
	gnutls_x509_crt_t ca = crt_from_pem(ca_pem), crts[16];
	gnutls_typed_vdata_st vd[2];
	unsigned char ip[16];
	unsigned i, status = 1, nvd = 1;

	ck_assert_uint_le(n, 16);
	ck_assert_int_eq(gnutls_x509_trust_list_init(&tl, 0), 0);
	ck_assert_int_eq(gnutls_x509_trust_list_add_cas(tl, &ca, 1, 0), 1);
	for (i = 0; i < n; i++)
		crts[i] = crt_from_pcert(&chain[i]);
	vd[0].type = GNUTLS_DT_KEY_PURPOSE_OID;
	vd[0].data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER;
	vd[0].size = 0;
	if (host != NULL) {
		vd[1].type = GNUTLS_DT_DNS_HOSTNAME;
		vd[1].data = (unsigned char *)host;
		vd[1].size = 0;
		if (inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1) {
			vd[1].type = GNUTLS_DT_IP_ADDRESS;
			vd[1].data = ip;
			vd[1].size = strchr(host, ':') != NULL ? 16 : 4;
		}
		nvd = 2;
	}
	ck_assert_int_eq(gnutls_x509_trust_list_verify_crt2(tl, crts, n, vd, nvd, 0, &status, NULL),
	                 0);
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_x509_trust_list_deinit(tl, 1);
	return status;
}

/* The subject alternative names of crt as "DNS:name" and "IP:address", in order. */
static int
sans_of(gnutls_x509_crt_t crt, char out[][300], int max)
{
	char buf[300];
	int n;

	for (n = 0;; n++) {
		size_t size = sizeof(buf);
		int ret = gnutls_x509_crt_get_subject_alt_name(crt, (unsigned)n, buf, &size, NULL);
		char ip[INET6_ADDRSTRLEN];

		if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			return n;
		ck_assert_int_ge(ret, 0);
		ck_assert_int_lt(n, max);
		if (ret == GNUTLS_SAN_IPADDRESS) {
			ck_assert(size == 4 || size == 16);
			ck_assert_ptr_nonnull(
			    inet_ntop(size == 4 ? AF_INET : AF_INET6, buf, ip, sizeof(ip)));
			snprintf(out[n], 300, "IP:%s", ip);
		} else {
			ck_assert_int_eq(ret, GNUTLS_SAN_DNSNAME);
			snprintf(out[n], 300, "DNS:%.*s", (int)size, buf);
		}
	}
}

/*
 * crt's SANs are `first` (NULL: none) then the defaults, each once: what every leaf carries.
 */
static void
assert_sans(gnutls_x509_crt_t crt, const char *first)
{
	char sans[16][300];
	int n = sans_of(crt, sans, 16), i, j, found;

	ck_assert_int_eq(n, (first != NULL) + NDEFAULT);
	if (first != NULL)
		ck_assert_str_eq(sans[0], first);
	for (i = 0; i < NDEFAULT; i++) {
		found = 0;
		for (j = 0; j < n; j++)
			found += strcmp(sans[j], default_sans[i]) == 0;
		ck_assert_msg(found == 1, "%s is in the SANs %d times", default_sans[i], found);
	}
}

/* The subject's attribute oid into buf; the subject must have it once. */
static void
attr_of(gnutls_x509_crt_t crt, const char *oid, char *buf, size_t buflen)
{
	size_t size = buflen;

	ck_assert_int_eq(gnutls_x509_crt_get_dn_by_oid(crt, oid, 0, 0, buf, &size), 0);
	size = buflen;
	ck_assert_int_eq(gnutls_x509_crt_get_dn_by_oid(crt, oid, 1, 0, buf + 1, &size),
	                 GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE);
}

static void
dn_of(gnutls_x509_crt_t crt, int issuer, char *buf, size_t buflen)
{
	size_t size = buflen;

	if (issuer)
		ck_assert_int_eq(gnutls_x509_crt_get_issuer_dn(crt, buf, &size), 0);
	else
		ck_assert_int_eq(gnutls_x509_crt_get_dn(crt, buf, &size), 0);
}

/* What a leaf minted by the CA in ca_pem must be, whatever its name. */
static void
assert_leaf(const gnutls_pcert_st *chain, const char *ca_pem, const char *cn)
{
	gnutls_x509_crt_t leaf = crt_from_pcert(&chain[0]), ca = crt_from_pem(ca_pem);
	unsigned critical = 0, is_ca = 1, usage = 0, status = 1;
	unsigned char aki[64], ski[64];
	size_t aki_len = sizeof(aki), ski_len = sizeof(ski), size;
	char oid[128], attr[300];
	time_t now = time(NULL), from, until;
	int pathlen;

	gnutls_datum_t der;

	/* The chain's second certificate is the CA's, byte for byte. */
	ck_assert_int_eq(gnutls_x509_crt_export2(ca, GNUTLS_X509_FMT_DER, &der), 0);
	ck_assert_uint_eq(chain[1].cert.size, der.size);
	ck_assert_mem_eq(chain[1].cert.data, der.data, der.size);
	gnutls_free(der.data);
	ck_assert_int_eq(gnutls_x509_crt_get_version(leaf), 3);
	ck_assert_int_eq(gnutls_x509_crt_get_basic_constraints(leaf, &critical, &is_ca, &pathlen),
	                 0);
	ck_assert_uint_eq(is_ca, 0);
	ck_assert_uint_eq(critical, 1);
	ck_assert_int_eq(gnutls_x509_crt_get_key_usage(leaf, &usage, &critical), 0);
	ck_assert_uint_eq(usage, GNUTLS_KEY_DIGITAL_SIGNATURE);
	ck_assert_uint_eq(critical, 1);
	size = sizeof(oid);
	ck_assert_int_eq(gnutls_x509_crt_get_key_purpose_oid(leaf, 0, oid, &size, &critical), 0);
	ck_assert_str_eq(oid, GNUTLS_KP_TLS_WWW_SERVER);
	size = sizeof(oid);
	ck_assert_int_eq(gnutls_x509_crt_get_key_purpose_oid(leaf, 1, oid, &size, &critical),
	                 GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE);
	from = gnutls_x509_crt_get_activation_time(leaf);
	until = gnutls_x509_crt_get_expiration_time(leaf);
	ck_assert_int_le(from, now);
	ck_assert_int_ge(from, now - 2 * 3600);
	ck_assert_int_le(until - from, (time_t)CA_LEAF_DAYS * DAY);
	ck_assert_int_ge(until - from, (time_t)CA_LEAF_DAYS * DAY - 3600);
	ck_assert_int_le(until, gnutls_x509_crt_get_expiration_time(ca));
	/* Signed by the CA, which its authority key identifier names. */
	ck_assert_int_eq(gnutls_x509_crt_verify(leaf, &ca, 1, 0, &status), 0);
	ck_assert_uint_eq(status, 0);
	ck_assert_int_eq(gnutls_x509_crt_get_authority_key_id(leaf, aki, &aki_len, &critical), 0);
	ck_assert_int_eq(gnutls_x509_crt_get_subject_key_id(ca, ski, &ski_len, &critical), 0);
	ck_assert_uint_eq(aki_len, ski_len);
	ck_assert_mem_eq(aki, ski, ski_len);
	ski_len = sizeof(ski);
	ck_assert_int_eq(gnutls_x509_crt_get_subject_key_id(leaf, ski, &ski_len, &critical), 0);
	ck_assert_uint_eq(ski_len, 20);
	ck_assert_int_eq(gnutls_x509_crt_get_signature_algorithm(leaf), GNUTLS_SIGN_ECDSA_SHA256);
	attr_of(leaf, GNUTLS_OID_X520_COMMON_NAME, attr, sizeof(attr));
	ck_assert_str_eq(attr, cn);
	attr_of(leaf, GNUTLS_OID_X520_ORGANIZATION_NAME, attr, sizeof(attr));
	ck_assert_str_eq(attr, "gongmock");
	gnutls_x509_crt_deinit(leaf);
	gnutls_x509_crt_deinit(ca);
}

/* The key handed out with a chain is the one its first certificate is for. */
static void
assert_key_fits(gnutls_privkey_t key, const gnutls_pcert_st *leaf)
{
	gnutls_datum_t data = {(unsigned char *)"gongmock", 8}, sig;
	int pk = gnutls_pubkey_get_pk_algorithm(leaf->pubkey, NULL);

	ck_assert_ptr_nonnull(key);
	ck_assert_int_eq(gnutls_privkey_sign_data(key, GNUTLS_DIG_SHA256, 0, &data, &sig), 0);
	ck_assert_int_ge(gnutls_pubkey_verify_data2(
	                     leaf->pubkey,
	                     gnutls_pk_to_sign((gnutls_pk_algorithm_t)pk, GNUTLS_DIG_SHA256), 0,
	                     &data, &sig),
	                 0);
	gnutls_free(sig.data);
}

/* The chain for name, which must be given. */
static gnutls_pcert_st *
chain_for(struct ca *ca, const char *name, unsigned *n, gnutls_privkey_t *key)
{
	gnutls_pcert_st *pcert = NULL;
	gnutls_privkey_t k = NULL;
	unsigned count = 0;
	char err[256] = "";

	ck_assert_msg(ca_chain(ca, name, &pcert, &count, &k, err, sizeof(err)) == 0, "%s: %s",
	              name != NULL ? name : "(null)", err);
	ck_assert_ptr_nonnull(pcert);
	if (n != NULL)
		*n = count;
	if (key != NULL)
		*key = k;
	return pcert;
}

/* ---- A new CA, and the same one after ---- */

START_TEST(test_new_dir_makes_a_ca)
{
	char dir[128], path[160], dn[512], issuer[512];
	unsigned char serial[32], ski[64], id[64];
	size_t serial_len = sizeof(serial), ski_len = sizeof(ski), id_len = sizeof(id);
	unsigned critical = 0, is_ca = 0, usage = 0, status = 1, bits = 0;
	time_t now = time(NULL), from, until;
	gnutls_x509_crt_t crt;
	gnutls_x509_privkey_t key;
	struct ca *ca;
	char *pem;
	int created = 0, pathlen = -1;

	make_tmpdir();
	umask(022);
	in_tmp(dir, sizeof(dir), "a/b/ca");
	ca = open_ok(dir, &created);
	ck_assert_int_eq(created, 1);
	/* The directory and its new parents are the owner's only; the files 0644 and 0600. */
	ck_assert_uint_eq(mode_of(in_tmp(path, sizeof(path), "a")), 0700);
	ck_assert_uint_eq(mode_of(in_tmp(path, sizeof(path), "a/b")), 0700);
	ck_assert_uint_eq(mode_of(dir), 0700);
	ck_assert_uint_eq(mode_of(in_tmp(path, sizeof(path), "a/b/ca/ca.pem")), 0644);
	ck_assert_str_eq(ca_cert_path(ca), path);
	ck_assert_uint_eq(mode_of(in_tmp(path, sizeof(path), "a/b/ca/ca-key.pem")), 0600);
	ck_assert(!exists(in_tmp(path, sizeof(path), "a/b/ca/ca.pem.tmp")));
	ck_assert(!exists(in_tmp(path, sizeof(path), "a/b/ca/ca-key.pem.tmp")));
	pem = harness_read_file(ca_cert_path(ca), NULL);
	ck_assert_str_eq(ca_cert_pem(ca), pem);
	ck_assert(strncmp(pem, "-----BEGIN CERTIFICATE-----\n", 28) == 0);

	crt = crt_from_pem(pem);
	ck_assert_int_eq(gnutls_x509_crt_get_version(crt), 3);
	ck_assert_int_eq(gnutls_x509_crt_get_serial(crt, serial, &serial_len), 0);
	ck_assert_uint_eq(serial_len, 16);
	ck_assert_uint_eq(serial[0] & 0x80, 0);
	attr_of(crt, GNUTLS_OID_X520_COMMON_NAME, dn, sizeof(dn));
	ck_assert_msg(strncmp(dn, "gongmock local CA (", 19) == 0 && dn[strlen(dn) - 1] == ')',
	              "%s", dn);
	attr_of(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, dn, sizeof(dn));
	ck_assert_str_eq(dn, "gongmock");
	dn_of(crt, 0, dn, sizeof(dn));
	/* Self-signed: its issuer is itself, and its signature verifies with its own key. */
	dn_of(crt, 1, issuer, sizeof(issuer));
	ck_assert_str_eq(issuer, dn);
	ck_assert_int_eq(gnutls_x509_crt_verify(crt, &crt, 1, 0, &status), 0);
	ck_assert_uint_eq(status, 0);
	ck_assert_int_eq(gnutls_x509_crt_get_signature_algorithm(crt), GNUTLS_SIGN_ECDSA_SHA256);
	ck_assert_int_eq(gnutls_x509_crt_get_pk_algorithm(crt, &bits), GNUTLS_PK_ECDSA);
	ck_assert_uint_eq(bits, 256);
	/* A CA (critical, path length 0) that may sign certificates and CRLs. */
	ck_assert_int_gt(gnutls_x509_crt_get_basic_constraints(crt, &critical, &is_ca, &pathlen),
	                 0);
	ck_assert_uint_eq(is_ca, 1);
	ck_assert_uint_eq(critical, 1);
	ck_assert_int_eq(pathlen, 0);
	ck_assert_int_eq(gnutls_x509_crt_get_key_usage(crt, &usage, &critical), 0);
	ck_assert_uint_eq(usage, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN);
	ck_assert_uint_eq(critical, 1);
	/* Valid now, from an hour ago, for CA_DAYS days. */
	from = gnutls_x509_crt_get_activation_time(crt);
	until = gnutls_x509_crt_get_expiration_time(crt);
	ck_assert_int_le(from, now - 3600 + 5);
	ck_assert_int_ge(from, now - 3600 - 5);
	ck_assert_int_eq(until - from, (time_t)CA_DAYS * DAY);
	/* Its subject key identifier is its key's, and the key file holds that key. */
	ck_assert_int_eq(gnutls_x509_crt_get_subject_key_id(crt, ski, &ski_len, &critical), 0);
	ck_assert_uint_eq(critical, 0);
	key = key_from_file(in_tmp(path, sizeof(path), "a/b/ca/ca-key.pem"));
	ck_assert_int_eq(gnutls_x509_privkey_get_key_id(key, 0, id, &id_len), 0);
	ck_assert_uint_eq(id_len, ski_len);
	ck_assert_mem_eq(id, ski, ski_len);

	gnutls_x509_privkey_deinit(key);
	gnutls_x509_crt_deinit(crt);
	free(pem);
	ca_free(ca);
	remove_tmpdir();
}
END_TEST

START_TEST(test_modes_hold_whatever_the_umask)
{
	char dir[128], path[160];
	struct ca *ca;

	/* Even a umask that takes the owner's own write bit. */
	make_tmpdir();
	umask(0277);
	in_tmp(dir, sizeof(dir), "new/ca");
	ca = open_ok(dir, NULL);
	umask(022);
	ck_assert_uint_eq(mode_of(in_tmp(path, sizeof(path), "new")), 0700);
	ck_assert_uint_eq(mode_of(dir), 0700);
	ck_assert_uint_eq(mode_of(in_tmp(path, sizeof(path), "new/ca/ca.pem")), 0644);
	ck_assert_uint_eq(mode_of(in_tmp(path, sizeof(path), "new/ca/ca-key.pem")), 0600);
	ca_free(ca);
	remove_tmpdir();
}
END_TEST

START_TEST(test_reopen_gives_the_same_ca)
{
	char dir[128], key_path[160];
	struct ca *first, *again;
	char *pem, *key;
	int created = 7;

	make_tmpdir();
	in_tmp(dir, sizeof(dir), "ca");
	first = open_ok(dir, &created);
	ck_assert_int_eq(created, 1);
	pem = strdup(ca_cert_pem(first));
	key = harness_read_file(in_tmp(key_path, sizeof(key_path), "ca/ca-key.pem"), NULL);
	ca_free(first);

	/* A client that trusted ca.pem once keeps trusting what the next run presents. */
	again = open_ok(dir, &created);
	ck_assert_int_eq(created, 0);
	ck_assert_str_eq(ca_cert_pem(again), pem);
	ck_assert_uint_eq(verify_for(pem, chain_for(again, NULL, NULL, NULL), 2, "localhost"), 0);
	ca_free(again);
	again = open_ok(dir, NULL);
	ck_assert_str_eq(ca_cert_pem(again), pem);
	ca_free(again);
	free(pem);
	pem = harness_read_file(key_path, NULL);
	ck_assert_str_eq(pem, key);
	free(pem);
	free(key);
	remove_tmpdir();
}
END_TEST

/* ---- Leaves ---- */

START_TEST(test_default_leaf_covers_the_default_names)
{
	char dir[128];
	gnutls_pcert_st *chain;
	gnutls_privkey_t key;
	gnutls_x509_crt_t leaf;
	unsigned n = 0, i;
	struct ca *ca, *other;

	make_tmpdir();
	ca = open_ok(in_tmp(dir, sizeof(dir), "ca"), NULL);
	chain = chain_for(ca, NULL, &n, &key);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_eq(chain_for(ca, "", NULL, NULL), chain);
	assert_leaf(chain, ca_cert_pem(ca), "gongmock");
	assert_key_fits(key, &chain[0]);
	for (i = 0; i < NDEFAULT; i++)
		ck_assert_msg(verify_for(ca_cert_pem(ca), chain, 2, default_names[i]) == 0,
		              "the default leaf does not verify for %s", default_names[i]);
	ck_assert_uint_eq(verify_for(ca_cert_pem(ca), chain, 2, NULL), 0);
	/* Verification fails for another name, and against another CA. */
	other = open_ok(in_tmp(dir, sizeof(dir), "other"), NULL);
	ck_assert_uint_ne(verify_for(ca_cert_pem(other), chain, 2, "localhost"), 0);
	ck_assert_uint_ne(verify_for(ca_cert_pem(other), chain, 1, "localhost"), 0);
	ca_free(other);
	ck_assert_uint_ne(verify_for(ca_cert_pem(ca), chain, 2, "example.com"), 0);
	ck_assert_uint_ne(verify_for(ca_cert_pem(ca), chain, 2, "10.0.0.1"), 0);

	leaf = crt_from_pcert(&chain[0]);
	assert_sans(leaf, NULL);
	ck_assert_int_eq(gnutls_x509_crt_check_hostname(leaf, "example.com"), 0);
	ck_assert_int_eq(gnutls_x509_crt_check_hostname(leaf, "a.b.api.gong.io"), 0);
	ck_assert_int_ne(gnutls_x509_crt_check_hostname(leaf, "US-14496.API.gong.io"), 0);
	gnutls_x509_crt_deinit(leaf);
	ca_free(ca);
	remove_tmpdir();
}
END_TEST

START_TEST(test_each_name_gets_its_leaf)
{
	/* Each name, its CN and the SAN it adds before the defaults (NULL: a default already). */
	static const struct {
		const char *name, *san;
	} cases[] = {
	    {"api.gong.io", NULL},
	    {"us-14496.api.gong.io", "DNS:us-14496.api.gong.io"},
	    {"localhost", NULL},
	    {"127.0.0.1", NULL},
	    {"example.com", "DNS:example.com"},
	    {"10.1.2.3", "IP:10.1.2.3"},
	    {"*.example.org", "DNS:*.example.org"},
	};
	char dir[128], serial[16][40];
	gnutls_pcert_st *fallback, *chain;
	gnutls_privkey_t key;
	gnutls_x509_crt_t leaf;
	unsigned n, i, j;
	struct ca *ca;

	make_tmpdir();
	ca = open_ok(in_tmp(dir, sizeof(dir), "ca"), NULL);
	fallback = chain_for(ca, NULL, NULL, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t size = sizeof(serial[i]);

		chain = chain_for(ca, cases[i].name, &n, &key);
		ck_assert_uint_eq(n, 2);
		ck_assert_ptr_ne(chain, fallback);
		assert_leaf(chain, ca_cert_pem(ca), cases[i].name);
		assert_key_fits(key, &chain[0]);
		if (cases[i].name[0] != '*')
			ck_assert_msg(verify_for(ca_cert_pem(ca), chain, 2, cases[i].name) == 0,
			              "the leaf for %s does not verify for it", cases[i].name);
		ck_assert_uint_eq(verify_for(ca_cert_pem(ca), chain, 2, "localhost"), 0);
		leaf = crt_from_pcert(&chain[0]);
		assert_sans(leaf, cases[i].san);
		ck_assert_int_eq(gnutls_x509_crt_get_serial(leaf, serial[i], &size), 0);
		for (j = 0; j < i; j++)
			ck_assert(memcmp(serial[i], serial[j], 16) != 0);
		gnutls_x509_crt_deinit(leaf);
	}
	/* example.com is the default leaf's to refuse, and its own leaf's to take. */
	leaf = crt_from_pcert(&fallback[0]);
	ck_assert_int_eq(gnutls_x509_crt_check_hostname(leaf, "example.com"), 0);
	gnutls_x509_crt_deinit(leaf);
	leaf = crt_from_pcert(&chain_for(ca, "example.com", NULL, NULL)[0]);
	ck_assert_int_ne(gnutls_x509_crt_check_hostname(leaf, "example.com"), 0);
	ck_assert_int_ne(gnutls_x509_crt_check_hostname(leaf, "api.gong.io"), 0);
	ck_assert_int_eq(gnutls_x509_crt_check_hostname(leaf, "example.net"), 0);
	gnutls_x509_crt_deinit(leaf);
	/* The wildcard name covers what a wildcard covers. */
	leaf = crt_from_pcert(&chain_for(ca, "*.example.org", NULL, NULL)[0]);
	ck_assert_int_ne(gnutls_x509_crt_check_hostname(leaf, "www.example.org"), 0);
	gnutls_x509_crt_deinit(leaf);
	/* "::1" is no host name (ca.h: ':' is not among its characters): the default leaf, which
	 * covers it. */
	chain = chain_for(ca, "::1", NULL, NULL);
	ck_assert_ptr_eq(chain, fallback);
	ck_assert_uint_eq(verify_for(ca_cert_pem(ca), chain, 2, "::1"), 0);
	ca_free(ca);
	remove_tmpdir();
}
END_TEST

START_TEST(test_same_name_is_minted_once)
{
	char dir[128];
	gnutls_pcert_st *chain;
	gnutls_x509_crt_t leaf;
	struct ca *ca;

	make_tmpdir();
	ca = open_ok(in_tmp(dir, sizeof(dir), "ca"), NULL);
	chain = chain_for(ca, "Example.COM.", NULL, NULL);
	ck_assert_ptr_eq(chain_for(ca, "example.com", NULL, NULL), chain);
	ck_assert_ptr_eq(chain_for(ca, "EXAMPLE.com", NULL, NULL), chain);
	ck_assert_ptr_eq(chain_for(ca, "example.com.", NULL, NULL), chain);
	ck_assert_ptr_ne(chain_for(ca, "example.net", NULL, NULL), chain);
	ck_assert_ptr_ne(chain_for(ca, NULL, NULL, NULL), chain);
	/* The leaf is in lower case, without the dot. */
	assert_leaf(chain, ca_cert_pem(ca), "example.com");
	leaf = crt_from_pcert(&chain[0]);
	assert_sans(leaf, "DNS:example.com");
	gnutls_x509_crt_deinit(leaf);
	ca_free(ca);
	remove_tmpdir();
}
END_TEST

START_TEST(test_bad_names_get_the_default_leaf)
{
	char dir[128], longest[300], label[80], over[300];
	const char *bad[] = {"a..b",  "bad name", over,      label, "x\x01",
	                     ".",     "..",       ".lead",   "a_b", "caf\xc3\xa9.com",
	                     "a.b..", "[::1]",    "host:443"};
	gnutls_pcert_st *fallback, *chain;
	gnutls_x509_crt_t leaf;
	unsigned i;
	struct ca *ca;

	/* 300 characters in labels of 3; a label of 64; and the longest name, 253 + a dot. */
	for (i = 0; i < 299; i++)
		over[i] = i % 4 == 3 ? '.' : 'a';
	over[299] = '\0';
	memset(label, 'b', 64);
	strcpy(label + 64, ".com");
	for (i = 0; i < 253; i++)
		longest[i] = i % 4 == 3 ? '.' : 'c';
	longest[253] = '.';
	longest[254] = '\0';

	make_tmpdir();
	ca = open_ok(in_tmp(dir, sizeof(dir), "ca"), NULL);
	fallback = chain_for(ca, NULL, NULL, NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(chain_for(ca, bad[i], NULL, NULL) == fallback,
		              "\"%s\" got a leaf of its own", bad[i]);
	/* The longest name is a name: its own leaf, verifying for it (its CN the default). */
	chain = chain_for(ca, longest, NULL, NULL);
	ck_assert_ptr_ne(chain, fallback);
	longest[253] = '\0';
	assert_leaf(chain, ca_cert_pem(ca), "gongmock");
	ck_assert_uint_eq(verify_for(ca_cert_pem(ca), chain, 2, longest), 0);
	leaf = crt_from_pcert(&chain[0]);
	ck_assert_int_ne(gnutls_x509_crt_check_hostname(leaf, longest), 0);
	gnutls_x509_crt_deinit(leaf);
	ca_free(ca);
	remove_tmpdir();
}
END_TEST

/* ---- Directories that are refused ---- */

START_TEST(test_key_others_may_read_is_refused)
{
	char dir[128], key_path[160], err[512];
	static const unsigned modes[] = {0644, 0640, 0604, 0620, 0610};
	unsigned i;
	char *before, *after;

	make_tmpdir();
	in_tmp(dir, sizeof(dir), "ca");
	ca_free(open_ok(dir, NULL));
	in_tmp(key_path, sizeof(key_path), "ca/ca-key.pem");
	before = harness_read_file(key_path, NULL);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		ck_assert_int_eq(chmod(key_path, modes[i]), 0);
		open_fails(dir, key_path, err, sizeof(err));
		ck_assert_msg(strstr(err, "permissions") != NULL, "%s", err);
		ck_assert_msg(strstr(err, "chmod 600") != NULL, "%s", err);
		ck_assert_uint_eq(mode_of(key_path), modes[i]);
	}
	after = harness_read_file(key_path, NULL);
	ck_assert_str_eq(after, before);
	/* Once the key is the owner's again, the CA opens. */
	ck_assert_int_eq(chmod(key_path, 0600), 0);
	ca_free(open_ok(dir, NULL));
	free(before);
	free(after);
	remove_tmpdir();
}
END_TEST

START_TEST(test_one_file_missing_is_refused)
{
	char dir[128], cert_path[160], key_path[160], err[512];
	char *cert, *key, *now;

	make_tmpdir();
	in_tmp(dir, sizeof(dir), "ca");
	ca_free(open_ok(dir, NULL));
	in_tmp(cert_path, sizeof(cert_path), "ca/ca.pem");
	in_tmp(key_path, sizeof(key_path), "ca/ca-key.pem");
	cert = harness_read_file(cert_path, NULL);
	key = harness_read_file(key_path, NULL);

	/* Without the certificate: refused, naming it, and the key is left as it was. */
	ck_assert_int_eq(unlink(cert_path), 0);
	open_fails(dir, cert_path, err, sizeof(err));
	ck_assert_msg(strstr(err, "is missing") != NULL, "%s", err);
	ck_assert_msg(strncmp(err + 4, cert_path, strlen(cert_path)) == 0, "%s", err);
	ck_assert(!exists(cert_path));
	now = harness_read_file(key_path, NULL);
	ck_assert_str_eq(now, key);
	free(now);
	ck_assert_uint_eq(mode_of(key_path), 0600);

	/* Without the key: the same, the other way round. */
	write_text(cert_path, cert, "w", 0644);
	ck_assert_int_eq(unlink(key_path), 0);
	open_fails(dir, key_path, err, sizeof(err));
	ck_assert_msg(strstr(err, "is missing") != NULL, "%s", err);
	ck_assert_msg(strncmp(err, "ca: ", 4) == 0 &&
	                  strncmp(err + 4, key_path, strlen(key_path)) == 0,
	              "%s", err);
	ck_assert(!exists(key_path));
	now = harness_read_file(cert_path, NULL);
	ck_assert_str_eq(now, cert);
	free(now);

	free(cert);
	free(key);
	remove_tmpdir();
}
END_TEST

START_TEST(test_cert_not_a_ca_is_refused)
{
	char dir[128], cert_path[160], key_path[160], err[512];
	gnutls_x509_privkey_t key;

	make_tmpdir();
	in_tmp(dir, sizeof(dir), "ca");
	ca_free(open_ok(dir, NULL));
	in_tmp(cert_path, sizeof(cert_path), "ca/ca.pem");
	in_tmp(key_path, sizeof(key_path), "ca/ca-key.pem");

	/* A server certificate for the very same key is still no CA. */
	key = key_from_file(key_path);
	write_cert(cert_path, "w", key, NULL, NULL, 0, "localhost");
	open_fails(dir, cert_path, err, sizeof(err));
	ck_assert_msg(strstr(err, "not a CA") != NULL, "%s", err);
	gnutls_x509_privkey_deinit(key);

	/* Files that hold no certificate or no key at all are refused, naming them. */
	write_text(cert_path, "hello\n", "w", 0644);
	open_fails(dir, cert_path, err, sizeof(err));
	write_text(cert_path, "", "w", 0644);
	open_fails(dir, cert_path, err, sizeof(err));
	write_text(cert_path, "-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n",
	           "w", 0644);
	open_fails(dir, cert_path, err, sizeof(err));
	write_text(key_path, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "w",
	           0600);
	open_fails(dir, key_path, err, sizeof(err));
	remove_tmpdir();
}
END_TEST

START_TEST(test_key_not_the_certs_is_refused)
{
	char a[128], b[128], key_a[160], key_b[160], err[512];
	char *other;

	make_tmpdir();
	in_tmp(a, sizeof(a), "a");
	in_tmp(b, sizeof(b), "b");
	ca_free(open_ok(a, NULL));
	ca_free(open_ok(b, NULL));
	other = harness_read_file(in_tmp(key_b, sizeof(key_b), "b/ca-key.pem"), NULL);
	write_text(in_tmp(key_a, sizeof(key_a), "a/ca-key.pem"), other, "w", 0600);
	open_fails(a, key_a, err, sizeof(err));
	ck_assert_msg(strstr(err, "is not the key of") != NULL, "%s", err);
	free(other);
	remove_tmpdir();
}
END_TEST

START_TEST(test_unusable_locations_are_errors)
{
	char file[128], dir[160], err[512];
	int created = 7;

	make_tmpdir();
	/* Under a regular file: no directory can be made there. */
	write_text(in_tmp(file, sizeof(file), "file"), "x", "w", 0644);
	in_tmp(dir, sizeof(dir), "file/sub/ca");
	open_fails(dir, file, err, sizeof(err));
	ck_assert(!exists(dir));
	/* A regular file where the directory should be. */
	open_fails(file, file, err, sizeof(err));
	ck_assert_msg(strstr(err, "not a directory") != NULL, "%s", err);
	/* A directory every user may write to: anyone could swap the CA. */
	in_tmp(dir, sizeof(dir), "open");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(chmod(dir, 0777), 0);
	open_fails(dir, dir, err, sizeof(err));
	ck_assert_msg(strstr(err, "chmod 700") != NULL, "%s", err);
	ck_assert(!exists(in_tmp(file, sizeof(file), "open/ca.pem")));
	/* A directory this user may not write to (root may write anywhere). */
	if (geteuid() != 0) {
		in_tmp(dir, sizeof(dir), "ro");
		ck_assert_int_eq(mkdir(dir, 0500), 0);
		open_fails(dir, "ca-key.pem", err, sizeof(err));
		ck_assert_msg(strstr(err, "cannot write") != NULL, "%s", err);
	}
	/* No directory at all. */
	ck_assert_ptr_null(ca_open(NULL, &created, err, sizeof(err)));
	ck_assert_int_eq(created, 0);
	ck_assert_ptr_null(ca_open("", NULL, err, sizeof(err)));
	ck_assert_ptr_null(ca_open("", NULL, NULL, 0));
	remove_tmpdir();
}
END_TEST

START_TEST(test_failed_make_leaves_nothing)
{
	char dir[128], path[160], err[512];

	/* A directory where the certificate's temporary file would go: the key is written, the
	 * certificate cannot be, and the key goes again. */
	make_tmpdir();
	in_tmp(dir, sizeof(dir), "ca");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(mkdir(in_tmp(path, sizeof(path), "ca/ca.pem.tmp"), 0700), 0);
	open_fails(dir, "ca.pem", err, sizeof(err));
	ck_assert_msg(strstr(err, "cannot write") != NULL, "%s", err);
	ck_assert(!exists(in_tmp(path, sizeof(path), "ca/ca-key.pem")));
	ck_assert(!exists(in_tmp(path, sizeof(path), "ca/ca-key.pem.tmp")));
	ck_assert(!exists(in_tmp(path, sizeof(path), "ca/ca.pem")));
	/* Once the way is clear, a CA is made there. */
	ck_assert_int_eq(rmdir(in_tmp(path, sizeof(path), "ca/ca.pem.tmp")), 0);
	ca_free(open_ok(dir, NULL));
	ck_assert(exists(in_tmp(path, sizeof(path), "ca/ca-key.pem")));
	remove_tmpdir();
}
END_TEST

/* ---- The user's own chain and key ---- */

START_TEST(test_files_serve_every_name)
{
	char dir[128], cert_path[160], key_path[160], err[512] = "";
	gnutls_pcert_st *chain;
	gnutls_privkey_t key;
	unsigned n = 0;
	struct ca *own;
	char *pem;
	gnutls_x509_crt_t crt;
	gnutls_datum_t der;

	make_tmpdir();
	in_tmp(dir, sizeof(dir), "ca");
	ca_free(open_ok(dir, NULL));
	in_tmp(cert_path, sizeof(cert_path), "ca/ca.pem");
	in_tmp(key_path, sizeof(key_path), "ca/ca-key.pem");
	/* ca.pem and its key as a self-signed certificate of the user's. */
	own = ca_open_files(cert_path, key_path, err, sizeof(err));
	ck_assert_msg(own != NULL, "%s", err);
	ck_assert_ptr_null(ca_cert_path(own));
	ck_assert_ptr_null(ca_cert_pem(own));
	chain = chain_for(own, NULL, &n, &key);
	ck_assert_uint_eq(n, 1);
	assert_key_fits(key, &chain[0]);
	pem = harness_read_file(cert_path, NULL);
	crt = crt_from_pem(pem);
	ck_assert_int_eq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der), 0);
	ck_assert_uint_eq(chain[0].cert.size, der.size);
	ck_assert_mem_eq(chain[0].cert.data, der.data, der.size);
	gnutls_free(der.data);
	gnutls_x509_crt_deinit(crt);
	ck_assert_ptr_eq(chain_for(own, "", NULL, NULL), chain);
	ck_assert_ptr_eq(chain_for(own, "example.com", NULL, NULL), chain);
	ck_assert_ptr_eq(chain_for(own, "bad name", NULL, NULL), chain);
	ck_assert_uint_eq(verify_for(pem, chain, 1, NULL), 0);
	free(pem);
	ca_free(own);
	remove_tmpdir();
}
END_TEST

START_TEST(test_files_chain_is_presented_whole)
{
	char dir[128], ca_path[160], ca_key_path[160], chain_path[160], key_path[160];
	char err[512] = "";
	gnutls_x509_privkey_t ca_key, key;
	gnutls_x509_crt_t ca_crt;
	gnutls_pcert_st *chain;
	gnutls_privkey_t pkey;
	unsigned n = 0;
	struct ca *own;
	char *ca_pem;

	make_tmpdir();
	in_tmp(dir, sizeof(dir), "ca");
	ca_free(open_ok(dir, NULL));
	in_tmp(ca_path, sizeof(ca_path), "ca/ca.pem");
	ca_key = key_from_file(in_tmp(ca_key_path, sizeof(ca_key_path), "ca/ca-key.pem"));
	ca_pem = harness_read_file(ca_path, NULL);
	ca_crt = crt_from_pem(ca_pem);
	/* A server certificate for svc.test signed by that CA, then the CA: the usual file. */
	key = new_key();
	in_tmp(chain_path, sizeof(chain_path), "chain.pem");
	in_tmp(key_path, sizeof(key_path), "key.pem");
	write_cert(chain_path, "w", key, ca_crt, ca_key, 0, "svc.test");
	write_text(chain_path, ca_pem, "a", 0644);
	write_key(key_path, key);

	own = ca_open_files(chain_path, key_path, err, sizeof(err));
	ck_assert_msg(own != NULL, "%s", err);
	chain = chain_for(own, "anything.example", &n, &pkey);
	ck_assert_uint_eq(n, 2);
	assert_key_fits(pkey, &chain[0]);
	ck_assert_uint_eq(verify_for(ca_pem, chain, 2, "svc.test"), 0);
	ck_assert_uint_ne(verify_for(ca_pem, chain, 2, "localhost"), 0);
	ck_assert_ptr_eq(chain_for(own, NULL, NULL, NULL), chain);
	ca_free(own);

	/* The CA first, then the leaf: out of order, refused. */
	write_text(chain_path, ca_pem, "w", 0644);
	write_cert(chain_path, "a", key, ca_crt, ca_key, 0, "svc.test");
	ck_assert_ptr_null(ca_open_files(chain_path, key_path, err, sizeof(err)));
	ck_assert_msg(strstr(err, chain_path) != NULL, "%s", err);

	free(ca_pem);
	gnutls_x509_crt_deinit(ca_crt);
	gnutls_x509_privkey_deinit(ca_key);
	gnutls_x509_privkey_deinit(key);
	remove_tmpdir();
}
END_TEST

START_TEST(test_files_errors)
{
	char a[128], b[128], cert_a[160], key_b[160], path[160], err[512];
	char *pem;
	int i;

	make_tmpdir();
	in_tmp(a, sizeof(a), "a");
	in_tmp(b, sizeof(b), "b");
	ca_free(open_ok(a, NULL));
	ca_free(open_ok(b, NULL));
	in_tmp(cert_a, sizeof(cert_a), "a/ca.pem");
	in_tmp(key_b, sizeof(key_b), "b/ca-key.pem");

	/* Another certificate's key. */
	ck_assert_ptr_null(ca_open_files(cert_a, key_b, err, sizeof(err)));
	ck_assert_msg(strstr(err, key_b) != NULL && strstr(err, "is not the key of") != NULL, "%s",
	              err);
	/* Missing files, named. */
	in_tmp(path, sizeof(path), "none.pem");
	ck_assert_ptr_null(ca_open_files(path, key_b, err, sizeof(err)));
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	ck_assert_ptr_null(ca_open_files(cert_a, path, err, sizeof(err)));
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	/* No certificate, or a key file that holds a certificate. */
	write_text(path, "no PEM here\n", "w", 0644);
	ck_assert_ptr_null(ca_open_files(path, key_b, err, sizeof(err)));
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	ck_assert_ptr_null(ca_open_files(cert_a, cert_a, err, sizeof(err)));
	ck_assert_msg(strstr(err, "no private key") != NULL, "%s", err);
	/* A directory given as a file. */
	ck_assert_ptr_null(ca_open_files(a, key_b, err, sizeof(err)));
	ck_assert_msg(strstr(err, "not a regular file") != NULL, "%s", err);
	/* More certificates than a chain holds. */
	pem = harness_read_file(cert_a, NULL);
	write_text(path, "", "w", 0644);
	for (i = 0; i < 17; i++)
		write_text(path, pem, "a", 0644);
	ck_assert_ptr_null(ca_open_files(path, key_b, err, sizeof(err)));
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	free(pem);
	ck_assert_ptr_null(ca_open_files(NULL, key_b, err, sizeof(err)));
	remove_tmpdir();
}
END_TEST

/* ---- Threads ---- */

#define WORKERS 4
#define PER_WORKER 50
#define NAMES 100

struct worker {
	struct ca *ca;
	int id;
	int name[PER_WORKER];
	gnutls_pcert_st *got[PER_WORKER];
	unsigned n[PER_WORKER];
	int rc[PER_WORKER];
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	gnutls_privkey_t key;
	char name[64], err[256];
	int j;

	/* Worker k asks for names 25k .. 25k+49: each name by two workers, some in capitals. */
	for (j = 0; j < PER_WORKER; j++) {
		w->name[j] = (w->id * 25 + j) % NAMES;
		snprintf(name, sizeof(name),
		         w->id % 2 ? "HOST-%d.Example.TEST." : "host-%d.example.test", w->name[j]);
		w->rc[j] = ca_chain(w->ca, name, &w->got[j], &w->n[j], &key, err, sizeof(err));
	}
	return NULL;
}

START_TEST(test_threads_share_one_leaf_per_name)
{
	struct worker w[WORKERS];
	pthread_t t[WORKERS];
	gnutls_pcert_st *by_name[NAMES] = {NULL};
	char dir[128], name[64];
	struct ca *ca;
	int i, j, k;

	make_tmpdir();
	ca = open_ok(in_tmp(dir, sizeof(dir), "ca"), NULL);
	for (i = 0; i < WORKERS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].ca = ca;
		w[i].id = i;
		ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < WORKERS; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
	for (i = 0; i < WORKERS; i++) {
		for (j = 0; j < PER_WORKER; j++) {
			k = w[i].name[j];
			ck_assert_int_eq(w[i].rc[j], 0);
			ck_assert_uint_eq(w[i].n[j], 2);
			if (by_name[k] == NULL)
				by_name[k] = w[i].got[j];
			ck_assert_msg(by_name[k] == w[i].got[j], "host-%d has two leaves", k);
		}
	}
	for (k = 0; k < NAMES; k++) {
		ck_assert_ptr_nonnull(by_name[k]);
		for (j = 0; j < k; j++)
			ck_assert_ptr_ne(by_name[j], by_name[k]);
		snprintf(name, sizeof(name), "host-%d.example.test", k);
		ck_assert_msg(verify_for(ca_cert_pem(ca), by_name[k], 2, name) == 0,
		              "the leaf for %s does not verify", name);
		ck_assert_ptr_eq(chain_for(ca, name, NULL, NULL), by_name[k]);
	}
	ca_free(ca);
	remove_tmpdir();
}
END_TEST

/* ---- The cap on leaves ---- */

START_TEST(test_past_the_cap_names_get_the_default_leaf)
{
	char dir[128], name[64];
	gnutls_pcert_st *first, *fallback;
	struct ca *ca;
	int i;

	make_tmpdir();
	ca = open_ok(in_tmp(dir, sizeof(dir), "ca"), NULL);
	fallback = chain_for(ca, NULL, NULL, NULL);
	first = chain_for(ca, "n0.test", NULL, NULL);
	for (i = 1; i < CA_MAX_LEAVES; i++) {
		snprintf(name, sizeof(name), "n%d.test", i);
		ck_assert_ptr_ne(chain_for(ca, name, NULL, NULL), fallback);
	}
	/* Full: a new name gets the default leaf, and the leaves handed out stay as they were. */
	ck_assert_ptr_eq(chain_for(ca, "one-more.test", NULL, NULL), fallback);
	ck_assert_ptr_eq(chain_for(ca, "n0.test", NULL, NULL), first);
	ck_assert_uint_eq(verify_for(ca_cert_pem(ca), first, 2, "n0.test"), 0);
	snprintf(name, sizeof(name), "n%d.test", CA_MAX_LEAVES - 1);
	ck_assert_uint_eq(verify_for(ca_cert_pem(ca), chain_for(ca, name, NULL, NULL), 2, name), 0);
	ca_free(ca);
	remove_tmpdir();
}
END_TEST

/* ---- The default directory, and freeing ---- */

START_TEST(test_default_dir)
{
	char out[256], want[64];

	setenv("XDG_DATA_HOME", "/data", 1);
	setenv("HOME", "/home/u", 1);
	ck_assert_int_eq(ca_default_dir(out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/data/gongmock/ca");
	/* Too short by one: the terminating NUL does not fit. */
	ck_assert_int_eq(ca_default_dir(out, strlen("/data/gongmock/ca")), -1);
	ck_assert_int_eq(ca_default_dir(out, strlen("/data/gongmock/ca") + 1), 0);
	/* An empty or relative XDG_DATA_HOME is ignored, as the XDG spec says. */
	setenv("XDG_DATA_HOME", "", 1);
	ck_assert_int_eq(ca_default_dir(out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/home/u/.local/share/gongmock/ca");
	setenv("XDG_DATA_HOME", "data", 1);
	ck_assert_int_eq(ca_default_dir(out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/home/u/.local/share/gongmock/ca");
	unsetenv("XDG_DATA_HOME");
	ck_assert_int_eq(ca_default_dir(out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/home/u/.local/share/gongmock/ca");
	unsetenv("HOME");
	snprintf(want, sizeof(want), "/tmp/gongmock-ca-%lu", (unsigned long)getuid());
	ck_assert_int_eq(ca_default_dir(out, sizeof(out)), 0);
	ck_assert_str_eq(out, want);
	setenv("HOME", "", 1);
	ck_assert_int_eq(ca_default_dir(out, sizeof(out)), 0);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(ca_default_dir(out, 4), -1);
	ck_assert_int_eq(ca_default_dir(NULL, 0), -1);
}
END_TEST

START_TEST(test_free_null_does_nothing)
{
	ca_free(NULL);
	ck_assert_ptr_null(ca_cert_path(NULL));
	ck_assert_ptr_null(ca_cert_pem(NULL));
}
END_TEST

static Suite *
ca_suite(void)
{
	Suite *s = suite_create("ca");
	TCase *tc = tcase_create("dir");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_new_dir_makes_a_ca);
	tcase_add_test(tc, test_modes_hold_whatever_the_umask);
	tcase_add_test(tc, test_reopen_gives_the_same_ca);
	tcase_add_test(tc, test_key_others_may_read_is_refused);
	tcase_add_test(tc, test_one_file_missing_is_refused);
	tcase_add_test(tc, test_cert_not_a_ca_is_refused);
	tcase_add_test(tc, test_key_not_the_certs_is_refused);
	tcase_add_test(tc, test_unusable_locations_are_errors);
	tcase_add_test(tc, test_failed_make_leaves_nothing);
	tcase_add_test(tc, test_default_dir);
	tcase_add_test(tc, test_free_null_does_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("leaves");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_default_leaf_covers_the_default_names);
	tcase_add_test(tc, test_each_name_gets_its_leaf);
	tcase_add_test(tc, test_same_name_is_minted_once);
	tcase_add_test(tc, test_bad_names_get_the_default_leaf);
	tcase_add_test(tc, test_threads_share_one_leaf_per_name);
	tcase_add_test(tc, test_past_the_cap_names_get_the_default_leaf);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_files_serve_every_name);
	tcase_add_test(tc, test_files_chain_is_presented_whole);
	tcase_add_test(tc, test_files_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(ca_suite());
}
