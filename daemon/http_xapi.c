/* http: POST /xapi/statements (not yet). */
#include "http_private.h"

enum MHD_Result http_xapi_start(struct http *h, struct http_call *call)
{
	return http_reply_error(h, call->conn, call, MHD_HTTP_NOT_IMPLEMENTED,
				QUERY_UNIMPLEMENTED, "not yet");
}

enum MHD_Result http_xapi_reply(struct http *h, struct http_call *call)
{
	return http_reply_error(h, call->conn, call, MHD_HTTP_NOT_IMPLEMENTED,
				QUERY_UNIMPLEMENTED, "not yet");
}

void http_xapi_free(struct http_call *call)
{
	(void)call;
}
