/* boxoci: OCI hooks (oci-hooks.c). */
#ifndef BOXOCI_OCI_HOOKS_H
#define BOXOCI_OCI_HOOKS_H

#include <box.h>

struct json_object;

/* Check every hook list of the config document (types, absolute paths, NAME=VALUE env,
 * timeouts above 0). 0, or a negative errno with a message naming the field in err
 * (OCI_ERR_MAX bytes). */
int oci_hooks_check(struct json_object *doc, char *err);

/* Run the hooks of one kind ("createRuntime", "prestart", ...) in order, each with `state`
 * (the container's state JSON) on its stdin. 0 (also without any), or a negative errno
 * with a message naming the hook that failed. */
int oci_hooks_run(struct json_object *doc, const char *kind, const char *state, char *err);

/* Give the box the hooks of one kind (box_hook at `when`, BOX_HOOK_*), each with `state`
 * on its stdin; it runs them (box_spawn or box_start then fails naming the one that
 * failed). 0, or a negative errno with a message. */
int oci_hooks_add(struct json_object *doc, const char *kind, box_t *box, int when,
                  const char *state, char *err);

#endif
