/* pathwaysctl token: the token's form, and a file the daemon's reader
 * (cert_read_token) accepts with the token's hash. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cert.h"
#include "ctl_admin.c"
#include "ctl_cli.c"
#include "ctl_json.c"
#include "ctl_keys.c"
#include "ctl_query.c"
#include "ctl_table.c"
#include "ctl_token.c"
#include "ctl_write.c"

Test(ctl_token, tokens_are_random_and_url_safe)
{
	char a[CTL_TOKEN_LEN + 1], b[CTL_TOKEN_LEN + 1];

	cr_assert_eq(ctl_token_make(a), 0);
	cr_assert_eq(ctl_token_make(b), 0);
	cr_assert_eq(strlen(a), CTL_TOKEN_LEN);
	cr_assert_eq(strncmp(a, "pwt_", 4), 0);
	cr_assert_eq(strspn(a + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
		     CTL_TOKEN_LEN - 4, "%s", a);
	cr_assert_str_neq(a, b);
}

Test(ctl_token, the_file_holds_the_hash_the_daemon_reads)
{
	char text[2048], hex[CERT_SHA256_HEX + 1], err[512];
	struct cert c;
	FILE *f;

	cr_assert_eq(ctl_token_format(text, sizeof(text), "pwt_secret", "lms",
				      "RecordCompletions"), 0);
	cr_assert_null(strstr(text, "pwt_secret"), "the token itself is stored");
	f = fmemopen(text, strlen(text), "r");
	cr_assert_not_null(f);
	cr_assert_eq(cert_read_token_stream(f, "t", &c, err, sizeof(err)), 0,
		     "%s", err);
	fclose(f);
	cert_token_hash("pwt_secret", hex);
	cr_assert_str_eq(c.token_sha256, hex);
	cr_assert_str_eq(c.name, "lms");
	cr_assert_str_eq(c.methods, "RecordCompletions");
	cr_assert_eq(ctl_token_format(text, 64, "pwt_secret", "lms", ""),
		     -ENAMETOOLONG);
}
