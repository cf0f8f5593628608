/* boxoci: config.json (runtime-spec 1.x, Linux) to libbox calls. See oci-config.h.
 *
 * One pass over the document, in the order libbox wants its configuration: namespaces and
 * id maps, the root and the mounts, the process, then limits, cgroup and seccomp. Each
 * field is either handed to its box_* setter (which makes its own checks, and whose message
 * then names the field) or refused with the reason; never dropped silently. The few
 * deliberate differences from runc are listed in boxoci(8). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci-config.h"
#include "oci-hooks.h"
#include "oci-json.h"

#define JSON_DEPTH 64
/* Bounds far above real configs that keep a hostile one from taking long: libbox's
 * bookkeeping of environment entries and mounts is linear per call. */
#define MAX_ENV 8192
#define MAX_MOUNTS 4096

/* ---- host facts ---- */

static bool file_starts_with(const char *path, const char *prefix)
{
    char buf[64] = "";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return false;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n > 0 && strncmp(buf, prefix, strlen(prefix)) == 0;
}

void oci_host_probe(struct oci_host *out)
{
    FILE *f;
    char line[128];
    unsigned long long kb;

    *out = (struct oci_host){ 0 };
    out->apparmor = file_starts_with("/sys/module/apparmor/parameters/enabled", "Y");
    out->selinux = access("/sys/fs/selinux/enforce", F_OK) == 0;
    out->cgroup_unified = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
    f = fopen("/proc/meminfo", "re");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Hugepagesize: %llu kB", &kb) == 1)
            out->hugepage_size = (uint64_t)kb * 1024;
    if (f)
        fclose(f);
}

/* ---- parsing ---- */

/* json-c saturates integers it cannot hold (a 21-digit number reads as UINT64_MAX), so
 * integers outside int64/uint64 are found in the text first: a config must never mean a
 * different number than it says. */
static int scan_integers(const char *text, size_t len, const char *doc, char *err)
{
    bool in_string = false;

    for (size_t i = 0; i < len; i++) {
        size_t start, digits;
        bool neg;

        if (in_string) {
            if (text[i] == '\\')
                i++;
            else if (text[i] == '"')
                in_string = false;
            continue;
        }
        if (text[i] == '"') {
            in_string = true;
            continue;
        }
        if (text[i] != '-' && !isdigit((unsigned char)text[i]))
            continue;
        start = i;
        neg = text[i] == '-';
        if (neg)
            i++;
        while (i < len && text[i] == '0')
            i++;
        for (digits = 0; i < len && isdigit((unsigned char)text[i]); i++)
            digits++;
        if (i < len && (text[i] == '.' || text[i] == 'e' || text[i] == 'E')) {
            while (i + 1 < len && (isalnum((unsigned char)text[i + 1]) || text[i + 1] == '.' ||
                                   text[i + 1] == '-' || text[i + 1] == '+'))
                i++;
            continue; /* a fraction: never accepted where an integer is expected */
        }
        {
            const char *limit = neg ? "9223372036854775808" : "18446744073709551615";
            size_t ldig = strlen(limit);
            const char *d = text + i - digits;

            if (digits > ldig || (digits == ldig && memcmp(d, limit, ldig) > 0)) {
                int shown = i - start > 24 ? 24 : (int)(i - start); /* text is not a string */

                snprintf(err, OCI_ERR_MAX, "%s: the integer at byte %zu (%.*s...) "
                         "does not fit in 64 bits", doc, start, shown, text + start);
                return -ERANGE;
            }
        }
        i--;
    }
    return 0;
}

static int parse_json(const char *text, size_t len, const char *doc, struct json_object **out,
                      char *err)
{
    struct json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
    struct json_object *obj;
    size_t end;

    if (!tok) {
        snprintf(err, OCI_ERR_MAX, "%s: out of memory", doc);
        return -ENOMEM;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    obj = json_tokener_parse_ex(tok, text, (int)len);
    end = json_tokener_get_parse_end(tok);
    if (!obj) {
        enum json_tokener_error e = json_tokener_get_error(tok);

        snprintf(err, OCI_ERR_MAX, "%s: not valid JSON at byte %zu: %s", doc, end,
                 e == json_tokener_continue ? "unexpected end of data"
                                            : json_tokener_error_desc(e));
        json_tokener_free(tok);
        return -EINVAL;
    }
    json_tokener_free(tok);
    for (; end < len; end++) {
        if (!isspace((unsigned char)text[end])) {
            snprintf(err, OCI_ERR_MAX, "%s: text after the document at byte %zu", doc,
                     end);
            json_object_put(obj);
            return -EINVAL;
        }
    }
    if (!json_object_is_type(obj, json_type_object)) {
        snprintf(err, OCI_ERR_MAX, "%s: the document must be an object", doc);
        json_object_put(obj);
        return -EINVAL;
    }
    *out = obj;
    return 0;
}

/* bundle + "/" + path, or path when it is absolute. */
static char *bundle_path(const char *bundle, const char *path)
{
    char *out;

    if (path[0] == '/')
        return strdup(path);
    return asprintf(&out, "%s/%s", bundle, path) < 0 ? NULL : out;
}

void oci_config_free(struct oci_config *cfg)
{
    if (!cfg)
        return;
    if (cfg->args)
        for (char **a = cfg->args; *a; a++)
            free(*a);
    free(cfg->args);
    free(cfg->bundle);
    free(cfg->rootfs);
    json_object_put(cfg->json);
    free(cfg);
}

static int parse_args(struct oci_ctx *c, struct json_object *process, struct oci_config *cfg)
{
    struct json_object *args = NULL;
    size_t n, mark;
    int r = oci_member(c, process, "args", json_type_array, &args);

    if (r < 0)
        return r;
    mark = oci_push(c, "args");
    n = r ? json_object_array_length(args) : 0;
    if (n == 0)
        return oci_fail(c, EINVAL, "a process needs at least one argument");
    cfg->args = calloc(n + 1, sizeof *cfg->args);
    if (!cfg->args)
        return oci_fail(c, ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        size_t m = oci_push_index(c, i);
        const char *s;

        if ((r = oci_as_string(c, json_object_array_get_idx(args, i), &s)) < 0)
            return r;
        if (i == 0 && !s[0])
            return oci_fail(c, EINVAL, "the program name is empty");
        if (!(cfg->args[i] = strdup(s)))
            return oci_fail(c, ENOMEM, "out of memory");
        oci_pop(c, m);
    }
    oci_pop(c, mark);
    return 0;
}

static int parse_process(struct oci_ctx *c, struct json_object *process,
                         struct oci_config *cfg)
{
    struct json_object *size = NULL, *user = NULL;
    uint64_t u;
    int64_t i;
    int r;

    if ((r = parse_args(c, process, cfg)) < 0 ||
        (r = oci_bool(c, process, "terminal", &cfg->terminal)) < 0 ||
        (r = oci_member(c, process, "consoleSize", json_type_object, &size)) < 0)
        return r;
    if (size) {
        size_t mark = oci_push(c, "consoleSize");

        if ((r = oci_u64(c, size, "height", 65535, &u)) < 0)
            return r;
        cfg->console_rows = (unsigned)u;
        if ((r = oci_u64(c, size, "width", 65535, &u)) < 0)
            return r;
        cfg->console_cols = (unsigned)u;
        oci_pop(c, mark);
    }
    if ((r = oci_member(c, process, "user", json_type_object, &user)) < 0)
        return r;
    if (user) {
        size_t mark = oci_push(c, "user");

        if ((r = oci_u64(c, user, "umask", 0777, &u)) < 0)
            return r;
        cfg->has_umask = r > 0;
        cfg->umask = (mode_t)u;
        oci_pop(c, mark);
    }
    if ((r = oci_i64(c, process, "oomScoreAdj", -1000, 1000, &i)) < 0)
        return r;
    cfg->has_oom_score_adj = r > 0;
    cfg->oom_score_adj = (int)i;
    return 0;
}

static int parse_document(struct oci_ctx *c, struct oci_config *cfg)
{
    struct json_object *doc = cfg->json, *root = NULL, *process = NULL, *lx = NULL,
                       *nss = NULL;
    const char *version = NULL, *path = NULL;
    size_t mark;
    int r;

    if ((r = oci_string(c, doc, "ociVersion", &version)) < 0)
        return r;
    mark = oci_push(c, "ociVersion");
    if (!r)
        return oci_fail(c, EINVAL, "missing");
    if (strncmp(version, "1.", 2) != 0)
        return oci_fail(c, EOPNOTSUPP, "version %s: boxoci implements runtime-spec 1.x",
                        version);
    oci_pop(c, mark);

    if ((r = oci_member(c, doc, "root", json_type_object, &root)) < 0)
        return r;
    mark = oci_push(c, "root");
    if (!r)
        return oci_fail(c, EINVAL, "missing: libbox needs a root filesystem");
    if ((r = oci_string(c, root, "path", &path)) < 0)
        return r;
    if (!r || !path[0])
        return oci_fail(c, EINVAL, "path is missing");
    if (!(cfg->rootfs = bundle_path(cfg->bundle, path)))
        return oci_fail(c, ENOMEM, "out of memory");
    oci_pop(c, mark);

    if ((r = oci_member(c, doc, "process", json_type_object, &process)) < 0)
        return r;
    if (process) {
        mark = oci_push(c, "process");
        if ((r = parse_process(c, process, cfg)) < 0)
            return r;
        oci_pop(c, mark);
    }

    if ((r = oci_member(c, doc, "linux", json_type_object, &lx)) < 0)
        return r;
    if (lx) {
        mark = oci_push(c, "linux");
        if ((r = oci_member(c, lx, "namespaces", json_type_array, &nss)) < 0)
            return r;
        for (size_t i = 0; nss && i < json_object_array_length(nss); i++) {
            struct json_object *type = NULL;

            if (json_object_object_get_ex(json_object_array_get_idx(nss, i), "type", &type) &&
                json_object_is_type(type, json_type_string) &&
                strcmp(json_object_get_string(type), "user") == 0)
                cfg->user_ns = true;
        }
        oci_pop(c, mark);
    }
    return 0;
}

int oci_config_parse(const char *text, size_t len, const char *bundle,
                     struct oci_config **out, char *err)
{
    struct oci_ctx c = { .err = err };
    struct oci_config *cfg;
    int r;

    err[0] = '\0';
    if (!text || !out || !bundle || bundle[0] != '/') {
        snprintf(err, OCI_ERR_MAX, "config.json: the bundle must be an absolute path");
        return -EINVAL;
    }
    if (len > OCI_CONFIG_MAX_BYTES) {
        snprintf(err, OCI_ERR_MAX, "config.json: %zu bytes, more than the %u boxoci reads",
                 len, OCI_CONFIG_MAX_BYTES);
        return -E2BIG;
    }
    if ((r = scan_integers(text, len, "config.json", err)) < 0)
        return r;
    cfg = calloc(1, sizeof *cfg);
    if (!cfg || !(cfg->bundle = strdup(bundle))) {
        free(cfg);
        snprintf(err, OCI_ERR_MAX, "config.json: out of memory");
        return -ENOMEM;
    }
    if ((r = parse_json(text, len, "config.json", &cfg->json, err)) < 0 ||
        (r = parse_document(&c, cfg)) < 0) {
        oci_config_free(cfg);
        return r;
    }
    *out = cfg;
    return 0;
}

int oci_config_load(const char *bundle, struct oci_config **out, char *err)
{
    char path[4096];
    char *text;
    size_t len = 0;
    ssize_t n;
    int fd, r;

    snprintf(path, sizeof path, "%s/config.json", bundle);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        r = -errno;
        snprintf(err, OCI_ERR_MAX, "%.300s: %s", path, strerror(-r));
        return r;
    }
    text = malloc(OCI_CONFIG_MAX_BYTES + 1);
    if (!text) {
        close(fd);
        snprintf(err, OCI_ERR_MAX, "config.json: out of memory");
        return -ENOMEM;
    }
    while (len <= OCI_CONFIG_MAX_BYTES &&
           (n = read(fd, text + len, OCI_CONFIG_MAX_BYTES + 1 - len)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = -errno;
            snprintf(err, OCI_ERR_MAX, "%.300s: %s", path, strerror(-r));
            free(text);
            close(fd);
            return r;
        }
        len += (size_t)n;
    }
    close(fd);
    r = oci_config_parse(text, len, bundle, out, err);
    free(text);
    return r;
}

