// Runs real java.util.regex.Pattern.compile on a batch of patterns (tools/java-regex/JavaRegexCheck.java,
// compiled once into a private per-user cache directory). Used by the differential unit test.

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { runJavaChecker } from './java-checker';

const SOURCE = path.resolve(__dirname, '../../tools/java-regex/JavaRegexCheck.java');

export interface JavaVerdict {
  ok: boolean;
  description?: string;
  index?: number;
}

/** True when `java` and `javac` can be run. */
export function javaAvailable(): boolean {
  const java = spawnSync('java', ['-version'], { stdio: 'ignore' });
  const javac = spawnSync('javac', ['-version'], { stdio: 'ignore' });
  return java.status === 0 && javac.status === 0;
}

/** Java's verdict for each pattern, in order (one JVM for the whole batch). */
export function javaCompileVerdicts(patterns: readonly string[]): JavaVerdict[] {
  const lines = runJavaChecker({ source: SOURCE, cacheName: 'tscharm-java-regex' }, patterns);
  return lines.map((line) => {
    if (line === 'OK') return { ok: true };
    const [, description, index] = line.split('\t');
    return { ok: false, description, index: Number(index) };
  });
}
