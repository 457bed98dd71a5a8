/* ctl_keys: see ctl_keys.h. */
#include "ctl_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "cert.h"
#include "ctl_json.h"

/* What keygen writes: the methods line must fit in one CERT_LINE_MAX. */
#define CTL_KEYS_METHODS_WRITTEN 960
_Static_assert(sizeof(((struct ctl_keys_opts *)0)->methods) ==
	       CTL_KEYS_METHODS_WRITTEN, "a methods list as written");
_Static_assert(CTL_KEYS_METHODS_WRITTEN + sizeof("    methods = \"\"") <=
	       CERT_LINE_MAX, "keygen's methods line must be readable");
#define CTL_KEYS_NAME_MAX 200

bool ctl_keys_is_z85(const char *s)
{
	return cert_is_z85(s);
}

void ctl_keys_wipe(struct ctl_keys_curve *keys)
{
	explicit_bzero(keys, sizeof(*keys));
}

/* ---- reading certificates ---- */

int ctl_keys_read_cert(const char *path, char *public_key, char *secret_key,
		       char *methods, size_t methods_len, char *err,
		       size_t errlen)
{
	struct cert c;
	int rc;

	rc = cert_read(path, &c, err, errlen);
	if (rc < 0)
		return rc;
	if (methods && strlen(c.methods) >= methods_len) {
		snprintf(err, errlen, "%s: methods is too long", path);
		rc = -EINVAL;
		goto out;
	}
	memcpy(public_key, c.public_key, sizeof(c.public_key));
	if (secret_key)
		memcpy(secret_key, c.secret_key, sizeof(c.secret_key));
	if (methods)
		memcpy(methods, c.methods, strlen(c.methods) + 1);
out:
	cert_wipe(&c);
	return rc;
}

int ctl_keys_load(const char *server, const char *client,
		  struct ctl_keys_curve *keys, char *err, size_t errlen)
{
	struct ctl_keys_curve k;
	char why[CTL_KEYS_ERRLEN];
	struct stat st;
	int rc = 0;

	memset(&k, 0, sizeof(k));
	if (ctl_keys_is_z85(server) && stat(server, &st) < 0) {
		memcpy(k.server_key, server, CTL_KEYS_Z85_LEN + 1);
	} else {
		rc = ctl_keys_read_cert(server, k.server_key, k.secret_key,
					NULL, 0, why, sizeof(why));
		if (rc == -ENOENT)
			snprintf(err, errlen, "--server-key '%s': no such "
				 "file, and not a 40-character Z85 key",
				 server);
		else if (rc < 0)
			snprintf(err, errlen, "--server-key: %s", why);
		if (rc == 0 && k.secret_key[0]) {
			snprintf(err, errlen, "--server-key: %s is a secret "
				 "certificate: give the daemon's public "
				 "certificate (its .pub)", server);
			rc = -EINVAL;
		}
		if (rc < 0)
			goto out;
	}
	if (client) {
		rc = ctl_keys_read_cert(client, k.public_key, k.secret_key,
					NULL, 0, why, sizeof(why));
		if (rc < 0) {
			snprintf(err, errlen, "--client-key: %s", why);
			goto out;
		}
		if (!k.secret_key[0]) {
			snprintf(err, errlen, "--client-key: %s has no "
				 "secret-key: give this client's secret "
				 "certificate (its .key), not the .pub",
				 client);
			rc = -EINVAL;
			goto out;
		}
	}
	*keys = k;
out:
	ctl_keys_wipe(&k);
	return rc;
}

/* ---- keygen ---- */

int ctl_keys_parse_methods(const char *list, char *out, size_t outlen,
			   char *err, size_t errlen)
{
	const char *p = list;
	size_t used = 0;

	if (outlen)
		out[0] = '\0';
	for (;;) {
		const char *end = strchr(p, ','), *b = p, *e;
		char name[128];
		size_t n;

		e = end ? end : p + strlen(p);
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		n = (size_t)(e - b);
		if (n == 0) {
			snprintf(err, errlen, "--methods '%s': an empty "
				 "method name", list);
			return -EINVAL;
		}
		if (n >= sizeof(name) || memchr(b, '/', n)) {
			snprintf(err, errlen, "--methods: unknown method "
				 "'%.*s'", (int)(n < 100 ? n : 100), b);
			return -EINVAL;
		}
		memcpy(name, b, n);
		name[n] = '\0';
		if (strcmp(name, "*") != 0 && !pw_method_find(name)) {
			snprintf(err, errlen, "--methods: unknown method '%s' "
				 "(names as in the contract: Readiness, "
				 "RecordAssessments, ...; '*' for all)",
				 name);
			return -EINVAL;
		}
		if (used + (used ? 1 : 0) + n + 1 > outlen) {
			snprintf(err, errlen, "--methods: the list is too "
				 "long");
			return -EINVAL;
		}
		if (used)
			out[used++] = ',';
		memcpy(out + used, name, n + 1);
		used += n;
		if (!end)
			return 0;
		p = end + 1;
	}
}

