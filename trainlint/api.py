"""trainlint's Python API: the one code path from text or paths to findings (and fixes).

The CLI, the flake8 plugin and the language server call these functions; what they return is what
``trainlint check`` prints::

    import trainlint

    findings = trainlint.check_source(text, filename="train.py", keras_version="3")
    findings = trainlint.check_paths(["src/", "notebooks/explore.ipynb"])
    for finding in findings:
        print(finding.to_dict())            # the JSON output contract (DESIGN.md)

    result = trainlint.fix_source(text, filename="train.py", unsafe=False)
    result.text                              # the text with every safe fix applied

Findings are frozen dataclasses (:class:`~trainlint.findings.Finding`). ``# noqa`` comments, the
``[tool.trainlint]`` table and the project's own modules (imports followed) are honoured as in the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence, TextIO

from trainlint import config
from trainlint.findings import Finding
from trainlint.noqa import unused_code
from trainlint.settings import Settings
from trainlint.sources.files import FileResult, SourceFile, discover_files, lint_decoded, project_roots

if TYPE_CHECKING:
    from trainlint.analysis.project import Project
    from trainlint.audit.cache import Cache
    from trainlint.engine import Origin

__all__ = ["CheckRun", "FixResult", "check_paths", "check_source", "fix_paths", "fix_source", "load_settings"]


def load_settings(paths: Iterable[str | Path] = (".",), *, config_file: str | Path | None = None,
                  keras_version: str | None = None, select: Sequence[str] | None = None,
                  ignore: Sequence[str] | None = None) -> Settings:
    """The settings ``trainlint check PATHS`` would use: ``[tool.trainlint]`` from ``config_file`` or the nearest
    ``pyproject.toml`` above the paths, each key replaced by an argument given here. Raises
    :class:`trainlint.config.ConfigError` for a malformed table."""
    paths = [str(p) for p in paths] or ["."]
    configuration = config.load(Path(config_file)) if config_file else config.discover(paths)
    given = config.Options(keras_version=keras_version, select=tuple(select) if select is not None else None,
                           ignore=tuple(ignore) if ignore is not None else None)
    return config.settings(configuration, given)


def _settings_for(settings: Settings | None, keras_version: str | None, paths: Iterable[str]) -> Settings:
    if settings is None:
        return load_settings(paths, keras_version=keras_version)
    return replace(settings, keras_version=keras_version) if keras_version else settings


def check_source(text: str, filename: str = "<string>", *, keras_version: str | None = None,
                 settings: Settings | None = None, project: Project | None = None, noqa: bool = True) -> list[Finding]:
    """The findings of one text, as ``trainlint check`` would report them for a file of that name holding it.

    ``filename`` ending in ``.ipynb`` reads ``text`` as a notebook's JSON. When ``filename`` names a file in a
    folder on disk, imports of the project's modules beside it are followed (the given text stands for the file,
    so an editor's unsaved buffer is linted as it is). Without ``settings``, ``[tool.trainlint]`` is read from
    the nearest ``pyproject.toml`` above ``filename`` (or the working directory); ``keras_version`` overrides it.
    ``noqa=False`` keeps the findings a ``# noqa`` comment silences (flake8 applies its own).
    """
    path = Path(filename)
    on_disk = filename not in ("-", "<string>", "<stdin>") and path.parent.is_dir()
    settings = _settings_for(settings, keras_version, [filename] if on_disk else ["."])
    if on_disk and project is None:
        from trainlint.analysis.project import Project

        project = Project()
    source = SourceFile(filename, path if on_disk else None)
    result = lint_decoded(source, text, settings, project=project if on_disk else None, noqa=noqa)
    return _reported(result.findings, settings)


@dataclass
class CheckRun:
    """A run over paths: one result per file (for summaries and notes) and the findings to report."""

    results: list[FileResult]
    findings: list[Finding]
    settings: Settings


def check_paths(paths: Iterable[str | Path], *, keras_version: str | None = None, settings: Settings | None = None,
                jobs: int = 1, cache_dir: str | Path | None = None, respect_gitignore: bool = True) -> list[Finding]:
    """The findings ``trainlint check PATHS`` prints, in the same order: folders walked (``.gitignore`` and
    excludes honoured), notebooks read, imports into the project's modules followed, ``# noqa`` and
    ``per-file-ignores`` applied. ``jobs`` > 1 lints in a process pool; ``cache_dir`` reuses (and writes) the
    result cache there."""
    paths = [str(p) for p in paths]
    settings = _settings_for(settings, keras_version, paths)
    cache = None
    if cache_dir is not None:
        from trainlint.audit.cache import Cache

        cache = Cache.open(str(cache_dir))
    return run(paths, settings, jobs=jobs, cache=cache, respect_gitignore=respect_gitignore).findings


def run(paths: list[str], settings: Settings, *, jobs: int = 1, cache: Cache | None = None,
        progress_stream: TextIO | None = None, respect_gitignore: bool = True,
        origins: dict[Finding, Origin] | None = None, unresolved_sites: list | None = None,
        stdin_filename: str | None = None) -> CheckRun:
    """What ``trainlint check`` does before reporting. With ``origins`` (``--dynamic``): one process, no cache,
    and what each finding rests on is collected there; with ``unresolved_sites`` (``--explain-unresolved``), the
    same, and each compile call no rule could judge is collected there with its reason. ``stdin_filename``
    ending in ``.ipynb`` reads ``-`` as a notebook."""
    from trainlint.audit.batch import lint_sources
    from trainlint.sources.files import lint_source
    from trainlint.audit.progress import Progress

    sources = discover_files(paths, settings, respect_gitignore=respect_gitignore, stdin_filename=stdin_filename)
    roots = project_roots(paths)
    if origins is not None or unresolved_sites is not None:  # they hold syntax trees: one process, no cache
        from trainlint.analysis.project import Project

        project = Project(roots)
        results = [lint_source(source, settings, origins, project, unresolved_sites) for source in sources]
    else:
        results = lint_sources(sources, settings, jobs, cache, Progress(len(sources), progress_stream),
                               roots)
    findings = without_noqa_used_elsewhere(_reported((f for r in results for f in r.findings), settings), results)
    return CheckRun(results, findings, settings)


def _reported(findings: Iterable[Finding], settings: Settings) -> list[Finding]:
    # A finding met from two files (a helper's compile reached from two scripts) is reported once.
    return sorted(dict.fromkeys(f for f in findings if settings.enabled_in(f.code, f.filename)),
                  key=lambda f: f.sort_key)


# --- fixes ------------------------------------------------------------------------------------------------

@dataclass
class FixResult:
    """``fix_source``'s answer: the new text, the findings its fixes removed, and those left."""

    text: str
    fixed: list[Finding]
    remaining: list[Finding]


