/* libpathways: see libpathways.h. */
#include "libpathways.h"

#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#define PW_DEFAULT_SEND_QUEUE 1000
#define PW_PENDING_MIN_SLOTS 16

/* A pending request: open addressing with linear probing, id 0 marks an
 * empty slot (ids start at 1). */
struct pw_slot {
	uint64_t id;
	const ProtobufCMessageDescriptor *resp_desc;
};

struct pw_meta {
	char *key;
	char *value;
};

struct pw_client {
	void *ctx;
	void *sock;
	uint64_t next_id;
	struct pw_slot *slots;
	size_t nslots;			/* 0 or a power of two */
	size_t npending;
	struct pw_meta *meta;
	size_t nmeta;
	size_t nendpoints;
	bool follow_writes;		/* pw_client_follow_writes() */
};

/* A reply as read off the socket, before it is matched to a request. */
struct pw_frames {
	zmq_msg_t header;
	zmq_msg_t body;
	bool has_body;
};

/* A bump allocator for unpacking one response: protobuf-c allocates each
 * submessage, string and array separately; here they are carved out of a
 * few large chunks and all freed at once. */
struct pw_arena {
	struct pw_arena *next;
	size_t used, size;
	max_align_t data[];
};

static void *pw_arena_alloc(void *ctx, size_t size)
{
	struct pw_arena **head = ctx, *a = *head;
	size_t align = sizeof(max_align_t);
	void *p;

	if (size > SIZE_MAX - align)
		return NULL;
	size = (size + align - 1) & ~(align - 1);
	if (!a || a->size - a->used < size) {
		size_t want = a ? a->size * 2 : 16384;

		if (want < size)
			want = size;
		a = malloc(sizeof(*a) + want);
		if (!a)
			return NULL;
		a->size = want;
		a->used = 0;
		a->next = *head;
		*head = a;
	}
	p = (char *)a->data + a->used;
	a->used += size;
	return p;
}

static void pw_arena_free(void *ctx, void *p)
{
	(void)ctx;
	(void)p;	/* everything goes at once, in pw_arena_release() */
}

static void pw_arena_release(void *arena)
{
	struct pw_arena *a = arena;

	while (a) {
		struct pw_arena *next = a->next;

		free(a);
		a = next;
	}
}

static const char *const pw_code_names[] = {
	[PW_CODE_OK] = "OK",
	[PW_CODE_CANCELLED] = "CANCELLED",
	[PW_CODE_UNKNOWN] = "UNKNOWN",
	[PW_CODE_INVALID_ARGUMENT] = "INVALID_ARGUMENT",
	[PW_CODE_DEADLINE_EXCEEDED] = "DEADLINE_EXCEEDED",
	[PW_CODE_NOT_FOUND] = "NOT_FOUND",
	[PW_CODE_ALREADY_EXISTS] = "ALREADY_EXISTS",
	[PW_CODE_PERMISSION_DENIED] = "PERMISSION_DENIED",
	[PW_CODE_RESOURCE_EXHAUSTED] = "RESOURCE_EXHAUSTED",
	[PW_CODE_FAILED_PRECONDITION] = "FAILED_PRECONDITION",
	[PW_CODE_ABORTED] = "ABORTED",
	[PW_CODE_OUT_OF_RANGE] = "OUT_OF_RANGE",
	[PW_CODE_UNIMPLEMENTED] = "UNIMPLEMENTED",
	[PW_CODE_INTERNAL] = "INTERNAL",
	[PW_CODE_UNAVAILABLE] = "UNAVAILABLE",
	[PW_CODE_DATA_LOSS] = "DATA_LOSS",
	[PW_CODE_UNAUTHENTICATED] = "UNAUTHENTICATED",
};

const char *pw_code_name(int32_t code)
{
	size_t n = sizeof(pw_code_names) / sizeof(pw_code_names[0]);

	if (code < 0 || (size_t)code >= n)
		return NULL;
	return pw_code_names[code];
}

const ProtobufCMethodDescriptor *pw_method_find(const char *method)
{
	const ProtobufCServiceDescriptor *svc =
		&pathways__v1__pathways__descriptor;
	size_t plen = strlen(PW_METHOD_PREFIX);

	if (!method)
		return NULL;
	if (strncmp(method, PW_METHOD_PREFIX, plen) == 0)
		method += plen;
	for (unsigned i = 0; i < svc->n_methods; i++)
		if (strcmp(svc->methods[i].name, method) == 0)
			return &svc->methods[i];
	return NULL;
}

