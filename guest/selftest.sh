#!/bin/bash
# guest/selftest.sh [IMAGE_DIR]
#
# Boots the Stratus test guest under QEMU/TCG (KVM hangs on our build hosts) and checks
# what the cloud's tests rely on, the way Tempest does it (ssh as cirros with its key,
# Tempest's shell prologue before every command):
#   A  config drive (ISO 9660, label config-2, IDE CD-ROM): console markers, user_data,
#      hostname, ssh + sudo, curl to the metadata service, mount of the config drive,
#      ip/ping/lsblk/blkid, a hot-plugged disk with Tempest's stamp commands, DHCP renew,
#      a timestamp on /mnt, then QMP system_powerdown -> clean ACPI poweroff
#   B  a snapshot of A's disk, metadata over HTTP (OpenStack format), two NICs: the
#      timestamp survived, both NICs have leases, curl GET and POST (password)
#   C  metadata over HTTP in EC2 format only
# IMAGE_DIR holds a built image (stratus-guest.qcow2); without it one is built first
# (with GUEST_DEB_CACHE=dir, the kernel .deb is looked up / kept there).
# Needs root, qemu-system-x86, genisoimage, openssh-client, node, socat. Everything it
# makes lives in one temp dir and is removed at exit, pass or fail; it stops only the
# QEMU processes it started (by pid). Exit 0 only when every check passed.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T=$(mktemp -d /tmp/gh-selftest.XXXXXX)
PIDS=()
PASS=0 FAIL=0
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
log() { echo "[$(date +%T)] $*"; }
ok() { PASS=$((PASS + 1)); echo "  ok    $*"; }
bad() { FAIL=$((FAIL + 1)); echo "  FAIL  $*"; }
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || { echo "selftest: run as root" >&2; exit 2; }
for c in qemu-system-x86_64 qemu-img genisoimage ssh ssh-keygen node socat; do
  command -v "$c" >/dev/null || { echo "selftest: $c not found" >&2; exit 2; }
done

IMG=${1:-}
if [ -z "$IMG" ]; then
  log "building the image into $T/img"
  t0=$(now_ms)
  "$HERE/build-image.sh" "$T/img" "${GUEST_DEB_CACHE:-}" || { echo "selftest: build failed" >&2; exit 1; }
  log "built in $(( $(now_ms) - t0 )) ms"
  IMG=$T/img
fi
BASE=$IMG/stratus-guest.qcow2
[ -f "$BASE" ] || { echo "selftest: no $BASE" >&2; exit 2; }
echo "image: $(stat -c %s "$BASE") bytes qcow2, $(qemu-img info --output=json "$BASE" | awk -F': ' '/"virtual-size"/ { gsub(/,/, "", $2); print $2 }') bytes virtual"

ssh-keygen -q -t ed25519 -N '' -C gh-selftest -f "$T/key"
PUB=$(cat "$T/key.pub")
PROLOGUE='set -eu -o pipefail; PATH=$PATH:/sbin;'   # Tempest's ssh_shell_prologue

free_port() {
  local p
  while :; do
    p=$(( 20000 + RANDOM % 20000 ))
    ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
}

