#!/usr/bin/env bash
# cps — runs a command with a throwaway single-node Slurm cluster up
# (slurm-lib.sh), SLURM_CONF pointing at it, and stops the cluster after:
#   sudo bash tests/cluster/with-slurm.sh sbatch --wait --array=0-1 my.sbatch
#   sudo bash tests/cluster/with-slurm.sh bash      (an interactive shell)
# Exits with the command's status, or 77 when the cluster cannot start.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=slurm-lib.sh
source "$HERE/slurm-lib.sh"
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }
trap slurm_down EXIT
if ! slurm_up; then
  echo "no Slurm cluster: $SLURM_UP_ERROR" >&2
  exit 77
fi
echo "Slurm up: SLURM_CONF=$SLURM_CONF ($(sinfo -h -o '%D node, %c CPUs'))" >&2
"$@"
