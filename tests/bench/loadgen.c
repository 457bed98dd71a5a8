/* loadgen: a DEALER client keeping N requests in flight with a method mix.
 *
 *   loadgen --endpoint E --size S|M|L [--mix readiness=90,gap=10]
 *           [--inflight N] [--duration SEC | --count N] [--warmup SEC]
 *           [--batch-emps 1000] [--batch-roles 10] [--estimates] [--decode]
 *           [--pin CPU]
 *           [--server-pid PID] [--seed N] [--label NAME]
 *
 * Requests are built from the deterministic organization (org.h), packed
 * once into a pool per kind before the run; during the run only the
 * RequestHeader is packed per request. Replies are matched by request_id;
 * the ResponseHeader is always unpacked and its code checked, the body only
 * with --decode (then the time includes unpacking the answer: end to end;
 * --arena unpacks into one reusable arena instead of malloc per field).
 *
 * Kinds: readiness (one pair: an employee and the next role up their
 * ladder), batch (batch-emps x batch-roles pairs in one request; with
 * --estimates each pair also plans its learning pathway), gap,
 * modules (RecommendModules), mentors, placement, bench (one role over
 * every employee, top 10, breakdown by employment_type), path (3 routes
 * between roles of two areas), explore (from an employee), health,
 * pipeline (Pipeline over every role with include_all: items are roles x
 * employees) and pipeline_succ (the same, successors only).
 *
 * Prints one line per kind and one for all:
 *   RESULT label=.. kind=.. n=.. errors=.. p50_us=.. p99_us=.. p999_us=..
 *          max_us=.. mean_us=.. rps=.. items_per_s=.. inflight=..
 *          server_cpu_us=.. server_wait_us=.. client_cpu_us=..
 *          client_wait_us=.. client_cpu=0:97%,1:3% client_threads=..
 *          server_threads=..
 * client_cpu is where the client's thread ran (sched_getcpu at each
 * reply); *_threads list each thread's CPU share of the run and the CPU it
 * last ran on (/proc/PID/task/TID/stat). *_cpu_us and *_wait_us are the
 * process's time on a CPU and runnable but waiting for one
 * (/proc/PID/task/TID/schedstat), summed over its threads, per request
 * (over every kind of the mix): the cost of a request independent of wall
 * time, and how much other load on the machine delayed it.
 * Exit status: 0, 1 on errors in replies or no reply in time, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>
#include <zmq.h>

#include "org.h"
#include "pathways/v1/pathways.pb-c.h"

#define RING 65536u
#define MAX_INFLIGHT 16384u
#define POOL 256u
#define MAX_CPUS 64
#define PREFIX "/pathways.v1.Pathways/"

enum kind { K_READINESS, K_BATCH, K_GAP, K_MODULES, K_MENTORS, K_PLACEMENT,
	    K_BENCH, K_PATH, K_EXPLORE, K_HEALTH, K_PIPELINE, K_PIPELINE_SUCC,
	    K_N };

static const struct kind_info {
	const char *name, *method;
	const ProtobufCMessageDescriptor *resp;
} kinds[K_N] = {
	{ "readiness", PREFIX "Readiness", &pathways__v1__readiness_response__descriptor },
	{ "batch", PREFIX "Readiness", &pathways__v1__readiness_response__descriptor },
	{ "gap", PREFIX "Gap", &pathways__v1__gap_response__descriptor },
	{ "modules", PREFIX "RecommendModules", &pathways__v1__recommend_modules_response__descriptor },
	{ "mentors", PREFIX "Mentors", &pathways__v1__mentors_response__descriptor },
	{ "placement", PREFIX "Placement", &pathways__v1__placement_response__descriptor },
	{ "bench", PREFIX "Bench", &pathways__v1__bench_response__descriptor },
	{ "path", PREFIX "Path", &pathways__v1__path_response__descriptor },
	{ "explore", PREFIX "Explore", &pathways__v1__explore_response__descriptor },
	{ "health", PREFIX "Health", &pathways__v1__health_response__descriptor },
	{ "pipeline", PREFIX "Pipeline", &pathways__v1__pipeline_response__descriptor },
	{ "pipeline_succ", PREFIX "Pipeline", &pathways__v1__pipeline_response__descriptor },
};

struct body {
	uint8_t *data;
	size_t len;
	uint64_t items;			/* readiness pairs, or 1 */
};

