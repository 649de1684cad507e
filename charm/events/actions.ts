// The actions: pause, resume, status, restart. Leader only (the leader alone talks to Connect);
// on another unit they fail and say where to run them. Results never carry secrets: every text
// from Connect is redacted by the client and charm/core, and lib/ops refuses a result holding a
// known secret value.
import type { ActionEvent, Model } from '../../lib/ops';
import {
  planManualRestart,
  planStateChange,
  healthActionResult,
  statusActionResult,
  type GroupOffsetsView,
  type ActionResult,
  type ActionResultValue,
  type DesiredConnector,
  type ObservedConnectors,
} from '../core';
import { ConnectApiError } from '../managers/connect-errors';
import type { ConnectSession } from './connect-session';
import type { HealthCheck, HealthReport } from './health-check';
import type { Reconciler } from './reconciler';

class ActionFailed extends Error {}

export class MirrorActions {
  constructor(
    private readonly model: Model,
    private readonly reconciler: Reconciler,
    private readonly health?: HealthCheck,
  ) {}

  private requireLeader(event: ActionEvent): boolean {
    if (this.model.unit.isLeader()) return true;
    event.fail(
      `${this.model.unit.name} is not the leader; only the leader talks to Kafka Connect. ` +
        `Run: juju run ${this.model.app.name}/leader ${event.name}`,
    );
    return false;
  }

  /** Runs `body` with a Connect session; relation or Connect problems fail the action with a clear message. */
  private async withConnect(
    event: ActionEvent,
    body: (session: ConnectSession, actual: ObservedConnectors, owned: RegExp) => Promise<void>,
  ): Promise<void> {
    const inputs = this.reconciler.inputs();
    const view = this.reconciler.connectView();
    const connect = inputs.relations['connect-client'];
    if (view === undefined || inputs.ownedPattern === undefined) {
      const why =
        connect.state === 'missing'
          ? 'there is no connect-client relation; relate this application to Kafka Connect first'
          : connect.state === 'incomplete'
            ? `Kafka Connect has not sent ${connect.missingFields.join(', ')} yet; try again shortly`
            : connect.state === 'invalid'
              ? connect.errors[0].message
              : 'the connect-client relation is not usable';
      event.fail(`cannot run ${event.name}: ${why}`);
      return;
    }
    const session = this.reconciler.openSession(view);
    try {
      let actual: ObservedConnectors;
      try {
        actual = await session.observe();
      } catch (e) {
        if (e instanceof ConnectApiError) throw new ActionFailed(`cannot read Kafka Connect: ${e.message}`);
        throw e;
      }
      await body(session, actual, inputs.ownedPattern);
      // Show the effect in the status of this dispatch too.
      this.reconciler.observation = { connect: { kind: 'observed', actual: await session.observe().catch(() => actual) } };
    } catch (e) {
      if (e instanceof ActionFailed) event.fail(e.message);
      else throw e;
    } finally {
      session.close();
    }
  }

  private async setPaused(event: ActionEvent, paused: boolean): Promise<void> {
    if (!this.requireLeader(event)) return;
    // The intent is recorded first: reconcile keeps it on every later hook, even if Connect is
    // unreachable right now.
    this.reconciler.peer.paused = paused;
    await this.withConnect(event, async (session, actual, owned) => {
      // All of this charm's connectors on Connect, whatever the config says now.
      const ours: DesiredConnector[] = Object.keys(actual)
        .filter((name) => owned.test(name))
        .sort()
        .map((name) => ({ name, kind: kindOf(name), config: actual[name].info?.config ?? {} }));
      const actions = planStateChange({ desired: ours, actual, ownedPattern: owned, paused });
      const outcomes = await session.applyAll(actions);
      const failed = outcomes.filter((o) => o.error);
      const done = outcomes.filter((o) => !o.error).map((o) => o.action.name);
      if (failed.length > 0) {
        throw new ActionFailed(
          `${paused ? 'pause' : 'resume'} recorded, but Kafka Connect did not take it for ${failed.map((o) => o.action.name).join(', ')}: ` +
            `${failed[0].error?.message}; the charm retries on every hook`,
        );
      }
      event.setResults({
        paused: String(paused),
        changed: done.length > 0 ? done.join(',') : 'none',
        connectors: ours.length > 0 ? ours.map((c) => c.name).join(',') : 'none',
        message: paused
          ? `mirroring paused (${done.length} connector(s) changed); it stays paused until the resume action`
          : `mirroring resumed (${done.length} connector(s) changed)`,
      });
    });
  }

