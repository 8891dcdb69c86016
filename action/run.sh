#!/usr/bin/env bash
# The GitHub Action's check (action.yml): one `conflictscan pr` run writes the annotations,
# the job summary and the SARIF file together. Whatever that run's exit code, this script
# leaves a valid SARIF file, a job summary, an ::error for a fatal error, and the counts as
# step outputs; then it exits with conflictscan's code (0 pass, 1 findings, 2 input error).
#
# Environment (set by action.yml from its inputs and the event): CONFLICTSCAN (the command),
# PYTHON, SARIF_FILE, BASE, OTHERS, SELECT, IGNORE, BASELINE, FAIL_ON, EXTRA_ARGS, EVENT_NAME,
# BASE_REF, PUSH_BEFORE, MERGE_GROUP_BASE_SHA, DEFAULT_BRANCH, GITHUB_OUTPUT,
# GITHUB_STEP_SUMMARY.
set -uo pipefail

read -r -a command <<< "${CONFLICTSCAN:-conflictscan}"
python="${PYTHON:-python3}"
sarif="${SARIF_FILE:-conflictscan.sarif}"
case "$sarif" in /*) ;; *) sarif="$PWD/$sarif" ;; esac

base="${BASE:-}"
if [ -z "$base" ]; then
  case "${EVENT_NAME:-}" in
    pull_request | pull_request_target) base="origin/${BASE_REF:-}" ;;
    merge_group) base="${MERGE_GROUP_BASE_SHA:-}" ;;
    push)
      if [ -n "${PUSH_BEFORE:-}" ] && [ "${PUSH_BEFORE//0/}" != "" ]; then
        base="$PUSH_BEFORE"   # what the branch was before this push
      elif [ -n "${DEFAULT_BRANCH:-}" ]; then
        base="origin/$DEFAULT_BRANCH"   # a new branch: against the default branch
      fi ;;
  esac
fi

args=(pr --format github --sarif-output "$sarif")
[ -n "$base" ] && args+=(--base "$base")
[ -n "${OTHERS:-}" ] && args+=(--others "$OTHERS")
[ -n "${SELECT:-}" ] && args+=(--select "$SELECT")
[ -n "${IGNORE:-}" ] && args+=(--ignore "$IGNORE")
[ -n "${BASELINE:-}" ] && args+=(--baseline "$BASELINE")
[ -n "${FAIL_ON:-}" ] && args+=(--fail-on "$FAIL_ON")
extra=()
[ -n "${EXTRA_ARGS:-}" ] && read -r -a extra <<< "$EXTRA_ARGS"

errors="$(mktemp)"
rm -f "$sarif"
"${command[@]}" "${args[@]}" "${extra[@]}" 2> "$errors"
code=$?
cat "$errors" >&2

# Whatever happened: a valid SARIF file (an empty run when conflictscan could not write one),
# the counts per severity, and a job summary.
"$python" - "$sarif" "$code" "$errors" <<'PY'
import json, os, sys

sarif, code, errors = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    with open(sarif, encoding="utf-8") as handle:
        runs = json.load(handle)["runs"]
except (OSError, ValueError, KeyError, TypeError):
    message = open(errors, encoding="utf-8", errors="replace").read().strip()
    runs = [{"tool": {"driver": {"name": "conflictscan", "rules": [],
                                 "informationUri": "https://github.com/conflictscan/conflictscan"}},
             "automationDetails": {"id": "conflictscan/pr/"},
             "invocations": [{"executionSuccessful": False, "exitCode": code,
                              "toolExecutionNotifications": [
                                  {"level": "error",
                                   "message": {"text": message or f"exit code {code}"}}]}],
             "results": []}]
    with open(sarif, "w", encoding="utf-8") as handle:
        json.dump({"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
                   "version": "2.1.0", "runs": runs}, handle, indent=2)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(f"## conflictscan pr: could not run (exit {code})\n\n```\n{message}\n```\n")
counts = {"error": 0, "warning": 0, "note": 0}
for run in runs:
    for result in run.get("results", []):
        level = result.get("level", "warning")
        counts[level] = counts.get(level, 0) + 1
output = os.environ.get("GITHUB_OUTPUT")
if output:
    with open(output, "a", encoding="utf-8") as handle:
        handle.write(f"errors={counts['error']}\nwarnings={counts['warning']}\n"
                     f"notes={counts['note']}\nsarif-file={sarif}\nexit-code={code}\n")
PY
rm -f "$errors"
exit "$code"
