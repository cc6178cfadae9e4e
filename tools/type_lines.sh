#!/bin/sh
# Lines per resource type: one row per type file in src/resources (the files
# that define a `const struct rtype`), with its total lines and its code
# lines (not blank, not only a comment), then the count, median and total.
# The shared files (common.c, typeutil.c, generic.c, ec2_common.c, ...) are
# not types and are listed apart.
#
#   tools/type_lines.sh            the working tree
#   tools/type_lines.sh REV        at a git revision (e.g. main, 3f7b9bc)
set -eu
cd "$(dirname "$0")/.."
rev=${1:-}

list() {
	if [ -n "$rev" ]; then
		git ls-tree --name-only "$rev" src/resources/ | grep '\.c$'
	else
		ls src/resources/*.c
	fi
}
show() {
	if [ -n "$rev" ]; then git show "$rev:$1"; else cat "$1"; fi
}
# Code lines: not blank, not inside or only a /* */ or // comment.
code_lines() {
	awk '
	{ line = $0 }
	incomment { if (line ~ /\*\//) { incomment = 0; sub(/.*\*\//, "", line) } else next }
	{ gsub(/\/\*.*\*\//, "", line) }
	line ~ /\/\*/ { sub(/\/\*.*/, "", line); incomment = 1 }
	{ sub(/\/\/.*/, "", line) }
	line ~ /[^ \t]/ { n++ }
	END { print n + 0 }'
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for f in $(list); do
	text=$(show "$f")
	total=$(printf '%s\n' "$text" | wc -l)
	code=$(printf '%s\n' "$text" | code_lines)
	if printf '%s\n' "$text" | grep -q '^const struct rtype rtype_'; then
		kind=type
		printf '%s\n' "$text" | grep -q 'RTA_[A-Z_]*FUNCS(' && kind=description
	else
		kind=shared
	fi
	# child items described with generic_child.h
	printf '%s\n' "$text" | grep -q 'RTC_FUNCS(' && kind=description
	printf '%s %s %s %s\n' "$kind" "$total" "$code" "$(basename "$f" .c)" >>"$tmp"
done
printf '%-12s %6s %6s  %s\n' kind lines code file
sort -k1,1 -k2,2n "$tmp" | awk '{ printf "%-12s %6d %6d  %s\n", $1, $2, $3, $4 }'
awk '$1 != "shared" { n++; t += $2; c += $3; v[n] = $2 }
     END {
	# median of total lines (insertion sort: a few dozen rows)
	for (i = 2; i <= n; i++) { x = v[i]; j = i - 1; while (j > 0 && v[j] > x) { v[j+1] = v[j]; j-- } v[j+1] = x }
	m = n % 2 ? v[(n+1)/2] : (v[n/2] + v[n/2+1]) / 2
	printf "types: %d, lines: %d (code %d), median lines per type: %s\n", n, t, c, m }' "$tmp"
awk '$1 == "description" { n++; t += $2 } END { if (n) printf "descriptions: %d, %d lines, %.0f per type\n", n, t, t / n }' "$tmp"
awk '$1 == "shared" { t += $2 } END { printf "shared files: %d lines\n", t }' "$tmp"