struct samples {
	uint64_t *v;			/* latencies, ns */
	size_t n, cap;
	uint64_t items, errors;
};

struct slot {
	uint64_t t_ns;
	uint8_t kind;
	bool measured;
	bool used;
};

struct opts {
	const char *endpoint, *label;
	const struct org_size *z;
	unsigned weight[K_N];
	unsigned inflight;
	double duration, warmup;
	uint64_t count;
	unsigned batch_emps, batch_roles;
	bool decode, arena, estimates;
	int pin;
	int server_pid;
	uint64_t seed;
	unsigned timeout_ms;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- an arena for unpacking replies (--arena): one bump allocation per
 * field instead of malloc, everything dropped at once ---- */

struct arena {
	uint8_t *buf;
	size_t cap, used;
};

static void *arena_alloc(void *data, size_t size)
{
	struct arena *a = data;
	size_t at = (a->used + 15) & ~(size_t)15;

	if (at + size > a->cap)
		return malloc(size);	/* leaks only in the bench's overflow */
	a->used = at + size;
	return a->buf + at;
}

static void arena_free(void *data, void *p)
{
	struct arena *a = data;

	if (p && ((uint8_t *)p < a->buf || (uint8_t *)p >= a->buf + a->cap))
		free(p);
}

/* ---- request pools ---- */

static int pack_into(const ProtobufCMessage *m, struct body *b)
{
	b->len = protobuf_c_message_get_packed_size(m);
	b->data = malloc(b->len ? b->len : 1);
	if (!b->data)
		return -ENOMEM;
	protobuf_c_message_pack(m, b->data);
	return 0;
}

static uint32_t role_with_grade(const struct org_size *z, struct org_rng *r,
				unsigned lo, unsigned hi, uint32_t not_area)
{
	for (;;) {
		uint32_t i = org_rng_below(r, z->roles);
		struct org_role x;

		org_role(z, i, &x);
		if (x.grade >= lo && x.grade <= hi && x.area != not_area)
			return i;
	}
}

/* One request body of kind k, the i-th of its pool. */
static int make_body(const struct opts *o, enum kind k, unsigned i,
		     struct body *b)
{
	const struct org_size *z = o->z;
	struct org_rng rng;
	uint32_t e, role;
	char ek[16], rk[24], rk2[24];
	int rc = 0;

