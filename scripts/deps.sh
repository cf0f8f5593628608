#!/bin/sh
# Install what libbox needs to build and test on Debian 12 (run as root).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  gcc g++ libc6-dev meson ninja-build pkg-config \
  libcap-dev libseccomp-dev libmnl-dev libnftnl-dev libcmocka-dev \
  libarchive-dev libjson-c-dev libssl-dev skopeo docker-registry \
  busybox-static nftables passt python3 python3-pip python3-pytest python3-setuptools python3-venv bubblewrap util-linux scdoc strace \
  python3-seccomp \
  clang libclang-rt-dev dpkg-dev golang-github-containers-common \
  podman containerd runc crun uidmap \
  qemu-system-x86 >/dev/null