/* ---- time ---- */

static int64_t pw_now_ms(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail on Linux with a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline for zmq_poll: -1 when there is no
 * deadline (deadline < 0), else 0 or more. */
static long pw_remaining(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - pw_now_ms();
	if (left < 0)
		return 0;
	if (left > LONG_MAX)
		return LONG_MAX;
	return (long)left;
}

/* ---- pending requests ---- */

static size_t pw_slot_home(const pw_client_t *c, uint64_t id)
{
	/* Fibonacci hashing: sequential ids spread over the table. */
	return (size_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> 32) &
	       (c->nslots - 1);
}

static struct pw_slot *pw_pending_find(const pw_client_t *c, uint64_t id)
{
	if (c->nslots == 0 || id == 0)
		return NULL;
	for (size_t i = pw_slot_home(c, id);; i = (i + 1) & (c->nslots - 1)) {
		if (c->slots[i].id == id)
			return &c->slots[i];
		if (c->slots[i].id == 0)
			return NULL;
	}
}

static void pw_pending_put(pw_client_t *c, uint64_t id,
			   const ProtobufCMessageDescriptor *resp_desc)
{
	size_t i = pw_slot_home(c, id);

	while (c->slots[i].id != 0)
		i = (i + 1) & (c->nslots - 1);
	c->slots[i].id = id;
	c->slots[i].resp_desc = resp_desc;
	c->npending++;
}

/* Make room for one more pending request, keeping the load at most 1/2. */
static int pw_pending_reserve(pw_client_t *c)
{
	struct pw_slot *old = c->slots;
	size_t oldn = c->nslots;
	size_t n = oldn ? oldn : PW_PENDING_MIN_SLOTS;
	struct pw_slot *slots;

	while ((c->npending + 1) * 2 > n) {
		if (n > SIZE_MAX / 2 / sizeof(*slots))
			return -ENOMEM;
		n *= 2;
	}
	if (n == oldn)
		return 0;
	slots = calloc(n, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	c->slots = slots;
	c->nslots = n;
	c->npending = 0;
	for (size_t i = 0; i < oldn; i++)
		if (old[i].id != 0)
			pw_pending_put(c, old[i].id, old[i].resp_desc);
	free(old);
	return 0;
}

/* Remove a slot; backward-shift deletion keeps probe chains intact without
 * tombstones. */
static void pw_pending_remove(pw_client_t *c, struct pw_slot *slot)
{
	size_t mask = c->nslots - 1;
	size_t hole = (size_t)(slot - c->slots);

	for (size_t i = (hole + 1) & mask; c->slots[i].id != 0;
	     i = (i + 1) & mask) {
		size_t home = pw_slot_home(c, c->slots[i].id);

		/* Move i into the hole unless its home lies cyclically in
		 * (hole, i]: then it must stay where it is. */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			c->slots[hole] = c->slots[i];
			hole = i;
		}
	}
	c->slots[hole].id = 0;
	c->slots[hole].resp_desc = NULL;
	c->npending--;
}

size_t pw_pending(const pw_client_t *c)
{
	return c->npending;
}

int pw_cancel(pw_client_t *c, uint64_t request_id)
{
	struct pw_slot *slot = pw_pending_find(c, request_id);

	if (!slot)
		return -ENOENT;
	pw_pending_remove(c, slot);
	return 0;
}

const char *pw_version(void)
{
	return PW_VERSION;
}

/* ---- client ---- */

static int pw_set_curve(void *sock, const struct pw_options *opts)
{
	char pub[41], sec[41];
	const char *p = opts->public_key, *s = opts->secret_key;
	int rc = 0;

	if (!zmq_has("curve"))
		return -ENOTSUP;
	if (strlen(opts->server_key) != 40 || (!p) != (!s))
		return -EINVAL;
	if (!p) {
		if (zmq_curve_keypair(pub, sec) != 0) {
			rc = -errno;
			goto out;
		}
		p = pub;
		s = sec;
	}
	if (strlen(p) != 40 || strlen(s) != 40) {
		rc = -EINVAL;
		goto out;
	}
	if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, opts->server_key, 40) ||
	    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, p, 40) ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, s, 40))
		rc = -errno;
out:
	/* The secret must not linger on the stack. */
	memset(sec, 0, sizeof(sec));
	return rc;
}

