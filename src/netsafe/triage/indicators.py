"""Indicators of interest (peer-to-peer, Tor, wiping, encryption, cloud sync) from a rules file."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

#: Paths listed per indicator in the report (the count is always complete).
MAX_PATHS = 50


@dataclass
class Rule:
    """One indicator: path patterns, or a test on what was measured from the bytes."""

    name: str
    group: str
    description: str
    #: The rule's path patterns as one regular expression (None: a content rule).
    pattern: re.Pattern | None = None
    content: dict = field(default_factory=dict)

    def matches(self, rec: dict) -> bool:
        """Whether file record ``rec`` shows this indicator."""
        if self.pattern is not None:
            return self.pattern.search(_searched(rec["path"])) is not None
        c = self.content
        if "signature" in c:
            return rec.get("signature") == c["signature"]
        return (
            rec.get("entropy") is not None
            and rec["size"] >= c.get("min_size", 0)
            and rec["size"] % c.get("size_multiple", 1) == 0
            and rec["entropy"] >= c.get("min_entropy", 8.0)
        )


def load_rules(path: Path | None = None) -> list[Rule]:
    """The rules shipped with the package (or those in ``path``)."""
    if path is None:
        text = (
            resources.files("netsafe.triage").joinpath("rules/indicators.json").read_text("utf-8")
        )
    else:
        text = path.read_text("utf-8")
    rules = []
    for item in json.loads(text)["indicators"]:
        paths = item.get("paths", [])
        rules.append(
            Rule(
                item["name"],
                item["group"],
                item["description"],
                _any_of(paths) if paths else None,
                item.get("content", {}),
            )
        )
    return rules


def _searched(path: str) -> str:
    """What path patterns are matched against: the path with a '/' in front, members of
    archives (``outer.zip!inner``) read as folders."""
    return "/" + path.replace("!", "/")


def _any_of(patterns: list[str]) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


class IndicatorScan:
    """Collects, over the files of one evidence item, which indicators show and where."""

    def __init__(self, rules: list[Rule]) -> None:
        self._rules = rules
        self._content_rules = [r for r in rules if r.pattern is None]
        # Nearly every path matches no rule: one search over all patterns says so.
        path_patterns = [r.pattern.pattern for r in rules if r.pattern is not None]
        self._any_path = _any_of(path_patterns) if path_patterns else None
        self._hits: dict[str, list[str]] = {}

    def observe(self, rec: dict) -> None:
        """Test one file record against every rule."""
        rules = self._content_rules
        if self._any_path is not None and self._any_path.search(_searched(rec["path"])):
            rules = self._rules
        for rule in rules:
            if rule.matches(rec):
                self._hits.setdefault(rule.name, []).append(rec["path"])

    def observe_volume(self, path: str, signature: str) -> None:
        """A volume of a disk image that carries a signature (e.g. BitLocker)."""
        self.observe({"path": path, "size": 0, "signature": signature})

    def results(self) -> list[dict]:
        """``[{"name", "group", "description", "count", "paths"}]`` in rules order."""
        out = []
        for rule in self._rules:
            paths = self._hits.get(rule.name)
            if paths:
                out.append(
                    {
                        "name": rule.name,
                        "group": rule.group,
                        "description": rule.description,
                        "count": len(paths),
                        "paths": paths[:MAX_PATHS],
                    }
                )
        return out