int ctl_keys_check_name(const char *name, char *err, size_t errlen)
{
	const char *why = NULL;

	if (!name[0])
		why = "it is empty";
	else if (strlen(name) > CTL_KEYS_NAME_MAX)
		why = "it is too long";
	else if (strchr(name, '/'))
		why = "it has a '/' (give the folder with --dir)";
	else if (name[0] == '.')
		why = "it starts with '.' (pathwaysd skips such files in "
		      "allowed_clients_dir)";
	else if (strstr(name, ".key") || strstr(name, "_secret"))
		why = "it has '.key' or '_secret' (pathwaysd skips such "
		      "files in allowed_clients_dir)";
	for (const unsigned char *p = (const void *)name; !why && *p; p++)
		if (*p < 0x20 || *p == 0x7F || *p == '"')
			why = "it has a control character or a quote";
	if (!why)
		return 0;
	snprintf(err, errlen, "invalid NAME '%s': %s", name, why);
	return -EINVAL;
}

/* The text of a certificate (secret when sec is not NULL) into buf. */
static int ctl_keys_format(char *buf, size_t len, const char *pub,
			   const char *sec, const char *methods)
{
	int n;

	n = snprintf(buf, len,
		"#   ****  Generated by pathwaysctl keygen  ****\n"
		"#   ZeroMQ CURVE %s Certificate\n"
		"%s"
		"\n"
		"metadata\n"
		"%s%s%s"
		"curve\n"
		"    public-key = \"%s\"\n"
		"%s%s%s",
		sec ? "**Secret**" : "Public",
		sec ? "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change "
		      "its permissions.\n" :
		      "#   A client's goes into pathwaysd's "
		      "allowed_clients_dir; the daemon's is\n"
		      "#   its clients' --server-key.\n",
		methods[0] ? "    methods = \"" : "", methods,
		methods[0] ? "\"\n" : "", pub,
		sec ? "    secret-key = \"" : "", sec ? sec : "",
		sec ? "\"\n" : "");
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : n;
}

int ctl_keys_write_new(const char *path, const char *text, size_t len,
		       mode_t mode, bool force)
{
	size_t off = 0;
	int fd, rc = 0;

	if (force && unlink(path) < 0 && errno != ENOENT)
		return -errno;
	/* O_EXCL: never write through a link someone left in our way. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  mode);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = w < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)w;
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc < 0)
		unlink(path);
	return rc;
}

/* Write a certificate to path, a new file (mode 0600 for a secret one).
 * With force an existing file is replaced. -EEXIST without force when
 * path exists; other -errno with err naming path. */
static int ctl_keys_write(const char *path, const char *pub, const char *sec,
			  const char *methods, bool force, char *err,
			  size_t errlen)
{
	char buf[CERT_METHODS_MAX + 1024];
	int n, rc;

	n = ctl_keys_format(buf, sizeof(buf), pub, sec, methods);
	if (n < 0) {
		rc = n;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		goto out;
	}
	if (force && unlink(path) < 0 && errno != ENOENT) {
		rc = -errno;
		snprintf(err, errlen, "cannot replace %s: %s", path,
			 strerror(-rc));
		goto out;
	}
	rc = ctl_keys_write_new(path, buf, (size_t)n, sec ? 0600 : 0644,
				false);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
out:
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

/* dir/name + ext into buf (name + ext alone when dir is NULL). */
static int ctl_keys_path(char *buf, size_t len, const char *dir,
			 const char *name, const char *ext)
{
	size_t dl = dir ? strlen(dir) : 0;
	int n;

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	if (dir)
		n = snprintf(buf, len, "%.*s%s%s%s", (int)dl, dir,
			     dir[dl - 1] == '/' ? "" : "/", name, ext);
	else
		n = snprintf(buf, len, "%s%s", name, ext);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Whether something is at path (or we cannot tell: then do not write). */
static bool ctl_keys_taken(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 || errno != ENOENT;
}

static void ctl_keys_print(struct ctl_cli *cli, const char *name,
			   const char *keypath, const char *pubpath,
			   const char *pub, const char *methods)
{
	struct ctl_json j;

	if (cli->json) {
		ctl_json_init(&j, cli->out, true);
		ctl_json_begin_object(&j);
		ctl_json_key(&j, "name");
		ctl_json_string(&j, name);
		ctl_json_key(&j, "secret_certificate");
		ctl_json_string(&j, keypath);
		ctl_json_key(&j, "public_certificate");
		ctl_json_string(&j, pubpath);
		ctl_json_key(&j, "public_key");
		ctl_json_string(&j, pub);
		ctl_json_key(&j, "methods");
		ctl_json_string(&j, methods[0] ? methods : NULL);
		ctl_json_end_object(&j);
		ctl_json_finish(&j);
		return;
	}
	ctl_cli_line(cli, "%s: secret certificate (mode 0600)", keypath);
	ctl_cli_line(cli, "%s: public certificate%s%s", pubpath,
		     methods[0] ? ", methods " : "", methods);
	ctl_cli_line(cli, "public key: %s", pub);
}

int ctl_keys_options(struct ctl_cli *cli, int argc, char **argv,
		     struct ctl_keys_opts *o)
{
	enum { OPT_DIR = 1, OPT_METHODS, OPT_FORCE };
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "methods", required_argument, NULL, OPT_METHODS },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ 0 },
	};
	char err[CTL_KEYS_ERRLEN];
	int c, status = CTL_EXIT_USAGE;

	while ((c = ctl_cli_getopt(cli, argc, argv, opts, &status)) != 0) {
		switch (c) {
		case OPT_DIR:
			if (!optarg[0])
				return ctl_cli_usage_error(cli,
					"--dir needs a folder");
			o->dir = optarg;
			break;
		case OPT_METHODS:
			if (ctl_keys_parse_methods(optarg, o->methods,
						   sizeof(o->methods), err,
						   sizeof(err)) < 0)
				return ctl_cli_usage_error(cli, "%s", err);
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		default:
			return status;
		}
	}
	return -1;
}

