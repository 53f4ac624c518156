#!/usr/bin/env python3
"""docs/architecture.md's link table against the CMake files.

Reads every target_link_libraries line of the product's folders, keeps the project's own targets
(those made by add_library/add_executable there), and compares them, target by target, with the
"Link lines" table of docs/architecture.md. Also checks two rules: no production binary links the
simulator, directly or through another library; no library links cli/ (terminal code is the
binaries').
usage: architecture_links_test.py SOURCE_DIR
"""
import re
import sys
from pathlib import Path

FOLDERS = ["base", "vhd", "xapi", "net", "sim", "engine", "cli", "jobs", "seed-tool", "web",
           "xcr", "demo", "tools"]
PRODUCTION = ["xcr", "cr-seed", "xcr-xapi", "xcr-vhd"]


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def cmake_links(root):
    texts = []
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("CMakeLists.txt")):
            text = re.sub(r"#[^\n]*", "", path.read_text())
            texts.append(text)
    targets = set()
    for text in texts:
        targets.update(re.findall(r"add_(?:library|executable)\(\s*([\w-]+)", text))
    links = {t: set() for t in targets}
    for text in texts:
        for target, args in re.findall(r"target_link_libraries\(\s*([\w-]+)([^)]*)\)", text):
            links.setdefault(target, set()).update(w for w in args.split() if w in targets)
    return links


def doc_links(root):
    text = (root / "docs" / "architecture.md").read_text()
    links = {}
    for line in text.splitlines():
        m = re.match(r"\|\s*`([\w-]+)`\s*\|\s*[\w/-]+/\s*\|(.*)\|\s*$", line)
        if m:
            links[m.group(1)] = set(re.findall(r"`([\w-]+)`", m.group(2)))
    if len(links) < 10:
        fail("docs/architecture.md: the link table was not found (%d rows)" % len(links))
    return links


def reaches(links, start, goal):
    seen, todo = set(), [start]
    while todo:
        t = todo.pop()
        if t == goal:
            return True
        if t not in seen:
            seen.add(t)
            todo.extend(links.get(t, ()))
    return False


def main():
    root = Path(sys.argv[1])
    built, documented = cmake_links(root), doc_links(root)
    problems = []
    for target in sorted(set(built) | set(documented)):
        if target not in documented:
            problems.append("%s links %s in CMake but has no row" % (target, sorted(built[target])))
        elif target not in built:
            problems.append("%s has a row but no CMake target" % target)
        elif built[target] != documented[target]:
            problems.append("%s: CMake links %s, the page says %s" %
                            (target, sorted(built[target]), sorted(documented[target])))
    for binary in PRODUCTION:
        if binary not in built:
            problems.append("production binary %s not found" % binary)
        elif reaches(built, binary, "xcr_sim"):
            problems.append("production binary %s links the simulator (xcr_sim)" % binary)
    for target in sorted(built):
        if target.startswith("xcr_") and target != "xcr_cli" and "xcr_cli" in built[target]:
            problems.append("library %s links xcr_cli (terminal code belongs to binaries)" % target)
    if problems:
        fail("docs/architecture.md and the CMake files disagree:\n  " + "\n  ".join(problems))
    print("architecture links: %d targets agree" % len(built))


main()
