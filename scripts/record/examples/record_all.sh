#!/bin/sh
# Runs each PyTorch twin and stores its output as the expected output of the
# TypeScript example of the same name: examples/expected/NAME.txt
set -e
cd "$(dirname "$0")"
out=../../../examples/expected
mkdir -p "$out"
for py in [0-9]*.py quickstart.py; do
  name="${py%.py}"
  /usr/bin/python3 "$py" > "$out/$name.txt"
done
echo "recorded $(ls [0-9]*.py quickstart.py | wc -l) example outputs"
