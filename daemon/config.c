#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "persist.h"
#include "security.h"

/* The optional paths: empty means unset; config_validate opens them.
 * FILE: read at start; DIR: a folder read at start; OUT: a file the
 * daemon writes (its folder must exist and be writable, and the file
 * itself when it is there). */
enum config_path_kind { CONFIG_PATH_FILE, CONFIG_PATH_DIR, CONFIG_PATH_OUT };

static const struct config_path {
	const char *section, *key;
	size_t off, line_off;
	enum config_path_kind kind;
} config_paths[] = {
	{ "cache", "snapshot_path", offsetof(struct config, snapshot_path),
	  offsetof(struct config, line.snapshot_path), CONFIG_PATH_OUT },
	{ "security", "curve_secret_key_file",
	  offsetof(struct config, curve_secret_key_file),
	  offsetof(struct config, line.curve_secret_key_file),
	  CONFIG_PATH_FILE },
	{ "security", "allowed_clients_dir",
	  offsetof(struct config, allowed_clients_dir),
	  offsetof(struct config, line.allowed_clients_dir), CONFIG_PATH_DIR },
	{ "log", "access_log", offsetof(struct config, access_log),
	  offsetof(struct config, line.access_log), CONFIG_PATH_OUT },
	{ "http", "tls_cert_file", offsetof(struct config, http_tls_cert_file),
	  offsetof(struct config, line.http_tls_cert_file), CONFIG_PATH_FILE },
	{ "http", "tls_key_file", offsetof(struct config, http_tls_key_file),
	  offsetof(struct config, line.http_tls_key_file), CONFIG_PATH_FILE },
	{ "http", "tokens_dir", offsetof(struct config, http_tokens_dir),
	  offsetof(struct config, line.http_tokens_dir), CONFIG_PATH_DIR },
};
#define CONFIG_NPATHS (sizeof(config_paths) / sizeof(config_paths[0]))

static char **config_path_value(const struct config *cfg,
				const struct config_path *p)
{
	return (char **)((const char *)cfg + p->off);
}

static unsigned *config_path_line(const struct config *cfg,
				  const struct config_path *p)
{
	return (unsigned *)((const char *)cfg + p->line_off);
}

static const struct config_path *config_path_find(const char *section,
						  const char *key)
{
	for (size_t i = 0; i < CONFIG_NPATHS; i++)
		if (strcmp(config_paths[i].section, section) == 0 &&
		    strcmp(config_paths[i].key, key) == 0)
			return &config_paths[i];
	return NULL;
}

void config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->workers = 0;
	cfg->io_batch = true;
	cfg->max_request_bytes = 1024 * 1024;
	cfg->shutdown_timeout_ms = 10000;
	cfg->reload_debounce_ms = 50;
	cfg->reconnect_max_ms = 30000;
	cfg->poll_ms = 100;
	cfg->log_level = LOG_LEVEL_INFO;
}

const char *config_write_conninfo(const struct config *cfg)
{
	return cfg->write_conninfo ? cfg->write_conninfo : cfg->conninfo;
}

void config_clear_listen(struct config *cfg)
{
	for (size_t i = 0; i < cfg->listen_n; i++)
		free(cfg->listen[i]);
	cfg->listen_n = 0;
}

void config_free(struct config *cfg)
{
	config_clear_listen(cfg);
	free(cfg->conninfo);
	free(cfg->write_conninfo);
	free(cfg->snapshot_path);
	free(cfg->curve_secret_key_file);
	free(cfg->allowed_clients_dir);
	free(cfg->access_log);
	free(cfg->http_listen);
	free(cfg->http_tls_cert_file);
	free(cfg->http_tls_key_file);
	free(cfg->http_tokens_dir);
	free(cfg->http_xapi_mbox_attribute);
	for (size_t i = 0; i < cfg->overrides_n; i++) {
		free(cfg->overrides[i].section);
		free(cfg->overrides[i].key);
		free(cfg->overrides[i].value);
	}
	memset(cfg, 0, sizeof(*cfg));
}

