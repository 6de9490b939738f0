/*
 * glob: path globs as used for documentation paths and guarded refs:
 * `*` and `?` stay within one path component, `**` as a whole component
 * matches any number of components, `[...]` is a character class.
 */
#ifndef REVGUARD_GLOB_H
#define REVGUARD_GLOB_H

#include <stddef.h>

/* Returns 1 when path matches pattern. */
int	 glob_match(const char *pattern, const char *path);
/* Length of the leading directory part of pattern without wildcards
 * (4 for "docs/any/x.md" with any a double star); 0 when the first
 * component has one. */
size_t	 glob_literal_dir(const char *pattern);
/* 1 when pattern contains no wildcard at all. */
int	 glob_is_literal(const char *pattern);

#endif