	org_rng_init(&rng, 100 + k, o->seed * 1000003u + i);
	e = org_rng_below(&rng, z->employees);
	role = org_next_role(z, org_emp_role(z, e));
	org_emp_key(e, ek);
	org_role_key(z, role, rk);
	b->items = 1;
	switch (k) {
	case K_READINESS: {
		Pathways__V1__ReadinessRequest m = PATHWAYS__V1__READINESS_REQUEST__INIT;
		char *ep = ek, *rp = rk;

		m.n_employee_ids = 1;
		m.employee_ids = &ep;
		m.n_role_keys = 1;
		m.role_keys = &rp;
		return pack_into(&m.base, b);
	}
	case K_BATCH: {
		Pathways__V1__ReadinessRequest m = PATHWAYS__V1__READINESS_REQUEST__INIT;
		char **ids = calloc(o->batch_emps, sizeof(*ids));
		char **roles = calloc(o->batch_roles, sizeof(*roles));
		char *store = malloc((size_t)o->batch_emps * 16 +
				     (size_t)o->batch_roles * 24);

		if (!ids || !roles || !store) {
			rc = -ENOMEM;
		} else {
			for (unsigned j = 0; j < o->batch_emps; j++)
				ids[j] = org_emp_key(org_rng_below(&rng, z->employees),
						     store + (size_t)j * 16);
			for (unsigned j = 0; j < o->batch_roles; j++)
				roles[j] = org_role_key(
					z, org_rng_below(&rng, z->roles),
					store + (size_t)o->batch_emps * 16 +
						(size_t)j * 24);
			m.n_employee_ids = o->batch_emps;
			m.employee_ids = ids;
			m.n_role_keys = o->batch_roles;
			m.role_keys = roles;
			m.with_estimates = o->estimates;
			rc = pack_into(&m.base, b);
			b->items = (uint64_t)o->batch_emps * o->batch_roles;
		}
		free(ids);
		free(roles);
		free(store);
		return rc;
	}
	case K_GAP: {
		Pathways__V1__GapRequest m = PATHWAYS__V1__GAP_REQUEST__INIT;

		m.employee_id = ek;
		m.role_key = rk;
		return pack_into(&m.base, b);
	}
	case K_MODULES: {
		Pathways__V1__RecommendModulesRequest m =
			PATHWAYS__V1__RECOMMEND_MODULES_REQUEST__INIT;

		m.employee_id = ek;
		m.role_key = rk;
		return pack_into(&m.base, b);
	}
	case K_MENTORS: {
		Pathways__V1__MentorsRequest m = PATHWAYS__V1__MENTORS_REQUEST__INIT;

		m.employee_id = ek;
		m.target_case = PATHWAYS__V1__MENTORS_REQUEST__TARGET_ROLE_KEY;
		m.role_key = rk;
		return pack_into(&m.base, b);
	}
	case K_PLACEMENT: {
		Pathways__V1__PlacementRequest m = PATHWAYS__V1__PLACEMENT_REQUEST__INIT;

		m.employee_id = ek;
		return pack_into(&m.base, b);
	}
	case K_BENCH: {
		Pathways__V1__BenchRequest m = PATHWAYS__V1__BENCH_REQUEST__INIT;

		org_role_key(z, role_with_grade(z, &rng, 3, 8, UINT32_MAX), rk2);
		m.role_key = rk2;
		m.limit = 10;
		m.breakdown_attribute = "employment_type";
		return pack_into(&m.base, b);
	}
	case K_PATH: {
		Pathways__V1__PathRequest m = PATHWAYS__V1__PATH_REQUEST__INIT;
		uint32_t from = role_with_grade(z, &rng, 1, 3, UINT32_MAX);
		struct org_role fr;

		org_role(z, from, &fr);
		org_role_key(z, from, rk);
		org_role_key(z, role_with_grade(z, &rng, 5, 8,
						org_areas(z) > 1 ? fr.area
								 : UINT32_MAX),
			     rk2);
		m.origin_case = PATHWAYS__V1__PATH_REQUEST__ORIGIN_FROM_ROLE;
		m.from_role = rk;
		m.to_role = rk2;
		m.max_routes = 3;
		return pack_into(&m.base, b);
	}
	case K_EXPLORE: {
		Pathways__V1__ExploreRequest m = PATHWAYS__V1__EXPLORE_REQUEST__INIT;

		m.origin_case = PATHWAYS__V1__EXPLORE_REQUEST__ORIGIN_FROM_EMPLOYEE;
		m.from_employee = ek;
		return pack_into(&m.base, b);
	}
	case K_HEALTH: {
		Pathways__V1__HealthRequest m = PATHWAYS__V1__HEALTH_REQUEST__INIT;

		return pack_into(&m.base, b);
	}
	case K_PIPELINE:
	case K_PIPELINE_SUCC: {
		/* every role over everyone (or every successor): one
		 * readiness evaluation per role and employee considered */
		Pathways__V1__PipelineRequest m = PATHWAYS__V1__PIPELINE_REQUEST__INIT;

		m.include_all = k == K_PIPELINE;
		b->items = (uint64_t)z->roles * z->employees;
		return pack_into(&m.base, b);
	}
	default:
		return -EINVAL;
	}
}

/* ---- where threads ran ---- */

struct task {
	int tid;
	char comm[32];
	uint64_t ticks;
	uint64_t run_ns, wait_ns;	/* schedstat: on a CPU, runnable */
	int cpu;
};

struct tasks {
	struct task t[64];
	size_t n;
};

/* Reads /proc/PID/task/TID/stat for every thread of pid. */
static void tasks_read(int pid, struct tasks *out)
{
	char path[64];
	DIR *d;
	struct dirent *de;

	out->n = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d)) && out->n < 64) {
		char buf[1024], *p, *q;
		struct task *t = &out->t[out->n];
		unsigned long ut, st;
		int cpu = -1;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.20s/stat", pid,
			 de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
		if (!p || !(q = strrchr(buf, ')')) || !(p = strchr(buf, '(')))
			continue;
		t->tid = atoi(de->d_name);
		snprintf(t->comm, sizeof(t->comm), "%.*s", (int)(q - p - 1), p + 1);
		/* after ")": state(3) ... utime(14) stime(15) ... processor(39) */
		p = q + 2;
		for (int field = 3; field < 14 && p; field++)
			p = strchr(p, ' '), p = p ? p + 1 : NULL;
		if (!p || sscanf(p, "%lu %lu", &ut, &st) != 2)
			continue;
		for (int field = 14; field < 39 && p; field++)
			p = strchr(p, ' '), p = p ? p + 1 : NULL;
		if (p)
			cpu = atoi(p);
		t->ticks = ut + st;
		t->cpu = cpu;
		t->run_ns = t->wait_ns = 0;
		snprintf(path, sizeof(path), "/proc/%d/task/%.20s/schedstat", pid,
			 de->d_name);
		f = fopen(path, "r");
		if (f) {
			unsigned long long rn, wn;

			if (fscanf(f, "%llu %llu", &rn, &wn) == 2) {
				t->run_ns = rn;
				t->wait_ns = wn;
			}
			fclose(f);
		}
		out->n++;
	}
	closedir(d);
}

