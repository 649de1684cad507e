"""What the two provider charms share: the user handed out (config), status, the v0 diff snapshot.

The real charms create one user per relation (`relation-<id>`) on their own workload; these charms
stand in front of a workload they do not run (tools/kafka), so the user comes from config.
"""

from __future__ import annotations

import json
import logging

import ops
from dpcharmlibs.interfaces.diff import Diff, diff, store_new_data

logger = logging.getLogger(__name__)


class ConfigProblem(Exception):
    """The charm's config cannot be served; the message says what to set."""


def configured_user(charm: ops.CharmBase) -> tuple[str, str]:
    """(username, password) from the `credentials` user secret, else from `username`/`password`."""
    uri = charm.config.get('credentials')
    if uri:
        try:
            content = charm.model.get_secret(id=str(uri)).get_content(refresh=True)
        except (ops.SecretNotFoundError, ops.ModelError) as e:
            raise ConfigProblem(f'cannot read the credentials secret ({type(e).__name__}); grant it to this application') from None
        username, password = content.get('username', ''), content.get('password', '')
        if not username or not password:
            raise ConfigProblem('the credentials secret needs the keys username and password')
        return username, password
    username, password = str(charm.config.get('username', '')), str(charm.config.get('password', ''))
    if not username or not password:
        raise ConfigProblem('set credentials (a user secret) or username and password')
    return username, password


def requirer_diff(relation: ops.Relation, app: ops.Application) -> tuple[Diff, dict[str, str]]:
    """What changed in the requirer's app databag since the last hook, as data_interfaces v0 sees it.

    v0 providers keep the requirer's last data as JSON under `data` in their OWN app databag (the
    library's `diff`), which is why a provider databag holds a `data` key; reproduced here.
    """
    remote = dict(relation.data[relation.app]) if relation.app else {}
    old_raw = relation.data[app].get('data')
    try:
        old = json.loads(old_raw) if old_raw else {}
    except json.JSONDecodeError:
        old = {}
    d = diff(old, remote)
    if d.added or d.changed or d.deleted:
        store_new_data(relation, app, remote)
    return d, remote


def requested_secrets(remote: dict[str, str]) -> list[str]:
    try:
        value = json.loads(remote.get('requested-secrets', '[]'))
    except json.JSONDecodeError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def serving_status(served: int, waiting: dict[int, str]) -> ops.StatusBase:
    msg = f'serving {served} client(s)'
    if waiting:
        fields = sorted(set(waiting.values()))
        msg += f'; {len(waiting)} waiting for ' + ', '.join(f'"{f}"' for f in fields)
    return ops.ActiveStatus(msg)
