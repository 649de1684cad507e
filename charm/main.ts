// Bundle entry: `tscharm pack` embeds the parsed metadata/config/actions and precompiled
// validators, so a hook parses no YAML and compiles no schema.
import { main, parseCharmMeta } from '../lib/ops';
import { embeddedCharmMeta, embeddedValidators } from '../lib/tscharm/embedded';
import { MirrorMakerCharm } from './charm';

const validators = embeddedValidators();
main(MirrorMakerCharm, parseCharmMeta(embeddedCharmMeta()), validators ? { validators } : {});
