#!/usr/bin/env python3
"""Import cycles between the modules of each crate: prints every cycle and exits 1.

    scripts/module_cycles.py                  # every crate of the workspace
    scripts/module_cycles.py crates/io        # some crates

A module is a file of `src/` (`src/a/b.rs` and `src/a/b/mod.rs` are `a::b`;
`lib.rs`, `main.rs` are the crate root). Module A depends on B when A's code names
`crate::B...`, `super::...`, `self::...` or one of its own submodules `b::...`,
through `use` or a path in the code; B is the longest module prefix of the path.
Re-exports (`pub use`) are a module's table of contents and do not count; nor do
comments, strings, `#[cfg(test)]` items (the `mod tests` at the bottom of a file)
and `*_tests.rs` files: tests naturally use the module they test.

Cycles are the strongly connected components of that graph with more than one
module; each is printed as one loop through it. A module's dependencies should
point one way: a shared type moves to a module both use.
"""

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Strings, chars and comments, to blank out before looking for paths. Lifetimes
# ('a) are not char literals: a char literal closes within a few characters.
TOKENS = re.compile(
    r"""
    (?P<line>//[^\n]*)
  | (?P<block>/\*.*?\*/)
  | (?P<raw>r(?P<hashes>\#*)"(?:.|\n)*?"(?P=hashes))
  | (?P<str>b?"(?:\\.|[^"\\])*")
  | (?P<char>b?'(?:\\.|\\u\{[0-9a-fA-F]+\}|[^'\\\n])')
    """,
    re.VERBOSE | re.DOTALL,
)
CFG_TEST = re.compile(r"#\s*\[\s*cfg\s*\(\s*test\s*\)\s*\]")
ATTRIBUTE = re.compile(r"\s*#\s*\[")
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
NAME = re.compile(IDENT)
SEPARATOR = re.compile(r"\s*::")
# `crate::a::b`, `super::super::a`, `self::a`, and the group form `crate::{a, b::c}`.
PATH_START = re.compile(r"(?<![A-Za-z0-9_:$])(\$crate|crate|super|self)\s*::")
# A path that starts with a name: a child module when one has that name.
NAME_START = re.compile(r"(?<![A-Za-z0-9_:$])(" + IDENT + r")\s*::")
# Re-exports (`pub use a::B;`): the table of contents of a module, not a use of it.
REEXPORT = re.compile(r"\bpub(\s*\([^)]*\))?\s+use\b[^;]*;")


def strip(text: str) -> str:
    """The code with comments, strings and chars replaced by spaces (newlines kept)."""

    def blank(m: re.Match) -> str:
        return re.sub(r"[^\n]", " ", m.group(0))

    return TOKENS.sub(blank, text)


def depth_end(code: str, i: int, opening: str, closing: str, ends: str) -> int:
    """From `i`, the first position at nesting depth 0 (of `opening`/`closing`
    pairs) that holds one of `ends` or a `closing` opened before `i`."""
    depth = 0
    while i < len(code):
        c = code[i]
        if depth == 0 and (c in ends or c == closing):
            return i
        if c == opening:
            depth += 1
        elif c == closing:
            depth -= 1
        i += 1
    return i


def skip_item(code: str, i: int) -> int:
    """The end of the item starting at `i` (after its attributes): after the `;`
    that ends it, or after the brace that closes its body."""
    i = depth_end(code, i, "{", "}", ";{")
    if i < len(code) and code[i] == "{":
        i = depth_end(code, i + 1, "{", "}", "")
    return i + 1


def without_tests(code: str) -> str:
    """The code without `#[cfg(test)]` items."""
    out = []
    at = 0
    for m in CFG_TEST.finditer(code):
        if m.start() < at:
            continue
        out.append(code[at : m.start()])
        i = m.end()
        # Further attributes of the same item.
        while (a := ATTRIBUTE.match(code, i)) is not None:
            i = depth_end(code, a.end(), "[", "]", "") + 1
        at = skip_item(code, i)
    out.append(code[at:])
    return "".join(out)