int ctl_keys_keygen(struct ctl_cli *cli, int argc, char **argv)
{
	char keypath[PATH_MAX], pubpath[PATH_MAX], err[CTL_KEYS_ERRLEN];
	char pub[CTL_KEYS_Z85_LEN + 1], sec[CTL_KEYS_Z85_LEN + 1];
	struct ctl_keys_opts o = { .dir = NULL };
	const char *name = "client", *methods = o.methods;
	int rc;
	struct stat st;

	rc = ctl_keys_options(cli, argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (argc - optind > 1)
		return ctl_cli_usage_error(cli, "unexpected argument '%s'",
					   argv[optind + 1]);
	if (argc - optind == 1)
		name = argv[optind];
	if (ctl_keys_check_name(name, err, sizeof(err)) < 0)
		return ctl_cli_usage_error(cli, "%s", err);
	if (o.dir && stat(o.dir, &st) < 0)
		return ctl_cli_usage_error(cli, "--dir '%s': %s", o.dir,
					   strerror(errno));
	if (o.dir && !S_ISDIR(st.st_mode))
		return ctl_cli_usage_error(cli, "--dir '%s': not a folder",
					   o.dir);
	if (ctl_keys_path(keypath, sizeof(keypath), o.dir, name, ".key") < 0 ||
	    ctl_keys_path(pubpath, sizeof(pubpath), o.dir, name, ".pub") < 0)
		return ctl_cli_usage_error(cli, "--dir: the path is too long");
	if (!o.force && (ctl_keys_taken(keypath) || ctl_keys_taken(pubpath))) {
		ctl_cli_error(cli, "keygen: %s exists: not replaced (--force "
			      "replaces %s and %s)",
			      ctl_keys_taken(keypath) ? keypath : pubpath,
			      keypath, pubpath);
		return CTL_EXIT_USAGE;
	}
	if (zmq_curve_keypair(pub, sec) != 0)
		return ctl_cli_error(cli, "keygen: %s",
				     errno == ENOTSUP ? "this libzmq has no "
				     "CURVE support" : zmq_strerror(errno));
	rc = ctl_keys_write(keypath, pub, sec, methods, o.force, err,
			    sizeof(err));
	explicit_bzero(sec, sizeof(sec));
	if (rc == 0) {
		rc = ctl_keys_write(pubpath, pub, NULL, methods, o.force, err,
				    sizeof(err));
		/* Half a pair is no use: take the secret back. */
		if (rc < 0)
			unlink(keypath);
	}
	if (rc == -EEXIST) {
		ctl_cli_error(cli, "keygen: %s (--force replaces it)", err);
		return CTL_EXIT_USAGE;
	}
	if (rc < 0)
		return ctl_cli_error(cli, "keygen: %s", err);
	ctl_keys_print(cli, name, keypath, pubpath, pub, methods);
	return CTL_EXIT_OK;
}
