/**
 * Juju secrets: a `Secret` handle (content, info, grants, revisions) and the content rules Juju
 * enforces, checked before any hook tool is called. Content never travels in argv.
 */
import type { HookToolBackend, RotatePolicy, SecretInfo, SecretLookup, SecretMetaOptions } from './backend';
import { SecretContentError } from './errors';
import type { Relation } from './relations';

const SECRET_KEY = /^([a-z](?:-?[a-z0-9]){2,})$/;

export function checkSecretContent(content: Readonly<Record<string, unknown>>): Record<string, string> {
  const keys = Object.keys(content);
  if (keys.length === 0) throw new SecretContentError('secret content must have at least one key');
  const out: Record<string, string> = {};
  for (const k of keys) {
    if (!SECRET_KEY.test(k)) {
      throw new SecretContentError(
        `secret content key "${k}" is invalid: use at least 3 lowercase letters/digits, starting with a letter, single inner hyphens`,
      );
    }
    const v = content[k];
    // The value itself never goes into the message.
    if (typeof v !== 'string' || v === '') throw new SecretContentError(`secret content key "${k}" needs a non-empty string value`);
    out[k] = v;
  }
  return out;
}

export interface AddSecretOptions extends SecretMetaOptions {
  readonly rotate?: RotatePolicy;
}

export class Secret {
  /** @internal */
  constructor(
    private readonly backend: HookToolBackend,
    private secretId: string | null,
    private secretLabel: string | null,
  ) {}

  get id(): string | null {
    return this.secretId;
  }

  get label(): string | null {
    return this.secretLabel;
  }

  private lookup(): SecretLookup {
    return { ...(this.secretId ? { id: this.secretId } : {}), ...(this.secretLabel ? { label: this.secretLabel } : {}) };
  }

  /** The id, resolved through secret-info-get when only a label is known (owner side). */
  private requireId(): string {
    if (!this.secretId) this.secretId = this.getInfo().id;
    return this.secretId;
  }

  /** Content of the tracked revision; `refresh` moves tracking to the latest revision. */
  getContent(opts: { refresh?: boolean } = {}): Readonly<Record<string, string>> {
    return this.backend.secretGet(this.lookup(), opts.refresh ? 'refresh' : 'pinned');
  }

  /** Content of the latest revision, without tracking it. */
  peekContent(): Readonly<Record<string, string>> {
    return this.backend.secretGet(this.lookup(), 'peek');
  }

  getInfo(): SecretInfo {
    return this.backend.secretInfoGet(this.secretId ? { id: this.secretId } : { label: this.secretLabel ?? '' });
  }

  /** A new revision with this content (owner only). Content goes via temp files, never argv. */
  setContent(content: Readonly<Record<string, string>>): void {
    this.backend.secretSet(this.requireId(), checkSecretContent(content));
  }

  setInfo(opts: SecretMetaOptions): void {
    this.backend.secretSet(this.requireId(), null, opts);
    if (opts.label !== undefined) this.secretLabel = opts.label;
  }

  grant(relation: Relation, unit?: string): void {
    this.backend.secretGrant(this.requireId(), relation.ref, unit);
  }

  revoke(relation: Relation, unit?: string): void {
    this.backend.secretRevoke(this.requireId(), relation.ref, unit);
  }

  removeRevision(revision: number): void {
    this.backend.secretRemove(this.requireId(), revision);
  }

  removeAllRevisions(): void {
    this.backend.secretRemove(this.requireId());
  }
}
