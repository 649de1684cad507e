// A validator of java.util.regex.Pattern syntax (Java 17), written after the parse logic of
// Pattern.compile: the same recursive descent (expr → sequence → atom/group0/clazz/closure), the same
// cursor primitives (including COMMENTS-mode whitespace skipping and \Q…\E pre-quoting), the same
// error conditions and messages, and the same node "study" arithmetic (32-bit, with Java's
// overflows) that decides whether a look-behind has "an obvious maximum length". It builds only as
// much of Java's node graph as that study needs and never matches anything. Pure (no I/O).
//
// Known, deliberate differences (each refused here with a message, never silently accepted):
// - `\N{name}` (Unicode character names: Node has no name database);
// - patterns nested or chained so deeply that this validator stops early (Java itself fails those
//   with "Stack overflow during pattern compilation", at a depth that depends on the JVM's stack).

import { JAVA_UNICODE_BLOCKS, JAVA_UNICODE_SCRIPTS } from './java-unicode-names';

/** A syntax error as Java reports it: description and index (PatternSyntaxException). */
export class JavaPatternSyntaxError extends Error {
  constructor(
    readonly description: string,
    readonly index: number,
  ) {
    super(index >= 0 ? `${description} near index ${index}` : description);
  }
}

// Flags (java.util.regex.Pattern constants).
const UNIX_LINES = 0x01;
const CASE_INSENSITIVE = 0x02;
const COMMENTS = 0x04;
const MULTILINE = 0x08;
const DOTALL = 0x20;
const UNICODE_CASE = 0x40;
const CANON_EQ = 0x80;
const UNICODE_CHARACTER_CLASS = 0x100;

const MAX_REPS = 0x7fffffff;
const INT_MAX = 0x7fffffff;
const MAX_CODE_POINT = 0x10ffff;
/** Recursion budget: beyond this Java's own compiler runs out of stack on typical JVM settings. */
const MAX_DEPTH = 400;

const isAsciiAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isAsciiDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAsciiAlnum = (c: number): boolean => isAsciiAlpha(c) || isAsciiDigit(c);
const isAsciiSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isHexDigit = (c: number): boolean => isAsciiDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const hexValue = (c: number): number => (isAsciiDigit(c) ? c - 0x30 : (c | 0x20) - 0x61 + 10);

// ---- The node graph, reduced to what TreeInfo study needs ------------------------------------

interface TreeInfo {
  minLength: number;
  maxLength: number;
  maxValid: boolean;
  deterministic: boolean;
}
const newInfo = (): TreeInfo => ({ minLength: 0, maxLength: 0, maxValid: true, deterministic: true });
const reset = (info: TreeInfo): void => {
  info.minLength = 0;
  info.maxLength = 0;
  info.maxValid = true;
  info.deterministic = true;
};

type Qtype = 'greedy' | 'lazy' | 'possessive' | 'independent';

let ACCEPT: JNode | null = null;

/** Java's Node: zero-width by default; study follows `next`. */
class JNode {
  next: JNode | null = ACCEPT;
  study(info: TreeInfo): boolean {
    return this.next !== null ? this.next.study(info) : info.deterministic;
  }
}
ACCEPT = new JNode();