/* "name@cpuN:PCT%,..." for threads busy over 1% of wall seconds */
/* Totals over every thread of a process between two readings. */
static void tasks_total(const struct tasks *a, const struct tasks *b,
			uint64_t *run_ns, uint64_t *wait_ns)
{
	*run_ns = *wait_ns = 0;
	for (size_t i = 0; i < b->n; i++) {
		uint64_t r0 = 0, w0 = 0;

		for (size_t j = 0; j < a->n; j++)
			if (a->t[j].tid == b->t[i].tid) {
				r0 = a->t[j].run_ns;
				w0 = a->t[j].wait_ns;
			}
		*run_ns += b->t[i].run_ns - r0;
		*wait_ns += b->t[i].wait_ns - w0;
	}
}

static void tasks_format(int pid, const struct tasks *a, const struct tasks *b,
			 double wall, char *buf, size_t len)
{
	long hz = sysconf(_SC_CLK_TCK);
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < b->n; i++) {
		const struct task *t = &b->t[i];
		uint64_t before = 0, run0 = 0;
		double pct;
		char name[48];
		unsigned same = 0;

		for (size_t j = 0; j < a->n; j++)
			if (a->t[j].tid == t->tid) {
				before = a->t[j].ticks;
				run0 = a->t[j].run_ns;
			}
		if (t->run_ns)	/* nanoseconds beat clock ticks */
			pct = wall > 0 ? 100.0 * (double)(t->run_ns - run0) / 1e9 / wall : 0;
		else
			pct = wall > 0 ? 100.0 * (double)(t->ticks - before) /
						 (double)hz / wall
				       : 0;
		if (pct < 1.0)
			continue;
		for (size_t j = 0; j < i; j++)
			same += strcmp(b->t[j].comm, t->comm) == 0;
		if (t->tid == pid)
			snprintf(name, sizeof(name), "main");
		else if (same)
			snprintf(name, sizeof(name), "%s#%u", t->comm, same);
		else
			snprintf(name, sizeof(name), "%s", t->comm);
		for (char *c = name; *c; c++)
			if (*c == ' ' || *c == ',' || *c == '=')
				*c = '_';
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0,
					"%s%s@cpu%d:%.0f%%", off ? "," : "",
					name, t->cpu, pct);
		if (off >= len)
			break;
	}
	if (!buf[0])
		snprintf(buf, len, "-");
}

