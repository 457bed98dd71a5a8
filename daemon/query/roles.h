/* query_roles: the ListRoles method. */
#ifndef PATHWAYS_QUERY_ROLES_H
#define PATHWAYS_QUERY_ROLES_H

#include "query.h"

/* Method handler: ListRolesRequest → ListRolesResponse (roles by key). */
int query_roles_run(struct query_ctx *ctx, const ProtobufCMessage *req,
		    ProtobufCMessage *resp);

#endif
