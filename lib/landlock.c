/* Landlock: restrict which paths in the box the program may read, write or execute.
 *
 * Once box_landlock_path() was called, the program may touch the file system only below
 * the listed paths, with the listed access. The parent validates paths (inside the box,
 * normalised) and computes the access masks for the kernel's Landlock ABI; the child opens
 * the paths with O_PATH after pivot_root and builds the ruleset with raw system calls, after
 * no_new_privs (which Landlock needs) and before the seccomp filter. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/landlock.h>

#include "box-private.h"
#include "child.h"
#include "sys.h"

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#define LL_EXECUTE     (1ULL << 0)
#define LL_WRITE_FILE  (1ULL << 1)
#define LL_READ_FILE   (1ULL << 2)
#define LL_READ_DIR    (1ULL << 3)
#define LL_V1_ALL      ((1ULL << 13) - 1) /* EXECUTE .. MAKE_SYM */
#define LL_REFER       (1ULL << 13)       /* ABI 2 */
#define LL_TRUNCATE    (1ULL << 14)       /* ABI 3 */
#define LL_FILE_RIGHTS (LL_EXECUTE | LL_WRITE_FILE | LL_READ_FILE | LL_TRUNCATE)

struct ll_path_beneath {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

BOX_API int box_landlock_path(box_t *box, const char *path, unsigned int access)
{
    int r = box__check_configurable(box, "landlock_path");
    struct box_landlock_rule *rules;
    char *norm;

    if (r < 0)
        return r;
    if (!path || path[0] != '/')
        return box__error(box, EINVAL, "landlock_path: path must be absolute, not '%s'",
                         path ? path : "(null)");
    if (!access || (access & ~(BOX_LANDLOCK_READ | BOX_LANDLOCK_WRITE | BOX_LANDLOCK_EXEC)))
        return box__error(box, EINVAL, "landlock_path: bad access 0x%x for %s", access, path);
    r = box__normalize_path(path, &norm);
    if (r < 0)
        return box__error(box, -r, "landlock_path: %s", path);
    if (strlen(norm) >= 256) {
        free(norm);
        return box__error(box, ENAMETOOLONG, "landlock_path: %s", path);
    }
    rules = realloc(box->landlock_rules, (box->n_landlock_rules + 1) * sizeof *rules);
    if (!rules) {
        free(norm);
        return box__error(box, ENOMEM, "landlock_path");
    }
    box->landlock_rules = rules;
    rules[box->n_landlock_rules++] = (struct box_landlock_rule){ norm, access };
    return 0;
}

BOX_API int box_landlock_mode(box_t *box, int required)
{
    int r = box__check_configurable(box, "landlock_mode");

    if (r < 0)
        return r;
    if (required != 0 && required != 1)
        return box__error(box, EINVAL, "landlock_mode: required must be 0 or 1, not %d",
                         required);
    box->landlock_best_effort = !required;
    return 0;
}

void box__landlock_free(box_t *box)
{
    for (size_t i = 0; i < box->n_landlock_rules; i++)
        free(box->landlock_rules[i].path);
    free(box->landlock_rules);
    box->landlock_rules = NULL;
    box->n_landlock_rules = 0;
}

/* The Landlock rights of one BOX_LANDLOCK_* mask, as far as the ABI handles them. */
uint64_t box__landlock_access(unsigned int access, uint64_t handled)
{
    uint64_t a = 0;

    if (access & BOX_LANDLOCK_READ)
        a |= LL_READ_FILE | LL_READ_DIR;
    if (access & BOX_LANDLOCK_EXEC)
        a |= LL_EXECUTE;
    if (access & BOX_LANDLOCK_WRITE)
        a |= (LL_V1_ALL & ~(LL_EXECUTE | LL_READ_FILE | LL_READ_DIR)) | LL_REFER | LL_TRUNCATE;
    return a & handled;
}

uint64_t box__landlock_handled(int abi)
{
    return abi <= 0 ? 0 : LL_V1_ALL | (abi >= 2 ? LL_REFER : 0) | (abi >= 3 ? LL_TRUNCATE : 0);
}

int box__landlock_prepare(box_t *box, struct box_plan *a)
{
    struct box_plan_landlock *rules;
    long abi;

    if (box->n_landlock_rules == 0)
        return 0;
    abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi <= 0) {
        if (box->landlock_best_effort)
            return 0;
        return box__error(box, EOPNOTSUPP,
                         "spawn: Landlock is not available in this kernel (%s); "
                         "box_landlock_mode(box, 0) runs without it",
                         strerror(errno));
    }
    a->landlock_handled = box__landlock_handled((int)abi);
    rules = calloc(box->n_landlock_rules, sizeof *rules);
    if (!rules)
        return box__error(box, ENOMEM, "spawn: landlock");
    for (size_t i = 0; i < box->n_landlock_rules; i++) {
        rules[i].path = box->landlock_rules[i].path;
        rules[i].access = box__landlock_access(box->landlock_rules[i].access,
                                              a->landlock_handled);
    }
    a->landlock = rules;
    a->n_landlock = box->n_landlock_rules;
    return 0;
}

/* Child: raw system calls only. */
long box__step_landlock(const struct box_plan *a, struct box_child *c)
{
    struct box_child_error *e = &c->e;
    struct landlock_ruleset_attr attr = { .handled_access_fs = a->landlock_handled };
    long rs, fd, r;

    rs = SYS3(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
    if (rs < 0)
        return rs;
    for (size_t i = 0; i < a->n_landlock; i++) {
        struct ll_path_beneath pb = { .allowed_access = a->landlock[i].access };
        struct stat st;

        e->index = (int)i;
        box__strlcpy(e->path, a->landlock[i].path, sizeof e->path);
        fd = SYS4(SYS_openat, AT_FDCWD, a->landlock[i].path, O_PATH | O_CLOEXEC, 0);
        if (fd < 0) {
            SYS1(SYS_close, rs);
            return fd;
        }
        r = SYS2(SYS_fstat, fd, &st);
        if (r == 0 && !S_ISDIR(st.st_mode))
            pb.allowed_access &= LL_FILE_RIGHTS;
        pb.parent_fd = (int32_t)fd;
        if (r == 0)
            r = SYS4(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
        SYS1(SYS_close, fd);
        if (r < 0) {
            SYS1(SYS_close, rs);
            return r;
        }
    }
    e->index = -1;
    e->path[0] = '\0';
    /* BOX_OPT_INIT: box-init is exec'ed through its fd, opened on the host, outside every
     * path of the box: allow exactly that file. */
    if (a->init_fd >= 0) {
        struct ll_path_beneath pb = {
            .allowed_access = (LL_EXECUTE | LL_READ_FILE) & a->landlock_handled,
            .parent_fd = a->init_fd,
        };

        box__strlcpy(e->path, "box-init", sizeof e->path);
        r = SYS4(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
        if (r < 0) {
            SYS1(SYS_close, rs);
            return r;
        }
        e->path[0] = '\0';
    }
    r = SYS2(SYS_landlock_restrict_self, rs, 0);
    SYS1(SYS_close, rs);
    return r;
}
