/* boxoci: typed config.json members with the field's path in every error (oci-json.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "oci-config.h"
#include "oci-json.h"

static size_t append(struct oci_ctx *c, const char *text)
{
    size_t mark = c->len, n = strlen(text);

    if (c->len + n >= sizeof c->path) /* deep paths are cut, never overflowed */
        n = sizeof c->path - 1 - c->len;
    memcpy(c->path + c->len, text, n);
    c->len += n;
    c->path[c->len] = '\0';
    return mark;
}

size_t oci_push(struct oci_ctx *c, const char *key)
{
    size_t mark = c->len;

    if (c->len)
        append(c, ".");
    append(c, key);
    return mark;
}

size_t oci_push_index(struct oci_ctx *c, size_t index)
{
    char buf[32];

    snprintf(buf, sizeof buf, "[%zu]", index);
    return append(c, buf);
}

void oci_pop(struct oci_ctx *c, size_t mark)
{
    c->len = mark;
    c->path[mark] = '\0';
}

int oci_fail(struct oci_ctx *c, int err, const char *fmt, ...)
{
    char msg[OCI_ERR_MAX - OCI_PATH_MAX - 16];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(c->err, OCI_ERR_MAX, "%s: %s%s%s", c->doc ? c->doc : "config.json", c->path,
             c->len ? ": " : "", msg);
    return -err;
}

int oci_fail_box(struct oci_ctx *c, int r, box_t *box)
{
    return oci_fail(c, -r, "%s", box_errmsg(box));
}

static const char *type_name(enum json_type t)
{
    switch (t) {
    case json_type_boolean: return "a boolean";
    case json_type_double: return "a number";
    case json_type_int: return "an integer";
    case json_type_object: return "an object";
    case json_type_array: return "an array";
    case json_type_string: return "a string";
    case json_type_null: return "null";
    }
    return "?";
}

int oci_member(struct oci_ctx *c, struct json_object *obj, const char *key, enum json_type t,
               struct json_object **out)
{
    struct json_object *v = NULL;
    size_t mark;
    int r;

    if (!obj || !json_object_object_get_ex(obj, key, &v) || !v)
        return 0;
    if (json_object_get_type(v) == t) {
        *out = v;
        return 1;
    }
    mark = oci_push(c, key);
    r = oci_fail(c, EINVAL, "must be %s, not %s", type_name(t),
                 type_name(json_object_get_type(v)));
    oci_pop(c, mark);
    return r;
}

int oci_each(struct oci_ctx *c, struct json_object *obj, const char *key, enum json_type t,
             int (*each)(struct oci_ctx *c, struct json_object *e, void *arg), void *arg)
{
    struct json_object *list = NULL;
    size_t mark;
    const char *s;
    int r = oci_member(c, obj, key, json_type_array, &list);

    if (r <= 0)
        return r;
    mark = oci_push(c, key);
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        struct json_object *e = json_object_array_get_idx(list, i);
        size_t m = oci_push_index(c, i);

        if (t == json_type_object && !json_object_is_type(e, json_type_object))
            return oci_fail(c, EINVAL, "must be an object");
        if (t == json_type_string && (r = oci_as_string(c, e, &s)) < 0)
            return r;
        if ((r = each(c, e, arg)) < 0)
            return r;
        oci_pop(c, m);
    }
    oci_pop(c, mark);
    return 0;
}

int oci_as_string(struct oci_ctx *c, struct json_object *v, const char **out)
{
    if (!json_object_is_type(v, json_type_string))
        return oci_fail(c, EINVAL, "must be a string, not %s",
                        type_name(json_object_get_type(v)));
    *out = json_object_get_string(v);
    /* A string with a NUL inside would be cut short by every C interface below us. */
    if (strlen(*out) != (size_t)json_object_get_string_len(v))
        return oci_fail(c, EINVAL, "contains a NUL character");
    return 0;
}

int oci_as_u64(struct oci_ctx *c, struct json_object *v, uint64_t max, uint64_t *out)
{
    uint64_t u;

    if (!json_object_is_type(v, json_type_int))
        return oci_fail(c, EINVAL, "must be an integer, not %s",
                        type_name(json_object_get_type(v)));
    if (json_object_get_int64(v) < 0)
        return oci_fail(c, ERANGE, "must not be negative");
    u = json_object_get_uint64(v); /* exact up to UINT64_MAX (json-c keeps a uint64) */
    if (u > max)
        return oci_fail(c, ERANGE, "%llu is above %llu", (unsigned long long)u,
                        (unsigned long long)max);
    *out = u;
    return 0;
}

int oci_as_i64(struct oci_ctx *c, struct json_object *v, int64_t min, int64_t max,
               int64_t *out)
{
    int64_t i;

    if (!json_object_is_type(v, json_type_int))
        return oci_fail(c, EINVAL, "must be an integer, not %s",
                        type_name(json_object_get_type(v)));
    i = json_object_get_int64(v);
    if (i == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX)
        return oci_fail(c, ERANGE, "%llu is above %lld",
                        (unsigned long long)json_object_get_uint64(v), (long long)max);
    if (i < min || i > max)
        return oci_fail(c, ERANGE, "%lld is not in %lld..%lld", (long long)i, (long long)min,
                        (long long)max);
    *out = i;
    return 0;
}

/* Run `as` on member key, with key in the path. */
#define MEMBER(c, obj, key, call)                                                  \
    ({                                                                             \
        struct json_object *v_ = NULL;                                             \
        int r_ = 0;                                                                \
        if ((obj) && json_object_object_get_ex((obj), (key), &v_) && v_) {         \
            size_t mark_ = oci_push((c), (key));                                   \
            r_ = (call);                                                           \
            oci_pop((c), mark_);                                                   \
            r_ = r_ < 0 ? r_ : 1;                                                  \
        }                                                                          \
        r_;                                                                        \
    })

int oci_string(struct oci_ctx *c, struct json_object *obj, const char *key, const char **out)
{
    return MEMBER(c, obj, key, oci_as_string(c, v_, out));
}

int oci_bool(struct oci_ctx *c, struct json_object *obj, const char *key, bool *out)
{
    struct json_object *v = NULL;
    int r = oci_member(c, obj, key, json_type_boolean, &v);

    if (r > 0)
        *out = json_object_get_boolean(v);
    return r;
}

int oci_u64(struct oci_ctx *c, struct json_object *obj, const char *key, uint64_t max,
            uint64_t *out)
{
    return MEMBER(c, obj, key, oci_as_u64(c, v_, max, out));
}

int oci_i64(struct oci_ctx *c, struct json_object *obj, const char *key, int64_t min,
            int64_t max, int64_t *out)
{
    return MEMBER(c, obj, key, oci_as_i64(c, v_, min, max, out));
}

static bool is_empty(struct json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null: return true;
    case json_type_boolean: return !json_object_get_boolean(v);
    case json_type_string: return json_object_get_string_len(v) == 0;
    case json_type_array: return json_object_array_length(v) == 0;
    case json_type_object: return json_object_object_length(v) == 0;
    default: return false;
    }
}

int oci_refuse(struct oci_ctx *c, struct json_object *obj, const char *key, const char *why)
{
    struct json_object *v = NULL;
    size_t mark;
    int r;

    if (!obj || !json_object_object_get_ex(obj, key, &v) || !v || is_empty(v))
        return 0;
    mark = oci_push(c, key);
    r = oci_fail(c, EOPNOTSUPP, "%s", why);
    oci_pop(c, mark);
    return r;
}