/* ---- apply: namespaces and maps ---- */

static const struct {
    const char *name;
    unsigned int bit;
} ns_types[] = {
    { "pid", BOX_NS_PID },   { "network", BOX_NS_NET }, { "mount", BOX_NS_MNT },
    { "ipc", BOX_NS_IPC },   { "uts", BOX_NS_UTS },     { "user", BOX_NS_USER },
    { "cgroup", BOX_NS_CGROUP }, { "time", BOX_NS_TIME },
};

struct ns_state {
    box_t *box;
    unsigned int ns; /* the types listed so far */
};

static int apply_namespace(struct oci_ctx *c, struct json_object *e, void *arg)
{
    struct ns_state *st = arg;
    const char *type = NULL, *path = NULL;
    unsigned int bit = 0;
    int r;

    if ((r = oci_string(c, e, "type", &type)) < 0)
        return r;
    if (!type)
        return oci_fail(c, EINVAL, "type is missing");
    for (size_t k = 0; k < sizeof ns_types / sizeof ns_types[0]; k++)
        if (strcmp(type, ns_types[k].name) == 0)
            bit = ns_types[k].bit;
    if (!bit)
        return oci_fail(c, EINVAL, "unknown namespace type '%s'", type);
    if (st->ns & bit)
        return oci_fail(c, EINVAL, "namespace type '%s' is listed twice", type);
    if ((r = oci_string(c, e, "path", &path)) < 0)
        return r;
    /* A path: join that namespace (podman's netns, a pod's shared ones) instead. */
    if (path && path[0] && (r = box_join_namespace_path(st->box, bit, path)) < 0)
        return oci_fail_box(c, r, st->box);
    st->ns |= bit;
    return 0;
}

static int apply_namespaces(struct oci_ctx *c, struct json_object *lx, box_t *box,
                            unsigned int *ns_out)
{
    struct ns_state st = { .box = box };
    int r = oci_each(c, lx, "namespaces", json_type_object, apply_namespace, &st);

    if (r < 0)
        return r;
    if (!(st.ns & BOX_NS_MNT)) {
        oci_push(c, "namespaces");
        return oci_fail(c, EOPNOTSUPP, "no mount namespace: libbox builds every container "
                        "in a mount namespace of its own");
    }
    if ((r = box_set_namespaces(box, st.ns)) < 0)
        return oci_fail_box(c, r, box);
    *ns_out = st.ns;
    return 0;
}

struct idmap_state {
    box_t *box;
    bool gid; /* gidMappings, else uidMappings */
};

static int apply_idmap(struct oci_ctx *c, struct json_object *e, void *arg)
{
    struct idmap_state *st = arg;
    uint64_t inside = 0, outside = 0, size = 0;
    int r;

    if ((r = oci_u64(c, e, "containerID", UINT32_MAX - 1, &inside)) < 0 ||
        (r = oci_u64(c, e, "hostID", UINT32_MAX - 1, &outside)) < 0 ||
        (r = oci_u64(c, e, "size", UINT32_MAX, &size)) < 0)
        return r;
    r = st->gid ? box_add_gid_map(st->box, (gid_t)inside, (gid_t)outside, (uint32_t)size)
                : box_add_uid_map(st->box, (uid_t)inside, (uid_t)outside, (uint32_t)size);
    if (r < 0)
        return oci_fail_box(c, r, st->box);
    return 0;
}

static int apply_idmaps(struct oci_ctx *c, struct json_object *lx, box_t *box,
                        unsigned int ns)
{
    static const char *const keys[] = { "uidMappings", "gidMappings" };
    int r;

    for (int k = 0; k < 2; k++) {
        struct idmap_state st = { .box = box, .gid = k == 1 };
        struct json_object *maps = NULL;

        if ((r = oci_member(c, lx, keys[k], json_type_array, &maps)) < 0)
            return r;
        if (!maps || json_object_array_length(maps) == 0)
            continue;
        if (!(ns & BOX_NS_USER)) {
            oci_push(c, keys[k]);
            return oci_fail(c, EINVAL, "mappings need a user namespace");
        }
        if ((r = oci_each(c, lx, keys[k], json_type_object, apply_idmap, &st)) < 0)
            return r;
    }
    return 0;
}

/* ---- apply: root and mounts ---- */

struct mount_opts {
    bool bind, rbind, ro, dev, noexec, copy_up;
    bool has_size, has_mode;
    uint64_t size;
    mode_t mode;
};

/* The mount options boxoci knows (features.md lists them), and what each does. The
 * access-time family is accepted and not applied: see boxoci(8). */
enum mount_opt { OPT_NOOP, OPT_BIND, OPT_RBIND, OPT_RO, OPT_RW, OPT_DEV, OPT_NODEV,
                 OPT_NOEXEC, OPT_EXEC, OPT_PROPAGATION, OPT_SUID, OPT_COPY_UP };
static const struct {
    const char *name;
    enum mount_opt what;
} mount_options[] = {
    { "bind", OPT_BIND },       { "rbind", OPT_RBIND },     { "ro", OPT_RO },
    { "rro", OPT_RO },          { "rw", OPT_RW },           { "rrw", OPT_RW },
    { "dev", OPT_DEV },         { "rdev", OPT_DEV },        { "nodev", OPT_NODEV },
    { "rnodev", OPT_NODEV },    { "noexec", OPT_NOEXEC },   { "rnoexec", OPT_NOEXEC },
    { "exec", OPT_EXEC },       { "rexec", OPT_EXEC },      { "nosuid", OPT_NOOP },
    { "rnosuid", OPT_NOOP },    { "defaults", OPT_NOOP },   { "async", OPT_NOOP },
    { "private", OPT_NOOP },    { "rprivate", OPT_NOOP },   { "atime", OPT_NOOP },
    { "noatime", OPT_NOOP },    { "diratime", OPT_NOOP },   { "nodiratime", OPT_NOOP },
    { "relatime", OPT_NOOP },   { "norelatime", OPT_NOOP }, { "strictatime", OPT_NOOP },
    { "nostrictatime", OPT_NOOP }, { "lazytime", OPT_NOOP }, { "nolazytime", OPT_NOOP },
    { "ratime", OPT_NOOP },     { "rnoatime", OPT_NOOP },   { "rdiratime", OPT_NOOP },
    { "rnodiratime", OPT_NOOP }, { "rrelatime", OPT_NOOP }, { "rnorelatime", OPT_NOOP },
    { "rstrictatime", OPT_NOOP }, { "rnostrictatime", OPT_NOOP },
    { "shared", OPT_PROPAGATION }, { "rshared", OPT_PROPAGATION },
    { "slave", OPT_PROPAGATION }, { "rslave", OPT_PROPAGATION },
    { "unbindable", OPT_PROPAGATION }, { "runbindable", OPT_PROPAGATION },
    { "suid", OPT_SUID },       { "rsuid", OPT_SUID },
    { "tmpcopyup", OPT_COPY_UP }, /* a tmpfs starts with a copy of what it covers */
};

/* Options with a value, of tmpfs (size, mode) and of devpts (libbox's own instance). */
static int parse_value_option(struct oci_ctx *c, const char *type, const char *o,
                              struct mount_opts *mo)
{
    bool is_tmpfs = strcmp(type, "tmpfs") == 0, is_devpts = strcmp(type, "devpts") == 0;
    unsigned long mode;
    char *end;

    if (is_tmpfs && strncmp(o, "size=", 5) == 0) {
        if (box_parse_size(o + 5, &mo->size) < 0)
            return oci_fail(c, EINVAL, "'%s': not a size", o);
        mo->has_size = true;
    } else if ((is_tmpfs || is_devpts) && strncmp(o, "mode=", 5) == 0) {
        errno = 0;
        mode = strtoul(o + 5, &end, 8);
        if (errno || end == o + 5 || *end || mode > 07777)
            return oci_fail(c, EINVAL, "'%s': not an octal mode", o);
        mo->has_mode = true;
        mo->mode = (mode_t)mode;
    } else if (!is_devpts || (strcmp(o, "newinstance") != 0 && strncmp(o, "gid=", 4) != 0 &&
                              strncmp(o, "ptmxmode=", 9) != 0)) {
        return oci_fail(c, EOPNOTSUPP, "mount option '%s' is not supported", o);
    }
    return 0;
}