def paths_at(code: str, i: int) -> list[list[str]]:
    """The paths starting at `i` (just after `crate::`, `super::`...), expanding
    `{a, b::c}` groups one level at a time."""
    out: list[list[str]] = []
    prefix: list[str] = []
    n = len(code)
    while True:
        while i < n and code[i].isspace():
            i += 1
        if i < n and code[i] == "{":
            # A group: each member is a path of its own after the prefix.
            i += 1
            while i < n:
                for p in paths_at(code, i):
                    out.append(prefix + p)
                i = depth_end(code, i, "{", "}", ",")
                if i >= n or code[i] == "}":
                    return out
                i += 1  # the comma
            return out
        m = NAME.match(code, i)
        if m is None:
            break
        prefix.append(m.group(0))
        i = m.end()
        sep = SEPARATOR.match(code, i)
        if sep is None:
            break
        i = sep.end()
    out.append(prefix)
    return out


def module_of(src: Path, file: Path) -> tuple[str, ...]:
    """The module path of a file of `src/`."""
    parts = list(file.relative_to(src).parts)
    if parts in (["lib.rs"], ["main.rs"]):
        return ()
    if parts[-1] == "mod.rs":
        return tuple(parts[:-1])
    return tuple(parts[:-1] + [parts[-1][: -len(".rs")]])


def resolve(current: tuple[str, ...], head: str, rest: list[str],
            modules: set[tuple[str, ...]]) -> tuple[str, ...]:
    """The module a path names: the longest known module prefix."""
    if head in ("crate", "$crate"):
        base: tuple[str, ...] = ()
    elif head == "self":
        base = current
    else:
        base = current[:-1]
    while rest and rest[0] == "super":
        base, rest = base[:-1], rest[1:]
    for name in rest:
        if base + (name,) not in modules:
            break
        base = base + (name,)
    return base


def crate_graph(src: Path) -> dict[tuple[str, ...], set[tuple[str, ...]]]:
    files = {}
    for f in sorted(src.rglob("*.rs")):
        if f.name.endswith("_tests.rs"):
            continue
        files[module_of(src, f)] = f
    modules = set(files)
    graph: dict[tuple[str, ...], set[tuple[str, ...]]] = {m: set() for m in modules}
    for m, f in files.items():
        code = without_tests(strip(f.read_text()))
        for hit in PATH_START.finditer(code):
            head = hit.group(1)
            for path in paths_at(code, hit.end()):
                graph[m].add(resolve(m, head, path, modules))
        # `child::item` from a module to one of its own: not in re-exports.
        code = REEXPORT.sub(lambda r: re.sub(r"[^\n]", " ", r.group(0)), code)
        for hit in NAME_START.finditer(code):
            if m + (hit.group(1),) in modules:
                for path in paths_at(code, hit.start()):
                    graph[m].add(resolve(m, "self", path, modules))
        graph[m].discard(m)
    return graph


def components(graph):
    """Strongly connected components (Tarjan), each with more than one module."""
    index: dict = {}
    low: dict = {}
    stack: list = []
    on: set = set()
    out = []
    counter = [0]

    def visit(v):
        # Iterative, so a deep module tree cannot overflow Python's stack.
        work = [(v, iter(sorted(graph[v])))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    advanced = True
                    break
                if w in on:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def loop_through(graph, comp):
    """One cycle inside a component, from its first module back to it."""
    members = set(comp)
    start = comp[0]
    # Breadth-first from start's successors back to start, inside the component.
    previous = {}
    frontier = [start]
    seen = {start}
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v]):
                if w not in members:
                    continue
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start] + list(reversed(path[:-1])) + [start]
                if w not in seen:
                    seen.add(w)
                    previous[w] = v
                    nxt.append(w)
        frontier = nxt
    return comp


def name(m: tuple[str, ...]) -> str:
    return "::".join(m) if m else "crate"


def crates(args: list[str]) -> list[Path]:
    if args:
        return [ROOT / a if not Path(a).is_absolute() else Path(a) for a in args]
    return [p.parent for p in sorted(ROOT.glob("crates/*/Cargo.toml"))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("crates", nargs="*", help="crate folders (default: all)")
    args = parser.parse_args()
    failed = False
    for crate in crates(args.crates):
        src = crate / "src"
        if not src.is_dir():
            continue
        folder = str(crate.relative_to(ROOT)) if crate.is_relative_to(ROOT) else str(crate)
        graph = crate_graph(src)
        for comp in components(graph):
            loop = loop_through(graph, comp)
            text = " -> ".join(name(m) for m in loop)
            if len(comp) > len(loop) - 1:
                text += f" (all of {', '.join(name(m) for m in comp)} reach each other)"
            print(f"{folder}: cycle: {text}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
