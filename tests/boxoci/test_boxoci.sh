#!/bin/sh
# boxoci end to end: bundles made with `boxoci spec` (and edited with python3) run in real
# boxes, checked from inside; the state, kill and delete commands; errors naming the field,
# with nothing left behind. As root, then again as nobody (--rootless bundles).
# Usage: test_boxoci.sh BOXOCI MKROOTFS
# BOXOCI_TEST_MODES: "root", "rootless" or both (the default), in that order.
# BOXOCI_TEST_CGROUP: on a cgroup v2 host, a cgroup (as /proc/self/cgroup names it)
# delegated to nobody, as systemd's Delegate=yes does, that holds no processes, with
# this script in a cgroup below it for the rootless run: nobody's containers with
# resources get a cgroupsPath below it. Without it nobody has no cgroup to use and the
# rootless run checks the errors that say so, as on v1.
set -u
boxoci=$1
mkrootfs=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
sh "$mkrootfs" "$tmp/rootfs" || { echo "mkrootfs failed"; exit 1; }
mkdir "$tmp/rootfs/sys" # as every image has: a rootless box cannot make it
out=$tmp/out
pass=0
fail=0
as=""

ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; sed 's/^/    /' "$out"; }

# t NAME WANT_RC PATTERN COMMAND...: run COMMAND as the current user ($as), want its exit
# status and a line matching PATTERN (extended regex; "" for any output).
t() {
  name=$1 want=$2 pattern=$3
  shift 3
  $as "$@" >"$out" 2>&1 </dev/null
  rc=$?
  if [ "$rc" -eq "$want" ] && { [ -z "$pattern" ] || grep -Eq -- "$pattern" "$out"; }; then
    ok "$name"
  else
    bad "$name: exit $rc (want $want), pattern '$pattern'"
  fi
}

# bundle NAME [--rootless]: a fresh bundle from `boxoci spec` over the shared rootfs.
bundle() {
  b=$tmp/$1
  rm -rf "$b"
  mkdir -p "$b"
  ln -s ../rootfs "$b/rootfs"
  [ -z "$as" ] || chown -R nobody "$b"
  $as "$boxoci" spec --bundle "$b" ${2:-} || echo "spec failed"
}

# cfg BUNDLE PYTHON: edit BUNDLE/config.json as `c` in python3.
cfg() {
  $as /usr/bin/python3 -c "import json,sys; p=sys.argv[1]+'/config.json'; c=json.load(open(p)); $2
json.dump(c, open(p, 'w'))" "$1"
}

