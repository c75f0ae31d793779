#!/usr/bin/env python3
"""Module import graph of a crate: fails on a circle, and on store repositories that import
each other.

Why: issue 17. Decisions belong in services and SQL in store; a circle between modules is
where that line blurs first. The graph is read from the source: every `crate::a::b` and
`super::a` path (in `use` trees and inline) is an edge from the file's module to the longest
module prefix it names. Relative paths (`a::b` from a parent to its child) are a parent
naming its own children and are not edges.

Usage: tools/import-cycles.py [crate-dir ...]   (default: every crate under crates/)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Store repositories may share these: the audit log is written in every unit of work.
STORE_REPO_SHARED = {"repo", "repo::audit"}


def module_of(src: Path, file: Path) -> tuple[str, ...]:
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("lib", "main", "mod"):
        parts.pop()
    return tuple(parts)


def strip(text: str) -> str:
    """Removes comments, strings and char literals, keeping offsets irrelevant."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c == "r" and re.match(r'r#*"', text[i:i + 8]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            end = '"' + m.group(1)
            j = text.find(end, i + len(m.group(0)))
            i = n if j < 0 else j + len(end)
            out.append('""')
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            out.append('""')
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4]) or (c == "'" and text.startswith("'\\", i)):
            j = text.find("'", i + 2)
            i = n if j < 0 else j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|::|[{},;*]|\S")


def use_paths(tokens: list[str], i: int, prefix: list[str], out: list[list[str]]) -> int:
    """Parses one use tree at tokens[i]; appends every full path; returns the next index."""
    path = list(prefix)
    while i < len(tokens):
        t = tokens[i]
        if t == "{":
            i += 1
            while i < len(tokens) and tokens[i] != "}":
                i = use_paths(tokens, i, path, out)
                if i < len(tokens) and tokens[i] == ",":
                    i += 1
            return i + 1
        if t in (",", "}", ";"):
            out.append(path)
            return i
        if t == "::":
            i += 1
            continue
        if t == "as":
            i += 2
            continue
        path.append(t)
        i += 1
    out.append(path)
    return i


def paths_in(text: str) -> list[list[str]]:
    tokens = TOKEN.findall(strip(text))
    found: list[list[str]] = []
    i = 0
    while i < len(tokens):
        if tokens[i] == "use":
            i = use_paths(tokens, i + 1, [], found)
            continue
        if tokens[i] in ("crate", "super") and i + 1 < len(tokens) and tokens[i + 1] == "::":
            path = [tokens[i]]
            j = i + 1
            while j + 1 < len(tokens) and tokens[j] == "::" and re.match(r"[A-Za-z_]", tokens[j + 1]):
                path.append(tokens[j + 1])
                j += 2
            if j < len(tokens) and tokens[j] == "::" and j + 1 < len(tokens) and tokens[j + 1] == "{":
                use_paths(tokens, j + 1, path, found)
            else:
                found.append(path)
            i = j
            continue
        i += 1
    return found


def resolve(path: list[str], here: tuple[str, ...], is_mod_file: bool, modules: set[tuple[str, ...]]):
    if not path:
        return None
    if path[0] == "crate":
        base, rest = (), path[1:]
    elif path[0] == "super":
        # `super` of a.rs (module a::b) is a; of a/b/mod.rs (module a::b) also a.
        base, rest = here[:-1], path[1:]
        while rest and rest[0] == "super":
            base, rest = base[:-1], rest[1:]
    elif path[0] == "self":
        base, rest = here, path[1:]
    else:
        return None
    best = base
    for k in range(1, len(rest) + 1):
        cand = base + tuple(rest[:k])
        if cand in modules:
            best = cand
        else:
            break
    return best


def graph(crate: Path) -> dict[tuple[str, ...], set[tuple[str, ...]]]:
    src = crate / "src"
    files = [f for f in src.rglob("*.rs")]
    modules = {module_of(src, f) for f in files}
    edges: dict[tuple[str, ...], set[tuple[str, ...]]] = {m: set() for m in modules}
    for f in files:
        here = module_of(src, f)
        text = f.read_text(encoding="utf-8")
        # `#[cfg(test)] mod tests { ... }` may use anything; tests are not part of the graph.
        cut = re.search(r"#\[cfg\(test\)\]\s*mod\s+tests", text)
        if cut:
            text = text[: cut.start()]
        for p in paths_in(text):
            target = resolve(p, here, f.name == "mod.rs", modules)
            if target is None or target == here or here[: len(target)] == target and False:
                continue
            # A child naming its ancestor's items (`super::helper`) is an edge to the ancestor.
            edges[here].add(target)
    for m in edges:
        edges[m].discard(m)
        edges[m].discard(())  # lib.rs: re-exports only
    return edges


def cycles(edges):
    """Tarjan's strongly connected components with more than one module."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def name(m):
    return "::".join(m) or "(root)"


def main(argv):
    crates = [Path(a).resolve() for a in argv] or sorted(p for p in (ROOT / "crates").iterdir() if (p / "src").is_dir())
    failed = False
    for crate in crates:
        edges = graph(crate)
        for comp in cycles(edges):
            failed = True
            print(f"{crate.name}: import circle: " + ", ".join(name(m) for m in comp))
            members = set(comp)
            for m in comp:
                for t in sorted(edges[m] & members):
                    print(f"    {name(m)} -> {name(t)}")
        if crate.name == "store":
            for m, targets in sorted(edges.items()):
                # A repository is `repo::x` with its submodules (`repo::x::y`).
                if len(m) >= 2 and m[0] == "repo":
                    for t in sorted(targets):
                        if t[:1] == ("repo",) and name(t) not in STORE_REPO_SHARED and t[:2] != m[:2]:
                            failed = True
                            print(f"store: repository {name(m)} imports {name(t)}")
    if failed:
        return 1
    print(f"no import circles in {len(crates)} crates")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
