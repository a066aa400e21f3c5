"""bakegen: compile docker compose services and a cache policy into docker-bake.json."""

__version__ = "0.1.0"
