/* http_load: Readiness of one pair over the HTTP door's JSON gateway, on
 * one keep-alive connection, one request at a time: what the side door
 * costs beside the ZeroMQ figures of loadgen.
 *
 *   http_load --port P --size S|M|L [--duration SEC] [--warmup SEC]
 *             [--label NAME]
 *
 * Pairs are loadgen's readiness pairs (org.h: an employee and the next role
 * up their ladder), the JSON body built once per pair before the run. A
 * plain socket speaks HTTP/1.1: no client library's cost in the figure.
 * Prints, as loadgen does:
 *   RESULT label=.. kind=readiness n=.. errors=.. p50_us=.. p99_us=..
 *          rps=..
 * Exit status: 0, 1 on errors (a status other than 200, a broken
 * connection), 2 usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "org.h"

#define PAIRS 1024

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Reads one response off fd into buf: its status, 0 or -1. */
static int read_response(int fd, char *buf, size_t cap, int *status)
{
	size_t have = 0, need = 0;
	char *end;

	for (;;) {
		ssize_t n = read(fd, buf + have, cap - have - 1);

		if (n <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end && !need) {
			const char *cl = strcasestr(buf, "\r\nContent-Length:");

			if (!cl || sscanf(buf, "HTTP/1.1 %d", status) != 1)
				return -1;
			need = (size_t)(end + 4 - buf) + strtoul(cl + 17, NULL, 10);
			if (need >= cap)
				return -1;
		}
		if (need && have >= need)
			return 0;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "size", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "label", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const struct org_size *z = org_size_find("S");
	double duration = 2, warmup = 0.5;
	const char *label = "http";
	static char reqs[PAIRS][512], buf[1 << 16];
	size_t lens[PAIRS], n = 0, cap = 1 << 20, errors = 0;
	uint64_t *lat = malloc(cap * sizeof(*lat));
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int c, fd, one = 1, port = 0;
	int64_t start, stop, t0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': port = atoi(optarg); break;
		case 's': z = org_size_find(optarg); break;
		case 'd': duration = atof(optarg); break;
		case 'w': warmup = atof(optarg); break;
		case 'l': label = optarg; break;
		default: return 2;
		}
	}
	if (!z || port <= 0 || !lat) {
		fprintf(stderr, "usage: http_load --port P --size S|M|L [--duration SEC]\n");
		return 2;
	}
	for (size_t i = 0; i < PAIRS; i++) {
		struct org_rng r;
		uint32_t emp;
		char ek[16], rk[24], body[128];
		int bl;

		org_rng_init(&r, 77, i);
		emp = org_rng_below(&r, z->employees);
		org_emp_key(emp, ek);
		org_role_key(z, org_next_role(z, org_emp_role(z, emp)), rk);
		bl = snprintf(body, sizeof(body),
			      "{\"employeeIds\":[\"%s\"],\"roleKeys\":[\"%s\"]}", ek, rk);
		lens[i] = (size_t)snprintf(reqs[i], sizeof(reqs[i]),
			"POST /v1/Readiness HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			bl, body);
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "http_load: connect: %s\n", strerror(errno));
		return 1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	start = now_us() + (int64_t)(warmup * 1e6);
	stop = start + (int64_t)(duration * 1e6);
	for (size_t i = 0;; i++) {
		int status = 0;

		t0 = now_us();
		if (t0 >= stop)
			break;
		if (write(fd, reqs[i % PAIRS], lens[i % PAIRS]) !=
			    (ssize_t)lens[i % PAIRS] ||
		    read_response(fd, buf, sizeof(buf), &status)) {
			fprintf(stderr, "http_load: the connection broke\n");
			return 1;
		}
		if (status != 200)
			errors++;
		if (t0 >= start && n < cap)
			lat[n++] = (uint64_t)(now_us() - t0);
	}
	close(fd);
	if (!n) {
		fprintf(stderr, "http_load: no request measured\n");
		return 1;
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("RESULT label=%s kind=readiness n=%zu errors=%zu p50_us=%" PRIu64
	       " p99_us=%" PRIu64 " rps=%.0f\n", label, n, errors, lat[n / 2],
	       lat[n * 99 / 100], (double)n / duration);
	free(lat);
	return errors ? 1 : 0;
}
