/* config: the daemon's settings, from an INI file and command-line flags.
 *
 * Sections [server] [database] [cache] [security] [log] [http] (docs/operations.md,
 * Configuration). Unknown sections or keys and bad values are errors that
 * name file:line. Flags given on the command line override the file. An
 * empty value of an optional path (snapshot_path, curve_secret_key_file,
 * allowed_clients_dir, access_log, the [http] files) means unset, as if
 * the line were not there. */
#ifndef PATHWAYS_CONFIG_H
#define PATHWAYS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"

#define CONFIG_DEFAULT_PATH "/etc/pathwaysd/pathwaysd.conf"
#define CONFIG_DEFAULT_LISTEN "tcp://127.0.0.1:5555"
#define CONFIG_MAX_LISTEN 16

struct config {
	/* [server] */
	char *listen[CONFIG_MAX_LISTEN];
	unsigned listen_line[CONFIG_MAX_LISTEN];	/* in the file; 0: not */
	size_t listen_n;
	unsigned workers;		/* 0: one per core */
	size_t max_request_bytes;	/* 1 MiB */
	bool allow_writes;
	bool allow_insecure;
	bool io_batch;			/* libzmq's I/O thread SCHED_BATCH */
	unsigned shutdown_timeout_ms;	/* bound on finishing in-flight work */
	/* [database] */
	char *conninfo;
	char *write_conninfo;		/* writes; NULL: conninfo */
	unsigned poll_ms;		/* change table poll, 100 */
	/* [cache] */
	char *snapshot_path;		/* NULL: none */
	unsigned reload_debounce_ms;	/* 50 */
	unsigned reconnect_max_ms;	/* backoff cap, 30000 */
	/* [security] */
	char *curve_secret_key_file;
	char *allowed_clients_dir;
	/* [log] */
	enum log_level log_level;
	enum log_format log_format;	/* [log] format: text (default), json */
	char *access_log;
	/* [http]: the side door, off while http_listen is NULL */
	char *http_listen;		/* HOST:PORT */
	unsigned http_listen_line;
	char *http_tls_cert_file, *http_tls_key_file;
	char *http_tokens_dir;
	bool http_allow_insecure;
	char *http_xapi_mbox_attribute;	/* NULL: mbox actors unknown */
	/* the line of the file that set each path (0: a flag, or unset),
	 * for config_validate's messages */
	struct {
		unsigned snapshot_path, curve_secret_key_file;
		unsigned allowed_clients_dir, access_log;
		unsigned http_tls_cert_file, http_tls_key_file;
		unsigned http_tokens_dir;
	} line;
	/* command-line overrides, re-applied when the file is re-read */
	struct { char *section, *key, *value; } overrides[32];
	size_t overrides_n;
};

/* Fills the defaults. config_free() releases what later calls set. */
void config_init(struct config *cfg);
void config_free(struct config *cfg);
/* Where writes go: [database] write_conninfo, else conninfo (borrowed). */
const char *config_write_conninfo(const struct config *cfg);

/* Reads an INI file over cfg. 0, or -errno with err = "FILE:LINE: what". */
int config_load(struct config *cfg, const char *path, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Sets one key as the file would ("server", "listen", "tcp://..."); listen
 * appends. 0, or -EINVAL/-ENOMEM with err = what is wrong. */
int config_set(struct config *cfg, const char *section, const char *key,
	       const char *value, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* config_set() for a command-line flag: also remembered, so that
 * config_reread() applies it again over the file. */
int config_override(struct config *cfg, const char *section, const char *key,
		    const char *value, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* A fresh config from path (NULL: defaults only) with old's overrides
 * applied again; *out is initialized and owned by the caller on success. */
int config_reread(const struct config *old, const char *path,
		  struct config *out, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Drops the listen endpoints (flags replace the file's list). */
void config_clear_listen(struct config *cfg);

/* What --check-config and the start check: cross-field rules (e.g. a
 * non-loopback listen without CURVE), then every path the config names,
 * opened read-only as the start will need it: the secret key file and the
 * clients' folder (their certificates read as security_new() reads them),
 * the folders of snapshot_path and access_log (writable, and the files
 * themselves when they exist). So a config the check approves does not
 * fail the start or a restart over a path. err starts with "PATH:LINE: "
 * when a line of the file is at fault (and names the key), "PATH: " when
 * the file as a whole is (path NULL: no file). */
int config_validate(const struct config *cfg, const char *path, char *err,
		    size_t errlen)
	__attribute__((warn_unused_result));

/* --check-config's look at [database] write_conninfo and, when it is
 * set, conninfo: does libpq parse them (it connects to neither)? 0, or
 * -EINVAL with err ("PATH: [database] KEY: why"). */
int config_check_conninfo(const struct config *cfg, const char *path,
			  char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* true for tcp://127.x (numeric), tcp://[::1], tcp://localhost, ipc://,
 * inproc:// */
bool config_is_loopback(const char *endpoint);

/* The loopback rule again, for what ZeroMQ bound (bound:
 * ZMQ_LAST_ENDPOINT, numeric) rather than what the configuration wrote
 * (configured, for the message): a name may resolve anywhere. 0, or
 * -EPERM with err set when bound is not loopback and neither CURVE nor
 * allow_insecure is on. */
int config_check_bound(const struct config *cfg, const char *configured,
		       const char *bound, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* true for an HTTP listen address on loopback: 127.x:PORT, [::1]:PORT,
 * localhost:PORT */
bool config_http_is_loopback(const char *addr);

#endif
