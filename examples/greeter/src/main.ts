// Bundle entry: `tscharm pack --charm-dir examples/greeter --entry src/main.ts` embeds the parsed
// metadata/config/actions and precompiled validators, so a hook parses no YAML and compiles no schema.
import { main, parseCharmMeta } from '../../../lib/ops';
import { embeddedCharmMeta, embeddedValidators } from '../../../lib/tscharm/embedded';
import { GreeterCharm } from './charm';

const validators = embeddedValidators();
main(GreeterCharm, parseCharmMeta(embeddedCharmMeta()), validators ? { validators } : {});
