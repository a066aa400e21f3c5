"""Synthetic compose projects for the benchmarks: N build services shaped like real ones.

Every service carries what makes bakegen work for its living: a variable-dependent dockerfile
(``Dockerfile${DOCKERFILE_SUFFIX:--multi-stage}``), build args with defaults (``${X:-d}``),
a ``target``, an ``environment:`` block (compose interpolates it; bakegen only scans it), an
``image:`` with variables, and a stub context directory. The ``bakegen.yaml`` uses the gha
cache with per-service scopes and ``load: true``, the common CI setup.

Usage: ``python benchmarks/generate.py DIR --services 100 [--hcl]``.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

SIZES = (6, 100, 1000)

_SERVICE = """\
  {name}:
    image: ${{REGISTRY:-ghcr.io/acme}}/bench-{name}:${{TAG:-latest}}
    build:
      context: ./services/{name}
      dockerfile: ../Dockerfile${{DOCKERFILE_SUFFIX:--multi-stage}}
      target: runtime
      args:
        BASE_IMAGE: ${{BASE_IMAGE:-debian:bookworm-slim}}
        APP_VERSION: ${{APP_VERSION:-1.0.0}}
        BUILD_PROFILE: ${{BUILD_PROFILE:-release}}
        SERVICE_NAME: {name}
      labels:
        org.opencontainers.image.source: https://github.com/acme/bench
    environment:
      LOG_LEVEL: ${{LOG_LEVEL:-info}}
      SERVICE_PORT: "{port}"
      DATABASE_URL: postgres://db:5432/{name}
      FEATURE_FLAGS: ${{FEATURE_FLAGS:-}}
    ports: ["{port}:{port}"]
    depends_on: [db]
"""

_DB = """\
  db:
    image: postgres:16-alpine
    environment:
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-bench}
"""

_DOCKERFILE = """\
# syntax=docker/dockerfile:1
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE} AS build
ARG SERVICE_NAME
COPY . /src
FROM ${BASE_IMAGE} AS runtime
COPY --from=build /src /app
"""

_POLICY = """\
version: 1
compose:
  files: [compose.yaml]
output:
  json: docker-bake.json{hcl}
targets:
  include: ["*"]
  load: true
cache:
  backend: gha
  scope: per-service
  key: "{{service}}"
  mode: max
  enabled: ci
"""


def service_names(count: int) -> list[str]:
    # Zero-padded so that sorted order (bake's) equals generation order.
    return [f"svc{index:04d}" for index in range(count)]


def compose_text(count: int) -> str:
    services = "".join(
        _SERVICE.format(name=name, port=8000 + index) for index, name in enumerate(service_names(count))
    )
    return f"name: bench\n\nservices:\n{services}{_DB}"


def generate(root: Path, services: int, *, hcl: bool = False) -> Path:
    """Write a project with ``services`` build services under ``root`` (replaced); return it."""
    if services < 1:
        raise ValueError("services must be at least 1")
    if root.exists():
        shutil.rmtree(root)
    contexts = root / "services"
    contexts.mkdir(parents=True)
    (contexts / "Dockerfile-multi-stage").write_text(_DOCKERFILE)
    for name in service_names(services):
        # A stub context: compose and buildx only need the directory to exist.
        (contexts / name).mkdir()
        (contexts / name / "main.txt").write_text(f"{name}\n")
    (root / "compose.yaml").write_text(compose_text(services))
    (root / "bakegen.yaml").write_text(_POLICY.format(hcl="\n  hcl: docker-bake.hcl" if hcl else ""))
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--services", type=int, default=6)
    parser.add_argument("--hcl", action="store_true", help="also configure an HCL output")
    args = parser.parse_args()
    print(generate(args.directory, args.services, hcl=args.hcl))


if __name__ == "__main__":
    main()
