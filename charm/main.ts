// Bundle entry: `tscharm pack` embeds the parsed metadata/config/actions and precompiled
// validators, which main() uses, so a hook parses no YAML and compiles no schema.
import { main } from '../lib/ops';
import { MirrorMakerCharm } from './charm';

main(MirrorMakerCharm);
