/* ctl_dot: see ctl_dot.h. */
#include "ctl_dot.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_fmt.h"
#include "ctl_json.h"
#include "pathways/v1/pathways.pb-c.h"

#define CTL_DOT_INDENT "\t"

/* One quoted string: prefix (trusted, written as is) then s escaped. */
static void ctl_dot_quote_prefixed(FILE *f, const char *prefix, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);

	fputc('"', f);
	fputs(prefix, f);
	while (*p) {
		size_t len;

		if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p, f);
			p++;
			n--;
			continue;
		}
		if (*p == '\n') {
			fputs("\\n", f);
			p++;
			n--;
			continue;
		}
		if (*p < 0x20 || *p == 0x7F) {
			fputc('?', f);
			p++;
			n--;
			continue;
		}
		len = ctl_json_utf8_len(p, n);
		if (len == 0) {
			fputc('?', f);
			len = 1;
		} else {
			fwrite(p, 1, len, f);
		}
		p += len;
		n -= len;
	}
	fputc('"', f);
}

void ctl_dot_quote(FILE *f, const char *s)
{
	ctl_dot_quote_prefixed(f, "", s);
}

const char *ctl_dot_edge_style(int kind)
{
	switch (kind) {
	case PATHWAYS__V1__MOVE_KIND__PROMOTION:
		return "style=solid, color=\"#333333\", penwidth=1.3";
	case PATHWAYS__V1__MOVE_KIND__LATERAL:
		return "style=dashed, color=\"#1f78b4\", penwidth=1.2";
	case PATHWAYS__V1__MOVE_KIND__TRACK_SWITCH:
		return "style=\"dotted,bold\", color=\"#e66101\", penwidth=2.2";
	default:
		return "style=solid, color=\"#999999\"";
	}
}

static const char *ctl_dot_band_colour(int band)
{
	switch (band) {
	case PATHWAYS__V1__BAND__READY_NOW:
		return "#a6d96a";
	case PATHWAYS__V1__BAND__READY_SOON:
		return "#fee08b";
	case PATHWAYS__V1__BAND__DEVELOPING:
		return "#fdae61";
	case PATHWAYS__V1__BAND__NOT_READY:
		return "#eeeeee";
	default:
		return "white";
	}
}

static const char *ctl_dot_str(const char *s)
{
	return s ? s : "";
}

static int ctl_dot_cmp_layout(const void *a, const void *b)
{
	const struct ctl_dot_node *x = *(const struct ctl_dot_node *const *)a;
	const struct ctl_dot_node *y = *(const struct ctl_dot_node *const *)b;
	int c = strcmp(ctl_dot_str(x->area), ctl_dot_str(y->area));

	if (c == 0)
		c = strcmp(ctl_dot_str(x->track), ctl_dot_str(y->track));
	if (c == 0 && x->grade != y->grade)
		c = x->grade < y->grade ? -1 : 1;
	if (c == 0)
		c = strcmp(x->key, y->key);
	return c;
}

