// Lint for the topic/group filters. MirrorMaker compiles them with java.util.regex after splitting
// the option on commas (a Connect LIST), joining the items with '|' and full-matching names
// (MirrorUtils.compilePatternList). The charm runs on Node, so it cannot compile Java regexes;
// instead it accepts the portable subset that both engines read the same way, rejects every
// construct that is Java-only, JavaScript-only or read differently by the two (each with a message
// that says what to write instead), and then compiles the item with JavaScript to catch ordinary
// syntax errors. Pure (no I/O).

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

const SIMPLE_ESCAPES = new Set(['d', 'D', 'w', 'W', 's', 'S', 't', 'n', 'r', 'f']);

type GroupKind = 'plain' | 'lookbehind';

/**
 * Returns null when `item` is a regex that Java and JavaScript both accept and read the same way,
 * otherwise the reason (lower-case, no option name).
 */
export function portableRegexProblem(item: string): string | null {
  if (item.length === 0) return 'empty item';
  const stack: GroupKind[] = [];
  let inClass = false;
  let i = 0;
  const n = item.length;

  // After an atom: handles a following quantifier's lazy '?' / possessive '+' suffix.
  const quantifierSuffix = (): string | null => {
    if (item[i] === '?') {
      i += 1;
    } else if (item[i] === '+') {
      return `possessive quantifier '${item.slice(i - 1, i + 1)}' is Java-only; drop the trailing '+'`;
    }
    return null;
  };

  // Checks the quantifier (if any) that follows the atom just consumed.
  const quantifierAfterAtom = (): string | null => {
    const q = item[i];
    if (q === '{') {
      const m = /^\{(\d+)\}/.exec(item.slice(i));
      if (!m) {
        return "'{' must start a quantifier like '{3}' (Java rejects a bare brace); escape it as '\\{' to match a brace";
      }
      i += m[0].length;
      return quantifierSuffix();
    }
    if (q === '*' || q === '+' || q === '?') {
      if ((q === '*' || q === '+') && stack.includes('lookbehind')) {
        return `unbounded '${q}' inside a lookbehind is rejected by Java; use a fixed-length lookbehind`;
      }
      i += 1;
      return quantifierSuffix();
    }
    return null;
  };

  while (i < n) {
    const c = item[i];
    if (c === '\\') {
      if (i + 1 >= n) return "ends with a lone backslash; write '\\\\' to match a backslash";
      const e = item[i + 1];
      if (/[A-Za-z0-9]/.test(e)) {
        if (SIMPLE_ESCAPES.has(e)) {
          i += 2;
        } else if (e === 'b' || e === 'B') {
          if (inClass) return `'\\${e}' inside [...] means different things in Java and JavaScript; remove it`;
          i += 2;
        } else if (e === 'x') {
          if (!/^[0-9A-Fa-f]{2}$/.test(item.slice(i + 2, i + 4))) {
            return "'\\x' must be followed by exactly two hex digits (e.g. '\\x2e')";
          }
          i += 4;
        } else if (e === 'u') {
          if (!/^[0-9A-Fa-f]{4}$/.test(item.slice(i + 2, i + 6))) {
            return "'\\u' must be followed by exactly four hex digits (e.g. '\\u002e')";
          }
          i += 6;
        } else if (e === 'c') {
          if (!/^[A-Za-z]$/.test(item.slice(i + 2, i + 3))) return "'\\c' must be followed by a letter";
          i += 3;
        } else if (/[1-9]/.test(e) && !inClass) {
          i += 2; // back-reference: same meaning in both
        } else if (e === 'p' || e === 'P') {
          return `'\\${e}{…}' Unicode classes use different names in Java and JavaScript; use an explicit class such as [A-Za-z]`;
        } else if (e === 'Q' || e === 'E') {
          return "'\\Q…\\E' quoting is Java-only; escape each metacharacter with a backslash instead (e.g. 'a\\.b')";
        } else if (e === '0' || /[1-9]/.test(e)) {
          return `'\\${e}' is an octal escape or back-reference that Java and JavaScript read differently; use '\\xhh'`;
        } else if (e === 'k') {
          return "named back-references ('\\k<…>') are not supported here; use a numbered one such as '\\1'";
        } else {
          return (
            `'\\${e}' is not a portable escape (it is missing or means something else in Java or JavaScript); ` +
            `use \\d \\D \\w \\W \\s \\S \\b \\B \\t \\n \\r \\f \\xhh \\uhhhh, or a backslash before punctuation`
          );
        }
        if (!inClass) {
          const problem = quantifierAfterAtom();
          if (problem) return problem;
        }
        continue;
      }
      if (e.charCodeAt(0) > 0x7e || e.charCodeAt(0) < 0x20) {
        return `'\\' before '${e}' is not a portable escape; escape only ASCII punctuation`;
      }
      i += 2; // escaped ASCII punctuation: a literal in both engines
      if (!inClass) {
        const problem = quantifierAfterAtom();
        if (problem) return problem;
      }
      continue;
    }

    if (inClass) {
      if (c === '[') {
        return "'[' inside [...] is a nested class (union) in Java but a literal in JavaScript; escape it as '\\['";
      }
      if (c === '&' && item[i + 1] === '&') {
        return "'&&' inside [...] is Java's class intersection (JavaScript reads it literally); list the characters instead";
      }
      if (c === ']') inClass = false;
      i += 1;
      continue;
    }

    switch (c) {
      case '[': {
        i += 1;
        if (item[i] === '^') i += 1;
        if (item[i] === ']') {
          return "'[]' / '[^]' is read as a literal ']' by Java but as an empty class by JavaScript; escape it as '\\]'";
        }
        inClass = true;
        continue;
      }
      case '(': {
        if (item[i + 1] === '?') {
          const rest = item.slice(i + 2);
          if (rest.startsWith(':') || rest.startsWith('=') || rest.startsWith('!')) {
            stack.push('plain');
            i += 3;
          } else if (rest.startsWith('<=') || rest.startsWith('<!')) {
            stack.push('lookbehind');
            i += 4;
          } else if (rest.startsWith('<')) {
            const m = /^<([A-Za-z][A-Za-z0-9]*)>/.exec(rest);
            if (!m) return 'group names must be ASCII letters and digits starting with a letter, as in (?<name>…)';
            stack.push('plain');
            i += 2 + m[0].length;
          } else if (rest.startsWith('>')) {
            return "atomic groups '(?>…)' are Java-only; use a plain group '(?:…)'";
          } else if (/^[idmsuxU-]/.test(rest)) {
            return "inline flags such as '(?i)' are Java-only and cannot be checked here; spell cases out (e.g. '[Oo]rders')";
          } else {
            return `'(?${rest.slice(0, 1)}' is not a supported group; use '(…)', '(?:…)', '(?=…)', '(?!…)', '(?<=…)', '(?<!…)' or '(?<name>…)'`;
          }
        } else {
          stack.push('plain');
          i += 1;
        }
        continue;
      }
      case ')': {
        if (stack.length === 0) return "unmatched ')'; escape it as '\\)' to match a parenthesis";
        stack.pop();
        i += 1;
        const problem = quantifierAfterAtom();
        if (problem) return problem;
        continue;
      }
      case '{': {
        return "'{' must start a quantifier like '{3}' (Java rejects a bare brace); escape it as '\\{' to match a brace";
      }
      case '*':
      case '+':
      case '?': {
        // A quantifier with nothing before it (JavaScript reports it below) or a doubled one.
        i += 1;
        const problem = quantifierAfterAtom();
        if (problem) return problem;
        continue;
      }
      default: {
        i += 1;
        const problem = quantifierAfterAtom();
        if (problem) return problem;
        continue;
      }
    }
  }

  if (inClass) return 'unterminated character class';
  if (stack.length > 0) return "unterminated group: missing ')'";

  try {
    // Not 'u': Java's syntax is closer to JavaScript's Annex B grammar (e.g. '\-' outside a class).
    new RegExp(item);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const reason = message.slice(message.lastIndexOf(': ') + 2);
    return reason.charAt(0).toLowerCase() + reason.slice(1);
  }
  return null;
}
