#!/usr/bin/env python3
"""Build the image tests' inputs from a busybox root (tests/mkrootfs.sh): one image of two
layers (the second deletes /etc/group with a whiteout and makes /opq opaque), packed as an
OCI layout, an oci-archive and a docker-archive; and hostile variants, one bad thing each.

Usage: mkimage.py ROOTFS OUTDIR
Writes OUTDIR/oci (layout), oci.tar, docker.tar and OUTDIR/hostile/NAME (OCI layouts)."""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile


def sha(data):
    return hashlib.sha256(data).hexdigest()


def tar_bytes(add):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        add(t)
    return buf.getvalue()


def member(t, name, data=b"", kind=tarfile.REGTYPE, mode=0o644, link="", dev=(0, 0)):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.uid = info.gid = 0
    info.mtime = 1700000000
    info.linkname = link
    info.devmajor, info.devminor = dev
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    t.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def rootfs_layer(rootfs):
    def owned_by_root(info):
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    def add(t):
        for name in sorted(os.listdir(rootfs)):
            t.add(os.path.join(rootfs, name), name, filter=owned_by_root)
        member(t, "opq", kind=tarfile.DIRTYPE, mode=0o755)
        member(t, "opq/a", b"a\n")
        member(t, "gone", b"gone\n")
    return tar_bytes(add)


def top_layer(t):
    member(t, "etc/.wh.group")
    member(t, "opq", kind=tarfile.DIRTYPE, mode=0o755)
    member(t, "opq/.wh..wh..opq")
    member(t, "opq/b", b"b\n")
    member(t, ".wh.gone")
    member(t, "hello", b"#!/bin/sh\necho hello from layer 2\n", mode=0o755)
    member(t, "hello-link", kind=tarfile.LNKTYPE, link="hello")


CONFIG = {
    "architecture": "amd64",
    "os": "linux",
    "config": {
        "Env": ["PATH=/bin:/sbin", "FOO=bar from image"],
        "Entrypoint": ["/bin/sh", "-c"],
        "Cmd": ["echo default cmd; pwd"],
        "WorkingDir": "/work/dir",
        "StopSignal": "SIGUSR1",
    },
}


def write_oci(out, layers, ref="libbox/test:1", config=None, mangle=None, diff_ids_of=None):
    """layers: list of (uncompressed tar bytes, compress?); diff_ids_of rewrites the
    config's diff_ids (to make it lie)."""
    blobs = os.path.join(out, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    descs, diff_ids = [], []
    store = {}
    for raw, compress in layers:
        diff_ids.append("sha256:" + sha(raw))
        blob = gzip.compress(raw, mtime=0) if compress else raw
        media = "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if compress else "")
        descs.append({"mediaType": media, "digest": "sha256:" + sha(blob), "size": len(blob)})
        store[sha(blob)] = blob
    cfg = dict(config or CONFIG)
    cfg["rootfs"] = {"type": "layers",
                     "diff_ids": diff_ids_of(diff_ids) if diff_ids_of else diff_ids}
    cfg_bytes = json.dumps(cfg).encode()
    store[sha(cfg_bytes)] = cfg_bytes
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": "sha256:" + sha(cfg_bytes), "size": len(cfg_bytes)},
        "layers": descs,
    }
    man_bytes = json.dumps(manifest).encode()
    store[sha(man_bytes)] = man_bytes
    index = {"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": "sha256:" + sha(man_bytes), "size": len(man_bytes),
        "annotations": {"org.opencontainers.image.ref.name": ref}}]}
    if mangle:
        mangle(store, descs)
    for hexd, data in store.items():
        if data is not None:
            with open(os.path.join(blobs, hexd), "wb") as f:
                f.write(data)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    return cfg_bytes


def tar_dir(src, dst):
    with tarfile.open(dst, "w") as t:
        for name in sorted(os.listdir(src)):
            t.add(os.path.join(src, name), name)


def write_docker(out_tar, layers, ref="libbox/docker:1"):
    files = {}
    diff_ids, paths = [], []
    for i, raw in enumerate(layers):
        paths.append("%d/layer.tar" % i)
        files[paths[-1]] = raw
        diff_ids.append("sha256:" + sha(raw))
    cfg = dict(CONFIG)
    cfg["config"] = dict(CONFIG["config"], Labels={"from": "docker-archive"})
    cfg["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
    cfg_bytes = json.dumps(cfg).encode()
    files[sha(cfg_bytes) + ".json"] = cfg_bytes
    files["manifest.json"] = json.dumps([{"Config": sha(cfg_bytes) + ".json",
                                          "RepoTags": [ref], "Layers": paths}]).encode()

    def add(t):
        for name, data in files.items():
            member(t, name, data)
    with open(out_tar, "wb") as f:
        f.write(tar_bytes(add))


def hostile(out, rootfs_raw):
    def one(name, add, **kw):
        write_oci(os.path.join(out, name), [(rootfs_raw, True), (tar_bytes(add), False)], **kw)

    one("dotdot", lambda t: member(t, "../../escaped-dotdot", b"x"))
    one("absolute", lambda t: member(t, "/tmp/escaped-absolute", b"x"))
    one("symlink", lambda t: (member(t, "evil", kind=tarfile.SYMTYPE, link="/tmp"),
                              member(t, "evil/escaped-symlink", b"x")))
    one("symlink-dotdot", lambda t: (member(t, "up", kind=tarfile.SYMTYPE, link="../../.."),
                                     member(t, "up/escaped-symlink2", b"x")))
    one("hardlink", lambda t: member(t, "passwd", kind=tarfile.LNKTYPE, link="../../etc/passwd"))
    one("hardlink-abs", lambda t: member(t, "passwd", kind=tarfile.LNKTYPE, link="/etc/passwd"))
    one("device", lambda t: member(t, "mem", kind=tarfile.CHRTYPE, dev=(1, 1), mode=0o600))

    good_top = tar_bytes(top_layer)

    def mismatch(store, descs):
        h = descs[1]["digest"][7:]
        store[h] = store[h][:-1] + bytes([store[h][-1] ^ 1])

    def truncated(store, descs):
        h = descs[1]["digest"][7:]
        store[h] = store[h][: len(store[h]) // 2]

    def missing(store, descs):
        store[descs[1]["digest"][7:]] = None

    # The config names a diff_id the top layer's content does not hash to (an image that
    # would plant its content under another layer's name in the store).
    write_oci(os.path.join(out, "diff-id-lie"), [(rootfs_raw, True), (good_top, False)],
              diff_ids_of=lambda d: [d[0], "sha256:" + "0" * 64])
    # A config with fewer diff_ids than the manifest has layers.
    write_oci(os.path.join(out, "diff-ids-short"), [(rootfs_raw, True), (good_top, False)],
              diff_ids_of=lambda d: d[:1])

    for name, fn in (("digest-mismatch", mismatch), ("truncated", truncated),
                     ("missing", missing)):
        write_oci(os.path.join(out, name), [(rootfs_raw, True), (good_top, False)], mangle=fn)


def main():
    rootfs, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    raw1 = rootfs_layer(rootfs)
    raw2 = tar_bytes(top_layer)
    write_oci(os.path.join(out, "oci"), [(raw1, True), (raw2, False)])
    write_oci(os.path.join(out, "oci-src"), [(raw1, True), (raw2, False)],
              ref="libbox/ocitar:1")
    tar_dir(os.path.join(out, "oci-src"), os.path.join(out, "oci.tar"))
    write_docker(os.path.join(out, "docker.tar"), [raw1, raw2])
    hostile(os.path.join(out, "hostile"), raw1)


if __name__ == "__main__":
    main()
