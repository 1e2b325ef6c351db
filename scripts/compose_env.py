"""Write .env for `docker compose up` from .env.example, with a fresh secret key, encryption key and passwords.

    python3 scripts/compose_env.py      # or: make .env

Standard library only (run it before anything is installed). An existing .env is left alone.
"""

import base64
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "DATABASE_APP_PASSWORD")
# A Fernet key (crm/kit/encryption.py): 32 random bytes, url-safe base64.
FERNET_KEYS = ("FIELD_ENCRYPTION_KEYS",)


def render(example: str) -> str:
    lines = []
    for line in example.splitlines(keepends=True):
        name = line.partition("=")[0]
        if name in GENERATED:
            # URL-safe: the passwords go into database URLs unquoted.
            line = f"{name}={secrets.token_urlsafe(50 if name == 'DJANGO_SECRET_KEY' else 24)}\n"
        if name in FERNET_KEYS:
            line = f"{name}={base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}\n"
        lines.append(line)
    return "".join(lines)


def main() -> int:
    target = ROOT / ".env"
    if target.exists():
        print(f"{target} exists; left as it is.")
        return 0
    target.write_text(render((ROOT / ".env.example").read_text()))
    target.chmod(0o600)
    print(f"wrote {target} (SEED_DEMO=true docker compose up --build loads the demo)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
