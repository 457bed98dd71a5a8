#include "jsonw.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* appends the n bytes of s when they fit whole */
static int jsonw_put(char *buf, size_t len, size_t *at, const char *s,
		     size_t n)
{
	if (*at + n >= len)
		return -ENOSPC;
	memcpy(buf + *at, s, n);
	*at += n;
	buf[*at] = '\0';
	return 0;
}

int jsonw_string(char *buf, size_t len, size_t *n, const char *s)
{
	if (!len || *n >= len)
		return -ENOSPC;
	buf[*n] = '\0';
	if (jsonw_put(buf, len, n, "\"", 1))
		return -ENOSPC;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];
		size_t k;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			k = 2;
		} else if (c == '\n') {
			memcpy(esc, "\\n", 2);
			k = 2;
		} else if (c == '\t') {
			memcpy(esc, "\\t", 2);
			k = 2;
		} else if (c < 0x20 || c == 0x7f) {
			k = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", c);
		} else {
			esc[0] = (char)c;
			k = 1;
		}
		if (jsonw_put(buf, len, n, esc, k))
			return -ENOSPC;
	}
	return jsonw_put(buf, len, n, "\"", 1);
}
