# Shared by test_podman.sh and test_containerd.sh (sourced, POSIX sh): the result
# counters, the case runner, the busybox rootfs and the cgroup parent the engines' containers
# are made below. The caller sets $tmp (a temp dir it removes) and $out (a scratch file).

pass=0
fail=0
skipped=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -s "$out" ] && sed 's/^/    /' "$out"; }
skip() { skipped=$((skipped + 1)); echo "SKIP - $1"; }

# t NAME WANT_RC PATTERN COMMAND...: run COMMAND with stdin from /dev/null; want its exit
# status and a line matching PATTERN (extended regex; "" for any output).
t() {
  name=$1 want=$2 pattern=$3
  shift 3
  "$@" >"$out" 2>&1 </dev/null
  rc=$?
  if [ "$rc" -eq "$want" ] && { [ -z "$pattern" ] || grep -Eq -- "$pattern" "$out"; }; then
    ok "$name"
  else
    bad "$name: exit $rc (want $want), pattern '$pattern'"
  fi
}

# t_not NAME PATTERN COMMAND...: COMMAND's output has no line matching PATTERN (its exit
# status is not looked at: a listing command).
t_not() {
  name=$1 pattern=$2
  shift 2
  "$@" >"$out" 2>&1 </dev/null
  if grep -Eq -- "$pattern" "$out"; then bad "$name: '$pattern' found"; else ok "$name"; fi
}

# t_empty NAME COMMAND...: COMMAND prints nothing (a listing of what must be gone).
t_empty() {
  name=$1
  shift
  "$@" >"$out" 2>&1 </dev/null
  if [ -s "$out" ]; then bad "$name: not empty"; else ok "$name"; fi
}

# until_true TRIES COMMAND...: poll COMMAND every 0.1 s, at most TRIES times (a state an
# engine reaches asynchronously, never a timing assertion).
until_true() {
  tries=$1
  shift
  while [ "$tries" -gt 0 ]; do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
    tries=$((tries - 1))
  done
  return 1
}

# make_rootfs_tar MKROOTFS TAR: the busybox root of the other tests, as a tarball.
make_rootfs_tar() {
  sh "$1" "$tmp/rootfs" >/dev/null || return 1
  mkdir -p "$tmp/rootfs/sys" "$tmp/rootfs/data" "$tmp/rootfs/home/user"
  echo 'user:x:1000:1000:user:/home/user:/bin/sh' >>"$tmp/rootfs/etc/passwd"
  echo 'user:x:1000:' >>"$tmp/rootfs/etc/group"
  chown 1000:1000 "$tmp/rootfs/home/user"
  tar -C "$tmp/rootfs" -cf "$2" .
}

# cgroup_parent NAME: a cgroup path below this process's own cgroup in every hierarchy
# (the engines make their containers' cgroups below it), or nothing when there is none.
# On a v1 or hybrid host each hierarchy has its own path; the deepest one must have all
# the others as prefixes, as when only some controllers moved the caller. The first
# directory on the way that does not exist yet, in each hierarchy, goes to
# $tmp/cgroups-made for remove_cgroups_made.
cgroup_parent() {
  deepest=$(cut -d: -f3- /proc/self/cgroup | awk '{ print length($0) " " $0 }' |
            sort -n | tail -n 1 | cut -d' ' -f2-)
  parent=${deepest%/}/$1
  : >"$tmp/cgroups-made"
  while IFS= read -r line; do
    p=${line#*:}
    p=${p#*:}
    case "$deepest/" in "${p%/}/"*) ;; *) return 0 ;; esac
  done </proc/self/cgroup
  for h in /sys/fs/cgroup /sys/fs/cgroup/*; do
    [ -f "$h/cgroup.procs" ] || continue
    d=$h
    rest=${parent#/}
    while [ -n "$rest" ]; do
      d=$d/${rest%%/*}
      [ "$rest" = "${rest#*/}" ] && rest= || rest=${rest#*/}
      [ -d "$d" ] || { echo "$d" >>"$tmp/cgroups-made"; break; }
    done
  done
  echo "$parent"
}

# cgroup_dirs PATH: the directories of cgroup PATH that exist, in any hierarchy.
cgroup_dirs() {
  for h in /sys/fs/cgroup /sys/fs/cgroup/*; do
    [ -d "$h$1" ] && echo "$h$1"
  done
  return 0
}

# remove_cgroups_made: remove what the engines made of cgroup_parent's path (empty
# cgroups only: rmdir refuses one that holds a process).
remove_cgroups_made() {
  [ -f "$tmp/cgroups-made" ] || return 0
  while IFS= read -r d; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done <"$tmp/cgroups-made"
  return 0
}

# mounts_below DIR: the mount points below DIR (a leak check after a container's removal).
mounts_below() {
  awk -v d="$1/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo
}

# podman_config DIR RUNTIME_NAME: a podman of its own in DIR (CONTAINERS_CONF=DIR/containers.conf
# CONTAINERS_STORAGE_CONF=DIR/storage.conf): vfs storage, file locks, events in a file, no
# network, ulimits within this host's hard limits, RUNTIME_NAME's JSON errors read.
podman_config() {
  d=$1
  mkdir -p "$d"
  cat >"$d/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
default_sysctls = []
log_driver = "k8s-file"
netns = "none"

[network]
network_backend = "cni"
network_config_dir = "$d/net"

[engine]
cgroup_manager = "cgroupfs"
conmon_env_vars = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "CONTAINERS_CONF=$d/containers.conf", "CONTAINERS_STORAGE_CONF=$d/storage.conf"]
events_logger = "file"
events_logfile_path = "$d/events.log"
lock_type = "file"
num_locks = 128
runtime_supports_json = ["crun", "runc", "$2"]
tmp_dir = "$d/libpod"
volume_path = "$d/volumes"
EOF
  cat >"$d/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$d/graph"
runroot = "$d/run"
rootless_storage_path = "$d/graph"
EOF
}

summary() {
  echo "$pass passed, $fail failed, $skipped skipped"
  [ "$fail" -eq 0 ]
}
