#!/usr/bin/env bash
# The tensile GitHub Action's run step (action.yml calls it; tests/action_test.ts
# runs it without GitHub). Runs `tensile run` with the inputs, then ALWAYS
# writes the job summary, annotations and step outputs (`tensile report
# --format github`), and exits with tensile's own exit code.
#
# Environment: INPUT_SCENARIOS INPUT_PROFILE INPUT_ARGS INPUT_BASELINE
# INPUT_FAIL_ON_REGRESSION INPUT_SHARD INPUT_OUT (the action's inputs);
# TENSILE_BIN, a command line that runs tensile (a downloaded binary, or
# `deno run -A --v8-flags=--expose-gc main.ts` in a checkout), set by the
# install step or by the workflow; GITHUB_STEP_SUMMARY and GITHUB_OUTPUT.
set -uo pipefail

if [ -z "${TENSILE_BIN:-}" ]; then
  echo "::error title=tensile::no tensile binary: the install step set no TENSILE_BIN"
  exit 3
fi
# A command line, split on spaces (a path with spaces: put it in PATH).
read -r -a tensile <<<"$TENSILE_BIN"

out=${INPUT_OUT:-tensile-results}
result="$out/result.json"
args=(run)
# Scenarios and extra arguments: split on whitespace, newlines included.
read -r -d '' -a scenarios <<<"${INPUT_SCENARIOS:-}"
# ${a[@]+...}: an empty array under `set -u` on bash 3.2 (macOS) too.
args+=(${scenarios[@]+"${scenarios[@]}"})
[ -n "${INPUT_PROFILE:-}" ] && args+=(--profile "$INPUT_PROFILE")
args+=(--out "$out")
[ -n "${INPUT_SHARD:-}" ] && args+=(--shard "$INPUT_SHARD")
[ -n "${INPUT_BASELINE:-}" ] && args+=(--baseline "$INPUT_BASELINE")
read -r -d '' -a extra <<<"${INPUT_ARGS:-}"
args+=(${extra[@]+"${extra[@]}"})

# A workflow command's message: %, CR and LF escaped as GitHub reads them.
command_data() {
  local text=${1//%/%25}
  text=${text//$'\r'/%0D}
  printf '%s' "${text//$'\n'/%0A}"
}
output() { [ -n "${GITHUB_OUTPUT:-}" ] && printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; }
summary() { [ -n "${GITHUB_STEP_SUMMARY:-}" ] && printf '%s\n' "$1" >>"$GITHUB_STEP_SUMMARY"; }

echo "tensile ${args[*]}"
"${tensile[@]}" "${args[@]}"
code=$?

# Exit 2 means nothing ran (bad arguments or scenario files): a result.json
# there is an older run's.
if [ "$code" -ne 2 ] && [ -s "$result" ]; then
  # Annotations to the log; the summary and grade/status/exit_code/result
  # outputs appended to the files GitHub names.
  "${tensile[@]}" report "$result" --format github || true
  [ -s "$out/report.html" ] && output report-html "$out/report.html"
  # With a baseline, the comparison joins the job summary (and
  # $out/compare/); with fail-on-regression it is the gate: exit 4 when HEAD
  # is worse than the baseline.
  if [ -n "${INPUT_BASELINE:-}" ]; then
    gate=()
    [ "${INPUT_FAIL_ON_REGRESSION:-false}" = "true" ] && gate=(--fail-on-regression)
    "${tensile[@]}" compare "$INPUT_BASELINE" "$result" --format github \
      --out "$out/compare" ${gate[@]+"${gate[@]}"}
    compared=$?
    [ "$code" -eq 0 ] && [ "${#gate[@]}" -gt 0 ] && code=$compared
  fi
else
  # No artifact: the arguments or a scenario file were refused (exit 2) or
  # the run could not start. Say so where the summary would be.
  [ "$code" -eq 0 ] && code=3
  echo "::error title=tensile::$(command_data "tensile exited $code before writing $result: see the log of this step")"
  # A backtick would end the code span: shown as a quote.
  tick='`' quote="'"
  shown="tensile ${args[*]}"
  summary "### tensile: no result"
  summary ""
  summary "\`${shown//$tick/$quote}\` exited $code before writing \`${result//$tick/$quote}\`: see the log of this step."
  output status error
fi
output exit-code "$code"
exit "$code"
