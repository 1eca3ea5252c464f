#!/usr/bin/env bash
# The tensile GitHub Action's install steps (action.yml calls them; tests/
# action_test.ts runs them against a local "release" folder).
#
#   install.sh resolve   which release and asset this runner needs, and where
#                        it goes: outputs version, asset, dir, bin
#   install.sh download  fetches the asset and SHA256SUMS of that release into
#                        dir and refuses an asset whose SHA-256 differs
#
# Environment: INPUT_VERSION (a tag such as v0.2.0, or latest; empty means the
# action's own tag when it is one, else latest), ACTION_REF and
# ACTION_REPOSITORY (github.action_ref / github.action_repository), RUNNER_OS,
# RUNNER_ARCH, RUNNER_TOOL_CACHE, GITHUB_OUTPUT; TENSILE_RELEASES, the
# releases URL (default https://github.com/<action repository>/releases).
set -euo pipefail

fail() {
  echo "::error title=tensile install::$1"
  exit 1
}

resolve() {
  local version=${INPUT_VERSION:-}
  if [ -z "$version" ]; then
    version=latest
    [[ "${ACTION_REF:-}" =~ ^v[0-9] ]] && version=$ACTION_REF
  fi
  [[ "$version" == latest || "$version" =~ ^v[0-9][0-9A-Za-z.+-]*$ ]] ||
    fail "version \"$version\" is not a release tag: expected latest or a tag such as v0.2.0"
  local asset
  case "${RUNNER_OS:-}-${RUNNER_ARCH:-}" in
  Linux-X64) asset=tensile-linux-x64 ;;
  Linux-ARM64) asset=tensile-linux-arm64 ;;
  macOS-X64) asset=tensile-macos-x64 ;;
  macOS-ARM64) asset=tensile-macos-arm64 ;;
  Windows-X64) asset=tensile-windows-x64.exe ;;
  *) fail "no tensile release for runner ${RUNNER_OS:-?} ${RUNNER_ARCH:-?}: releases exist for Linux X64/ARM64, macOS X64/ARM64 and Windows X64 (or set TENSILE_BIN)" ;;
  esac
  local dir="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/tensile/$version"
  {
    echo "version=$version"
    echo "asset=$asset"
    echo "dir=$dir"
    echo "bin=$dir/$asset"
  } >>"${GITHUB_OUTPUT:-/dev/stdout}"
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

download() {
  local version=$1 asset=$2 dir=$3
  local releases=${TENSILE_RELEASES:-https://github.com/${ACTION_REPOSITORY:?}/releases}
  local from="$releases/download/$version"
  [ "$version" = latest ] && from="$releases/latest/download"
  mkdir -p "$dir"
  local tmp
  tmp=$(mktemp -d)
  curl -fsSL --retry 3 -o "$tmp/$asset" "$from/$asset" ||
    fail "cannot download $from/$asset"
  curl -fsSL --retry 3 -o "$tmp/SHA256SUMS" "$from/SHA256SUMS" ||
    fail "cannot download $from/SHA256SUMS"
  local expected actual
  expected=$(awk -v name="$asset" '$2 == name || $2 == "*" name { print $1 }' "$tmp/SHA256SUMS")
  [ -n "$expected" ] || fail "SHA256SUMS of $version lists no $asset"
  actual=$(sha256 "$tmp/$asset")
  [ "$actual" = "$expected" ] ||
    fail "$asset of $version has SHA-256 $actual, but SHA256SUMS says $expected: refusing it"
  chmod +x "$tmp/$asset"
  mv "$tmp/$asset" "$tmp/SHA256SUMS" "$dir/"
  rmdir "$tmp"
  echo "tensile $version ($asset) verified against SHA256SUMS: $actual"
}

case "${1:-}" in
resolve) resolve ;;
download) download "${2:?version}" "${3:?asset}" "${4:?dir}" ;;
*) fail "usage: install.sh resolve | download VERSION ASSET DIR" ;;
esac
