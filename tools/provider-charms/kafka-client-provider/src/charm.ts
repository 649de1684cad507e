/**
 * kafka-client-provider: plays Charmed Kafka on `kafka_client` (data_interfaces v0; what the real
 * charm publishes is in docs/real-providers.md).
 *
 * Every hook converges: for each relation whose requirer has asked for a `topic` (providers wait
 * for the resource field), the leader publishes `endpoints`, `topic`, `username`/`password`
 * (group `user`) and `tls`/`tls-ca` (group `tls`), each requested field in the group's Juju
 * secret (label `kafka-client.<id>.<group>.secret`, granted to the relation, URI in
 * `secret-<group>`), the others in its app databag. A config change (e.g. a rotated password)
 * becomes a new secret revision, so requirers get secret-changed. relation-broken removes the
 * relation's secrets, as Kafka removes the relation's user.
 */
import type { ConfigData, Framework, Relation } from '../../../../lib/ops';
import { publishKafkaClient } from '../../../../lib/interfaces/providers';
import type { Credentials, Parsed } from '../../common/provider';
import { ProviderCharm } from '../../common/provider-charm';
import { parseKafkaSettings, type KafkaSettings } from './settings';

export const KAFKA_CLIENT = 'kafka-client';

export class KafkaClientProviderCharm extends ProviderCharm<KafkaSettings> {
  constructor(framework: Framework) {
    super(framework, KAFKA_CLIENT, 'topic');
  }

  protected parseSettings(config: ConfigData, credentials: Parsed<Credentials>): Parsed<KafkaSettings> {
    return parseKafkaSettings(config, credentials);
  }

  protected publish(relation: Relation, topic: string, s: KafkaSettings): void {
    publishKafkaClient(this.model, relation, {
      endpoints: s.bootstrapServers,
      username: s.credentials.username,
      password: s.credentials.password,
      tls: s.tls,
      ...(s.tlsCa !== undefined ? { tlsCa: s.tlsCa } : {}),
      topic,
    });
  }
}