/* ---- statistics ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int samples_add(struct samples *s, uint64_t v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		uint64_t *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

static double quantile_us(const struct samples *s, double q)
{
	size_t i;

	if (!s->n)
		return 0;
	i = (size_t)(q * (double)s->n);
	if (i >= s->n)
		i = s->n - 1;
	return (double)s->v[i] / 1000.0;
}

struct cpu_cost {
	uint64_t srv_run_ns, srv_wait_ns, cli_run_ns, cli_wait_ns;
	uint64_t requests;		/* over which the costs spread */
};

static void report(const struct opts *o, const char *kind,
		   struct samples *s, double wall, const char *cpus,
		   const char *cthreads, const char *sthreads,
		   const struct cpu_cost *cc)
{
	double per = cc->requests ? 1e3 * (double)cc->requests : 0;

	double sum = 0;

	qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	for (size_t i = 0; i < s->n; i++)
		sum += (double)s->v[i];
	printf("RESULT label=%s kind=%s n=%zu errors=%" PRIu64
	       " p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f mean_us=%.1f"
	       " rps=%.0f items_per_s=%.0f inflight=%u"
	       " server_cpu_us=%.1f server_wait_us=%.1f"
	       " client_cpu_us=%.1f client_wait_us=%.1f client_cpu=%s"
	       " client_threads=%s server_threads=%s\n",
	       o->label, kind, s->n, s->errors, quantile_us(s, 0.5),
	       quantile_us(s, 0.99), quantile_us(s, 0.999),
	       s->n ? (double)s->v[s->n - 1] / 1000.0 : 0.0,
	       s->n ? sum / (double)s->n / 1000.0 : 0.0,
	       wall > 0 ? (double)s->n / wall : 0.0,
	       wall > 0 ? (double)s->items / wall : 0.0, o->inflight,
	       per ? (double)cc->srv_run_ns / per : 0.0,
	       per ? (double)cc->srv_wait_ns / per : 0.0,
	       per ? (double)cc->cli_run_ns / per : 0.0,
	       per ? (double)cc->cli_wait_ns / per : 0.0, cpus, cthreads,
	       sthreads);
}

/* ---- the run ---- */

struct run {
	const struct opts *o;
	void *sock;
	struct body *pool[K_N];
	unsigned pool_n[K_N];
	unsigned cum[K_N];		/* cumulative weights */
	unsigned total_w;
	struct org_rng pick;
	struct slot *slots;
	uint64_t next_id;
	unsigned pending;
	struct samples per[K_N];
	uint64_t cpu_hist[MAX_CPUS];
	bool measuring;
	uint64_t sent_measured, done_measured;
	char first_error[256];
	struct arena arena;
	ProtobufCAllocator alloc;
};

static int send_one(struct run *r)
{
	Pathways__V1__RequestHeader h = PATHWAYS__V1__REQUEST_HEADER__INIT;
	uint8_t hb[128];
	unsigned x = org_rng_below(&r->pick, r->total_w), k = 0;
	const struct body *b;
	struct slot *s;
	size_t hl;

	while (x >= r->cum[k])
		k++;
	b = &r->pool[k][org_rng_below(&r->pick, r->pool_n[k])];
	h.method = (char *)kinds[k].method;
	h.request_id = ++r->next_id;
	hl = pathways__v1__request_header__get_packed_size(&h);
	if (hl > sizeof(hb))
		return -EINVAL;
	pathways__v1__request_header__pack(&h, hb);
	s = &r->slots[h.request_id % RING];
	s->kind = (uint8_t)k;
	s->measured = r->measuring;
	s->used = true;
	s->t_ns = now_ns();
	if (zmq_send(r->sock, hb, hl, ZMQ_SNDMORE) < 0 ||
	    zmq_send(r->sock, b->data, b->len, 0) < 0)
		return -errno;
	r->pending++;
	if (r->measuring)
		r->sent_measured++;
	return 0;
}