int pw_client_new_opts(const char *const *endpoints, size_t n,
		       const struct pw_options *opts, pw_client_t **out)
{
	static const struct pw_options defaults = { 0 };
	pw_client_t *c;
	int zero = 0, one = 1, hwm;
	int rc = -EINVAL;

	if (!endpoints || n == 0 || !out)
		return -EINVAL;
	if (!opts)
		opts = &defaults;
	hwm = opts->send_queue > 0 ? opts->send_queue : PW_DEFAULT_SEND_QUEUE;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->next_id = 1;
	c->ctx = zmq_ctx_new();
	if (!c->ctx) {
		rc = errno ? -errno : -ENOMEM;
		goto out_destroy;
	}
	c->sock = zmq_socket(c->ctx, ZMQ_DEALER);
	if (!c->sock) {
		rc = -errno;
		goto out_destroy;
	}
	/* linger 0: closing must not wait for a daemon that is down.
	 * immediate: queue requests only on completed connections, so a
	 * daemon that is down does not swallow its share of them. */
	if (zmq_setsockopt(c->sock, ZMQ_LINGER, &zero, sizeof(zero)) ||
	    zmq_setsockopt(c->sock, ZMQ_IMMEDIATE, &one, sizeof(one)) ||
	    zmq_setsockopt(c->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm))) {
		rc = -errno;
		goto out_destroy;
	}
	if (opts->server_key) {
		rc = pw_set_curve(c->sock, opts);
		if (rc < 0)
			goto out_destroy;
	}
	for (size_t i = 0; i < n; i++) {
		if (!endpoints[i] || zmq_connect(c->sock, endpoints[i]) != 0) {
			rc = endpoints[i] ? -errno : -EINVAL;
			goto out_destroy;
		}
	}
	c->nendpoints = n;
	*out = c;
	return 0;

out_destroy:
	pw_client_destroy(&c);
	return rc;
}

int pw_client_new(const char *const *endpoints, size_t n, pw_client_t **out)
{
	return pw_client_new_opts(endpoints, n, NULL, out);
}

void pw_client_destroy(pw_client_t **cp)
{
	pw_client_t *c;

	if (!cp || !*cp)
		return;
	c = *cp;
	if (c->sock)
		zmq_close(c->sock);
	if (c->ctx)
		while (zmq_ctx_term(c->ctx) != 0 && errno == EINTR)
			;
	for (size_t i = 0; i < c->nmeta; i++) {
		free(c->meta[i].key);
		free(c->meta[i].value);
	}
	free(c->meta);
	free(c->slots);
	free(c);
	*cp = NULL;
}

/* an LSN's text ("16/B374D848") as a number; 0 when it is not one */
static uint64_t pw_lsn(const char *text)
{
	unsigned hi, lo;
	char end;

	if (!text || sscanf(text, "%8X/%8X%c", &hi, &lo, &end) != 2)
		return 0;
	return (uint64_t)hi << 32 | lo;
}

/* A write's reply names its commit_lsn: later reads ask for at least it
 * (metadata min_lsn), so they see the write on whichever daemon answers. */
static void pw_follow_commit(pw_client_t *c, const ProtobufCMessage *resp)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(
			resp->descriptor, "commit_lsn");
	const char *lsn, *have = NULL;

	if (!f || f->type != PROTOBUF_C_TYPE_STRING)
		return;
	lsn = *(char *const *)((const char *)resp + f->offset);
	for (size_t i = 0; i < c->nmeta; i++)
		if (strcmp(c->meta[i].key, "min_lsn") == 0)
			have = c->meta[i].value;
	if (pw_lsn(lsn) > pw_lsn(have) &&
	    pw_client_set_metadata(c, "min_lsn", lsn)) {
		/* out of memory: the reads go on without it */
	}
}

int pw_client_follow_writes(pw_client_t *c, bool on)
{
	if (!c)
		return -EINVAL;
	c->follow_writes = on;
	return 0;
}

int pw_client_set_metadata(pw_client_t *c, const char *key, const char *value)
{
	struct pw_meta *m;
	char *v = NULL, *k = NULL;
	size_t i;

	if (!c || !key)
		return -EINVAL;
	for (i = 0; i < c->nmeta; i++)
		if (strcmp(c->meta[i].key, key) == 0)
			break;
	if (!value) {
		if (i == c->nmeta)
			return 0;
		free(c->meta[i].key);
		free(c->meta[i].value);
		c->meta[i] = c->meta[--c->nmeta];
		return 0;
	}
	v = strdup(value);
	if (!v)
		return -ENOMEM;
	if (i < c->nmeta) {
		free(c->meta[i].value);
		c->meta[i].value = v;
		return 0;
	}
	k = strdup(key);
	m = realloc(c->meta, (c->nmeta + 1) * sizeof(*m));
	if (!k || !m) {
		free(k);
		free(v);
		if (m)
			c->meta = m;
		return -ENOMEM;
	}
	c->meta = m;
	c->meta[c->nmeta].key = k;
	c->meta[c->nmeta].value = v;
	c->nmeta++;
	return 0;
}

