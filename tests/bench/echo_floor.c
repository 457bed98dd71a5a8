/* echo_floor: the protocol's floor on this machine.
 *
 * A bare ZeroMQ ROUTER with pathwaysd's socket options that receives
 * [routing..., RequestHeader, body], unpacks the header with protobuf-c,
 * packs a ResponseHeader (same request_id, code 0) and replies
 * [routing..., header, body] (the request body echoed, or an empty body
 * with --empty). It computes nothing: any time pathwaysd spends above this
 * is decoding the request, the query and encoding the answer, plus its own
 * dispatch.
 *
 *   echo_floor --listen tcp://127.0.0.1:PORT [--empty]
 *
 * Runs until SIGTERM or SIGINT. Like pathwaysd, one thread reads the
 * socket and answers (libzmq adds its I/O thread), and the loop polls with
 * a timeout and drains up to 64 requests per wake-up.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "pathways/v1/pathways.pb-c.h"

#define MAX_FRAMES 8

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int set_int(void *sock, int opt, int v)
{
	return zmq_setsockopt(sock, opt, &v, sizeof(v));
}

/* One request: read every frame, answer. 0, or -1 when nothing was there. */
static int echo_one(void *sock, bool empty)
{
	zmq_msg_t f[MAX_FRAMES];
	size_t n = 0, routing;
	int more = 1, rc = -1;

	while (more) {
		size_t ml = sizeof(more);
		zmq_msg_t tmp, *m = n < MAX_FRAMES ? &f[n] : &tmp;

		zmq_msg_init(m);
		if (zmq_msg_recv(m, sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(m);
			break;
		}
		if (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &ml))
			more = 0;
		if (m == &tmp)
			zmq_msg_close(m);
		else
			n++;
	}
	if (n == 0)
		return -1;
	routing = n > 1 && zmq_msg_size(&f[1]) == 0 ? 2 : 1;
	if (n == routing + 2) {
		Pathways__V1__RequestHeader *h;
		Pathways__V1__ResponseHeader rh =
			PATHWAYS__V1__RESPONSE_HEADER__INIT;
		zmq_msg_t hm;

		h = pathways__v1__request_header__unpack(
			NULL, zmq_msg_size(&f[routing]), zmq_msg_data(&f[routing]));
		if (h) {
			rh.request_id = h->request_id;
			pathways__v1__request_header__free_unpacked(h, NULL);
		} else {
			rh.code = 3;
			rh.message = "cannot decode RequestHeader";
		}
		if (zmq_msg_init_size(&hm, pathways__v1__response_header__get_packed_size(&rh)))
			goto out;
		pathways__v1__response_header__pack(&rh, zmq_msg_data(&hm));
		for (size_t i = 0; i < routing; i++)
			if (zmq_msg_send(&f[i], sock, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
				goto drop;
		if (zmq_msg_send(&hm, sock, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
			goto drop;
		if (empty || !h) {
			if (zmq_send(sock, "", 0, ZMQ_DONTWAIT) < 0)
				goto out;
		} else if (zmq_msg_send(&f[routing + 1], sock, ZMQ_DONTWAIT) < 0) {
			goto out;
		}
		rc = 0;
		goto out;
drop:
		zmq_msg_close(&hm);
	}
out:
	for (size_t i = 0; i < n; i++)
		zmq_msg_close(&f[i]);
	return rc < 0 && n ? 0 : rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "empty", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen = NULL;
	bool empty = false;
	void *ctx, *sock;
	int64_t maxmsg = 4 << 20;	/* 4 x max_request_bytes, as pathwaysd */
	struct sigaction sa = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': listen = optarg; break;
		case 'e': empty = true; break;
		case 'h':
			printf("usage: echo_floor --listen ENDPOINT [--empty]\n");
			return 0;
		default:
			fprintf(stderr, "usage: echo_floor --listen ENDPOINT [--empty]\n");
			return 2;
		}
	}
	if (!listen) {
		fprintf(stderr, "usage: echo_floor --listen ENDPOINT [--empty]\n");
		return 2;
	}
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	ctx = zmq_ctx_new();
	sock = ctx ? zmq_socket(ctx, ZMQ_ROUTER) : NULL;
	if (!sock ||
	    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) ||
	    set_int(sock, ZMQ_LINGER, 0) || set_int(sock, ZMQ_SNDHWM, 10000) ||
	    set_int(sock, ZMQ_RCVHWM, 10000) || zmq_bind(sock, listen)) {
		fprintf(stderr, "echo_floor: %s: %s\n", listen, zmq_strerror(errno));
		return 1;
	}
	fprintf(stderr, "echo_floor: listening on %s\n", listen);
	while (!stop_flag) {
		zmq_pollitem_t it = { sock, 0, ZMQ_POLLIN, 0 };
		int n = zmq_poll(&it, 1, 100);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "echo_floor: poll: %s\n", zmq_strerror(errno));
			break;
		}
		for (int k = 0; k < 64 && (it.revents & ZMQ_POLLIN); k++) {
			int ev = 0;
			size_t el = sizeof(ev);

			if (echo_one(sock, empty) < 0)
				break;
			if (zmq_getsockopt(sock, ZMQ_EVENTS, &ev, &el) ||
			    !(ev & ZMQ_POLLIN))
				break;
		}
	}
	zmq_close(sock);
	zmq_ctx_term(ctx);
	return 0;
}
