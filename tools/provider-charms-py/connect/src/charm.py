#!/usr/bin/env python3
"""Plays Charmed Kafka Connect on `connect_client` for the local model.

Charmed Kafka Connect's provider (`src/events/provider.py`, `src/events/connect.py`) on its
vendored data_interfaces v0 (LIBPATCH 40; the v1 package has no connect_client models), whose wire
v0_wire reproduces on dpcharmlibs-interfaces' secret repository:
- integration requested (`plugin-url` added to the requirer's databag): when the relation has no
  password yet, `secret-user` {username, password} and `endpoints`. Nothing about TLS;
- every reconcile (`update_clients_data`): only when the published endpoints differ from the
  current ones, endpoints + user + `tls` and `tls-ca` (the PEM, or "disabled") in secret-tls. So a
  relation integrated while REST already serves https gets NO secret-tls;
- relation-departed of a requirer unit: the leader deletes every connector of the relation
  (`.+?r<id>_[0-9a-f]{32}$`), even when other units of the requirer remain;
- relation-broken: the relation's secrets go, and so do its connectors.
The real charm makes a `relation-<id>` user per relation; the REST user here comes from config
(one pre-made user for every relation), and a changed config password is the rotation.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / 'lib'))

import ops  # noqa: E402

import v0_wire  # noqa: E402
from provider_common import ConfigProblem, configured_user, requested_secrets, requirer_diff, serving_status  # noqa: E402

logger = logging.getLogger(__name__)
ENDPOINT = 'connect-client'
PLUGIN_URL_NOT_REQUIRED = 'NOT-REQUIRED'


class ConnectProviderCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        for event in (
            self.on.config_changed,
            self.on.leader_elected,
            self.on.update_status,
            self.on.secret_changed,
            self.on[ENDPOINT].relation_created,
            self.on[ENDPOINT].relation_joined,
            self.on[ENDPOINT].relation_changed,
        ):
            framework.observe(event, self._reconcile)
        framework.observe(self.on[ENDPOINT].relation_departed, self._on_relation_departed)
        framework.observe(self.on[ENDPOINT].relation_broken, self._on_relation_broken)
        framework.observe(self.on.secret_remove, self._on_secret_remove)

    def _settings(self) -> tuple[list[str], str, str, str]:
        endpoints = [e.strip().rstrip('/') for e in str(self.config.get('endpoints', '')).split(',') if e.strip()]
        if not endpoints:
            raise ConfigProblem('set endpoints (http(s)://host:port,...)')
        schemes = {urllib.parse.urlsplit(e).scheme for e in endpoints}
        if not schemes <= {'http', 'https'} or len(schemes) != 1:
            raise ConfigProblem('endpoints must all be http:// or all https:// URLs')
        username, password = configured_user(self)
        ca = str(self.config.get('tls-ca', '')).strip()
        if 'https' in schemes and 'BEGIN CERTIFICATE' not in ca:
            raise ConfigProblem('the endpoints are https: set tls-ca to the PEM CA of the REST listener')
        return endpoints, username, password, ca if 'https' in schemes else ''

    def _reconcile(self, _event: ops.EventBase) -> None:
        try:
            endpoints, username, password, ca = self._settings()
        except ConfigProblem as e:
            self.unit.status = ops.BlockedStatus(str(e))
            return
        if not self.unit.is_leader():
            self.unit.status = ops.ActiveStatus()
            return
        rest = ','.join(endpoints)
        served, waiting = 0, {}
        for relation in self.model.relations[ENDPOINT]:
            if relation.app is None:
                continue
            diff, remote = requirer_diff(relation, self.app)
            requested = requested_secrets(remote)
            if not remote.get('plugin-url'):
                waiting[relation.id] = 'plugin-url'
                continue
            served += 1
            published = v0_wire.written(self, relation)
            if 'plugin-url' in diff.added and not published.get('password'):
                # _on_integration_requested: credentials and endpoints, nothing about TLS
                v0_wire.update_relation_data(self, relation, requested, {'username': username, 'password': password})
                v0_wire.update_relation_data(self, relation, requested, {'endpoints': rest})
                continue
            if published.get('password') and published.get('password') != password:
                # rotation of the REST user's password
                v0_wire.update_relation_data(self, relation, requested, {'username': username, 'password': password})
            # update_clients_data: everything, but only when the endpoints changed
            if set(published.get('endpoints', '').split(',')) == set(endpoints):
                continue
            v0_wire.update_relation_data(
                self,
                relation,
                requested,
                {
                    'endpoints': rest,
                    'username': username,
                    'password': password,
                    'tls': 'enabled' if ca else 'disabled',
                    'tls-ca': ca or 'disabled',
                },
            )
        self.unit.status = serving_status(served, waiting)

    # ---- connectors of a relation ---------------------------------------------------------
    def _delete_relation_connectors(self, relation_id: int) -> list[str]:
        endpoints, username, password, ca = self._settings()
        pattern = re.compile(rf'.+?r{relation_id}_[0-9a-f]{{32}}$')
        auth = 'Basic ' + base64.b64encode(f'{username}:{password}'.encode()).decode()
        context = ssl.create_default_context(cadata=ca) if ca else None
        failures = []
        for url in endpoints:
            try:
                with urllib.request.urlopen(urllib.request.Request(f'{url}/connectors', headers={'Authorization': auth}), timeout=10, context=context) as r:
                    names = json.load(r)
                doomed = [n for n in names if isinstance(n, str) and pattern.match(n)]
                for name in doomed:
                    req = urllib.request.Request(f'{url}/connectors/{urllib.parse.quote(name)}', method='DELETE', headers={'Authorization': auth})
                    try:
                        urllib.request.urlopen(req, timeout=10, context=context).close()
                    except urllib.error.HTTPError as e:
                        if e.code != 404:
                            raise
                return doomed
            except (urllib.error.URLError, OSError, ValueError) as e:
                failures.append(f'{url}: {type(e).__name__}')
        raise ConfigProblem(f'cannot reach Kafka Connect to delete the connectors of relation {relation_id}: {"; ".join(failures)}')

    def _on_relation_departed(self, event: ops.RelationDepartedEvent) -> None:
        departing = event.departing_unit
        if not self.unit.is_leader() or departing is None or departing.app == self.app:
            return
        try:
            deleted = self._delete_relation_connectors(event.relation.id)
            logger.info('relation %s: unit %s departed; deleted connectors %s', event.relation.id, departing.name, deleted)
        except ConfigProblem as e:
            logger.warning('%s; deferring', e)
            event.defer()

    def _on_relation_broken(self, event: ops.RelationBrokenEvent) -> None:
        if self.unit.is_leader():
            try:
                self._delete_relation_connectors(event.relation.id)
            except ConfigProblem as e:
                logger.warning('%s', e)
            v0_wire.remove_relation_secrets(self, event.relation)
        self._reconcile(event)

    def _on_secret_remove(self, event: ops.SecretRemoveEvent) -> None:
        event.remove_revision()


if __name__ == '__main__':
    ops.main(ConnectProviderCharm, use_juju_for_storage=True)
