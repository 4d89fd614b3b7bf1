#!/usr/bin/env python3
"""The bundled sample (rules/examples/sample) judged by the example carrier
rules: every call must get the verdict and rule its label calls for.

usage: check_sample_verdicts.py CALLFENCE SAMPLE_DIR
"""
import csv
import json
import os
import subprocess
import sys

# label -> (verdict, rule)
EXPECTED = {
    "legit": ("allow", "default"),
    "legit-foreign": ("allow", "default"),
    "legit-roaming": ("allow", "default"),
    "blacklisted": ("block", "blacklisted"),
    "spoofed": ("block", "spoofed-domestic"),
    "dno": ("block", "dno-impersonation"),
}


def main():
    cf, sample = sys.argv[1:3]
    labels = {r["frame"]: r["class"]
              for r in csv.DictReader(open(os.path.join(sample, "labels.csv")))}
    out = subprocess.run(["sh", os.path.join(sample, "replay.sh"), cf],
                         check=True, capture_output=True, text=True).stdout
    records = [json.loads(line) for line in out.splitlines()]
    bad = []
    for o in records:
        want = EXPECTED[labels[str(o["frame"])]]
        if (o["verdict"], o["rule"]) != want:
            bad.append(f"frame {o['frame']} ({labels[str(o['frame'])]}): "
                       f"{o['verdict']}/{o['rule']}, want {want[0]}/{want[1]}")
    if len(records) != len(labels):
        bad.append(f"{len(records)} records for {len(labels)} labelled calls")
    for b in bad[:20]:
        print(b)
    print(f"{len(records)} calls, {len(bad)} wrong verdicts")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