static int set_str(char **dst, const char *v)
{
	char *s = strdup(v);

	if (!s)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

/* An optional path: empty means unset. Its line is config_load's to set. */
static int set_path(char **dst, unsigned *line, const char *v)
{
	*line = 0;
	if (!v[0]) {
		free(*dst);
		*dst = NULL;
		return 0;
	}
	return set_str(dst, v);
}

static int set_uint(unsigned *dst, const char *v, unsigned lo, unsigned hi,
		    char *err, size_t errlen)
{
	char *end;
	unsigned long long u;

	errno = 0;
	u = strtoull(v, &end, 10);
	if (!isdigit((unsigned char)v[0]) || errno || *end || u < lo || u > hi) {
		snprintf(err, errlen, "expected a whole number from %u to %u, got \"%s\"",
			 lo, hi, v);
		return -EINVAL;
	}
	*dst = (unsigned)u;
	return 0;
}

/* sizes accept K, M and G suffixes (binary) */
static int set_size(size_t *dst, const char *v, size_t lo, size_t hi,
		    char *err, size_t errlen)
{
	char *end;
	unsigned long long u;

	errno = 0;
	u = strtoull(v, &end, 10);
	if (isdigit((unsigned char)v[0]) && !errno) {
		unsigned long long mul = 1;

		if (*end == 'K' || *end == 'k')
			mul = 1024, end++;
		else if (*end == 'M' || *end == 'm')
			mul = 1024 * 1024, end++;
		else if (*end == 'G' || *end == 'g')
			mul = 1024ull * 1024 * 1024, end++;
		if (*end == 'i' && mul > 1)
			end++;
		if (*end == 'B' && mul > 1)
			end++;
		if (!*end && u <= ULLONG_MAX / mul && u * mul >= lo &&
		    u * mul <= hi) {
			*dst = (size_t)(u * mul);
			return 0;
		}
	}
	snprintf(err, errlen, "expected a size from %zu to %zu bytes (K, M, G suffixes), got \"%s\"",
		 lo, hi, v);
	return -EINVAL;
}

static int set_bool(bool *dst, const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 ||
	    strcmp(v, "on") == 0 || strcmp(v, "1") == 0) {
		*dst = true;
		return 0;
	}
	if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 ||
	    strcmp(v, "off") == 0 || strcmp(v, "0") == 0) {
		*dst = false;
		return 0;
	}
	snprintf(err, errlen, "expected true or false, got \"%s\"", v);
	return -EINVAL;
}

static int check_endpoint(const char *v, char *err, size_t errlen)
{
	/* ZeroMQ reads "tcp://SOURCE;ADDRESS" and binds ADDRESS: the part
	 * before the ';' would pass the loopback rule for the other */
	if (strchr(v, ';')) {
		snprintf(err, errlen, "\"%s\": ';' is not allowed in an endpoint",
			 v);
		return -EINVAL;
	}
	if (strncmp(v, "tcp://", 6) == 0 || strncmp(v, "ipc://", 6) == 0 ||
	    strncmp(v, "inproc://", 9) == 0)
		return 0;
	snprintf(err, errlen, "expected a ZeroMQ endpoint (tcp://HOST:PORT, ipc://PATH), got \"%s\"",
		 v);
	return -EINVAL;
}

/* HOST:PORT, HOST an IPv4 address, [IPv6] or a name; PORT 1-65535 */
static int check_http_listen(const char *v, char *err, size_t errlen)
{
	const char *colon = strrchr(v, ':');
	char *end;
	unsigned long port;

	if (colon && colon > v && (v[0] != '[' || colon[-1] == ']')) {
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (isdigit((unsigned char)colon[1]) && !*end && !errno &&
		    port >= 1 && port <= 65535)
			return 0;
	}
	snprintf(err, errlen, "expected HOST:PORT (127.0.0.1:8080, [::1]:8080), got \"%s\"",
		 v);
	return -EINVAL;
}

