/*
 * hook: the pre-receive client (`revguard hook`; its installer is in
 * install.h).  The client reads git's ref update lines and
 * environment, asks revguardd (or checks in-process), prints the verdict
 * to stderr (git shows it as remote: lines) and exits 0 or 1.
 */
#ifndef REVGUARD_HOOK_H
#define REVGUARD_HOOK_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "revguard/config.h"
#include "revguard/engine.h"
#include "revguard/proto.h"
#include "revguard/request.h"

/* Runs the check in this process with the whole configuration (the
 * `repositories:` entry is chosen on the way), stopping when deadline
 * (NULL: none) says so; 0, or -1 with err. */
typedef int (*hook_check_fn)(const struct config *,
    const struct push_request *, const struct engine_deadline *deadline,
    struct push_result *, char *err, size_t errlen);

/*
 * `revguard hook`.  in_process_check is NULL in revguard-hook, the small
 * client that links no libgit2 so that it starts fast.
 */
int	 hook_main(int argc, char **argv, hook_check_fn in_process_check);
/* The options hook_main takes (getopt_long), for install-hook. */
extern const struct option hook_options[];
void	 hook_usage(FILE *);
/* 1 when the hook runs on GitHub Enterprise Server (its GITHUB_*
 * variables are set): there it checks in-process by default, within
 * CONFIG_GHE_DEADLINE_MS unless hook.deadline says otherwise. */
int	 hook_on_github(void);

#endif