static int parse_mount_option(struct oci_ctx *c, const char *type, const char *o,
                              struct mount_opts *mo)
{
    size_t i;

    for (i = 0; i < sizeof mount_options / sizeof mount_options[0]; i++)
        if (strcmp(o, mount_options[i].name) == 0)
            break;
    if (i == sizeof mount_options / sizeof mount_options[0])
        return parse_value_option(c, type, o, mo);
    switch (mount_options[i].what) {
    case OPT_NOOP: break;
    case OPT_BIND: mo->bind = true; break;
    case OPT_RBIND: mo->rbind = true; break;
    case OPT_RO: mo->ro = true; break;
    case OPT_RW: mo->ro = false; break;
    case OPT_DEV: mo->dev = true; break;
    case OPT_NODEV: mo->dev = false; break;
    case OPT_NOEXEC: mo->noexec = true; break;
    case OPT_EXEC: mo->noexec = false; break;
    case OPT_PROPAGATION:
        return oci_fail(c, EOPNOTSUPP, "propagation '%s': every libbox mount is private", o);
    case OPT_SUID:
        return oci_fail(c, EOPNOTSUPP, "'%s': libbox mounts everything nosuid", o);
    case OPT_COPY_UP:
        if (strcmp(type, "tmpfs") != 0)
            return oci_fail(c, EINVAL, "'%s' is an option of a tmpfs", o);
        mo->copy_up = true;
        break;
    }
    return 0;
}

static unsigned int mount_flags(const struct mount_opts *mo)
{
    return (mo->ro ? BOX_MOUNT_RO : 0) | (mo->dev ? BOX_MOUNT_DEVICES : 0) |
           (mo->noexec ? BOX_MOUNT_EXEC_OFF : 0) | (mo->copy_up ? BOX_MOUNT_COPY_UP : 0);
}

/* What apply_mount needs to know besides the mount. */
struct fs_state {
    const struct oci_config *cfg;
    const struct oci_host *host;
    unsigned int ns;
    bool have_dev; /* libbox's /dev is in the plan (devpts at /dev/pts is its own) */
};

static int apply_mount(struct oci_ctx *c, struct fs_state *fs, struct json_object *m,
                       box_t *box)
{
    struct json_object *opts = NULL;
    struct mount_opts mo = { 0 };
    const char *dest = NULL, *type = NULL, *source = NULL;
    int r;

    if (!json_object_is_type(m, json_type_object))
        return oci_fail(c, EINVAL, "must be an object");
    if ((r = oci_string(c, m, "destination", &dest)) < 0 ||
        (r = oci_string(c, m, "type", &type)) < 0 || (r = oci_string(c, m, "source", &source)) < 0 ||
        (r = oci_member(c, m, "options", json_type_array, &opts)) < 0 ||
        (r = oci_refuse(c, m, "uidMappings", "idmapped mounts are not supported yet")) < 0 ||
        (r = oci_refuse(c, m, "gidMappings", "idmapped mounts are not supported yet")) < 0)
        return r;
    if (!dest || dest[0] != '/')
        return oci_fail(c, EINVAL, "destination '%s' is not an absolute path",
                        dest ? dest : "");
    if (!type)
        type = "";
    for (size_t i = 0; opts && i < json_object_array_length(opts); i++) {
        size_t mark = oci_push(c, "options"), mi = oci_push_index(c, i);
        const char *o;

        if ((r = oci_as_string(c, json_object_array_get_idx(opts, i), &o)) < 0 ||
            (r = parse_mount_option(c, type, o, &mo)) < 0)
            return r;
        oci_pop(c, mi);
        oci_pop(c, mark);
    }

    if (mo.bind || mo.rbind || strcmp(type, "bind") == 0) {
        char *src;

        if (!source || !source[0])
            return oci_fail(c, EINVAL, "a bind mount needs a source");
        if (!(src = bundle_path(fs->cfg->bundle, source)))
            return oci_fail(c, ENOMEM, "out of memory");
        r = box_mount(box, BOX_MOUNT_BIND, src, dest,
                      mount_flags(&mo) | (mo.rbind ? 0 : BOX_MOUNT_NOREC));
        free(src);
    } else if (strcmp(type, "tmpfs") == 0 && strcmp(dest, "/dev") == 0) {
        /* The container's /dev: libbox's, with the default devices, pts and shm. */
        if (mo.ro || mo.dev)
            return oci_fail(c, EOPNOTSUPP, "/dev is libbox's own: writable, and its device "
                            "nodes are the default ones");
        fs->have_dev = true;
        r = box_mount(box, BOX_MOUNT_DEV, NULL, dest, 0);
    } else if (strcmp(type, "tmpfs") == 0) {
        r = box_mount_tmpfs(box, dest, mo.has_size ? mo.size : 0,
                            mo.has_mode ? mo.mode : 01777, mount_flags(&mo));
    } else if (strcmp(type, "proc") == 0) {
        r = box_mount(box, BOX_MOUNT_PROC, NULL, dest, mount_flags(&mo));
    } else if (strcmp(type, "mqueue") == 0) {
        r = box_mount(box, BOX_MOUNT_MQUEUE, NULL, dest, mount_flags(&mo));
    } else if (strcmp(type, "devpts") == 0) {
        /* libbox's /dev has a devpts of its own (newinstance, ptmxmode 0666, mode 0620). */
        if (!fs->have_dev || strcmp(dest, "/dev/pts") != 0)
            return oci_fail(c, EOPNOTSUPP, "devpts only at /dev/pts of a tmpfs /dev");
        if (mo.has_mode && mo.mode != 0620)
            return oci_fail(c, EOPNOTSUPP, "devpts mode %o: libbox's is 0620",
                            (unsigned)mo.mode);
        r = 0;
    } else if (strcmp(type, "sysfs") == 0) {
        r = box_mount(box, BOX_MOUNT_SYSFS, NULL, dest, mount_flags(&mo));
    } else if (strcmp(type, "cgroup") == 0) {
        /* The container's cgroups as runc shows them, on v1, hybrid and v2 hosts. */
        r = box_mount(box, BOX_MOUNT_CGROUP, NULL, dest, mount_flags(&mo));
    } else if (strcmp(type, "cgroup2") == 0) {
        /* The box's own cgroup v2 tree: without a cgroup namespace the mount would show
         * the whole host's tree. */
        if (!fs->host->cgroup_unified)
            return oci_fail(c, EOPNOTSUPP, "a cgroup2 mount on a host that is not a cgroup "
                            "v2 host: use a cgroup mount");
        if (!(fs->ns & BOX_NS_CGROUP))
            return oci_fail(c, EOPNOTSUPP, "a cgroup2 mount needs a cgroup namespace");
        r = box_mount(box, BOX_MOUNT_CGROUP2, NULL, dest, mount_flags(&mo));
    } else {
        return oci_fail(c, EOPNOTSUPP, "mount type '%s' is not supported", type);
    }
    return r < 0 ? oci_fail_box(c, r, box) : 0;
}

/* linux.maskedPaths and linux.readonlyPaths, after every mount (as runc does them). */
static int apply_paths(struct oci_ctx *c, struct json_object *lx, const char *key,
                       box_mount_type_t type, box_t *box)
{
    struct json_object *list = NULL;
    size_t mark;
    int r = oci_member(c, lx, key, json_type_array, &list);

    if (r <= 0)
        return r;
    mark = oci_push(c, key);
    if (json_object_array_length(list) > MAX_MOUNTS)
        return oci_fail(c, E2BIG, "more than %d paths", MAX_MOUNTS);
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        size_t m = oci_push_index(c, i);
        const char *p;

        if ((r = oci_as_string(c, json_object_array_get_idx(list, i), &p)) < 0)
            return r;
        if ((r = box_mount(box, type, NULL, p, 0)) < 0)
            return oci_fail_box(c, r, box);
        oci_pop(c, m);
    }
    oci_pop(c, mark);
    return 0;
}

static int apply_fs(struct oci_ctx *c, const struct oci_config *cfg,
                    const struct oci_host *host, struct json_object *lx, box_t *box,
                    unsigned int ns)
{
    struct json_object *doc = cfg->json, *root = NULL, *mounts = NULL;
    struct fs_state fs = { .cfg = cfg, .host = host, .ns = ns };
    const char *prop = NULL;
    bool readonly = false, dev_listed = false;
    size_t mark;
    int r;

    if ((r = oci_member(c, doc, "root", json_type_object, &root)) < 0)
        return r;
    mark = oci_push(c, "root");
    if ((r = oci_bool(c, root, "readonly", &readonly)) < 0)
        return r;
    if ((r = box_set_root(box, cfg->rootfs, readonly ? BOX_ROOT_READONLY : 0)) < 0)
        return oci_fail_box(c, r, box);
    oci_pop(c, mark);

    if ((r = oci_member(c, doc, "mounts", json_type_array, &mounts)) < 0)
        return r;
    /* The default devices are there even when no /dev is listed. */
    for (size_t i = 0; mounts && i < json_object_array_length(mounts); i++) {
        struct json_object *d = NULL, *t = NULL, *m = json_object_array_get_idx(mounts, i);

        if (json_object_is_type(m, json_type_object) &&
            json_object_object_get_ex(m, "destination", &d) &&
            json_object_object_get_ex(m, "type", &t) &&
            json_object_is_type(d, json_type_string) && json_object_is_type(t, json_type_string) &&
            strcmp(json_object_get_string(d), "/dev") == 0 &&
            strcmp(json_object_get_string(t), "tmpfs") == 0)
            dev_listed = true;
    }
    if (!dev_listed && (r = box_mount(box, BOX_MOUNT_DEV, NULL, "/dev", 0)) < 0)
        return oci_fail_box(c, r, box);
    fs.have_dev = !dev_listed; /* a listed /dev becomes libbox's when its turn comes */
    mark = oci_push(c, "mounts");
    if (mounts && json_object_array_length(mounts) > MAX_MOUNTS)
        return oci_fail(c, E2BIG, "more than %d mounts", MAX_MOUNTS);
    for (size_t i = 0; mounts && i < json_object_array_length(mounts); i++) {
        size_t m = oci_push_index(c, i);

        if ((r = apply_mount(c, &fs, json_object_array_get_idx(mounts, i), box)) < 0)
            return r;
        oci_pop(c, m);
    }
    oci_pop(c, mark);

    mark = oci_push(c, "linux");
    if ((r = apply_paths(c, lx, "maskedPaths", BOX_MOUNT_MASK, box)) < 0 ||
        (r = apply_paths(c, lx, "readonlyPaths", BOX_MOUNT_READONLY, box)) < 0 ||
        (r = oci_string(c, lx, "rootfsPropagation", &prop)) < 0)
        return r;
    if (prop && prop[0] && strcmp(prop, "private") != 0 && strcmp(prop, "rprivate") != 0) {
        oci_push(c, "rootfsPropagation");
        return oci_fail(c, EOPNOTSUPP, "'%s': the box's mounts are all private", prop);
    }
    oci_pop(c, mark);
    return 0;
}