/** Dollar / UnixDollar. */
class DollarNode extends JNode {
  override study(info: TreeInfo): boolean {
    this.next!.study(info);
    return info.deterministic;
  }
}
/** \R */
class LineEndingNode extends JNode {
  override study(info: TreeInfo): boolean {
    info.minLength = (info.minLength + 1) | 0;
    info.maxLength = (info.maxLength + 2) | 0;
    return this.next!.study(info);
  }
}
/** One character satisfying a predicate (CharProperty / BmpCharProperty). */
class CharPropertyNode extends JNode {
  override study(info: TreeInfo): boolean {
    info.minLength = (info.minLength + 1) | 0;
    info.maxLength = (info.maxLength + 1) | 0;
    return this.next!.study(info);
  }
}
/** NFCCharProperty (CANON_EQ) and XGrapheme (\X): at least one char, no maximum added. */
class NfcOrGraphemeNode extends JNode {
  override study(info: TreeInfo): boolean {
    info.minLength = (info.minLength + 1) | 0;
    info.deterministic = false;
    return this.next!.study(info);
  }
}
class SliceNode extends JNode {
  constructor(readonly length: number) {
    super();
  }
  override study(info: TreeInfo): boolean {
    info.minLength = (info.minLength + this.length) | 0;
    info.maxLength = (info.maxLength + this.length) | 0;
    return this.next!.study(info);
  }
}
class QuesNode extends JNode {
  constructor(
    readonly atom: JNode,
    readonly type: Qtype,
  ) {
    super();
  }
  override study(info: TreeInfo): boolean {
    if (this.type !== 'independent') {
      const minL = info.minLength;
      this.atom.study(info);
      info.minLength = minL;
      info.deterministic = false;
      return this.next!.study(info);
    }
    this.atom.study(info);
    return this.next!.study(info);
  }
}
class CharPropertyGreedyNode extends JNode {
  constructor(readonly cmin: number) {
    super();
  }
  override study(info: TreeInfo): boolean {
    info.minLength = (info.minLength + this.cmin) | 0;
    if (info.maxValid) info.maxLength = (info.maxLength + MAX_REPS) | 0;
    info.deterministic = false;
    return this.next!.study(info);
  }
}
/** Curly and GroupCurly share one study. */
class CurlyNode extends JNode {
  constructor(
    readonly atom: JNode,
    readonly cmin: number,
    readonly cmax: number,
    readonly type: Qtype,
  ) {
    super();
  }
  override study(info: TreeInfo): boolean {
    const minL = info.minLength;
    const maxL = info.maxLength;
    const maxV = info.maxValid;
    const detm = info.deterministic;
    reset(info);
    this.atom.study(info);
    let temp = (Math.imul(info.minLength, this.cmin) + minL) | 0;
    if (temp < minL) temp = 0xfffffff;
    info.minLength = temp;
    if (maxV && info.maxValid) {
      temp = (Math.imul(info.maxLength, this.cmax) + maxL) | 0;
      info.maxLength = temp;
      if (temp < maxL) info.maxValid = false;
    } else {
      info.maxValid = false;
    }
    if (info.deterministic && this.cmin === this.cmax) info.deterministic = detm;
    else info.deterministic = false;
    return this.next!.study(info);
  }
}
class BranchConnNode extends JNode {
  override study(info: TreeInfo): boolean {
    return info.deterministic;
  }
}
class BranchNode extends JNode {
  readonly atoms: (JNode | null)[];
  constructor(
    first: JNode | null,
    second: JNode | null,
    readonly conn: JNode,
  ) {
    super();
    this.atoms = [first, second];
  }
  override study(info: TreeInfo): boolean {
    let minL = info.minLength;
    let maxL = info.maxLength;
    let maxV = info.maxValid;
    let minL2 = INT_MAX;
    let maxL2 = -1;
    for (const atom of this.atoms) {
      reset(info);
      if (atom !== null) atom.study(info);
      minL2 = Math.min(minL2, info.minLength);
      maxL2 = Math.max(maxL2, info.maxLength);
      maxV = maxV && info.maxValid;
    }
    minL = (minL + minL2) | 0;
    maxL = (maxL + maxL2) | 0;
    reset(info);
    this.conn.next!.study(info);
    info.minLength = (info.minLength + minL) | 0;
    info.maxLength = (info.maxLength + maxL) | 0;
    info.maxValid = info.maxValid && maxV;
    info.deterministic = false;
    return false;
  }
}
/** Loop / LazyLoop (reached through Prolog): a non-deterministic repeated group. */
class LoopNode extends JNode {
  override study(info: TreeInfo): boolean {
    info.maxValid = false;
    info.deterministic = false;
    return false;
  }
}
class BackRefNode extends JNode {
  override study(info: TreeInfo): boolean {
    info.maxValid = false;
    return this.next!.study(info);
  }
}
/** Look-behind end marker (a singleton in Java, whose `next` is the accept node). */
const LOOK_BEHIND_END = new JNode();

// ---- The parser -----------------------------------------------------------------------------

const PROPERTY_NAMES = new Set(
  (
    'Cn Lu Ll Lt Lm Lo Mn Me Mc Nd Nl No Zs Zl Zp Cc Cf Co Cs Pd Ps Pe Pc Po Sm Sc Sk So Pi Pf ' +
    'L M N Z C P S LC LD L1 all ASCII Alnum Alpha Blank Cntrl Digit Graph Lower Print Punct Space Upper XDigit ' +
    'javaLowerCase javaUpperCase javaAlphabetic javaIdeographic javaTitleCase javaDigit javaDefined javaLetter ' +
    'javaLetterOrDigit javaJavaIdentifierStart javaJavaIdentifierPart javaUnicodeIdentifierStart ' +
    'javaUnicodeIdentifierPart javaIdentifierIgnorable javaSpaceChar javaWhitespace javaISOControl javaMirrored'
  ).split(' '),
);
const POSIX_NAMES = new Set('ALPHA LOWER UPPER SPACE PUNCT XDIGIT ALNUM CNTRL DIGIT BLANK GRAPH PRINT'.split(' '));
const UNICODE_PROPERTY_NAMES = new Set(
  (
    'ALPHABETIC ASSIGNED CONTROL HEXDIGIT IDEOGRAPHIC JOINCONTROL LETTER LOWERCASE NONCHARACTERCODEPOINT ' +
    'TITLECASE PUNCTUATION UPPERCASE WHITESPACE WORD WHITE_SPACE HEX_DIGIT NONCHARACTER_CODE_POINT JOIN_CONTROL'
  ).split(' '),
);

const isScript = (name: string): boolean => JAVA_UNICODE_SCRIPTS.has(name.toUpperCase());
const isBlock = (name: string): boolean => JAVA_UNICODE_BLOCKS.has(name.toUpperCase());

class Parser {
  private temp: number[];
  private patternLength: number;
  private cursor = 0;
  private flags0 = 0;
  private root: JNode | null = null;
  private capturingGroupCount = 1;
  private readonly namedGroups = new Set<string>();
  private depth = 0;
  /** Repetitions (max > 1, not possessive) seen so far, for the nested-repetition warning. */
  private repetitions = 0;
  /** Source text of repeated groups that contain another repetition, e.g. `(a+)+`. */
  readonly nestedRepetitions: string[] = [];

