"""Assemble each module's README.md from its readme/ fragments.

python scripts/gen_module_readme.py          write the README.md files
python scripts/gen_module_readme.py --check  exit 1 when one is out of date (make lint)

Each module also gets static/description/index.html, the same text in HTML: the Apps screen shows
that file, and without it Odoo would render README.md as reStructuredText and garble it.
"""

import ast
import sys
from pathlib import Path

import markdown

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


def render_html(readme_text):
    body = markdown.markdown(readme_text, extensions=["tables"])
    return f'<section class="oe_container">\n{body}\n</section>\n'


def main(check):
    stale = []
    for manifest in sorted(ROOT.glob("*/__manifest__.py")) + sorted(
        ROOT.glob("addons/*/__manifest__.py")
    ):
        module_dir = manifest.parent
        if not (module_dir / "readme").is_dir():
            stale.append(f"{module_dir.relative_to(ROOT)}: no readme/ folder")
            continue
        text = render(module_dir)
        outputs = {
            module_dir / "README.md": text,
            module_dir / "static" / "description" / "index.html": render_html(text),
        }
        for path, content in outputs.items():
            if path.is_file() and path.read_text() == content:
                continue
            if check:
                stale.append(f"{path.relative_to(ROOT)} is out of date")
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content)
                print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print("\n".join(stale) + "\nrun: python scripts/gen_module_readme.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
