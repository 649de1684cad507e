// Pure logic of the MirrorMaker integrator charm (no I/O). See docs/ARCHITECTURE.md.
export * from './config';
export * from './regex';
export * from './cluster';
export * from './connectors';
export * from './plan';
export * from './status';
export * from './redact';
export * from './health';
