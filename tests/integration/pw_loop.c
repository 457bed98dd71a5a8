/* pw_loop ENDPOINT... -- N: sends N Readiness calls through libpathways
 * (one client, every endpoint) and prints "ok FAILED" counts; the failover
 * test kills one daemon while this runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libpathways.h"

int main(int argc, char **argv)
{
	const char *eps[16];
	size_t n = 0;
	long calls = 0, ok = 0, failed = 0;
	pw_client_t *c = NULL;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0 && n < 16; i++)
		eps[n++] = argv[i];
	if (i + 1 >= argc || n == 0) {
		fprintf(stderr, "usage: pw_loop ENDPOINT... -- CALLS\n");
		return 2;
	}
	calls = atol(argv[i + 1]);
	if (pw_client_new(eps, n, &c)) {
		fprintf(stderr, "pw_loop: cannot create the client\n");
		return 2;
	}
	for (long k = 0; k < calls; k++) {
		Pathways__V1__ReadinessRequest req = PATHWAYS__V1__READINESS_REQUEST__INIT;
		char *ids[] = { "E1001", "E1002" };
		struct pw_reply r;
		struct timespec ts = { 0, 2000000 };

		req.n_employee_ids = 2;
		req.employee_ids = ids;
		if (pw_call(c, "Readiness", &req.base, NULL, 2000, &r) == 0 &&
		    r.code == 0)
			ok++;
		else
			failed++;
		if (r.code == 0)
			pw_reply_clear(&r);
		nanosleep(&ts, NULL);
	}
	printf("%ld %ld\n", ok, failed);
	pw_client_destroy(&c);
	return failed ? 1 : 0;
}
