"""Splitting `helm template` output into the files deploy/kubernetes holds."""

from __future__ import annotations

from kserve_participant.devstack.helm import split_by_template

RENDERED = """---
# Source: kserve-participant/templates/rbac.yaml
kind: Role
metadata: {name: a}
---
# Source: kserve-participant/templates/service.yaml
kind: Service
---
# Source: kserve-participant/templates/rbac.yaml
kind: RoleBinding
"""


def test_documents_of_one_template_share_a_file_in_render_order_when_split():
    files = split_by_template(RENDERED)
    assert files == {
        "rbac.yaml": "kind: Role\nmetadata: {name: a}\n---\nkind: RoleBinding\n",
        "service.yaml": "kind: Service\n",
    }


def test_documents_without_a_source_line_are_dropped_when_split():
    assert split_by_template("---\nkind: Orphan\n") == {}
