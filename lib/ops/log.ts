/**
 * Charm and framework logging with Juju's levels.
 *
 * Where a line goes is decided by the sink the framework installs (see framework.ts): in hooks
 * TRACE/DEBUG lines go to stdout (Juju records a hook's stdout at DEBUG, for free), INFO and above
 * through `juju-log`; in actions everything goes through `juju-log`, because an action's stdout
 * becomes part of its results. Every line is redacted of known secret values by the sink.
 */
import type { LogLevel } from './backend';

export type { LogLevel };
export type LogSink = (level: LogLevel, message: string) => void;

export class Logger {
  constructor(private readonly sink: LogSink) {}
  trace(message: string): void {
    this.sink('TRACE', message);
  }
  debug(message: string): void {
    this.sink('DEBUG', message);
  }
  info(message: string): void {
    this.sink('INFO', message);
  }
  warning(message: string): void {
    this.sink('WARNING', message);
  }
  error(message: string): void {
    this.sink('ERROR', message);
  }
}
