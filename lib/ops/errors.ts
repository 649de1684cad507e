/**
 * The framework's typed error taxonomy.
 *
 * Two families:
 * - `ModelError` and its subclasses: a hook tool failed. They carry the tool, its argv (secret
 *   content never reaches argv, and known secret values are redacted anyway), the exit code and
 *   stderr, so a charm can branch on the type and an operator can read what Juju said.
 * - Everything else: the framework refused something *before* calling Juju (bad environment,
 *   bad config, a forbidden databag write, an invalid action result key, ...).
 */

/** Base class of every error the framework throws on purpose. */
export class OpsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The dispatch environment (the JUJU_* variables) is incomplete or malformed. */
export class ContextError extends OpsError {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

/** charm metadata (metadata.yaml / config.yaml / actions.yaml) is unusable. */
export class MetadataError extends OpsError {}

/** A charm registered an observer for something its metadata does not declare, or twice. */
export class RegistrationError extends OpsError {}

/** `defer()` was called on an event kind that cannot be deferred. */
export class DeferNotAllowedError extends OpsError {}

export interface ToolFailure {
  readonly tool: string;
  readonly args: readonly string[];
  readonly exitCode: number;
  readonly stderr: string;
}

/** A hook tool exited non-zero. Subclasses say why, when stderr lets us tell. */
export class ModelError extends OpsError {
  readonly tool: string;
  readonly args: readonly string[];
  readonly exitCode: number;
  readonly stderr: string;
  constructor(failure: ToolFailure, message?: string) {
    super(
      message ?? `${failure.tool} ${failure.args.join(' ')} failed (exit ${failure.exitCode}): ${failure.stderr.trim() || '(no stderr)'}`,
    );
    this.tool = failure.tool;
    this.args = failure.args;
    this.exitCode = failure.exitCode;
    this.stderr = failure.stderr;
  }
}

/** Exit code 2: Juju rejected the flags or arguments. */
export class InvalidArgumentsError extends ModelError {}
/** `relation not found` from a relation-* or network-* tool. */
export class RelationNotFoundError extends ModelError {}
/** Juju refused the operation (permission denied, unauthorized access, ...). */
export class PermissionError extends ModelError {}
/** Juju refused because this unit is not the leader. */
export class NotLeaderError extends PermissionError {}
/** Something named did not exist. */
export class NotFoundError extends ModelError {}
/** A secret did not exist or is not visible to this unit. */
export class SecretNotFoundError extends NotFoundError {}

/** A config value does not match config.yaml. */
export class ConfigError extends OpsError {
  constructor(readonly problems: readonly string[]) {
    super(`invalid charm config: ${problems.join('; ')}`);
  }
}

/** Action params do not match actions.yaml. */
export class ActionParamsError extends OpsError {
  constructor(
    readonly action: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid parameters for action "${action}": ${problems.join('; ')}`);
  }
}

/** An action result key or value is not acceptable to `action-set`. */
export class ActionResultError extends OpsError {}

/** A databag read or write that ops' (and Juju's) access rules forbid. */
export class RelationDataAccessError extends OpsError {}
/** A databag value that is not a string. */
export class RelationDataTypeError extends OpsError {}
/** `getRelation(endpoint)` without an id while several relations exist on it. */
export class TooManyRelatedAppsError extends OpsError {}
/** Secret content that Juju would reject (bad key, empty value). */
export class SecretContentError extends OpsError {}
/** A hook tool answered with output that is not what its contract says. */
export class ToolOutputError extends OpsError {}
