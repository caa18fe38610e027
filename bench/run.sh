#!/usr/bin/env bash
# Whole-command benchmarks of patchline on the shared data (../shared beside
# the repository, or $PATCHLINE_SHARED). Prints one line per measurement;
# record the results, with the machine and the date, in BENCHMARKS.md.
#
#   bench/run.sh            # 20 measured runs per command
#   RUNS=50 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${PATCHLINE_SHARED:-../shared}"
runs="${RUNS:-20}"
out="bench/out"
mkdir -p "$out"

go build -o "$out/patchline" ./cmd/patchline
go build -o "$out/cmdbench" ./bench/cmdbench
pl="$out/patchline"
db="$out/db"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go version | cut -d' ' -f3), $(date -u +%Y-%m-%d)"

# Import of all of shared/osv into a new database, end to end.
rm -rf "$db"
echo -n "db import shared/osv: "
"$out/cmdbench" -n 5 -warmup 0 -- sh -c "rm -rf '$db' && '$pl' --db '$db' db import '$shared/osv' >/dev/null 2>&1"
"$pl" --db "$db" db import "$shared/osv" >/dev/null 2>&1

# Scans with the database warm, JSON output (as CI would run it).
for lock in npm-uptime-kuma-2024/package-lock.json npm-nodegoat-2020/package-lock.json \
            pnpm-vuejs-core-2022/pnpm-lock.yaml yarn-prettier-2020/yarn.lock \
            go-caddy-2020/go.mod pypi-saleor-2021/poetry.lock pypi-saleor-2025/uv.lock; do
  echo -n "scan --format json $lock: "
  "$out/cmdbench" -n "$runs" -- "$pl" --db "$db" scan --format json "$shared/corpus/$lock"
done

# A large SBOM: CycloneDX JSON with 35,000 components (about 10 MB).
go run ./bench/gen sbom 35000 "$out/big.cdx.json"
echo -n "scan --format json big.cdx.json ($(du -h "$out/big.cdx.json" | cut -f1)): "
"$out/cmdbench" -n 5 -- "$pl" --db "$db" scan --format json "$out/big.cdx.json"

# Monorepos of 50 and 200 lockfiles (copies of the demo's real lockfiles):
# time per lockfile should stay flat.
for n in 25 100; do
  rm -rf "$out/mono$n"
  go run ./bench/gen monorepo "$n" "$out/mono$n"
  echo -n "scan --format json monorepo of $((2*n)) lockfiles: "
  "$out/cmdbench" -n 5 -- "$pl" --db "$db" scan --format json "$out/mono$n"
done
