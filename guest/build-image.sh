#!/bin/bash
# guest/build-image.sh OUTDIR [DEB_CACHE]
#
# Builds the Stratus test guest, a cirros-like VM image made only of Debian packages:
#   OUTDIR/stratus-guest.qcow2  bootable disk: MBR -> syslinux -> FAT partition holding
#                               vmlinuz + initrd.img (the whole OS is the initramfs),
#                               then a small ext4 partition the guest mounts on /mnt so
#                               that Tempest's timestamp files survive a snapshot
#   OUTDIR/vmlinuz              the kernel alone (a KVM probe boots it without a disk)
#   OUTDIR/manifest.json        kernel and package versions, sizes
# Runs as root (mknod /dev/console, root-owned files in the initramfs). The kernel is
# apt-get download'ed and unpacked in a temp dir, never installed on this host; with
# DEB_CACHE the .deb is kept there and reused while the version stays the same.
set -euo pipefail

GUEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:?usage: build-image.sh OUTDIR [DEB_CACHE]}
DEBS=${2:-}
log() { echo "build-image: $*" >&2; }
die() { echo "build-image: ERROR: $*" >&2; exit 1; }

# What the build reads from the host. Keep in sync with GUEST_DEBS in src/guest/guest-image.ts.
HOST_DEBS=(busybox-static dropbear-bin util-linux e2fsprogs syslinux syslinux-common mtools dosfstools qemu-utils cpio)

[ "$(id -u)" = 0 ] || die "must run as root (mknod of /dev/console, root-owned initramfs files)"
for p in "${HOST_DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
    die "Debian package $p is not installed (apt-get install -y ${HOST_DEBS[*]})"
done
deb_version() { dpkg-query -W -f='${Version}' "$1"; }

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
W=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$W"' EXIT

