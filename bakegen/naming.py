"""Names as compose and buildx spell them: project names, target names, branch slugs."""

from __future__ import annotations

import re

_PROJECT_CHARACTERS = re.compile(r"[a-z0-9_-]")
_BRANCH_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
BRANCH_SLUG_LENGTH = 64


def normalize_project_name(name: str) -> str:
    """compose-go's NormalizeProjectName: lower-case, keep [a-z0-9_-], no leading '_'/'-'."""
    kept = "".join(_PROJECT_CHARACTERS.findall(name.lower()))
    return kept.lstrip("_-")


def target_name(service: str) -> str:
    """bake rejects dots in target names; buildx maps a compose service `web.api` to `web_api`."""
    return service.replace(".", "_")


def branch_slug(branch: str) -> str:
    """The Python twin of the bake expression in ``cache.branch_slug_expression``.

    Lower case, runs of characters outside [A-Za-z0-9._-] become '-', cut to 64 characters,
    then '-' and '.' trimmed from both ends (a registry tag may not start with either; cutting
    first can leave a trailing '-', so trimming comes last).
    """
    slug = _BRANCH_UNSAFE.sub("-", branch).lower()[:BRANCH_SLUG_LENGTH]
    return slug.strip("-.")