int config_set(struct config *cfg, const char *section, const char *key,
	       const char *value, char *err, size_t errlen)
{
	int rc = -ENOMEM;

#define IS(s, k) (strcmp(section, s) == 0 && strcmp(key, k) == 0)
	if (IS("server", "listen")) {
		if (check_endpoint(value, err, errlen))
			return -EINVAL;
		if (cfg->listen_n == CONFIG_MAX_LISTEN) {
			snprintf(err, errlen, "at most %d listen endpoints",
				 CONFIG_MAX_LISTEN);
			return -EINVAL;
		}
		cfg->listen[cfg->listen_n] = strdup(value);
		if (!cfg->listen[cfg->listen_n])
			goto oom;
		cfg->listen_line[cfg->listen_n] = 0;
		cfg->listen_n++;
		return 0;
	}
	if (IS("server", "workers"))
		return set_uint(&cfg->workers, value, 0, 256, err, errlen);
	if (IS("server", "max_request_bytes"))
		return set_size(&cfg->max_request_bytes, value, 1024,
				(size_t)256 * 1024 * 1024, err, errlen);
	if (IS("server", "allow_writes"))
		return set_bool(&cfg->allow_writes, value, err, errlen);
	if (IS("server", "allow_insecure"))
		return set_bool(&cfg->allow_insecure, value, err, errlen);
	if (IS("server", "io_batch"))
		return set_bool(&cfg->io_batch, value, err, errlen);
	if (IS("server", "shutdown_timeout_ms"))
		return set_uint(&cfg->shutdown_timeout_ms, value, 0, 600000,
				err, errlen);
	if (IS("database", "conninfo"))
		rc = set_str(&cfg->conninfo, value);
	else if (IS("database", "write_conninfo"))
		rc = set_str(&cfg->write_conninfo, value);
	else if (IS("database", "poll_ms"))
		return set_uint(&cfg->poll_ms, value, 10, 60000, err, errlen);
	else if (IS("cache", "snapshot_path"))
		rc = set_path(&cfg->snapshot_path,
			      &cfg->line.snapshot_path, value);
	else if (IS("cache", "reload_debounce_ms"))
		return set_uint(&cfg->reload_debounce_ms, value, 0, 60000, err,
				errlen);
	else if (IS("cache", "reconnect_max_ms"))
		return set_uint(&cfg->reconnect_max_ms, value, 100, 3600000,
				err, errlen);
	else if (IS("security", "curve_secret_key_file"))
		rc = set_path(&cfg->curve_secret_key_file,
			      &cfg->line.curve_secret_key_file, value);
	else if (IS("security", "allowed_clients_dir"))
		rc = set_path(&cfg->allowed_clients_dir,
			      &cfg->line.allowed_clients_dir, value);
	else if (IS("log", "level")) {
		if (log_parse_level(value, &cfg->log_level) == 0)
			return 0;
		snprintf(err, errlen, "expected err, warn, notice, info or debug, got \"%s\"",
			 value);
		return -EINVAL;
	} else if (IS("log", "format")) {
		if (log_parse_format(value, &cfg->log_format) == 0)
			return 0;
		snprintf(err, errlen, "expected text or json, got \"%s\"",
			 value);
		return -EINVAL;
	} else if (IS("log", "access_log"))
		rc = set_path(&cfg->access_log,
			      &cfg->line.access_log, value);
	else if (IS("http", "listen")) {
		if (value[0] && check_http_listen(value, err, errlen))
			return -EINVAL;
		rc = set_path(&cfg->http_listen, &cfg->http_listen_line, value);
	} else if (IS("http", "tls_cert_file"))
		rc = set_path(&cfg->http_tls_cert_file,
			      &cfg->line.http_tls_cert_file, value);
	else if (IS("http", "tls_key_file"))
		rc = set_path(&cfg->http_tls_key_file,
			      &cfg->line.http_tls_key_file, value);
	else if (IS("http", "tokens_dir"))
		rc = set_path(&cfg->http_tokens_dir,
			      &cfg->line.http_tokens_dir, value);
	else if (IS("http", "allow_insecure"))
		return set_bool(&cfg->http_allow_insecure, value, err, errlen);
	else if (IS("http", "xapi_mbox_attribute")) {
		unsigned line = 0;

		rc = set_path(&cfg->http_xapi_mbox_attribute, &line, value);
	} else {
		snprintf(err, errlen, "unknown key \"%s\" in [%s]", key, section);
		return -EINVAL;
	}
#undef IS
	if (rc == 0)
		return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	static const char *const sections[] = { "server", "database", "cache",
						"security", "log", "http" };
	char line[4096], section[32] = "", what[512];
	unsigned lineno = 0;
	bool file_listen = false;
	FILE *f = fopen(path, "r");
	int rc = 0;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	while (fgets(line, sizeof(line), f)) {
		const struct config_path *p;
		char *s, *eq, *key, *value;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long", path, lineno);
			rc = -EINVAL;
			break;
		}
		s = trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			bool known = false;

			if (!end || end[1]) {
				snprintf(err, errlen, "%s:%u: malformed section header",
					 path, lineno);
				rc = -EINVAL;
				break;
			}
			*end = '\0';
			for (size_t i = 0; i < sizeof(sections) / sizeof(*sections); i++)
				known |= strcmp(s + 1, sections[i]) == 0;
			if (!known) {
				snprintf(err, errlen, "%s:%u: unknown section [%s]",
					 path, lineno, s + 1);
				rc = -EINVAL;
				break;
			}
			snprintf(section, sizeof(section), "%s", s + 1);
			continue;
		}
		eq = strchr(s, '=');
		if (!eq || !section[0]) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno,
				 !section[0] ? "key outside of a [section]"
					     : "expected key = value");
			rc = -EINVAL;
			break;
		}
		*eq = '\0';
		key = trim(s);
		value = trim(eq + 1);
		/* a file's listen list replaces the built-in default */
		if (strcmp(section, "server") == 0 && strcmp(key, "listen") == 0 &&
		    !file_listen) {
			config_clear_listen(cfg);
			file_listen = true;
		}
		rc = config_set(cfg, section, key, value, what, sizeof(what));
		if (rc) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, what);
			break;
		}
		if (strcmp(section, "server") == 0 && strcmp(key, "listen") == 0)
			cfg->listen_line[cfg->listen_n - 1] = lineno;
		else if (strcmp(section, "http") == 0 &&
			 strcmp(key, "listen") == 0 && cfg->http_listen)
			cfg->http_listen_line = lineno;
		else if ((p = config_path_find(section, key)) &&
			 *config_path_value(cfg, p))
			*config_path_line(cfg, p) = lineno;
	}
	if (!rc && ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", path);
	}
	fclose(f);
	return rc;
}

