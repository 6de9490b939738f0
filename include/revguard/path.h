/*
 * path: lexical handling of repository-relative paths ("a/b/c", no
 * leading slash, "" for the root).  No file system access.
 */
#ifndef REVGUARD_PATH_H
#define REVGUARD_PATH_H

/*
 * Joins dir and rel and normalises the result ("." and empty components
 * dropped, ".." folded).  Returns a new string, or NULL when rel is
 * absolute or the result would leave the root.
 */
char	*path_join(const char *dir, const char *rel);
/* The last component of path (a pointer into it). */
const char *path_basename(const char *path);

#endif