/* Receives one reply (blocking up to the socket's timeout). */
static int recv_one(struct run *r, int flags)
{
	zmq_msg_t hm, bm;
	Pathways__V1__ResponseHeader *h;
	uint64_t t = 0;
	int more = 0, rc = 0;
	size_t ml = sizeof(more);
	struct slot *s;

	zmq_msg_init(&hm);
	zmq_msg_init(&bm);
	if (zmq_msg_recv(&hm, r->sock, flags) < 0) {
		rc = -errno;
		goto out;
	}
	t = now_ns();
	zmq_getsockopt(r->sock, ZMQ_RCVMORE, &more, &ml);
	if (more && zmq_msg_recv(&bm, r->sock, 0) < 0) {
		rc = -errno;
		goto out;
	}
	h = pathways__v1__response_header__unpack(NULL, zmq_msg_size(&hm),
						  zmq_msg_data(&hm));
	if (!h) {
		rc = -EPROTO;
		goto out;
	}
	s = &r->slots[h->request_id % RING];
	if (!s->used) {
		pathways__v1__response_header__free_unpacked(h, NULL);
		goto out;	/* not ours (request_id 0: undecodable) */
	}
	s->used = false;
	r->pending--;
	if (s->measured) {
		struct samples *sm = &r->per[s->kind];
		int cpu = sched_getcpu();

		if (cpu >= 0 && cpu < MAX_CPUS)
			r->cpu_hist[cpu]++;
		r->done_measured++;
		if (h->code != 0) {
			sm->errors++;
			if (!r->first_error[0])
				snprintf(r->first_error, sizeof(r->first_error),
					 "%s: code %d: %s", kinds[s->kind].name,
					 h->code, h->message);
		} else if (r->o->decode) {
			ProtobufCAllocator *al = r->o->arena ? &r->alloc : NULL;
			ProtobufCMessage *m;

			r->arena.used = 0;
			m = protobuf_c_message_unpack(kinds[s->kind].resp, al,
						      zmq_msg_size(&bm),
						      zmq_msg_data(&bm));

			if (!m) {
				sm->errors++;
				if (!r->first_error[0])
					snprintf(r->first_error,
						 sizeof(r->first_error),
						 "%s: body does not unpack",
						 kinds[s->kind].name);
			} else {
				t = now_ns();
				protobuf_c_message_free_unpacked(m, al);
			}
		}
		if (samples_add(sm, t - s->t_ns))
			rc = -ENOMEM;
		sm->items += r->pool[s->kind][0].items;
	}
	pathways__v1__response_header__free_unpacked(h, NULL);
out:
	zmq_msg_close(&hm);
	zmq_msg_close(&bm);
	return rc;
}

