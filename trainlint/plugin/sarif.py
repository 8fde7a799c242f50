"""SARIF 2.1.0 for code scanning (GitHub and other SARIF consumers).

Rules carry the same documentation as ``trainlint rule CODE``; results point at the line to change, with the
other half of each mismatch (the head layer, the loss, the metric) as related locations.
"""

from __future__ import annotations

from collections.abc import Mapping

import os
from pathlib import Path
from urllib.parse import quote

from trainlint import __version__
from trainlint.findings import FILE_DIAGNOSTICS, Finding, Fix, Related
from trainlint.lint_rules import ALL_RULES

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/trainlint/trainlint"
SOURCE_ROOT = "%SRCROOT%"


def rule_help_uri(code: str) -> str:
    return f"{INFORMATION_URI}/blob/main/docs/rules/{code}.md"


def _descriptor(code: str, name: str, kind: str, severity: str, short: str, full: str, help_text: str,
                help_uri: str | None = None) -> dict:
    descriptor = {
        "id": code,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": _level(severity)},
        "properties": {"tags": [kind], "precision": "high"},
    }
    if help_uri is not None:
        descriptor["helpUri"] = help_uri
    return descriptor


def rule_descriptors() -> list[dict]:
    """Every code trainlint can report, its documentation included, in code order."""
    file_diagnostics = [
        _descriptor(d.code, d.name, d.kind, d.severity, d.summary, d.what, d.documentation(), rule_help_uri(d.code))
        for d in FILE_DIAGNOSTICS
    ]
    rules = [
        _descriptor(rule.code, rule.name, rule.kind, rule.severity, rule.summary,
                    rule.sections()["What it does"], rule.documentation(), rule_help_uri(rule.code))
        for rule in ALL_RULES
    ]
    return sorted(file_diagnostics + rules, key=lambda descriptor: descriptor["id"])


def _level(severity: str) -> str:
    return "error" if severity == "error" else "warning"


def artifact_location(filename: str, root: Path) -> dict:
    """A URI relative to the scan root (``%SRCROOT%``), or an absolute ``file:`` URI for a file outside it."""
    if filename == "-":
        return {"uri": "stdin"}
    path = Path(os.path.abspath(filename))
    try:
        relative = path.relative_to(os.path.abspath(root))
    except ValueError:
        return {"uri": path.as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": SOURCE_ROOT}


def _physical(filename: str, root: Path, region: dict) -> dict:
    return {"physicalLocation": {"artifactLocation": artifact_location(filename, root), "region": region}}


def _region(finding: Finding) -> dict:
    if finding.cell is not None:
        # Lines count the notebook's joined code cells, not the .ipynb's JSON: GitHub needs a start line, so the
        # alert sits at the file's top and the cell goes in the message and the property bag.
        return {"startLine": 1}
    return {"startLine": finding.line, "startColumn": finding.column,
            "endLine": finding.end_line, "endColumn": finding.end_column}


def _result(finding: Finding, rule_index: dict[str, int], root: Path) -> dict:
    result = {
        "ruleId": finding.code,
        "level": _level(finding.severity),
        "message": {"text": finding.message if finding.cell is None
                    else f"{finding.message} (cell {finding.cell}, line {finding.cell_line or finding.line})"},
        "locations": [_physical(finding.filename, root, _region(finding))],
    }
    if finding.code in rule_index:
        result["ruleIndex"] = rule_index[finding.code]
    if finding.related:
        result["relatedLocations"] = [_related(index, related, finding, root)
                                      for index, related in enumerate(finding.related)]
    properties: dict = {"kind": finding.kind}
    if finding.keras is not None:
        properties["keras"] = finding.keras
    if finding.scenario is not None:
        properties["scenario"] = finding.scenario
    if finding.cell is not None:
        properties.update(cell=finding.cell, line=finding.line, column=finding.column)
        if finding.cell_line is not None:
            properties["cell_line"] = finding.cell_line
    if finding.confirmation is not None:
        properties["confirmation"] = {"status": finding.confirmation.status,
                                      "evidence": finding.confirmation.evidence,
                                      "device": finding.confirmation.device}
    result["properties"] = properties
    if finding.fix is not None and finding.cell is None:
        # SARIF regions count the file's lines; a notebook's edits count its joined cells, so they are left out.
        result["fixes"] = [_fix(finding.fix, root)]
    return result


def _fix(fix: Fix, root: Path) -> dict:
    changes: dict[str, list[dict]] = {}
    for edit in fix.edits:
        changes.setdefault(edit.filename, []).append({
            "deletedRegion": {"startLine": edit.line, "startColumn": edit.column,
                              "endLine": edit.end_line, "endColumn": edit.end_column},
            "insertedContent": {"text": edit.content}})
    return {"description": {"text": f"{fix.message} ({fix.applicability})"},
            "artifactChanges": [{"artifactLocation": artifact_location(filename, root), "replacements": replacements}
                                for filename, replacements in changes.items()]}


def _related(index: int, related: Related, finding: Finding, root: Path) -> dict:
    region = {"startLine": 1} if finding.cell is not None else {"startLine": related.line,
                                                                "startColumn": related.column}
    location = {"id": index, **_physical(related.filename, root, region), "message": {"text": related.message}}
    if finding.cell is not None:
        location["properties"] = {"line": related.line, "column": related.column}
        if related.cell is not None:
            location["properties"].update(cell=related.cell, cell_line=related.cell_line)
    return location


def _directory_uri(root: Path) -> str:
    uri = Path(os.path.abspath(root)).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def sarif_log(findings: list[Finding], root: Path, keras: Mapping[str, dict] | None = None) -> dict:
    """The log of one run; ``keras`` (filename -> the Keras it was judged under) becomes the run's
    ``properties.keras``: each version inferred, the evidence for it and the files judged under it."""
    descriptors = rule_descriptors()
    rule_index = {descriptor["id"]: index for index, descriptor in enumerate(descriptors)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "trainlint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }},
            "originalUriBaseIds": {SOURCE_ROOT: {"uri": _directory_uri(root)}},
            # libcst counts columns in code points; SARIF's default is UTF-16 code units.
            "columnKind": "unicodeCodePoints",
            "results": [_result(finding, rule_index, root) for finding in findings],
            "properties": {"keras": keras_versions(keras or {})},
        }],
    }


def keras_versions(keras: Mapping[str, dict]) -> list[dict]:
    """One entry per distinct inference: the version, the evidence, and how many files it covers."""
    counted: dict[tuple[str, str], int] = {}
    for target in keras.values():
        key = (target["version"], target["why"])
        counted[key] = counted.get(key, 0) + 1
    return [{"version": version, "why": why, "files": files}
            for (version, why), files in sorted(counted.items(), key=lambda item: (-item[1], item[0]))]
