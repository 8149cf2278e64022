#!/usr/bin/env bash
# A throwaway single-node Ceph RGW (one mon, one memstore OSD, one radosgw) for tests.
# Settings and their reasons: ../shared/notes/ceph-rgw.md in the team notes, summarised inline.
#
#   scripts/ceph-rgw.sh install            apt-installs the Ceph packages when missing
#   scripts/ceph-rgw.sh start DIR          creates and starts a cluster under DIR; prints KEY=VALUE lines
#   scripts/ceph-rgw.sh stop DIR           SIGTERM to rgw, osd, mon (by the PIDs recorded in DIR)
#
# Ports come from the environment: RGW_PORT (S3 endpoint), RGW_MON_PORT, RGW_OSD_PORT_MIN (9 ports
# from there). The S3 user's keys: RGW_ACCESS_KEY / RGW_SECRET_KEY (it owns the bucket); two more
# users, valet-upload and valet-download, are Valet's least-privilege signing keys (what they may do
# is the bucket policy Valet writes with S3_SETUP_BUCKET). Objects live in RAM (memstore)
# unless RGW_OBJECTSTORE=bluestore, which keeps them in a sparse file of RGW_BLOCK_BYTES under DIR
# (for the benchmarks' GiB-sized uploads).
set -euo pipefail

cmd=${1:-}
D=${2:-}

install_ceph() {
  local missing=()
  for bin in radosgw ceph-mon ceph-osd ceph radosgw-admin monmaptool ceph-authtool uuidgen curl; do
    command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "ceph-rgw: installing Ceph (missing: ${missing[*]})" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    radosgw ceph-mon ceph-osd ceph-common uuid-runtime curl >&2
}

# Waits until "$@" succeeds, polling every 0.2 s, for at most $1 seconds.
wait_for() {
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      echo "ceph-rgw: timed out after ${seconds}s waiting for $what (logs in $D/log)" >&2
      return 1
    fi
    sleep 0.2
  done
}

start_daemon() { # name, then the command; records the PID in $D/run/<name>.pid
  local name=$1; shift
  "$@" >>"$D/log/$name.out" 2>&1 &
  echo $! >"$D/run/$name.pid"
}

osd_store_settings() {
  if [ "${RGW_OBJECTSTORE:-memstore}" = bluestore ]; then
    cat <<STORE
osd_objectstore = bluestore
bluestore_block_create = true
bluestore_block_size = ${RGW_BLOCK_BYTES:-42949672960}
osd_memory_target = 1073741824
bluestore_cache_autotune = false
bluestore_cache_size = 268435456
STORE
  else
    cat <<STORE
osd_objectstore = memstore
# memstore keeps objects in RAM: sized for the test data (the largest test file is 30 MiB).
memstore_device_bytes = 2147483648
STORE
  fi
}

start() {
  [ -n "$D" ] || { echo "usage: $0 start DIR" >&2; exit 2; }
  : "${RGW_PORT:?RGW_PORT is required}" "${RGW_MON_PORT:?RGW_MON_PORT is required}" \
    "${RGW_OSD_PORT_MIN:?RGW_OSD_PORT_MIN is required}"
  local access=${RGW_ACCESS_KEY:-valettestaccess} secret=${RGW_SECRET_KEY:-valettestsecretvalettestsecret}
  install_ceph
  mkdir -p "$D"/{run,log,mon,osd,rgw}
  D=$(cd "$D" && pwd)
  local fsid; fsid=$(uuidgen)
  cat >"$D/ceph.conf" <<CONF
[global]
fsid = $fsid
mon_host = v2:127.0.0.1:$RGW_MON_PORT
mon_initial_members = a
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
public_network = 127.0.0.0/8
ms_bind_msgr1 = false
ms_bind_msgr2 = true
# With auth "none", radosgw loops on auth error -13 unless both client modes allow crc.
ms_mon_client_mode = crc secure
ms_client_mode = crc secure
ms_bind_port_min = $RGW_OSD_PORT_MIN
ms_bind_port_max = $((RGW_OSD_PORT_MIN + 8))
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
run_dir = $D/run
admin_socket = $D/run/\$cluster-\$name.asok
pid_file = $D/run/\$cluster-\$name.pidfile
log_file = $D/log/\$cluster-\$name.log
keyring = $D/keyring
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_max_pg_per_osd = 1000
mon_allow_pool_delete = true
# A test machine's disk may be fuller than a production one's; don't refuse to start.
mon_data_avail_warn = 2
mon_data_avail_crit = 1

[mon]
mon_data = $D/mon/\$cluster-\$id

[osd]
osd_data = $D/osd/\$cluster-\$id
osd_max_object_size = 134217728
$(osd_store_settings)

[client.rgw.a]
rgw_frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw_data = $D/rgw
CONF
  local C=(-c "$D/ceph.conf")
  ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --addv a "[v2:127.0.0.1:$RGW_MON_PORT]" --fsid "$fsid" "$D/monmap" >/dev/null
  ceph-mon "${C[@]}" --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring"
  start_daemon mon ceph-mon "${C[@]}" -i a -f
  wait_for 30 "the monitor" ceph "${C[@]}" -s --connect-timeout 2

  local osd_uuid osd_id; osd_uuid=$(uuidgen)
  osd_id=$(ceph "${C[@]}" osd new "$osd_uuid")
  mkdir -p "$D/osd/ceph-$osd_id"
  ceph-osd "${C[@]}" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >>"$D/log/osd-mkfs.out" 2>&1
  start_daemon osd ceph-osd "${C[@]}" -i "$osd_id" -f
  wait_for 60 "the OSD" bash -c "ceph ${C[*]} osd stat | grep -q '1 up'"

  start_daemon rgw radosgw "${C[@]}" -n client.rgw.a -f
  wait_for 90 "radosgw" curl -sf -o /dev/null "http://127.0.0.1:$RGW_PORT/"
  radosgw-admin "${C[@]}" user create --uid=valet-test --display-name=valet-test \
    --access-key="$access" --secret="$secret" >/dev/null
  local role
  for role in upload download; do
    radosgw-admin "${C[@]}" user create --uid="valet-$role" --display-name="valet-$role" \
      --access-key="valet${role}access" --secret="valet${role}secret${role}secret" >/dev/null
  done
  echo "S3_ENDPOINT=http://127.0.0.1:$RGW_PORT"
  echo "S3_ACCESS_KEY_ID=$access"
  echo "S3_SECRET_ACCESS_KEY=$secret"
  echo "S3_UPLOAD_ACCESS_KEY_ID=valetuploadaccess"
  echo "S3_UPLOAD_SECRET_ACCESS_KEY=valetuploadsecretuploadsecret"
  echo "S3_UPLOAD_PRINCIPAL=arn:aws:iam:::user/valet-upload"
  echo "S3_DOWNLOAD_ACCESS_KEY_ID=valetdownloadaccess"
  echo "S3_DOWNLOAD_SECRET_ACCESS_KEY=valetdownloadsecretdownloadsecret"
  echo "S3_DOWNLOAD_PRINCIPAL=arn:aws:iam:::user/valet-download"
}

stop() {
  [ -n "$D" ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
  local name pid
  for name in rgw osd mon; do
    [ -f "$D/run/$name.pid" ] || continue
    pid=$(cat "$D/run/$name.pid")
    if kill -TERM "$pid" 2>/dev/null; then
      # memstore persists nothing we need, but a clean exit releases the ports promptly.
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$D/run/$name.pid"
  done
}

case "$cmd" in
  install) install_ceph ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 install | start DIR | stop DIR" >&2; exit 2 ;;
esac
