#!/usr/bin/env python3
"""Fails on any import circle between the files of a crate.

    python3 scripts/check_imports.py            # every crate of the workspace
    python3 scripts/check_imports.py --verbose  # and every file's imports

A file imports another when its production code (test modules left out) names an item of
the other's module through `crate::`, `super::` or `self::` paths, in `use` or inline.
Re-exports are followed (`crate::AppState` is `state.rs`'s when lib.rs re-exports it), and
`mod x;` declarations are not imports. Two files that need each other, directly or round a
longer loop, are a circle: one of them should pass what it needs in, or the shared part
should move into a file of its own (docs/DESIGN.md, "Where new code goes").
Exits 1 with each circle listed when there is one; a stage of `./build.sh test`.
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def crates():
    """(name, src dir, root files) of every crate: the workspace root and crates/*."""
    out = []
    for base in [ROOT] + sorted(
        os.path.join(ROOT, "crates", d) for d in os.listdir(os.path.join(ROOT, "crates"))
    ):
        src = os.path.join(base, "src")
        if not os.path.isdir(src):
            continue
        roots = [os.path.join(src, f) for f in ("lib.rs", "main.rs") if os.path.exists(os.path.join(src, f))]
        bins = os.path.join(src, "bin")
        if os.path.isdir(bins):
            roots += [os.path.join(bins, f) for f in sorted(os.listdir(bins)) if f.endswith(".rs")]
        out.append((os.path.relpath(base, ROOT) or ".", src, roots))
    return out


def strip(text):
    """The code without comments and with empty string and char literals."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c in "rb" and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")) and re.match(r'b?r#*"', text[i:]):
            m = re.match(r'b?r(#*)"', text[i:])
            end = text.find('"' + m.group(1), i + m.end())
            i = n if end < 0 else end + 1 + len(m.group(1))
            out.append('""')
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            out.append('""')
        elif c == "'" and re.match(r"'(?:\\[^']+|[^'\\])'", text[i:]):
            i += re.match(r"'(?:\\[^']+|[^'\\])'", text[i:]).end()
            out.append("' '")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def production(text):
    """The file without comments, string contents and `#[cfg(test)]` modules."""
    text = strip(text)
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+" + IDENT + r"\s*\{", text):
        if m.start() < i:
            continue
        out.append(text[i : m.start()])
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    return "".join(out)


class Crate:
    def __init__(self, root):
        self.files = {}  # module path (tuple) -> file
        self.module_of = {}  # file -> module path
        self.walk(root, ())

    def walk(self, path, module):
        self.files[module] = path
        self.module_of[path] = module
        text = production(open(path, encoding="utf-8").read())
        owns_dir = os.path.basename(path) in ("lib.rs", "main.rs", "mod.rs") or module == ()
        here = os.path.dirname(path) if owns_dir else os.path.splitext(path)[0]
        for m in re.finditer(r"(?m)^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(" + IDENT + r")\s*;", text):
            name = m.group(1)
            for cand in (os.path.join(here, name + ".rs"), os.path.join(here, name, "mod.rs")):
                if os.path.exists(cand):
                    self.walk(cand, module + (name,))
                    break

    def reexports(self, module):
        """name -> absolute path of what `pub use` in this module re-exports."""
        text = production(open(self.files[module], encoding="utf-8").read())
        out = {}
        for m in re.finditer(r"pub(?:\([^)]*\))?\s+use\s+([^;]+);", text):
            for path in expand(m.group(1)):
                absolute = self.absolute(module, path)
                if absolute:
                    out[absolute[-1]] = absolute
        return out

    def absolute(self, module, path):
        head, rest = path[0], path[1:]
        if head == "crate":
            return list(rest)
        if head == "self":
            return list(module) + list(rest)
        if head == "super":
            base = list(module)
            while rest and rest[0] == "super":
                base, rest = base[:-1], rest[1:]
            return base[:-1] + list(rest)
        if (head,) in self.files or head in self.files.get((), ""):
            return [head] + list(rest)
        return list(module) + [head] + list(rest) if (tuple(module) + (head,)) in self.files else None

    def target(self, absolute, seen=0):
        """The file whose module defines what the absolute path names."""
        module = ()
        for i, seg in enumerate(absolute):
            if module + (seg,) in self.files:
                module = module + (seg,)
                continue
            if seen < 5:
                again = self.reexports(module).get(seg)
                if again and again[: len(module)] != list(module) + [seg]:
                    return self.target(again + absolute[i + 1 :], seen + 1)
            break
        return self.files[module]


def expand(use):
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e] as tuples."""
    use = re.sub(r"\s+", "", use)
    use = re.sub(r"\bas" + IDENT, "", use)
    m = re.match(r"^(.*?)::\{(.*)\}$", use)
    if not m:
        return [tuple(p for p in use.split("::") if p)]
    prefix, inner = m.group(1), m.group(2)
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        cur += ch
    parts.append(cur)
    out = []
    for p in parts:
        if not p or p == "self":
            out.append(tuple(prefix.split("::")))
            continue
        out += [tuple(prefix.split("::")) + e for e in expand(p)]
    return out


def imports(crate, path):
    module = crate.module_of[path]
    text = production(open(path, encoding="utf-8").read())
    paths = []
    # A `pub use` re-exports (it is followed where it is used, not counted here).
    text = re.sub(r"\bpub(?:\([^)]*\))?\s+use\s+[^;]+;", "", text)
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        paths += expand(m.group(1))
    text = re.sub(r"\buse\s+[^;]+;", "", text)
    for m in re.finditer(r"\b((?:crate|super|self)(?:::" + IDENT + ")+)", text):
        paths.append(tuple(m.group(1).split("::")))
    out = set()
    for p in paths:
        if not p:
            continue
        if p[0] not in ("crate", "super", "self") and (p[0],) not in crate.files:
            continue
        absolute = crate.absolute(module, p)
        if absolute is None:
            continue
        t = crate.target(absolute)
        if t != path:
            out.add(t)
    return out


def circles(graph):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
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
    for v in graph:
        if v not in index:
            visit(v)
    return out


def main():
    verbose = "--verbose" in sys.argv
    found = []
    for name, _src, roots in crates():
        for root in roots:
            crate = Crate(root)
            graph = {f: imports(crate, f) for f in crate.module_of}
            if verbose:
                for f, ts in sorted(graph.items()):
                    for t in sorted(ts):
                        print(f"{os.path.relpath(f, ROOT)} -> {os.path.relpath(t, ROOT)}")
            for comp in circles(graph):
                found.append(comp)
                print(f"circle in {name} ({os.path.relpath(root, ROOT)}):")
                for f in comp:
                    needs = sorted(os.path.relpath(t, ROOT) for t in graph[f] if t in comp)
                    print(f"  {os.path.relpath(f, ROOT)} -> {', '.join(needs)}")
    unique = {tuple(c) for c in found}
    print(f"{len(unique)} import circle(s)")
    return 1 if unique else 0


if __name__ == "__main__":
    sys.exit(main())
