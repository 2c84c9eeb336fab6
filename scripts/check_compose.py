#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Validate docker-compose.yml offline against the Compose Specification JSON schema.

The schema is read from ``../shared/schemas/compose-spec.json`` relative to the repository root,
or from the file named by the ``COMPOSE_SCHEMA`` environment variable. Without a schema the check
is skipped (exit 0); an invalid file prints one line per error and exits 1.

Usage: python scripts/check_compose.py [path/to/docker-compose.yml]
"""

import json
import os
import sys
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCHEMA = ROOT.parent / "shared" / "schemas" / "compose-spec.json"
VALIDATORS = (
    jsonschema.Draft4Validator,
    jsonschema.Draft6Validator,
    jsonschema.Draft7Validator,
    jsonschema.Draft201909Validator,
    jsonschema.Draft202012Validator,
)


class ComposeLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate and non-string mapping keys, as Docker Compose does.

    Keys brought in by a ``<<`` merge may be overridden; only keys written twice are errors.
    """

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            problem = None
            if not isinstance(key, str):
                problem = f"found non-string key {key!r} (quote it)"
            elif key in seen:
                problem = f"found duplicate key {key!r}"
            if problem:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, problem, key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _normalize_uri(uri):
    """``https://json-schema.org/draft-07/schema#`` -> ``json-schema.org/draft-07/schema``."""
    uri = (uri or "").strip().rstrip("#").rstrip("/")
    return uri.split("://", 1)[-1]


def validator_class(schema):
    """The validator of the draft the schema declares; Draft 7 when it declares none we know.

    jsonschema matches ``$schema`` exactly, and the Compose schema spells Draft 7's URI with
    https and without the trailing ``#``, so the match here ignores both.
    """
    declared = _normalize_uri(schema.get("$schema"))
    for cls in VALIDATORS:
        meta = cls.META_SCHEMA
        if _normalize_uri(meta.get("$id") or meta.get("id")) == declared:
            return cls
    return jsonschema.Draft7Validator


def _deepest(error):
    """For oneOf/anyOf, the failure of the alternative that got furthest into the document.

    Their own message repeats the whole instance; the alternative whose error lies deepest is the
    one whose shape matched, so its error names the actual mistake.
    """
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error


def _describe(error):
    error = _deepest(error)
    path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    message = error.message
    if len(message) > 300:
        message = message[:297] + "..."
    return f"{path}: {message}"


def main(argv):
    compose_file = Path(argv[1]) if len(argv) > 1 else ROOT / "docker-compose.yml"
    schema_file = Path(os.environ.get("COMPOSE_SCHEMA") or DEFAULT_SCHEMA)
    if not schema_file.is_file():
        print(f"compose: schema not found at {schema_file}, validation skipped")
        return 0
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    try:
        document = yaml.load(compose_file.read_text(encoding="utf-8"), Loader=ComposeLoader)
    except (OSError, yaml.YAMLError) as exc:
        print(f"compose: cannot read {compose_file.name}: {exc}")
        return 1
    validator = validator_class(schema)(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.path])
    if errors:
        for error in errors:
            print(f"compose: {compose_file.name}: {_describe(error)}")
        print(f"compose: {len(errors)} error(s) against the Compose Specification ({schema_file})")
        return 1
    print(f"compose: {compose_file.name} is valid against the Compose Specification")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
