"""Checking every `# Copied from` marker of a repository, and fixing copies in dependency order.

One run reads each file once, evaluates the markers that are not nested in another copied block, formats all
expected snippets that need it with one ruff process (cached by content), and compares. `fix_copies` repeats
check-and-fix rounds, each fixing only copies whose source is not itself a stale copy, so that chains
(copies of copies) converge in one invocation, from the original source down, never spreading a bad edit.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from modgen.copies.blocks import DefinitionEnds
from modgen.copies.cache import Cache, digest
from modgen.copies.compare import Copy, SiteError, compare, copy_site, prepare
from modgen.copies.findings import Finding
from modgen.copies.grammar import Marker, find_lookalikes, find_markers
from modgen.copies.layout import keep_blank_layout
from modgen.copies.normalise import Formatter
from modgen.copies.resolve import Files, ResolveError, resolve
from modgen.copies.scan import Area, area_of


MAX_FIX_ROUNDS = 20


@dataclass
class MarkerSite:
    path: Path
    area: Area
    marker: Marker
    # For a marker nested in another marker's copied block (compared as part of it, never on its own): that
    # block's (header, end). Only checked for pointing into that very block.
    enclosing: tuple[int, int] | None = None


@dataclass
class CopyResults:
    copies: list[Copy] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    stale: dict[int, Copy] = field(default_factory=dict)  # id(finding) -> its copy, for fixing
    markers: int = 0  # markers evaluated


def marker_sites(files: Files, paths: list[Path], areas: list[Area], cache: Cache | None = None) -> list[MarkerSite]:
    """The markers of `paths`; those nested in another marker's copied block say which block."""
    sites = []
    for path in paths:
        area = area_of(path, areas)
        if area is None:
            continue
        text = files.text(path)
        if "Copied from" not in text:
            continue
        key = "sites:" + digest(code_version(), area.root, text) if cache is not None else None
        found = cache.get(key) if cache is not None else None
        if found is None:
            found = outer_markers(files.lines(path), area.root, files.ends(path))
            if cache is not None:
                cache.set(key, found)
        sites.extend(MarkerSite(path, area, marker, enclosing) for marker, enclosing in found)
    return sites


def lookalike_notes(files: Files, paths: list[Path], areas: list[Area]) -> list[Finding]:
    """Comments that read like markers but are not checked: upstream passes over them in silence. Most are markers
    switched off on purpose (`# TODO: ... Copied from`), so they are notes, listed on demand."""
    found = []
    for path in paths:
        area = area_of(path, areas)
        if area is None or "opied from" not in files.text(path):
            continue
        for line in find_lookalikes(files.lines(path), area.root):
            text = files.lines(path)[line - 1].strip()
            found.append(
                Finding(
                    "note",
                    path,
                    line,
                    f"not a marker, so not checked: {text[:100]}",
                    None,
                    hint=f"a marker is a comment line of its own: `# Copied from {area.root}.<module>.<object>`",
                )
            )
    return found


def outer_markers(
    lines: list[str], root: str, ends: DefinitionEnds | None = None
) -> list[tuple[Marker, tuple[int, int] | None]]:
    """The markers of a file, each with None, or with the (header, end) of an earlier marker's copied block that
    it is inside of (compared as part of that copy, as upstream does)."""
    found = []
    block = None
    for marker in find_markers(lines, root):
        if block is not None and marker.line - 1 < block[1]:
            found.append((marker, block))
            continue
        found.append((marker, None))
        block = None
        with contextlib.suppress(SiteError):  # reported when the marker is evaluated
            block = copy_site(lines, marker, ends)
    return found


def load(files: Files, site: MarkerSite) -> Copy | Finding:
    """The copy of one marker, ready to compare, or the finding that says why it cannot be."""
    marker, path = site.marker, site.path
    try:
        source = resolve(files, site.area.base, site.area.root, marker.object_path)
    except ResolveError as error:
        return Finding("dangling", path, marker.line, error.message, marker.reference, hint=error.hint, fixable=False)
    try:
        return prepare(path, files.lines(path), marker, source, files.ends(path))
    except SiteError as error:
        hint = "put the marker right above the class or def it marks"
        return Finding("marker", path, marker.line, str(error), marker.reference, hint=hint, fixable=False)
    except re.error as error:
        message = f"bad pattern in the replace spec: {error}"
        return Finding("marker", path, marker.line, message, marker.reference, fixable=False)


