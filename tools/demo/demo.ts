// `npm start`: MirrorMaker 2 replicating between two real Kafka clusters under the integrator charm,
// in one command. Packs the charm (with its own Node runtime), starts the real stack (two SCRAM
// KRaft clusters + one Kafka Connect worker from Maven Central jars), deploys and integrates in a
// local Juju model, produces records and shows them arriving, prints `juju status` and the result
// of the `status` action, then stops everything (also on Ctrl-C).
//   npm start -- [--records N] [--stay]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { formatStatus } from '../../lib/localmodel/status';
import { createTopic, endpointOf, produceMessages, retainedRecords } from '../stack/kafka-traffic';
import { runStackScript, startStack, stopStack, terminateStackScripts, type StackInfo } from '../stack/real-stack';
import {
  APP,
  CONNECT_APP,
  FAST_INTERVALS,
  MirrorWorld,
  REPO_ROOT,
  SOURCE_APP,
  TARGET_APP,
  UNIT,
  buildProviderCharms,
  packCharm,
  sleep,
  stackProfile,
} from '../stack/mirror-world';

const args = process.argv.slice(2);
const STAY = args.includes('--stay');
const RECORDS = Number(args[args.indexOf('--records') + 1] ?? 0) || 1000;
const TOPIC = 'demo-orders';
const tty = process.stdout.isTTY;
const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
const green = (s: string) => (tty ? `\x1b[32m${s}\x1b[0m` : s);
// Once the reader of our output is gone (`npm start | head`, a closed terminal), stop printing.
let outputClosed = false;
const say = (s = '') => {
  if (!outputClosed) process.stdout.write(`${s}\n`);
};
const step = (n: number, s: string) => say(`\n${bold(`[${n}/6] ${s}`)}`);
const juju = (s: string) => say(`  ${dim('$')} ${s}`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

let world: MirrorWorld | undefined;
let ownStack = false;
let stopping: Promise<void> | undefined;
/** The demo's own stack: the default ports, shifted by STACK_PORT_OFFSET when that is set. */
const STACK = stackProfile('default');

/** Thrown by the steps once a stop was asked for: the demo winds down, it did not fail. */
class Stopped extends Error {}
function checkStopping(): void {
  if (stopping) throw new Stopped('stopping');
}

/** Close the model, stop the stack if this demo started it. Idempotent. */
function shutdown(reason: string): Promise<void> {
  stopping ??= (async () => {
    say(`\n${bold('stopping')} (${reason}) …`);
    // a stack.sh up still running stops the JVMs it started when TERMinated
    terminateStackScripts();
    try {
      if (world && !ownStack) {
        // someone else's stack: take our connectors off it
        await world.removeRelation('connect-client').catch(() => undefined);
      }
      await world?.close();
    } catch (e) {
      say(`  closing the local model: ${(e as Error).message}`);
    }
    if (ownStack) {
      await stopStack({ ...STACK, log: (l) => say(dim(`  ${l}`)) }).catch((e: Error) => say(`  stack.sh down failed: ${e.message}`));
      say('  Kafka, Kafka Connect and the local model are stopped; data wiped (logs kept under tools/kafka/run-*/).');
    } else {
      say('  the Kafka stack was already running before the demo: left up (tools/kafka/stack.sh down stops it).');
    }
  })();
  return stopping;
}

const SIGNAL_EXIT = { SIGINT: 130, SIGHUP: 129, SIGTERM: 143 } as const;
let exitCode: number | undefined;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  // Ctrl-C reaches every process of the terminal's group, and npm and run-ts.js forward it again:
  // the first signal decides the exit code, later ones join the same shutdown.
  process.on(sig, () => {
    exitCode ??= SIGNAL_EXIT[sig];
    void shutdown(sig).then(() => process.exit(exitCode));
  });
}
// A closed stdout (EPIPE) would otherwise kill the process before it stops the JVMs it started.
process.stdout.on('error', () => {
  outputClosed = true;
  exitCode ??= 1;
  void shutdown('output closed').then(() => process.exit(exitCode));
});

async function liveCounts(stack: StackInfo, topic: string, remote: string, expected: number, timeoutMs: number): Promise<number> {
  const src = endpointOf(stack.kafkaA);
  const tgt = endpointOf(stack.kafkaB);
  const t0 = Date.now();
  let last = -1;
  for (;;) {
    const [a, b] = await Promise.all([retainedRecords(src, topic).catch(() => 0), retainedRecords(tgt, remote).catch(() => 0)]);
    if (stopping) return Date.now() - t0;
    const line = `  ${secs(Date.now() - t0).padStart(7)}  kafka-a ${topic}: ${String(a).padStart(6)}   →   kafka-b ${remote}: ${String(b).padStart(6)}`;
    if (tty) process.stdout.write(`\r${line}`);
    else if (b !== last) say(line);
    last = b;
    if (b >= expected) {
      if (tty) process.stdout.write('\n');
      return Date.now() - t0;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`only ${b} of ${expected} records on kafka-b after ${secs(timeoutMs)}`);
    await sleep(700);
  }
}

