/* boxoci: typed access to config.json members, with the path of the field in every error
 * ("config.json: linux.seccomp.syscalls[3].args[0].value: ..."). Shared by oci-config.c
 * and oci-seccomp.c. */
#ifndef BOXOCI_OCI_JSON_H
#define BOXOCI_OCI_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include <box.h>

#define OCI_PATH_MAX 192

struct oci_ctx {
    char *err;               /* OCI_ERR_MAX bytes, the caller's */
    const char *doc;         /* the document the errors name; NULL: "config.json" */
    bool update;             /* limits go to a running box (box_update_limit: boxoci
                                update); what cannot change there is refused */
    bool dry;                /* with update: only check, box_set_limit on a scratch box */
    char path[OCI_PATH_MAX]; /* the field being read: "process.rlimits[2].hard" */
    size_t len;
};

/* Enter a member or an element; oci_pop(c, mark) leaves it again. */
size_t oci_push(struct oci_ctx *c, const char *key);
size_t oci_push_index(struct oci_ctx *c, size_t index);
void oci_pop(struct oci_ctx *c, size_t mark);

/* Record "DOC: PATH: message" and return -err (err > 0). */
int oci_fail(struct oci_ctx *c, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same with libbox's message for a failed setter (r < 0). */
int oci_fail_box(struct oci_ctx *c, int r, box_t *box);

/* Member `key` of obj: 0 when absent or null, 1 when present with type t (*out set), or an
 * error naming key when it has another type. */
int oci_member(struct oci_ctx *c, struct json_object *obj, const char *key, enum json_type t,
               struct json_object **out);

/* Call each(c, e, arg) for every element e of the array member `key` of obj (none when it is
 * absent or null), with the path naming the element ("linux.devices[2]") while it runs.
 * Each element must be of type t: json_type_object ("must be an object") or
 * json_type_string (as oci_as_string checks it). Returns 0, or the first error (each's or
 * the element's type), the path left where it arose, as every reader here leaves it. */
int oci_each(struct oci_ctx *c, struct json_object *obj, const char *key, enum json_type t,
             int (*each)(struct oci_ctx *c, struct json_object *e, void *arg), void *arg);

/* The current value (the path already names it) as a string, an unsigned integer not above
 * max, or a signed one in [min, max]. Doubles, and integers json-c had to saturate, are
 * refused. */
int oci_as_string(struct oci_ctx *c, struct json_object *v, const char **out);
int oci_as_u64(struct oci_ctx *c, struct json_object *v, uint64_t max, uint64_t *out);
int oci_as_i64(struct oci_ctx *c, struct json_object *v, int64_t min, int64_t max,
               int64_t *out);

/* Member forms of the above: 0 absent, 1 read, or an error. */
int oci_string(struct oci_ctx *c, struct json_object *obj, const char *key, const char **out);
int oci_bool(struct oci_ctx *c, struct json_object *obj, const char *key, bool *out);
int oci_u64(struct oci_ctx *c, struct json_object *obj, const char *key, uint64_t max,
            uint64_t *out);
int oci_i64(struct oci_ctx *c, struct json_object *obj, const char *key, int64_t min,
            int64_t max, int64_t *out);

/* A member that libbox cannot honour: an error naming it, with `why`, when it is present
 * and not empty ("", [], {}, false and null are empty). */
int oci_refuse(struct oci_ctx *c, struct json_object *obj, const char *key, const char *why);

#endif