def warnings_for(copy: Copy) -> list[Finding]:
    """What upstream silently ignores: unparsable replace-spec pieces, markers that point at themselves."""
    marker, found = copy.marker, []
    if marker.spec.ignored:
        pieces = ", ".join(repr(p) for p in marker.spec.ignored)
        found.append(
            Finding(
                "warning",
                copy.path,
                marker.line,
                f"ignored in the replace spec: {pieces}",
                marker.reference,
                hint="write patterns as Old->New, separated by commas",
            )
        )
    circular = circular_reference(copy)
    if circular is not None:
        found.append(
            Finding(
                "warning",
                copy.path,
                marker.line,
                circular,
                marker.reference,
                hint="remove it, or point it at the original",
            )
        )
    return found


def circular_reference(copy: Copy) -> str | None:
    """What is wrong with a marker whose source overlaps its own copy (an edit there changes both sides at once,
    so it goes unseen), or None."""
    source = copy.source
    if source.path != copy.path or not (source.start < copy.end and copy.header < source.end):
        return None
    if source.start == copy.header:
        return "the marker points at its own code: it checks nothing, an edit here goes unseen"
    if copy.header < source.start:
        return f"the marker's source (line {source.start + 1}) is inside the copy itself: edits there go unseen"
    return f"the copy is inside its own source (line {source.start + 1}): edits there go unseen"


def nested_warning(files: Files, site: MarkerSite) -> Finding | None:
    """A nested marker whose source lies in the copied block it sits in: it claims a copy of itself."""
    try:
        source = resolve(files, site.area.base, site.area.root, site.marker.object_path)
    except ResolveError:
        return None  # nested markers are not compared on their own: a stale reference is upstream's business
    header, end = site.enclosing
    if source.path != site.path or not header <= source.start < end:
        return None
    message = f"the marker's source (line {source.start + 1}) is inside the copy it sits in: it checks nothing"
    hint = "remove it, or point it at the original"
    return Finding("warning", site.path, site.marker.line, message, site.marker.reference, hint=hint)


def evaluate(files: Files, sites: list[MarkerSite], formatter: Formatter) -> CopyResults:
    results = CopyResults(markers=sum(site.enclosing is None for site in sites))
    for site in sites:
        if site.enclosing is not None:
            if (warning := nested_warning(files, site)) is not None:
                results.findings.append(warning)
            continue
        loaded = load(files, site)
        if isinstance(loaded, Finding):
            results.findings.append(loaded)
        else:
            results.copies.append(loaded)
            results.findings.extend(warnings_for(loaded))
    # Format only what needs it: copies with a tail whose raw expected text differs from the copy.
    needs_format = [c for c in results.copies if c.formats and compare(c, c.compared_expected) is not None]
    formatted = formatter.format_many([c.compared_expected for c in needs_format]) if needs_format else {}
    formatting = {id(c) for c in needs_format}
    for copy in results.copies:
        expected = formatted.get(copy.compared_expected) if id(copy) in formatting else copy.compared_expected
        if expected is None:
            results.findings.append(
                Finding(
                    "marker",
                    copy.path,
                    copy.marker.line,
                    "the source with the replace spec applied is not valid Python",
                    copy.marker.reference,
                    hint="check the patterns after `with`",
                    fixable=False,
                )
            )
            continue
        mismatch = compare(copy, expected)
        if mismatch is not None:
            finding = Finding(
                "copy",
                copy.path,
                mismatch.line,
                f"copy does not match {copy.marker.reference}",
                copy.marker.reference,
                diff=mismatch.diff,
            )
            error = unsure_extent(files, copy)
            if error is not None:  # where the copy ends is a guess: rewriting it could cut the object in two
                finding.hint = (
                    f"the file does not parse (line {error.lineno}: {error.msg}), so --fix cannot tell where this "
                    "copy ends: fix the syntax error first"
                )
                finding.fixable = False
            else:
                results.stale[id(finding)] = copy
            results.findings.append(finding)
    return results


def unsure_extent(files: Files, copy: Copy) -> SyntaxError | None:
    """The syntax error that makes the extent of a stale copy a guess: one inside the copy (an unclosed string,
    a header without a body), or any one when the copy's end depended on the file's syntax tree."""
    ends = files.ends(copy.path)
    error = ends.syntax_error
    if error is None:
        return None
    if copy.header in ends.unsure or copy.header < (error.lineno or 0) <= copy.end + 1:
        return error
    return None