/* ---- sending ---- */

/* Pack msg into a new ZeroMQ frame (an empty frame for NULL). */
static int pw_pack(const ProtobufCMessage *msg, zmq_msg_t *frame)
{
	size_t len = msg ? protobuf_c_message_get_packed_size(msg) : 0;

	if (zmq_msg_init_size(frame, len) != 0)
		return -errno;
	if (len && protobuf_c_message_pack(msg, zmq_msg_data(frame)) != len) {
		zmq_msg_close(frame);
		return -EINVAL;
	}
	return 0;
}

static int pw_pack_header(const pw_client_t *c, const char *path,
			  uint64_t id, unsigned deadline_ms, zmq_msg_t *frame)
{
	Pathways__V1__RequestHeader h = PATHWAYS__V1__REQUEST_HEADER__INIT;
	Pathways__V1__RequestHeader__MetadataEntry *entries = NULL;
	Pathways__V1__RequestHeader__MetadataEntry **ptrs = NULL;
	int rc = -ENOMEM;

	if (c->nmeta) {
		entries = calloc(c->nmeta, sizeof(*entries));
		ptrs = calloc(c->nmeta, sizeof(*ptrs));
		if (!entries || !ptrs)
			goto out;
		for (size_t i = 0; i < c->nmeta; i++) {
			pathways__v1__request_header__metadata_entry__init(
				&entries[i]);
			entries[i].key = c->meta[i].key;
			entries[i].value = c->meta[i].value;
			ptrs[i] = &entries[i];
		}
	}
	/* protobuf-c's structs take char *, but packing only reads. */
	h.method = (char *)path;
	h.request_id = id;
	h.deadline_ms = deadline_ms;
	h.n_metadata = c->nmeta;
	h.metadata = ptrs;
	rc = pw_pack(&h.base, frame);
out:
	free(ptrs);
	free(entries);
	return rc;
}