  constructor(pattern: string) {
    const cps: number[] = [];
    for (const ch of pattern) cps.push(ch.codePointAt(0)!);
    this.patternLength = cps.length;
    this.temp = [...cps, 0, 0];
    this.removeQEQuoting();
  }

  compile(): void {
    if (this.patternLength === 0) return;
    this.expr(ACCEPT!);
    if (this.patternLength !== this.cursor) {
      if (this.peek() === 0x29) throw this.error("Unmatched closing ')'");
      throw this.error('Unexpected internal error');
    }
  }

  // -- cursor primitives (Java reads past the end as 0 thanks to the double-zero terminator) --

  private at(i: number): number {
    if (i < 0 || i >= this.temp.length) {
      throw new JavaPatternSyntaxError('Index out of bounds while parsing (Java fails with an internal error)', i);
    }
    return this.temp[i];
  }
  private has(f: number): boolean {
    return (this.flags0 & f) !== 0;
  }
  private error(s: string): JavaPatternSyntaxError {
    return new JavaPatternSyntaxError(s, this.cursor - 1);
  }
  private accept(ch: number, s: string): void {
    let testChar = this.at(this.cursor++);
    if (this.has(COMMENTS)) testChar = this.parsePastWhitespace(testChar);
    if (ch !== testChar) throw this.error(s);
  }
  private mark(c: number): void {
    this.temp[this.patternLength] = c;
  }
  private peek(): number {
    let ch = this.at(this.cursor);
    if (this.has(COMMENTS)) ch = this.peekPastWhitespace(ch);
    return ch;
  }
  private read(): number {
    let ch = this.at(this.cursor++);
    if (this.has(COMMENTS)) ch = this.parsePastWhitespace(ch);
    return ch;
  }
  private next(): number {
    let ch = this.at(++this.cursor);
    if (this.has(COMMENTS)) ch = this.peekPastWhitespace(ch);
    return ch;
  }
  private nextEscaped(): number {
    return this.at(++this.cursor);
  }
  private peekPastWhitespace(ch: number): number {
    while (isAsciiSpace(ch) || ch === 0x23) {
      while (isAsciiSpace(ch)) ch = this.at(++this.cursor);
      if (ch === 0x23) ch = this.peekPastLine();
    }
    return ch;
  }
  private parsePastWhitespace(ch: number): number {
    while (isAsciiSpace(ch) || ch === 0x23) {
      while (isAsciiSpace(ch)) ch = this.at(this.cursor++);
      if (ch === 0x23) ch = this.parsePastLine();
    }
    return ch;
  }
  private parsePastLine(): number {
    let ch = this.at(this.cursor++);
    while (ch !== 0 && !this.isLineSeparator(ch)) ch = this.at(this.cursor++);
    if (ch === 0 && this.cursor > this.patternLength) {
      this.cursor = this.patternLength;
      ch = this.at(this.cursor++);
    }
    return ch;
  }
  private peekPastLine(): number {
    let ch = this.at(++this.cursor);
    while (ch !== 0 && !this.isLineSeparator(ch)) ch = this.at(++this.cursor);
    if (ch === 0 && this.cursor > this.patternLength) {
      this.cursor = this.patternLength;
      ch = this.at(this.cursor);
    }
    return ch;
  }
  private isLineSeparator(ch: number): boolean {
    if (this.has(UNIX_LINES)) return ch === 0x0a;
    return ch === 0x0a || ch === 0x0d || (ch | 1) === 0x2029 || ch === 0x85;
  }
  private skip(): number {
    const i = this.cursor;
    const ch = this.at(i + 1);
    this.cursor = i + 2;
    return ch;
  }
  private unread(): void {
    this.cursor--;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) {
      throw new JavaPatternSyntaxError(
        `nested more than ${MAX_DEPTH} levels deep (Java may fail with "Stack overflow during pattern compilation")`,
        this.cursor,
      );
    }
  }
  private leave(): void {
    this.depth--;
  }

  /** \Q…\E pre-quoting, done on the whole pattern before parsing (Pattern.RemoveQEQuoting). */
  private removeQEQuoting(): void {
    const pLen = this.patternLength;
    const temp = this.temp;
    let i = 0;
    while (i < pLen - 1) {
      if (temp[i] !== 0x5c) i += 1;
      else if (temp[i + 1] !== 0x51) i += 2;
      else break;
    }
    if (i >= pLen - 1) return;
    let j = i;
    i += 2;
    const newtemp: number[] = temp.slice(0, j);
    let inQuote = true;
    let beginQuote = true;
    while (i < pLen) {
      const c = temp[i++];
      if (c >= 0x80 || isAsciiAlpha(c)) {
        newtemp[j++] = c;
      } else if (isAsciiDigit(c)) {
        if (beginQuote) {
          newtemp[j++] = 0x5c;
          newtemp[j++] = 0x78;
          newtemp[j++] = 0x33;
        }
        newtemp[j++] = c;
      } else if (c !== 0x5c) {
        if (inQuote) newtemp[j++] = 0x5c;
        newtemp[j++] = c;
      } else if (inQuote) {
        if (temp[i] === 0x45) {
          i++;
          inQuote = false;
        } else {
          newtemp[j++] = 0x5c;
          newtemp[j++] = 0x5c;
        }
      } else {
        if (temp[i] === 0x51) {
          i++;
          inQuote = true;
          beginQuote = true;
          continue;
        } else {
          newtemp[j++] = c;
          if (i !== pLen) newtemp[j++] = temp[i++];
        }
      }
      beginQuote = false;
    }
    this.patternLength = j;
    newtemp.length = j;
    this.temp = [...newtemp, 0, 0];
  }

  // -- grammar --

  private expr(end: JNode): JNode | null {
    this.enter();
    let prev: JNode | null = null;
    let firstTail: JNode | null = null;
    let branch: BranchNode | null = null;
    let branchConn: JNode | null = null;
    for (;;) {
      let node: JNode | null = this.sequence(end);
      const nodeTail = this.root;
      if (prev === null) {
        prev = node;
        firstTail = nodeTail;
      } else {
        if (branchConn === null) {
          branchConn = new BranchConnNode();
          branchConn.next = end;
        }
        if (node === end) node = null;
        else nodeTail!.next = branchConn;
        if (prev === branch) {
          branch!.atoms.push(node);
        } else {
          if (prev === end) prev = null;
          else firstTail!.next = branchConn;
          prev = branch = new BranchNode(prev, node, branchConn);
        }
      }
      if (this.peek() !== 0x7c) {
        this.leave();
        return prev;
      }
      this.next();
    }
  }

  private sequence(end: JNode): JNode {
    let head: JNode | null = null;
    let tail: JNode | null = null;
    let node: JNode | null;
    loop: for (;;) {
      let ch = this.peek();
      switch (ch) {
        case 0x28: // (
          node = this.group0();
          if (node === null) continue;
          if (head === null) head = node;
          else tail!.next = node;
          tail = this.root;
          continue;
        case 0x5b: // [
          this.clazz(true);
          node = this.has(CANON_EQ) ? new NfcOrGraphemeNode() : new CharPropertyNode();
          break;
        case 0x5c: // backslash
          ch = this.nextEscaped();
          if (ch === 0x70 || ch === 0x50) {
            let oneLetter = true;
            const comp = ch === 0x50;
            ch = this.next();
            if (ch !== 0x7b) this.unread();
            else oneLetter = false;
            this.family(oneLetter, comp);
            node = this.has(CANON_EQ) ? new NfcOrGraphemeNode() : new CharPropertyNode();
          } else {
            this.unread();
            node = this.atom();
          }
          break;
        case 0x5e: // ^
          this.next();
          node = new JNode();
          break;
        case 0x24: // $
          this.next();
          node = new DollarNode();
          break;
        case 0x2e: // .
          this.next();
          node = new CharPropertyNode();
          break;
        case 0x7c: // |
        case 0x29: // )
          break loop;
        case 0x5d: // ]
        case 0x7d: // }
          node = this.atom();
          break;
        case 0x3f:
        case 0x2a:
        case 0x2b:
          this.next();
          throw this.error(`Dangling meta character '${String.fromCodePoint(ch)}'`);
        case 0:
          if (this.cursor >= this.patternLength) break loop;
          node = this.atom();
          break;
        default:
          node = this.atom();
          break;
      }
      node = this.closure(node);
      if (head === null) {
        head = tail = node;
      } else {
        tail!.next = node;
        tail = node;
      }
    }
    if (head === null) return end;
    tail!.next = end;
    this.root = tail;
    return head;
  }

  private atom(): JNode {
    let first = 0;
    let prev = -1;
    let ch = this.peek();
    for (;;) {
      let stop = true;
      switch (ch) {
        case 0x2a:
        case 0x2b:
        case 0x3f:
        case 0x7b:
          if (first > 1) {
            this.cursor = prev;
            first--;
          }
          break;
        case 0x24:
        case 0x2e:
        case 0x5e:
        case 0x28:
        case 0x5b:
        case 0x7c:
        case 0x29:
          break;
        case 0x5c: {
          ch = this.nextEscaped();
          if (ch === 0x70 || ch === 0x50) {
            if (first > 0) {
              this.unread();
              break;
            }
            const comp = ch === 0x50;
            let oneLetter = true;
            ch = this.next();
            if (ch !== 0x7b) this.unread();
            else oneLetter = false;
            this.family(oneLetter, comp);
            return this.has(CANON_EQ) ? new NfcOrGraphemeNode() : new CharPropertyNode();
          }
          this.unread();
          prev = this.cursor;
          ch = this.escape(false, first === 0, false);
          if (ch >= 0) {
            first++;
            ch = this.peek();
            stop = false;
            break;
          } else if (first === 0) {
            return this.root!;
          }
          this.cursor = prev;
          break;
        }
        case 0:
          if (this.cursor >= this.patternLength) break;
          prev = this.cursor;
          first++;
          ch = this.next();
          stop = false;
          break;
        default:
          prev = this.cursor;
          first++;
          ch = this.next();
          stop = false;
          break;
      }
      if (stop) break;
    }
    return first === 1 ? new CharPropertyNode() : new SliceNode(first);
  }

  private ref(refNum: number): JNode {
    for (;;) {
      const ch = this.peek();
      if (!isAsciiDigit(ch)) break;
      const newRefNum = refNum * 10 + (ch - 0x30);
      if (this.capturingGroupCount - 1 < newRefNum) break;
      refNum = newRefNum;
      this.read();
    }
    return new BackRefNode();
  }

  /** Returns the escaped code point, or -1 for a meta escape (then `root` holds its node if `create`). */
  private escape(inclass: boolean, create: boolean, isrange: boolean): number {
    const ch = this.skip();
    switch (String.fromCodePoint(ch)) {
      case '0':
        return this.o();
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
      case '8':
      case '9':
        if (inclass) break;
        if (create) this.root = this.ref(ch - 0x30);
        return -1;
      case 'A':
      case 'B':
      case 'G':
      case 'Z':
        if (inclass) break;
        if (create) this.root = ch === 0x5a ? new DollarNode() : new JNode();
        return -1;
      case 'R':
        if (inclass) break;
        if (create) this.root = new LineEndingNode();
        return -1;
      case 'X':
        if (inclass) break;
        if (create) this.root = new NfcOrGraphemeNode();
        return -1;
      case 'z':
        if (inclass) break;
        if (create) this.root = new JNode();
        return -1;
      case 'D':
      case 'H':
      case 'S':
      case 'V':
      case 'W':
      case 'd':
      case 'h':
      case 's':
      case 'w':
        if (create && !inclass) this.root = new CharPropertyNode();
        return -1;
      case 'v':
        if (isrange) return 0x0b;
        if (create && !inclass) this.root = new CharPropertyNode();
        return -1;
      case 'N':
        throw new JavaPatternSyntaxError(
          "'\\N{name}' character names cannot be checked here; write the character as '\\x{hhhh}' instead",
          this.cursor - 2,
        );
      case 'a':
        return 0x07;
      case 'b':
        if (inclass) break;
        if (create) {
          if (this.peek() === 0x7b) {
            if (this.skip() === 0x67) {
              if (this.read() === 0x7d) {
                this.root = new JNode();
                return -1;
              }
              break;
            }
            this.unread();
            this.unread();
          }
          this.root = new JNode();
        }
        return -1;
      case 'c':
        return this.c();
      case 'e':
        return 0x1b;
      case 'f':
        return 0x0c;
      case 'k': {
        if (inclass) break;
        if (this.read() !== 0x3c) throw this.error("\\k is not followed by '<' for named capturing group");
        const name = this.groupname(this.read());
        if (!this.namedGroups.has(name)) throw this.error(`named capturing group <${name}> does not exist`);
        if (create) this.root = new BackRefNode();
        return -1;
      }
      case 'n':
        return 0x0a;
      case 'r':
        return 0x0d;
      case 't':
        return 0x09;
      case 'u':
        return this.u();
      case 'x':
        return this.x();
      case 'C':
      case 'E':
      case 'F':
      case 'I':
      case 'J':
      case 'K':
      case 'L':
      case 'M':
      case 'O':
      case 'P':
      case 'Q':
      case 'T':
      case 'U':
      case 'Y':
      case 'g':
      case 'i':
      case 'j':
      case 'l':
      case 'm':
      case 'o':
      case 'p':
      case 'q':
      case 'y':
        break;
      default:
        return ch;
    }
    throw this.error('Illegal/unsupported escape sequence');
  }

  /** A character class; validates it (the predicate itself is not needed). */
  private clazz(consume: boolean): void {
    this.enter();
    let hasPrev = false;
    let hasBits = false;
    let ch = this.next();
    if (ch === 0x5e && this.at(this.cursor - 1) === 0x5b) {
      ch = this.next();
    }
    for (;;) {
      switch (ch) {
        case 0x5b:
          this.clazz(true);
          hasPrev = true;
          ch = this.peek();
          continue;
        case 0x26:
          ch = this.next();
          if (ch === 0x26) {
            ch = this.next();
            let right = false;
            while (ch !== 0x5d && ch !== 0x26) {
              if (ch === 0x5b) {
                this.clazz(true);
              } else {
                this.unread();
                this.clazz(false);
              }
              right = true;
              ch = this.peek();
            }
            if (hasBits) {
              hasPrev = true;
              hasBits = false;
            }
            if (!hasPrev) {
              if (!right) throw this.error('Bad class syntax');
              hasPrev = true;
            }
          } else {
            this.unread();
            break;
          }
          continue;
        case 0:
          if (this.cursor >= this.patternLength) throw this.error('Unclosed character class');
          break;
        case 0x5d:
          if (hasPrev || hasBits) {
            if (consume) this.next();
            this.leave();
            return;
          }
          break;
        default:
          break;
      }
      if (this.range()) hasBits = true;
      else hasPrev = true;
      ch = this.peek();
    }
  }

  /** One class member; true when Java would put it in the class's bit set (a Latin-1 char). */
  private range(): boolean {
    let ch = this.peek();
    if (ch === 0x5c) {
      ch = this.nextEscaped();
      if (ch === 0x70 || ch === 0x50) {
        const comp = ch === 0x50;
        let oneLetter = true;
        ch = this.next();
        if (ch !== 0x7b) this.unread();
        else oneLetter = false;
        this.family(oneLetter, comp);
        return false;
      }
      const isrange = this.at(this.cursor + 1) === 0x2d;
      this.unread();
      ch = this.escape(true, true, isrange);
      if (ch === -1) return false;
    } else {
      this.next();
    }
    if (ch >= 0) {
      if (this.peek() === 0x2d) {
        const endRange = this.at(this.cursor + 1);
        if (endRange === 0x5b) return this.bitsOrSingle(ch);
        if (endRange !== 0x5d) {
          this.next();
          let m = this.peek();
          if (m === 0x5c) m = this.escape(true, false, true);
          else this.next();
          if (m < ch) throw this.error('Illegal character range');
          return false;
        }
      }
      return this.bitsOrSingle(ch);
    }
    throw this.error(`Unexpected character '${String.fromCharCode(ch & 0xffff)}'`);
  }

  private bitsOrSingle(ch: number): boolean {
    const foldsOutside =
      this.has(CASE_INSENSITIVE) && this.has(UNICODE_CASE) && [0xff, 0xb5, 0x49, 0x69, 0x53, 0x73, 0x4b, 0x6b, 0xc5, 0xe5].includes(ch);
    return ch < 256 && !foldsOutside;
  }

  private family(singleLetter: boolean, _isComplement: boolean): void {
    this.next();
    let name: string;
    if (singleLetter) {
      name = String.fromCodePoint(this.at(this.cursor));
      this.read();
    } else {
      const i = this.cursor;
      this.mark(0x7d);
      while (this.read() !== 0x7d) {
        /* scan to '}' */
      }
      this.mark(0);
      const j = this.cursor;
      if (j > this.patternLength) throw this.error('Unclosed character family');
      if (i + 1 >= j) throw this.error('Empty character family');
      name = String.fromCodePoint(...this.temp.slice(i, j - 1));
    }
    const eq = name.indexOf('=');
    if (eq !== -1) {
      const value = name.slice(eq + 1);
      const key = name.slice(0, eq).toLowerCase();
      let ok = false;
      if (key === 'sc' || key === 'script') ok = isScript(value);
      else if (key === 'blk' || key === 'block') ok = isBlock(value);
      else if (key === 'gc' || key === 'general_category') ok = PROPERTY_NAMES.has(value);
      if (!ok) throw this.error(`Unknown Unicode property {name=<${key}>, value=<${value}>}`);
      return;
    }
    let ok: boolean;
    if (name.startsWith('In')) {
      ok = isBlock(name.slice(2));
    } else if (name.startsWith('Is')) {
      const shortName = name.slice(2);
      const upper = shortName.toUpperCase();
      ok = UNICODE_PROPERTY_NAMES.has(upper) || POSIX_NAMES.has(upper) || PROPERTY_NAMES.has(shortName) || isScript(shortName);
    } else {
      ok = (this.has(UNICODE_CHARACTER_CLASS) && POSIX_NAMES.has(name.toUpperCase())) || PROPERTY_NAMES.has(name);
    }
    if (!ok) throw this.error(`Unknown character property name {${name}}`);
  }

  private groupname(ch: number): string {
    let name = '';
    if (!isAsciiAlpha(ch)) throw this.error('capturing group name does not start with a Latin letter');
    do {
      name += String.fromCharCode(ch);
    } while (isAsciiAlnum((ch = this.read())));
    if (ch !== 0x3e) throw this.error("named capturing group is missing trailing '>'");
    return name;
  }

  /** A group; returns its head (tail in `root`), or null for a flags-only group like (?i). */
  private group0(): JNode | null {
    this.enter();
    let capturingGroup = false;
    let head: JNode;
    let tail: JNode;
    const save = this.flags0;
    this.root = null;
    const groupStart = this.cursor;
    const repetitionsBefore = this.repetitions;
    let atomic = false;
    let ch = this.next();
    if (ch === 0x3f) {
      ch = this.skip();
      switch (ch) {
        case 0x3a: // (?:
          head = this.createGroup(true);
          tail = this.root!;
          head.next = this.expr(tail);
          break;
        case 0x3d: // (?=
        case 0x21: // (?!
          head = this.createGroup(true);
          tail = this.root!;
          head.next = this.expr(tail);
          head = tail = new JNode();
          break;
        case 0x3e: // (?>
          atomic = true;
          head = this.createGroup(true);
          tail = this.root!;
          head.next = this.expr(tail);
          head = tail = new QuesNode(head, 'independent');
          break;
        case 0x3c: {
          // (?<
          ch = this.read();
          if (ch !== 0x3d && ch !== 0x21) {
            const name = this.groupname(ch);
            if (this.namedGroups.has(name)) throw this.error(`Named capturing group <${name}> is already defined`);
            capturingGroup = true;
            head = this.createGroup(false);
            tail = this.root!;
            this.namedGroups.add(name);
            head.next = this.expr(tail);
            break;
          }
          head = this.createGroup(true);
          tail = this.root!;
          head.next = this.expr(tail);
          tail.next = LOOK_BEHIND_END;
          const info = newInfo();
          head.study(info);
          if (!info.maxValid) throw this.error('Look-behind group does not have an obvious maximum length');
          head = tail = new JNode();
          break;
        }
        case 0x24:
        case 0x40:
          throw this.error('Unknown group type');
        default: {
          this.unread();
          this.addFlag();
          ch = this.read();
          if (ch === 0x29) {
            this.leave();
            return null;
          }
          if (ch !== 0x3a) throw this.error('Unknown inline modifier');
          head = this.createGroup(true);
          tail = this.root!;
          head.next = this.expr(tail);
        }
      }
    } else {
      capturingGroup = true;
      head = this.createGroup(false);
      tail = this.root!;
      head.next = this.expr(tail);
    }
    void capturingGroup;

    this.accept(0x29, 'Unclosed group');
    this.flags0 = save;

    const innerRepetitions = this.repetitions - repetitionsBefore;
    const node = this.closure(head);
    this.leave();
    if (!atomic && innerRepetitions > 0 && this.repetitions > repetitionsBefore + innerRepetitions && this.nestedRepetitions.length < 3) {
      this.nestedRepetitions.push(String.fromCodePoint(...this.temp.slice(groupStart, this.cursor)));
    }
    if (node === head) {
      this.root = tail;
      return node;
    }
    if (head === tail) {
      this.root = node;
      return node;
    }
    if (node instanceof QuesNode) {
      if (node.type === 'possessive') {
        this.root = node;
        return node;
      }
      tail.next = new BranchConnNode();
      tail = tail.next;
      head = node.type === 'greedy' ? new BranchNode(head, null, tail) : new BranchNode(null, head, tail);
      this.root = tail;
      return head;
    }
    if (node instanceof CurlyNode) {
      if (node.type === 'possessive') {
        this.root = node;
        return node;
      }
      const info = newInfo();
      if (head.study(info)) {
        // Deterministic: GroupCurly over the group's body.
        const groupCurly = new CurlyNode(head.next!, node.cmin, node.cmax, node.type);
        head = this.root = groupCurly;
        return head;
      }
      const loop = new LoopNode();
      tail.next = loop;
      this.root = loop;
      const prolog = new LoopNode(); // Prolog studies as its Loop does
      return prolog;
    }
    throw this.error('Internal logic error');
  }

  private createGroup(anonymous: boolean): JNode {
    if (!anonymous) this.capturingGroupCount++;
    const head = new JNode();
    this.root = new JNode();
    return head;
  }

  private addFlag(): void {
    let ch = this.peek();
    for (;;) {
      switch (ch) {
        case 0x69:
          this.flags0 |= CASE_INSENSITIVE;
          break;
        case 0x6d:
          this.flags0 |= MULTILINE;
          break;
        case 0x73:
          this.flags0 |= DOTALL;
          break;
        case 0x64:
          this.flags0 |= UNIX_LINES;
          break;
        case 0x75:
          this.flags0 |= UNICODE_CASE;
          break;
        case 0x63:
          this.flags0 |= CANON_EQ;
          break;
        case 0x78:
          this.flags0 |= COMMENTS;
          break;
        case 0x55:
          this.flags0 |= UNICODE_CHARACTER_CLASS | UNICODE_CASE;
          break;
        case 0x2d:
          ch = this.next();
          this.subFlag();
          return;
        default:
          return;
      }
      ch = this.next();
    }
  }

  private subFlag(): void {
    let ch = this.peek();
    for (;;) {
      switch (ch) {
        case 0x69:
          this.flags0 &= ~CASE_INSENSITIVE;
          break;
        case 0x6d:
          this.flags0 &= ~MULTILINE;
          break;
        case 0x73:
          this.flags0 &= ~DOTALL;
          break;
        case 0x64:
          this.flags0 &= ~UNIX_LINES;
          break;
        case 0x75:
          this.flags0 &= ~UNICODE_CASE;
          break;
        case 0x63:
          this.flags0 &= ~CANON_EQ;
          break;
        case 0x78:
          this.flags0 &= ~COMMENTS;
          break;
        case 0x55:
          this.flags0 &= ~(UNICODE_CHARACTER_CLASS | UNICODE_CASE);
          break;
        default:
          return;
      }
      ch = this.next();
    }
  }

  private qtype(): Qtype {
    const ch = this.next();
    if (ch === 0x3f) {
      this.next();
      return 'lazy';
    }
    if (ch === 0x2b) {
      this.next();
      return 'possessive';
    }
    return 'greedy';
  }

  private curly(prev: JNode, cmin: number): JNode {
    const qtype = this.qtype();
    if (qtype !== 'possessive') this.repetitions++;
    if (qtype === 'greedy' && prev instanceof CharPropertyNode) return new CharPropertyGreedyNode(cmin);
    return new CurlyNode(prev, cmin, MAX_REPS, qtype);
  }

  private closure(prev: JNode): JNode {
    let ch = this.peek();
    switch (ch) {
      case 0x3f:
        return new QuesNode(prev, this.qtype());
      case 0x2a:
        return this.curly(prev, 0);
      case 0x2b:
        return this.curly(prev, 1);
      case 0x7b: {
        ch = this.skip();
        if (!isAsciiDigit(ch)) throw this.error('Illegal repetition');
        let cmin = 0;
        let cmax: number;
        const overflow = (): JavaPatternSyntaxError => this.error('Illegal repetition range');
        do {
          cmin = cmin * 10 + (ch - 0x30);
          if (cmin > INT_MAX) throw overflow();
        } while (isAsciiDigit((ch = this.read())));
        if (ch === 0x2c) {
          ch = this.read();
          if (ch === 0x7d) {
            this.unread();
            return this.curly(prev, cmin);
          }
          cmax = 0;
          while (isAsciiDigit(ch)) {
            cmax = cmax * 10 + (ch - 0x30);
            if (cmax > INT_MAX) throw overflow();
            ch = this.read();
          }
        } else {
          cmax = cmin;
        }
        if (ch !== 0x7d) throw this.error('Unclosed counted closure');
        if (cmax < cmin) throw this.error('Illegal repetition range');
        this.unread();
        if (cmin === 0 && cmax === 1) return new QuesNode(prev, this.qtype());
        const qtype = this.qtype();
        if (cmax > 1 && qtype !== 'possessive') this.repetitions++;
        return new CurlyNode(prev, cmin, cmax, qtype);
      }
      default:
        return prev;
    }
  }

  private c(): number {
    if (this.cursor < this.patternLength) return this.read() ^ 64;
    throw this.error('Illegal control escape sequence');
  }

  private o(): number {
    const isOctal = (d: number): boolean => d >= 0x30 && d <= 0x37;
    const n = this.read();
    if (isOctal(n)) {
      const m = this.read();
      if (isOctal(m)) {
        const o = this.read();
        if (isOctal(o) && n >= 0x30 && n <= 0x33) return (n - 0x30) * 64 + (m - 0x30) * 8 + (o - 0x30);
        this.unread();
        return (n - 0x30) * 8 + (m - 0x30);
      }
      this.unread();
      return n - 0x30;
    }
    throw this.error('Illegal octal escape sequence');
  }

  private x(): number {
    let n = this.read();
    if (isHexDigit(n)) {
      const m = this.read();
      if (isHexDigit(m)) return hexValue(n) * 16 + hexValue(m);
    } else if (n === 0x7b && isHexDigit(this.peek())) {
      let ch = 0;
      while (isHexDigit((n = this.read()))) {
        ch = ch * 16 + hexValue(n);
        if (ch > MAX_CODE_POINT) throw this.error('Hexadecimal codepoint is too big');
      }
      if (n !== 0x7d) throw this.error('Unclosed hexadecimal escape sequence');
      return ch;
    }
    throw this.error('Illegal hexadecimal escape sequence');
  }

  private uxxxx(): number {
    let n = 0;
    for (let i = 0; i < 4; i++) {
      const ch = this.read();
      if (!isHexDigit(ch)) throw this.error('Illegal Unicode escape sequence');
      n = n * 16 + hexValue(ch);
    }
    return n;
  }

  private u(): number {
    const n = this.uxxxx();
    if (n >= 0xd800 && n <= 0xdbff) {
      const cur = this.cursor;
      if (this.read() === 0x5c && this.read() === 0x75) {
        const n2 = this.uxxxx();
        if (n2 >= 0xdc00 && n2 <= 0xdfff) return 0x10000 + ((n - 0xd800) << 10) + (n2 - 0xdc00);
      }
      this.cursor = cur;
    }
    return n;
  }
}

