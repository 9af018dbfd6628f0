"""The README's layout section against the code: it lists every folder that exists (and none
that doesn't), and quotes the import contracts of pyproject.toml as they are written there.

`python tests/test_layout.py` rewrites the quoted contracts after a change to pyproject.toml.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BEGIN = "<!-- contracts: generated from pyproject.toml by tests/test_layout.py -->"
END = "<!-- end of contracts -->"
LISTED_CHILDREN = ("ui", "models")  # folders whose subfolders the layout lists one by one


def contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def chain(layers: list[str], prefix: str = "") -> str:
    def one(layer: str) -> str:
        names = [prefix + name.strip() for name in layer.split("|")]
        return names[0] if len(names) == 1 else "(" + " | ".join(names) + ")"

    return " → ".join(one(layer) for layer in layers)


def rendered_contracts() -> str:
    """One line per contract: its name and what it allows (→) or forbids (↛)."""
    lines = []
    for contract in contracts():
        if contract["type"] == "layers":
            for container in contract.get("containers", [""]):
                prefix = f"{container}." if container else ""
                lines.append(f"- {contract['name']}: `{chain(contract['layers'], prefix)}`")
        else:
            rule = f"{', '.join(contract['source_modules'])} ↛ "
            rule += ", ".join(contract["forbidden_modules"])
            ignored = "".join(
                f"; except `{i.replace(' -> ', ' → ')}`" for i in contract.get("ignore_imports", [])
            )
            lines.append(f"- {contract['name']}: `{rule}`{ignored}")
    return "\n".join(lines)


def quoted_contracts(readme: str) -> str:
    return readme.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def layout_block(readme: str) -> str:
    section = readme.split("## Layout", 1)[1]
    return section.split("```", 2)[1]


def listed_folders(block: str) -> set[str]:
    """Folders named in the layout block, as paths: `ui/` and, indented below it, `ui/cnn/`."""
    folders, parent = set(), ""
    for line in block.splitlines():
        match = re.match(r"^( *)(\S+)/\s", line + " ")
        if not match:
            continue
        indent, name = match.groups()
        if indent:
            folders.add(f"{parent}/{name}")
        else:
            parent = name
            folders.add(name)
    return folders


def test_the_readme_quotes_the_import_contracts_as_written() -> None:
    assert quoted_contracts(README.read_text()) == rendered_contracts(), (
        "The README's contracts differ from pyproject.toml: run `python tests/test_layout.py`."
    )


def test_the_readme_lists_every_folder_and_only_those() -> None:
    listed = listed_folders(layout_block(README.read_text()))
    tracked = {
        p.name
        for p in ROOT.iterdir()
        if p.is_dir() and not p.name.startswith((".", "_")) and p.name not in ("test-results",)
    } | {"static"}  # made when the first process starts (serving/static_files.py), not in git
    children = {
        f"{parent}/{p.name}"
        for parent in LISTED_CHILDREN
        for p in (ROOT / parent).iterdir()
        if p.is_dir() and not p.name.startswith("_")
    }
    assert listed == tracked | children


def test_every_python_folder_is_under_a_contract() -> None:
    """A new room (a top-level folder of Python code) must be placed in the layers."""
    rooms = next(c for c in contracts() if c["id"] == "rooms")
    placed = {name.strip() for layer in rooms["layers"] for name in layer.split("|")}
    code = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert code - {"deploy", "scripts"} <= placed


if __name__ == "__main__":
    text = README.read_text()
    head, rest = text.split(BEGIN, 1)
    README.write_text(f"{head}{BEGIN}\n{rendered_contracts()}\n{END}{rest.split(END, 1)[1]}")
    sys.exit(0)