suite() { # MODE (root or rootless)
  mode=$1
  flag=""
  [ "$mode" = rootless ] && flag=--rootless
  state=$tmp/state-$mode
  rt="$boxoci --root $state"
  w=$tmp/w-$mode # the pid file and the log
  mkdir -p "$state" "$w"
  [ -z "$as" ] || chown nobody "$state" "$w"
  # (only mounts on our own paths: other programs on the host mount and unmount meanwhile)
  mounts_before=$(grep -c -e "$tmp" -e /run/libbox /proc/self/mountinfo || :)

  bundle a $flag
  t "$mode: features is JSON" 0 '"ociVersionMax"' sh -c "$boxoci features | /usr/bin/python3 -m json.tool"
  t "$mode: --version" 0 '^boxoci version' $boxoci --version
  t "$mode: spec refuses to overwrite" 1 'exists already' $boxoci spec --bundle "$tmp/a"

  cfg "$tmp/a" "c['process']['args']=['sh','-c','echo pid \$\$ \$(hostname) \$FOO; pwd; id -u; exit 3']; c['process']['env'].append('FOO=bar'); c['process']['cwd']='/tmp'; c['hostname']='h1'"
  t "$mode: run: exit status, pid 1, hostname, env" 3 '^pid 1 h1 bar$' $rt run --bundle "$tmp/a" c1
  t "$mode: run: cwd" 3 '^/tmp$' $rt run --bundle "$tmp/a" c1
  t "$mode: run: state removed after run" 0 '' sh -c "[ -z \"\$(ls $state)\" ]"

  cfg "$tmp/a" "c['process']['args']=['sh','-c','touch /x; echo rc=\$?; ulimit -n; ulimit -c; ls /dev/pts/ptmx && echo devok']; c['process']['rlimits']=[{'type':'RLIMIT_NOFILE','soft':512,'hard':512},{'type':'RLIMIT_CORE','soft':18446744073709551615,'hard':18446744073709551615}]"
  t "$mode: read-only root" 0 '^rc=1$' $rt run --bundle "$tmp/a" c2
  t "$mode: rlimit NOFILE" 0 '^512$' $rt run --bundle "$tmp/a" c2
  t "$mode: rlimit CORE unlimited (UINT64_MAX)" 0 '^unlimited$' $rt run --bundle "$tmp/a" c2
  t "$mode: default devices" 0 '^devok$' $rt run --bundle "$tmp/a" c2
  # spec's cgroup mount (BOX_MOUNT_CGROUP): the host's hierarchies by name on v1 and
  # hybrid hosts (the box's cgroups, or rootless the caller's), cgroup2 on v2; read-only.
  hostcg=$(echo $(ls /sys/fs/cgroup))
  [ -f /sys/fs/cgroup/cgroup.controllers ] && want='^cgroup2 ro$' || want="^$hostcg ro\$"
  cfg "$tmp/a" "c['process']['args']=['sh','-c','[ -e /sys/fs/cgroup/cgroup.controllers ] && echo cgroup2 || echo \$(ls /sys/fs/cgroup); touch /sys/fs/cgroup/x 2>&- || echo ro']"
  t "$mode: the cgroup mount" 0 "$want" sh -c "$rt run --bundle $tmp/a c2 | tr '\\n' ' ' | sed 's/ \$//'"

  cfg "$tmp/a" "c['process']['args']=['sh','-c','echo timer=\$(wc -c </proc/timer_list) fw=\$(ls -A /sys/firmware | wc -l); test -d /sys/kernel && echo sysfs; echo 1 >/proc/sys/kernel/hostname || echo ro']"
  t "$mode: maskedPaths (a file)" 0 '^timer=0 ' $rt run --bundle "$tmp/a" c2
  t "$mode: maskedPaths (a directory)" 0 ' fw=0$' $rt run --bundle "$tmp/a" c2
  t "$mode: sysfs" 0 '^sysfs$' $rt run --bundle "$tmp/a" c2
  t "$mode: readonlyPaths" 0 '^ro$' $rt run --bundle "$tmp/a" c2

  cfg "$tmp/a" "c['process']['args']=['sh','-c','mkdir /tmp/d; echo mkdir=\$?; grep CapEff /proc/self/status']; c['mounts'].append({'destination':'/tmp','type':'tmpfs','options':['size=1m','mode=1777']}); c['linux']['seccomp']={'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdir','mkdirat'],'action':'SCMP_ACT_ERRNO','errnoRet':38}]}"
  t "$mode: seccomp errnoRet" 0 'Function not implemented' $rt run --bundle "$tmp/a" c3
  t "$mode: capabilities (AUDIT_WRITE KILL NET_BIND_SERVICE)" 0 'CapEff:.*20000420' $rt run --bundle "$tmp/a" c3
  # linux.sysctl and domainname: the container's own values, the host's unchanged.
  host_range=$(cat /proc/sys/net/ipv4/ping_group_range)
  cfg "$tmp/a" "c['process']['args']=['sh','-c','cat /proc/sys/net/ipv4/ping_group_range /proc/sys/kernel/domainname']; c['domainname']='example.org'; c['linux']['sysctl']={'net.ipv4.ping_group_range':'0 0'}"
  t "$mode: linux.sysctl and domainname" 0 '^0.0 example.org $' sh -c "$rt run --bundle $tmp/a c4 | tr '\\n' ' '"
  t "$mode: the host's sysctl unchanged" 0 '' test "$(cat /proc/sys/net/ipv4/ping_group_range)" = "$host_range"
  cfg "$tmp/a" "c['linux']['sysctl']={'kernel.panic':'1'}"
  t "$mode: a host sysctl refused" 1 'linux.sysctl.kernel.panic: set_sysctl: kernel.panic is not namespaced' $rt run --bundle "$tmp/a" c4
  cfg "$tmp/a" "del c['linux']['sysctl']; del c['domainname']"
  # A namespace given by path is joined: a network namespace of a process of ours (as
  # podman hands one over; root: rootless, the netns would belong to another user namespace).
  if [ "$mode" = root ]; then
    unshare -n sleep 120 &
    nspid=$!
    for _ in $(seq 100); do
      [ "$(readlink /proc/$nspid/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
      sleep 0.05
    done
    cfg "$tmp/a" "c['process']['args']=['readlink','/proc/self/ns/net']; [n.update(path='/proc/$nspid/ns/net') for n in c['linux']['namespaces'] if n['type']=='network']"
    t "$mode: joins a network namespace by path" 0 "^net:.$(stat -L -c %i /proc/$nspid/ns/net).\$" \
      $rt run --bundle "$tmp/a" c8
    cfg "$tmp/a" "[n.update(path='/nonexistent/netns') for n in c['linux']['namespaces'] if n['type']=='network']"
    t "$mode: a missing namespace path is named" 1 'linux.namespaces\[[0-9]\].*/nonexistent/netns' $rt run --bundle "$tmp/a" c8
    cfg "$tmp/a" "[n.pop('path', None) for n in c['linux']['namespaces']]"
    kill "$nspid"; wait "$nspid" 2>/dev/null
  fi
  # linux.devices and linux.resources.devices: as root the node is made (mknod) and a
  # denied one (the host's kmsg, bound with dev) cannot be opened, while the default
  # devices stay allowed after the rules (runc's AllowedDevices); rootless the host's node
  # is bound.
  if [ "$mode" = root ]; then
    cfg "$tmp/a" "c['process']['args']=['sh','-c','ls -l /dev/myfull | cut -c1; (echo x >/dev/myfull) 2>&1 | grep -o -e \"not permitted\" -e \"No space\"; (head -c1 /dev/kmsg2 >/dev/null) 2>&1 | grep -o \"not permitted\"; head -c1 /dev/zero | wc -c; echo x >/dev/null && echo null-ok']; c['linux']['devices']=[{'path':'/dev/myfull','type':'c','major':1,'minor':7,'fileMode':0o666}]; c['linux']['resources']={'devices':[{'allow':False,'access':'rwm'},{'allow':True,'type':'c','major':1,'minor':3,'access':'rwm'}]}; c['mounts'].append({'destination':'/dev/kmsg2','type':'bind','source':'/dev/kmsg','options':['bind','dev']})"
    t "$mode: linux.devices made, resources.devices enforced" 0 '^c No space not permitted 1 null-ok $' sh -c "$rt run --bundle $tmp/a c5 | tr '\\n' ' '"
    cfg "$tmp/a" "c['mounts']=[m for m in c['mounts'] if m['destination']!='/dev/kmsg2']"
  else
    cfg "$tmp/a" "c['process']['args']=['sh','-c','stat -c %t:%T /dev/kmsg']; c['linux']['devices']=[{'path':'/dev/kmsg','type':'c','major':1,'minor':11}]"
    t "$mode: linux.devices bound from the host" 0 '^1:b$' $rt run --bundle "$tmp/a" c5
  fi
  # A fifo (type p) is made, in a user namespace too, with its mode.
  cfg "$tmp/a" "c['process']['args']=['sh','-c','stat -c %F:%a /dev/myfifo; (echo piped >/dev/myfifo &); cat /dev/myfifo']; c['linux'].pop('resources', None); c['linux']['devices']=[{'path':'/dev/myfifo','type':'p','fileMode':0o620}]"
  t "$mode: linux.devices fifo" 0 '^fifo:620 piped $' sh -c "$rt run --bundle $tmp/a c5 | tr '\\n' ' '"
  cfg "$tmp/a" "c['linux'].pop('devices', None); c['linux'].pop('resources', None)"
  # hooks: prestart and createRuntime run at create with the state on stdin; a failing
  # one stops the container before its program runs, naming the hook.
  cfg "$tmp/a" "c['process']['args']=['true']; c['hooks']={'prestart':[{'path':'/bin/sh','args':['sh','-c','cat >$w/hook; echo \" \$H\" >>$w/hook'],'env':['H=pre']}],'createRuntime':[{'path':'/bin/sh','args':['sh','-c','echo rt >>$w/hook'],'timeout':5}]}"
  t "$mode: hooks run at create" 0 '' $rt run --bundle "$tmp/a" c6
  t "$mode: hooks got the state" 0 '"id": *"c6".*"status": *"creating".* pre$' sh -c "tr -d '\\n' <$w/hook | sed 's/rt$//'"
  t "$mode: hooks in order" 0 '^rt$' tail -n 1 "$w/hook"
  # A hook that asks for the container's state (podman's hooks may): it is readable while
  # create runs the hooks, the container held there with its pid.
  cfg "$tmp/a" "c['hooks']={'createRuntime':[{'path':'/bin/sh','args':['sh','-c','$rt state c6 >$w/hookstate; echo rc=\$? >>$w/hookstate'],'timeout':20}]}"
  t "$mode: a hook calls state" 0 '' $rt create --bundle "$tmp/a" --pid-file "$w/pid6" c6
  t "$mode: ... and gets it" 0 "\"id\":\"c6\",\"status\":\"created\",\"pid\":$(cat "$w/pid6" 2>/dev/null || echo none),.*rc=0\$" sh -c "tr -d ' \n' <$w/hookstate"
  t "$mode: ... delete" 0 '' $rt delete --force c6
  cfg "$tmp/a" "c['process']['args']=['sh','-c','echo program ran']; c['hooks']={'createRuntime':[{'path':'/bin/sh','args':['sh','-c','exit 4']}]}"
  t "$mode: a failing hook stops the container" 1 'hooks.createRuntime\[0\]: /bin/sh exited with 4' $rt run --bundle "$tmp/a" c6
  t "$mode: a failing hook's container is gone" 1 'does not exist' $rt state c6
  # createContainer runs in the container's mount namespace before pivot_root (the host's
  # files, the rootfs at its own path with the container's mounts in it), startContainer
  # inside the container after start, poststart after it, poststop after delete: each in
  # its own invocation, with the state on stdin.
  rm -f "$w/order"
  cfg "$tmp/a" "c['process']['args']=['sh','-c','echo program >>/mnt/order']; c['mounts'].append({'destination':'/mnt','type':'bind','source':'$w','options':['rbind','rw']}); c['hooks']={'createContainer':[{'path':'/bin/sh','args':['sh','-c','cat >$w/cc; grep -q \\\" $tmp/rootfs/mnt \\\" /proc/self/mountinfo && [ -d $w ] && echo cc >>$w/order']}],'startContainer':[{'path':'/bin/sh','args':['sh','-c','cat >/mnt/sc; [ -f /mnt/cc ] && [ ! -e $tmp/rootfs ] && echo sc >>/mnt/order']}],'poststart':[{'path':'/bin/sh','args':['sh','-c','cat >$w/ps; echo poststart >>$w/order']}],'poststop':[{'path':'/bin/sh','args':['sh','-c','cat >$w/pp; echo poststop >>$w/order']}]}"
  t "$mode: create with every hook" 0 '' $rt create --bundle "$tmp/a" c7
  t "$mode: createContainer ran at create (mounts made, not pivoted)" 0 '^cc$' cat "$w/order"
  t "$mode: createContainer got the state" 0 '"id": *"c7".*"status": *"creating"' cat "$w/cc"
  t "$mode: start" 0 '' $rt start c7
  t "$mode: startContainer ran in the container, then the program" 0 '^cc sc program' sh -c "sleep 0.3; sort -k1,1 -s $w/order >/dev/null; tr '\\n' ' ' <$w/order | sed 's/poststart //'"
  t "$mode: startContainer got the state" 0 '"status": *"created"' cat "$w/sc"
  t "$mode: poststart ran after start" 0 '^poststart$' grep poststart "$w/order"
  t "$mode: poststart got the running state" 0 '"id": *"c7".*"status": *"(running|stopped)"' cat "$w/ps"
  t "$mode: delete" 0 '' $rt delete c7
  t "$mode: poststop ran after delete" 0 '^poststop$' tail -n 1 "$w/order"
  t "$mode: poststop got the stopped state" 0 '"status": *"stopped"' cat "$w/pp"
  # poststart and poststop are the hooks create saw (runtime-spec: a change to config.json
  # after create does not affect the container); the owner is the creator's user name.
  cfg "$tmp/a" "c['process']['args']=['true']; c['hooks']={'poststop':[{'path':'/bin/sh','args':['sh','-c','echo at-create >>$w/late']}]}"
  rm -f "$w/late"
  t "$mode: create with a poststop hook" 0 '' $rt create --bundle "$tmp/a" c9
  [ -z "$as" ] && me=root || me=nobody
  t "$mode: the state's owner is the creator's name" 0 "\"owner\": *\"$me\"" $rt state c9
  cfg "$tmp/a" "c['hooks']={'poststop':[{'path':'/bin/sh','args':['sh','-c','echo changed >>$w/late']}]}"
  t "$mode: delete after config.json changed" 0 '' $rt delete c9
  t "$mode: poststop ran as config.json had it at create" 0 '^at-create$' cat "$w/late"
  # A failing createContainer fails create, naming the hook, and leaves nothing; a failing
  # startContainer fails start (the container is then stopped); failing poststart and
  # poststop hooks are warnings.
  cfg "$tmp/a" "c['process']['args']=['sh','-c','echo program >>/mnt/order']; c['hooks']={'createContainer':[{'path':'/bin/sh','args':['sh','-c','exit 5']}]}"
  rm -f "$w/order"
  t "$mode: a failing createContainer hook fails create" 1 'hooks.createContainer: spawn: hook 0 \(BOX_HOOK_MOUNTED\) /bin/sh: exited with status 5' $rt create --bundle "$tmp/a" c7
  t "$mode: ... and leaves no container" 1 'does not exist' $rt state c7
  cfg "$tmp/a" "c['hooks']={'startContainer':[{'path':'/bin/sh','args':['sh','-c','sleep 5'],'timeout':1}]}"
  t "$mode: create (startContainer to time out)" 0 '' $rt create --bundle "$tmp/a" c7
  t "$mode: a startContainer hook past its timeout fails start" 1 'hooks.startContainer: start: hook 0 \(BOX_HOOK_START\) /bin/sh: did not end within its timeout of 1000 ms' $rt start c7
  t "$mode: ... the program never ran" 1 '' test -e "$w/order"
  for i in $(seq 100); do $rt state c7 | grep -q stopped && break; sleep 0.1; done
  t "$mode: ... and the container is stopped" 0 '"status": *"stopped"' $rt state c7
  t "$mode: ... and deleted" 0 '' $rt delete c7
  # runtime-spec's order, each hook in its namespace (the runtime's, or the container's
  # before and after pivot_root), each with the container's pid as the host sees it
  # (its pid file's): prestart and createRuntime once the container's namespaces exist,
  # before createContainer; all but poststop while it exists.
  cat >"$w/hook.sh" <<'END'
#!/bin/sh
# hook.sh NAME HOST_MNT_NS HOST_DIR: note the hook's name, namespace and root, keep its state
d=$(dirname "$0")
cat >"$d/$1.json"
[ "$(readlink /proc/self/ns/mnt)" = "$2" ] && ns=runtime || ns=container
[ -d "$3" ] && root=host-root || root=box-root
echo "$1 $ns $root" >>"$d/order"
END
  [ -z "$as" ] || chown nobody "$w/hook.sh"
  rm -f "$w/order"
  hostns=$(readlink /proc/self/ns/mnt)
  cfg "$tmp/a" "c['process']['args']=['sleep','10']; h=lambda n, d: [{'path':'/bin/sh','args':['sh',d+'/hook.sh',n,'$hostns','$w']}]; c['hooks']={n: h(n, '/mnt' if n == 'startContainer' else '$w') for n in ['prestart','createRuntime','createContainer','startContainer','poststart','poststop']}"
  t "$mode: hook order: create" 0 '' $rt create --bundle "$tmp/a" --pid-file "$w/pid8" c8
  t "$mode: hook order: start" 0 '' $rt start c8
  t "$mode: hook order: delete" 0 '' $rt delete --force c8
  t "$mode: hooks ran in runtime-spec's order and namespaces" 0 '^prestart runtime host-root createRuntime runtime host-root createContainer container host-root startContainer container box-root poststart runtime host-root poststop runtime host-root $' sh -c "tr '\\n' ' ' <$w/order"
  for k in prestart createRuntime createContainer startContainer poststart; do
    t "$mode: the $k hook's state has the container's host pid" 0 '' sh -c "[ \"\$(grep -o '\"pid\": *[0-9]*' $w/$k.json | grep -o '[0-9]*\$')\" = \"\$(cat $w/pid8)\" ] && [ \"\$(cat $w/pid8)\" -gt 1 ]"
  done
  t "$mode: createContainer's state is creating" 0 '"status": *"creating"' cat "$w/createContainer.json"
  t "$mode: startContainer's state is created" 0 '"status": *"created"' cat "$w/startContainer.json"
  rm -f "$w"/*.json "$w/hook.sh" "$w/order" "$w/pid8"
  cfg "$tmp/a" "c['hooks']={'poststart':[{'path':'/bin/sh','args':['sh','-c','exit 6']}],'poststop':[{'path':'/nonexistent'}]}"
  t "$mode: a failing poststart hook is a warning" 0 'warning: config.json: hooks.poststart\[0\]: /bin/sh exited with 6' $rt run --bundle "$tmp/a" c7
  t "$mode: a failing poststop hook is a warning" 0 'warning: config.json: hooks.poststop\[0\]: /nonexistent' $rt run --bundle "$tmp/a" c7
  cfg "$tmp/a" "del c['hooks']; c['mounts'].pop()"

  # podman's default seccomp profile with noNewPrivileges false (OCI's default): the
  # filter goes in before the capabilities are dropped.
  if [ -r /usr/share/containers/seccomp.json ]; then
    /usr/bin/python3 "$(dirname "$0")/podman-seccomp.py" /usr/share/containers/seccomp.json \
      "$tmp/p-$mode" >/dev/null
    rmdir "$tmp/p-$mode/rootfs" && ln -s ../rootfs "$tmp/p-$mode/rootfs"
    [ -z "$as" ] || chown -R nobody "$tmp/p-$mode"
    cfg "$tmp/p-$mode" "c['process']['noNewPrivileges']=False; c['process']['args']=['/bin/sh','-c','grep NoNewPrivs /proc/self/status; echo ok']; c['mounts']=[{'destination':'/proc','type':'proc'}]"
    rm -rf "$state/@seccomp" # the filters of the containers before
    t "$mode: podman's profile, new privileges allowed" 0 'NoNewPrivs:.0' $rt run --bundle "$tmp/p-$mode" p1
    # The compiled filter is kept in the state directory and used by the next container.
    t "$mode: podman's profile cached" 0 '^1 600 ' sh -c "ls $state/@seccomp | wc -l | tr '\\n' ' '; stat -c '%a %U' $state/@seccomp/*.bpf"
    t "$mode: podman's profile from the cache" 0 'NoNewPrivs:.0' $rt run --bundle "$tmp/p-$mode" p2
    t "$mode: podman's profile cached once" 0 '^1$' sh -c "ls $state/@seccomp | wc -l"
  else
    echo "SKIP $mode: podman's profile (no /usr/share/containers/seccomp.json)"
  fi

  # A long-running container: state, list, kill by name, "container not running".
  cfg "$tmp/a" "c['process']['args']=['sleep','100']; c['annotations']={'org.example':'yes'}"
  $as $rt run --keep --bundle "$tmp/a" --pid-file "$w/pid" s1 >"$tmp/s1.out" 2>&1 &
  runner=$!
  for i in $(seq 50); do [ -s "$w/pid" ] && break; sleep 0.1; done
  t "$mode: pid file written" 0 '^[0-9]+$' cat "$w/pid"
  t "$mode: state running" 0 '"status":"running"' sh -c "$rt state s1 | tr -d ' \n'"
  t "$mode: state annotations" 0 '"org.example":"yes"' sh -c "$rt state s1 | tr -d ' \n'"
  t "$mode: list" 0 '^s1 +[0-9]+ +running' $rt list
  t "$mode: delete refuses a running one" 1 'not stopped' $rt delete s1
  t "$mode: kill with a bad signal" 1 'unknown signal' $rt kill s1 SIGNOPE
  t "$mode: kill KILL" 0 '' $rt kill s1 KILL
  wait $runner
  rc=$?
  [ "$rc" -eq 137 ] && ok "$mode: run exits 128+9" || { echo "run said:"; cat "$tmp/s1.out"; bad "$mode: run exit $rc, want 137"; }
  t "$mode: state stopped (--keep)" 0 '"status":"stopped"' sh -c "$rt state s1 | tr -d ' \n'"
  t "$mode: kill a stopped one" 1 'container not running' $rt kill s1 9
  t "$mode: delete" 0 '' $rt delete s1
  t "$mode: state of a deleted one" 1 'does not exist' $rt state s1

  # delete --force of a running container.
  $as $rt run --bundle "$tmp/a" s2 >/dev/null 2>&1 &
  runner=$!
  for i in $(seq 50); do $as $rt state s2 >/dev/null 2>&1 && break; sleep 0.1; done
  t "$mode: delete --force" 0 '' $rt delete --force s2
  wait $runner
  t "$mode: gone after delete --force" 1 'does not exist' $rt state s2

  # The engines' calls, each its own process: create (held, the pid file written before
  # it exits), start, exec, ps, pause, resume, kill --all, delete; and their errors.
  # A box cgroup (a pids limit) for ps, pause and kill --all: not for nobody on v1.
  # Its cgroupsPath (made by create, removed by delete): as root a new one at the top,
  # in every hierarchy; rootless on v2 one below the delegated cgroup.
  cgroups="" cgpath=""
  v2=""
  [ -f /sys/fs/cgroup/cgroup.controllers ] && v2=yes
  if [ "$mode" = root ]; then
    cgroups=yes cgpath=/boxoci-test-$$
  elif [ -n "$v2" ] && [ -n "${BOXOCI_TEST_CGROUP:-}" ]; then
    cgroups=yes cgpath=$BOXOCI_TEST_CGROUP/boxoci-test-$$
  fi
  res=""
  [ -n "$cgroups" ] && res="; c['linux']['resources']={'pids':{'limit':50},'cpu':{'shares':1024},'memory':{'limit':134217728}}; c['linux']['cgroupsPath']='$cgpath'"
  cfg "$tmp/a" "c['process']['args']=['sh','-c','echo started >/tmp/m; sleep 100 & exec sleep 101']; c['process']['env'].append('FOO=bar'); c['mounts'].append({'destination':'/tmp','type':'tmpfs','options':['size=1m','mode=1777']})$res"
  rm -f "$w/pid"
  t "$mode: create" 0 '' $rt create --bundle "$tmp/a" --pid-file "$w/pid" c3
  t "$mode: create: pid file written" 0 '^[0-9]+$' cat "$w/pid"
  t "$mode: create: state created" 0 '"status":"created"' sh -c "$rt state c3 | tr -d ' \n'"
  t "$mode: create: state's pid is the pid file's" 0 "\"pid\":$(cat "$w/pid")," sh -c "$rt state c3 | tr -d ' \n'"
  t "$mode: create: not started yet" 1 'container not running' $rt exec c3 true
  t "$mode: create: an id twice" 1 'exists already' $rt create --bundle "$tmp/a" c3
  t "$mode: create: a bad id" 1 'not valid' $rt create --bundle "$tmp/a" 'a/b'
  t "$mode: start" 0 '' $rt start c3
  t "$mode: start: state running" 0 '"status":"running"' sh -c "$rt state c3 | tr -d ' \n'"
  t "$mode: start twice" 1 'cannot start a container that is running' $rt start c3
  t "$mode: list" 0 '^c3 +[0-9]+ +running' $rt list
  t "$mode: exec: env and the container's pid 1" 0 '^bar sleep 101$' $rt exec c3 \
    sh -c 'echo $FOO $(tr "\\0" " " </proc/1/cmdline)'
  t "$mode: exec: the program ran" 0 '^started$' $rt exec c3 cat /tmp/m
  t "$mode: exec: exit code" 6 '' $rt exec c3 sh -c 'exit 6'
  t "$mode: exec: --cwd --env" 0 '^1 /tmp bar$' $rt exec --cwd /tmp --env X=1 c3 \
    sh -c 'echo $X $(pwd) $FOO'
  echo '{"args":["sh","-c","echo p=$P $(pwd)"],"env":["P=q"],"cwd":"/proc"}' >"$w/proc.json"
  t "$mode: exec --process" 0 '^p=q /proc$' $rt exec --process "$w/proc.json" c3
  echo '{"args":["true"],"capabilities":{"bounding":["CAP_SYS_ADMIN"]}}' >"$w/proc2.json"
  t "$mode: exec --process: other capabilities refused" 1 'process.capabilities' \
    $rt exec --process "$w/proc2.json" c3
  t "$mode: exec --user" 0 '^0:0 0$' $rt exec c3 sh -c 'echo $(id -u):$(id -g) $(id -G)'
  [ "$mode" = root ] && t "$mode: exec --user of another user" 0 '^5:6 6$' $rt exec --user 5:6 c3 \
    sh -c 'echo $(id -u):$(id -g) $(id -G)'
  t "$mode: exec --user: not numbers" 1 'UID\[:GID\] in numbers' $rt exec --user x c3 true
  t "$mode: exec --detach --pid-file" 0 '' $rt exec --detach --pid-file "$w/epid" c3 sleep 50
  t "$mode: exec --detach: it runs" 0 '' kill -0 "$(cat "$w/epid")"
  # (until_ns.sh PIDFILE OP N: the live processes (not zombies) in the pid namespace of
  # PIDFILE's, compared with test's OP to N, within 10 s)
  cat >"$tmp/until_ns.sh" <<'EOF'
ns=$(readlink /proc/"$(cat "$1")"/ns/pid)
live() { for p in /proc/[0-9]*; do [ "$(readlink $p/ns/pid 2>/dev/null)" = "$ns" ] && [ -n "$(tr -d '\0' <$p/cmdline 2>/dev/null)" ] && echo "$p $(tr '\0' ' ' <$p/cmdline)"; done; }
for i in $(seq 100); do
  [ "$(live | wc -l)" "$2" "$3" ] && exit 0
  sleep 0.1
done
echo "live processes, not $2 $3:"; live; exit 1
EOF
  if [ -n "$cgroups" ]; then
    # The container's cgroup file (where its pid 1 is; on v2 its processes are in the
    # leaf "init" below): pause and update check what they wrote there.
    cgfile() { # CONTROLLER FILE [PIDFILE]
      if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
        echo "/sys/fs/cgroup$(dirname "$(sed -n 's/^0:://p' "/proc/$(cat "${3:-$w/pid}")/cgroup")")/$2"
      else
        echo "/sys/fs/cgroup/$1$(grep -E "^[0-9]+:([^:]*,)?$1(,[^:]*)?:" "/proc/$(cat "${3:-$w/pid}")/cgroup" | cut -d: -f3)/$2"
      fi
    }
    t "$mode: ps --format json" 0 "[[,]$(cat "$w/epid")[],]" $rt ps --format json c3
    t "$mode: ps (table)" 0 'sleep 101' $rt ps c3
    t "$mode: pause" 0 '' $rt pause c3
    t "$mode: pause: state paused" 0 '"status":"paused"' sh -c "$rt state c3 | tr -d ' \n'"
    [ -z "$v2" ] || t "$mode: pause: the cgroup is frozen (cgroup.freeze)" 0 '^frozen 1$' \
      grep frozen "$(cgfile pids cgroup.events)"
    t "$mode: pause: exec refused" 1 'paused' $rt exec c3 true
    t "$mode: resume" 0 '' $rt resume c3
    t "$mode: resume: state running" 0 '"status":"running"' sh -c "$rt state c3 | tr -d ' \n'"
    [ -z "$v2" ] || t "$mode: resume: the cgroup is thawed" 0 '^frozen 0$' \
      grep frozen "$(cgfile pids cgroup.events)"
    # update: the limits from flags and from --resources on stdin.
    mem=memory.limit_in_bytes quota=cpu.cfs_quota_us shares=cpu.shares s1024=1024 s512=512
    [ -n "$v2" ] && mem=memory.max quota=cpu.max shares=cpu.weight s1024=39 s512=20
    t "$mode: create: cpu.shares 1024 as runc writes it" 0 "^$s1024\$" cat "$(cgfile cpu $shares)"
    t "$mode: create: memory.limit" 0 '^134217728$' cat "$(cgfile memory $mem)"
    t "$mode: create: the container's cgroup is below its cgroupsPath" 0 '' sh -c \
      "case $(cgfile pids pids.max) in /sys/fs/cgroup$cgpath/*|/sys/fs/cgroup/pids$cgpath/*) ;; *) exit 1 ;; esac"
    c3cg=$(dirname "$(cgfile pids pids.max)")
    t "$mode: update --cpu-share" 0 '' $rt update --cpu-share 512 c3
    t "$mode: update --cpu-share: the cgroup's" 0 "^$s512\$" cat "$(cgfile cpu $shares)"
    t "$mode: update --memory" 0 '' $rt update --memory 64m c3
    t "$mode: update --memory: the cgroup's limit" 0 '^67108864$' cat "$(cgfile memory $mem)"
    t "$mode: update --resources -" 0 '' sh -c "echo '{\"pids\":{\"limit\":20},\"cpu\":{\"quota\":50000,\"period\":100000}}' | $rt update --resources - c3"
    t "$mode: update --resources: pids" 0 '^20$' cat "$(cgfile pids pids.max)"
    t "$mode: update --resources: cpu quota" 0 '^50000( 100000)?$' cat "$(cgfile cpu $quota)"
    t "$mode: update: the pids limit holds inside" 0 '^held$' $rt exec c3 sh -c \
      '(i=0; while [ $i -lt 30 ]; do sleep 5 & i=$((i + 1)); done) 2>/dev/null || echo held'
    t "$mode: update --pids-limit" 0 '' $rt update --pids-limit 40 c3
    t "$mode: update --pids-limit: the cgroup's limit" 0 '^40$' cat "$(cgfile pids pids.max)"
    echo '{"pids":{"limit":30},"cpu":{"cpus":"0"}}' >"$w/res.json"
    t "$mode: update: a cpuset refused, naming the field" 1 'resources: cpu.cpus: libbox cannot change the cpuset' \
      $rt update --resources "$w/res.json" c3
    t "$mode: update: a refused field changes nothing" 0 '^40$' cat "$(cgfile pids pids.max)"
    t "$mode: update: -1 refused" 1 'resources: memory.limit: -1 \(no limit\)' $rt update --memory -1 c3
    t "$mode: update: a period alone refused" 1 'resources: cpu.period' $rt update --cpu-period 50000 c3
    t "$mode: update: rt refused" 1 'resources: cpu.realtimeRuntime' $rt update --cpu-rt-runtime 10 c3
    t "$mode: update: not JSON" 1 'resources: not valid JSON' sh -c "echo '{' | $rt update -r - c3"
    t "$mode: update: a bad size" 1 'update: --memory 12q: not a size' $rt update --memory 12q c3
    t "$mode: update: flags and --resources" 1 'either with --resources or as flags' \
      $rt update --memory 64m --resources "$w/res.json" c3
    # update of a created container (as runc allows): its cgroup has the new limit before
    # start, and its program starts under it.
    t "$mode: create (to update)" 0 '' $rt create --bundle "$tmp/a" --pid-file "$w/pid9" c9
    t "$mode: update of a created container" 0 '' $rt update --pids-limit 33 c9
    t "$mode: update of a created container: the cgroup's limit" 0 '^33$' cat "$(cgfile pids pids.max "$w/pid9")"
    t "$mode: update --resources of a created container" 0 '' sh -c "echo '{\"pids\":{\"limit\":34}}' | $rt update --resources - c9"
    t "$mode: start after update" 0 '' $rt start c9
    t "$mode: start after update: the limit holds" 0 '^34$' cat "$(cgfile pids pids.max "$w/pid9")"
    t "$mode: delete after update" 0 '' $rt delete --force c9
    # TERM to all: the children end, pid 1 (without a handler) does not.
    t "$mode: kill --all TERM" 0 '' $rt kill --all c3 TERM
    # (a script, not a shell function: rootless, t runs it through setpriv)
    t "$mode: kill --all TERM: only pid 1 is left" 0 '' sh -c "for i in \$(seq 100); do
      [ \"\$($rt ps --format json c3 | tr -cd , | wc -c)\" -eq 0 ] && exit 0; sleep 0.1; done; exit 1"
  else
    t "$mode: pause without a cgroup (v1 rootless)" 1 'no cgroup' $rt pause c3
    t "$mode: ps without a cgroup (v1 rootless)" 1 'no cgroup' $rt ps c3
    t "$mode: update without a cgroup (v1 rootless)" 1 'resources: pids.limit: .*no cgroup' \
      $rt update --pids-limit 10 c3
    # kill --all without a cgroup: to every process of the container's pid namespace (the
    # child ends by TERM, pid 1 without a handler does not).
    t "$mode: pid 1 and its children in the pid namespace" 0 '' sh "$tmp/until_ns.sh" "$w/pid" -gt 1
    t "$mode: kill --all TERM without a cgroup" 0 '' $rt kill --all c3 TERM
    t "$mode: kill --all TERM without a cgroup: only pid 1 is left" 0 '' sh "$tmp/until_ns.sh" "$w/pid" -eq 1
  fi
  # kill --all while a process of the container forks (a bounded loop, a child of pid 1):
  # the forked children are signalled too (the cgroup is frozen meanwhile; without one,
  # every process is stopped first, until none is left unstopped), so only pid 1 (which
  # ignores TERM) is left.
  bundle f $flag
  cfg "$tmp/f" "c['process']['args']=['sh','-c','sh -c \"i=0; while [ \\\$i -lt 400 ]; do sleep 1000 & i=\\\$((i + 1)); [ \\\$((i % 20)) = 0 ] && sleep 0.1; done\" & exec sleep 1000']"
  t "$mode: a container that forks" 0 '' $rt run --detach --bundle "$tmp/f" --pid-file "$w/pidf" c10
  t "$mode: ... forking" 0 '' sh "$tmp/until_ns.sh" "$w/pidf" -gt 40
  t "$mode: kill --all TERM while it forks" 0 '' $rt kill --all c10 TERM
  t "$mode: kill --all TERM while it forks: only pid 1 is left" 0 '' sh "$tmp/until_ns.sh" "$w/pidf" -eq 1
  t "$mode: kill --all TERM while it forks: nothing stays stopped" 0 '' sh -c "! grep -q '^State:.*stopped' /proc/\$(cat $w/pidf)/status"
  t "$mode: delete --force the forking one" 0 '' $rt delete --force c10
  rm -rf "$tmp/f" "$w/pidf"
  t "$mode: kill --all KILL" 0 '' $rt kill --all c3 KILL
  for i in $(seq 100); do $rt state c3 | grep -q stopped && break; sleep 0.1; done
  t "$mode: killed: state stopped, pid 0" 0 '"status":"stopped","pid":0' sh -c "$rt state c3 | tr -d ' \n'"
  t "$mode: exec into a stopped one" 1 'container not running' $rt exec c3 true
  t "$mode: ps of a stopped one" 1 'container not running' $rt ps c3
  t "$mode: pause a stopped one" 1 'container not running' $rt pause c3
  t "$mode: update a stopped one" 1 'container not running' $rt update --memory 64m c3
  t "$mode: start a stopped one" 1 'cannot start a container that is stopped' $rt start c3
  t "$mode: delete" 0 '' $rt delete c3
  if [ -n "$cgroups" ]; then
    t "$mode: delete: the container's cgroup is gone" 0 '' test ! -e "$c3cg"
    t "$mode: delete: the cgroupsPath create made is gone" 0 '' sh -c \
      "! ls -d /sys/fs/cgroup$cgpath /sys/fs/cgroup/*$cgpath 2>/dev/null | grep ."
  fi
  t "$mode: delete --force of an unknown id is done" 0 '' $rt delete --force c3
  for cmd in start state delete exec pause update; do
    t "$mode: $cmd of an unknown id" 1 'container "c3" does not exist' $rt $cmd c3
  done
  t "$mode: run --detach" 0 '' $rt run --detach --bundle "$tmp/a" c4
  t "$mode: run --detach: running" 0 '"status":"running"' sh -c "$rt state c4 | tr -d ' \n'"
  t "$mode: delete --force of a running one" 0 '' $rt delete --force c4
  t "$mode: created then deleted (never started)" 0 '' sh -c "$rt create --bundle $tmp/a c5 && $rt delete c5"
  cfg "$tmp/a" "c['process']['user']['uid']='x'"
  t "$mode: a bad value names the field" 1 'config.json: process.user.uid' $rt create --bundle "$tmp/a" c6

  # A terminal through the console socket (podman -t, ctr run -t): the pty master is
  # sent before create exits; the program's stdio is the pty's slave, of its size.
  cfg "$tmp/a" "c['process']['terminal']=True; c['process']['consoleSize']={'height':30,'width':100}; c['process']['args']=['sh','-c','tty; stty size; echo hi-tty']; c['process']['user']['uid']=0"
  rm -f "$w/console.sock" "$w/console.ready"
  $as /usr/bin/python3 "$(dirname "$0")/console-socket.py" "$w/console.sock" "$w/console.out" \
    >"$w/console.ready" 2>&1 &
  listener=$!
  for i in $(seq 100); do [ -s "$w/console.ready" ] && break; sleep 0.1; done
  t "$mode: create --console-socket" 0 '' $rt create --bundle "$tmp/a" --console-socket "$w/console.sock" t1
  t "$mode: start with a terminal" 0 '' $rt start t1
  wait $listener
  t "$mode: the program's stdout is a pty" 0 '^/dev/pts/[0-9]+$' sh -c "tr -d '\r' <$w/console.out"
  t "$mode: consoleSize" 0 '^30 100$' sh -c "tr -d '\r' <$w/console.out"
  t "$mode: the program's output" 0 '^hi-tty$' sh -c "tr -d '\r' <$w/console.out"
  for i in $(seq 100); do $rt state t1 | grep -q stopped && break; sleep 0.1; done
  t "$mode: delete after a terminal" 0 '' $rt delete t1
  # exec --tty: the exec's own pty, its master through the console socket too.
  cfg "$tmp/a" "c['process']['terminal']=False; c['process']['args']=['sleep','100']"
  t "$mode: exec --tty: a container" 0 '' $rt run --detach --bundle "$tmp/a" t3
  rm -f "$w/console.sock" "$w/console.ready"
  $as /usr/bin/python3 "$(dirname "$0")/console-socket.py" "$w/console.sock" "$w/console.out" \
    >"$w/console.ready" 2>&1 &
  listener=$!
  for i in $(seq 100); do [ -s "$w/console.ready" ] && break; sleep 0.1; done
  t "$mode: exec --tty --console-socket" 0 '' $rt exec --tty --console-socket "$w/console.sock" t3 \
    sh -c 'tty; echo hi-exec-tty'
  wait $listener
  t "$mode: exec --tty: a pty" 0 '^/dev/pts/[0-9]+$' sh -c "tr -d '\r' <$w/console.out"
  t "$mode: exec --tty: its output" 0 '^hi-exec-tty$' sh -c "tr -d '\r' <$w/console.out"
  t "$mode: exec --tty without --console-socket" 1 'needs --console-socket' $rt exec --tty t3 true
  t "$mode: exec --tty: delete" 0 '' $rt delete --force t3
  cfg "$tmp/a" "c['process']['terminal']=True"
  t "$mode: a terminal without --console-socket" 1 'needs --console-socket' $rt create --bundle "$tmp/a" t2
  cfg "$tmp/a" "c['process']['terminal']=False"
  t "$mode: --console-socket without a terminal" 1 'process.terminal is false' \
    $rt create --bundle "$tmp/a" --console-socket "$w/none.sock" t2

  # Errors name the field, in the JSON log too, and leave nothing behind.
  cfg "$tmp/a" "c['process']['user']['uid']=0; c['process']['apparmorProfile']='x'"
  # (a kernel with AppArmor enabled, e.g. Debian's in the VM, gets the other refusal)
  aa='AppArmor is not available'
  grep -qs '^Y' /sys/module/apparmor/parameters/enabled && aa='libbox cannot apply AppArmor profiles yet'
  t "$mode: refused field named" 1 "config.json: process.apparmorProfile: $aa" \
    $rt --log "$w/log" --log-format json run --bundle "$tmp/a" e1
  t "$mode: json log line" 0 '^\{"level":"error","msg":"config.json: process.apparmorProfile' cat "$w/log"
  cfg "$tmp/a" "del c['process']['apparmorProfile']; c['process']['args']=['/no/such/program']"
  t "$mode: exec failure reported" 1 'no/such/program' $rt run --bundle "$tmp/a" e2
  # (but the compiled seccomp filters, shared by all containers: @seccomp)
  t "$mode: nothing left in the state directory" 0 '' sh -c "[ -z \"\$(ls $state | grep -vx @seccomp)\" ]"
  [ "$(grep -c -e "$tmp" -e /run/libbox /proc/self/mountinfo || :)" -eq "$mounts_before" ] &&
    ok "$mode: no mount left" ||
    bad "$mode: mounts changed"
  t "$mode: --systemd-cgroup refused" 1 'no systemd cgroup driver' $rt --systemd-cgroup state x
}

modes=${BOXOCI_TEST_MODES:-root rootless}
case " $modes " in *" root "*) suite root ;; esac
case " $modes " in
*" rootless "*)
  # util-linux's setpriv, by its path: busybox's (no --reuid) is what a busybox shell
  # runs for a bare "setpriv", whatever PATH holds.
  setpriv=
  for d in $(echo "$PATH" | tr : ' '); do
    if [ -x "$d/setpriv" ] && "$d/setpriv" --help 2>&1 | grep -q -e --reuid; then
      setpriv=$d/setpriv
      break
    fi
  done
  if [ -n "$setpriv" ] && id nobody >/dev/null 2>&1; then
    as="$setpriv --reuid=nobody --regid=nogroup --clear-groups"
    export XDG_RUNTIME_DIR=""
    suite rootless
  else
    echo "SKIP rootless: no setpriv (util-linux) or no user nobody"
  fi ;;
esac
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
