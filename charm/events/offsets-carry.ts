// Source offsets survive re-creation. Connect keys source offsets by connector name, and this
// charm's names carry the connect-client relation id: a new relation gives new connectors with no
// offsets, and MirrorSourceConnector would copy the whole retained history again. So the leader
// keeps the name of the source connector and its last committed offsets in peer app data (from
// every health check, and read once more right before it deletes a source connector), and creates
// a NEW source connector STOPPED (KIP-980, Kafka ≥ 3.7), writes the offsets (KIP-875 PATCH, ≥ 3.6),
// then resumes it.
// Connect keeps a deleted connector's offsets in its offsets topic (a connector created again
// under that name resumes from them), and a deleted source connector's tasks commit as they stop.
// So before the successor is created, the predecessor's name is created again, STOPPED (no task
// runs), to read what it last committed, and deleted again: this covers a predecessor that someone
// else deleted (Charmed Kafka Connect deletes a departing relation's connectors in its own hook,
// which can run before ours), where the kept offsets can be one update-status interval old.
// Where Connect lacks those APIs it says so in the log and falls back to a plain create (the
// source connector then starts from the earliest offsets: records already mirrored are copied again).
import type { Logger } from '../../lib/ops';
import type { ReconcileAction } from '../core';
import { ConnectApiError } from '../managers/connect-errors';
import type { ConnectorOffset } from '../managers/connect-types';
import type { ActionOutcome, ConnectSession } from './connect-session';
import type { PeerState } from './peer-state';
import { runtime } from './runtime';

const SOURCE_CLASS = 'org.apache.kafka.connect.mirror.MirrorSourceConnector';
/** How long a teardown waits for a stopped source connector's tasks to finish (and commit). */
const STOP_WAIT_MS = 5_000;

export interface CarriedOffsets {
  /** Source cluster alias the offsets belong to (their partition maps name it too). */
  flow: string;
  /** The source connector that committed them (absent in data written by older charm revisions). */
  connector?: string;
  offsets: ConnectorOffset[];
}

export function parseCarried(raw: string | undefined): CarriedOffsets | undefined {
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<CarriedOffsets>;
    if (typeof v.flow !== 'string' || !Array.isArray(v.offsets)) return undefined;
    const offsets = v.offsets.filter(
      (o): o is ConnectorOffset =>
        typeof o === 'object' && o !== null && typeof o.partition === 'object' && o.partition !== null && typeof o.offset === 'object',
    );
    return { flow: v.flow, ...(typeof v.connector === 'string' ? { connector: v.connector } : {}), offsets };
  } catch {
    return undefined;
  }
}

/** Only the partitions of this source cluster (MirrorSourceConnector's `cluster` key). */
function forSource(offsets: readonly ConnectorOffset[], sourceAlias: string): ConnectorOffset[] {
  return offsets.filter((o) => o.partition['cluster'] === sourceAlias && o.offset !== null);
}

/** A partition map as a key independent of its key order. */
function partitionKey(p: Record<string, unknown>): string {
  return JSON.stringify(
    Object.keys(p)
      .sort()
      .map((k) => [k, p[k]]),
  );
}

function positionOf(o: ConnectorOffset): number | undefined {
  const off = o.offset?.['offset'];
  return typeof off === 'number' ? off : undefined;
}

/** Per partition, the further of the two positions. */
function furthest(a: readonly ConnectorOffset[], b: readonly ConnectorOffset[]): ConnectorOffset[] {
  const out = new Map<string, ConnectorOffset>();
  for (const o of [...a, ...b]) {
    const k = partitionKey(o.partition);
    const have = out.get(k);
    if (have === undefined || (positionOf(o) ?? -1) > (positionOf(have) ?? -1)) out.set(k, o);
  }
  return [...out.values()];
}

/** What a carried record says about `connector` (the health check and the teardown write it). */
export function carriedRecord(sourceAlias: string, connector: string, offsets: readonly ConnectorOffset[]): string {
  return JSON.stringify({ flow: sourceAlias, connector, offsets: [...offsets] } satisfies CarriedOffsets);
}