/* Wait until the socket can take a message or the deadline passes. */
static int pw_wait(pw_client_t *c, short events, int64_t deadline)
{
	zmq_pollitem_t item = { .socket = c->sock, .events = events };
	int n;

	n = zmq_poll(&item, 1, pw_remaining(deadline));
	if (n < 0)
		return -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

/* Send header and body as one message, waiting until the deadline for the
 * socket to take it (deadline < 0: as long as it takes; nowait: not at
 * all, -EAGAIN). */
static int pw_send_frames(pw_client_t *c, zmq_msg_t *header, zmq_msg_t *body,
			  int64_t deadline, bool nowait)
{
	int flags = ZMQ_SNDMORE | ZMQ_DONTWAIT;
	int rc;

	for (;;) {
		if (zmq_msg_send(header, c->sock, flags) >= 0)
			break;
		if (errno != EAGAIN)
			return -errno;
		if (nowait)
			return -EAGAIN;
		rc = pw_wait(c, ZMQ_POLLOUT, deadline);
		if (rc < 0)
			return rc;
	}
	/* Once the first frame of a message is queued, ZeroMQ takes the rest
	 * of it: this does not block. */
	if (zmq_msg_send(body, c->sock, 0) < 0)
		return -errno;
	return 0;
}

/* Resolve, pack and send; on success the request is pending. */
static int pw_start(pw_client_t *c, const char *method,
		    const ProtobufCMessage *req,
		    const ProtobufCMessageDescriptor *resp_desc,
		    unsigned deadline_ms, int64_t until, bool nowait,
		    uint64_t *request_id)
{
	const ProtobufCMethodDescriptor *md;
	zmq_msg_t header, body;
	char *path = NULL;
	uint64_t id;
	int rc;

	if (!c || !method || !*method)
		return -EINVAL;
	md = pw_method_find(method);
	if (!resp_desc && !md)
		return -EINVAL;
	if (md && req && req->descriptor != md->input)
		return -EINVAL;
	if (!resp_desc)
		resp_desc = md->output;
	if (method[0] == '/') {
		path = strdup(method);
	} else if (asprintf(&path, "%s%s", PW_METHOD_PREFIX, method) < 0) {
		path = NULL;
	}
	if (!path)
		return -ENOMEM;
	rc = pw_pending_reserve(c);
	if (rc < 0)
		goto out;

	id = c->next_id;
	rc = pw_pack_header(c, path, id, deadline_ms, &header);
	if (rc < 0)
		goto out;
	rc = pw_pack(req, &body);
	if (rc < 0)
		goto out_header;
	rc = pw_send_frames(c, &header, &body, until, nowait);
	if (rc < 0)
		goto out_body;
	pw_pending_put(c, id, resp_desc);
	c->next_id++;
	*request_id = id;
out_body:
	zmq_msg_close(&body);
out_header:
	zmq_msg_close(&header);
out:
	free(path);
	return rc;
}

int pw_send(pw_client_t *c, const char *method, const ProtobufCMessage *req,
	    const ProtobufCMessageDescriptor *resp_desc, unsigned deadline_ms,
	    uint64_t *request_id)
{
	int64_t until = pw_now_ms() + deadline_ms;

	if (!request_id)
		return -EINVAL;
	return pw_start(c, method, req, resp_desc, deadline_ms, until,
			deadline_ms == 0, request_id);
}

/* ---- receiving ---- */

static void pw_frames_close(struct pw_frames *f)
{
	zmq_msg_close(&f->header);
	if (f->has_body)
		zmq_msg_close(&f->body);
}

/* Read one whole message. Returns 0 with 1 or 2 frames in *f, -EAGAIN when
 * nothing is there, -EBADMSG when the message had more than two frames
 * (consumed and dropped), other -errno. */
static int pw_read(pw_client_t *c, struct pw_frames *f)
{
	zmq_msg_t extra;
	int rc;

	if (zmq_msg_init(&f->header) != 0)
		return -errno;
	if (zmq_msg_recv(&f->header, c->sock, ZMQ_DONTWAIT) < 0) {
		rc = -errno;
		zmq_msg_close(&f->header);
		return rc;
	}
	f->has_body = false;
	if (!zmq_msg_more(&f->header))
		return 0;
	/* The rest of a multipart message is already here: these calls do
	 * not block. */
	zmq_msg_init(&f->body);
	if (zmq_msg_recv(&f->body, c->sock, 0) < 0) {
		rc = -errno;
		zmq_msg_close(&f->body);
		zmq_msg_close(&f->header);
		return rc;
	}
	f->has_body = true;
	if (!zmq_msg_more(&f->body))
		return 0;
	/* More than two frames: not a reply of ours. Drop all of it. */
	do {
		zmq_msg_init(&extra);
		if (zmq_msg_recv(&extra, c->sock, 0) < 0) {
			zmq_msg_close(&extra);
			break;
		}
		rc = zmq_msg_more(&extra);
		zmq_msg_close(&extra);
	} while (rc);
	pw_frames_close(f);
	return -EBADMSG;
}

/* Receive until a reply to a pending request arrives (or one with id 0),
 * or the deadline passes. Replies to other ids and malformed messages are
 * dropped. On success *out holds the reply, its body unpacked; the request
 * is no longer pending. */
static int pw_receive(pw_client_t *c, int64_t deadline, struct pw_reply *out)
{
	Pathways__V1__ResponseHeader *h = NULL;
	struct pw_reply r = { 0 };
	struct pw_frames f;
	struct pw_slot *slot;
	int rc;

	for (;;) {
		rc = pw_read(c, &f);
		if (rc == -EBADMSG)
			continue;
		if (rc == -EAGAIN) {
			rc = pw_wait(c, ZMQ_POLLIN, deadline);
			if (rc < 0)
				return rc;
			continue;
		}
		if (rc < 0)
			return rc;
		h = pathways__v1__response_header__unpack(
			NULL, zmq_msg_size(&f.header), zmq_msg_data(&f.header));
		if (!h) {
			pw_frames_close(&f);
			continue;
		}
		slot = pw_pending_find(c, h->request_id);
		if (slot || h->request_id == 0)
			break;
		pathways__v1__response_header__free_unpacked(h, NULL);
		pw_frames_close(&f);
	}

	r.request_id = h->request_id;
	r.code = h->code;
	r.snapshot_version = h->snapshot_version;
	r.message = strdup(h->message ? h->message : "");
	if (!r.message) {
		rc = -ENOMEM;
		goto out;
	}
	if (slot && r.code == PW_CODE_OK) {
		const ProtobufCMessageDescriptor *d = slot->resp_desc;
		size_t len = f.has_body ? zmq_msg_size(&f.body) : 0;
		const uint8_t *data = (const uint8_t *)"";
		struct pw_arena *arena = NULL;
		ProtobufCAllocator al = { pw_arena_alloc, pw_arena_free, &arena };

		/* An empty body is the valid encoding of an all-default
		 * message; protobuf-c wants a non-NULL buffer all the same. */
		if (len)
			data = zmq_msg_data(&f.body);
		/* one arena for the whole response: a batch of 10,000 results
		 * is tens of thousands of small allocations otherwise */
		r.response = protobuf_c_message_unpack(d, &al, len, data);
		r.arena = arena;
		if (!r.response)
			rc = -EPROTO;
	}
	/* The request is answered, even when the answer does not unpack. */
	if (slot)
		pw_pending_remove(c, slot);
	if (rc < 0)
		goto out;
	if (c->follow_writes && r.response)
		pw_follow_commit(c, r.response);
	*out = r;
	r.message = NULL;
	r.response = NULL;
	r.arena = NULL;
out:
	pw_reply_clear(&r);
	pathways__v1__response_header__free_unpacked(h, NULL);
	pw_frames_close(&f);
	return rc;
}

int pw_recv(pw_client_t *c, int timeout_ms, struct pw_reply *out)
{
	int64_t deadline = timeout_ms < 0 ? -1 : pw_now_ms() + timeout_ms;

	if (!c || !out)
		return -EINVAL;
	if (c->npending == 0)
		return -ENOENT;
	return pw_receive(c, deadline, out);
}

static int pw_call_once(pw_client_t *c, const char *method,
			const ProtobufCMessage *req,
			const ProtobufCMessageDescriptor *resp_desc,
			unsigned timeout_ms, struct pw_reply *out)
{
	int64_t deadline = timeout_ms ? pw_now_ms() + timeout_ms : -1;
	struct pw_reply r;
	uint64_t id;
	int rc;

	rc = pw_start(c, method, req, resp_desc, timeout_ms, deadline, false,
		      &id);
	if (rc < 0)
		return rc == -ETIMEDOUT || rc == -EAGAIN ? -ETIMEDOUT : rc;
	/* Our request is the only one pending, so whatever pw_receive()
	 * returns answers it (or has id 0: the daemon could not read our
	 * header, which is an answer too). */
	rc = pw_receive(c, deadline, &r);
	pw_cancel(c, id);
	if (rc < 0)
		return rc;
	*out = r;
	return 0;
}

/* Writes are never sent twice by the library: the caller decides. */
static bool pw_is_read(const char *method)
{
	static const char *const writes[] = { "RecordAssessments",
					      "RecordCompletions",
					      "EraseEmployee" };
	const char *name = strrchr(method, '/');

	name = name ? name + 1 : method;
	for (size_t i = 0; i < sizeof(writes) / sizeof(*writes); i++)
		if (strcmp(name, writes[i]) == 0)
			return false;
	return true;
}

int pw_call(pw_client_t *c, const char *method, const ProtobufCMessage *req,
	    const ProtobufCMessageDescriptor *resp_desc, unsigned timeout_ms,
	    struct pw_reply *out)
{
	int64_t start;
	unsigned first;
	int rc;

	if (!c || !out || !method)
		return -EINVAL;
	if (c->npending)
		return -EBUSY;
	if (c->nendpoints < 2 || timeout_ms < 2 || !pw_is_read(method))
		return pw_call_once(c, method, req, resp_desc, timeout_ms, out);
	/* Several daemons: a read that gets no answer in half the time goes
	 * again, and ZeroMQ's round robin (over live connections only, with
	 * ZMQ_IMMEDIATE) hands it to another daemon. */
	start = pw_now_ms();
	first = timeout_ms / 2;
	rc = pw_call_once(c, method, req, resp_desc, first, out);
	if (rc != -ETIMEDOUT)
		return rc;
	{
		int64_t left = (int64_t)timeout_ms - (pw_now_ms() - start);

		if (left <= 0)
			return -ETIMEDOUT;
		return pw_call_once(c, method, req, resp_desc, (unsigned)left, out);
	}
}

void pw_reply_clear(struct pw_reply *r)
{
	if (!r)
		return;
	free(r->message);
	/* the response lives in its arena; freeing the arena frees it */
	pw_arena_release(r->arena);
	memset(r, 0, sizeof(*r));
}
