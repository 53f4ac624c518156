#!/usr/bin/env bash
# Every flag a usage text shows is accepted by the parser: for each tool, the flags are read from
# `TOOL --help` and `TOOL COMMAND --help`; each is then given as `--flag=x` followed by an
# option nobody has, so nothing runs: the tool must complain about that option or about the
# value, never "unknown option --flag". A flag shown in a command's help must be accepted by
# that command (or, for a command group, by one of its listed commands); one shown in the
# tool's help by the tool or one of its commands.
# usage: usage_flags_test.sh "TOOL [COMMAND...]" ...   (a quoted list per tool; a nested command
# is written with colons: "pool:add" for `TOOL pool add`)
set -uo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
accepted() {  # flag, words... -> 0 when the parser knows the flag
  local flag=$1; shift
  local out
  out=$("$@" "$flag=x" --zz-not-a-flag 2>&1 </dev/null)
  local rc=$?
  [ "$rc" -eq 2 ] || fail "'$* $flag=x --zz-not-a-flag' exited $rc, want 2: $out"
  ! grep -qF -- "unknown option $flag" <<<"$out"
}
flags_of() { grep -o -- '--[a-z][a-z0-9-]*' | sort -u; }
checked=0
for spec in "$@"; do
  read -r -a words <<<"$spec"
  tool=${words[0]}
  cmds=("${words[@]:1}")
  top_help=$("$tool" --help) || fail "$tool --help exited non-zero"
  [ -n "$top_help" ] || fail "$tool --help printed nothing on stdout"
  for cmd in "${cmds[@]}"; do
    read -r -a cw <<<"${cmd//:/ }"
    help=$("$tool" "${cw[@]}" --help 2>/dev/null) || fail "$tool ${cw[*]} --help exited non-zero"
    [ -n "$help" ] || fail "$tool ${cw[*]} --help printed nothing on stdout"
    for flag in $(flags_of <<<"$help"); do
      # A command group's help may show its commands' flags: one of them must accept it.
      ok=1
      accepted "$flag" "$tool" "${cw[@]}" && ok=0
      for sub in "${cmds[@]}"; do
        [ "$ok" -eq 0 ] && break
        [[ "$sub" == "$cmd:"* ]] || continue
        read -r -a sw <<<"${sub//:/ }"
        accepted "$flag" "$tool" "${sw[@]}" && ok=0
      done
      [ "$ok" -eq 0 ] || fail "$tool ${cw[*]} --help shows $flag, which $tool ${cw[*]} refuses"
      checked=$((checked + 1))
    done
  done
  for flag in $(flags_of <<<"$top_help"); do
    ok=1
    accepted "$flag" "$tool" && ok=0
    for cmd in "${cmds[@]}"; do
      [ "$ok" -eq 0 ] && break
      read -r -a cw <<<"${cmd//:/ }"
      accepted "$flag" "$tool" "${cw[@]}" && ok=0
    done
    [ "$ok" -eq 0 ] || fail "$tool --help shows $flag, which no command of $tool accepts"
    checked=$((checked + 1))
  done
done
[ "$checked" -gt 40 ] || fail "only $checked flags found in the usage texts"
echo "usage flags test: $checked flags, each accepted"