bool config_is_loopback(const char *ep)
{
	const char *host;

	if (strncmp(ep, "ipc://", 6) == 0 || strncmp(ep, "inproc://", 9) == 0)
		return true;
	if (strncmp(ep, "tcp://", 6) != 0)
		return false;
	host = ep + 6;
	/* 127. followed by a name ("127.example.org") resolves anywhere */
	if (strncmp(host, "127.", 4) == 0 &&
	    host[strspn(host, "0123456789.")] == ':')
		return true;
	if (strncmp(host, "[::1]:", 6) == 0 ||
	    strncmp(host, "localhost:", 10) == 0)
		return true;
	return false;
}

int config_check_bound(const struct config *cfg, const char *configured,
		       const char *bound, char *err, size_t errlen)
{
	if (cfg->curve_secret_key_file || cfg->allow_insecure ||
	    config_is_loopback(bound))
		return 0;
	snprintf(err, errlen,
		 "listen %s bound %s, which is not loopback: set [security] curve_secret_key_file, or allow_insecure = true in [server]",
		 configured, bound);
	return -EPERM;
}

/* "PATH:LINE: " when the file set the key at line, "" otherwise (a flag
 * set it: the message names the key). */
static void config_where(char *buf, size_t len, const char *path,
			 unsigned line)
{
	if (path && line)
		snprintf(buf, len, "%s:%u: ", path, line);
	else
		buf[0] = '\0';
}

/* Whether the daemon can write file: the file itself when it is there,
 * else its folder. 0 or -errno. */
static int config_can_write(const char *file, const char *dir)
{
	struct stat st;

	if (stat(file, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		return faccessat(AT_FDCWD, file, W_OK, AT_EACCESS) ? -errno : 0;
	}
	if (errno != ENOENT)
		return -errno;
	return faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) ? -errno : 0;
}

