/* boxoci: linux.seccomp (the OCI profile: libseccomp's vocabulary in JSON) to libbox's
 * seccomp rules.
 *
 * libbox compiles the filter for every ABI of the host, so `architectures` is checked for
 * known names and otherwise needs nothing. Names this libseccomp does not know are skipped,
 * as runc and crun skip them: profiles list calls of newer kernels. A rule whose arguments
 * name one index more than once becomes one rule per comparison (they add up), which is
 * what runc does with such profiles. */
#include <errno.h>
#include <seccomp.h>
#include <string.h>

#include "oci-config.h"
#include "oci-json.h"

/* Far more than any real profile (podman's has 437 names), and few enough that a hostile
 * config cannot make rule bookkeeping or the filter's compilation take long. */
#define MAX_RULES 8192

static const char *const arches[] = {
    "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
};

static const struct {
    const char *name;
    int op;
} ops[] = {
    { "SCMP_CMP_NE", BOX_SECCOMP_CMP_NE }, { "SCMP_CMP_LT", BOX_SECCOMP_CMP_LT },
    { "SCMP_CMP_LE", BOX_SECCOMP_CMP_LE }, { "SCMP_CMP_EQ", BOX_SECCOMP_CMP_EQ },
    { "SCMP_CMP_GE", BOX_SECCOMP_CMP_GE }, { "SCMP_CMP_GT", BOX_SECCOMP_CMP_GT },
    { "SCMP_CMP_MASKED_EQ", BOX_SECCOMP_CMP_MASKED_EQ },
};

/* Action names to BOX_SECCOMP_*; the kill actions all kill the whole process (libbox
 * has no thread-only kill), see boxoci(8). */
static const struct {
    const char *name;
    int action;
    const char *refused;
} actions[] = {
    { "SCMP_ACT_ALLOW", BOX_SECCOMP_ALLOW, NULL },
    { "SCMP_ACT_ERRNO", BOX_SECCOMP_ERRNO, NULL },
    { "SCMP_ACT_KILL", BOX_SECCOMP_KILL, NULL },
    { "SCMP_ACT_KILL_THREAD", BOX_SECCOMP_KILL, NULL },
    { "SCMP_ACT_KILL_PROCESS", BOX_SECCOMP_KILL, NULL },
    { "SCMP_ACT_LOG", BOX_SECCOMP_LOG, NULL },
    { "SCMP_ACT_TRAP", 0, "libbox has no SIGSYS-trap action" },
    { "SCMP_ACT_TRACE", 0, "libbox has no ptrace action" },
    { "SCMP_ACT_NOTIFY", 0, "boxoci does not hand a listener to listenerPath yet" },
};

static const char *const flags[] = {
    "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};
/* TSYNC: the filter is installed while the box's process has one thread. */
static const char *const flags_honoured[] = { "SECCOMP_FILTER_FLAG_TSYNC" };

static int action(struct oci_ctx *c, struct json_object *obj, const char *key, int *out)
{
    const char *name = NULL;
    size_t mark;
    int r = oci_string(c, obj, key, &name);

    if (r < 0)
        return r;
    mark = oci_push(c, key);
    if (!name)
        return oci_fail(c, EINVAL, "missing");
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        if (strcmp(name, actions[i].name) != 0)
            continue;
        if (actions[i].refused)
            return oci_fail(c, EOPNOTSUPP, "%s: %s", name, actions[i].refused);
        *out = actions[i].action;
        oci_pop(c, mark);
        return 0;
    }
    return oci_fail(c, EINVAL, "unknown action '%s'", name);
}