# boot NAME ARGS...: start QEMU (own session, pid recorded), console in $T/NAME.log
boot() {
  local name=$1; shift
  now_ms > "$T/$name.start"
  setsid qemu-system-x86_64 -name "gh-$name" -machine pc -accel tcg -m 256 -smp 1 \
    -nodefaults -no-user-config -display none \
    -serial "file:$T/$name.log" -qmp "unix:$T/$name.qmp,server,nowait" \
    -pidfile "$T/$name.pid" "$@" >"$T/$name.qemu.out" 2>&1 </dev/null &
  PIDS+=($!)
  echo $! > "$T/$name.qpid"
}
# ready NAME: wait for the READY marker; print boot time
ready() {
  local name=$1 end=$(( $(date +%s) + 180 ))
  while [ "$(date +%s)" -lt $end ]; do
    if grep -aq 'STRATUS-GUEST-READY' "$T/$name.log" 2>/dev/null; then
      local ms=$(( $(now_ms) - $(cat "$T/$name.start") ))
      ok "$name: READY $ms ms after qemu start ($(grep -a -o 'STRATUS-GUEST-READY.*' "$T/$name.log" | head -1))"
      echo "$name $ms" >> "$T/boot-times"
      return 0
    fi
    kill -0 "$(cat "$T/$name.qpid")" 2>/dev/null || break
    sleep 0.1
  done
  bad "$name: no READY marker (console tail: $(tail -c 400 "$T/$name.log" 2>/dev/null | tr '\n' ' '))"
  cat "$T/$name.qemu.out" 2>/dev/null
  return 1
}
console_has() {  # NAME TEXT WHAT
  if grep -aqF -- "$2" "$T/$1.log"; then ok "$1: console: $3"; else bad "$1: console lacks '$2' ($3)"; fi
}
gssh() {  # PORT CMD: one Tempest-style command as cirros
  ssh -i "$T/key" -p "$1" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
      -o LogLevel=ERROR -o ConnectTimeout=10 -o BatchMode=yes cirros@127.0.0.1 "$PROLOGUE $2"
}
wait_ssh() {  # NAME PORT
  local end=$(( $(date +%s) + 60 ))
  while [ "$(date +%s)" -lt $end ]; do
    gssh "$2" true 2>/dev/null && { ok "$1: ssh as cirros with the key pair"; return 0; }
    sleep 1
  done
  bad "$1: ssh as cirros failed: $(gssh "$2" true 2>&1 | tail -1)"
  return 1
}
expect() {  # NAME PORT CMD WANT WHAT: exit 0 and output matching grep -E WANT ('' = any)
  local out
  out=$(gssh "$2" "$3" 2>&1); local rc=$?
  if [ $rc = 0 ] && { [ -z "$4" ] || printf '%s' "$out" | grep -qE -- "$4"; }; then ok "$1: $5"
  else bad "$1: $5: \`$3\` rc=$rc: $(printf '%s' "$out" | tail -c 300 | tr '\n' ' ')"; fi
}
qmp() {  # NAME JSON...: commands after qmp_capabilities; replies on stdout
  { echo '{"execute":"qmp_capabilities"}'; for c in "${@:2}"; do echo "$c"; done; sleep 1; } |
    socat - "UNIX-CONNECT:$T/$1.qmp"
}
powerdown() {  # NAME: ACPI power button, QEMU must exit by itself
  local name=$1 pid t0
  pid=$(cat "$T/$name.qpid"); t0=$(now_ms)
  qmp "$name" '{"execute":"system_powerdown"}' >/dev/null
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then bad "$name: still running 30 s after system_powerdown"; return 1; fi
  ok "$name: system_powerdown -> QEMU exited after $(( $(now_ms) - t0 )) ms"
  console_has "$name" "ACPI power button -> poweroff" "acpid saw the power button"
  console_has "$name" "filesystems unmounted, powering off" "clean shutdown (rcK)"
}
# metadata_net PORT DIR: a NIC on QEMU's user network 169.254.0.0/16, so that
# 169.254.169.254:80 is on-link and goes to selftest-metadata.mjs; ssh on 127.0.0.1:PORT
metadata_net() {
  echo "user,id=n0,net=169.254.0.0/16,host=169.254.0.2,dhcpstart=169.254.0.15,hostfwd=tcp:127.0.0.1:$1-:22,guestfwd=tcp:169.254.169.254:80-cmd:node $HERE/selftest-metadata.mjs $2"
}
openstack_md() {  # DIR NAME UUID-SUFFIX: Nova-like metadata documents (OpenStack + EC2 formats)
  mkdir -p "$1/openstack/latest" "$1/latest/meta-data/public-keys/0"
  cat > "$1/openstack/latest/meta_data.json" <<EOF
{"uuid": "00000000-0000-4000-8000-0000000000$3", "name": "$2", "hostname": "$2", "availability_zone": "nova", "launch_index": 0, "project_id": "selftest", "meta": {"role": "selftest"}, "public_keys": {"gh-key": "$PUB\n"}}
EOF
  printf '#!/bin/sh\necho "STRATUS-USERDATA hello from $(hostname), uid $(id -u)"\n' > "$1/openstack/latest/user_data"
}
ec2_md() {  # DIR NAME
  mkdir -p "$1/latest/meta-data/public-keys/0"
  echo "i-0000selftest" > "$1/latest/meta-data/instance-id"
  echo "$2" > "$1/latest/meta-data/hostname"
  echo "$PUB" > "$1/latest/meta-data/public-keys/0/openssh-key"
  printf '#!/bin/sh\necho "STRATUS-USERDATA ec2 user-data on $(hostname)"\n' > "$1/latest/user-data"
}

