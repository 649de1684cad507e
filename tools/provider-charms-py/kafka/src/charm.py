#!/usr/bin/env python3
"""Plays Charmed Kafka on `kafka_client` for the local model, on Canonical's relation library.

kafka-version "4" (default): Charmed Kafka 4's provider code path: dpcharmlibs-interfaces (the
data_interfaces v1 library) `ResourceProviderEventHandler` with `KafkaRequestModel`, answering a v0
requirer in v1's v0-compatibility mode: plain `endpoints`, `topic`, `resource`, `salt`,
`version: v0` and `tls` ("enabled"/"disabled"), `secret-user` {username, password}, and
`secret-tls` holding only `tls-ca`, created once TLS is on. A response is written only when what
was written differs (the real charm's `needs_update`), as a v0 response gets a new random salt.

kafka-version "3": Charmed Kafka 3's v0 library (LIBPATCH 38, vendored by the real charm, not on
PyPI): its wire reproduced by v0_wire: plain `endpoints`, `topic`; `secret-user`; `secret-tls`
{tls, tls-ca} with tls-ca the same word as tls ("enabled"/"disabled", the real charm's known bug:
the CA never travels), present from the first response.

The cluster and its user are not run here: they come from config (e.g. tools/kafka stack.json).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / 'lib'))  # lib/: a link to the shared ../lib

import ops  # noqa: E402
from dpcharmlibs.interfaces import KafkaRequestModel, KafkaResponseModel, ResourceProviderEventHandler  # noqa: E402
from dpcharmlibs.interfaces.repository import OpsRelationRepository  # noqa: E402
from dpcharmlibs.interfaces.types import OptionalSecretStr, SecretGroup  # noqa: E402

import v0_wire  # noqa: E402
from provider_common import ConfigProblem, configured_user, requested_secrets, requirer_diff, serving_status  # noqa: E402

logger = logging.getLogger(__name__)
ENDPOINT = 'kafka-client'


class KafkaCompatibilityResponseModel(KafkaResponseModel):
    """Charmed Kafka 4's response to a v0 requirer: `tls` a plain "enabled"/"disabled" string."""

    tls: OptionalSecretStr = 'disabled'
    consumer_group_prefix: str | None = None


class KafkaProviderCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self.version = str(self.config.get('kafka-version', '4'))
        if self.version == '4':
            self.provider = ResourceProviderEventHandler(self, relation_name=ENDPOINT, request_model=KafkaRequestModel)
            framework.observe(self.provider.on.resource_requested, self._reconcile)
        for event in (
            self.on.config_changed,
            self.on.leader_elected,
            self.on.update_status,
            self.on.secret_changed,
            self.on[ENDPOINT].relation_created,
            self.on[ENDPOINT].relation_changed,
        ):
            framework.observe(event, self._reconcile)
        framework.observe(self.on[ENDPOINT].relation_broken, self._on_relation_broken)
        framework.observe(self.on.secret_remove, self._on_secret_remove)

    # ---- settings ----------------------------------------------------------------------------
    def _settings(self) -> tuple[str, str, str, str, str]:
        if self.version not in ('3', '4'):
            raise ConfigProblem(f'kafka-version must be "3" or "4", not "{self.version}"')
        servers = [s.strip() for s in str(self.config.get('bootstrap-servers', '')).split(',') if s.strip()]
        if not servers:
            raise ConfigProblem('set bootstrap-servers (host:port,...)')
        username, password = configured_user(self)
        tls = str(self.config.get('tls', 'disabled'))
        if tls not in ('enabled', 'disabled'):
            raise ConfigProblem(f'tls must be "enabled" or "disabled", not "{tls}"')
        ca = str(self.config.get('tls-ca', '')).strip()
        if self.version == '4' and tls == 'enabled' and 'BEGIN CERTIFICATE' not in ca:
            raise ConfigProblem('tls is enabled: set tls-ca to the PEM CA of the client listener')
        return ','.join(sorted(servers)), username, password, tls, ca if tls == 'enabled' else ''

    # ---- handlers ----------------------------------------------------------------------------
    def _reconcile(self, _event: ops.EventBase) -> None:
        try:
            settings = self._settings()
        except ConfigProblem as e:
            self.unit.status = ops.BlockedStatus(str(e))
            return
        if not self.unit.is_leader():
            self.unit.status = ops.ActiveStatus()
            return
        served, waiting = 0, {}
        for relation in self.model.relations[ENDPOINT]:
            if relation.app is None:
                continue
            topic = self._publish_v4(relation, settings) if self.version == '4' else self._publish_v3(relation, settings)
            if topic:
                served += 1
            else:
                waiting[relation.id] = 'topic'
        self.unit.status = serving_status(served, waiting)

    def _publish_v4(self, relation: ops.Relation, settings: tuple[str, str, str, str, str]) -> bool:
        endpoints, username, password, tls, ca = settings
        requests = self.provider.requests(relation)
        if not requests or not requests[0].resource:
            return False
        request = requests[0]
        state = v0_wire.written(self, relation)
        if (state.get('username'), state.get('password'), state.get('endpoints'), state.get('tls'), state.get('tls-ca', '')) == (
            username,
            password,
            endpoints,
            tls,
            ca,
        ):
            return True
        version = relation.data[relation.app].get('version', 'v0')
        # As Charmed Kafka 4 does (ProviderHandler.update_clients_data): the response carries the
        # URIs of the secrets it already published (found by label, id from secret-info-get).
        # Without them the library writes `secret-user`/`secret-tls` as None, which deletes them.
        repo = OpsRelationRepository(self.model, relation, self.app)
        secret_uris = {}
        for group in ('user', 'tls'):
            secret = repo.get_secret(SecretGroup(group), None, request.request_id)
            info = secret.get_info() if secret is not None else None
            secret_uris[f'secret_{group}'] = info.id if info is not None else None
        response = KafkaCompatibilityResponseModel(
            request_id=request.request_id,
            salt=request.salt,
            username=username,
            password=password,
            endpoints=endpoints,
            tls=tls if version == 'v0' else None,
            tls_ca=ca or None,
            resource=request.resource,
            version=version,
            **secret_uris,
        )
        self.provider.set_response(relation.id, response)
        return True

    def _publish_v3(self, relation: ops.Relation, settings: tuple[str, str, str, str, str]) -> bool:
        endpoints, username, password, tls, _ca = settings
        _diff, remote = requirer_diff(relation, self.app)
        topic = remote.get('topic', '')
        if not topic:
            return False
        # Charmed Kafka 3's update_client_data: tls-ca gets the tls word (its "TODO: fix tls-ca").
        data = {'endpoints': endpoints, 'topic': topic, 'username': username, 'password': password, 'tls': tls, 'tls-ca': tls}
        v0_wire.update_relation_data(self, relation, requested_secrets(remote), data)
        return True

    def _on_relation_broken(self, event: ops.RelationBrokenEvent) -> None:
        if self.unit.is_leader():
            v0_wire.remove_relation_secrets(self, event.relation)
        self._reconcile(event)

    def _on_secret_remove(self, event: ops.SecretRemoveEvent) -> None:
        # Every requirer moved past this revision: Juju asks the owner to drop it.
        event.remove_revision()


if __name__ == '__main__':
    ops.main(KafkaProviderCharm, use_juju_for_storage=True)