/* ---- apply: the process ---- */

static int apply_env(struct oci_ctx *c, struct json_object *process, box_t *box)
{
    struct json_object *env = NULL;
    size_t mark;
    int r = oci_member(c, process, "env", json_type_array, &env);

    if (r < 0)
        return r;
    /* The container's environment is exactly config's: no PATH of libbox's. */
    if ((r = box_unsetenv(box, "PATH")) < 0)
        return oci_fail_box(c, r, box);
    mark = oci_push(c, "env");
    if (env && json_object_array_length(env) > MAX_ENV)
        return oci_fail(c, E2BIG, "more than %d variables", MAX_ENV);
    for (size_t i = 0; env && i < json_object_array_length(env); i++) {
        size_t m = oci_push_index(c, i);
        const char *e, *eq;
        char *name;

        if ((r = oci_as_string(c, json_object_array_get_idx(env, i), &e)) < 0)
            return r;
        if (!(eq = strchr(e, '=')))
            return oci_fail(c, EINVAL, "'%s' is not NAME=value", e);
        if (!(name = strndup(e, (size_t)(eq - e))))
            return oci_fail(c, ENOMEM, "out of memory");
        r = box_setenv(box, name, eq + 1);
        free(name);
        if (r < 0)
            return oci_fail_box(c, r, box);
        oci_pop(c, m);
    }
    oci_pop(c, mark);
    return 0;
}

static int apply_user(struct oci_ctx *c, struct json_object *process, box_t *box,
                      uint64_t *uid_out)
{
    struct json_object *user = NULL, *gids = NULL;
    gid_t groups[65];
    uint64_t uid = 0, gid = 0;
    size_t mark, n;
    int r = oci_member(c, process, "user", json_type_object, &user);

    if (r < 0)
        return r;
    mark = oci_push(c, "user");
    if ((r = oci_u64(c, user, "uid", UINT32_MAX - 1, &uid)) < 0 ||
        (r = oci_u64(c, user, "gid", UINT32_MAX - 1, &gid)) < 0 ||
        (r = oci_member(c, user, "additionalGids", json_type_array, &gids)) < 0)
        return r;
    if ((r = box_set_user(box, (uid_t)uid, (gid_t)gid)) < 0)
        return oci_fail_box(c, r, box);
    n = gids ? json_object_array_length(gids) : 0;
    oci_push(c, "additionalGids");
    if (n > sizeof groups / sizeof groups[0])
        return oci_fail(c, E2BIG, "%zu groups: libbox takes at most 64", n);
    for (size_t i = 0; i < n; i++) {
        size_t m = oci_push_index(c, i);
        uint64_t g;

        if ((r = oci_as_u64(c, json_object_array_get_idx(gids, i), UINT32_MAX - 1, &g)) < 0)
            return r;
        groups[i] = (gid_t)g;
        oci_pop(c, m);
    }
    if (n && (r = box_set_groups(box, n, groups)) < 0)
        return oci_fail_box(c, r, box);
    oci_pop(c, mark);
    *uid_out = uid;
    return 0;
}

/* OCI rlimit names for libbox's rlimit limits (the others have no libbox limit). */
static const struct {
    const char *name;
    box_limit_t limit;
} rlimits[] = {
    { "RLIMIT_AS", BOX_LIMIT_AS },         { "RLIMIT_CORE", BOX_LIMIT_CORE },
    { "RLIMIT_CPU", BOX_LIMIT_CPU },       { "RLIMIT_FSIZE", BOX_LIMIT_FSIZE },
    { "RLIMIT_NOFILE", BOX_LIMIT_NOFILE }, { "RLIMIT_NPROC", BOX_LIMIT_NPROC },
    { "RLIMIT_STACK", BOX_LIMIT_STACK },
};

struct rlimit_state {
    box_t *box;
    unsigned int seen; /* bit k: rlimits[k] was listed */
};

static int apply_rlimit(struct oci_ctx *c, struct json_object *e, void *arg)
{
    struct rlimit_state *st = arg;
    const char *type = NULL;
    uint64_t soft = 0, hard = 0;
    size_t k;
    int r;

    if ((r = oci_string(c, e, "type", &type)) < 0 ||
        (r = oci_u64(c, e, "soft", UINT64_MAX, &soft)) < 0 ||
        (r = oci_u64(c, e, "hard", UINT64_MAX, &hard)) < 0)
        return r;
    for (k = 0; type && k < sizeof rlimits / sizeof rlimits[0]; k++)
        if (strcmp(type, rlimits[k].name) == 0)
            break;
    if (!type || k == sizeof rlimits / sizeof rlimits[0])
        return oci_fail(c, EOPNOTSUPP, "rlimit '%s' is not one libbox sets (it sets "
                        "AS, CORE, CPU, FSIZE, NOFILE, NPROC and STACK)", type ? type : "");
    if (st->seen & (1u << k))
        return oci_fail(c, EINVAL, "%s is listed twice", type);
    st->seen |= 1u << k;
    if (soft != hard)
        return oci_fail(c, EOPNOTSUPP, "%s: soft %llu differs from hard %llu; libbox "
                        "sets both to one value", type, (unsigned long long)soft,
                        (unsigned long long)hard);
    if ((r = box_set_limit(st->box, rlimits[k].limit, hard)) < 0)
        return oci_fail_box(c, r, st->box);
    return 0;
}

static int apply_rlimits(struct oci_ctx *c, struct json_object *process, box_t *box)
{
    struct rlimit_state st = { .box = box };

    return oci_each(c, process, "rlimits", json_type_object, apply_rlimit, &st);
}

/* One name of a capability set into the mask (CAP_* numbers), checked by libbox. */
static int add_cap(struct oci_ctx *c, struct json_object *e, void *arg)
{
    uint64_t *set = arg;
    const char *name = json_object_get_string(e);
    int cap;

    if ((cap = box_cap_from_name(name)) < 0 || cap > 63)
        return oci_fail(c, EINVAL, "unknown capability '%s'", name);
    *set |= (uint64_t)1 << cap;
    return 0;
}

/* A capability set as a bit mask (CAP_* numbers), each name checked by libbox. */
static int read_capset(struct oci_ctx *c, struct json_object *caps, const char *key,
                       uint64_t *out)
{
    *out = 0;
    return oci_each(c, caps, key, json_type_string, add_cap, out);
}

/* libbox has one set of kept capabilities: bounding = effective = permitted, and for a
 * non-zero uid inheritable = ambient = the same (so that they survive the exec); for uid 0
 * inheritable and ambient are empty. Configs of exactly that shape are honoured, and for a
 * non-zero uid without ambient capabilities the bounding set alone
 * (BOX_OPT_CAPS_BOUNDING_ONLY). */
static int apply_caps(struct oci_ctx *c, struct json_object *process, box_t *box,
                      uint64_t uid)
{
    static const char *const keys[] = { "bounding", "effective", "permitted", "inheritable",
                                        "ambient" };
    struct json_object *caps = NULL;
    uint64_t set[5];
    size_t mark;
    bool only;
    int r = oci_member(c, process, "capabilities", json_type_object, &caps);

    if (r <= 0)
        return r;
    mark = oci_push(c, "capabilities");
    for (int k = 0; k < 5; k++)
        if ((r = read_capset(c, caps, keys[k], &set[k])) < 0)
            return r;
    /* A non-root process without ambient (and inheritable) capabilities loses the others
     * at its exec: only its bounding set matters (podman's --user), as runc runs it. */
    only = uid != 0 && !set[3] && !set[4] && !((set[1] | set[2]) & ~set[0]);
    if (!only && (set[1] != set[0] || set[2] != set[0]))
        return oci_fail(c, EOPNOTSUPP, "bounding, effective and permitted differ; libbox "
                        "keeps one set of capabilities for all three, or for a uid other "
                        "than 0 only the bounding set");
    for (int k = 3; k < 5 && !only; k++)
        if (uid == 0 ? set[k] != 0 : set[k] != set[0])
            return oci_fail(c, EOPNOTSUPP, "%s: libbox makes it %s for uid %llu", keys[k],
                            uid == 0 ? "empty" : "equal to the bounding set",
                            (unsigned long long)uid);
    if (only && (r = box_set_option(box, BOX_OPT_CAPS_BOUNDING_ONLY, 1)) < 0)
        return oci_fail_box(c, r, box);
    for (int cap = 0; cap < 64; cap++) {
        if (!(set[0] & ((uint64_t)1 << cap)))
            continue;
        if ((r = box_cap_keep(box, box_cap_name(cap))) < 0) {
            oci_push(c, "bounding");
            return oci_fail_box(c, r, box);
        }
    }
    oci_pop(c, mark);
    return 0;
}

