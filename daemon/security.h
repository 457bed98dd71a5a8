/* security: CURVE encryption and who may call what.
 *
 * [security] curve_secret_key_file is the server's certificate (ZeroMQ's
 * certificate format: a "curve" section with public-key and secret-key);
 * allowed_clients_dir holds one certificate per client with its
 * public-key and, in the "metadata" section, `methods = Readiness,Gap`
 * (none: the read methods only; `*`: every method).
 *
 * Both are read by cert_read() (daemon/common/cert.h), which refuses
 * anything it does not understand. Each allowed client and the methods it
 * may call are logged when the list is loaded, at start and on SIGHUP
 * (security_reload_clients()).
 *
 * CURVE alone authenticates nobody: without a ZAP handler libzmq 4.3
 * accepts every client key. So the handler runs before the ROUTER binds,
 * answers from the allowed list, and tags each connection with the client
 * key's fingerprint (its User-Id), which dispatch checks against the
 * methods that key may call. */
#ifndef PATHWAYS_SECURITY_H
#define PATHWAYS_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct security security_t;

/* Loads the certificates: secret_key_file must hold a secret key;
 * clients_dir (NULL: none) the clients' certificates (files whose names
 * start with '.' or have "_secret" or ".key" are skipped; a secret key in
 * any other is logged as misplaced). Any file there that is not a
 * certificate fails the whole load. 0, or -errno with err naming the file
 * (and line). */
int security_new(const char *secret_key_file, const char *clients_dir,
		 security_t **out, char *err, size_t errlen)
	__attribute__((warn_unused_result));
void security_destroy(security_t **s);

/* Reads the certificates as security_new() does, and logs nothing: 0, or
 * what security_new() would fail with. For the configuration check. */
int security_check(const char *secret_key_file, const char *clients_dir,
		   char *err, size_t errlen) __attribute__((warn_unused_result));

/* Starts the ZAP handler on zctx (before any CURVE socket binds). */
int security_start(security_t *s, void *zctx) __attribute__((warn_unused_result));

/* Makes sock a CURVE server with our key and ZAP domain. */
int security_apply(const security_t *s, void *sock)
	__attribute__((warn_unused_result));

/* Connects to endpoint with an unknown key: 0 when the handshake is
 * refused as it must be, -EACCES when it got through (refuse to start). */
int security_probe(const security_t *s, void *zctx, const char *endpoint)
	__attribute__((warn_unused_result));

/* Whether the methods list list ("Readiness,Gap", "*": every method)
 * names method: the rule of a certificate's and an HTTP token's methods. */
bool security_listed(const char *list, const char *method);

/* May the client with this User-Id (NULL: no CURVE) call method (index
 * into the method bit set; writes flagged)? Asks the current list: a key
 * a reload dropped is refused on the connections it still has. Any
 * thread. */
bool security_allows(security_t *s, const char *user_id,
		     const char *method, bool is_write);

/* Reads clients_dir again (NULL: no client is allowed) as security_new()
 * does, logging each client and its methods, and swaps the new list in
 * for the ZAP handler and security_allows() (SIGHUP). 0; or -errno with
 * err naming the file, and the loaded list stays as it was. The server's
 * own key is not re-read (a restart changes it). Any thread. */
int security_reload_clients(security_t *s, const char *clients_dir,
			    char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Number of allowed client keys loaded. */
size_t security_clients(security_t *s);

#endif
