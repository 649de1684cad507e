// Lint for the topic/group filters. MirrorMaker compiles them with java.util.regex after splitting
// the option on commas (a Connect LIST), joining the items with '|' and full-matching names
// (MirrorUtils.compilePatternList). Each item is checked with a validator of Java's own Pattern
// syntax (./java-pattern), so the charm accepts exactly what Java compiles and refuses what would
// fail the connectors. Pure (no I/O).

import { checkJavaPattern } from './java-pattern';
import { quoted } from './text';

/** Splits a Connect LIST value the way Connect does: on commas, each item trimmed. */
export function splitList(value: string): string[] {
  return value.split(',').map((item) => item.trim());
}

const QUANTIFIER_WITH_COMMA = /\{\s*\d*\s*,\s*\d*\s*\}/;

/** Why a comma-containing option value cannot be split into the intended regexes, or null. */
export function commaProblem(value: string): string | null {
  const m = QUANTIFIER_WITH_COMMA.exec(value);
  if (m) {
    return (
      `'${m[0]}' is a {n,m} quantifier, but items are split on commas so a regex cannot contain one; ` +
      `spell the repetition out (e.g. 'a{1,3}' → 'a|aa|aaa' or 'aa?a?')`
    );
  }
  return null;
}

/** Problems with one regex item: `error` blocks it, `warning` is worth telling the operator. */
export interface RegexItemCheck {
  /** Why Java would refuse the item (lower-case start, no option name), or null. */
  error: string | null;
  /** A risk Java accepts (catastrophic backtracking), or null. */
  warning: string | null;
}

/** Checks one item as java.util.regex.Pattern.compile reads it. */
export function checkRegexItem(item: string): RegexItemCheck {
  if (item.length === 0) return { error: 'empty item', warning: null };
  const { error, nestedRepetitions } = checkJavaPattern(item);
  if (error) {
    return { error: `Java: ${error.message}`, warning: null };
  }
  if (nestedRepetitions.length > 0) {
    return {
      error: null,
      warning:
        `${quoted(nestedRepetitions[0]!, 80)} repeats a group that itself repeats: Java accepts it, but matching some names ` +
        `can take exponential time (catastrophic backtracking); prefer a single repetition (e.g. '(a+)+' → 'a+') ` +
        `or a possessive one ('a++')`,
    };
  }
  return { error: null, warning: null };
}

/** Returns null when Java compiles `item`, otherwise the reason (lower-case, no option name). */
export function javaRegexProblem(item: string): string | null {
  return checkRegexItem(item).error;
}