static int apply_process(struct oci_ctx *c, struct json_object *process,
                         const struct oci_host *host, box_t *box)
{
    const char *cwd = NULL, *s = NULL;
    uint64_t uid = 0;
    bool nnp = false;
    int r;

    if ((r = oci_string(c, process, "cwd", &cwd)) < 0)
        return r;
    if (!cwd || cwd[0] != '/') {
        oci_push(c, "cwd");
        return oci_fail(c, EINVAL, "must be an absolute path");
    }
    if ((r = box_set_cwd(box, cwd)) < 0) {
        oci_push(c, "cwd");
        return oci_fail_box(c, r, box);
    }
    if ((r = apply_env(c, process, box)) < 0 || (r = apply_user(c, process, box, &uid)) < 0 ||
        (r = apply_rlimits(c, process, box)) < 0 || (r = apply_caps(c, process, box, uid)) < 0 ||
        (r = oci_bool(c, process, "noNewPrivileges", &nnp)) < 0)
        return r;
    /* OCI's default is false: setuid programs work unless the config says otherwise. */
    if ((r = box_set_option(box, BOX_OPT_ALLOW_NEW_PRIVS, !nnp)) < 0)
        return oci_fail_box(c, r, box);
    if ((r = oci_string(c, process, "apparmorProfile", &s)) < 0)
        return r;
    if (s && s[0]) {
        oci_push(c, "apparmorProfile");
        return oci_fail(c, EOPNOTSUPP, host->apparmor ? "libbox cannot apply AppArmor "
                        "profiles yet" : "AppArmor is not available");
    }
    if ((r = oci_string(c, process, "selinuxLabel", &s)) < 0)
        return r;
    if (s && s[0]) {
        oci_push(c, "selinuxLabel");
        return oci_fail(c, EOPNOTSUPP, host->selinux ? "libbox cannot apply SELinux labels "
                        "yet" : "SELinux is not available");
    }
    if ((r = oci_refuse(c, process, "ioPriority", "libbox cannot set an I/O priority yet")) < 0 ||
        (r = oci_refuse(c, process, "scheduler", "libbox cannot set a scheduler yet")) < 0 ||
        (r = oci_refuse(c, process, "execCPUAffinity", "libbox cannot set a CPU affinity "
                        "yet")) < 0 ||
        (r = oci_refuse(c, process, "commandLine", "a Windows field")) < 0)
        return r;
    return 0;
}

/* ---- apply: linux.resources ---- */

/* The device nodes libbox's /dev has (major, minor; -1 any), all read and write. */
static const struct {
    int64_t major, minor;
} default_devices[] = {
    { 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 }, { 1, 9 }, { 5, 0 }, { 5, 2 }, { 136, -1 },
};

/* One linux.resources.devices entry (the path names it). access "" means all. */
struct oci_device_rule {
    bool allow;
    char type;
    int64_t major, minor;
    unsigned int access; /* BOX_DEVICE_* */
};

static int parse_device_rule(struct oci_ctx *c, struct json_object *e, struct oci_device_rule *out)
{
    const char *type = "a", *access = "rwm";
    int r;

    *out = (struct oci_device_rule){ .major = -1, .minor = -1 };
    if (!json_object_is_type(e, json_type_object))
        return oci_fail(c, EINVAL, "must be an object");
    if ((r = oci_bool(c, e, "allow", &out->allow)) < 0 ||
        (r = oci_string(c, e, "type", &type)) < 0 ||
        (r = oci_string(c, e, "access", &access)) < 0 ||
        (r = oci_i64(c, e, "major", -1, UINT32_MAX, &out->major)) < 0 ||
        (r = oci_i64(c, e, "minor", -1, UINT32_MAX, &out->minor)) < 0)
        return r;
    if (strcmp(type, "a") != 0 && strcmp(type, "c") != 0 && strcmp(type, "b") != 0)
        return oci_fail(c, EINVAL, "type '%s' is not a, c or b", type);
    if (strspn(access, "rwm") != strlen(access))
        return oci_fail(c, EINVAL, "access '%s' is not made of r, w and m", access);
    out->type = type[0];
    out->access = (strchr(access, 'r') ? BOX_DEVICE_READ : 0) |
                  (strchr(access, 'w') ? BOX_DEVICE_WRITE : 0) |
                  (strchr(access, 'm') ? BOX_DEVICE_MKNOD : 0);
    if (!out->access)
        out->access = BOX_DEVICE_ALL;
    return 0;
}

/* The rules go to libbox's device cgroup (box_device_rule; it needs root), followed, as
 * runc appends its AllowedDevices, by mknod of any node and the default devices: those
 * stay allowed whatever the rules say (podman sends only "deny all" and counts on it).
 * In a user namespace without 'dev' mounts the kernel already enforces as much: no device
 * node can be made, every mount but libbox's /dev is nodev, so the container can open
 * exactly the default devices; no device cgroup is needed (a rootless runtime could not
 * make one), and the rules are only checked. */
static int apply_device_rules(struct oci_ctx *c, struct json_object *rules, bool user_ns,
                              bool dev_mounts, box_t *box)
{
    size_t n = json_object_array_length(rules);
    bool to_cgroup = !user_ns || dev_mounts;
    int r;

    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        size_t m = oci_push_index(c, i);
        struct oci_device_rule e;

        if ((r = parse_device_rule(c, json_object_array_get_idx(rules, i), &e)) < 0)
            return r;
        if (to_cgroup &&
            (r = box_device_rule(box, e.allow, e.type, e.major, e.minor, e.access)) < 0)
            return oci_fail_box(c, r, box);
        oci_pop(c, m);
    }
    if (to_cgroup && ((r = box_device_rule(box, 1, 'c', -1, -1, BOX_DEVICE_MKNOD)) < 0 ||
                      (r = box_device_rule(box, 1, 'b', -1, -1, BOX_DEVICE_MKNOD)) < 0))
        return oci_fail_box(c, r, box);
    for (size_t d = 0; to_cgroup && d < sizeof default_devices / sizeof default_devices[0]; d++)
        if ((r = box_device_rule(box, 1, 'c', default_devices[d].major, default_devices[d].minor,
                                 BOX_DEVICE_ALL)) < 0)
            return oci_fail_box(c, r, box);
    return 0;
}

static int set_limit(struct oci_ctx *c, box_t *box, box_limit_t limit, uint64_t value)
{
    int r = c->update && !c->dry ? box_update_limit(box, limit, value)
                                 : box_set_limit(box, limit, value);

    return r < 0 ? oci_fail_box(c, r, box) : 0;
}

/* An update cannot lift a limit: -1 ("no limit") of a running container is refused, where
 * a created one simply has none. */
static int no_limit(struct oci_ctx *c, int64_t v)
{
    if (c->update && v < 0)
        return oci_fail(c, EOPNOTSUPP, "%lld (no limit): libbox cannot lift a limit of a "
                        "running container", (long long)v);
    return 0;
}

static int set_cpuset(struct oci_ctx *c, box_t *box, const char *cpus, const char *mems)
{
    int r;

    if (c->update)
        return oci_fail(c, EOPNOTSUPP, "libbox cannot change the cpuset of a running "
                        "container");
    r = box_set_cpuset(box, cpus, mems);
    return r < 0 ? oci_fail_box(c, r, box) : 0;
}

static int apply_memory(struct oci_ctx *c, struct json_object *mem, box_t *box)
{
    int64_t limit = 0, swap = 0;
    size_t mark0 = c->len;
    bool flag = false;
    int r;

    if ((r = oci_i64(c, mem, "limit", -1, INT64_MAX, &limit)) < 0 ||
        (r = oci_i64(c, mem, "swap", -1, INT64_MAX, &swap)) < 0 ||
        (r = oci_refuse(c, mem, "reservation", "libbox has no memory reservation (low "
                        "limit)")) < 0 ||
        (r = oci_refuse(c, mem, "kernel", "kernel memory limits are gone from Linux")) < 0 ||
        (r = oci_refuse(c, mem, "kernelTCP", "libbox has no kernel TCP memory limit")) < 0 ||
        (r = oci_refuse(c, mem, "swappiness", "libbox cannot set swappiness")) < 0 ||
        (r = oci_refuse(c, mem, "disableOOMKiller", "libbox cannot turn the OOM killer "
                        "off")) < 0 ||
        (r = oci_refuse(c, mem, "useHierarchy", "a cgroup v1 setting libbox leaves as it "
                        "is")) < 0 ||
        (r = oci_bool(c, mem, "checkBeforeUpdate", &flag)) < 0)
        return r;
    if (flag && c->update) {
        oci_push(c, "checkBeforeUpdate");
        return oci_fail(c, EOPNOTSUPP, "libbox does not compare the limit with the usage "
                        "(the kernel refuses one it cannot reclaim down to)");
    }
    if (limit < 0 || swap < 0) {
        oci_push(c, limit < 0 ? "limit" : "swap");
        if ((r = no_limit(c, limit < 0 ? limit : swap)) < 0)
            return r;
        oci_pop(c, mark0);
    }
    if (limit > 0) {
        size_t m = oci_push(c, "limit");

        if ((r = set_limit(c, box, BOX_LIMIT_MEMORY, (uint64_t)limit)) < 0)
            return r;
        oci_pop(c, m);
    }
    if (swap > 0) { /* OCI's swap is memory + swap (memsw); libbox's is swap alone */
        size_t m = oci_push(c, "swap");

        if (limit <= 0 || swap < limit)
            return oci_fail(c, EINVAL, "memory+swap %lld needs a memory limit at most as "
                            "large", (long long)swap);
        if ((r = set_limit(c, box, BOX_LIMIT_SWAP, (uint64_t)(swap - limit))) < 0)
            return r;
        oci_pop(c, m);
    }
    return 0;
}

