"""Names as compose, buildx and registries spell them: project names, target names, branch
slugs, and the image reference grammar the emitted tags and cache refs must follow."""

from __future__ import annotations

import re

_PROJECT_CHARACTERS = re.compile(r"[a-z0-9_-]")
_BRANCH_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
BRANCH_SLUG_LENGTH = 64
# A branch whose slug is empty (`#`, only non-ASCII letters) gets this many hex digits of the
# sha256 of its name instead: never an empty tag, and two such branches do not share a scope.
BRANCH_HASH_LENGTH = 12


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
    first can leave a trailing '-', so trimming comes last). When nothing is left, the first
    12 hex digits of the name's sha256 (cty hashes the UTF-8 of the NFC-normalized string).
    """
    slug = _BRANCH_UNSAFE.sub("-", branch).lower()[:BRANCH_SLUG_LENGTH].strip("-.")
    if slug:
        return slug
    import hashlib  # rare: not loaded for every render (OpenSSL: ~2.5 ms)
    import unicodedata

    digest = hashlib.sha256(unicodedata.normalize("NFC", branch).encode("utf-8")).hexdigest()
    return digest[:BRANCH_HASH_LENGTH]


# The OCI distribution reference grammar (distribution/reference, reference.go), without digests.
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*(?::[0-9]+)?")
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH = re.compile(rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
NAME_LENGTH = 255


def split_reference(reference: str) -> tuple[str, str | None]:
    """(name, tag or None): the tag is what follows the last ':' after the last '/'."""
    colon = reference.rfind(":")
    if colon > reference.rfind("/"):
        return reference[:colon], reference[colon + 1 :]
    return reference, None


def reference_problem(reference: str) -> str | None:
    """What makes ``name[:tag]`` an invalid image reference, or None when it is valid.

    A first component is a registry host only with a '.' or ':' in it, or as `localhost`;
    every other component must be lower case.
    """
    if "@" in reference:
        # `app@sha256:…` names an image to pull; compose's build --print passes it on as a tag.
        return "a digest (@…) names an existing image and cannot be a tag to build"
    name, tag = split_reference(reference)
    if tag is not None and not _TAG.fullmatch(tag):
        if not tag:
            return "the tag is empty"
        if len(tag) > 128:
            return "the tag is longer than 128 characters"
        return "the tag must match [A-Za-z0-9_][A-Za-z0-9._-]*"
    if len(name) > NAME_LENGTH:
        return f"the name is longer than {NAME_LENGTH} characters"
    host, _, rest = name.partition("/")
    path = name
    if rest and ("." in host or ":" in host or host == "localhost"):
        if not _DOMAIN.fullmatch(host):
            return "the registry host is not a valid host name"
        path = rest
    if not _PATH.fullmatch(path):
        if path != path.lower():
            return "the repository name must be lower case"
        return "the repository name must be components of [a-z0-9] joined by '.', '_', '__' or '-', separated by '/'"
    return None
