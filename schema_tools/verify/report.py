"""Verify results as text, JSON and JUnit XML."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from .results import SiteResult, StepResult, VerifyReport


def to_json(report: VerifyReport) -> str:
    return json.dumps(report.to_dict(), indent=2, sort_keys=True) + "\n"


def _step_details(step: StepResult) -> list[str]:
    out = []
    if step.error:
        out.append(f"error: {step.error}")
    if step.statement:
        first = step.statement.strip().splitlines()
        out.append("statement: " + (first[0][:300] if first else ""))
    if step.left_in:
        out.append(step.left_in)
    if step.residual_count:
        out.append(f"residual difference from the expected state ({step.residual_count}):")
        out += [f"  {line}" for line in step.residual]
        if step.residual_count > len(step.residual):
            out.append(f"  ... and {step.residual_count - len(step.residual)} more")
    if step.data is not None and step.data.lost:
        out.append(f"rows lost or changed ({len(step.data.lost)}):")
        out += [f"  {line}" for line in step.data.lost]
    return out


def to_text(report: VerifyReport) -> str:
    lines = []
    for site in report.sites:
        status = "ok" if site.ok else "FAILED"
        lines.append(f"{site.site} [{site.backend}] from {site.start}, "
                     f"{len(site.path)} revision(s): {status} ({site.seconds:.1f} s)")
        if site.error:
            lines.append(f"  error: {site.error}")
        for step in site.steps:
            mark = "ok" if step.ok else "FAILED"
            data = ""
            if step.data is not None:
                data = f", {step.data.rows} rows in {step.data.tables} tables kept"
            lines.append(f"  {step.direction:9} {step.source or '?'} -> {step.target}: {mark} "
                         f"({step.seconds:.1f} s{data})")
            lines += [f"    {d}" for d in _step_details(step)]
            if step.data is not None and step.data.accepted:
                lines.append(f"    dropped, accepted ({len(step.data.accepted)}):")
                lines += [f"      {d.line()}" for d in step.data.accepted]
            if step.statements:
                lines.append(f"    data statements ({len(step.statements)}):")
                lines += [f"      {d['statement'][:80]}: "
                          + (f"{d['rows']} row(s)" if d["rows"] >= 0 else "rows not counted by the server")
                          for d in step.statements]
            if step.data is not None and step.data.written:
                lines.append(f"    rows the revision writes on purpose ({len(step.data.written)}): "
                             + "; ".join(step.data.written))
    for name in report.skipped:
        lines.append(f"{name}: skipped, no revision starts from this snapshot")
    ok = sum(1 for s in report.sites if s.ok)
    lines.append(f"{ok} of {len(report.sites)} site run(s) passed")
    return "\n".join(lines) + "\n"


def _case_name(step: StepResult) -> str:
    return step.span


def to_junit(report: VerifyReport) -> str:
    suites = ET.Element("testsuites", name="schema-tools verify")
    total = failures = errors = 0
    for site in report.sites:
        suite = ET.SubElement(suites, "testsuite", name=f"{site.site} [{site.backend}]")
        n_fail = n_err = 0
        if site.error:
            case = ET.SubElement(suite, "testcase", classname=_classname(site), name="setup")
            el = ET.SubElement(case, "error", message=site.error[:500])
            el.text = site.error
            n_err += 1
        for step in site.steps:
            case = ET.SubElement(suite, "testcase", classname=_classname(site),
                                 name=_case_name(step), time=f"{step.seconds:.3f}")
            if not step.ok:
                details = "\n".join(_step_details(step))
                lost = step.data.lost if step.data is not None and not step.residual_count else []
                first = step.error or (lost[0] if lost else (details.splitlines() or ["failed"])[0])
                el = ET.SubElement(case, "failure", message=first[:500])
                el.text = details
                n_fail += 1
            if step.data is not None and step.data.accepted:
                out = ET.SubElement(case, "system-out")
                out.text = "\n".join(["dropped, accepted:"] + [d.line() for d in step.data.accepted])
        tests = len(site.steps) + (1 if site.error else 0)
        suite.set("tests", str(tests))
        suite.set("failures", str(n_fail))
        suite.set("errors", str(n_err))
        suite.set("time", f"{site.seconds:.3f}")
        total += tests
        failures += n_fail
        errors += n_err
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    suites.set("errors", str(errors))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _classname(site: SiteResult) -> str:
    return f"verify.{site.site}.{site.backend}".replace(":", "_")
