/* http: the JSON gateway, POST /v1/{Method}. The request's JSON becomes
 * the method's protobuf request (json_pb), runs as a job through the
 * frontend like any ZeroMQ request, and its protobuf answer goes back as
 * JSON: the same bytes either door would compute. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_private.h"
#include "json_pb.h"

bool http_permitted(struct server *s, struct server_job *j)
{
	struct http_call *call = j->call;

	if (call->has_token) {
		if (http_token_allows(call, j->m))
			return true;
		server_job_fail(j, QUERY_PERMISSION_DENIED,
				"this token may not call %s", j->m->name);
		return false;
	}
	if (j->m->kind == METHODS_WRITE && !s->cfg.allow_writes) {
		server_job_fail(j, QUERY_PERMISSION_DENIED,
				"writes are off: set [server] allow_writes = true");
		return false;
	}
	return true;
}

int http_gateway_submit(struct http *h, struct http_call *call,
			const struct methods_row *m, uint8_t *body, size_t len)
{
	Pathways__V1__RequestHeader hdr = PATHWAYS__V1__REQUEST_HEADER__INIT;
	struct server_job *j = calloc(1, sizeof(*j));
	char path[128];

	if (!j)
		return -ENOMEM;
	server_job_init(j);
	snprintf(path, sizeof(path), "%s%s", METHODS_PREFIX, m->name);
	hdr.method = path;
	hdr.request_id = strtoull(call->request_id, NULL, 10);
	hdr.deadline_ms = call->deadline_ms;
	if (zmq_msg_init_size(&j->frames[0], 4))
		goto fail;
	memcpy(zmq_msg_data(&j->frames[0]), "http", 4);
	j->frames_n = 1;
	if (zmq_msg_init_size(&j->frames[1],
			      pathways__v1__request_header__get_packed_size(&hdr)))
		goto fail;
	j->frames_n = 2;
	pathways__v1__request_header__pack(&hdr, zmq_msg_data(&j->frames[1]));
	if (zmq_msg_init_size(&j->frames[2], len))
		goto fail;
	j->frames_n = 3;
	memcpy(zmq_msg_data(&j->frames[2]), body, len);
	free(body);
	j->received_us = server_mono_us();
	j->call = call;
	snprintf(j->who, sizeof(j->who), "%s", call->who);
	pthread_mutex_lock(&h->lock);
	call->state = HTTP_CALL_WAITING;
	call->next = h->waiting;
	if (h->waiting)
		h->waiting->prev = call;
	h->waiting = call;
	pthread_mutex_unlock(&h->lock);
	/* suspended before the frontend can answer: a resume must find it
	 * suspended */
	MHD_suspend_connection(call->conn);
	server_call_submit(h->s, j);
	return 0;
fail:
	for (size_t i = 0; i < j->frames_n; i++)
		zmq_msg_close(&j->frames[i]);
	free(j);
	return -ENOMEM;
}

enum MHD_Result http_gateway_start(struct http *h, struct http_call *call)
{
	const struct methods_row *m = call->m;
	uint8_t *body = NULL;
	size_t len = 0;
	char err[512];
	int rc;

	/* an empty body is the empty request, as {} */
	rc = json_pb_decode(m->req, call->len ? call->body : "{}",
			    call->len ? call->len : 2, &body, &len, err,
			    sizeof(err));
	if (rc == -EINVAL)
		return http_reply_error(h, call->conn, call,
					MHD_HTTP_BAD_REQUEST,
					QUERY_INVALID_ARGUMENT, err);
	if (rc)
		return MHD_NO;
	if (http_gateway_submit(h, call, m, body, len)) {
		free(body);
		return MHD_NO;
	}
	return MHD_YES;
}

enum MHD_Result http_gateway_reply(struct http *h, struct http_call *call)
{
	char *json = NULL;
	size_t len = 0;
	enum MHD_Result ret;
	int rc;

	if (call->code != QUERY_OK)
		return http_reply_error(h, call->conn, call,
					http_status_of(call->code), call->code,
					call->message);
	rc = json_pb_encode_packed(call->m->resp,
				   call->has_resp ? zmq_msg_data(&call->resp) : NULL,
				   call->has_resp ? zmq_msg_size(&call->resp) : 0,
				   &json, &len);
	if (rc)
		return http_reply_error(h, call->conn, call,
					MHD_HTTP_INTERNAL_SERVER_ERROR,
					QUERY_INTERNAL,
					"cannot write the answer as JSON");
	ret = http_reply(h, call->conn, call, MHD_HTTP_OK, "application/json",
			 json, len);
	free(json);
	return ret;
}
