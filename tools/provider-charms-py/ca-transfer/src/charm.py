#!/usr/bin/env python3
"""certificate_transfer v1 provider: the CA certificates of config, in every relation's app databag.

The v1 shape of Canonical's `certificate_transfer_interface` library: the provider app databag
holds `certificates` (a JSON list of PEM strings) and `version` (1), each value JSON-encoded.
"""

from __future__ import annotations

import json
import re

import ops

ENDPOINT = 'send-ca-cert'
PEM = re.compile(r'-----BEGIN CERTIFICATE-----\r?\n.*?-----END CERTIFICATE-----', re.S)


class CaTransferCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        for event in (self.on.config_changed, self.on.leader_elected, self.on[ENDPOINT].relation_joined, self.on[ENDPOINT].relation_changed):
            framework.observe(event, self._publish)

    def _publish(self, _event: ops.EventBase) -> None:
        certificates = sorted(set(PEM.findall(str(self.config.get('certificates', '')))))
        if not certificates:
            self.unit.status = ops.BlockedStatus('set certificates (PEM CA certificates to send)')
            return
        if self.unit.is_leader():
            for relation in self.model.relations[ENDPOINT]:
                bag = relation.data[self.app]
                bag['certificates'] = json.dumps(certificates)
                bag['version'] = json.dumps(1)
        self.unit.status = ops.ActiveStatus(f'sending {len(certificates)} certificate(s)')


if __name__ == '__main__':
    ops.main(CaTransferCharm, use_juju_for_storage=True)