# --- 1. kernel: the package linux-image-cloud-amd64 depends on, unpacked with dpkg-deb -x
KPKG=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ && !k { k = $2 } END { print k }')
[ -n "$KPKG" ] || die "apt-cache knows no linux-image-cloud-amd64 dependency (run apt-get update)"
KVER=${KPKG#linux-image-}
log "kernel package $KPKG"
KWANT=$(apt-cache show --no-all-versions "$KPKG" 2>/dev/null | awk '/^Version:/ && !v { v = $2 } END { print v }')   # no early exit: SIGPIPE + pipefail
KDEB=
for d in ${DEBS:+"$DEBS"} /var/cache/apt/archives; do   # a copy at hand saves the mirror a trip
  KDEB=$(ls "$d/${KPKG}_${KWANT//:/%3a}_"*.deb 2>/dev/null | head -1 || true)
  [ -n "$KDEB" ] && break
done
if [ -z "$KDEB" ]; then
  for try in 1 2 3; do   # the mirror sometimes refuses a connection; try again
    (cd "$W" && apt-get download -q "$KPKG" >/dev/null 2>"$W/apt.err") && break
    [ $try = 3 ] && die "apt-get download $KPKG failed: $(grep -v '^W:' "$W/apt.err" | tail -1)"
    sleep 2
  done
  KDEB=$(ls "$W"/"$KPKG"_*.deb | tail -1)
  if [ -n "$DEBS" ]; then   # keep it; copy + rename so a concurrent build never reads half a file
    mkdir -p "$DEBS"
    cp "$KDEB" "$DEBS/.$(basename "$KDEB").$$" && mv -f "$DEBS/.$(basename "$KDEB").$$" "$DEBS/$(basename "$KDEB")"
  fi
fi
KDEB_VERSION=$(dpkg-deb -f "$KDEB" Version)
dpkg-deb -x "$KDEB" "$W/kroot"
KERNEL=$W/kroot/boot/vmlinuz-$KVER
KMOD=$W/kroot/lib/modules/$KVER
[ -f "$KERNEL" ] || die "$KDEB holds no boot/vmlinuz-$KVER"
busybox depmod -b "$W/kroot" "$KVER"   # the .deb ships no modules.dep (depmod runs at install)

# --- 2. initramfs tree
S=$W/initramfs
mkdir -p "$S"/{bin,sbin,usr/bin,usr/sbin,etc,lib/x86_64-linux-gnu,lib64,proc,sys,dev,run,tmp,root,mnt,var/log}
ln -s ../run "$S/var/run"           # Tempest reads /var/run/udhcpc.<nic>.pid
install -m 755 /bin/busybox "$S/bin/busybox"      # busybox-static: needs no libc
for a in $(busybox --list-full); do
  [ -e "$S/$a" ] || ln -s /bin/busybox "$S/$a"
done
ln -s /bin/busybox "$S/init"        # busybox init runs /etc/inittab -> /etc/init.d/rcS

# A Debian binary and the shared libraries ldd finds for it, at the same paths.
copy_bin() {  # SRC DEST
  rm -f "$S$2"; install -D -m 755 "$1" "$S$2"
  { ldd "$1" || true; } | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
    while read -r lib; do
      [ -e "$S$lib" ] || install -D -m 755 "$(readlink -f "$lib")" "$S$lib"
    done
}
copy_bin /usr/sbin/dropbear /usr/sbin/dropbear          # dropbear-bin: the SSH server
copy_bin /usr/bin/dropbearkey /usr/bin/dropbearkey
copy_bin /usr/bin/lsblk /bin/lsblk                      # util-linux: Tempest's get_disks
copy_bin /usr/sbin/blkid /sbin/blkid                    # util-linux: blkid -L config-2 -o device
copy_bin /usr/sbin/mke2fs /sbin/mke2fs                  # e2fsprogs: mke2fs -t ext4 (stamp pattern)
for l in mkfs.ext3 mkfs.ext4; do rm -f "$S/sbin/$l"; ln -s mke2fs "$S/sbin/$l"; done
install -m 644 /etc/mke2fs.conf "$S/etc/mke2fs.conf"
# getpwnam() in dropbear: glibc's files backend (tiny; present or built in, depending on glibc)
for f in /lib/x86_64-linux-gnu/libnss_files.so.2; do [ -e "$f" ] && install -m 755 "$f" "$S$f"; done

# Kernel modules: each one and everything modules.dep says it needs; a name ending in
# '?' is optional (skipped when this kernel has it neither as module nor built in).
MODULES=(virtio_pci virtio_net virtio_blk virtio_balloon virtio_scsi virtio_rng 'virtio_console?'
         ata_piix 'ahci?' sd_mod sr_mod cdrom isofs vfat nls_cp437 nls_ascii nls_utf8 nls_iso8859_1
         ext4 button evdev)
# the line of module NAME in modules.dep / modules.builtin; '-' and '_' are the same in a
# module name (virtio-rng.ko is virtio_rng), as for modprobe
modline() {
  awk -v want="$1" '{ f = $1; sub(/:$/, "", f); sub(/.*\//, "", f); sub(/\.ko$/, "", f); gsub(/-/, "_", f)
                      if (f == want) { print; exit } }' "$2"
}
loaded=() builtin=()
for m in "${MODULES[@]}"; do
  name=${m%\?}
  dep=$(modline "$name" "$KMOD/modules.dep")
  if [ -n "$dep" ]; then
    for f in $(echo "$dep" | tr -d :); do install -D -m 644 "$KMOD/$f" "$S/lib/modules/$KVER/$f"; done
    loaded+=("$name")
  elif [ -n "$(modline "$name" "$KMOD/modules.builtin")" ]; then
    builtin+=("$name")
  elif [ "$m" = "$name" ]; then
    die "kernel $KVER has no module $name"
  fi
done
cp "$KMOD/modules.builtin" "$KMOD/modules.order" "$S/lib/modules/$KVER/"
busybox depmod -b "$S" "$KVER"
printf '%s\n' "${loaded[@]}" > "$S/etc/modules"   # rcS modprobes these, in this order

# The guest's own files (init scripts, udhcpc hook, acpi handler, shims, /etc).
cp -a --remove-destination "$GUEST_DIR/rootfs/." "$S/"
chown -R 0:0 "$S"
chmod 700 "$S/root"
mknod -m 600 "$S/dev/console" c 5 1
mknod -m 666 "$S/dev/null" c 1 3
(cd "$S" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -9n) > "$W/initrd.img"
INITRD_BYTES=$(stat -c %s "$W/initrd.img")
KERNEL_BYTES=$(stat -c %s "$KERNEL")
log "initrd $INITRD_BYTES bytes, kernel $KERNEL_BYTES bytes"

