/* query_audit: where the framework itself has holes (docs/scoring.md, Audit) —
 * the Audit method. */
#ifndef PATHWAYS_QUERY_AUDIT_H
#define PATHWAYS_QUERY_AUDIT_H

#include "query.h"

/* Method handler: AuditRequest → AuditResponse (sorted by kind, subject). */
int query_audit_run(struct query_ctx *ctx, const ProtobufCMessage *req,
		    ProtobufCMessage *resp);

#endif
