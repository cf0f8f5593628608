#!/usr/bin/env python3
"""Module call graph of lib/: which file calls functions defined in which other file.

Prints one line per module ("caller -> callee callee ...") and then every circle of calls
(strongly connected component of more than one module). Exit status 1 when there is a circle,
so a test can keep lib/ layered. Usage: scripts/callgraph.py [LIBDIR]"""
import os
import re
import sys

libdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'lib')
sources = sorted(f for f in os.listdir(libdir) if f.endswith('.c') and f != 'box-init.c')
text = {}
for f in sources:
    with open(os.path.join(libdir, f)) as fh:
        body = fh.read()
    body = re.sub(r'/\*.*?\*/', '', body, flags=re.S)   # comments
    body = re.sub(r'"(\\.|[^"\\])*"', '""', body)         # strings
    text[f] = body

# Functions with external linkage: a definition at the start of a line, not static.
defn = re.compile(r'^(?!static\b)(?:BOX_API\s+)?[A-Za-z_][\w \t\*]*?\b(\w+)\s*\([^;{]*\)\s*(?:__attribute__\S*\s*)?\{',
                  re.M)
owner = {}
for f, body in text.items():
    for m in defn.finditer(body):
        name = m.group(1)
        if name not in ('if', 'for', 'while', 'switch', 'return'):
            owner[name] = f
# Inline helpers in headers count as part of the module named like the header.
# A reference counts, not only a call (function pointers, the step table). A file that
# pastes the table's function names (box__step_##fn) refers to every step function.
with open(os.path.join(libdir, 'child.h')) as fh:
    rows = re.findall(r'^\s*X\(\w+, (\w+), "[\w-]+", (\w+),', fh.read(), re.M)
steps = ['box__step_' + fn for fn, _ in rows]
graph = {f: set() for f in sources}
ident = re.compile(r'\b(\w+)\b')
for f, body in text.items():
    names = set(ident.findall(body))
    if 'box__step_##' in body:  # the table of step functions (child.c)
        names.update(steps)
    for name in names:
        callee = owner.get(name)
        if callee and callee != f:
            graph[f].add(callee)

misplaced = [(fn, mod, owner.get('box__step_' + fn)) for fn, mod in rows
             if owner.get('box__step_' + fn) != mod + '.c']
for fn, mod, where in misplaced:
    print(f'step {fn}: child.h says lib/{mod}.c, defined in {where}')

for f in sources:
    print(f'{f[:-2]:10} -> {" ".join(sorted(c[:-2] for c in graph[f]))}')

# Tarjan's strongly connected components.
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
def visit(v):
    index[v] = low[v] = counter[0]; counter[0] += 1
    stack.append(v); on.add(v)
    for w in graph[v]:
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))
for v in sources:
    if v not in index:
        visit(v)
for comp in sccs:
    print('circle:', ' '.join(c[:-2] for c in comp))
    # one example edge set inside the circle
    for a in comp:
        print('   ', a[:-2], '->', ' '.join(sorted(c[:-2] for c in graph[a] if c in comp)))
if not sccs:
    print('no circle of calls')
sys.exit(1 if sccs or misplaced else 0)