static int ctl_dot_cmp_grade(const void *a, const void *b)
{
	const struct ctl_dot_node *x = *(const struct ctl_dot_node *const *)a;
	const struct ctl_dot_node *y = *(const struct ctl_dot_node *const *)b;

	if (x->grade != y->grade)
		return x->grade < y->grade ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int ctl_dot_cmp_key(const void *a, const void *b)
{
	const struct ctl_dot_node *x = *(const struct ctl_dot_node *const *)a;
	const struct ctl_dot_node *y = *(const struct ctl_dot_node *const *)b;

	return strcmp(x->key, y->key);
}

/* Do two nodes share the area (and the track, when track is set)? */
static bool ctl_dot_same(const struct ctl_dot_node *a,
			 const struct ctl_dot_node *b, bool track)
{
	return strcmp(ctl_dot_str(a->area), ctl_dot_str(b->area)) == 0 &&
	       (!track ||
		strcmp(ctl_dot_str(a->track), ctl_dot_str(b->track)) == 0);
}

static bool ctl_dot_has_node(const struct ctl_dot_node *const *by_key,
			     size_t n, const char *key)
{
	struct ctl_dot_node probe = { .key = key };
	const struct ctl_dot_node *pp = &probe;

	return key && bsearch(&pp, by_key, n, sizeof(*by_key),
			      ctl_dot_cmp_key) != NULL;
}

/* The node's label: key, title, note, one per line. NULL when out of
 * memory. */
static char *ctl_dot_node_label(const struct ctl_dot_node *n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs(n->key, f);
	if (n->title && n->title[0])
		fprintf(f, "\n%s", n->title);
	if (n->note && n->note[0])
		fprintf(f, "\n%s", n->note);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int ctl_dot_write_node(FILE *f, const struct ctl_dot_node *n,
			      const char *indent)
{
	char *label = ctl_dot_node_label(n);

	if (!label)
		return -ENOMEM;
	fprintf(f, "%s", indent);
	ctl_dot_quote_prefixed(f, "r:", n->key);
	fputs(" [label=", f);
	ctl_dot_quote(f, label);
	fprintf(f, ", fillcolor=\"%s\"", ctl_dot_band_colour(n->band));
	if (n->highlight)
		fputs(", color=\"#2b83ba\", penwidth=3", f);
	fputs("];\n", f);
	free(label);
	return 0;
}

/* The clusters: one per area, one per track inside it. */
static int ctl_dot_write_clusters(FILE *f,
				  const struct ctl_dot_node *const *nodes,
				  size_t n)
{
	unsigned cluster = 0;
	int rc;

	for (size_t i = 0; i < n;) {
		const struct ctl_dot_node *first = nodes[i];
		const char *area = ctl_dot_str(first->area);

		fprintf(f, CTL_DOT_INDENT "subgraph cluster_%u {\n", cluster++);
		fputs(CTL_DOT_INDENT CTL_DOT_INDENT "label=", f);
		ctl_dot_quote(f, area[0] ? area : "(no area)");
		fputs("; style=rounded; color=\"#bbbbbb\"; fontsize=14;"
		      " labelloc=b;\n", f);
		while (i < n && ctl_dot_same(nodes[i], first, false)) {
			const struct ctl_dot_node *ladder = nodes[i];
			const char *track = ctl_dot_str(ladder->track);

			fprintf(f, CTL_DOT_INDENT CTL_DOT_INDENT
				"subgraph cluster_%u {\n", cluster++);
			fputs(CTL_DOT_INDENT CTL_DOT_INDENT CTL_DOT_INDENT
			      "label=", f);
			ctl_dot_quote(f, track);
			fputs("; style=\"rounded,dashed\"; color=\"#999999\";"
			      " fontsize=12; labelloc=b;\n", f);
			while (i < n && ctl_dot_same(nodes[i], ladder, true)) {
				rc = ctl_dot_write_node(f, nodes[i],
					CTL_DOT_INDENT CTL_DOT_INDENT
					CTL_DOT_INDENT);
				if (rc)
					return rc;
				i++;
			}
			fputs(CTL_DOT_INDENT CTL_DOT_INDENT "}\n", f);
		}
		fputs(CTL_DOT_INDENT "}\n", f);
	}
	return 0;
}

/* The grade axis and one {rank=same} per grade. nodes sorted by grade. */
static void ctl_dot_write_ranks(FILE *f,
				const struct ctl_dot_node *const *nodes,
				size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (i == 0 || nodes[i]->grade != nodes[i - 1]->grade)
			fprintf(f, CTL_DOT_INDENT "\"g:%" PRIu32 "\" [label="
				"\"grade %" PRIu32 "\", shape=plaintext, "
				"style=\"\", fontcolor=\"#666666\"];\n",
				nodes[i]->grade, nodes[i]->grade);
	for (size_t i = 1; i < n; i++)
		if (nodes[i]->grade != nodes[i - 1]->grade)
			fprintf(f, CTL_DOT_INDENT "\"g:%" PRIu32 "\" -> \"g:%"
				PRIu32 "\" [style=invis];\n",
				nodes[i - 1]->grade, nodes[i]->grade);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || nodes[i]->grade != nodes[i - 1]->grade)
			fprintf(f, CTL_DOT_INDENT "{ rank=same; \"g:%" PRIu32
				"\";", nodes[i]->grade);
		fputc(' ', f);
		ctl_dot_quote_prefixed(f, "r:", nodes[i]->key);
		fputc(';', f);
		if (i + 1 == n || nodes[i + 1]->grade != nodes[i]->grade)
			fputs(" }\n", f);
	}
}