async function main(): Promise<void> {
  const t0 = Date.now();
  say(bold('MirrorMaker 2 under the Juju integrator charm — on real Kafka, on this machine'));
  say(dim('kafka-a (source) ──MirrorSourceConnector on Kafka Connect──▶ kafka-b (target); the charm writes the connectors.'));

  step(1, 'build and pack the charm (tscharm pack: bundle + its own Node.js runtime)');
  const packed = await packCharm(path.join(REPO_ROOT, 'build', 'demo'));
  say(`  packed ${path.relative(process.cwd(), packed.charmFile)} (${(packed.charmBytes / 1048576).toFixed(1)} MiB) in ${secs(packed.ms)}`);
  buildProviderCharms();
  say("  provider charms ready: Python ops on Canonical's dpcharmlibs-interfaces (tools/provider-charms-py, pinned venv by setup.sh)");

  step(2, 'start the real stack: 2 Kafka clusters (KRaft, SASL/SCRAM-SHA-512) + Kafka Connect (REST basic auth)');
  const status = await runStackScript(['status'], STACK).then(
    () => true,
    () => false,
  );
  ownStack = !status;
  const libs = fs.readdirSync(path.join(REPO_ROOT, 'tools', 'kafka')).some((d) => /^libs-/.test(d));
  if (!libs) say('  first run: Maven downloads the Kafka jars from Maven Central (~54 MiB, ~10 s on a good link)');
  const st0 = Date.now();
  checkStopping();
  const stack = await startStack({ ...STACK, log: (l) => say(dim(`  ${l}`)) });
  checkStopping();
  say(`  ${green('up')} in ${secs(Date.now() - st0)}${ownStack ? '' : ' (it was already running)'}: Kafka ${stack.kafkaVersion}`);
  say(`    kafka-a (source)  ${stack.kafkaA.bootstrapServers}  SASL_PLAINTEXT SCRAM-SHA-512, user mm2`);
  say(`    kafka-b (target)  ${stack.kafkaB.bootstrapServers}  SASL_PLAINTEXT SCRAM-SHA-512, user mm2`);
  say(`    Kafka Connect     ${stack.connect.url}  basic auth, backed by kafka-b`);

  step(3, 'deploy in a local Juju model (lib/localmodel runs each hook as a real dispatch process)');
  juju(`juju deploy ./tools/provider-charms-py/kafka ${SOURCE_APP} --config bootstrap-servers=${stack.kafkaA.bootstrapServers} …`);
  juju(`juju deploy ./tools/provider-charms-py/kafka ${TARGET_APP} --config bootstrap-servers=${stack.kafkaB.bootstrapServers} …`);
  juju(`juju deploy ./tools/provider-charms-py/connect ${CONNECT_APP} --config endpoints=${stack.connect.url} …`);
  juju(`juju deploy ./${path.basename(packed.charmFile)} ${APP} --config refresh_topics_interval_seconds=2 …`);
  world = await MirrorWorld.create({ charmFile: packed.charmFile, stack, config: { ...FAST_INTERVALS, topics: 'demo-.*' } });
  checkStopping();
  say(`  ${UNIT}: ${world.status().status} — ${world.status().message}`);

  const src = endpointOf(stack.kafkaA);
  await createTopic(src, TOPIC, { partitions: 3 });
  say(`  created topic ${TOPIC} (3 partitions) on kafka-a`);

  step(4, 'integrate (the credentials travel as Juju secrets, as with Charmed Kafka)');
  juju(`juju integrate ${APP}:source ${SOURCE_APP}`);
  await world.integrate('source');
  juju(`juju integrate ${APP}:target ${TARGET_APP}`);
  await world.integrate('target');
  juju(`juju integrate ${APP}:connect-client ${CONNECT_APP}`);
  const ti = Date.now();
  await world.integrate('connect-client');
  checkStopping();
  const active = await world.waitForActive(90_000);
  say(`  ${UNIT}: ${green(active.status)} — ${active.message}  (${secs(Date.now() - ti)} after the last integrate)`);
  for (const n of await world.ourConnectors()) say(dim(`    connector ${n}`));

  step(5, `produce ${RECORDS} records to ${TOPIC} on kafka-a and watch them arrive on kafka-b`);
  const waves = 5;
  const per = Math.ceil(RECORDS / waves);
  const producing = (async () => {
    for (let w = 0; w < waves && !stopping; w++) {
      await produceMessages(src, TOPIC, Math.min(per, RECORDS - w * per), { prefix: `order-w${w}` });
      await sleep(800);
    }
  })();
  const took = await liveCounts(stack, TOPIC, TOPIC, RECORDS, 120_000);
  await producing;
  checkStopping();
  say(`  ${green(`all ${RECORDS} records mirrored`)} in ${secs(took)} (same topic name: IdentityReplicationPolicy, prefix_topics=false)`);
  say('');
  juju('juju status');
  await world.lm.updateStatus();
  say(formatStatus(world.lm).replace(/^/gm, '  '));

  step(6, 'run the status action');
  juju(`juju run ${UNIT} status`);
  checkStopping();
  const out = await world.action('status');
  say(stringify({ [UNIT]: { status: out.status, results: out.results } }).replace(/^/gm, '  '));

  if (STAY) {
    say(bold(`\nstill mirroring; producing 50 records every 2 s. Ctrl-C stops everything.`));
    let total = RECORDS;
    while (!stopping) {
      await produceMessages(src, TOPIC, 50, { prefix: `live-${total}` });
      total += 50;
      await liveCounts(stack, TOPIC, TOPIC, total, 60_000);
      await sleep(2_000);
    }
    checkStopping();
  }
  say(`\ndone in ${secs(Date.now() - t0)}. Run with --stay to keep it running; tests: npm run test:e2e.`);
}

main().then(
  () => (stopping ?? shutdown('finished')).then(() => process.exit(exitCode ?? 0)),
  (e: Error) => {
    // Once stopping, a step cut short (a hook, a Kafka request, the stack's up) is the stop itself.
    if (!stopping && !(e instanceof Stopped)) {
      exitCode ??= 1;
      say(`\n${bold('demo failed:')} ${e.message}`);
    }
    void shutdown('error').then(() => process.exit(exitCode ?? 1));
  },
);