/** Longer patterns are refused: Java's compiler recurses once per node and runs out of stack. */
export const MAX_JAVA_PATTERN_LENGTH = 4096;

export interface JavaPatternCheck {
  /** Java's error, or null when Java compiles the pattern. */
  error: JavaPatternSyntaxError | null;
  /** Repeated groups that contain another repetition (catastrophic backtracking risk), e.g. `(a+)+`. */
  nestedRepetitions: string[];
}

/**
 * Checks `pattern` the way `java.util.regex.Pattern.compile(pattern)` (no flags) does: error null
 * when Java compiles it, otherwise Java's error (description and index).
 */
export function checkJavaPattern(pattern: string): JavaPatternCheck {
  if (pattern.length > MAX_JAVA_PATTERN_LENGTH) {
    return {
      error: new JavaPatternSyntaxError(
        `longer than ${MAX_JAVA_PATTERN_LENGTH} characters (Java's compiler can run out of stack on long patterns)`,
        -1,
      ),
      nestedRepetitions: [],
    };
  }
  const parser = new Parser(pattern);
  try {
    parser.compile();
    return { error: null, nestedRepetitions: parser.nestedRepetitions };
  } catch (err) {
    if (err instanceof JavaPatternSyntaxError) return { error: err, nestedRepetitions: [] };
    if (err instanceof RangeError) {
      return {
        error: new JavaPatternSyntaxError('too deeply nested to check (Java may fail with a stack overflow)', -1),
        nestedRepetitions: [],
      };
    }
    throw err;
  }
}

/** Java's error for `pattern`, or null when `Pattern.compile` accepts it. */
export function javaPatternError(pattern: string): JavaPatternSyntaxError | null {
  return checkJavaPattern(pattern).error;
}
