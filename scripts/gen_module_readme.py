"""Assemble each module's README.md from its readme/ fragments.

python scripts/gen_module_readme.py          write the README.md files
python scripts/gen_module_readme.py --check  exit 1 when one is out of date (make lint)
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = (
    ("DESCRIPTION.md", None),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
    ("ROADMAP.md", "Known issues / Roadmap"),
)


def render(module_dir):
    manifest = ast.literal_eval((module_dir / "__manifest__.py").read_text())
    parts = [
        f"# {manifest['name']}",
        "<!-- Generated from readme/ by scripts/gen_module_readme.py: edit those files. -->",
        f"*{manifest['summary']}* · version {manifest['version']} · "
        f"license {manifest['license']} · {manifest['development_status']}",
    ]
    for filename, title in SECTIONS:
        fragment = module_dir / "readme" / filename
        if fragment.is_file():
            if title:
                parts.append(f"## {title}")
            parts.append(fragment.read_text().strip())
    return "\n\n".join(parts) + "\n"


def main(check):
    stale = []
    for manifest in sorted(ROOT.glob("*/__manifest__.py")) + sorted(
        ROOT.glob("addons/*/__manifest__.py")
    ):
        module_dir = manifest.parent
        if not (module_dir / "readme").is_dir():
            stale.append(f"{module_dir.relative_to(ROOT)}: no readme/ folder")
            continue
        readme, text = module_dir / "README.md", render(module_dir)
        if readme.is_file() and readme.read_text() == text:
            continue
        if check:
            stale.append(f"{readme.relative_to(ROOT)} is out of date")
        else:
            readme.write_text(text)
            print(f"wrote {readme.relative_to(ROOT)}")
    if stale:
        print("\n".join(stale) + "\nrun: python scripts/gen_module_readme.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
