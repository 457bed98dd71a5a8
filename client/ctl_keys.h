/* ctl_keys: CURVE keys for pathwaysctl: reading the certificates that
 * --server-key and --client-key name, and the keygen command that writes
 * them.
 *
 * A certificate is in ZeroMQ's format (czmq's zcert), read by the reader
 * pathwaysd uses too (daemon/common/cert.h): '#' comments, unindented
 * section names, and indented `key = "value"` lines:
 *
 *   metadata
 *       methods = "Readiness,Gap"
 *   curve
 *       public-key = "<40 Z85 characters>"
 *       secret-key = "<40 Z85 characters>"     (NAME.key only)
 *
 * NAME.key, the secret certificate, stays with its owner (mode 0600): a
 * client's is its --client-key, the daemon's its curve_secret_key_file.
 * NAME.pub, the public certificate, is handed out: a client's goes into the
 * daemon's allowed_clients_dir, the daemon's to clients as --server-key.
 */
#ifndef PATHWAYS_CTL_KEYS_H
#define PATHWAYS_CTL_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "ctl_cli.h"

#define CTL_KEYS_Z85_LEN 40
#define CTL_KEYS_ERRLEN 1024

/* The keys of one CURVE client, Z85, NUL-terminated ("" when unset). */
struct ctl_keys_curve {
	char server_key[CTL_KEYS_Z85_LEN + 1];
	char public_key[CTL_KEYS_Z85_LEN + 1];
	char secret_key[CTL_KEYS_Z85_LEN + 1];
};

/* Whether s is a CURVE key in Z85: 40 characters that decode. */
bool ctl_keys_is_z85(const char *s);

/* Reads the certificate at path with cert_read() (cert.h: what is
 * refused): its public key, its secret key ("" when it has none;
 * secret_key may be NULL when not wanted) and its metadata's methods (""
 * when none; methods may be NULL). Returns 0, -errno when the file cannot
 * be read, or -EINVAL when it is not a certificate; err says why, naming
 * path (and the line at fault). Out-parameters are written on success
 * only; a secret key read is wiped from every buffer but secret_key. */
int ctl_keys_read_cert(const char *path, char *public_key, char *secret_key,
		       char *methods, size_t methods_len, char *err,
		       size_t errlen) __attribute__((warn_unused_result));

/* The keys for --server-key server (a public certificate, or the daemon's
 * public key in Z85) and --client-key client (a secret certificate; NULL:
 * none, public_key and secret_key are left ""). Returns 0 with *keys
 * written (the caller ctl_keys_wipe()s it), or -errno with err saying
 * which option is wrong and why. A secret certificate as --server-key is
 * refused: the daemon's secret stays with the daemon. */
int ctl_keys_load(const char *server, const char *client,
		  struct ctl_keys_curve *keys, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Zero *keys in a way the compiler keeps. */
void ctl_keys_wipe(struct ctl_keys_curve *keys);

/* Checks a --methods list ("Readiness,Gap", or "*": every method) and
 * writes it normalized (no blanks) into out. Returns 0, or -EINVAL with
 * err naming the first unknown method (out is then undefined). */
int ctl_keys_parse_methods(const char *list, char *out, size_t outlen,
			   char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* The options keygen and token share: --dir, --methods (checked as
 * ctl_keys_parse_methods does, normalized), --force. */
struct ctl_keys_opts {
	const char *dir;		/* as given; unchanged when absent */
	char methods[960];		/* "": every method */
	bool force;
};

/* Parses them from argv (optind then at the operands): -1 when parsed,
 * otherwise the exit status to return (usage errors said, --help
 * printed). */
int ctl_keys_options(struct ctl_cli *cli, int argc, char **argv,
		     struct ctl_keys_opts *o);

/* Checks a keygen NAME: the file name stem of NAME.key and NAME.pub.
 * Returns 0, or -EINVAL with err saying why. */
int ctl_keys_check_name(const char *name, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Writes len bytes of text to path, a new file of mode (O_EXCL, never
 * through a link; with force an existing file is removed first), synced.
 * 0; -EEXIST without force when path exists; other -errno (nothing is
 * left at path then). */
int ctl_keys_write_new(const char *path, const char *text, size_t len,
		       mode_t mode, bool force)
	__attribute__((warn_unused_result));

/* keygen [NAME] [--dir D] [--methods M,...] [--force]: a struct ctl_cmd
 * run function (ctl_cli.h). */
int ctl_keys_keygen(struct ctl_cli *cli, int argc, char **argv);

#endif /* PATHWAYS_CTL_KEYS_H */
