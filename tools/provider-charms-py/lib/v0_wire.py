"""data_interfaces v0 provider writes, as the vendored charm library (LIBPATCH 38-40) makes them.

Charmed Kafka 3 and Charmed Kafka Connect vendor `data_platform_libs.v0.data_interfaces`, which is
not on PyPI; the v1 package (dpcharmlibs-interfaces) keeps the same secret labels and repository
primitives, so the v0 wire is reproduced on top of them:
- a field the requirer listed in `requested-secrets` goes into the secret of its group
  (user: username, password, uris; tls: tls, tls-ca; anything else: extra), labelled
  `<endpoint>.<relation id>.<group>.secret`, granted to the relation, its URI published as
  `secret-<group>` when the secret is created; later writes merge into the secret's content
  (a new revision only when the content changes);
- any other field is a plain databag field; an empty value deletes it.
"""

from __future__ import annotations

import ops
from dpcharmlibs.interfaces.repository import OpsRelationRepository
from dpcharmlibs.interfaces.types import SecretGroup

GROUP_FIELDS = {'user': ('username', 'password', 'uris'), 'tls': ('tls', 'tls-ca')}


def group_of(field: str) -> str:
    for group, fields in GROUP_FIELDS.items():
        if field in fields:
            return group
    return 'extra'


def update_relation_data(charm: ops.CharmBase, relation: ops.Relation, requested: list[str], data: dict[str, str]) -> None:
    """v0 `update_relation_data` (provider side, leader only)."""
    repo = OpsRelationRepository(charm.model, relation, charm.app)
    by_group: dict[str, dict[str, str]] = {}
    for field, value in data.items():
        if field in requested:
            by_group.setdefault(group_of(field), {})[field] = value
        elif value:
            relation.data[charm.app][field] = value
        elif field in relation.data[charm.app]:
            del relation.data[charm.app][field]
    for group, content in by_group.items():
        content = {k: v for k, v in content.items() if v}
        if not content:
            continue
        label = f'{relation.name}.{relation.id}.{group}.secret'
        secret = repo.secrets.get(label)
        if secret is None:
            secret = repo.secrets.add(label, content, relation)
            assert secret.meta is not None and secret.meta.id
            relation.data[charm.app][f'secret-{group}'] = secret.meta.id
        else:
            merged = dict(secret.get_content())
            merged.update(content)
            secret.set_content(merged)


def written(charm: ops.CharmBase, relation: ops.Relation) -> dict[str, str]:
    """What this provider published on `relation`: plain fields plus its secrets' content."""
    repo = OpsRelationRepository(charm.model, relation, charm.app)
    out = {k: v for k, v in relation.data[charm.app].items() if not k.startswith('secret-') and k != 'data'}
    for group in ('user', 'tls', 'extra'):
        secret = repo.secrets.get(f'{relation.name}.{relation.id}.{group}.secret')
        if secret is not None:
            out.update(secret.get_content())
    return out


def remove_relation_secrets(charm: ops.CharmBase, relation: ops.Relation) -> None:
    """relation-broken: the provider drops the secrets it made for the relation."""
    repo = OpsRelationRepository(charm.model, relation, charm.app)
    for group in ('user', 'tls', 'extra'):
        try:
            repo.secrets.remove(f'{relation.name}.{relation.id}.{group}.secret')
        except (ops.SecretNotFoundError, ops.ModelError):
            pass


__all__ = ['SecretGroup', 'group_of', 'remove_relation_secrets', 'update_relation_data', 'written']