def fix_source(text: str, filename: str = "<string>", *, unsafe: bool = False, keras_version: str | None = None,
               settings: Settings | None = None) -> FixResult:
    """``text`` with its fixes applied: the safe ones, and with ``unsafe`` the unsafe ones too. Only edits in
    this text are made (a fix that belongs in an imported module is left to ``fix_paths``). The result is
    re-linted after each round: a fix that would not parse, or would bring a new finding, is not applied."""
    from trainlint.fixes import fix_files

    path = Path(filename)
    on_disk = filename not in ("-", "<string>", "<stdin>") and path.parent.is_dir()
    settings = _settings_for(settings, keras_version, [filename] if on_disk else ["."])

    def findings_in(current: str) -> list[Finding]:
        return check_source(current, filename, settings=settings)

    def here(findings: list[Finding]) -> list[Finding]:
        return [f for f in findings if f.fix is None or all(e.filename == filename for e in f.fix.edits)]

    run = fix_files(here(findings_in(text)), lambda overlay: here(findings_in(overlay.get(filename, text))), unsafe,
                    lambda name: text if name == filename else None)
    new = run.changed.get(filename, (text, text))[1]
    return FixResult(new, run.fixed, findings_in(new) if run.fixed else here(findings_in(text)))


def fix_paths(paths: Iterable[str | Path], *, unsafe: bool = False, write: bool = True,
              keras_version: str | None = None, settings: Settings | None = None,
              respect_gitignore: bool = True, checked: CheckRun | None = None):
    """Apply the fixes of ``trainlint check PATHS`` (``write=False``: only compute them, as ``--diff`` does).
    Edits land in the file each belongs in (an imported module's head too); files are replaced atomically, and a
    notebook keeps its outputs, metadata and JSON layout. Returns a :class:`trainlint.fixes.FixRun` (the changed
    texts, before and after, and the findings fixed)."""
    from trainlint.analysis.project import Project
    from trainlint.sources.files import lint_source
    from trainlint.fixes import FileText, fix_files, write_atomically

    paths = [str(p) for p in paths]
    settings = _settings_for(settings, keras_version, paths) if checked is None else checked.settings
    if checked is None:
        checked = run(paths, settings, respect_gitignore=respect_gitignore)
    sources = discover_files(paths, settings, respect_gitignore=respect_gitignore)
    roots = project_roots(paths)
    files: dict[str, FileText | None] = {}

    def read(filename: str) -> str | None:
        if filename not in files:
            files[filename] = FileText.read(Path(filename)) if filename != "-" else None
        found = files[filename]
        return found.text if found is not None else None

    def lint(overlay: dict[str, str]) -> list[Finding]:
        project = Project(roots)
        for filename, text in overlay.items():
            project.set_text(filename, text)
        results = [lint_decoded(source, overlay[source.display], settings, project=project)
                   if source.display in overlay else lint_source(source, settings, None, project)
                   for source in sources]
        return without_noqa_used_elsewhere(_reported((f for r in results for f in r.findings), settings), results)

    fixed = fix_files(checked.findings, lint, unsafe, read)
    if write and fixed.changed:
        for filename, (_, new) in fixed.changed.items():
            write_atomically(Path(filename), files[filename].encoded(new))
        from trainlint.audit.batch import forget_projects

        forget_projects()  # the modules this process parsed before the fixes are out of date
    return fixed


def without_noqa_used_elsewhere(findings: list[Finding], results: list[FileResult]) -> list[Finding]:
    """TL901 judges each file alone: drop its report of a comment that silenced a finding reached from another
    file of the run (a helper module's line, reported while linting the script that imports it)."""
    used = {use for result in results for use in result.used_noqa}
    if not used:
        return findings

    def used_elsewhere(finding: Finding) -> bool:
        unused = unused_code(finding)
        return unused is not None and any(
            name == unused[0] and line == unused[1] and code.startswith(unused[2]) for name, line, code in used)

    return [finding for finding in findings if not used_elsewhere(finding)]