export class OffsetsCarry {
  /** What the last creation did, for the status action and the log. */
  lastOutcome: string | undefined;

  constructor(
    private readonly peer: PeerState,
    private readonly logger: Logger,
  ) {}

  /** Remembers the committed offsets of `sourceConnector` (e.g. right before it is deleted). */
  async snapshot(session: ConnectSession, sourceConnector: string, sourceAlias: string): Promise<void> {
    try {
      const r = await session.client.connectorOffsets(sourceConnector);
      if (!r.supported) {
        this.logger.warning(
          `${r.message}: the source offsets cannot be kept; a re-created source connector will copy the retained history again`,
        );
        return;
      }
      const offsets = r.offsets.filter((o) => o.partition['cluster'] === sourceAlias);
      if (offsets.length > 0) this.peer.sourceOffsetsRaw = carriedRecord(sourceAlias, sourceConnector, offsets);
    } catch (e) {
      if (!(e instanceof ConnectApiError)) throw e;
      this.logger.warning(
        `could not read the offsets of ${sourceConnector} before it goes (${e.message}); the last ones kept by the health check are used`,
      );
    }
  }

  /**
   * Reconciler.beforeDeleteHook: a source connector about to be deleted (its connect-client
   * relation going, the source or target removed) leaves its committed offsets for its successor.
   */
  readonly beforeDelete = async (session: ConnectSession, name: string, config: Readonly<Record<string, string>>): Promise<void> => {
    if (config['connector.class'] !== SOURCE_CLASS) return;
    const alias = config['source.cluster.alias'];
    if (alias === undefined) return;
    await this.stopFirst(session, name);
    await this.snapshot(session, name, alias);
  };

