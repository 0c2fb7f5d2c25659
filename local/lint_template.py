"""Expands template.yaml offline with samtranslator and lints the result with cfn-lint.

cfn-lint alone checks SAM resources only against schemas: a wrong runtime or a ``!Ref`` to a
missing resource inside a SAM resource passes it. The expanded CloudFormation does not.
``python -m local.lint_template`` prints the findings and exits 1 if there are any.
"""

from __future__ import annotations

import copy
import json
import logging
import sys
from typing import Any

from local import template as tpl

EXPANDED = tpl.ROOT / ".build" / "template.expanded.json"
REGION = "eu-west-1"


class _OfflinePolicyLoader:
    """samtranslator asks IAM for AWS managed policy ARNs; answer from their well-known form."""

    def load(self) -> dict[str, str]:
        return {}

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)


def _placeholder_code(doc: dict[str, Any]) -> dict[str, Any]:
    """Local CodeUri/ContentUri/DefinitionUri -> placeholder S3 URIs, as `sam package` would."""
    out = copy.deepcopy(doc)
    for logical, resource in out["Resources"].items():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://local-placeholder/{logical}.zip"
        if resource["Type"] == "AWS::Serverless::StateMachine" and "DefinitionUri" in props:
            definition = json.loads((tpl.ROOT / props.pop("DefinitionUri")).read_text(encoding="utf-8"))
            props["Definition"] = definition
    return out


def expand(doc: dict[str, Any] | None = None) -> dict[str, Any]:
    import os  # noqa: PLC0415

    from samtranslator.translator.transform import transform  # noqa: PLC0415

    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)  # samtranslator reads it for pseudo parameters
    # Offline there is no feature-toggle configuration: samtranslator warns of each toggle it asks
    # about (OpenApiVersion's) and takes it as off, as `sam validate` does. Not a finding.
    logging.getLogger("samtranslator.feature_toggle.feature_toggle").setLevel(logging.ERROR)
    source = _placeholder_code(doc if doc is not None else tpl.load())
    params = {k: v for k, v in tpl.parameter_defaults(source).items() if v is not None}
    params.update({"AWS::Region": REGION, "AWS::AccountId": "123456789012", "AWS::Partition": "aws"})
    expanded: dict[str, Any] = transform(source, params, _OfflinePolicyLoader())
    return expanded


def lint(expanded: dict[str, Any]) -> list[str]:
    from cfnlint.api import ManualArgs  # noqa: PLC0415
    from cfnlint.api import lint as cfn_lint  # noqa: PLC0415

    EXPANDED.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(expanded, indent=1, default=str)
    EXPANDED.write_text(text, encoding="utf-8")
    matches = cfn_lint(text, config=ManualArgs(regions=[REGION]))
    return [f"{m.rule.id} {m.message} ({m.path_string if hasattr(m, 'path_string') else ''})" for m in matches]


def main() -> int:
    findings = lint(expand())
    for finding in findings:
        print(finding)
    print(f"cfn-lint on the expanded template: {len(findings)} finding(s) ({EXPANDED.relative_to(tpl.ROOT)})")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
