"""The grammars the emitted names must follow, written from their specifications (test-only).

- Image references: the OCI distribution reference grammar (distribution/reference,
  ``reference.go``): a name of ``/``-separated components, lower-case path components
  ``[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*``, an optional domain first, an optional tag
  ``[\\w][\\w.-]{0,127}``. Stricter than docker on one point, on purpose: a first component is a
  domain only when it has a ``.`` or a ``:`` or is ``localhost`` (docker also takes an upper-case
  first component for a registry host, which is never what a user means).
- Branch names: what ``git check-ref-format --branch`` accepts (git's ``check-ref-format``
  documentation, rules 1-10, plus: not starting with ``-``, not ``HEAD``).
"""

from __future__ import annotations

import re

_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*(?::[0-9]+)?"
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
TAG = re.compile(r"[\w][\w.-]{0,127}", re.ASCII)
_PATH = re.compile(rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*")
_DOMAIN_RE = re.compile(_DOMAIN)
NAME_MAX = 255


def reference_problem(reference: str, *, tag_required: bool = False) -> str | None:
    """Why ``reference`` (name[:tag]) is not a valid image reference, or None."""
    name, tag = reference, None
    slash = reference.rfind("/")
    colon = reference.rfind(":")
    if colon > slash:
        name, tag = reference[:colon], reference[colon + 1 :]
    if tag is None and tag_required:
        return "no tag"
    if tag is not None and not TAG.fullmatch(tag):
        return f"invalid tag {tag!r}"
    if len(name) > NAME_MAX:
        return "name longer than 255 characters"
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        if not _DOMAIN_RE.fullmatch(first):
            return f"invalid domain {first!r}"
        path = rest
    else:
        path = name
    if not _PATH.fullmatch(path):
        return f"invalid repository path {path!r}"
    return None


_GIT_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


def is_git_branch_name(name: str) -> bool:
    """``git check-ref-format --branch NAME`` semantics (refs/heads/NAME must be a valid ref)."""
    if not name or name.startswith("-") or name == "HEAD":
        return False
    if _GIT_FORBIDDEN.search(name) or ".." in name or "@{" in name:
        return False
    if name.startswith("/") or name.endswith(("/", ".")) or "//" in name:
        return False
    return not any(part.startswith(".") or part.endswith(".lock") for part in name.split("/"))