static int apply_cpu(struct oci_ctx *c, struct json_object *cpu, const struct oci_host *host,
                     box_t *box)
{
    const char *cpus = NULL, *mems = NULL;
    uint64_t shares = 0, period = 0, weight;
    int64_t quota = 0;
    int r;

    if ((r = oci_u64(c, cpu, "shares", UINT64_MAX, &shares)) < 0 ||
        (r = oci_i64(c, cpu, "quota", -1, INT64_MAX, &quota)) < 0 ||
        (r = oci_u64(c, cpu, "period", 1000000, &period)) < 0 ||
        (r = oci_string(c, cpu, "cpus", &cpus)) < 0 ||
        (r = oci_string(c, cpu, "mems", &mems)) < 0 ||
        (r = oci_refuse(c, cpu, "realtimeRuntime", "libbox has no real-time cpu limit")) < 0 ||
        (r = oci_refuse(c, cpu, "realtimePeriod", "libbox has no real-time cpu limit")) < 0 ||
        (r = oci_refuse(c, cpu, "idle", "libbox cannot make a cgroup idle")) < 0 ||
        (r = oci_refuse(c, cpu, "burst", "libbox has no cpu burst")) < 0)
        return r;
    /* A period alone changes nothing libbox keeps (its quota is in thousandths of a cpu,
     * written for a 100 ms period): refused where it would be dropped, in an update. */
    if (c->update && period && quota == 0) {
        oci_push(c, "period");
        return oci_fail(c, EOPNOTSUPP, "a period without a quota: libbox keeps the cpu "
                        "limit as a share of a cpu, give the quota with it");
    }
    if (!period)
        period = 100000;
    if (quota < 0) {
        size_t m = oci_push(c, "quota");

        if ((r = no_limit(c, quota)) < 0)
            return r;
        oci_pop(c, m);
    }
    if (shares) {
        size_t m = oci_push(c, "shares");

        if (shares < 2 || shares > 262144)
            return oci_fail(c, ERANGE, "%llu is not in 2..262144", (unsigned long long)shares);
        /* cgroup v1 shares to the weight libbox takes. On a v2 host runc's conversion,
         * as runc writes cpu.weight; where the cpu controller is v1, libbox writes the
         * weight back as weight * 1024 / 100 shares, so the inverse of that, for runc's
         * cpu.shares (1024 stays 1024; 102400, weight 10000, is the most libbox writes). */
        if (host->cgroup_unified)
            weight = 1 + ((shares - 2) * 9999) / 262142;
        else
            weight = (shares * 100 + 512) / 1024;
        weight = weight < 1 ? 1 : weight > 10000 ? 10000 : weight;
        if ((r = set_limit(c, box, BOX_LIMIT_CPU_WEIGHT, weight)) < 0)
            return r;
        oci_pop(c, m);
    }
    if (quota > 0) {
        size_t m = oci_push(c, "quota");

        if (period == 0)
            return oci_fail(c, EINVAL, "the period is 0");
        if ((uint64_t)quota > UINT64_MAX / 1000 || ((uint64_t)quota * 1000) % period)
            return oci_fail(c, EOPNOTSUPP, "quota %lld per period %llu is not a whole number "
                            "of thousandths of a cpu, libbox's unit", (long long)quota,
                            (unsigned long long)period);
        if ((r = set_limit(c, box, BOX_LIMIT_CPU_MILLIS, (uint64_t)quota * 1000 / period)) < 0)
            return r;
        oci_pop(c, m);
    }
    if ((cpus && cpus[0]) || (mems && mems[0])) {
        oci_push(c, cpus && cpus[0] ? "cpus" : "mems");
        return set_cpuset(c, box, cpus && cpus[0] ? cpus : NULL, mems && mems[0] ? mems : NULL);
    }
    return 0;
}

struct throttle_state {
    box_t *box;
    box_io_limit_t kind;
};

static int apply_throttle_device(struct oci_ctx *c, struct json_object *e, void *arg)
{
    struct throttle_state *st = arg;
    uint64_t major = 0, minor = 0, rate = 0;
    char dev[64];
    int r;

    if ((r = oci_u64(c, e, "major", UINT32_MAX, &major)) < 0 ||
        (r = oci_u64(c, e, "minor", UINT32_MAX, &minor)) < 0 ||
        (r = oci_u64(c, e, "rate", UINT64_MAX, &rate)) < 0)
        return r;
    snprintf(dev, sizeof dev, "/dev/block/%llu:%llu", (unsigned long long)major,
             (unsigned long long)minor);
    if (rate && c->update) /* 0: no limit */
        return oci_fail(c, EOPNOTSUPP, "libbox cannot change the io throttling of a "
                        "running container");
    if (rate && (r = box_set_io_limit(st->box, dev, st->kind, rate)) < 0)
        return oci_fail_box(c, r, st->box);
    return 0;
}

static int apply_throttle(struct oci_ctx *c, struct json_object *blkio, const char *key,
                          box_io_limit_t kind, box_t *box)
{
    struct throttle_state st = { .box = box, .kind = kind };

    return oci_each(c, blkio, key, json_type_object, apply_throttle_device, &st);
}

static int apply_blkio(struct oci_ctx *c, struct json_object *blkio, box_t *box)
{
    static const struct {
        const char *key;
        box_io_limit_t kind;
    } throttles[] = {
        { "throttleReadBpsDevice", BOX_IO_READ_BPS },
        { "throttleWriteBpsDevice", BOX_IO_WRITE_BPS },
        { "throttleReadIOPSDevice", BOX_IO_READ_IOPS },
        { "throttleWriteIOPSDevice", BOX_IO_WRITE_IOPS },
    };
    uint64_t weight = 0;
    int r;

    if ((r = oci_u64(c, blkio, "weight", 1000, &weight)) < 0 ||
        (r = oci_refuse(c, blkio, "leafWeight", "libbox has no leaf io weight")) < 0 ||
        (r = oci_refuse(c, blkio, "weightDevice", "libbox has no per-device io weight")) < 0)
        return r;
    if (weight) {
        size_t m = oci_push(c, "weight");

        if (weight < 10)
            return oci_fail(c, ERANGE, "%llu is not in 10..1000", (unsigned long long)weight);
        /* blkio.weight (10..1000) to the io.weight scale (1..10000) libbox takes. */
        if ((r = set_limit(c, box, BOX_LIMIT_IO_WEIGHT, 1 + (weight - 10) * 9999 / 990)) < 0)
            return r;
        oci_pop(c, m);
    }
    for (size_t i = 0; i < sizeof throttles / sizeof throttles[0]; i++)
        if ((r = apply_throttle(c, blkio, throttles[i].key, throttles[i].kind, box)) < 0)
            return r;
    return 0;
}

/* "2MB", "1GB", "64KB" to bytes. */
static int parse_page_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s || v == 0 || v > 1024)
        return -EINVAL;
    if (strcmp(end, "KB") == 0)
        *out = (uint64_t)v << 10;
    else if (strcmp(end, "MB") == 0)
        *out = (uint64_t)v << 20;
    else if (strcmp(end, "GB") == 0)
        *out = (uint64_t)v << 30;
    else
        return -EINVAL;
    return 0;
}

struct hugepage_state {
    const struct oci_host *host;
    box_t *box;
};

static int apply_hugepage(struct oci_ctx *c, struct json_object *e, void *arg)
{
    struct hugepage_state *st = arg;
    const char *size = NULL;
    uint64_t bytes, limit = 0;
    int r;

    if ((r = oci_string(c, e, "pageSize", &size)) < 0 ||
        (r = oci_u64(c, e, "limit", UINT64_MAX, &limit)) < 0)
        return r;
    if (!size || parse_page_size(size, &bytes) < 0)
        return oci_fail(c, EINVAL, "pageSize '%s' is not like 2MB", size ? size : "");
    if (bytes != st->host->hugepage_size)
        return oci_fail(c, EOPNOTSUPP, "pageSize %s: libbox limits only the host's "
                        "default huge page size (%llu kB)", size,
                        (unsigned long long)(st->host->hugepage_size >> 10));
    return set_limit(c, st->box, BOX_LIMIT_HUGETLB, limit);
}

static int apply_hugepages(struct oci_ctx *c, struct json_object *res,
                           const struct oci_host *host, box_t *box)
{
    struct hugepage_state st = { .host = host, .box = box };

    return oci_each(c, res, "hugepageLimits", json_type_object, apply_hugepage, &st);
}

/* linux.resources.unified: the cgroup v2 files that are libbox limits. */
static int apply_unified(struct oci_ctx *c, struct json_object *res,
                         const struct oci_host *host, box_t *box)
{
    struct json_object *u = NULL;
    size_t mark;
    int r = oci_member(c, res, "unified", json_type_object, &u);

    if (r <= 0 || json_object_object_length(u) == 0)
        return r;
    mark = oci_push(c, "unified");
    if (!host->cgroup_unified)
        return oci_fail(c, EOPNOTSUPP, "this host is not a cgroup v2 host");
    json_object_object_foreach(u, key, val) {
        size_t m = oci_push(c, key);
        const char *s;
        unsigned long long a, b;
        char tail;

        if ((r = oci_as_string(c, val, &s)) < 0)
            return r;
        if (strcmp(key, "cpuset.cpus") == 0 || strcmp(key, "cpuset.mems") == 0) {
            bool cpus = key[7] == 'c';

            if ((r = set_cpuset(c, box, cpus ? s : NULL, cpus ? NULL : s)) < 0)
                return r;
        } else if (strcmp(key, "cpu.max") == 0) {
            if (sscanf(s, "max %llu%c", &b, &tail) == 1)
                r = no_limit(c, -1);
            else if (sscanf(s, "%llu %llu%c", &a, &b, &tail) == 2 && b && a <= UINT64_MAX / 1000 &&
                     (a * 1000) % b == 0)
                r = set_limit(c, box, BOX_LIMIT_CPU_MILLIS, a * 1000 / b);
            else
                return oci_fail(c, EINVAL, "'%s' is not 'QUOTA PERIOD' in whole thousandths "
                                "of a cpu", s);
        } else {
            static const struct {
                const char *key;
                box_limit_t limit;
            } files[] = {
                { "memory.max", BOX_LIMIT_MEMORY }, { "memory.high", BOX_LIMIT_MEMORY_HIGH },
                { "memory.swap.max", BOX_LIMIT_SWAP }, { "pids.max", BOX_LIMIT_PIDS },
                { "cpu.weight", BOX_LIMIT_CPU_WEIGHT }, { "io.weight", BOX_LIMIT_IO_WEIGHT },
            };
            size_t k;

            for (k = 0; k < sizeof files / sizeof files[0]; k++)
                if (strcmp(key, files[k].key) == 0)
                    break;
            if (k == sizeof files / sizeof files[0])
                return oci_fail(c, EOPNOTSUPP, "libbox does not set this cgroup file");
            if (strcmp(s, "max") == 0)
                r = no_limit(c, -1);
            else if (sscanf(s, strcmp(key, "io.weight") == 0 ? "default %llu%c" : "%llu%c",
                            &a, &tail) == 1)
                r = set_limit(c, box, files[k].limit, a);
            else
                return oci_fail(c, EINVAL, "'%s' is not a number", s);
        }
        if (r < 0)
            return r;
        oci_pop(c, m);
    }
    oci_pop(c, mark);
    return 0;
}

static bool has_dev_mounts(struct json_object *doc)
{
    struct json_object *mounts = NULL;

    if (!json_object_object_get_ex(doc, "mounts", &mounts) ||
        !json_object_is_type(mounts, json_type_array))
        return false;
    for (size_t i = 0; i < json_object_array_length(mounts); i++) {
        struct json_object *opts = NULL, *m = json_object_array_get_idx(mounts, i);

        if (!json_object_is_type(m, json_type_object) ||
            !json_object_object_get_ex(m, "options", &opts) ||
            !json_object_is_type(opts, json_type_array))
            continue;
        for (size_t k = 0; k < json_object_array_length(opts); k++) {
            const char *o = json_object_get_string(json_object_array_get_idx(opts, k));

            if (o && (strcmp(o, "dev") == 0 || strcmp(o, "rdev") == 0))
                return true;
        }
    }
    return false;
}