# ---------------------------------------------------------------- A: config drive
log "A: config drive"
openstack_md "$T/cd" gh-selftest-cd 01
openstack_md "$T/md-a" gh-wrong-source 02          # the service exists too; the drive wins
printf '169.254.0.15' > "$T/md-a/latest/meta-data/local-ipv4"
genisoimage -quiet -o "$T/cd.iso" -V config-2 -r -J "$T/cd"
qemu-img create -q -f qcow2 -b "$BASE" -F qcow2 "$T/a.qcow2"
PA=$(free_port)
MAC_A=fa:16:3e:00:5e:01
boot a -netdev "$(metadata_net "$PA" "$T/md-a")" -device "virtio-net-pci,netdev=n0,mac=$MAC_A" \
  -drive "file=$T/a.qcow2,if=virtio,format=qcow2" -drive "file=$T/cd.iso,media=cdrom,if=ide,format=raw"
if ready a; then
  console_has a "stratus-guest: ip=169.254.0.15" "DHCP lease"
  console_has a "metadata source=config-drive (/dev/sr0)" "metadata from the config drive"
  console_has a 'stratus-guest: meta_data.json {"uuid"' "meta_data.json printed"
  console_has a "STRATUS-USERDATA hello from gh-selftest-cd, uid 0" "user_data ran after the hostname was set"
  console_has a "name=gh-selftest-cd" "hostname from meta_data.json"
  if wait_ssh a "$PA"; then
    expect a "$PA" 'hostname' '^gh-selftest-cd$' "hostname"
    if [ "$(ssh -i "$T/key" -p "$PA" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
            -o LogLevel=ERROR -o BatchMode=yes root@127.0.0.1 'id -u' 2>&1)" = 0 ]; then
      ok "a: ssh as root with the same key"
    else
      bad "a: ssh as root with the key pair failed"
    fi
    expect a "$PA" 'sudo id -u' '^0$' "passwordless sudo"
    expect a "$PA" 'cut -f1 -d. /proc/uptime' '^[0-9]+$' "boot time (/proc/uptime)"
    expect a "$PA" 'curl -V' 'curl' "curl -V"
    expect a "$PA" 'curl http://169.254.169.254/latest/meta-data/local-ipv4' '^169\.254\.0\.15$' "curl of the metadata service"
    expect a "$PA" 'dev=$(blkid -L config-2 -o device); sudo mount $dev /mnt; sudo cat /mnt/openstack/latest/meta_data.json; sudo umount /mnt' '"role": "selftest"' "Tempest's mount_config_drive + cat + umount"
    expect a "$PA" "ip addr | awk '/ether/ {print \$2}'" "^$MAC_A$" "get_mac_address"
    expect a "$PA" "ip -o link | awk '/$MAC_A/ {print \$2}'" '^eth0:' "get_nic_name_by_mac"
    expect a "$PA" "ip -o addr | awk '/169.254.0.15/ {print \$2}'" '^eth0' "get_nic_name_by_ip"
    expect a "$PA" 'ip address' '^2: eth0: ' "ip address (NIC list)"
    expect a "$PA" 'ping -c1 -w1 -s56 169.254.0.2' '1 packets received' "ping (icmp_check)"
    expect a "$PA" 'sudo ping -I eth0 -c1 -w1 -s56 169.254.0.2' '1 packets received' "sudo ping -I"
    expect a "$PA" 'ping6 -c1 -w1 ::1' '1 packets received' "ping6"
    expect a "$PA" 'lsblk -lb --nodeps' 'vda .* disk' "lsblk -lb --nodeps (get_disks)"
    expect a "$PA" 'grep -c -E [vs]d.$ /proc/partitions' '^1$' "disk count from /proc/partitions"
    expect a "$PA" 'sudo sh -c "echo \"gh-console-probe\" >/dev/console"' '' "write_to_console"
    console_has a "gh-console-probe" "the console got it"
    # hot-plug a volume: Tempest's stamp pattern on it
    qemu-img create -q -f qcow2 "$T/vol.qcow2" 64M
    qmp a '{"execute":"blockdev-add","arguments":{"driver":"qcow2","node-name":"vol1","file":{"driver":"file","filename":"'"$T/vol.qcow2"'"}}}' \
          '{"execute":"device_add","arguments":{"driver":"virtio-blk-pci","drive":"vol1","id":"vol1dev","serial":"gh-vol1"}}' >/dev/null
    for _ in $(seq 1 50); do grep -aq "new block device /dev/vdb" "$T/a.log" && break; sleep 0.2; done
    console_has a "new block device /dev/vdb size=131072 sectors" "hot-plugged disk reported"
    expect a "$PA" 'lsblk -lb --nodeps' 'vdb .* disk' "lsblk sees the volume"
    expect a "$PA" 'sudo mke2fs -t ext4 /dev/vdb >/dev/null 2>&1; sudo mount /dev/vdb /mnt; sudo sh -c "date > /mnt/timestamp; sync"; sudo cat /mnt/timestamp; sudo umount /mnt' '[0-9]{2}:[0-9]{2}' "mke2fs -t ext4 + mount + timestamp on the volume"
    # DHCP renew the way Tempest's renew_lease does it (udhcpc)
    expect a "$PA" 'pid=$(cat /var/run/udhcpc.eth0.pid); sudo /bin/kill -USR1 $pid; sleep 2; cat /etc/resolv.conf' 'nameserver 169\.254\.' "renew_lease (udhcpc SIGUSR1) + resolv.conf"
    expect a "$PA" 'ip -4 addr show eth0' 'inet 169\.254\.0\.15/16' "address kept across the renew"
    # the snapshot pattern: a timestamp on /mnt (the image's data partition)
    STAMP=$(gssh "$PA" 'sudo sh -c "cat /proc/sys/kernel/random/uuid > /mnt/timestamp; sync"; sudo cat /mnt/timestamp' 2>/dev/null)
    [ -n "$STAMP" ] && ok "a: timestamp $STAMP written to /mnt" || bad "a: could not write /mnt/timestamp"
  fi
  powerdown a