/* Opens one of config_paths read-only as the start will need it. */
static int config_check_path(const struct config *cfg,
			     const struct config_path *p, const char *path,
			     char *err, size_t errlen)
{
	const char *v = *config_path_value(cfg, p);
	char where[PATH_MAX + 32], copy[PATH_MAX];
	const char *what = NULL, *folder = "", *dir;
	struct stat st;
	int fd, rc = 0;

	if (!v)
		return 0;
	config_where(where, sizeof(where), path, *config_path_line(cfg, p));
	switch (p->kind) {
	case CONFIG_PATH_FILE:
	case CONFIG_PATH_DIR:
		fd = open(v, O_RDONLY | O_CLOEXEC |
			  (p->kind == CONFIG_PATH_DIR ? O_DIRECTORY : 0));
		if (fd < 0) {
			rc = -errno;
			break;
		}
		if (fstat(fd, &st) < 0)
			rc = -errno;
		else if (p->kind == CONFIG_PATH_FILE && !S_ISREG(st.st_mode))
			what = "not a regular file";
		close(fd);
		break;
	case CONFIG_PATH_OUT:
		snprintf(copy, sizeof(copy), "%s", v);
		dir = dirname(copy);
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			rc = -errno;
			folder = "its folder: ";
			break;
		}
		close(fd);
		rc = config_can_write(v, dir);
		break;
	}
	if (!rc && !what)
		return 0;
	snprintf(err, errlen, "%s%s %s: %s%s", where, p->key, v, folder,
		 what ? what : strerror(-rc));
	return rc ? rc : -EINVAL;
}

/* The certificates, read as the start reads them: the server's, then the
 * clients'. */
static int config_check_certs(const struct config *cfg, const char *path,
			      char *err, size_t errlen)
{
	char where[PATH_MAX + 32], why[1024];
	int rc;

	if (!cfg->curve_secret_key_file)
		return 0;
	rc = security_check(cfg->curve_secret_key_file, NULL, why,
			    sizeof(why));
	if (rc) {
		config_where(where, sizeof(where), path,
			     cfg->line.curve_secret_key_file);
		snprintf(err, errlen, "%scurve_secret_key_file: %s", where, why);
		return rc;
	}
	if (!cfg->allowed_clients_dir)
		return 0;
	rc = security_check(cfg->curve_secret_key_file,
			    cfg->allowed_clients_dir, why, sizeof(why));
	if (rc) {
		config_where(where, sizeof(where), path,
			     cfg->line.allowed_clients_dir);
		snprintf(err, errlen, "%sallowed_clients_dir: %s", where, why);
	}
	return rc;
}

/* libpq's verdict on one conninfo: its message names the offending part
 * only, so a password is not repeated. 0 or -EINVAL. */
static int check_conninfo(const char *conninfo, const char *key,
			  const char *path, char *err, size_t errlen)
{
	char *why = NULL;
	PQconninfoOption *o;

	if (!conninfo)
		return 0;
	o = PQconninfoParse(conninfo, &why);
	PQconninfoFree(o);
	if (o)
		return 0;
	snprintf(err, errlen, "%s%s[database] %s: %s", path ? path : "",
		 path ? ": " : "", key, why ? why : "out of memory");
	err[strcspn(err, "\n")] = '\0';
	PQfreemem(why);
	return -EINVAL;
}

int config_check_conninfo(const struct config *cfg, const char *path,
			  char *err, size_t errlen)
{
	/* conninfo only when writes have a conninfo of their own: alone, it
	 * has always been taken as given (a database name, say) */
	if (cfg->write_conninfo &&
	    (check_conninfo(cfg->conninfo, "conninfo", path, err, errlen) ||
	     check_conninfo(cfg->write_conninfo, "write_conninfo", path, err,
			    errlen)))
		return -EINVAL;
	return 0;
}

bool config_http_is_loopback(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 || strncmp(addr, "[::1]:", 6) == 0 ||
	       strncmp(addr, "localhost:", 10) == 0;
}

/* [http]: TLS needs both files; off loopback, the door needs TLS and
 * tokens (or allow_insecure), as the ZeroMQ door needs CURVE. */
