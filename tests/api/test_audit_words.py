"""Every action the server writes to the audit log is said in words on the desk, in Chinese and in
English: the log never shows "template version" or "inspection create". Read from the source (each
call of record_audit, refuse_own and audit.log in api/) and the desk's string tables."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RECORD_KINDS = ("patrol", "visit", "inspection")  # the `kind` of api/records/'s f-strings
WRITERS = {"record_audit": 2, "refuse_own": 2, "log": None}  # the action's position (None: action=)


def _strings(node: ast.AST, function: ast.AST) -> set[str]:
    """Every string an action argument can be."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body, function) | _strings(node.orelse, function)
    if isinstance(node, ast.JoinedStr):
        out = {""}
        for part in node.values:
            if isinstance(part, ast.Constant):
                choices = {str(part.value)}
            elif isinstance(part.value, ast.Name) and part.value.id == "kind":  # type: ignore[attr-defined]
                choices = set(RECORD_KINDS)
            else:
                choices = _strings(part.value, function)  # type: ignore[attr-defined]
            out = {a + b for a in out for b in choices}
        return out
    if isinstance(node, ast.Name):
        found: set[str] = set()
        for n in ast.walk(function):
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets):
                found |= _strings(n.value, function)
        if found:
            return found
    raise AssertionError(f"cannot read the audit action {ast.unparse(node)!r}: write it as a string")


def server_actions() -> set[str]:
    actions: set[str] = set()
    for path in sorted([*(ROOT / "api").rglob("*.py"), *(ROOT / "scripts").rglob("*.py")]):
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for call in ast.walk(function):
                if not isinstance(call, ast.Call):
                    continue
                name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
                if name not in WRITERS or (name == "log" and getattr(call.func.value, "id", "") != "audit"):  # type: ignore[attr-defined]
                    continue
                position = WRITERS[name]
                if position is not None and len(call.args) > position:
                    arg = call.args[position]
                else:
                    arg = next((k.value for k in call.keywords if k.arg == "action"), None)  # type: ignore[assignment]
                if arg is None or (isinstance(arg, ast.Name) and arg.id == "action" and function.name in WRITERS):
                    continue  # the writer passing its own parameter on
                actions |= _strings(arg, function)
    return actions


def desk_tables() -> tuple[str, str]:
    text = (ROOT / "pwa" / "src" / "supervisor" / "i18n.ts").read_text()
    zh, _, en = text.partition("\n  },\n  {\n")
    assert en, "the desk's string table is no longer two objects (zh, then en)"
    return zh, en


def test_the_source_scan_finds_the_actions_we_know():
    actions = server_actions()
    assert {
        "login",
        "login_failed",
        "template_version",
        "weekly_remarks",
        "inspection_create",
        "patrol_review_refused",
        "facility_import",
        "user_disable",
    } <= actions


def test_every_audited_action_has_words_in_chinese_and_english():
    zh, en = desk_tables()
    missing = {
        lang: sorted(a for a in server_actions() if not re.search(rf"\ba_{a}:", table))
        for lang, table in (("zh", zh), ("en", en))
    }
    assert missing == {"zh": [], "en": []}


def test_the_vocabulary_lists_every_audited_action_and_no_other():
    """The desk's action filter offers the vocabulary's actions (through the OpenAPI enum): an
    action the server writes but the vocabulary lacks could not be picked."""
    from storage.vocabulary import AUDIT_ACTIONS

    assert sorted(server_actions()) == sorted(AUDIT_ACTIONS)
