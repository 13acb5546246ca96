"""`push_to_hub.py`: the folder's upload script, from `templates/push_to_hub.py` (a real Python file)."""

from __future__ import annotations

from modgen.errors import ModgenError
from modgen.scaffold.render import templates_dir


TEMPLATE = "push_to_hub.py"
PLACEHOLDER = 'DEFAULT_REPO_ID = "MODEL_NAME"'


def push_script(repo_id: str) -> str:
    path = templates_dir() / TEMPLATE
    if not path.is_file():
        raise ModgenError(f"modgen's template {TEMPLATE} is missing", hint="reinstall modgen")
    text = path.read_text(encoding="utf-8")
    return text.replace(PLACEHOLDER, f"DEFAULT_REPO_ID = {repo_id!r}".replace("'", '"'))
