/* pw_loop ENDPOINT... -- CALLS [TIMEOUT_MS]: sends CALLS Readiness calls
 * through libpathways (one client, every endpoint; TIMEOUT_MS each, default
 * 2000) and prints "OK FAILED SLOW": SLOW counts the calls that waited half
 * their timeout or more, which the library resends (libpathways.h), so the
 * failover test can tell that a resend happened. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libpathways.h"

static long long pw_loop_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	const char *eps[16];
	size_t n = 0;
	long calls = 0, ok = 0, failed = 0, slow = 0;
	unsigned timeout_ms = 2000;
	pw_client_t *c = NULL;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0 && n < 16; i++)
		eps[n++] = argv[i];
	if (i + 1 >= argc || n == 0) {
		fprintf(stderr,
			"usage: pw_loop ENDPOINT... -- CALLS [TIMEOUT_MS]\n");
		return 2;
	}
	calls = atol(argv[i + 1]);
	if (i + 2 < argc)
		timeout_ms = (unsigned)atol(argv[i + 2]);
	if (pw_client_new(eps, n, &c)) {
		fprintf(stderr, "pw_loop: cannot create the client\n");
		return 2;
	}
	for (long k = 0; k < calls; k++) {
		Pathways__V1__ReadinessRequest req = PATHWAYS__V1__READINESS_REQUEST__INIT;
		char *ids[] = { "E1001", "E1002" };
		struct pw_reply r;
		struct timespec ts = { 0, 2000000 };
		long long t0 = pw_loop_ms();

		req.n_employee_ids = 2;
		req.employee_ids = ids;
		if (pw_call(c, "Readiness", &req.base, NULL, timeout_ms, &r) == 0) {
			if (r.code == 0)
				ok++;
			else
				failed++;
			pw_reply_clear(&r);
		} else {
			failed++;
		}
		if (pw_loop_ms() - t0 >= timeout_ms / 2)
			slow++;
		nanosleep(&ts, NULL);
	}
	printf("%ld %ld %ld\n", ok, failed, slow);
	pw_client_destroy(&c);
	return failed ? 1 : 0;
}
