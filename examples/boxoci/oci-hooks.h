/* boxoci: OCI hooks (oci-hooks.c). */
#ifndef BOXOCI_OCI_HOOKS_H
#define BOXOCI_OCI_HOOKS_H

struct json_object;

/* Check every hook list of the config document (types, absolute paths, NAME=VALUE env,
 * timeouts above 0). 0, or a negative errno with a message naming the field in err
 * (OCI_ERR_MAX bytes). */
int oci_hooks_check(struct json_object *doc, char *err);

/* Run the hooks of one kind ("createRuntime", "prestart", ...) in order, each with `state`
 * (the container's state JSON) on its stdin. 0 (also without any), or a negative errno
 * with a message naming the hook that failed. */
int oci_hooks_run(struct json_object *doc, const char *kind, const char *state, char *err);

#endif
