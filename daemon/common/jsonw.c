#include "jsonw.h"

#include <errno.h>
#include <string.h>

/* The escaped form of byte c into esc (at least 7 bytes); its length. */
static size_t jsonw_escape(unsigned char c, char *esc)
{
	static const char hex[] = "0123456789abcdef";

	if (c == '"' || c == '\\') {
		esc[0] = '\\';
		esc[1] = (char)c;
		return 2;
	}
	if (c < 0x20) {
		memcpy(esc, "\\u00", 4);
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 15];
		return 6;
	}
	esc[0] = (char)c;
	return 1;
}

/* appends the k bytes of s when they fit whole */
static int jsonw_put(char *buf, size_t len, size_t *at, const char *s,
		     size_t k)
{
	if (*at + k >= len)
		return -ENOSPC;
	memcpy(buf + *at, s, k);
	*at += k;
	buf[*at] = '\0';
	return 0;
}

int jsonw_string(char *buf, size_t len, size_t *n, const char *s)
{
	char esc[8];

	if (!len || *n >= len)
		return -ENOSPC;
	buf[*n] = '\0';
	if (jsonw_put(buf, len, n, "\"", 1))
		return -ENOSPC;
	for (; *s; s++)
		if (jsonw_put(buf, len, n, esc,
			      jsonw_escape((unsigned char)*s, esc)))
			return -ENOSPC;
	return jsonw_put(buf, len, n, "\"", 1);
}

void jsonw_fput(FILE *f, const char *s)
{
	char esc[8];

	fputc('"', f);
	for (; *s; s++)
		fwrite(esc, 1, jsonw_escape((unsigned char)*s, esc), f);
	fputc('"', f);
}
