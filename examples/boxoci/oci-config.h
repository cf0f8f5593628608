/* boxoci: an OCI runtime-spec 1.x config.json turned into libbox calls.
 *
 * oci_config_parse() reads the document (json-c) and keeps what the runtime itself needs
 * (the process arguments, terminal, hooks-free runtime settings, annotations);
 * oci_config_apply() walks it once and calls the box_* setters, so that every check libbox
 * makes on a value is made on the container's value too. Both stop at the first field they
 * cannot honour, with a message naming it ("config.json: process.apparmorProfile: AppArmor is
 * not available"). Unknown properties are ignored, as the specification requires; known ones
 * that libbox cannot do are refused, never dropped.
 *
 * Nothing here touches the kernel except to read facts about the host (struct oci_host), so
 * the module is unit-tested and fuzzed without privileges. */
#ifndef BOXOCI_OCI_CONFIG_H
#define BOXOCI_OCI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <box.h>

struct json_object;

#define OCI_ERR_MAX 512
#define OCI_CONFIG_MAX_BYTES (4u << 20) /* a config larger than this is refused */

/* What the host can do, as far as the mapping depends on it (oci_host_probe, or set by a
 * test). */
struct oci_host {
    bool apparmor;           /* AppArmor is enabled in the kernel */
    bool selinux;            /* SELinux is enabled */
    bool cgroup_unified;     /* the host has only cgroup v2 (linux.resources.unified) */
    uint64_t hugepage_size;  /* the default huge page size in bytes, 0 if none */
    const char *seccomp_cache_dir; /* where compiled filters are kept across containers
                                      (box_seccomp_cache_dir), or NULL */
};

struct oci_config {
    struct json_object *json; /* the whole document, owned */
    char *bundle;             /* absolute path of the bundle directory */
    char *rootfs;             /* absolute path of root.path */
    char **args;              /* process.args, NULL-terminated; NULL without a process */
    bool terminal;            /* process.terminal */
    unsigned int console_rows, console_cols; /* process.consoleSize, 0 if not given */
    bool has_umask;           /* process.user.umask */
    mode_t umask;
    bool has_oom_score_adj;   /* process.oomScoreAdj */
    int oom_score_adj;
    bool user_ns;             /* a new user namespace */
};

/* Probe the host (reads /sys and /proc; never fails: unknown facts are false or 0). */
void oci_host_probe(struct oci_host *out);

/* Parse `len` bytes of config.json for the bundle at `bundle` (absolute). On success *out
 * is owned by the caller (oci_config_free). Returns 0 or a negative errno with a message
 * in err (OCI_ERR_MAX bytes). */
int oci_config_parse(const char *text, size_t len, const char *bundle,
                     struct oci_config **out, char *err);

/* Read and parse bundle/config.json. */
int oci_config_load(const char *bundle, struct oci_config **out, char *err);

/* Configure `box` (fresh from box_new) as the container; of the box options it sets only
 * BOX_OPT_ALLOW_NEW_PRIVS. Returns 0 or a negative errno with a message naming the field in
 * err; the box may then be half configured and is only fit for box_free. The umask and
 * oomScoreAdj are the runtime's to apply (struct oci_config). */
int oci_config_apply(const struct oci_config *cfg, const struct oci_host *host, box_t *box,
                     char *err);

/* boxoci update: `text` (len bytes) is a LinuxResources object (runtime-spec's
 * linux.resources, what `update --resources` reads); its limits are written to the running
 * container `box` (box_update_limit) by the parser create uses, with the same conversions.
 * What a running box cannot change (cpuset, io throttling, lifting a limit with -1) is
 * refused naming the field; device rules are left as they are (runc's update ignores
 * them too). The whole document is checked first, so that a refused field changes
 * nothing; a value the kernel refuses (a memory limit below the usage) leaves the limits
 * before it changed. Returns 0 or a negative
 * errno with a message in err ("resources: memory.limit: ..."). */
int oci_resources_update(const char *text, size_t len, const struct oci_host *host,
                         box_t *box, char *err);

/* What boxoci supports, as runtime-spec's features.md describes (the caller owns it). */
struct json_object *oci_features(void);

void oci_config_free(struct oci_config *cfg);

/* The seccomp part (oci-seccomp.c), for apply and its tests: configure the box's filter
 * from a linux.seccomp object. `ctx` is the caller's error context. */
struct oci_ctx;
int oci_seccomp_apply(struct oci_ctx *c, struct json_object *seccomp, box_t *box);
/* features.md's linux.seccomp object. */
struct json_object *oci_seccomp_features(void);

#endif
