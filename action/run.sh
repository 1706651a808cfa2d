#!/usr/bin/env bash
# The GitHub Action's step (action.yml): `migplan check --since` on the
# pull request's migrations, annotations on stdout, the Markdown summary
# appended to $GITHUB_STEP_SUMMARY. Exit status: migplan's (1 when a
# finding reaches fail-on, 2 on bad input).
#
# Variables read: INPUT_PATH, INPUT_SINCE, INPUT_FAIL_ON, INPUT_ARGS (the
# action's inputs), GITHUB_BASE_REF, GITHUB_WORKSPACE, GITHUB_STEP_SUMMARY,
# GITHUB_ACTION_PATH, RUNNER_TEMP (set by GitHub); MIGPLAN_BIN names a
# migplan binary to use instead of installing one.
set -euo pipefail

project="${INPUT_PATH:-.}"
since="${INPUT_SINCE:-}"
if [[ -z "$since" && -n "${GITHUB_BASE_REF:-}" ]]; then
  since="origin/${GITHUB_BASE_REF}"
fi
if [[ -z "$since" ]]; then
  since="HEAD~1"
fi

if [[ -n "${MIGPLAN_BIN:-}" ]]; then
  bin="$MIGPLAN_BIN"
elif command -v migplan >/dev/null 2>&1; then
  bin="migplan"
else
  root="${RUNNER_TEMP:-/tmp}/migplan"
  echo "::group::installing migplan"
  cargo install --locked --quiet --root "$root" --path "${GITHUB_ACTION_PATH:?}/crates/migplan-cli"
  echo "::endgroup::"
  bin="$root/bin/migplan"
fi

args=(check --since "$since")
if [[ -n "${INPUT_FAIL_ON:-}" ]]; then
  args+=(--fail-on "$INPUT_FAIL_ON")
fi
extra=()
if [[ -n "${INPUT_ARGS:-}" ]]; then
  read -r -a extra <<< "$INPUT_ARGS"
fi

cd "${GITHUB_WORKSPACE:-.}"
status=0
"$bin" "${args[@]}" "${extra[@]}" --format github "$project" || status=$?
if [[ -n "${GITHUB_STEP_SUMMARY:-}" && "$status" -ne 2 ]]; then
  "$bin" "${args[@]}" "${extra[@]}" --format markdown "$project" >> "$GITHUB_STEP_SUMMARY" || true
fi
exit "$status"
