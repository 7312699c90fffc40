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
import sys

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
# (no code shown, no tracebacks for participants, slow cells arrive late rather than empty), and
# kernels of closed tabs shut down after 15 minutes.
c.Spawner.args = [
    "--VoilaConfiguration.template=lab",
    "--VoilaConfiguration.strip_sources=True",
    "--VoilaConfiguration.show_tracebacks=False",
    "--VoilaExecutor.iopub_timeout=120",
    "--VoilaExecutor.startup_timeout=180",
    "--MappingKernelManager.cull_idle_timeout=900",
    "--MappingKernelManager.cull_interval=60",
    "--MappingKernelManager.cull_connected=False",
]

# A participant's server is small: one kernel per open page (roughly 50-150 MB each).
# With a spawner that enforces limits (DockerSpawner, KubeSpawner, SystemdSpawner):
c.Spawner.mem_limit = "1G"

# -- Participants without hub accounts (optional) --------------------------------------------------
# PEERKIT_PUBLIC_PARTICIPANT_APP=1 in the hub's environment adds a hub-managed service that serves
# the participant app, and nothing else, at
#     https://HUB/services/peerkit/voila/render/participant.ipynb   (add ?code=JOIN-CODE):
# anyone who can reach the hub opens it without a hub login. The facilitator dashboard stays in the
# facilitators' own servers (hub login + session passcode). The hub starts and stops the service
# (`peerkit serve --participant-only`, so the kit must be installed where the hub runs) and routes
# /services/peerkit/ to it through its proxy. See facilitator-guide/deploying.md for what this
# means for privacy.
if os.environ.get("PEERKIT_PUBLIC_PARTICIPANT_APP", "").strip().lower() in ("1", "true", "yes", "on"):
    PUBLIC_PORT = int(os.environ.get("PEERKIT_PUBLIC_PORT", "10101"))
    PUBLIC_URL = os.environ.get("PEERKIT_PUBLIC_URL", "").strip()  # printed in the service's log
    service_home = os.environ.get("PEERKIT_SERVICE_HOME", os.path.join(os.getcwd(), "peerkit-service"))
    command = [sys.executable, "-m", "peerkit.cli", "serve", "--participant-only", "--no-demo",
               "--port", str(PUBLIC_PORT), "--base-url", "/services/peerkit/",
               "--voila-arg=--KernelManager.transport=ipc"]
    if PUBLIC_URL:
        command += ["--public-url", PUBLIC_URL]
    c.JupyterHub.services = [
        *[s for s in (c.JupyterHub.services if isinstance(c.JupyterHub.services, list) else [])
          if s.get("name") != "peerkit"],
        {
            "name": "peerkit",
            "display": False,  # not a link in hub users' menus: it is for people without accounts
            "url": f"http://127.0.0.1:{PUBLIC_PORT}",
            "command": command,
            "environment": {"PEERKIT_DB_URL": PEERKIT_DB_URL, "PEERKIT_HOME": service_home},
        },
    ]