  readonly onPause = async (event: ActionEvent): Promise<void> => this.setPaused(event, true);
  readonly onResume = async (event: ActionEvent): Promise<void> => this.setPaused(event, false);

  readonly onRestart = async (event: ActionEvent<{ all?: boolean }>): Promise<void> => {
    if (!this.requireLeader(event)) return;
    const all = event.params.all === true;
    await this.withConnect(event, async (session, actual, owned) => {
      const actions = planManualRestart({ actual, ownedPattern: owned, all });
      const outcomes = await session.applyAll(actions);
      const failed = outcomes.filter((o) => o.error);
      if (failed.length > 0) {
        throw new ActionFailed(`could not restart ${failed.map((o) => o.action.name).join(', ')}: ${failed[0].error?.message}`);
      }
      const names = outcomes.map((o) => o.action.name);
      event.setResults({
        restarted: names.length > 0 ? names.join(',') : 'none',
        count: String(names.length),
        scope: all ? 'all connectors and tasks' : 'failed connectors and tasks only',
        message:
          names.length > 0
            ? `restarted ${names.length} connector(s)`
            : all
              ? 'this charm has no connectors on Kafka Connect'
              : 'nothing is FAILED; use all=true to restart everything',
      });
    });
  };

  readonly onStatus = async (event: ActionEvent): Promise<void> => {
    if (!this.requireLeader(event)) return;
    const inputs = this.reconciler.inputs();
    const view = this.reconciler.connectView();
    let actual: ObservedConnectors | undefined;
    let mirroredTopics: string[] | undefined;
    let topicsNote: string | undefined;
    if (view !== undefined) {
      const session = this.reconciler.openSession(view);
      try {
        actual = await session.observe();
        this.reconciler.observation = { connect: { kind: 'observed', actual } };
        const source = (inputs.desired ?? []).find((d) => d.kind === 'source');
        if (source && actual[source.name]) {
          const topics = await session.client.connectorTopics(source.name);
          if (topics.tracking === 'enabled') mirroredTopics = topics.topics;
          else topicsNote = `unknown: ${topics.message}`;
        }
      } catch (e) {
        if (!(e instanceof ConnectApiError)) throw e;
        this.reconciler.observation = { connect: { kind: 'unreachable', reason: e.message } };
        topicsNote = undefined;
      } finally {
        session.close();
      }
    } else {
      this.reconciler.observation = { connect: { kind: 'not-queried' } };
    }
    // Replication health (per-partition lag, heartbeat age, group offsets) when the connectors run as intended.
    let report: HealthReport | undefined;
    if (this.health && this.health.shouldMeasure()) report = await this.health.measure({ groups: true });
    else if (this.health && this.health.shouldProbeClients()) await this.health.probeClients();
    const base = this.reconciler.status() ?? { name: 'waiting', message: 'no status yet' };
    const summary = this.health ? this.health.combine(base) : base;
    const result = statusActionResult({
      summary,
      desired: inputs.desired ?? [],
      actual,
      flow: inputs.flow,
      intent: { paused: this.reconciler.peer.paused },
      ...(mirroredTopics !== undefined ? { mirroredTopics } : {}),
      restartBackoff: this.reconciler.peer.restartBackoff,
      knownSecrets: inputs.knownSecrets,
    });
    if (topicsNote !== undefined) result['mirrored-topics'] = { count: 'unknown', note: topicsNote };
    if (report) {
      const groups: GroupOffsetsView[] | undefined = report.groups
        ? [...report.groups].map(([group, g]) => ({
            group,
            state: g.state,
            members: g.members,
            partitions: [...g.source].map(([key, source]) => {
              const i = key.lastIndexOf(':');
              const topic = key.slice(0, i);
              const remote = report!.sample.partitions.find((p) => p.topic === topic)?.remoteTopic ?? topic;
              return { topic, partition: Number(key.slice(i + 1)), remoteTopic: remote, source, target: g.target.get(key) };
            }),
          }))
        : undefined;
      result.replication = healthActionResult(report.sample, report.assessment.status, groups, report.groupsError, inputs.knownSecrets);
    } else {
      result.replication = { note: 'not measured: the connectors are not RUNNING as intended (see summary)' };
    }
    event.setResults(result);
  };