static int apply_resources(struct oci_ctx *c, const struct oci_config *cfg,
                           struct json_object *res, const struct oci_host *host, box_t *box)
{
    struct json_object *mem = NULL, *cpu = NULL, *pids = NULL, *blkio = NULL, *dev = NULL;
    size_t mark;
    int64_t limit = 0;
    int r;

    if ((r = oci_member(c, res, "devices", json_type_array, &dev)) < 0)
        return r;
    /* An update leaves the device rules as they are (as runc's does). */
    if (dev && !c->update) {
        mark = oci_push(c, "devices");
        if ((r = apply_device_rules(c, dev, cfg->user_ns, has_dev_mounts(cfg->json), box)) < 0)
            return r;
        oci_pop(c, mark);
    }
    if ((r = oci_member(c, res, "memory", json_type_object, &mem)) < 0)
        return r;
    mark = oci_push(c, "memory");
    if (mem && (r = apply_memory(c, mem, box)) < 0)
        return r;
    oci_pop(c, mark);
    if ((r = oci_member(c, res, "cpu", json_type_object, &cpu)) < 0)
        return r;
    mark = oci_push(c, "cpu");
    if (cpu && (r = apply_cpu(c, cpu, host, box)) < 0)
        return r;
    oci_pop(c, mark);
    if ((r = oci_member(c, res, "pids", json_type_object, &pids)) < 0)
        return r;
    mark = oci_push(c, "pids");
    if ((r = oci_i64(c, pids, "limit", INT64_MIN, INT64_MAX, &limit)) < 0)
        return r;
    if (limit < 0) {
        size_t m = oci_push(c, "limit");

        if ((r = no_limit(c, limit)) < 0)
            return r;
        oci_pop(c, m);
    }
    if (limit > 0) { /* 0 and -1: no limit (in an update 0 leaves it as it is) */
        oci_push(c, "limit");
        if ((r = set_limit(c, box, BOX_LIMIT_PIDS, (uint64_t)limit)) < 0)
            return r;
    }
    oci_pop(c, mark);
    if ((r = oci_member(c, res, "blockIO", json_type_object, &blkio)) < 0)
        return r;
    mark = oci_push(c, "blockIO");
    if (blkio && (r = apply_blkio(c, blkio, box)) < 0)
        return r;
    oci_pop(c, mark);
    if ((r = apply_hugepages(c, res, host, box)) < 0 ||
        (r = apply_unified(c, res, host, box)) < 0 ||
        (r = oci_refuse(c, res, "network", "libbox has no network classes or "
                        "priorities")) < 0 ||
        (r = oci_refuse(c, res, "rdma", "libbox has no rdma limits")) < 0)
        return r;
    return 0;
}

int oci_resources_update(const char *text, size_t len, const struct oci_host *host,
                         box_t *box, char *err)
{
    struct oci_ctx ctx = { .err = err, .doc = "resources", .update = true };
    struct oci_config none = { 0 }; /* only its device rules would need the config */
    struct json_object *res;
    box_t *scratch = NULL;
    int r;

    err[0] = '\0';
    if (!text || !host || !box) {
        snprintf(err, OCI_ERR_MAX, "resources: no document");
        return -EINVAL;
    }
    if (len > OCI_CONFIG_MAX_BYTES) {
        snprintf(err, OCI_ERR_MAX, "resources: %zu bytes, more than the %u boxoci reads", len,
                 OCI_CONFIG_MAX_BYTES);
        return -E2BIG;
    }
    if ((r = scan_integers(text, len, "resources", err)) < 0 ||
        (r = parse_json(text, len, "resources", &res, err)) < 0)
        return r;
    /* First a dry pass on a scratch box, so that a value refused anywhere in the document
     * changes nothing; then the limits one by one (only the kernel may still refuse one). */
    ctx.dry = true;
    if ((r = box_new(&scratch, 0)) < 0)
        snprintf(err, OCI_ERR_MAX, "resources: box_new: %s", strerror(-r));
    else if ((r = apply_resources(&ctx, &none, res, host, scratch)) == 0) {
        ctx.dry = false;
        r = apply_resources(&ctx, &none, res, host, box);
    }
    box_free(scratch);
    json_object_put(res);
    return r;
}

/* ---- apply: the rest of linux ---- */

static int apply_cgroups_path(struct oci_ctx *c, struct json_object *lx,
                              const struct oci_host *host, box_t *box)
{
    const char *path = NULL;
    char *dir;
    int r = oci_string(c, lx, "cgroupsPath", &path);

    if (r <= 0 || !path[0])
        return r;
    oci_push(c, "cgroupsPath");
    if (strchr(path, ':'))
        return oci_fail(c, EOPNOTSUPP, "'%s' is a systemd slice path: boxoci has no systemd "
                        "cgroup driver (--systemd-cgroup)", path);
    if (path[0] != '/')
        return oci_fail(c, EOPNOTSUPP, "'%s': a relative cgroup path is not supported", path);
    /* The container's cgroup is made below this directory (box_set_cgroup_parent), given
     * as a hierarchy path on v1 and hybrid hosts, and as a directory on v2 hosts. */
    if (!host->cgroup_unified)
        dir = strdup(path);
    else if (asprintf(&dir, "/sys/fs/cgroup%s", path) < 0)
        dir = NULL;
    if (!dir)
        return oci_fail(c, ENOMEM, "out of memory");
    r = box_set_cgroup_parent(box, dir);
    free(dir);
    return r < 0 ? oci_fail_box(c, r, box) : 0;
}

static int apply_time_offsets(struct oci_ctx *c, struct json_object *lx, box_t *box,
                              unsigned int ns)
{
    static const struct {
        const char *key;
        int clock;
    } clocks[] = { { "monotonic", BOX_CLOCK_MONOTONIC }, { "boottime", BOX_CLOCK_BOOTTIME } };
    struct json_object *t = NULL;
    size_t mark;
    int r = oci_member(c, lx, "timeOffsets", json_type_object, &t);

    if (r <= 0 || json_object_object_length(t) == 0)
        return r;
    mark = oci_push(c, "timeOffsets");
    if (!(ns & BOX_NS_TIME))
        return oci_fail(c, EINVAL, "clock offsets need a time namespace");
    json_object_object_foreach(t, key, val) {
        size_t m = oci_push(c, key), k;
        int64_t secs = 0;
        uint64_t nsecs = 0;

        for (k = 0; k < 2; k++)
            if (strcmp(key, clocks[k].key) == 0)
                break;
        if (k == 2)
            return oci_fail(c, EINVAL, "unknown clock (monotonic or boottime)");
        if (!json_object_is_type(val, json_type_object))
            return oci_fail(c, EINVAL, "must be an object");
        if ((r = oci_i64(c, val, "secs", INT64_MIN, INT64_MAX, &secs)) < 0 ||
            (r = oci_u64(c, val, "nanosecs", 999999999, &nsecs)) < 0)
            return r;
        if (nsecs)
            return oci_fail(c, EOPNOTSUPP, "nanosecs: libbox sets whole seconds");
        if ((r = box_set_time_offset(box, clocks[k].clock, secs)) < 0)
            return oci_fail_box(c, r, box);
        oci_pop(c, m);
    }
    oci_pop(c, mark);
    return 0;
}

static int apply_personality(struct oci_ctx *c, struct json_object *lx)
{
    struct json_object *p = NULL;
    const char *domain = NULL;
    size_t mark;
    int r = oci_member(c, lx, "personality", json_type_object, &p);

    if (r <= 0)
        return r;
    mark = oci_push(c, "personality");
    if ((r = oci_string(c, p, "domain", &domain)) < 0 ||
        (r = oci_refuse(c, p, "flags", "libbox cannot set personality flags")) < 0)
        return r;
    if (domain && strcmp(domain, "LINUX") != 0) {
        oci_push(c, "domain");
        return oci_fail(c, EOPNOTSUPP, "'%s': libbox runs programs with the host's LINUX "
                        "personality", domain);
    }
    oci_pop(c, mark);
    return 0;
}

static int apply_annotations(struct oci_ctx *c, struct json_object *doc)
{
    struct json_object *a = NULL;
    int r = oci_member(c, doc, "annotations", json_type_object, &a);

    if (r <= 0)
        return r;
    json_object_object_foreach(a, key, val) {
        size_t m = oci_push(c, "annotations");
        const char *s;

        oci_push(c, key);
        if ((r = oci_as_string(c, val, &s)) < 0)
            return r;
        oci_pop(c, m);
    }
    return 0;
}

/* linux.devices: made with box_mknod where the container has no user namespace; in one,
 * where the kernel refuses device nodes, the host's node at the same path is bound (as
 * runc does rootless). Either way the node lands in libbox's /dev or wherever path says.
 * When linux.resources.devices went to the device cgroup (no user namespace), each device
 * is allowed after those rules, as runc allows them: listing a device means using it. */
struct device_state {
    box_t *box;
    bool user_ns, cgroup_rules;
};

