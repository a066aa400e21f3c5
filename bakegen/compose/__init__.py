"""Reading compose projects as docker compose v2 does (see ``loader``)."""

from bakegen.compose.loader import discover_files, load_project
from bakegen.compose.model import ComposeProject, PathValue, ServiceSpec

__all__ = ["ComposeProject", "PathValue", "ServiceSpec", "discover_files", "load_project"]
