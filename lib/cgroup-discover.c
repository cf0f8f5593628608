/* cgroup discovery: pure parsers of the text the kernel hands out (/proc/self/cgroup,
 * /proc/self/mountinfo, controller lists, stat files, /proc/meminfo), each taking the
 * text it is given, so that the decisions built on them are unit-tested with recorded
 * inputs from v1, v2 and hybrid hosts (tests/unit/test_cgroup.c). Nothing here makes a
 * system call: cgroup-fs.c reads the files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"

/* Copy [s, s + n) into out as a string, truncated to size - 1. */
static void copy_span(char *out, size_t size, const char *s, size_t n)
{
    if (n >= size)
        n = size - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

bool box_cg_next_line(const char **pos, char *controllers, size_t csize, char *path,
                      size_t psize)
{
    while (**pos) {
        const char *line = *pos, *end = strchr(line, '\n');
        const char *c1, *c2;

        if (!end)
            end = line + strlen(line);
        *pos = *end ? end + 1 : end;
        c1 = memchr(line, ':', (size_t)(end - line));
        c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
        if (!c2)
            continue;
        copy_span(controllers, csize, c1 + 1, (size_t)(c2 - c1 - 1));
        copy_span(path, psize, c2 + 1, (size_t)(end - c2 - 1));
        return true;
    }
    return false;
}

bool box_cg_list_has(const char *list, const char *word)
{
    size_t n = strlen(word);

    if (!n)
        return false;
    for (const char *p = list; (p = strstr(p, word)); p++)
        if ((p == list || strchr(" \n,", p[-1])) && (p[n] == '\0' || strchr(" \n,", p[n])))
            return true;
    return false;
}

int box_cg_own_path(const char *proc_cgroup, const char *controller, char *out, size_t size)
{
    char ctrls[512], path[4096];

    for (const char *pos = proc_cgroup; box_cg_next_line(&pos, ctrls, sizeof ctrls, path,
                                                         sizeof path);)
        if (controller ? box_cg_list_has(ctrls, controller) : ctrls[0] == '\0') {
            snprintf(out, size, "%s", path);
            return 0;
        }
    return -ENOENT;
}

box_cgroup_layout_t box_cg_layout(const char *proc_cgroup)
{
    char ctrls[512], path[4096];
    bool v1 = false, v2 = false;

    for (const char *pos = proc_cgroup; box_cg_next_line(&pos, ctrls, sizeof ctrls, path,
                                                         sizeof path);) {
        if (!ctrls[0])
            v2 = true;
        else if (strncmp(ctrls, "name=", 5) != 0)
            v1 = true;
    }
    return v1 && v2 ? BOX_CGROUP_HYBRID : v1 ? BOX_CGROUP_V1 : v2 ? BOX_CGROUP_V2
                                                               : BOX_CGROUP_NONE;
}

/* mountinfo: "ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTS" */
/* Super options that are not a hierarchy's controllers or name. */
static bool hierarchy_word(const char *w, size_t n)
{
    static const char *const skip[] = { "rw", "ro", "xattr", "noprefix", "clone_children",
                                        "cpuset_v2_mode", "none", "favordynmods" };

    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (strlen(skip[i]) == n && strncmp(w, skip[i], n) == 0)
            return false;
    return n && strncmp(w, "release_agent=", n < 14 ? n : 14) != 0;
}

bool box_cg_next_hierarchy(const char **pos, char *point, size_t psize, char *root,
                           size_t rsize, char *opts, size_t osize)
{
    while (**pos) {
        char line[4096], mroot[1024], mpoint[1024], fstype[64], super[1024];
        const char *end = strchr(*pos, '\n');
        char *dash;
        size_t len = 0;

        if (!end)
            end = *pos + strlen(*pos);
        copy_span(line, sizeof line, *pos, (size_t)(end - *pos));
        *pos = *end ? end + 1 : end;
        dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %1023s %1023s", mroot, mpoint) != 2 ||
            sscanf(dash + 3, "%63s %*s %1023s", fstype, super) != 2 ||
            (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0))
            continue;
        opts[0] = '\0';
        if (strcmp(fstype, "cgroup") == 0) {
            for (const char *w = super; *w;) {
                size_t n = strcspn(w, ",");

                if (hierarchy_word(w, n) && len + n + 2 <= osize) {
                    if (len)
                        opts[len++] = ',';
                    memcpy(opts + len, w, n);
                    opts[len += n] = '\0';
                }
                w += n + (w[n] == ',');
            }
            if (!len) /* a v1 mount that names no hierarchy */
                continue;
        }
        snprintf(point, psize, "%s", mpoint);
        snprintf(root, rsize, "%s", mroot);
        return true;
    }
    return false;
}

int box_cg_find_mount(const char *mountinfo, const char *controller, char *mnt,
                      size_t mnt_size, char *root, size_t root_size)
{
    char opts[1024];

    for (const char *pos = mountinfo;
         box_cg_next_hierarchy(&pos, mnt, mnt_size, root, root_size, opts, sizeof opts);)
        if (controller ? box_cg_list_has(opts, controller) : opts[0] == '\0')
            return 0;
    return -ENOENT;
}

void box_cg_join(const char *mnt, const char *root, const char *own, char *out, size_t size)
{
    size_t rlen = strcmp(root, "/") == 0 ? 0 : strlen(root);

    /* Inside a cgroup namespace or a container the mount's root may be a sub-path. */
    if (rlen && strncmp(own, root, rlen) == 0 && (own[rlen] == '/' || own[rlen] == '\0'))
        own += rlen;
    snprintf(out, size, "%s%s", mnt, strcmp(own, "/") == 0 ? "" : own);
}

int box_cg_key_u64(const char *text, const char *key, uint64_t *out)
{
    size_t klen = key ? strlen(key) : 0;

    for (const char *line = text; line && *line;) {
        if (!key || (strncmp(line, key, klen) == 0 && line[klen] == ' ')) {
            const char *p = line + klen;

            while (*p == ' ')
                p++;
            if (*p < '0' || *p > '9')
                return -ENOENT;
            *out = strtoull(p, NULL, 10);
            return 0;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return -ENOENT;
}

int box_cg_hugepage_name(const char *meminfo, char *out, size_t size)
{
    const char *p = strstr(meminfo, "Hugepagesize:");
    unsigned long kb = 0;

    if (!p || (p != meminfo && p[-1] != '\n') || sscanf(p, "Hugepagesize: %lu kB", &kb) != 1 ||
        !kb)
        return -EOPNOTSUPP;
    if (kb >= 1024 * 1024)
        snprintf(out, size, "%luGB", kb / (1024 * 1024));
    else if (kb >= 1024)
        snprintf(out, size, "%luMB", kb / 1024);
    else
        snprintf(out, size, "%luKB", kb);
    return 0;
}
