#!/usr/bin/env bash
# A one-node SLURM cluster on this host, for tests/cluster/test_cluster.py (and for trying the
# slurm profile by hand). Needs root (apt-get, munge's key, /etc/slurm/slurm.conf).
#
#   tests/cluster/slurm.sh up DIR     install slurm-wlm and munge when missing, write DIR/slurm.conf
#                                     for this host on 127.0.0.1, start munged, slurmctld and slurmd,
#                                     wait until the node is idle; pids go to DIR/*.pid
#   tests/cluster/slurm.sh down DIR   stop exactly the processes whose pids `up` wrote to DIR,
#                                     and remove /etc/slurm/slurm.conf if `up` wrote it
#
# DIR holds everything the cluster writes (state, spool, logs); it is never inside the repository
# unless you put it there. `up` refuses to replace a slurm.conf it did not write.
set -euo pipefail

PARTITION=debug
MIN_JOB_AGE=3600  # finished jobs stay visible to scontrol/squeue this long (no accounting storage)
ETC_CONF=/etc/slurm/slurm.conf
MARKER="# written by leakgan tests/cluster/slurm.sh"

die() { echo "slurm.sh: $*" >&2; exit 1; }

usage() { die "usage: $0 up|down DIR"; }

[ "$#" -eq 2 ] || usage
action=$1
dir=$2

install_packages() {
    local missing=()
    command -v slurmctld >/dev/null 2>&1 || missing+=(slurm-wlm)
    command -v munged >/dev/null 2>&1 || missing+=(munge)
    command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
    [ "${#missing[@]}" -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "needs root to install ${missing[*]}"
    echo "slurm.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Start a program in the background, record its pid, and return (the program itself, not a shell,
# has that pid: every launcher below execs).
start() {
    local name=$1
    shift
    "$@" >"$dir/log/$name.out" 2>&1 &
    echo "$!" >"$dir/$name.pid"
}

alive() { [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    local seconds=$1 what=$2
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || die "timed out after ${seconds}s waiting for $what (logs in $dir/log)"
        sleep 1
    done
}

start_munge() {
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        echo "slurm.sh: a munged is already running; using it (it will not be stopped)" >&2
        return 0
    fi
    if [ ! -s /etc/munge/munge.key ]; then
        install -d -o munge -g munge -m 0700 /etc/munge
        head -c 1024 /dev/urandom >/etc/munge/munge.key
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
    start munged setpriv --reuid=munge --regid=munge --clear-groups /usr/sbin/munged --foreground
    wait_for 30 "munged" sh -c 'munge -n | unmunge'
}

write_conf() {
    local host cpus mem_kb real_mb
    host=$(hostname -s)
    cpus=$(nproc)
    mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
    real_mb=$((mem_kb / 1024 * 9 / 10))  # below the machine's, as slurmd requires
    mkdir -p "$dir/state" "$dir/spool" "$dir/log"
    cat >"$dir/slurm.conf" <<EOF
$MARKER
ClusterName=leakgan-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=6817
SlurmdPort=6818
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.daemon.pid
SlurmdPidFile=$dir/slurmd.daemon.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MinJobAge=$MIN_JOB_AGE
KillWait=5
InactiveLimit=0
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$real_mb State=UNKNOWN
PartitionName=$PARTITION Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    if [ -e "$ETC_CONF" ] && ! head -n 1 "$ETC_CONF" | grep -qxF "$MARKER"; then
        die "$ETC_CONF exists and was not written by this script; move it away first"
    fi
    # srun inside a job reads /etc/slurm/slurm.conf, not the submitting shell's SLURM_CONF.
    mkdir -p "$(dirname "$ETC_CONF")"
    cp "$dir/slurm.conf" "$ETC_CONF"
    touch "$dir/etc-conf-written"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

node_idle() { [ "$(sinfo -h -N -o '%t' 2>/dev/null | head -n 1)" = idle ]; }

up() {
    install_packages
    mkdir -p "$dir/log"
    dir=$(cd "$dir" && pwd)
    for name in slurmctld slurmd; do
        alive "$name" && die "$name from an earlier 'up' in $dir is still running; run '$0 down $dir' first"
    done
    # Another cluster (or another run of this script) would answer in our place: touch nothing.
    for port in 6817 6818; do
        port_in_use "$port" && die "port $port on 127.0.0.1 is in use: a SLURM daemon is already running here"
    done
    write_conf
    export SLURM_CONF="$dir/slurm.conf"
    start_munge
    # -D: stay in the foreground, so the pid recorded is the daemon's own.
    start slurmctld /usr/sbin/slurmctld -D -i -f "$SLURM_CONF"
    wait_for 60 "slurmctld to answer" scontrol ping
    alive slurmctld || die "slurmctld exited (see $dir/log)"
    start slurmd /usr/sbin/slurmd -D -f "$SLURM_CONF"
    wait_for 90 "the node to become idle" node_idle
    alive slurmd || die "slurmd exited (see $dir/log)"
    echo "slurm.sh: one-node cluster up (partition $PARTITION); export SLURM_CONF=$SLURM_CONF" >&2
}

stop_pid() {  # stop_pid NAME: SIGTERM the recorded pid, wait, then SIGKILL if it is still there
    local name=$1 pid
    [ -f "$dir/$name.pid" ] || return 0
    pid=$(cat "$dir/$name.pid")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 30); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/$name.pid"
}

down() {
    [ -d "$dir" ] || die "no such folder: $dir"
    stop_pid slurmd
    stop_pid slurmctld
    stop_pid munged
    if [ -f "$dir/etc-conf-written" ]; then
        if [ -f "$ETC_CONF" ] && head -n 1 "$ETC_CONF" | grep -qxF "$MARKER"; then
            rm -f "$ETC_CONF"
        fi
        rm -f "$dir/etc-conf-written"
    fi
}

case "$action" in
    up) up ;;
    down) down ;;
    *) usage ;;
esac
