#!/usr/bin/env bash
# Every GPU check and measurement the README asks of a CUDA machine, in one run of at most about 9 minutes:
#
#   benchmarks/gpu_checks.sh [--smoke] [--wheels DIR] OUT [STEP ...]
#
# Run it from the repository root. STEPs, in this order by default:
#   env       the GPU, the driver, torch's and Numba's view of CUDA
#   tests     the CUDA tests: tests/unit/test_gpu.py, the kernels' CUDA twins, the device pool
#   epoch     benchmarks/adversarial_speed.py --device cuda: the paper-scale adversarial epoch, before and after
#   chains    benchmarks/chains_per_gpu.py --device cuda: aggregate epochs per second at K = 1, 2, 4, 8 chains
#   stage     benchmarks/cuda_stage.py --device cuda: oracle, pretraining and adversarial stages end to end
#   autocast  benchmarks/d_autocast.py --device cuda: D's step in float32 and bf16 autocast, speed and accuracy
# Each step writes OUT/<step>.txt (its output) and a line to OUT/summary.txt (exit code and seconds), and is
# stopped after its cap in seconds (GPU_CHECKS_CAP_<STEP>, e.g. GPU_CHECKS_CAP_EPOCH=200; killed 10 s later if it
# ignores the stop), so that a slow step leaves time for the others; a second run can name just the steps to repeat.
#
# The Python is $PYTHON (default python3) and needs torch with CUDA, numba, scipy, pytest and hypothesis. The
# package need not be installed (the repository root goes on PYTHONPATH) and neither Snakemake nor the shared data
# is used. The stages check their settings with jsonschema: on a machine without it (and without a package index),
# --wheels DIR installs the wheels in DIR (jsonschema, jsonschema-specifications, referencing, rpds-py for that
# Python) into a temporary folder first. --smoke runs every step at tiny sizes on the CPU: it checks the script,
# and its numbers mean nothing.
set -uo pipefail

usage() { echo "usage: benchmarks/gpu_checks.sh [--smoke] [--wheels DIR] OUT [env tests epoch chains stage autocast]" >&2; exit 2; }
smoke=0
wheels=""
while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) smoke=1; shift ;;
        --wheels) [ $# -ge 2 ] || usage; wheels="$2"; shift 2 ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        -*) echo "gpu_checks: unknown option $1" >&2; usage ;;
        *) break ;;
    esac
done
[ $# -ge 1 ] || usage
out="$1"; shift
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(env tests epoch chains stage autocast)
for step in "${steps[@]}"; do
    case "$step" in env|tests|epoch|chains|stage|autocast) ;; *) echo "gpu_checks: unknown step '$step'" >&2; usage ;; esac
done
[ -f benchmarks/gpu_checks.sh ] || { echo "gpu_checks: run it from the repository root" >&2; exit 2; }
mkdir -p "$out" || exit 2

py="${PYTHON:-python3}"
export PYTHONUNBUFFERED=1
given_path="${PYTHONPATH:-}"
export PYTHONPATH="$PWD${given_path:+:$given_path}"
if [ -n "$wheels" ] && ! "$py" -c "import jsonschema" >/dev/null 2>&1; then
    site="$(mktemp -d)"
    trap 'rm -rf "$site"' EXIT
    shopt -s nullglob
    files=("$wheels"/*.whl)
    shopt -u nullglob
    [ ${#files[@]} -gt 0 ] || { echo "gpu_checks: no .whl file in $wheels" >&2; exit 2; }
    "$py" -m pip install -q --no-index --no-deps --no-compile --target "$site" "${files[@]}" || exit 2
    export PYTHONPATH="$PWD:$site${given_path:+:$given_path}"
    "$py" -c "import jsonschema" || { echo "gpu_checks: jsonschema still not importable after --wheels $wheels" >&2; exit 2; }
fi

if [ "$smoke" = 1 ]; then
    device=(--smoke)
else
    device=(--device cuda)
fi

run_step() {  # run_step NAME CAP COMMAND...: the command's output in OUT/NAME.txt, a summary line
    local name="$1" cap="$2"; shift 2
    local var="GPU_CHECKS_CAP_${name^^}"
    cap="${!var:-$cap}"
    local start=$SECONDS
    echo "== $name (cap ${cap} s): $*" | tee "$out/$name.txt"
    if declare -F "$1" >/dev/null; then  # a function of this script, in a bash of its own under the cap
        timeout --kill-after=10 "$cap" bash -c '"$@"' "$name" "$@" >>"$out/$name.txt" 2>&1
    else
        timeout --kill-after=10 "$cap" "$@" >>"$out/$name.txt" 2>&1
    fi
    local rc=$?
    local note=""
    [ $rc -eq 124 ] || [ $rc -eq 137 ] && note=" (stopped at its cap)"
    printf '%-9s rc=%-3s %4d s%s\n' "$name" "$rc" $((SECONDS - start)) "$note" | tee -a "$out/summary.txt"
}

env_report() {  # its exit code is the Python's; run in a child bash (exported below)
    echo "CPU cores: $(nproc)"
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
    "$py" - <<'EOF'
import platform, torch, numba
print(f"python {platform.python_version()}, torch {torch.__version__} (CUDA {torch.version.cuda}), numba {numba.__version__}")
print(f"torch.cuda.is_available: {torch.cuda.is_available()}, devices: {torch.cuda.device_count()}")
if torch.cuda.is_available():
    print(f"device 0: {torch.cuda.get_device_name(0)}")
try:
    from numba import cuda
    print(f"numba.cuda.is_available: {cuda.is_available()}")
except Exception as error:  # the report goes on: the kernel tests say what fails
    print(f"numba.cuda: {error}")
EOF
}
export -f env_report
export py

: >"$out/summary.txt"
for step in "${steps[@]}"; do
    case "$step" in
        env) run_step env 30 env_report ;;
        tests) run_step tests 100 "$py" -m pytest -q -p no:cacheprovider -o addopts="-ra" \
            tests/unit/test_gpu.py tests/unit/kernels/test_kernels.py tests/unit/test_devices.py ;;
        epoch) run_step epoch 130 "$py" benchmarks/adversarial_speed.py "${device[@]}" ;;
        chains) if [ "$smoke" = 1 ]; then
                run_step chains 120 "$py" benchmarks/chains_per_gpu.py --smoke --chains 1 2
            else
                run_step chains 120 "$py" benchmarks/chains_per_gpu.py --device cuda --chains 1 2 4 8 --epochs 1
            fi ;;
        stage) run_step stage 90 "$py" benchmarks/cuda_stage.py "${device[@]}" ;;
        autocast) if [ "$smoke" = 1 ]; then
                run_step autocast 40 "$py" benchmarks/d_autocast.py --smoke
            else
                run_step autocast 40 "$py" benchmarks/d_autocast.py --device cuda --steps 200
            fi ;;
    esac
done
[ -s "$out/summary.txt" ] && ! grep -qv ' rc=0 ' "$out/summary.txt"
