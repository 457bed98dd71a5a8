/* pw_health ENDPOINT: a program outside the tree, built by
 * test_packages.sh against the installed libpathways-dev with nothing but
 * `pkg-config --cflags --libs pathways`. It checks that the header and the
 * library agree on the version and that a Health call to ENDPOINT answers
 * OK with a serving snapshot. Exit 0 when it does. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libpathways.h>

int main(int argc, char **argv)
{
	Pathways__V1__HealthRequest req = PATHWAYS__V1__HEALTH_REQUEST__INIT;
	const Pathways__V1__HealthResponse *h;
	struct pw_reply r = { 0 };
	pw_client_t *c = NULL;
	int rc, status = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: pw_health ENDPOINT\n");
		return 2;
	}
	if (strcmp(pw_version(), PW_VERSION) != 0) {
		fprintf(stderr, "pw_health: header %s, library %s\n",
			PW_VERSION, pw_version());
		return 1;
	}
	rc = pw_client_new((const char *const *)&argv[1], 1, &c);
	if (rc < 0) {
		fprintf(stderr, "pw_health: pw_client_new: %s\n", strerror(-rc));
		return 1;
	}
	rc = pw_call(c, "Health", &req.base, NULL, 10000, &r);
	if (rc < 0) {
		fprintf(stderr, "pw_health: pw_call: %s\n", strerror(-rc));
		goto out;
	}
	if (r.code != PW_CODE_OK) {
		fprintf(stderr, "pw_health: %s: %s\n", pw_code_name(r.code),
			r.message);
		goto out;
	}
	h = (const Pathways__V1__HealthResponse *)r.response;
	printf("pw_health: libpathways %s, daemon %s, serving %d, %u roles\n",
	       pw_version(), h->version, h->serving, h->roles);
	status = h->serving ? 0 : 1;
out:
	pw_reply_clear(&r);
	pw_client_destroy(&c);
	return status;
}