static int apply_device(struct oci_ctx *c, struct json_object *e, void *arg)
{
    struct device_state *st = arg;
    box_t *box = st->box;
    const char *path = NULL, *type = NULL;
    int64_t major = 0, minor = 0, mode = 0666, uid = 0, gid = 0;
    int r;

    if ((r = oci_string(c, e, "path", &path)) < 0 || (r = oci_string(c, e, "type", &type)) < 0 ||
        (r = oci_i64(c, e, "major", 0, 0xfff, &major)) < 0 ||
        (r = oci_i64(c, e, "minor", 0, 0xfffff, &minor)) < 0 ||
        (r = oci_i64(c, e, "fileMode", 0, 07777, &mode)) < 0 ||
        (r = oci_i64(c, e, "uid", 0, UINT32_MAX, &uid)) < 0 ||
        (r = oci_i64(c, e, "gid", 0, UINT32_MAX, &gid)) < 0)
        return r;
    if (!path || !type)
        return oci_fail(c, EINVAL, "path and type are required");
    if (strcmp(type, "c") && strcmp(type, "u") && strcmp(type, "b") && strcmp(type, "p"))
        return oci_fail(c, EINVAL, "type '%s': not c, u, b or p", type);
    if (type[0] == 'p') { /* a fifo: made, in a user namespace too; no device rule */
        if ((r = box_mknod(box, path, S_IFIFO | (mode_t)mode, 0, 0, (uid_t)uid,
                           (gid_t)gid)) < 0)
            return oci_fail_box(c, r, box);
        return 0;
    }
    if (st->user_ns)
        r = box_mount(box, BOX_MOUNT_BIND, path, path, BOX_MOUNT_DEVICES);
    else
        r = box_mknod(box, path, (type[0] == 'b' ? S_IFBLK : S_IFCHR) | (mode_t)mode,
                      (unsigned)major, (unsigned)minor, (uid_t)uid, (gid_t)gid);
    if (r == 0 && st->cgroup_rules)
        r = box_device_rule(box, 1, type[0] == 'b' ? 'b' : 'c', major, minor,
                            BOX_DEVICE_ALL);
    if (r < 0)
        return oci_fail_box(c, r, box);
    return 0;
}

static int apply_devices(struct oci_ctx *c, struct json_object *lx, bool user_ns, box_t *box)
{
    struct json_object *res, *rules;
    struct device_state st = {
        .box = box,
        .user_ns = user_ns,
        .cgroup_rules = !user_ns && json_object_object_get_ex(lx, "resources", &res) &&
                        json_object_object_get_ex(res, "devices", &rules) &&
                        json_object_is_type(rules, json_type_array) &&
                        json_object_array_length(rules) > 0,
    };

    return oci_each(c, lx, "devices", json_type_object, apply_device, &st);
}

/* hooks: checked whole here (oci-hooks.c); boxoci.c runs them (prestart, createRuntime,
 * poststart, poststop) or gives them to the box (createContainer, startContainer). */
static int apply_hooks(struct oci_ctx *c, struct json_object *doc)
{
    return oci_hooks_check(doc, c->err);
}

/* linux.sysctl: each name to box_set_sysctl, which refuses the host's own settings. */
static int apply_sysctl(struct oci_ctx *c, struct json_object *lx, box_t *box)
{
    struct json_object *sysctl = NULL;
    size_t mark;
    int r = oci_member(c, lx, "sysctl", json_type_object, &sysctl);

    if (r <= 0)
        return r;
    mark = oci_push(c, "sysctl");
    json_object_object_foreach(sysctl, key, val) {
        size_t m = oci_push(c, key);
        const char *s;

        if ((r = oci_as_string(c, val, &s)) < 0)
            return r;
        if ((r = box_set_sysctl(box, key, s)) < 0)
            return oci_fail_box(c, r, box);
        oci_pop(c, m);
    }
    oci_pop(c, mark);
    return 0;
}

static int apply_linux(struct oci_ctx *c, const struct oci_config *cfg,
                       struct json_object *lx, const struct oci_host *host, box_t *box,
                       unsigned int ns)
{
    struct json_object *res = NULL, *seccomp = NULL;
    int r;

    if ((r = oci_member(c, lx, "resources", json_type_object, &res)) < 0)
        return r;
    if (res) {
        size_t mark = oci_push(c, "resources");

        if ((r = apply_resources(c, cfg, res, host, box)) < 0)
            return r;
        oci_pop(c, mark);
    }
    if ((r = apply_devices(c, lx, cfg->user_ns, box)) < 0)
        return r;
    if ((r = apply_cgroups_path(c, lx, host, box)) < 0 ||
        (r = apply_sysctl(c, lx, box)) < 0 ||
        (r = oci_member(c, lx, "seccomp", json_type_object, &seccomp)) < 0)
        return r;
    if ((r = box_seccomp_default(box, 0)) < 0) /* a container has only config's filter */
        return oci_fail_box(c, r, box);
    if (seccomp) {
        size_t mark = oci_push(c, "seccomp");

        if ((r = oci_seccomp_apply(c, seccomp, box)) < 0)
            return r;
        oci_pop(c, mark);
        /* The runtime's, not the config's: a cache it cannot use (made by another user)
         * only costs the compile. */
        if (host->seccomp_cache_dir)
            box_seccomp_cache_dir(box, host->seccomp_cache_dir);
    }
    if ((r = apply_personality(c, lx)) < 0 || (r = apply_time_offsets(c, lx, box, ns)) < 0 ||
        (r = oci_refuse(c, lx, "intelRdt", "libbox has no Intel RDT support")) < 0 ||
        (r = oci_refuse(c, lx, "mountLabel", "SELinux mount labels are not supported")) < 0 ||
        (r = oci_refuse(c, lx, "netDevices", "libbox cannot move network devices yet")) < 0 ||
        (r = oci_refuse(c, lx, "memoryPolicy", "libbox cannot set a memory policy")) < 0)
        return r;
    return 0;
}

int oci_config_apply(const struct oci_config *cfg, const struct oci_host *host, box_t *box,
                     char *err)
{
    struct oci_ctx ctx = { .err = err }, *c = &ctx;
    struct json_object *doc = cfg->json, *lx = NULL, *process = NULL;
    const char *hostname = NULL, *domainname = NULL;
    unsigned int ns = 0;
    size_t mark;
    int r;

    err[0] = '\0';
    if ((r = oci_member(c, doc, "linux", json_type_object, &lx)) < 0)
        return r;
    if (!lx)
        return oci_fail(c, EINVAL, "linux: missing: boxoci runs Linux containers");
    mark = oci_push(c, "linux");
    if ((r = apply_namespaces(c, lx, box, &ns)) < 0 || (r = apply_idmaps(c, lx, box, ns)) < 0)
        return r;
    oci_pop(c, mark);
    if ((r = apply_fs(c, cfg, host, lx, box, ns)) < 0)
        return r;
    if ((r = oci_member(c, doc, "process", json_type_object, &process)) < 0)
        return r;
    if (process) {
        mark = oci_push(c, "process");
        if ((r = apply_process(c, process, host, box)) < 0)
            return r;
        oci_pop(c, mark);
    }
    if ((r = oci_string(c, doc, "hostname", &hostname)) < 0)
        return r;
    if (hostname && hostname[0]) {
        oci_push(c, "hostname");
        if (!(ns & BOX_NS_UTS))
            return oci_fail(c, EINVAL, "a hostname needs a uts namespace");
        if ((r = box_set_hostname(box, hostname)) < 0)
            return oci_fail_box(c, r, box);
        oci_pop(c, 0); /* the path was empty before */
    }
    if ((r = oci_string(c, doc, "domainname", &domainname)) < 0)
        return r;
    if (domainname && domainname[0]) {
        oci_push(c, "domainname");
        if (!(ns & BOX_NS_UTS))
            return oci_fail(c, EINVAL, "a domain name needs a uts namespace");
        if ((r = box_set_sysctl(box, "kernel.domainname", domainname)) < 0)
            return oci_fail_box(c, r, box);
        oci_pop(c, 0);
    }
    mark = oci_push(c, "linux");
    if ((r = apply_linux(c, cfg, lx, host, box, ns)) < 0)
        return r;
    oci_pop(c, mark);
    if ((r = apply_hooks(c, doc)) < 0 || (r = apply_annotations(c, doc)) < 0 ||
        (r = oci_refuse(c, doc, "solaris", "not a Linux field")) < 0 ||
        (r = oci_refuse(c, doc, "windows", "not a Linux field")) < 0 ||
        (r = oci_refuse(c, doc, "vm", "boxoci runs containers, not virtual machines")) < 0 ||
        (r = oci_refuse(c, doc, "zos", "not a Linux field")) < 0)
        return r;
    return 0;
}

/* ---- features ---- */

struct json_object *oci_features(void)
{
    struct json_object *f = json_object_new_object(), *lx = json_object_new_object(), *a, *o;

    json_object_object_add(f, "ociVersionMin", json_object_new_string("1.0.0"));
    json_object_object_add(f, "ociVersionMax", json_object_new_string("1.1.0"));
    a = json_object_new_array();
    json_object_array_add(a, json_object_new_string("prestart"));
    json_object_array_add(a, json_object_new_string("createRuntime"));
    json_object_array_add(a, json_object_new_string("createContainer"));
    json_object_array_add(a, json_object_new_string("startContainer"));
    json_object_array_add(a, json_object_new_string("poststart"));
    json_object_array_add(a, json_object_new_string("poststop"));
    json_object_object_add(f, "hooks", a);
    a = json_object_new_array();
    for (size_t i = 0; i < sizeof mount_options / sizeof mount_options[0]; i++)
        if (mount_options[i].what != OPT_PROPAGATION && mount_options[i].what != OPT_SUID)
            json_object_array_add(a, json_object_new_string(mount_options[i].name));
    json_object_object_add(f, "mountOptions", a);
    a = json_object_new_array();
    for (size_t i = 0; i < sizeof ns_types / sizeof ns_types[0]; i++)
        json_object_array_add(a, json_object_new_string(ns_types[i].name));
    json_object_object_add(lx, "namespaces", a);
    a = json_object_new_array();
    for (int cap = 0; cap < 64; cap++)
        if (box_cap_name(cap))
            json_object_array_add(a, json_object_new_string(box_cap_name(cap)));
    json_object_object_add(lx, "capabilities", a);
    o = json_object_new_object();
    json_object_object_add(o, "v1", json_object_new_boolean(1));
    json_object_object_add(o, "v2", json_object_new_boolean(1));
    json_object_object_add(o, "systemd", json_object_new_boolean(0));
    json_object_object_add(o, "systemdUser", json_object_new_boolean(0));
    json_object_object_add(o, "rdma", json_object_new_boolean(0));
    json_object_object_add(lx, "cgroup", o);
    json_object_object_add(lx, "seccomp", oci_seccomp_features());
    for (int i = 0; i < 3; i++) {
        o = json_object_new_object();
        json_object_object_add(o, "enabled", json_object_new_boolean(0));
        json_object_object_add(lx, (const char *[]){ "apparmor", "selinux", "intelRdt" }[i], o);
    }
    json_object_object_add(f, "linux", lx);
    o = json_object_new_object();
    json_object_object_add(o, "io.github.libbox.version", json_object_new_string(box_version()));
    json_object_object_add(f, "annotations", o);
    return f;
}