  /**
   * Stops the connector (KIP-875) and waits, bounded, until Connect reports it STOPPED with no
   * task left. A task that stops commits its offsets, so the snapshot then holds every record
   * already mirrored: the successor re-copies nothing, where reading the offsets of a running
   * connector misses up to one offset-flush interval (measured on the real stack: 100–300 of 500
   * records written twice after a re-added connect-client relation).
   */
  private async stopFirst(session: ConnectSession, name: string): Promise<void> {
    try {
      await session.client.stopConnector(name);
      const deadline = runtime.now() + STOP_WAIT_MS;
      for (;;) {
        const status = (await session.client.listConnectors()).get(name)?.status;
        if (status === undefined || (status.connector.state === 'STOPPED' && status.tasks.length === 0)) return;
        if (runtime.now() >= deadline) {
          this.logger.warning(`${name} did not report STOPPED within ${STOP_WAIT_MS / 1000} s; its last committed offsets are kept`);
          return;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    } catch (e) {
      if (!(e instanceof ConnectApiError)) throw e;
      this.logger.warning(`could not stop ${name} before deleting it (${e.message}); its last committed offsets are kept`);
    }
  }

  /** Reconciler.createHook: creation of a source connector with carried-over offsets. */
  readonly create = async (
    session: ConnectSession,
    action: Extract<ReconcileAction, { kind: 'put' }>,
  ): Promise<ActionOutcome | undefined> => {
    if (action.config['connector.class'] !== SOURCE_CLASS) return undefined;
    const alias = action.config['source.cluster.alias'] ?? '';
    const carried = parseCarried(this.peer.sourceOffsetsRaw);
    let offsets = carried ? forSource(carried.offsets, alias) : [];
    if (carried?.connector !== undefined && carried.connector !== action.name && carried.flow === alias) {
      offsets = furthest(offsets, await this.lastCommitted(session, carried.connector, action.config, alias));
    }
    // From now on this connector is the one whose offsets count (and the predecessor of the next).
    this.peer.sourceOffsetsRaw = carriedRecord(alias, action.name, offsets);
    if (offsets.length === 0) return undefined;
    const client = session.client;
    try {
      try {
        await client.createConnector(action.name, action.config, 'STOPPED');
      } catch (e) {
        if (e instanceof ConnectApiError && e.kind === 'invalid-config' && /initial_state|Unrecognized field/i.test(e.message)) {
          this.note(
            `Kafka Connect cannot create connectors STOPPED (KIP-980 needs Kafka ≥ 3.7): ${action.name} starts from the earliest offsets and re-copies what was mirrored`,
          );
          return undefined;
        }
        throw e;
      }
      // Connect may already hold offsets under this name (it lost only the config, or the name was
      // used before): per partition, the further position wins.
      const existing = await client.connectorOffsets(action.name);
      const have = new Map<string, number>();
      if (existing.supported) {
        for (const o of existing.offsets) {
          const off = positionOf(o);
          if (off !== undefined) have.set(partitionKey(o.partition), off);
        }
      }
      const toWrite = offsets.filter((o) => {
        const mine = positionOf(o);
        const theirs = have.get(partitionKey(o.partition));
        return mine !== undefined && (theirs === undefined || theirs < mine);
      });
      if (toWrite.length === 0) {
        this.note(`${action.name} resumed from the offsets Connect kept under its name`);
      } else {
        // The STOPPED target state reaches the herder through the config topic: a PATCH right
        // after the create can still be refused ("must be in the STOPPED state"). Resuming
        // without the offsets would re-copy everything, so retry for a few seconds first.
        let altered: { supported: true } | { supported: false; message: string } | undefined;
        let lastError: ConnectApiError | undefined;
        for (let attempt = 0; attempt < 12 && altered === undefined; attempt++) {
          try {
            altered = await client.alterConnectorOffsets(action.name, toWrite);
          } catch (e) {
            if (!(e instanceof ConnectApiError) || e.kind === 'unauthorized') throw e;
            lastError = e;
            await new Promise((r) => setTimeout(r, 500));
          }
        }
        if (altered === undefined) throw lastError ?? new Error('offsets not written');
        if (!altered.supported)
          this.note(`${altered.message}: ${action.name} starts from the earliest offsets and re-copies what was mirrored`);
        else
          this.note(
            `${action.name} created with ${toWrite.length} carried-over source offset(s): nothing already mirrored is copied again`,
          );
      }
      await client.resumeConnector(action.name);
      return { action };
    } catch (e) {
      if (!(e instanceof ConnectApiError)) throw e;
      // Created but not resumed: make sure it runs (the plan's state handling pauses it if intended).
      await client.resumeConnector(action.name).catch(() => undefined);
      return { action, error: e };
    }
  };

  /**
   * The offsets a deleted predecessor last committed: its name created again STOPPED, its offsets
   * read, the connector deleted again (its offsets stay in Connect). Empty when that cannot be
   * done (the name is in use, the APIs are missing, Connect refuses): the kept offsets are used.
   */
  private async lastCommitted(
    session: ConnectSession,
    predecessor: string,
    config: Readonly<Record<string, string>>,
    sourceAlias: string,
  ): Promise<ConnectorOffset[]> {
    const client = session.client;
    try {
      await client.createConnector(predecessor, { ...config, name: predecessor }, 'STOPPED');
    } catch (e) {
      if (!(e instanceof ConnectApiError)) throw e;
      this.logger.debug(`the offsets ${predecessor} committed last could not be read (${e.message}); the kept ones are used`);
      return [];
    }
    try {
      const r = await client.connectorOffsets(predecessor);
      const offsets = r.supported ? forSource(r.offsets, sourceAlias) : [];
      this.logger.debug(`${predecessor} had committed ${offsets.length} source offset(s) when it was deleted`);
      return offsets;
    } catch (e) {
      if (!(e instanceof ConnectApiError)) throw e;
      this.logger.debug(`the offsets of ${predecessor} could not be read (${e.message}); the kept ones are used`);
      return [];
    } finally {
      await client.deleteConnector(predecessor).catch((e: unknown) => {
        if (!(e instanceof ConnectApiError)) throw e;
        this.logger.warning(`${predecessor}, created STOPPED to read its offsets, could not be deleted again: ${e.message}`);
      });
    }
  }

  private note(line: string): void {
    this.lastOutcome = line;
    this.logger.info(line);
  }
}