# --- 3. disk: MBR (syslinux mbr.bin) + p1 FAT16 boot (active) + p2 ext4 "stratus-data"
MIB=$((1024 * 1024))
BOOT_MB=$(( (KERNEL_BYTES + INITRD_BYTES) / MIB + 6 ))   # room for a kernel update in place
[ "$BOOT_MB" -ge 24 ] || BOOT_MB=24                       # FAT16 wants >= 4085 clusters
DATA_MB=16
P1_START=2048; P1_SECTORS=$(( BOOT_MB * 2048 ))
P2_START=$(( P1_START + P1_SECTORS )); P2_SECTORS=$(( DATA_MB * 2048 ))
DISK_MB=$(( 1 + BOOT_MB + DATA_MB ))
RAW=$W/disk.raw
truncate -s "${DISK_MB}M" "$RAW"
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$RAW" bs=440 count=1 conv=notrunc status=none
le32() { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)))"; }
part() {  # SLOT BOOTFLAG TYPE START SECTORS: one MBR entry; CHS fields unused (LBA only)
  { printf "\\x$2\\xfe\\xff\\xff\\x$3\\xfe\\xff\\xff"; le32 "$4"; le32 "$5"; } |
    dd of="$RAW" bs=1 seek=$(( 446 + 16 * ($1 - 1) )) conv=notrunc status=none
}
part 1 80 0e "$P1_START" "$P1_SECTORS"     # 0x0e FAT16 LBA, active
part 2 00 83 "$P2_START" "$P2_SECTORS"     # 0x83 Linux
printf '\x55\xaa' | dd of="$RAW" bs=1 seek=510 conv=notrunc status=none

# Each filesystem is made in a file of its own size, then copied in at its offset.
truncate -s "${BOOT_MB}M" "$W/p1.img"
mkfs.fat -F 16 -n STRATUS -h "$P1_START" "$W/p1.img" >/dev/null   # -h: its LBA, for the boot sector
cat > "$W/syslinux.cfg" <<'CFG'
DEFAULT stratus
PROMPT 0
TIMEOUT 0
LABEL stratus
  KERNEL /vmlinuz
  INITRD /initrd.img
  APPEND console=tty0 console=ttyS0 panic=-1
CFG
export MTOOLS_SKIP_CHECK=1
mcopy -i "$W/p1.img" "$KERNEL" ::vmlinuz
mcopy -i "$W/p1.img" "$W/initrd.img" ::initrd.img
mcopy -i "$W/p1.img" "$W/syslinux.cfg" ::syslinux.cfg
syslinux --install "$W/p1.img"
truncate -s "${DATA_MB}M" "$W/p2.img"
mke2fs -q -F -t ext4 -L stratus-data "$W/p2.img"
dd if="$W/p1.img" of="$RAW" bs=1M seek=$(( P1_START / 2048 )) conv=notrunc status=none
dd if="$W/p2.img" of="$RAW" bs=1M seek=$(( P2_START / 2048 )) conv=notrunc status=none

qemu-img convert -c -f raw -O qcow2 "$RAW" "$W/stratus-guest.qcow2"
QCOW2_BYTES=$(stat -c %s "$W/stratus-guest.qcow2")
log "disk ${DISK_MB} MiB virtual, qcow2 $QCOW2_BYTES bytes"

# --- 4. manifest, then move the results into OUTDIR
json_list() { local first=1; printf '['; for x in "$@"; do [ $first = 1 ] || printf ', '; printf '"%s"' "$x"; first=0; done; printf ']'; }
{
  printf '{\n'
  printf '  "kernel": {"package": "%s", "version": "%s", "release": "%s", "bytes": %s},\n' \
    "$KPKG" "$KDEB_VERSION" "$KVER" "$KERNEL_BYTES"
  printf '  "packages": {'
  first=1
  for p in "${HOST_DEBS[@]}"; do
    [ $first = 1 ] || printf ', '; printf '"%s": "%s"' "$p" "$(deb_version "$p")"; first=0
  done
  printf '},\n'
  printf '  "modules": %s,\n' "$(json_list "${loaded[@]}")"
  printf '  "builtin": %s,\n' "$(json_list "${builtin[@]}")"
  printf '  "initrd_bytes": %s,\n' "$INITRD_BYTES"
  printf '  "disk_virtual_bytes": %s,\n' $(( DISK_MB * MIB ))
  printf '  "qcow2_bytes": %s,\n' "$QCOW2_BYTES"
  printf '  "login": {"user": "cirros", "ssh_port": 22},\n'
  printf '  "built_at": "%s"\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf '}\n'
} > "$W/manifest.json"
install -m 644 "$KERNEL" "$OUT/vmlinuz"
mv -f "$W/stratus-guest.qcow2" "$OUT/stratus-guest.qcow2"
mv -f "$W/manifest.json" "$OUT/manifest.json"
log "done: $OUT/stratus-guest.qcow2"
