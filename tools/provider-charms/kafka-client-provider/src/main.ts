/** Bundle entry (tscharm build): run one dispatch with the metadata embedded at build time. */
import { main, parseCharmMeta } from '../../../../lib/ops';
import { embeddedCharmMeta, embeddedValidators } from '../../../../lib/tscharm/embedded';
import { KafkaClientProviderCharm } from './charm';

const validators = embeddedValidators();
main(KafkaClientProviderCharm, parseCharmMeta(embeddedCharmMeta()), validators ? { validators } : {});
