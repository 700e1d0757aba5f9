#!/usr/bin/env bash
# Offscreen rendering without a GPU (videos of cairn:* block-world and dm_control tasks):
# installs Mesa's OSMesa; then run with MUJOCO_GL=osmesa PYOPENGL_PLATFORM=osmesa.
set -euo pipefail
SUDO=$([ "$(id -u)" -eq 0 ] && echo "" || echo "sudo")
$SUDO apt-get update -q && $SUDO apt-get install -y -q libosmesa6
