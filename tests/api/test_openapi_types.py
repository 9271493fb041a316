"""The PWA is typed from the server's OpenAPI document: pwa/src/api-schema.ts is generated from it
(scripts/openapi.py) and checked in, and this fails when the two differ, so a changed wire type is
a change the PWA's type check sees."""

from __future__ import annotations

from scripts.openapi import GENERATED, document, typescript


def test_the_pwa_types_are_generated_from_the_server_as_it_is():
    assert GENERATED.read_text() == typescript(document()), (
        "pwa/src/api-schema.ts is not the server's OpenAPI document: run `.venv/bin/python -m scripts.openapi`"
    )
