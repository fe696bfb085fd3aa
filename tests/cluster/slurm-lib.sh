# cps — a throwaway single-node Slurm cluster from Debian's packages
# (slurm-wlm, munge), configured and run entirely in a temporary directory.
# Sourced by test-slurm.sh and with-slurm.sh; bash only.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   source tests/cluster/slurm-lib.sh
#   slurm_up || { echo "no cluster: $SLURM_UP_ERROR"; exit 1; }
#   trap slurm_down EXIT
#   sbatch --wait ...              # SLURM_CONF points at the temp cluster
#
# What it takes (and why):
#   - root: slurmd starts job steps as the submitting user (setuid), and
#     slurmctld runs as SlurmUser; as root both are root, no system user.
#   - munged with its own key, socket, pid, seed and log in the temp dir
#     (never the system's /run/munge), and AuthInfo=socket=... so every
#     Slurm daemon and client talks to that munged.
#   - SlurmctldHost=<hostname>(127.0.0.1) and the node as <hostname> with
#     NodeAddr=127.0.0.1: slurmctld only runs on a host named in
#     SlurmctldHost, and addresses avoid any DNS.
#   - ProctrackType=proctrack/linuxproc, TaskPlugin=task/none,
#     JobAcctGatherType=jobacct_gather/none: no cgroups needed (containers
#     often have no writable cgroup tree).
#   - no accounting (AccountingStorageType=accounting_storage/none), no
#     slurmdbd, no MySQL.
#   - free TCP ports picked at start (SlurmctldPort, SlurmdPort), so a
#     second cluster or a system Slurm on 6817/6818 does not collide.
#   - clients (sbatch, squeue, sinfo, scontrol) find it by SLURM_CONF.

SLURM_UP_ERROR=""
SLURM_TMP=""
# the daemons live in /usr/sbin, not always on a test's PATH
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac
_slurm_pids=()

_slurm_free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The reason the cluster could not start, with the end of a log.
_slurm_fail() {
  SLURM_UP_ERROR="$1"
  if [ -n "${2:-}" ] && [ -s "$2" ]; then
    SLURM_UP_ERROR+=$'\n'"$(tail -n 8 "$2")"
  fi
  return 1
}

# slurm_up [DIR]: starts munged, slurmctld and slurmd; returns once the node
# is idle (0), or 1 with the reason in SLURM_UP_ERROR (what is already
# running stays up until slurm_down).
slurm_up() {
  local need
  if [ "$(id -u)" -ne 0 ]; then
    _slurm_fail "not root: slurmd must run as root to start jobs as their users"
    return 1
  fi
  for need in munged mungekey slurmctld slurmd sbatch sinfo scontrol; do
    command -v "$need" >/dev/null ||
      { _slurm_fail "$need not found (Debian: apt-get install slurm-wlm munge)"; return 1; }
  done
  SLURM_TMP=${1:-$(mktemp -d /tmp/cps-slurm.XXXXXX)}
  # munged insists that the key's directory is private and that every
  # directory above its socket is searchable by all (clients connect)
  chmod 755 "$SLURM_TMP"
  local d=$SLURM_TMP
  mkdir -p "$d/munge" "$d/munge-socket" "$d/state" "$d/spool/slurmd-$(hostname -s)" \
    "$d/log" "$d/run"
  chmod 700 "$d/munge"
  chmod 755 "$d/munge-socket"
  if ! mungekey --create --keyfile="$d/munge/munge.key" >"$d/log/mungekey.log" 2>&1; then
    _slurm_fail "mungekey could not create a key" "$d/log/mungekey.log"; return 1
  fi
  chmod 600 "$d/munge/munge.key"
  munged --foreground --socket="$d/munge-socket/munge.socket" \
    --key-file="$d/munge/munge.key" --pid-file="$d/munge/munged.pid" \
    --seed-file="$d/munge/munged.seed" --log-file="$d/log/munged.log" \
    >"$d/log/munged.out" 2>&1 &
  _slurm_pids+=($!)
  local i
  for i in $(seq 50); do [ -S "$d/munge-socket/munge.socket" ] && break; sleep 0.1; done
  if [ ! -S "$d/munge-socket/munge.socket" ]; then
    _slurm_fail "munged did not start" "$d/log/munged.out"; return 1
  fi

  local host cpus ctld_port d_port
  host=$(hostname -s)
  cpus=$(nproc --all)
  ctld_port=$(_slurm_free_port)
  d_port=$(_slurm_free_port)
  while [ "$d_port" = "$ctld_port" ]; do d_port=$(_slurm_free_port); done
  cat >"$d/slurm.conf" <<EOF
ClusterName=cps-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge-socket/munge.socket
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool/slurmd-%n
SlurmctldPidFile=$d/run/slurmctld.pid
SlurmdPidFile=$d/run/slurmd-%n.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
Waittime=0
MaxArraySize=10001
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
  export SLURM_CONF=$d/slurm.conf
  # -D: foreground (we hold the pid), -i: ignore any state, -c: clear it
  slurmctld -D -i -c -f "$SLURM_CONF" >"$d/log/slurmctld.out" 2>&1 &
  _slurm_pids+=($!)
  for i in $(seq 100); do
    scontrol ping 2>/dev/null | grep -q "is UP" && break
    kill -0 "${_slurm_pids[-1]}" 2>/dev/null ||
      { _slurm_fail "slurmctld exited" "$d/log/slurmctld.log"; return 1; }
    sleep 0.2
  done
  scontrol ping 2>/dev/null | grep -q "is UP" ||
    { _slurm_fail "slurmctld does not answer" "$d/log/slurmctld.log"; return 1; }
  slurmd -D -N "$host" -f "$SLURM_CONF" >"$d/log/slurmd.out" 2>&1 &
  _slurm_pids+=($!)
  local state=""
  for i in $(seq 150); do
    state=$(sinfo -h -N -n "$host" -o %T 2>/dev/null)
    [ "$state" = idle ] && return 0
    if ! kill -0 "${_slurm_pids[-1]}" 2>/dev/null; then
      local log=$d/log/slurmd.log
      [ -s "$log" ] || log=$d/log/slurmd.out
      _slurm_fail "slurmd exited" "$log"; return 1
    fi
    sleep 0.2
  done
  _slurm_fail "the node never became idle (state: ${state:-unknown})" "$d/log/slurmd.log"
}

# slurm_down: cancels any job, stops slurmd, slurmctld and munged (in that
# order), and removes the temporary directory unless SLURM_KEEP=1.
slurm_down() {
  local i p errexit=${-//[^e]/}
  set +e   # a killed daemon's status must not end a `set -e` caller here
  [ -n "${SLURM_CONF:-}" ] && [ -f "$SLURM_CONF" ] &&
    scancel --full --quiet --user=root 2>/dev/null
  for ((i = ${#_slurm_pids[@]} - 1; i >= 0; i--)); do
    p=${_slurm_pids[$i]}
    kill -TERM "$p" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  _slurm_pids=()
  if [ -n "$SLURM_TMP" ] && [ "${SLURM_KEEP:-0}" != 1 ]; then
    rm -rf "$SLURM_TMP"
  elif [ -n "$SLURM_TMP" ]; then
    echo "# kept $SLURM_TMP (SLURM_KEEP=1)" >&2
  fi
  SLURM_TMP=""
  [ -n "$errexit" ] && set -e
  return 0
}