static void ctl_dot_write_edge(FILE *f, const struct ctl_dot_edge *e)
{
	char tip[64];

	if (e->months)
		snprintf(tip, sizeof(tip), "%s, ~%" PRIu32 " months",
			 ctl_fmt_kind(e->kind), e->months);
	else
		snprintf(tip, sizeof(tip), "%s", ctl_fmt_kind(e->kind));
	fputs(CTL_DOT_INDENT, f);
	ctl_dot_quote_prefixed(f, "r:", e->from);
	fputs(" -> ", f);
	ctl_dot_quote_prefixed(f, "r:", e->to);
	fprintf(f, " [%s, tooltip=", ctl_dot_edge_style(e->kind));
	ctl_dot_quote(f, tip);
	if (e->label) {
		fputs(", label=", f);
		ctl_dot_quote(f, e->label);
	}
	fputs("];\n", f);
}

int ctl_dot_write(FILE *f, const struct ctl_dot_graph *g)
{
	const struct ctl_dot_node **layout = NULL, **by_grade = NULL;
	const struct ctl_dot_node **by_key = NULL;
	size_t n = g->nnodes;
	int rc = -ENOMEM;

	if (n) {
		layout = calloc(n, sizeof(*layout));
		by_grade = calloc(n, sizeof(*by_grade));
		by_key = calloc(n, sizeof(*by_key));
		if (!layout || !by_grade || !by_key)
			goto out;
	}
	for (size_t i = 0; i < n; i++)
		layout[i] = by_grade[i] = by_key[i] = &g->nodes[i];
	if (n) {
		qsort(layout, n, sizeof(*layout), ctl_dot_cmp_layout);
		qsort(by_grade, n, sizeof(*by_grade), ctl_dot_cmp_grade);
		qsort(by_key, n, sizeof(*by_key), ctl_dot_cmp_key);
	}

	fputs("digraph pathways {\n", f);
	/* newrank: {rank=same} may then span clusters (else dot ranks each
	 * cluster on its own and the grades do not line up). Bottom to top,
	 * where labelloc=b of a cluster is its top. */
	fputs(CTL_DOT_INDENT "graph [rankdir=BT, newrank=true, nodesep=0.35,"
	      " ranksep=0.7, fontname=\"Helvetica\", labelloc=t", f);
	if (g->title) {
		fputs(", label=", f);
		ctl_dot_quote(f, g->title);
	}
	fputs("];\n", f);
	fputs(CTL_DOT_INDENT "node [shape=box, style=\"rounded,filled\","
	      " fontname=\"Helvetica\", fontsize=10];\n", f);
	fputs(CTL_DOT_INDENT "edge [fontname=\"Helvetica\", fontsize=8,"
	      " arrowsize=0.7];\n", f);
	rc = ctl_dot_write_clusters(f, layout, n);
	if (rc)
		goto out;
	ctl_dot_write_ranks(f, by_grade, n);
	for (size_t i = 0; i < g->nedges; i++)
		if (ctl_dot_has_node(by_key, n, g->edges[i].from) &&
		    ctl_dot_has_node(by_key, n, g->edges[i].to))
			ctl_dot_write_edge(f, &g->edges[i]);
	fputs("}\n", f);
	rc = ferror(f) ? -EIO : 0;
out:
	free(layout);
	free(by_grade);
	free(by_key);
	return rc;
}