static int check_names(struct oci_ctx *c, struct json_object *sec, const char *key,
                       const char *const *known, size_t n_known, const char *const *ignored,
                       size_t n_ignored)
{
    struct json_object *list = NULL;
    size_t mark;
    int r = oci_member(c, sec, key, json_type_array, &list);

    if (r <= 0)
        return r;
    mark = oci_push(c, key);
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        size_t m = oci_push_index(c, i), k;
        const char *s;
        bool ok = false;

        if ((r = oci_as_string(c, json_object_array_get_idx(list, i), &s)) < 0)
            return r;
        for (k = 0; k < n_known && !ok; k++)
            ok = strcmp(s, known[k]) == 0;
        if (!ok)
            return oci_fail(c, EOPNOTSUPP, "'%s' is not supported", s);
        for (k = 0; k < n_ignored; k++)
            if (strcmp(s, ignored[k]) == 0)
                break;
        if (k == n_ignored && n_ignored)
            return oci_fail(c, EOPNOTSUPP, "'%s': libbox cannot set this filter flag", s);
        oci_pop(c, m);
    }
    oci_pop(c, mark);
    return 0;
}

static int read_args(struct oci_ctx *c, struct json_object *rule, box_seccomp_arg_t *args,
                     size_t *n_out, bool *split)
{
    struct json_object *list = NULL;
    unsigned int seen = 0;
    size_t mark, n;
    int r = oci_member(c, rule, "args", json_type_array, &list);

    *n_out = 0;
    *split = false;
    if (r <= 0)
        return r;
    mark = oci_push(c, "args");
    n = json_object_array_length(list);
    if (n > BOX_SECCOMP_MAX_ARGS)
        return oci_fail(c, E2BIG, "%zu comparisons: at most %d", n, BOX_SECCOMP_MAX_ARGS);
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(list, i);
        size_t m = oci_push_index(c, i), k;
        uint64_t index = 0, value = 0, value2 = 0;
        const char *op = NULL;

        if (!json_object_is_type(e, json_type_object))
            return oci_fail(c, EINVAL, "must be an object");
        if ((r = oci_u64(c, e, "index", BOX_SECCOMP_MAX_ARGS - 1, &index)) < 0 ||
            (r = oci_u64(c, e, "value", UINT64_MAX, &value)) < 0 ||
            (r = oci_u64(c, e, "valueTwo", UINT64_MAX, &value2)) < 0 ||
            (r = oci_string(c, e, "op", &op)) < 0)
            return r;
        for (k = 0; op && k < sizeof ops / sizeof ops[0]; k++)
            if (strcmp(op, ops[k].name) == 0)
                break;
        if (!op || k == sizeof ops / sizeof ops[0])
            return oci_fail(c, EINVAL, "unknown op '%s'", op ? op : "");
        if (seen & (1u << index))
            *split = true;
        seen |= 1u << index;
        /* libseccomp's MASKED_EQ is (arg & value) == valueTwo; libbox's takes the mask
         * apart. Other comparisons ignore valueTwo, as libseccomp does. */
        args[i] = (box_seccomp_arg_t){
            .index = (unsigned)index, .op = ops[k].op,
            .value = ops[k].op == BOX_SECCOMP_CMP_MASKED_EQ ? value2 : value,
            .mask = ops[k].op == BOX_SECCOMP_CMP_MASKED_EQ ? value : 0,
        };
        oci_pop(c, m);
    }
    oci_pop(c, mark);
    *n_out = n;
    return 0;
}

static int add_rule(struct oci_ctx *c, box_t *box, const char *name, int act, int err,
                    size_t n, const box_seccomp_arg_t *args)
{
    int r = box_seccomp_rule_args(box, name, act, err, n, args);

    /* A name unknown to this libseccomp: skipped (resolved only on this rare path). */
    if (r == -EINVAL && seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR)
        return 0;
    return r < 0 ? oci_fail_box(c, r, box) : 0;
}

