"""Printing a check report: text for people (file:line, what, a unified diff), JSON for CI."""

from __future__ import annotations

import json

from modgen.copies.findings import relative
from modgen.copies.run import CheckReport


def as_text(report: CheckReport, *, diffs: bool = True, notes: bool = False) -> str:
    """Findings, then warnings (always: markers that check less than they say), then notes (with `notes`)."""
    out = []
    shown = [f for f in report.warnings if f.kind == "warning" or notes]
    for finding in [*report.findings, *shown]:
        place = relative(finding.path, report.root) + (f":{finding.line}" if finding.line else "")
        label = f"{finding.kind}: " if finding.never_fails else ""
        out.append(f"{place}: {label}{finding.message}")
        if finding.hint:
            out.append(f"  hint: {finding.hint}")
        if diffs and finding.diff:
            out.extend("    " + line for line in finding.diff.rstrip("\n").split("\n"))
    for path in report.fixed:
        out.append(f"fixed {relative(path, report.root)}")
    summary = (
        f"{len(report.findings)} finding(s): {report.markers} Copied-from markers, "
        f"{report.modular_checked} modular files checked"
    )
    warnings = sum(f.kind == "warning" for f in report.warnings)
    if warnings:
        summary += f"; {warnings} warning(s)"
    if len(report.warnings) > warnings:
        summary += f"; {len(report.warnings) - warnings} note(s)" + ("" if notes else " (--notes lists them)")
    if report.findings and any(f.fixable for f in report.findings):
        summary += "; run `modgen check --fix` (make fix-copies) to fix copies and generated files"
    out.append(summary)
    return "\n".join(out)


def as_json(report: CheckReport) -> str:
    return json.dumps(
        {
            "exit_code": report.exit_code,
            "findings": [f.to_json(report.root) for f in report.findings],
            "warnings": [f.to_json(report.root) for f in report.warnings],
            "fixed": [relative(p, report.root) for p in report.fixed],
            "markers": report.markers,
            "modular_checked": report.modular_checked,
            "modular_flattened": report.modular_flattened,
            "seconds": round(report.timings.get("total", 0.0), 3),
        },
        indent=2,
    )
