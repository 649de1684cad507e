// Bundle entry: `tscharm pack --charm-dir examples/greeter --entry src/main.ts` embeds the parsed
// metadata/config/actions and precompiled validators, which main() uses.
import { main } from '../../../lib/ops';
import { GreeterCharm } from './charm';

main(GreeterCharm);
