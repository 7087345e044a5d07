#!/usr/bin/env python3
"""Lists the functions that take two or more untyped ids (`Id`), which the compiler cannot
tell apart when swapped (docs/decisions/0025). Run from the repository root."""
import collections
import glob
import re

PATTERN = re.compile(r'fn\s+(\w+)\s*(<[^>]*>)?\s*\((.*?)\)\s*(->|\{|where)', re.S)


def main():
    files = glob.glob('crates/**/*.rs', recursive=True) + glob.glob('src/**/*.rs', recursive=True)
    found = []
    for f in sorted(files):
        text = open(f, encoding='utf-8').read()
        for m in PATTERN.finditer(text):
            ids = re.findall(r'(\w+)\s*:\s*&?(?:Option<)?Id\b', m.group(3))
            if len(ids) >= 2:
                found.append((f, m.group(1), ids))
    for f, name, ids in found:
        print(f"{f}: {name}({', '.join(ids)})")
    print(f"{len(found)} functions take two or more untyped ids")


if __name__ == '__main__':
    main()
