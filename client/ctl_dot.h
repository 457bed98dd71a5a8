/* ctl_dot: Graphviz DOT of a piece of the framework, for `pathwaysctl map`
 * and `path --dot`.
 *
 * Layout: grades are ranks from the bottom up, so equal grades line up
 * across every ladder ({rank=same} per grade, with a "grade N" axis on the
 * side that keeps the order even where no move links two grades); one
 * cluster per area holds one cluster per track, side by side. Moves are
 * arrows styled by kind: promotion solid, lateral dashed, track switch
 * dotted, bold and coloured.
 *
 * Every name and label is written as a quoted DOT string (ctl_dot_quote),
 * so no data can end a string or inject attributes. Node ids are "r:KEY"
 * for roles and "g:N" for the axis, so they cannot collide.
 */
#ifndef PATHWAYS_CTL_DOT_H
#define PATHWAYS_CTL_DOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A role. Every pointer is borrowed. */
struct ctl_dot_node {
	const char *key;
	const char *title;		/* NULL or "": none */
	const char *track;
	const char *area;
	uint32_t grade;
	const char *note;		/* an extra label line, or NULL */
	int band;			/* Band: fill colour; 0 none */
	bool highlight;			/* bold frame: current role, route end */
};

/* A move between two nodes of the graph (by key; moves naming a role that
 * is not a node are left out). Pointers are borrowed. */
struct ctl_dot_edge {
	const char *from;
	const char *to;
	int kind;			/* MoveKind */
	uint32_t months;		/* typical months, 0 unknown */
	const char *label;		/* NULL: none */
};

struct ctl_dot_graph {
	const char *title;		/* the graph's label, NULL none */
	const struct ctl_dot_node *nodes;
	size_t nnodes;
	const struct ctl_dot_edge *edges;
	size_t nedges;
};

/* Write s to f as a DOT quoted string, quotes included: '"' and '\\'
 * escaped, a newline as the label escape \n, other control characters
 * and bytes that are not UTF-8 as '?'. */
void ctl_dot_quote(FILE *f, const char *s);

/* The attributes of a move of this kind ("style=solid, ..."). */
const char *ctl_dot_edge_style(int kind);

/* Write the graph. Nodes are laid out sorted by area, track, grade and key;
 * edges in the order given. Returns 0, -ENOMEM, or -EIO (a write failed). */
int ctl_dot_write(FILE *f, const struct ctl_dot_graph *g)
	__attribute__((warn_unused_result));

#endif /* PATHWAYS_CTL_DOT_H */