def evaluate_cached(files: Files, sites: list[MarkerSite], formatter: Formatter, cache: Cache) -> CopyResults:
    """`evaluate`, reusing the results of files whose text and whose sources' texts are unchanged.

    An entry is keyed by the file's text (and modgen's and ruff's versions) and records the text hash of every
    file its copies were compared with; it is used only when all of those still hash the same. Files with a
    finding that is not a plain copy mismatch (a dangling reference...) are always evaluated again.
    """
    hashes: dict[Path, str] = {}

    def hash_of(path: Path) -> str | None:
        if path not in hashes:
            try:
                hashes[path] = digest(files.text(path))
            except OSError:
                hashes[path] = None
        return hashes[path]

    by_file: dict[Path, list[MarkerSite]] = {}
    for site in sites:
        by_file.setdefault(site.path, []).append(site)
    results = CopyResults(markers=sum(site.enclosing is None for site in sites))
    to_evaluate: list[MarkerSite] = []
    keys = {}
    for path, in_file in by_file.items():
        keys[path] = key = "copies:" + digest(formatter.salt, code_version(), str(path), hash_of(path))
        entry = cache.get(key)
        if entry is not None and all(hash_of(Path(dep)) == h for dep, h in entry["sources"].items()):
            results.findings.extend(entry["findings"])
        else:
            to_evaluate.extend(in_file)
    fresh = evaluate(files, to_evaluate, formatter)
    results.findings.extend(fresh.findings)
    results.copies, results.stale = fresh.copies, fresh.stale
    sources: dict[Path, dict[str, str]] = {}
    for copy in fresh.copies:
        sources.setdefault(copy.path, {})[str(copy.source.path)] = hash_of(copy.source.path)
    by_path: dict[Path, list[Finding]] = {}
    for finding in fresh.findings:
        by_path.setdefault(finding.path, []).append(finding)
    uncachable = {f.path for f in fresh.findings if not (f.kind == "copy" or f.never_fails)}
    for path in {site.path for site in to_evaluate} - uncachable:
        cache.set(keys[path], {"sources": sources.get(path, {}), "findings": by_path.get(path, [])})
    return results


@functools.cache
def code_version() -> str:
    """A hash of this package's code: results computed by another modgen are not reused."""
    return digest(*(p.read_bytes() for p in sorted(Path(__file__).parent.glob("*.py"))))


def check_copies(files: Files, paths: list[Path], areas: list[Area], formatter: Formatter) -> CopyResults:
    return evaluate(files, marker_sites(files, paths, areas), formatter)


Select = Callable[[list[MarkerSite], set[Path]], list[MarkerSite]]


def fix_copies(
    files: Files, paths: list[Path], areas: list[Area], formatter: Formatter, select: Select | None = None
) -> tuple[set[Path], CopyResults]:
    """Fix stale copies in memory (`files`), source-first; returns the changed files and what is left.

    `select(sites, changed)` narrows the markers evaluated in a round (`--changed`); `changed` holds the files
    fixed so far, whose own copies must then be looked at too.
    """
    changed: set[Path] = set()
    for _ in range(MAX_FIX_ROUNDS):
        sites = marker_sites(files, paths, areas)
        results = evaluate(files, select(sites, changed) if select else sites, formatter)
        stale = [results.stale[id(f)] for f in results.findings if id(f) in results.stale]
        if not stale:
            return changed, results
        # A copy whose source lies inside another stale copy waits for that one to be fixed first.
        stale_in: dict[Path, list[Copy]] = {}
        for copy in stale:
            stale_in.setdefault(copy.path, []).append(copy)
        ready = [c for c in stale if not any(inside(c, o) for o in stale_in.get(c.source.path, ()) if o is not c)]
        if not ready:
            return changed, results  # a cycle of copies: reported, not fixed
        apply_fixes(files, ready, formatter)
        changed.update(c.path for c in ready)
    sites = marker_sites(files, paths, areas)
    return changed, evaluate(files, select(sites, changed) if select else sites, formatter)


def inside(copy: Copy, other: Copy) -> bool:
    """Whether `copy`'s source lies in `other`'s copied block."""
    return copy.source.path == other.path and other.header <= copy.source.start < other.end


def apply_fixes(files: Files, copies: list[Copy], formatter: Formatter) -> None:
    texts = {id(c): c.fix_text() for c in copies}
    formatted = formatter.format_many([texts[id(c)] for c in copies if c.formats])
    by_file: dict[Path, list[Copy]] = {}
    for copy in copies:
        by_file.setdefault(copy.path, []).append(copy)
    for path, in_file in by_file.items():
        lines = list(files.lines(path))
        for copy in sorted(in_file, key=lambda c: c.header, reverse=True):  # bottom-up keeps indices valid
            text = texts[id(copy)]
            if copy.formats:
                text = formatted.get(text) or text
            end = copy.end  # with the blank lines after the copy, out of which lines added at its end are spaced
            while end < len(lines) - 1 and not lines[end].strip():  # (the last "" is the final newline)
                end += 1
            separation = None if end == len(lines) - 1 else 2 if not lines[end].startswith((" ", "\t")) else 1
            lines[copy.header : end] = keep_blank_layout(lines[copy.header : end], text.split("\n"), separation)
        files.set_text(path, "\n".join(lines))
