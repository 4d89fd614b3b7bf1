#!/bin/sh
# CLI checks for callfence check / compile / query: exit codes and output.
# usage: cli_test.sh CALLFENCE SOURCE_ROOT
set -u
cf=$1
ex=$2/rules/examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

expect() {	# expect WHAT WANT_RC GOT_RC
	if [ "$2" != "$3" ]; then
		echo "FAIL: $1: exit $3, expected $2"
		fails=$((fails + 1))
	fi
}
contains() {	# contains WHAT FILE TEXT
	if ! grep -qF -- "$3" "$2"; then
		echo "FAIL: $1: no '$3' in:"
		cat "$2"
		fails=$((fails + 1))
	fi
}

"$cf" check "$ex/carrier.rules" >"$tmp/out" 2>&1; expect "check carrier" 0 $?
contains "check carrier" "$tmp/out" "ok: 17 rules, 4 lists"
"$cf" check "$ex/minimal.rules" >"$tmp/out" 2>&1; expect "check minimal" 0 $?

cat >"$tmp/bad.rules" <<'RULES'
plan { country-code 86 }
list black "nowhere.txt"
rule a { priority 1 when caller in nolist action block }
rule b { priority 2 when caller matches /(/ action allow }
default allow
RULES
"$cf" check "$tmp/bad.rules" >"$tmp/out" 2>"$tmp/err"; expect "check bad" 1 $?
contains "check bad" "$tmp/err" "$tmp/bad.rules:3:36: error: no list named 'nolist'"
contains "check bad" "$tmp/err" "$tmp/bad.rules:4:41: error: bad pattern /(/:"
"$cf" check >/dev/null 2>&1; expect "check usage" 2 $?

"$cf" compile "$ex/carrier.rules" -o "$tmp/c.cfr" >"$tmp/out" 2>&1
expect "compile" 0 $?
[ -s "$tmp/c.cfr" ] || { echo "FAIL: compile wrote nothing"; fails=$((fails + 1)); }
cp "$tmp/c.cfr" "$tmp/old.cfr"
"$cf" compile "$tmp/bad.rules" -o "$tmp/c.cfr" >/dev/null 2>&1
expect "compile bad" 1 $?
cmp -s "$tmp/c.cfr" "$tmp/old.cfr" || { echo "FAIL: failed compile replaced the output"; fails=$((fails + 1)); }
"$cf" compile "$ex/carrier.rules" >/dev/null 2>&1; expect "compile no -o" 2 $?

for rules in "$ex/carrier.rules" "$tmp/c.cfr"; do
	"$cf" query --rules "$rules" --caller +8617012345678 >"$tmp/out" 2>&1
	expect "query blacklist $rules" 0 $?
	contains "query blacklist" "$tmp/out" "verdict: block"
	contains "query blacklist" "$tmp/out" "rule: blacklisted"
	contains "query blacklist" "$tmp/out" "reply: 603 Network Blocked (Reason: Q.850;cause=21)"
	contains "query blacklist" "$tmp/out" "matched: caller 8617012345678 in list blacklist (label fraud-2024-0113)"
	"$cf" query --rules "$rules" --caller +8613900000000 --ingress international --proto isup >"$tmp/out" 2>&1
	contains "query spoof" "$tmp/out" "rule: spoofed-domestic"
	"$cf" query --rules "$rules" --caller +8613800095588 --json >"$tmp/out" 2>&1
	contains "query json" "$tmp/out" '{"verdict":"hide","rule":"service-lookalike"'
	contains "query json" "$tmp/out" '"match":{"kind":"pattern","party":"caller","entry":"8613800095588","pattern":"000(110|95588|95533|95555|12366)$"}'
	"$cf" query --rules "$rules" --caller +8613811112222 --callee +8823456789 >"$tmp/out" 2>&1
	contains "query monitor" "$tmp/out" "monitor: premium-trial would have matched"
done

echo "+8613811112222 local-case" >"$tmp/black.txt"
"$cf" query --rules "$ex/carrier.rules" --list "blacklist=$tmp/black.txt" --caller +8613811112222 >"$tmp/out" 2>&1
expect "query --list" 0 $?
contains "query --list" "$tmp/out" "label local-case"
"$cf" query --rules "$tmp/c.cfr" --list "blacklist=$tmp/black.txt" --caller 1 >"$tmp/out" 2>&1
expect "query --list compiled" 1 $?
"$cf" query --rules "$ex/carrier.rules" --caller 1 --ingress mars >/dev/null 2>&1
expect "query bad ingress" 2 $?
"$cf" query --rules "$tmp/missing.rules" --caller 1 >"$tmp/out" 2>&1
expect "query missing" 1 $?
head -c 100 "$tmp/c.cfr" >"$tmp/trunc.cfr"
"$cf" query --rules "$tmp/trunc.cfr" --caller 1 >"$tmp/out" 2>&1
expect "query truncated" 1 $?
contains "query truncated" "$tmp/out" "truncated or extended compiled ruleset"

# A typo in a list line is an error with file:line, and the whole ruleset
# is refused: check fails, compile keeps the old file (issue 13).
printf '+8613800000001 ok\n+86 138 abc 0000\n1380013800O\n' >"$tmp/typo.txt"
cat >"$tmp/typo.rules" <<'RULES'
plan { country-code 86 }
list black "typo.txt"
rule b { priority 1 when caller in black action block }
default allow
RULES
"$cf" check "$tmp/typo.rules" >"$tmp/out" 2>"$tmp/err"; expect "check typo" 1 $?
contains "check typo" "$tmp/err" "$tmp/typo.txt:2: error: +86 138 abc 0000: not a number"
contains "check typo" "$tmp/err" "$tmp/typo.txt:3: error: 1380013800O: not a number"
"$cf" check --list "blacklist=$tmp/typo.txt" "$ex/carrier.rules" >"$tmp/out" 2>"$tmp/err"
expect "check --list typo" 1 $?
contains "check --list typo" "$tmp/err" "$tmp/typo.txt:3: error: 1380013800O: not a number"
"$cf" compile "$tmp/typo.rules" -o "$tmp/c.cfr" >/dev/null 2>&1
expect "compile typo" 1 $?
cmp -s "$tmp/c.cfr" "$tmp/old.cfr" || { echo "FAIL: compile with a broken list replaced the output"; fails=$((fails + 1)); }
"$cf" query --rules "$tmp/typo.rules" --caller +86138 >"$tmp/out" 2>&1
expect "query typo" 1 $?

# A caller with no number is absent, and plain `caller invalid` covers it;
# query and replay name the reason (issue 13).
cat >"$tmp/absent.rules" <<'RULES'
plan { country-code 1 }
rule inval { priority 1 when caller invalid action block reason "invalid caller" }
default allow
RULES
cat >"$tmp/gone.rules" <<'RULES'
plan { country-code 1 }
rule gone { priority 1 when caller absent action block }
rule short { priority 2 when caller invalid wrong-length, empty action suspect }
default allow
RULES
"$cf" query --rules "$tmp/absent.rules" --callee 2025550199 >"$tmp/out" 2>&1
expect "query absent" 0 $?
contains "query absent" "$tmp/out" "rule: inval"
contains "query absent" "$tmp/out" "matched: caller absent: the call carries no caller number"
"$cf" query --rules "$tmp/absent.rules" --caller "+1 1 202 555 0170" --json >"$tmp/out" 2>&1
contains "query invalid json" "$tmp/out" '"match":{"kind":"invalid","party":"caller","entry":"","reason":"trunk-after-cc","raw":"+1 1 202 555 0170"}'
"$cf" query --rules "$tmp/gone.rules" --caller 555-0101 >"$tmp/out" 2>&1
contains "query reason list" "$tmp/out" 'matched: caller invalid: wrong-length ("555-0101")'
"$cf" query --rules "$tmp/gone.rules" --callee 2025550199 --json >"$tmp/out" 2>&1
contains "query absent json" "$tmp/out" '"rule":"gone"'
contains "query absent json" "$tmp/out" '"match":{"kind":"invalid","party":"caller","entry":"","reason":"absent"}'
# isup_m3ua.pcap frame 17 is an IAM without a Calling Party Number; frames
# 3, 7, 11 and 15 carry one without digits (APRI 2).
cap=$2/tests/data/captures/isup_m3ua.pcap
"$cf" replay --rules "$tmp/absent.rules" "$cap" >"$tmp/out" 2>/dev/null
expect "replay absent" 0 $?
contains "replay absent" "$tmp/out" '"call_ref":"100:200:17","caller":"","callee":"12025550199","redirecting":"","original_called":"","generic":"","caller_raw":"","callee_raw":"12025550199","presentation":"","verdict":"block","rule":"inval"'
contains "replay empty" "$tmp/out" '"call_ref":"100:200:3","caller":"","callee":"12025550199","redirecting":"","original_called":"","generic":"","caller_raw":"","callee_raw":"2025550199","presentation":"","verdict":"block","rule":"inval"'
"$cf" replay --rules "$tmp/gone.rules" "$cap" >"$tmp/out" 2>/dev/null
[ "$(grep -c '"rule":"gone"' "$tmp/out")" = 1 ] ||
	{ echo "FAIL: replay gone: not exactly one absent caller"; grep gone "$tmp/out"; fails=$((fails + 1)); }
contains "replay gone" "$tmp/out" '"call_ref":"100:200:17",'
[ "$(grep -c '"rule":"short"' "$tmp/out")" = 4 ] ||
	{ echo "FAIL: replay short: not the 4 empty callers"; grep short "$tmp/out"; fails=$((fails + 1)); }

# A condition that can never match a normalised number: a warning with
# file:line:col; check still succeeds, compile still writes.
cat >"$tmp/never.rules" <<'RULES'
plan { country-code 86 }
rule a { priority 1 when caller prefix 0170 action block }
rule b { priority 2 when caller matches /^\+86170/ action block }
default allow
RULES
"$cf" check "$tmp/never.rules" >"$tmp/out" 2>"$tmp/err"; expect "check never" 0 $?
contains "check never" "$tmp/out" "ok: 2 rules"
contains "check never" "$tmp/err" "$tmp/never.rules:2:40: warning: prefix 0170 can never match"
contains "check never" "$tmp/err" "(did you mean 86170?)"
contains "check never" "$tmp/err" "$tmp/never.rules:3:41: warning: pattern /^\+86170/ can never match: it needs a '+'"
"$cf" compile "$tmp/never.rules" -o "$tmp/never.cfr" >/dev/null 2>"$tmp/err"
expect "compile never" 0 $?
contains "compile never" "$tmp/err" "warning: prefix 0170"
"$cf" check "$ex/carrier.rules" >"$tmp/out" 2>"$tmp/err"
[ -s "$tmp/err" ] && { echo "FAIL: carrier.rules warns:"; cat "$tmp/err"; fails=$((fails + 1)); }

# normalise: the trunk prefix after the country code (issue 13).
tab=$(printf '\t')
"$cf" normalise --country-code 86 +8601012345678 >"$tmp/out" 2>&1
expect "normalise trunk" 0 $?
contains "normalise trunk" "$tmp/out" "+8601012345678${tab}invalid${tab}trunk-after-cc"
"$cf" normalise --country-code 86 --nai national 01012345678 >"$tmp/out" 2>&1
contains "normalise trunk nai" "$tmp/out" "01012345678${tab}invalid${tab}trunk-after-cc"
"$cf" normalise --country-code 86 --trunk-after-cc strip +8601012345678 \
	+86013812345 >"$tmp/out" 2>&1
expect "normalise strip" 0 $?
contains "normalise strip" "$tmp/out" "+8601012345678${tab}861012345678${tab}plus${tab}domestic"
contains "normalise strip" "$tmp/out" "+86013812345${tab}invalid${tab}wrong-length"
"$cf" normalise --country-code 86 --trunk-after-cc maybe 1 >/dev/null 2>&1
expect "normalise bad trunk-after-cc" 2 $?

[ $fails -eq 0 ] && echo "all CLI checks passed"
exit $((fails != 0))
