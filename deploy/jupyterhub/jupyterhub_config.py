"""JupyterHub configuration for peerkit: Voila as every user's default page, one shared store.

Add these lines to your hub's jupyterhub_config.py (or load this file from it). Every user's server
opens the kit's start page in Voila, and every server uses the same PostgreSQL database, so a
session created by a facilitator is joined by participants logged in to the same hub.

The hub reads the database URL from its own environment; set it where the hub starts, e.g.
    PEERKIT_DB_URL=postgresql+psycopg://peerkit:PASSWORD@db.example.org:5432/peerkit
The single-user servers need the kit installed with its PostgreSQL driver: see
singleuser-environment.yml beside this file and facilitator-guide/deploying.md.
"""

import os

c = get_config()  # noqa: F821  (provided by JupyterHub when it loads this file)

# Where the kit's folder is inside the single-user image or machine (installed with
# `pip install -e "/srv/peerkit[postgres]"`, so that data/ and notebooks/ stay beside the code).
PEERKIT_DIR = os.environ.get("PEERKIT_DIR", "/srv/peerkit")

PEERKIT_DB_URL = os.environ.get("PEERKIT_DB_URL", "").strip()
if not PEERKIT_DB_URL:
    raise SystemExit(
        "peerkit: set PEERKIT_DB_URL in the hub's environment to the shared PostgreSQL database, "
        "e.g. postgresql+psycopg://peerkit:PASSWORD@HOST:5432/peerkit"
    )

# Every user's server serves the kit's notebooks and opens the start page in Voila.
c.Spawner.notebook_dir = f"{PEERKIT_DIR}/notebooks"
c.Spawner.default_url = "/voila/render/start.ipynb"

c.Spawner.environment = {
    # One store for everybody: sessions, participants and answers live in PostgreSQL.
    "PEERKIT_DB_URL": PEERKIT_DB_URL,
    # Each user's own folder for exports and reports (the kit's folder is read-only for users).
    "PEERKIT_HOME": "~/peerkit",
}

# Voila inside the user's server: the same choices as the kit's voila.json for `peerkit serve`
# (no code shown, no tracebacks for participants), and kernels of closed tabs shut down after
# 20 minutes.
c.Spawner.args = [
    "--VoilaConfiguration.template=lab",
    "--VoilaConfiguration.strip_sources=True",
    "--VoilaConfiguration.show_tracebacks=False",
    "--MappingKernelManager.cull_idle_timeout=1200",
    "--MappingKernelManager.cull_interval=60",
    "--MappingKernelManager.cull_connected=False",
]

# A participant's server is small: one kernel per open page (roughly 50-150 MB each).
# With a spawner that enforces limits (DockerSpawner, KubeSpawner, SystemdSpawner):
c.Spawner.mem_limit = "1G"
