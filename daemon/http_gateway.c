/* http: the JSON gateway, POST /v1/{Method}. The request's JSON becomes
 * the method's protobuf request (json_pb), runs as a job through the
 * frontend like any ZeroMQ request, and its protobuf answer goes back as
 * JSON: the same bytes either door would compute. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http_private.h"
#include "json_pb.h"

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