static int parse_mix(const char *spec, unsigned w[K_N])
{
	char *dup = strdup(spec), *save = NULL, *tok;
	int rc = 0;

	if (!dup)
		return -ENOMEM;
	memset(w, 0, sizeof(unsigned) * K_N);
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		unsigned v = eq ? (unsigned)strtoul(eq + 1, NULL, 10) : 1;
		int k;

		if (eq)
			*eq = '\0';
		for (k = 0; k < K_N; k++)
			if (strcmp(tok, kinds[k].name) == 0)
				break;
		if (k == K_N) {
			fprintf(stderr, "loadgen: unknown kind \"%s\"\n", tok);
			rc = -EINVAL;
			break;
		}
		w[k] += v;
	}
	free(dup);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: loadgen --endpoint E --size S|M|L [--mix K=W,...]\n"
		"               [--inflight N] [--duration SEC | --count N]\n"
		"               [--warmup SEC] [--batch-emps N] [--batch-roles N]\n"
		"               [--estimates] [--decode] [--arena] [--pin CPU] [--server-pid PID]\n"
		"               [--seed N] [--label NAME] [--timeout-ms MS]\n"
		"kinds: readiness batch gap modules mentors placement bench path\n"
		"       explore health pipeline pipeline_succ\n");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "endpoint", required_argument, NULL, 'e' },
		{ "size", required_argument, NULL, 's' },
		{ "mix", required_argument, NULL, 'm' },
		{ "inflight", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'c' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "batch-emps", required_argument, NULL, 'E' },
		{ "batch-roles", required_argument, NULL, 'R' },
		{ "estimates", no_argument, NULL, 'X' },
		{ "decode", no_argument, NULL, 'D' },
		{ "arena", no_argument, NULL, 'A' },
		{ "pin", required_argument, NULL, 'p' },
		{ "server-pid", required_argument, NULL, 'P' },
		{ "seed", required_argument, NULL, 'S' },
		{ "label", required_argument, NULL, 'l' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .label = "run", .inflight = 1, .duration = 3,
			  .warmup = 0.5, .batch_emps = 1000, .batch_roles = 10,
			  .pin = -1, .seed = 1, .timeout_ms = 30000 };
	struct run r = { .o = &o };
	struct tasks sa = { 0 }, sb = { 0 }, ca = { 0 }, cb = { 0 };
	const char *mix = "readiness";
	char cpus[256], cth[1024], sth[1024];
	uint64_t t_start, t_measure = 0, t_end, errors = 0;
	void *ctx;
	int c, rc = 0, zero = 0;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'e': o.endpoint = optarg; break;
		case 's': o.z = org_size_find(optarg); break;
		case 'm': mix = optarg; break;
		case 'n': o.inflight = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'd': o.duration = strtod(optarg, NULL); break;
		case 'c': o.count = strtoull(optarg, NULL, 10); break;
		case 'w': o.warmup = strtod(optarg, NULL); break;
		case 'E': o.batch_emps = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'R': o.batch_roles = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'X': o.estimates = true; break;
		case 'D': o.decode = true; break;
		case 'A': o.arena = o.decode = true; break;
		case 'p': o.pin = atoi(optarg); break;
		case 'P': o.server_pid = atoi(optarg); break;
		case 'S': o.seed = strtoull(optarg, NULL, 10); break;
		case 'l': o.label = optarg; break;
		case 't': o.timeout_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!o.endpoint || !o.z || !o.inflight || o.inflight > MAX_INFLIGHT ||
	    !o.batch_emps || !o.batch_roles || parse_mix(mix, o.weight)) {
		usage(stderr);
		return 2;
	}
	if (o.pin >= 0) {
		cpu_set_t set;

		/* before the ZeroMQ context: its I/O thread inherits this */
		CPU_ZERO(&set);
		CPU_SET(o.pin, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror("loadgen: sched_setaffinity");
			return 1;
		}
	}
	for (int k = 0; k < K_N; k++) {
		if (!o.weight[k])
			continue;
		r.pool_n[k] = k == K_BATCH ? 4 : POOL;
		r.pool[k] = calloc(r.pool_n[k], sizeof(struct body));
		if (!r.pool[k])
			return 1;
		for (unsigned i = 0; i < r.pool_n[k]; i++)
			if (make_body(&o, (enum kind)k, i, &r.pool[k][i]))
				return 1;
		r.total_w += o.weight[k];
	}
	for (int k = 0, acc = 0; k < K_N; k++) {
		acc += (int)o.weight[k];
		r.cum[k] = (unsigned)acc;
	}
	org_rng_init(&r.pick, 99, o.seed);
	if (o.arena) {
		r.arena.cap = 64u << 20;
		r.arena.buf = malloc(r.arena.cap);
		if (!r.arena.buf)
			return 1;
		r.alloc = (ProtobufCAllocator){ arena_alloc, arena_free, &r.arena };
	}
	r.slots = calloc(RING, sizeof(*r.slots));
	ctx = zmq_ctx_new();
	r.sock = ctx ? zmq_socket(ctx, ZMQ_DEALER) : NULL;
	if (!r.slots || !r.sock ||
	    zmq_setsockopt(r.sock, ZMQ_LINGER, &zero, sizeof(zero)) ||
	    zmq_setsockopt(r.sock, ZMQ_RCVTIMEO, &o.timeout_ms, sizeof(int)) ||
	    zmq_setsockopt(r.sock, ZMQ_SNDHWM, &(int){ 100000 }, sizeof(int)) ||
	    zmq_setsockopt(r.sock, ZMQ_RCVHWM, &(int){ 100000 }, sizeof(int)) ||
	    zmq_connect(r.sock, o.endpoint)) {
		fprintf(stderr, "loadgen: %s: %s\n", o.endpoint, zmq_strerror(errno));
		return 1;
	}

	t_start = now_ns();
	r.measuring = o.warmup <= 0;
	if (r.measuring) {
		t_measure = t_start;
		if (o.server_pid)
			tasks_read(o.server_pid, &sa);
		tasks_read(getpid(), &ca);
	}
	for (;;) {
		uint64_t t = now_ns();
		bool may_send;

		if (!r.measuring && (double)(t - t_start) / 1e9 >= o.warmup) {
			r.measuring = true;
			t_measure = t;
			if (o.server_pid)
				tasks_read(o.server_pid, &sa);
			tasks_read(getpid(), &ca);
		}
		may_send = !r.measuring ||
			   (o.count ? r.sent_measured < o.count
				    : (double)(t - t_measure) / 1e9 < o.duration);
		if (!may_send && r.pending == 0)
			break;
		while (may_send && r.pending < o.inflight) {
			rc = send_one(&r);
			if (rc) {
				fprintf(stderr, "loadgen: send: %s\n", strerror(-rc));
				goto out;
			}
			if (r.measuring && o.count && r.sent_measured >= o.count)
				break;
		}
		rc = recv_one(&r, 0);
		if (rc == -EAGAIN) {
			fprintf(stderr, "loadgen: no reply within %u ms (%u pending)\n",
				o.timeout_ms, r.pending);
			rc = -ETIMEDOUT;
			goto out;
		} else if (rc) {
			fprintf(stderr, "loadgen: recv: %s\n", strerror(-rc));
			goto out;
		}
		/* take every reply already here before sending more */
		while (r.pending && (rc = recv_one(&r, ZMQ_DONTWAIT)) == 0)
			;
		if (rc && rc != -EAGAIN)
			goto out;
		rc = 0;
	}
	t_end = now_ns();
	if (o.server_pid)
		tasks_read(o.server_pid, &sb);
	tasks_read(getpid(), &cb);
	{
		double wall = (double)(t_end - t_measure) / 1e9;
		struct samples all = { 0 };
		struct cpu_cost cc = { 0 };
		uint64_t total = 0;
		size_t off = 0;

		for (int i = 0; i < MAX_CPUS; i++)
			total += r.cpu_hist[i];
		cpus[0] = '\0';
		for (int i = 0; i < MAX_CPUS && total; i++)
			if (r.cpu_hist[i])
				off += (size_t)snprintf(cpus + off, sizeof(cpus) - off,
							"%s%d:%.0f%%", off ? "," : "", i,
							100.0 * (double)r.cpu_hist[i] /
								(double)total);
		if (!cpus[0])
			snprintf(cpus, sizeof(cpus), "-");
		tasks_format(getpid(), &ca, &cb, wall, cth, sizeof(cth));
		if (o.server_pid)
			tasks_format(o.server_pid, &sa, &sb, wall, sth, sizeof(sth));
		else
			snprintf(sth, sizeof(sth), "-");
		if (o.server_pid)
			tasks_total(&sa, &sb, &cc.srv_run_ns, &cc.srv_wait_ns);
		tasks_total(&ca, &cb, &cc.cli_run_ns, &cc.cli_wait_ns);
		cc.requests = r.done_measured;
		for (int k = 0; k < K_N; k++) {
			if (!o.weight[k])
				continue;
			for (size_t i = 0; i < r.per[k].n; i++)
				if (samples_add(&all, r.per[k].v[i]))
					return 1;
			all.items += r.per[k].items;
			all.errors += r.per[k].errors;
			errors += r.per[k].errors;
			report(&o, kinds[k].name, &r.per[k], wall, cpus, cth, sth,
			       &cc);
		}
		report(&o, "all", &all, wall, cpus, cth, sth, &cc);
		free(all.v);
	}
	if (r.first_error[0])
		fprintf(stderr, "loadgen: first error: %s\n", r.first_error);
out:
	zmq_close(r.sock);
	zmq_ctx_term(ctx);
	for (int k = 0; k < K_N; k++) {
		for (unsigned i = 0; r.pool[k] && i < r.pool_n[k]; i++)
			free(r.pool[k][i].data);
		free(r.pool[k]);
		free(r.per[k].v);
	}
	free(r.slots);
	free(r.arena.buf);
	return rc || errors ? 1 : 0;
}
