"""No secret reaches the committed bake file through an env file's value.

The env files a policy lists become bake variable defaults, written into the committed
file. A value there for a build secret's variable, or for a variable whose name says it
holds a credential, would publish it with the repository; the compiler refuses, unless the
policy names the variable in ``compose.allow_credentials``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bakegen.compose.model import ComposeProject
from bakegen.envfiles import VariableDefault
from bakegen.errors import Location, UserError

# Anywhere in the name (NPM_TOKEN, AUTHTOKEN, DB_PASSWORD, CLIENT_SECRET, PRIVATE_KEY_PEM);
# as a whole word between `_`, `-` or `.` (BASIC_AUTH, AUTH_HEADER, but not AUTHOR); or the
# last word (SSH_KEY, API_KEY, but not KEYCLOAK_URL).
# (A pattern compiled, and cached by re, by the first env-file variable checked: compiling it
# costs a render without env files ~0.05 ms.)
_ANYWHERE = r"TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|PRIVATE|APIKEY"
_WORDS = frozenset({"AUTH", "PASS", "PWD", "CREDS", "COOKIE"})
_LAST_WORDS = frozenset({"KEY", "KEYS"})


def looks_like_credential(name: str) -> bool:
    if re.search(_ANYWHERE, name, re.IGNORECASE):
        return True
    words = [word.upper() for word in re.split(r"[_.\-]+", name) if word]
    if name.upper() == "PWD":  # the shell's working directory, not a password
        return False
    return bool(_WORDS.intersection(words)) or (len(words) > 1 and words[-1] in _LAST_WORDS)


def secret_variables(project: ComposeProject) -> set[str]:
    """Variables the compose project's secrets read (``secrets: x: environment: NAME``)."""
    return {definition.environment for definition in project.secrets.values() if definition.environment is not None}


class CarriedCredential(UserError):
    """An env file's value of a secret or credential-like variable would reach the output."""

    def __init__(self, message: str, location: Location | None, name: str, why: str) -> None:
        super().__init__(message, location)
        self.name = name
        self.why = why


def refuse_carried_credentials(
    project: ComposeProject, allowed: tuple[str, ...], defaults: Mapping[str, VariableDefault], bake: Mapping[str, Any]
) -> None:
    """Stop when the compiled file carries an env-file value of a secret or credential-like variable."""
    secrets = secret_variables(project)
    declared = bake.get("variable", {})
    for name in sorted(declared):
        default = defaults.get(name)
        if default is None or default.text in (None, "") or default.origin is None or name in allowed:
            continue
        if name in secrets:
            why = "is the variable of a build secret"
        elif looks_like_credential(name):
            why = "looks like a credential"
        else:
            continue
        message = (
            f"{name} {why}; its value here would be written into the committed bake file: move it "
            f"out of this file (set it in the environment, or in an env file compose.env_files does "
            f"not list), or add {name} to compose.allow_credentials if it is not secret"
        )
        raise CarriedCredential(message, default.origin, name, why)
