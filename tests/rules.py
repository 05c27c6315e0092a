"""A small evaluator for firestore.rules: match blocks, wildcards, and literal conditions.

The official Firestore emulator (which evaluates rules) cannot run here (docs/local-stack.md),
so the rules test reads the file with this. It understands exactly what a deny-all file
needs and refuses anything else (a condition other than `true`/`false`, say) with an error:
a rules change it cannot judge fails the test instead of passing unread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

OPERATIONS = ("get", "list", "create", "update", "delete")
GROUPS = {"read": ("get", "list"), "write": ("create", "update", "delete")}
TOKEN = re.compile(r"\s*(//[^\n]*|/\S*|[{};]|[^\s{};]+)")


class Unsupported(ValueError):
    """The rules use something this evaluator does not understand."""


@dataclass
class Block:
    pattern: list[str]
    allows: list[tuple[frozenset[str], bool]] = field(default_factory=list)
    children: list[Block] = field(default_factory=list)


def _tokens(text: str) -> list[str]:
    return [t for t in TOKEN.findall(text) if t.strip() and not t.startswith("//")]


def parse(text: str) -> list[Block]:
    """The match blocks inside `service cloud.firestore { ... }`."""
    tokens = _tokens(text)
    position = 0

    def expect(token: str) -> None:
        nonlocal position
        if tokens[position] != token:
            raise Unsupported(f"expected {token!r}, found {tokens[position]!r}")
        position += 1

    def block_body() -> tuple[list[tuple[frozenset[str], bool]], list[Block]]:
        nonlocal position
        allows: list[tuple[frozenset[str], bool]] = []
        children: list[Block] = []
        while tokens[position] != "}":
            word = tokens[position]
            if word == "match":
                path = tokens[position + 1]
                position += 2
                expect("{")
                inner_allows, inner_children = block_body()
                expect("}")
                children.append(Block(path.strip("/").split("/"), inner_allows, inner_children))
            elif word == "allow":
                statement = []
                position += 1
                while tokens[position] != ";":
                    statement.append(tokens[position])
                    position += 1
                position += 1
                allows.append(_allow(" ".join(statement)))
            else:
                raise Unsupported(f"unexpected {word!r}")
        return allows, children

    while tokens[position] != "service":
        position += 1
    if tokens[position + 1] != "cloud.firestore":
        raise Unsupported("not a Firestore rules file")
    position += 2
    expect("{")
    allows, blocks = block_body()
    if allows:
        raise Unsupported("allow outside a match block")
    return blocks


def _allow(statement: str) -> tuple[frozenset[str], bool]:
    found = re.fullmatch(r"([a-z, ]+?)\s*:\s*if\s+(true|false)", statement.strip())
    if found is None:
        raise Unsupported(f"cannot judge `allow {statement}` (only `if true`/`if false`)")
    operations: set[str] = set()
    for name in (o.strip() for o in found.group(1).split(",")):
        if name in GROUPS:
            operations.update(GROUPS[name])
        elif name in OPERATIONS:
            operations.add(name)
        else:
            raise Unsupported(f"unknown operation {name!r}")
    return frozenset(operations), found.group(2) == "true"


def _match(pattern: list[str], path: list[str]) -> list[str] | None:
    """The rest of `path` after `pattern` matched its start (None if it does not match)."""
    for i, part in enumerate(pattern):
        if re.fullmatch(r"\{\w+=\*\*\}", part):
            return []  # a recursive wildcard takes the rest of the path
        if i >= len(path):
            return None
        if not (re.fullmatch(r"\{\w+\}", part) or part == path[i]):
            return None
    return path[len(pattern) :]


def allowed(blocks: list[Block], document: str, operation: str) -> bool:
    """Whether a client may do `operation` on the document at `document` (a/b/c/d...)."""
    path = document.strip("/").split("/")
    prefix = ["databases", "(default)", "documents"]

    def visit(candidates: list[Block], rest: list[str]) -> bool:
        for block in candidates:
            after = _match(block.pattern, rest)
            if after is None:
                continue
            if not after and any(operation in ops and ok for ops, ok in block.allows):
                return True
            if after and visit(block.children, after):
                return True
        return False

    return visit(blocks, [*prefix, *path])