static int apply_rule(struct oci_ctx *c, struct json_object *rule, box_t *box, size_t *added)
{
    box_seccomp_arg_t args[BOX_SECCOMP_MAX_ARGS];
    struct json_object *names = NULL;
    uint64_t errno_ret = EPERM;
    size_t n_args, mark;
    bool split;
    int act, r;

    if (!json_object_is_type(rule, json_type_object))
        return oci_fail(c, EINVAL, "must be an object");
    if ((r = action(c, rule, "action", &act)) < 0 ||
        (r = oci_u64(c, rule, "errnoRet", 4095, &errno_ret)) < 0 ||
        (r = read_args(c, rule, args, &n_args, &split)) < 0 ||
        (r = oci_member(c, rule, "names", json_type_array, &names)) < 0)
        return r;
    mark = oci_push(c, "names");
    if (!names || json_object_array_length(names) == 0)
        return oci_fail(c, EINVAL, "a rule needs at least one name");
    for (size_t i = 0; i < json_object_array_length(names); i++) {
        size_t m = oci_push_index(c, i);
        int e = act == BOX_SECCOMP_ERRNO ? (int)errno_ret : 0;
        const char *name;

        if ((r = oci_as_string(c, json_object_array_get_idx(names, i), &name)) < 0)
            return r;
        *added += split ? n_args : 1;
        if (*added > MAX_RULES)
            return oci_fail(c, E2BIG, "more than %d rules", MAX_RULES);
        if (!split)
            r = add_rule(c, box, name, act, e, n_args, args);
        for (size_t k = 0; split && k < n_args && r >= 0; k++)
            r = add_rule(c, box, name, act, e, 1, &args[k]);
        if (r < 0)
            return r;
        oci_pop(c, m);
    }
    oci_pop(c, mark);
    return 0;
}

int oci_seccomp_apply(struct oci_ctx *c, struct json_object *sec, box_t *box)
{
    struct json_object *rules = NULL;
    uint64_t def_errno = EPERM;
    size_t mark, added = 0;
    int def, r;

    if ((r = action(c, sec, "defaultAction", &def)) < 0 ||
        (r = oci_u64(c, sec, "defaultErrnoRet", 4095, &def_errno)) < 0 ||
        (r = check_names(c, sec, "architectures", arches, sizeof arches / sizeof arches[0],
                         NULL, 0)) < 0 ||
        (r = check_names(c, sec, "flags", flags, sizeof flags / sizeof flags[0],
                         flags_honoured, 1)) < 0 ||
        (r = oci_refuse(c, sec, "listenerPath", "boxoci does not hand a listener to "
                        "listenerPath yet")) < 0 ||
        (r = oci_member(c, sec, "syscalls", json_type_array, &rules)) < 0)
        return r;
    r = box_seccomp_default_action(box, def, def == BOX_SECCOMP_ERRNO ? (int)def_errno : 0);
    if (r < 0) {
        oci_push(c, "defaultAction");
        return oci_fail_box(c, r, box);
    }
    mark = oci_push(c, "syscalls");
    for (size_t i = 0; rules && i < json_object_array_length(rules); i++) {
        size_t m = oci_push_index(c, i);

        if ((r = apply_rule(c, json_object_array_get_idx(rules, i), box, &added)) < 0)
            return r;
        oci_pop(c, m);
    }
    oci_pop(c, mark);
    return 0;
}

static struct json_object *names(const char *const *list, size_t n)
{
    struct json_object *a = json_object_new_array();

    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_string(list[i]));
    return a;
}

struct json_object *oci_seccomp_features(void)
{
    struct json_object *o = json_object_new_object(), *a = json_object_new_array();

    json_object_object_add(o, "enabled", json_object_new_boolean(1));
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (!actions[i].refused)
            json_object_array_add(a, json_object_new_string(actions[i].name));
    json_object_object_add(o, "actions", a);
    a = json_object_new_array();
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        json_object_array_add(a, json_object_new_string(ops[i].name));
    json_object_object_add(o, "operators", a);
    json_object_object_add(o, "archs", names(arches, sizeof arches / sizeof arches[0]));
    json_object_object_add(o, "knownFlags", names(flags, sizeof flags / sizeof flags[0]));
    json_object_object_add(o, "supportedFlags",
                           names(flags_honoured, sizeof flags_honoured / sizeof flags_honoured[0]));
    return o;
}