fi

# ------------------------------------------- B: snapshot of A, HTTP metadata, two NICs
log "B: a snapshot of A's disk, OpenStack metadata over HTTP, two NICs"
qemu-img convert -O qcow2 "$T/a.qcow2" "$T/snapshot.qcow2"     # like a Nova image snapshot
qemu-img create -q -f qcow2 -b "$T/snapshot.qcow2" -F qcow2 "$T/b.qcow2"
openstack_md "$T/md-b" gh-selftest-http 03
printf '169.254.0.15' > "$T/md-b/latest/meta-data/local-ipv4"
PB=$(free_port)
boot b -netdev "$(metadata_net "$PB" "$T/md-b")" -device virtio-net-pci,netdev=n0,mac=fa:16:3e:00:5e:02 \
  -netdev user,id=n1 -device virtio-net-pci,netdev=n1,mac=fa:16:3e:00:5e:03 \
  -drive "file=$T/b.qcow2,if=virtio,format=qcow2"
if ready b; then
  console_has b "metadata source=openstack-http" "metadata from http://169.254.169.254/openstack"
  console_has b "eth1 mac=fa:16:3e:00:5e:03 ip=10.0.2.15" "second NIC has a lease"
  console_has b "STRATUS-USERDATA hello from gh-selftest-http" "user_data from the service ran"
  if wait_ssh b "$PB"; then
    expect b "$PB" 'hostname' '^gh-selftest-http$' "hostname from the service"
    if [ -n "${STAMP:-}" ]; then
      expect b "$PB" 'sudo cat /mnt/timestamp' "^${STAMP//./\\.}$" "timestamp survived the snapshot"
    else
      bad "b: no timestamp from A to compare"
    fi
    expect b "$PB" 'curl http://169.254.169.254/latest/meta-data/local-ipv4' '^169\.254\.0\.15$' "curl GET"
    expect b "$PB" 'curl -X POST -d gh-secret-password http://169.254.169.254/openstack/2013-10-17/password' '' "curl -X POST -d"
    if grep -q gh-secret-password "$T/md-b/posted/openstack_2013-10-17_password" 2>/dev/null; then
      ok "b: the service got the POSTed password"
    else
      bad "b: the POST did not reach the service"
    fi
    expect b "$PB" 'ip -4 route' 'default via 169\.254\.0\.2 dev eth0' "default route via eth0"
  fi
  powerdown b
fi

# ---------------------------------------------------------------- C: EC2 metadata only
log "C: EC2-format metadata only"
ec2_md "$T/md-c" gh-selftest-ec2
qemu-img create -q -f qcow2 -b "$BASE" -F qcow2 "$T/c.qcow2"
PC=$(free_port)
boot c -netdev "$(metadata_net "$PC" "$T/md-c")" -device virtio-net-pci,netdev=n0 \
  -drive "file=$T/c.qcow2,if=virtio,format=qcow2"
if ready c; then
  console_has c "metadata source=ec2-http" "EC2 fallback"
  console_has c "STRATUS-USERDATA ec2 user-data on gh-selftest-ec2" "EC2 user-data ran"
  if wait_ssh c "$PC"; then
    expect c "$PC" 'hostname' '^gh-selftest-ec2$' "hostname from EC2 metadata"
  fi
  powerdown c
fi

echo
echo "boot to READY (ms): $(tr '\n' ' ' < "$T/boot-times" 2>/dev/null)"
echo "selftest: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ] && [ "$PASS" -gt 0 ]