  readonly onFailover = async (event: ActionEvent<{ 'dry-run'?: boolean }>): Promise<void> => {
    if (!this.requireLeader(event)) return;
    const dryRun = event.params['dry-run'] !== false;
    if (!this.health) {
      event.fail('cannot run failover: the replication health check is not available');
      return;
    }
    await this.withConnect(event, async (session, actual, owned) => {
      this.reconciler.observation = { connect: { kind: 'observed', actual } };
      const report = await this.health!.measure({ groups: true });
      if (report === undefined)
        throw new ActionFailed('cannot run failover: the source, target and connect-client relations must all be ready');
      const { sample } = report;
      const problems: string[] = [];
      for (const f of sample.failures) problems.push(`cannot measure ${f.cluster} (${f.alias}): ${f.message}`);
      if (!sample.offsetsApi) problems.push('Kafka Connect has no offsets API (Kafka < 3.5): the lag cannot be checked');
      const left = sample.partitions.filter((p) => p.lag === undefined || p.lag > 0);
      for (const p of left)
        problems.push(
          `${p.topic}[${p.partition}]: lag ${p.lag ?? 'unknown'} (source end ${p.sourceEnd ?? '?'}, replicated ${p.replicated ?? '?'})`,
        );
      const groups = report.groups ?? new Map();
      if (report.groupsError) problems.push(`consumer groups: ${report.groupsError}`);
      const perGroup: { [key: string]: ActionResultValue } = {};
      [...groups].forEach(([group, g], i) => {
        const offsets: { [key: string]: ActionResultValue } = {};
        let j = 0;
        for (const [key, src] of g.source) {
          const tgt = g.target.get(key);
          const cut = key.lastIndexOf(':');
          const topic = key.slice(0, cut);
          const remote = sample.partitions.find((p) => p.topic === topic)?.remoteTopic ?? topic;
          offsets[`offset-${j++}`] = {
            topic: remote,
            partition: key.slice(cut + 1),
            'source-committed': String(src),
            'target-translated': tgt === undefined ? 'none' : String(tgt),
            // MirrorMaker translates to the newest offset sync at or before the group's position:
            // consumers re-read this many records after failing over, never skip any.
            're-read': tgt === undefined ? 'unknown' : String(Math.max(0, src - tgt)),
          };
          if (tgt === undefined)
            problems.push(`group ${group} ${key}: no translated offset on the target yet (wait one emit_checkpoints_interval_seconds)`);
          else if (tgt > src)
            problems.push(
              `group ${group} ${key}: translated ${tgt} is ahead of committed ${src} (the group moved on the source; wait one checkpoint interval)`,
            );
        }
        if (g.members > 0)
          problems.push(
            `group ${group} has ${g.members} active member(s) on the target: stop them first (MirrorMaker only writes offsets of empty groups)`,
          );
        perGroup[`group-${i}`] = { name: group, 'target-state': g.state, offsets };
      });
      const ready = problems.length === 0;
      const result: ActionResult = {
        'dry-run': String(dryRun),
        ready: String(ready),
        'total-lag': String(sample.partitions.reduce((n, p) => n + (p.lag ?? 0), 0)),
        'consumer-groups':
          Object.keys(perGroup).length > 0 ? perGroup : { note: 'no consumer group has offsets on the partitions in scope' },
      };
      if (!ready) result.problems = Object.fromEntries(problems.slice(0, 20).map((p, i) => [`problem-${i}`, p]));
      if (dryRun || !ready) {
        result.message = ready
          ? 'ready to fail over: run again with dry-run=false to stop mirroring, then start the consumers on the target'
          : `not ready to fail over (${problems.length} problem(s))${dryRun ? '' : '; nothing was changed'}`;
        event.setResults(result);
        return;
      }
      this.reconciler.peer.paused = true;
      const ours = Object.keys(actual)
        .filter((n) => owned.test(n))
        .sort();
      const stopped: string[] = [];
      for (const name of ours) {
        try {
          await session.client.stopConnector(name);
          stopped.push(name);
        } catch (e) {
          if (!(e instanceof ConnectApiError)) throw e;
          throw new ActionFailed(
            `failover: could not stop ${name}: ${e.message}; mirroring is recorded as paused and the charm keeps it paused`,
          );
        }
      }
      result.stopped = stopped.join(',') || 'none';
      result.message =
        'mirroring stopped with its offsets kept; start the consumers on the target: they resume at the translated offsets above. Run resume to mirror again.';
      event.setResults(result);
    });
  };
}

function kindOf(name: string): DesiredConnector['kind'] {
  const m = /^mirror_(source|checkpoint|heartbeat)_/.exec(name);
  return (m ? m[1] : 'source') as DesiredConnector['kind'];
}