static int config_check_http(const struct config *cfg, const char *path,
			     char *err, size_t errlen)
{
	char where[PATH_MAX + 32];

	if (!cfg->http_listen)
		return 0;
	config_where(where, sizeof(where), path, cfg->http_listen_line);
	if (!cfg->http_tls_cert_file != !cfg->http_tls_key_file) {
		snprintf(err, errlen, "%s[http] TLS needs both tls_cert_file and tls_key_file",
			 where);
		return -EINVAL;
	}
	if (config_http_is_loopback(cfg->http_listen) ||
	    cfg->http_allow_insecure ||
	    (cfg->http_tls_cert_file && cfg->http_tokens_dir))
		return 0;
	snprintf(err, errlen, "%s[http] listen %s is not loopback: set tls_cert_file, tls_key_file and tokens_dir, or allow_insecure = true in [http]",
		 where, cfg->http_listen);
	return -EINVAL;
}

int config_validate(const struct config *cfg, const char *path, char *err,
		    size_t errlen)
{
	static const char why[] =
		"is not loopback: set [security] curve_secret_key_file, or allow_insecure = true in [server]";

	for (size_t i = 0; i < cfg->listen_n; i++) {
		if (config_is_loopback(cfg->listen[i]) ||
		    cfg->curve_secret_key_file || cfg->allow_insecure)
			continue;
		if (path && cfg->listen_line[i])
			snprintf(err, errlen, "%s:%u: listen %s %s", path,
				 cfg->listen_line[i], cfg->listen[i], why);
		else	/* a flag, or the default */
			snprintf(err, errlen, "listen %s %s", cfg->listen[i], why);
		return -EINVAL;
	}
	if (!cfg->conninfo) {
		snprintf(err, errlen, "%s%sno database: set [database] conninfo or --db",
			 path ? path : "", path ? ": " : "");
		return -EINVAL;
	}
	for (size_t i = 0; i < CONFIG_NPATHS; i++) {
		int rc = config_check_path(cfg, &config_paths[i], path, err,
					   errlen);

		if (rc)
			return rc;
	}
	if (config_check_http(cfg, path, err, errlen))
		return -EINVAL;
	if (cfg->snapshot_path) {
		char where[PATH_MAX + 32], reason[1024];
		int rc = persist_check_dir(cfg->snapshot_path, reason,
					   sizeof(reason));

		if (rc) {
			config_where(where, sizeof(where), path,
				     cfg->line.snapshot_path);
			snprintf(err, errlen, "%ssnapshot_path: %s", where,
				 reason);
			return rc;
		}
	}
	return config_check_certs(cfg, path, err, errlen);
}

int config_override(struct config *cfg, const char *section, const char *key,
		    const char *value, char *err, size_t errlen)
{
	size_t n = cfg->overrides_n;
	int rc;

	/* flags replace the file's listen list as a whole */
	if (strcmp(section, "server") == 0 && strcmp(key, "listen") == 0) {
		bool first = true;

		for (size_t i = 0; i < n; i++)
			if (strcmp(cfg->overrides[i].key, "listen") == 0)
				first = false;
		if (first)
			config_clear_listen(cfg);
	}
	rc = config_set(cfg, section, key, value, err, errlen);
	if (rc)
		return rc;
	if (n == sizeof(cfg->overrides) / sizeof(*cfg->overrides)) {
		snprintf(err, errlen, "too many command-line settings");
		return -EINVAL;
	}
	cfg->overrides[n].section = strdup(section);
	cfg->overrides[n].key = strdup(key);
	cfg->overrides[n].value = strdup(value);
	cfg->overrides_n++;
	if (!cfg->overrides[n].section || !cfg->overrides[n].key ||
	    !cfg->overrides[n].value) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int config_reread(const struct config *old, const char *path,
		  struct config *out, char *err, size_t errlen)
{
	struct config c;
	int rc = 0;

	config_init(&c);
	if (path)
		rc = config_load(&c, path, err, errlen);
	for (size_t i = 0; rc == 0 && i < old->overrides_n; i++)
		rc = config_override(&c, old->overrides[i].section,
				     old->overrides[i].key,
				     old->overrides[i].value, err, errlen);
	if (rc == 0 && c.listen_n == 0)
		rc = config_set(&c, "server", "listen", CONFIG_DEFAULT_LISTEN,
				err, errlen);
	if (rc) {
		config_free(&c);
		return rc;
	}
	*out = c;
	return 0;
}
