/* ctl_token: `pathwaysctl token NAME [--methods M,...] [--dir D] [--force]`,
 * a bearer token for pathwaysd's HTTP door.
 *
 * It writes D/NAME.token (default: the current folder), the file the
 * daemon's [http] tokens_dir holds (cert.h: a metadata section with name
 * and methods, a token section with the token's SHA-256), and prints the
 * token once on stdout. The token itself is stored nowhere: whoever loses
 * it makes a new one. */
#ifndef PATHWAYS_CTL_TOKEN_H
#define PATHWAYS_CTL_TOKEN_H

#include "ctl_cli.h"

/* The length of a token: "pwt_" and 32 random bytes in base64url. */
#define CTL_TOKEN_LEN (4 + 43)

/* A new random token into buf (CTL_TOKEN_LEN + 1 bytes). 0, or -EIO
 * when libsodium cannot start. */
int ctl_token_make(char buf[CTL_TOKEN_LEN + 1])
	__attribute__((warn_unused_result));

/* The text of NAME.token for token (hashed here), name and methods. 0,
 * or -ENAMETOOLONG when it does not fit in len. */
int ctl_token_format(char *buf, size_t len, const char *token,
		     const char *name, const char *methods)
	__attribute__((warn_unused_result));

/* token NAME [--dir D] [--methods M,...] [--force]: a struct ctl_cmd run
 * function (ctl_cli.h). */
int ctl_token_token(struct ctl_cli *cli, int argc, char **argv);

#endif
